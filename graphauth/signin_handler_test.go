package graphauth_test

import (
	"crypto/tls"
	"crypto/x509"
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
	return webAppOver(t, mode, false)
}

// webAppOver is webApp, over https when secure: the redirect URI is then
// https, as off loopback.
func webAppOver(t *testing.T, mode string, secure bool) (*graphauthtest.Server, *httptest.Server, *http.Client) {
	t.Helper()
	srv := graphauthtest.NewServer(nil)
	t.Cleanup(srv.Close)
	mux := http.NewServeMux()
	web := httptest.NewUnstartedServer(mux)
	if secure {
		web.StartTLS()
	} else {
		web.Start()
	}
	t.Cleanup(web.Close)
	app := srv.AddApp(graphauthtest.App{Secrets: []graphauthtest.Secret{{}}, RedirectURIs: []string{"http://127.0.0.1/callback", web.URL + "/callback"},
		RequiredScopes: []string{"User.Read"}})
	s, err := graphauth.NewSignIn(srv.TenantID, app.ClientID, graphauth.ClientAuth{Secret: graphauth.Secret(app.Secrets[0].Value)},
		&graphauth.SignInOptions{Options: *fakeOpts(srv), RedirectURI: web.URL + "/callback"})
	require.NoError(t, err)
	h, err := s.Handler(graphauth.HandlerOptions{
		Key: []byte("0123456789abcdef0123456789abcdef"),
		OnSignIn: func(w http.ResponseWriter, _ *http.Request, u *graphauth.User) {
			fmt.Fprintf(w, "hello %s", u.Username)
		},
		Request: func(r *http.Request) graphauth.AuthRequest {
			return graphauth.AuthRequest{ResponseMode: mode, LoginHint: r.URL.Query().Get("login_hint")}
		},
	})
	require.NoError(t, err)
	mux.Handle("/login", h.Login())
	mux.Handle("/callback", h.Callback())
	jar, _ := cookiejar.New(nil)
	roots := x509.NewCertPool()
	roots.AddCert(srv.Certificate())
	if secure {
		roots.AddCert(web.Certificate())
	}
	return srv, web, &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots}}, Jar: jar}
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
	for _, c := range browser.Jar.Cookies(u) {
		assert.NotContains(t, c.Name, "entrakit_signin_", "the sign-in cookie is gone after the callback")
	}
}

// setCookies returns the cookies a response sets, by name.
func setCookies(resp *http.Response) map[string]*http.Cookie {
	out := map[string]*http.Cookie{}
	for _, c := range resp.Cookies() {
		out[c.Name] = c
	}
	return out
}

// signInCookie is the per-sign-in cookie among cookies, and its name.
func signInCookie(t *testing.T, cookies map[string]*http.Cookie) *http.Cookie {
	t.Helper()
	for name, c := range cookies {
		if strings.Contains(name, "entrakit_signin_") {
			return c
		}
	}
	require.Fail(t, "no sign-in cookie")
	return nil
}

func TestHandlerCookieAttributes(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		mode     string
		secure   bool
		sameSite http.SameSite
		prefix   string
		path     string
	}{
		{"loopback http", "", false, http.SameSiteLaxMode, "", "/callback"},
		{"loopback http, form_post", "form_post", false, http.SameSiteNoneMode, "", "/callback"},
		{"https", "", true, http.SameSiteLaxMode, "__Host-", "/"},
		{"https, form_post", "form_post", true, http.SameSiteNoneMode, "__Host-", "/"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			_, web, browser := webAppOver(t, c.mode, c.secure)
			browser.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
			resp, err := browser.Get(web.URL + "/login")
			require.NoError(t, err)
			resp.Body.Close()
			cookies := setCookies(resp)
			require.Len(t, cookies, 2, "the sign-in's cookie and the browser's binding")
			state, bind := signInCookie(t, cookies), cookies[c.prefix+"entrakit_browser"]
			require.NotNil(t, bind, "the binding cookie %sentrakit_browser", c.prefix)
			assert.True(t, strings.HasPrefix(state.Name, c.prefix+"entrakit_signin_"), state.Name)
			assert.Equal(t, c.path, state.Path)
			assert.Equal(t, "/", bind.Path, "the binding is read at login and at the callback")
			for _, ck := range []*http.Cookie{state, bind} {
				assert.True(t, ck.HttpOnly, ck.Name)
				assert.Empty(t, ck.Domain, "a host-only cookie: %s", ck.Name)
				assert.Equal(t, 600, ck.MaxAge, ck.Name)
				assert.Equal(t, c.sameSite, ck.SameSite, ck.Name)
				switch {
				case c.secure || c.mode == "form_post":
					assert.True(t, ck.Secure, "%s: https, or SameSite=None, needs Secure", ck.Name)
				default:
					assert.False(t, ck.Secure, "%s: a loopback redirect cannot carry a Secure cookie over http", ck.Name)
				}
			}
		})
	}
}

// callbackURL signs in up to the platform's redirect and returns the
// callback URL and the sign-in cookie, without calling the app.
func callbackURL(t *testing.T, web *httptest.Server, browser *http.Client) (string, *http.Cookie) {
	t.Helper()
	return callbackURLFor(t, web, browser, "")
}

// callbackURLFor is callbackURL for the user loginHint.
func callbackURLFor(t *testing.T, web *httptest.Server, browser *http.Client, loginHint string) (string, *http.Cookie) {
	t.Helper()
	var set map[string]*http.Cookie
	browser.CheckRedirect = func(r *http.Request, via []*http.Request) error {
		if len(via) == 1 {
			set = setCookies(r.Response)
		}
		if r.URL.Path == "/callback" {
			return http.ErrUseLastResponse
		}
		return nil
	}
	resp, err := browser.Get(web.URL + "/login?" + url.Values{"login_hint": {loginHint}}.Encode())
	require.NoError(t, err)
	resp.Body.Close()
	browser.CheckRedirect = nil
	return resp.Header.Get("Location"), signInCookie(t, set)
}

func TestHandlerRefusesForgedTamperedAndReplayedCallbacks(t *testing.T) {
	t.Parallel()
	t.Run("tampered cookie", func(t *testing.T) {
		_, web, browser := webApp(t, "")
		loc, c := callbackURL(t, web, browser)
		raw := []byte(c.Value)
		raw[len(raw)/2] ^= 1
		u, _ := url.Parse(web.URL + "/callback")
		browser.Jar.SetCookies(u, []*http.Cookie{{Name: c.Name, Value: string(raw), Path: c.Path}})
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

// A sign-in cookie planted in a victim's browser (by a sibling subdomain,
// which may set cookies for the parent domain, or by a page on another
// loopback port) does not sign the victim in to the attacker's account: the
// sealed state is bound to the browser that started the sign-in, through a
// second cookie (__Host-, so unplantable, over https).
func TestHandlerRefusesAPlantedSignInCookie(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name        string
		secure      bool
		ownSignIn   bool // the victim has started a sign-in of their own
		wantRefused bool
	}{
		{"loopback http, a victim who never started a sign-in", false, false, true},
		{"loopback http, a victim with a sign-in of their own under way", false, true, true},
		{"https, a victim who never started a sign-in", true, false, true},
		{"https, a victim with a sign-in of their own under way", true, true, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			_, web, attacker := webAppOver(t, "", c.secure)
			loc, planted := callbackURLFor(t, web, attacker, "adele@contoso.onmicrosoft.com")

			jar, _ := cookiejar.New(nil)
			victim := &http.Client{Transport: attacker.Transport, Jar: jar,
				CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
			if c.ownSignIn {
				resp, err := victim.Get(web.URL + "/login")
				require.NoError(t, err)
				resp.Body.Close()
			}
			req, err := http.NewRequest(http.MethodGet, loc, nil)
			require.NoError(t, err)
			req.AddCookie(planted)
			resp, err := victim.Do(req)
			require.NoError(t, err)
			text := body(t, resp)
			assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
			assert.NotContains(t, text, "hello", "the victim is not signed in as the attacker")
			assert.Contains(t, text, "state does not match")
		})
	}
}

// Sign-ins started in two tabs of one browser share its binding, and both
// complete.
func TestHandlerCompletesSignInsStartedInTwoTabs(t *testing.T) {
	t.Parallel()
	for name, secure := range map[string]bool{"loopback http": false, "https": true} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			_, web, browser := webAppOver(t, "", secure)
			browser.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
			var authorize []string
			for range 2 {
				resp, err := browser.Get(web.URL + "/login")
				require.NoError(t, err)
				resp.Body.Close()
				authorize = append(authorize, resp.Header.Get("Location"))
			}
			browser.CheckRedirect = nil
			for _, u := range authorize {
				resp, err := browser.Get(u)
				require.NoError(t, err)
				assert.Equal(t, "hello admin@contoso.onmicrosoft.com", body(t, resp))
			}
		})
	}
}
