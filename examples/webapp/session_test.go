package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/entrakit/entrakit/graphauth"
	"github.com/entrakit/entrakit/graphauth/graphauthtest"
)

// behindProxy is the app as deployed: its redirect URI is https, TLS ends
// at a proxy in front, and the requests reach the app over plain http.
type behindProxy struct {
	t    *testing.T
	fake *graphauthtest.Server
	app  *webApp
}

func newBehindProxy(t *testing.T) *behindProxy {
	t.Helper()
	const redirect = "https://app.example/callback"
	fake := graphauthtest.NewServer(nil)
	t.Cleanup(fake.Close)
	app := fake.AddApp(graphauthtest.App{DisplayName: "behind a proxy", Secrets: []graphauthtest.Secret{{}},
		RedirectURIs: []string{redirect}, RequiredScopes: []string{"User.Read"}})
	s, err := graphauth.NewSignIn(fake.TenantID, app.ClientID, graphauth.ClientAuth{Secret: graphauth.Secret(app.Secrets[0].Value)},
		&graphauth.SignInOptions{Options: graphauth.Options{AuthorityHost: fake.URL, HTTPClient: fake.Client()}, RedirectURI: redirect})
	require.NoError(t, err)
	h, err := newWebApp(s, make([]byte, 32), redirect, fake.URL, fake.Client().Transport)
	require.NoError(t, err)
	return &behindProxy{t: t, fake: fake, app: h}
}

// serve sends a request through the proxy: plain http, Host as the browser
// sent it.
func (p *behindProxy) serve(method, target, host string, cookies []*http.Cookie) *http.Response {
	req := httptest.NewRequest(method, "http://"+host+target, nil)
	for _, c := range cookies {
		req.AddCookie(c)
	}
	rec := httptest.NewRecorder()
	p.app.ServeHTTP(rec, req)
	return rec.Result()
}

// signIn runs a sign-in through the fake and returns the cookies the app
// set at the callback.
func (p *behindProxy) signIn() []*http.Cookie {
	p.t.Helper()
	login := p.serve(http.MethodGet, "/login", "app.example", nil)
	require.Equal(p.t, http.StatusFound, login.StatusCode)
	noFollow := p.fake.Client()
	noFollow.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := noFollow.Get(login.Header.Get("Location"))
	require.NoError(p.t, err)
	resp.Body.Close()
	back, err := url.Parse(resp.Header.Get("Location"))
	require.NoError(p.t, err)
	require.Equal(p.t, "app.example", back.Host, "the platform sends the browser back to the redirect URI")
	cb := p.serve(http.MethodGet, back.RequestURI(), "app.example", login.Cookies())
	require.Equal(p.t, http.StatusFound, cb.StatusCode, "the callback signs in")
	return cb.Cookies()
}

func sessionCookie(cookies []*http.Cookie) *http.Cookie {
	for _, c := range cookies {
		if strings.HasSuffix(c.Name, "session") && c.MaxAge > 0 {
			return c
		}
	}
	return nil
}

// Behind a proxy that ends TLS, the session cookie was sent without Secure
// (the app asked r.TLS) and under a name a sibling subdomain may set, so
// that it travelled in the clear over any http link and another host of
// the domain could plant a session of its own in the victim's browser. It
// follows the redirect URI's scheme instead, as the sign-in cookies do.
func TestTheSessionCookieIsSecureBehindATLSProxy(t *testing.T) {
	p := newBehindProxy(t)
	c := sessionCookie(p.signIn())
	require.NotNil(t, c, "a session cookie")
	assert.True(t, c.Secure, "Secure: the app is served over https")
	assert.Equal(t, "__Host-session", c.Name, "a __Host- cookie, which no sibling subdomain can set")
	assert.True(t, c.HttpOnly)
	home := p.serve(http.MethodGet, "/", "app.example", []*http.Cookie{c})
	assert.Contains(t, readAll(t, home), "Signed in as")
}

// A copy of the session cookie (from a shared machine, a log, a proxy)
// stopped working only when the browser dropped it: nothing in the value
// expired. It now holds its expiry, which the app checks.
func TestACopiedSessionCookieExpires(t *testing.T) {
	p := newBehindProxy(t)
	c := sessionCookie(p.signIn())
	require.NotNil(t, c)
	p.app.now = func() time.Time { return time.Now().Add(sessionLifetime + time.Minute) }
	home := p.serve(http.MethodGet, "/", "app.example", []*http.Cookie{c})
	assert.Contains(t, readAll(t, home), "Sign in with Microsoft", "an expired session is no session")
}

// Sign-out was a GET, which any page can make the browser send (a link, a
// redirect) with the SameSite=Lax session cookie: it now takes a POST,
// which another site's form sends without that cookie. The platform's
// end-session request names the app's own home page, never one built from
// the request's Host header.
func TestSignOutIsAPostAndReturnsToTheAppsOwnOrigin(t *testing.T) {
	p := newBehindProxy(t)
	c := sessionCookie(p.signIn())
	require.NotNil(t, c)

	get := p.serve(http.MethodGet, "/logout", "app.example", []*http.Cookie{c})
	assert.Equal(t, http.StatusMethodNotAllowed, get.StatusCode)
	home := p.serve(http.MethodGet, "/", "app.example", []*http.Cookie{c})
	assert.Contains(t, readAll(t, home), "Signed in as", "a GET signs no one out")

	out := p.serve(http.MethodPost, "/logout", "evil.example", []*http.Cookie{c})
	require.Equal(t, http.StatusFound, out.StatusCode)
	loc, err := url.Parse(out.Header.Get("Location"))
	require.NoError(t, err)
	assert.Equal(t, "https://app.example/", loc.Query().Get("post_logout_redirect_uri"))
	for _, sc := range out.Cookies() {
		if sc.Name == c.Name {
			assert.Negative(t, sc.MaxAge, "the session cookie is deleted")
			assert.True(t, sc.Secure, "and deleted as the Secure cookie it was")
		}
	}
}

// A callback opened a second time (the browser's back button, a reload)
// tells the user what happened and what to do: it said only "the
// callback's state does not match this sign-in".
func TestACallbackOpenedTwiceSaysToSignInAgain(t *testing.T) {
	p := newBehindProxy(t)
	login := p.serve(http.MethodGet, "/login", "app.example", nil)
	noFollow := p.fake.Client()
	noFollow.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := noFollow.Get(login.Header.Get("Location"))
	require.NoError(t, err)
	resp.Body.Close()
	back, err := url.Parse(resp.Header.Get("Location"))
	require.NoError(t, err)
	first := p.serve(http.MethodGet, back.RequestURI(), "app.example", login.Cookies())
	require.Equal(t, http.StatusFound, first.StatusCode)
	again := p.serve(http.MethodGet, back.RequestURI(), "app.example", login.Cookies())
	body, _ := io.ReadAll(again.Body)
	assert.Equal(t, http.StatusBadRequest, again.StatusCode)
	assert.Contains(t, string(body), "a callback opened twice, in another browser, or forged): sign in again")
}
