package graphauthtest_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/entrakit/entrakit/graphauth/graphauthtest"
)

// A public client (a native app, no credential) asking for an app-only
// token got one with the app's Graph roles: anyone who knew its client ID
// could read the directory as the app. The platform refuses a client
// credentials request without a credential.
func TestAPublicClientGetsNoAppOnlyToken(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	app := srv.AddApp(graphauthtest.App{DisplayName: "native", PublicClient: true, RedirectURIs: []string{"http://localhost"}})
	srv.GrantAppRoles(srv.TenantID, app.ClientID, "User.Read.All")
	for _, path := range []string{"/" + srv.TenantID + "/oauth2/v2.0/token", "/" + srv.TenantID + "/oauth2/token"} {
		form := url.Values{"grant_type": {"client_credentials"}, "client_id": {app.ClientID}}
		if strings.Contains(path, "/v2.0/") {
			form.Set("scope", "https://graph.microsoft.com/.default")
		} else {
			form.Set("resource", "https://graph.microsoft.com")
		}
		r := postForm(t, srv, path, form)
		assert.Equal(t, 401, r.Status, path)
		assert.Equal(t, "invalid_client", r.Error, path)
		assert.Equal(t, []int{7000218}, r.ErrorCodes, path)
		assert.Empty(t, r.AccessToken, path)
	}
}
