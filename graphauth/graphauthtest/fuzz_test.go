package graphauthtest_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/entrakit/entrakit/graphauth/graphauthtest"
)

// Whatever a client sends, the fake answers without panicking, and never
// with a token for a request that names no valid credential.
func FuzzTokenEndpoint(f *testing.F) {
	srv := graphauthtest.NewUnstartedServer(nil)
	h := srv.Handler()
	f.Add("contoso.onmicrosoft.com", "grant_type=client_credentials&client_id=x&client_secret=y&scope=https://graph.microsoft.com/.default")
	f.Add("common", "grant_type=authorization_code&code=abc&redirect_uri=http://localhost")
	f.Add("organizations", "grant_type=refresh_token&refresh_token=r&client_id="+srv.ClientID)
	f.Add(srv.TenantID, "grant_type=client_credentials&client_id="+srv.ClientID+"&client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer&client_assertion=eyJhbGciOiJub25lIn0.e30.")
	f.Add("x", "%%%")
	f.Fuzz(func(t *testing.T, tenant, body string) {
		if strings.Contains(tenant, "/") || tenant == "" {
			return
		}
		req := httptest.NewRequest(http.MethodPost, "https://127.0.0.1/t/oauth2/v2.0/token", strings.NewReader(body))
		req.URL.Path = "/" + tenant + "/oauth2/v2.0/token"
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		form, _ := url.ParseQuery(body)
		if rec.Code == http.StatusOK {
			assert.Equal(t, srv.Secret, form.Get("client_secret"), "a token only for the real secret")
		}
		assert.Contains(t, rec.Header().Get("Content-Type"), "application/json")
	})
}

func FuzzAuthorizeEndpoint(f *testing.F) {
	srv := graphauthtest.NewUnstartedServer(nil)
	h := srv.Handler()
	f.Add("client_id=" + srv.ClientID + "&response_type=code&redirect_uri=http://localhost/callback&scope=openid")
	f.Add("client_id=" + srv.ClientID + "&redirect_uri=javascript:alert(1)&scope=openid")
	f.Add("code_challenge=a&code_challenge_method=S512&scope=%ZZ")
	f.Fuzz(func(t *testing.T, query string) {
		req := httptest.NewRequest(http.MethodGet, "https://127.0.0.1/"+srv.TenantID+"/oauth2/v2.0/authorize", nil)
		req.URL.RawQuery = query
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code == http.StatusFound {
			loc, err := url.Parse(rec.Header().Get("Location"))
			assert.NoError(t, err)
			assert.True(t, strings.HasPrefix(loc.String(), "http://localhost") || strings.HasPrefix(loc.String(), "https://localhost"),
				"redirects only to registered URIs: %s", loc)
		}
	})
}
