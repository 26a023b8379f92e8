package graphauthtest_test

import (
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/entrakit/entrakit/graphauth/graphauthtest"
)

// browser is a client with its own cookie jar, as a browser is.
func browser(t *testing.T, srv *graphauthtest.Server) *http.Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	c := srv.Client()
	c.Jar = jar
	return c
}

// signInWith follows /authorize with c and returns the redirect's query.
func signInWith(t *testing.T, srv *graphauthtest.Server, c *http.Client, path string, q url.Values) url.Values {
	t.Helper()
	resp, err := c.Get(srv.URL + path + "?" + q.Encode())
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusFound, resp.StatusCode)
	loc, err := url.Parse(resp.Header.Get("Location"))
	require.NoError(t, err)
	return loc.Query()
}

func TestSignInSessionsArePerBrowser(t *testing.T) {
	t.Parallel()
	srv, app, _ := msp(t, graphauthtest.Options{})
	params := func(extra url.Values) url.Values {
		q := url.Values{"client_id": {app.ClientID}, "response_type": {"code"}, "redirect_uri": {"https://console.example/consent"},
			"scope": {"openid User.Read"}, "state": {"s"}}
		for k, v := range extra {
			q[k] = v
		}
		return q
	}
	vendorPath := "/vendor.onmicrosoft.com/oauth2/v2.0/authorize"

	// Browser A signs in a customer's user through /organizations.
	a := browser(t, srv)
	got := signInWith(t, srv, a, "/organizations/oauth2/v2.0/authorize", params(url.Values{"login_hint": {"staff@customer.onmicrosoft.com"}}))
	require.NotEmpty(t, got.Get("code"), got.Get("error_description"))

	// An unrelated client signing in to the vendor's tenant is not that user.
	other := signInWith(t, srv, browser(t, srv), vendorPath, params(nil))
	assert.NotEmpty(t, other.Get("code"), "no AADSTS50020 from another browser's sign-in: %s", other.Get("error_description"))
	plain := signInWith(t, srv, srv.Client(), vendorPath, params(nil))
	assert.NotEmpty(t, plain.Get("code"), "nor for a client without cookies: %s", plain.Get("error_description"))

	// Browser A's own session is kept: a silent sign-in is its user, and
	// the vendor's tenant refuses that user as the platform does.
	silent := signInWith(t, srv, a, "/organizations/oauth2/v2.0/authorize", params(url.Values{"prompt": {"none"}}))
	assert.NotEmpty(t, silent.Get("code"), silent.Get("error_description"))
	assert.Equal(t, got.Get("session_state"), silent.Get("session_state"), "session_state names the browser's session, as the platform's does")
	assert.NotEqual(t, got.Get("session_state"), other.Get("session_state"), "another browser's session is another")
	assert.Regexp(t, `^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`, got.Get("session_state"))
	refused := signInWith(t, srv, a, vendorPath, params(nil))
	assert.Equal(t, "invalid_request", refused.Get("error"))
	assert.Contains(t, refused.Get("error_description"), "AADSTS50020")

	// A browser without a session asked for a silent sign-in must log in.
	fresh := signInWith(t, srv, browser(t, srv), "/organizations/oauth2/v2.0/authorize", params(url.Values{"prompt": {"none"}}))
	assert.Equal(t, "login_required", fresh.Get("error"))

	// Signing out ends browser A's session only.
	resp, err := a.Get(srv.URL + "/common/oauth2/v2.0/logout")
	require.NoError(t, err)
	resp.Body.Close()
	after := signInWith(t, srv, a, "/organizations/oauth2/v2.0/authorize", params(url.Values{"prompt": {"none"}}))
	assert.Equal(t, "login_required", after.Get("error"))
}

func TestParallelBrowsersDoNotInterfere(t *testing.T) {
	t.Parallel()
	srv, app, _ := msp(t, graphauthtest.Options{})
	q := func(hint string) url.Values {
		return url.Values{"client_id": {app.ClientID}, "response_type": {"code"}, "redirect_uri": {"https://console.example/consent"},
			"scope": {"openid User.Read"}, "state": {"s"}, "login_hint": {hint}}
	}
	users := []struct{ hint, path string }{
		{"staff@customer.onmicrosoft.com", "/customer.onmicrosoft.com/oauth2/v2.0/authorize"},
		{"dev@vendor.onmicrosoft.com", "/vendor.onmicrosoft.com/oauth2/v2.0/authorize"},
	}
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		u := users[i%2]
		wg.Add(1)
		go func() {
			defer wg.Done()
			b := browser(t, srv)
			first := signInWith(t, srv, b, u.path, q(u.hint))
			assert.NotEmpty(t, first.Get("code"), first.Get("error_description"))
			for j := 0; j < 5; j++ {
				again := signInWith(t, srv, b, u.path, url.Values{"client_id": {app.ClientID}, "response_type": {"code"},
					"redirect_uri": {"https://console.example/consent"}, "scope": {"openid User.Read"}, "prompt": {"none"}})
				assert.NotEmpty(t, again.Get("code"), "each browser keeps its own user: %s", again.Get("error_description"))
			}
		}()
	}
	wg.Wait()
}

func TestTwoServersOnOneHostKeepTheirOwnSessionsInOneBrowser(t *testing.T) {
	t.Parallel()
	one, app1, _ := msp(t, graphauthtest.Options{})
	two, app2, _ := msp(t, graphauthtest.Options{})
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	// One browser: the same jar, trusting both servers.
	c1, c2 := one.Client(), two.Client()
	c1.Jar, c2.Jar = jar, jar
	q := func(app graphauthtest.App, extra url.Values) url.Values {
		v := url.Values{"client_id": {app.ClientID}, "response_type": {"code"}, "redirect_uri": {"https://console.example/consent"},
			"scope": {"openid User.Read"}}
		for k, x := range extra {
			v[k] = x
		}
		return v
	}
	org := "/organizations/oauth2/v2.0/authorize"
	require.NotEmpty(t, signInWith(t, one, c1, org, q(app1, url.Values{"login_hint": {"staff@customer.onmicrosoft.com"}})).Get("code"))
	require.NotEmpty(t, signInWith(t, two, c2, org, q(app2, url.Values{"login_hint": {"dev@vendor.onmicrosoft.com"}})).Get("code"))
	// Cookies do not tell ports apart; the sessions still do.
	again := signInWith(t, one, c1, "/customer.onmicrosoft.com/oauth2/v2.0/authorize", q(app1, url.Values{"prompt": {"none"}}))
	assert.NotEmpty(t, again.Get("code"), "the first server's session survived the second's sign-in: %s", again.Get("error_description"))
}
