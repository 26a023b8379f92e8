package graphauthtest_test

import (
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/entrakit/entrakit/graphauth/graphauthtest"
)

// TestGraphRefusesTokensOfOtherResources: an ARM or Office 365 Management
// APIs token, signed by the same platform for the same user, is refused by
// Graph for its audience, as Graph does (401 InvalidAuthenticationToken).
func TestGraphRefusesTokensOfOtherResources(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	p := url.Values{"client_id": {srv.ClientID}, "redirect_uri": {callback}, "state": {"s-1"},
		"scope": {"https://graph.microsoft.com/.default " + armScope + " https://manage.office.com/ActivityFeed.Read"}, "login_hint": {"admin@contoso.onmicrosoft.com"}}
	q, resp, page := authorize(t, srv, "/"+srv.TenantID+"/v2.0/adminconsent", p)
	require.NotNil(t, q, "status %d: %s", resp.StatusCode, page)
	require.Equal(t, "True", q.Get("admin_consent"), q.Get("error_description"))

	tokenPath := "/" + srv.TenantID + "/oauth2/v2.0/token"
	p2 := authorizeParams(srv, "openid offline_access User.Read")
	p2.Set("login_hint", "adele@contoso.onmicrosoft.com")
	back, _, page := authorize(t, srv, "/"+srv.TenantID+"/oauth2/v2.0/authorize", p2)
	require.NotNil(t, back, page)
	r := postForm(t, srv, tokenPath, codeForm(srv, back.Get("code")))
	require.Equal(t, 200, r.Status, r.ErrorDescription)
	me := get(t, srv, r.AccessToken, "/v1.0/me")
	require.Equal(t, 200, me.Status, "the Graph token is served")

	for _, scope := range []string{armScope, "https://manage.office.com/ActivityFeed.Read"} {
		other := postForm(t, srv, tokenPath, refreshForm(srv, r.RefreshToken, scope+" openid offline_access"))
		require.Equal(t, 200, other.Status, other.ErrorDescription)
		refused := get(t, srv, other.AccessToken, "/v1.0/me")
		assert.Equal(t, 401, refused.Status, scope)
		assert.Equal(t, "InvalidAuthenticationToken", refused.code(), scope)
		assert.Contains(t, refused.message(), "Invalid audience", scope)
		assert.NotEmpty(t, refused.Header.Get("WWW-Authenticate"), scope)
	}
}
