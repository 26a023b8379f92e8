package consent_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/entrakit/entrakit/consent"
	"github.com/entrakit/entrakit/graphauth"
	"github.com/entrakit/entrakit/graphauth/graphauthtest"
)

// The round trip's cookie was a plain cookie scoped to the callback's
// path, which a sibling subdomain (user content at files.console.example,
// say) can set for console.example: it could plant its own round trip's
// cookie in an administrator's browser, send the administrator to consent
// with that round trip's state, and have the administrator's tenant
// recorded with its own AppState. Off loopback it is a __Host- cookie,
// which only the console's own origin can set; a cookie under the plain
// name is ignored.
func TestTheRoundTripCookieIsAHostCookie(t *testing.T) {
	t.Parallel()
	srv, app := msp(t, graphauthtest.Options{})
	cred, err := graphauth.NewClientSecretCredential(srv.TenantID, app.ClientID, graphauth.Secret(app.Secrets[0].Value),
		&graphauth.Options{AuthorityHost: srv.URL, HTTPClient: srv.Client(), AllowedTenants: []string{"*"}})
	require.NoError(t, err)
	done := make(chan error, 4)
	h, err := consent.NewHandler(consent.Config{ClientID: app.ClientID, RedirectURI: "https://console.example/consent/callback", AuthorityHost: srv.URL},
		consent.HandlerOptions{Key: make([]byte, 32), Credential: cred, ClientAuth: graphauth.ClientAuth{Secret: graphauth.Secret(app.Secrets[0].Value)},
			HTTPClient: srv.Client(), Done: func(w http.ResponseWriter, _ *http.Request, _ consent.Record, err error) {
				done <- err
				w.WriteHeader(http.StatusBadRequest)
			}})
	require.NoError(t, err)
	defer h.Close()

	start := httptest.NewRecorder()
	h.Start().ServeHTTP(start, httptest.NewRequest(http.MethodGet, "https://console.example/onboard", nil))
	require.Equal(t, http.StatusFound, start.Code)
	cookies := start.Result().Cookies()
	require.Len(t, cookies, 1)
	c := cookies[0]
	assert.True(t, strings.HasPrefix(c.Name, "__Host-entrakit_consent_"), c.Name)
	assert.Equal(t, "/", c.Path)
	assert.True(t, c.Secure)
	assert.True(t, c.HttpOnly)
	assert.Empty(t, c.Domain)
	loc, err := url.Parse(start.Header().Get("Location"))
	require.NoError(t, err)
	state := loc.Query().Get("state")

	callback := func(cookie *http.Cookie) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodGet, "https://console.example/consent/callback?"+
			url.Values{"state": {state}, "admin_consent": {"True"}, "tenant": {customerID}}.Encode(), nil)
		req.AddCookie(cookie)
		rec := httptest.NewRecorder()
		h.Callback().ServeHTTP(rec, req)
		return rec
	}
	planted := *c
	planted.Name = strings.TrimPrefix(c.Name, "__Host-") // what a sibling subdomain can set
	callback(&planted)
	select { // Done runs within the callback
	case err := <-done:
		assert.ErrorIs(t, err, graphauth.ErrStateMismatch, "a cookie under the plain name is not the round trip's")
	default:
		t.Fatal("the planted cookie was taken for the round trip's")
	}
	rec := callback(c)
	assert.Equal(t, http.StatusFound, rec.Code, "the round trip's own cookie goes on to the sign-in")
}
