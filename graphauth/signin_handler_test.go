package graphauth_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/entrakit/entrakit/graphauth"
	"github.com/entrakit/entrakit/graphauth/graphauthtest"
)

// webApp mounts the handler pair on a loopback server and returns a
// browser-like client (a cookie jar, following redirects) for it.
func webApp(t *testing.T, mode string) (*graphauthtest.Server, *httptest.Server, *http.Client) {
	t.Helper()
	srv := graphauthtest.NewServer(nil)
	t.Cleanup(srv.Close)
	app := srv.AddApp(graphauthtest.App{Secrets: []graphauthtest.Secret{{}}, RedirectURIs: []string{"http://127.0.0.1/callback"}, RequiredScopes: []string{"User.Read"}})
	mux := http.NewServeMux()
	web := httptest.NewServer(mux)
	t.Cleanup(web.Close)
	s, err := graphauth.NewSignIn(srv.TenantID, app.ClientID, graphauth.ClientAuth{Secret: graphauth.Secret(app.Secrets[0].Value)},
		&graphauth.SignInOptions{Options: *fakeOpts(srv), RedirectURI: web.URL + "/callback"})
	require.NoError(t, err)
	h, err := s.Handler(graphauth.HandlerOptions{
		Key: []byte("0123456789abcdef0123456789abcdef"),
		OnSignIn: func(w http.ResponseWriter, _ *http.Request, u *graphauth.User) {
			fmt.Fprintf(w, "hello %s", u.Username)
		},
		Request: func(*http.Request) graphauth.AuthRequest { return graphauth.AuthRequest{ResponseMode: mode} },
	})
	require.NoError(t, err)
	mux.Handle("/login", h.Login())
	mux.Handle("/callback", h.Callback())
	jar, _ := cookiejar.New(nil)
	return srv, web, &http.Client{Transport: srv.Client().Transport, Jar: jar}
}

func body(t *testing.T, resp *http.Response) string {
	t.Helper()
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

func TestHandlerSignsAUserIn(t *testing.T) {
	t.Parallel()
	_, web, browser := webApp(t, "")
	resp, err := browser.Get(web.URL + "/login")
	require.NoError(t, err)
	assert.Equal(t, "hello admin@contoso.onmicrosoft.com", body(t, resp))
	u, _ := url.Parse(web.URL + "/callback")
	assert.Empty(t, browser.Jar.Cookies(u), "the sign-in cookie is gone after the callback")
}

func TestHandlerCookieAttributes(t *testing.T) {
	t.Parallel()
	for mode, sameSite := range map[string]string{"": "SameSite=Lax", "form_post": "SameSite=None"} {
		_, web, browser := webApp(t, mode)
		browser.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
		resp, err := browser.Get(web.URL + "/login")
		require.NoError(t, err)
		resp.Body.Close()
		set := resp.Header.Get("Set-Cookie")
		assert.Contains(t, set, "HttpOnly")
		assert.Contains(t, set, "Path=/callback")
		assert.Contains(t, set, "Max-Age=600")
		assert.Contains(t, set, sameSite)
		if mode == "" {
			assert.NotContains(t, set, "Secure", "a loopback redirect cannot carry a Secure cookie over http")
		} else {
			assert.Contains(t, set, "Secure", "SameSite=None requires Secure")
		}
	}
}

// callbackURL signs in up to the platform's redirect and returns the
// callback URL and the sign-in cookie, without calling the app.
func callbackURL(t *testing.T, web *httptest.Server, browser *http.Client) (string, *http.Cookie) {
	t.Helper()
	browser.CheckRedirect = func(r *http.Request, _ []*http.Request) error {
		if r.URL.Path == "/callback" {
			return http.ErrUseLastResponse
		}
		return nil
	}
	resp, err := browser.Get(web.URL + "/login")
	require.NoError(t, err)
	resp.Body.Close()
	u, _ := url.Parse(web.URL + "/callback")
	cookies := browser.Jar.Cookies(u)
	require.Len(t, cookies, 1)
	browser.CheckRedirect = nil
	return resp.Header.Get("Location"), cookies[0]
}

func TestHandlerRefusesForgedTamperedAndReplayedCallbacks(t *testing.T) {
	t.Parallel()
	t.Run("tampered cookie", func(t *testing.T) {
		_, web, browser := webApp(t, "")
		loc, c := callbackURL(t, web, browser)
		raw := []byte(c.Value)
		raw[len(raw)/2] ^= 1
		u, _ := url.Parse(web.URL + "/callback")
		browser.Jar.SetCookies(u, []*http.Cookie{{Name: c.Name, Value: string(raw), Path: "/callback"}})
		resp, err := browser.Get(loc)
		require.NoError(t, err)
		assert.Equal(t, 400, resp.StatusCode)
		assert.Contains(t, body(t, resp), "state does not match")
	})
	t.Run("no cookie (a forged callback)", func(t *testing.T) {
		_, web, browser := webApp(t, "")
		loc, _ := callbackURL(t, web, browser)
		fresh := &http.Client{Transport: browser.Transport}
		resp, err := fresh.Get(loc)
		require.NoError(t, err)
		assert.Equal(t, 400, resp.StatusCode)
		body(t, resp)
	})
	t.Run("replayed callback with its cookie", func(t *testing.T) {
		_, web, browser := webApp(t, "")
		loc, c := callbackURL(t, web, browser)
		resp, err := browser.Get(loc)
		require.NoError(t, err)
		assert.Contains(t, body(t, resp), "hello")
		replay, _ := http.NewRequest(http.MethodGet, loc, nil)
		replay.AddCookie(c)
		resp, err = (&http.Client{Transport: browser.Transport}).Do(replay)
		require.NoError(t, err)
		assert.Equal(t, 400, resp.StatusCode, "single-use")
		assert.NotContains(t, body(t, resp), "hello")
	})
	t.Run("an error redirect reaches OnError with its code", func(t *testing.T) {
		srv, web, browser := webApp(t, "")
		srv.SignIn("adele@contoso.onmicrosoft.com")
		srv.InjectFault(graphauthtest.Fault{Endpoint: graphauthtest.EndpointToken, Status: 400, Error: "invalid_grant", AADSTS: 70008})
		resp, err := browser.Get(web.URL + "/login")
		require.NoError(t, err)
		text := body(t, resp)
		assert.Equal(t, 400, resp.StatusCode)
		assert.Contains(t, text, "AADSTS70008")
		assert.False(t, strings.Contains(text, "code="), "the code is not echoed")
	})
}

func TestHandlerOptionsAreChecked(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	s := signIn(t, srv, srv.TenantID, graphauth.ClientAuth{Secret: graphauth.Secret(srv.Secret)}, nil)
	_, err := s.Handler(graphauth.HandlerOptions{Key: []byte("short"), OnSignIn: func(http.ResponseWriter, *http.Request, *graphauth.User) {}})
	var ce *graphauth.ConfigError
	assert.ErrorAs(t, err, &ce)
	_, err = s.Handler(graphauth.HandlerOptions{Key: make([]byte, 32)})
	assert.ErrorAs(t, err, &ce)
}
