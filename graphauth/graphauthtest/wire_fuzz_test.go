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

// Whatever a client sends in the headers the fake reads (Authorization,
// the session cookie, client-request-id) and in an error page's code, the
// fake answers without panicking, with its platform headers, never serves
// user info without a token it issued, and never takes a forged session
// cookie for a signed-in user.
func FuzzWireInputs(f *testing.F) {
	srv := graphauthtest.NewUnstartedServer(nil)
	defer srv.Close()
	h := srv.Handler()
	f.Add("Bearer eyJ0eXAiOiJKV1QifQ.e30.", "ESTSAUTH=abc", "0f3d0e52-8c5e-4d6f-9a0b-1c2d3e4f5a6b", "7000215")
	f.Add("Bearer ", "ESTSAUTH=", "", "-1")
	f.Add("Basic x", "ESTSAUTH="+strings.Repeat("a", 4096), strings.Repeat("c", 200), "99999999999999999999")
	f.Fuzz(func(t *testing.T, auth, cookie, clientRequestID, code string) {
		serve := func(method, target string) *httptest.ResponseRecorder {
			req := httptest.NewRequest(method, "https://127.0.0.1/", nil)
			u, err := url.Parse(target)
			if err != nil {
				t.Fatal(err)
			}
			req.URL = u
			req.Header.Set("Authorization", auth)
			req.Header.Set("Cookie", cookie)
			req.Header.Set("client-request-id", clientRequestID)
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			return rec
		}
		info := serve(http.MethodGet, "/oidc/userinfo")
		assert.Equal(t, http.StatusUnauthorized, info.Code, "no user info without a token the fake issued")
		assert.NotEmpty(t, info.Header().Get("x-ms-request-id"))

		page := serve(http.MethodGet, "/error?"+url.Values{"code": {code}}.Encode())
		assert.Contains(t, []int{http.StatusOK, http.StatusBadRequest}, page.Code)
		assert.NotContains(t, page.Body.String(), "<script", "the code is not echoed as markup")

		q := url.Values{"client_id": {srv.ClientID}, "response_type": {"code"}, "redirect_uri": {"http://localhost/callback"},
			"scope": {"openid"}, "prompt": {"none"}}
		signin := serve(http.MethodGet, "/"+srv.TenantID+"/oauth2/v2.0/authorize?"+q.Encode())
		loc, _ := url.Parse(signin.Header().Get("Location"))
		if assert.NotNil(t, loc) {
			assert.Equal(t, "login_required", loc.Query().Get("error"), "a forged session cookie signs no one in")
		}
		if got := signin.Header().Get("client-request-id"); got != "" {
			assert.Equal(t, clientRequestID, got, "echoed as sent, or not at all")
		}
	})
}
