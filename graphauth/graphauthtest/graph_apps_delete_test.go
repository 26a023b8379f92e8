package graphauthtest_test

import (
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/entrakit/entrakit/graphauth/graphauthtest"
)

// DELETE /applications/{id} removes a registration as Graph does, with its
// service principal in its home tenant; the fake answered 405, so a
// registration tool that cleaned up after itself (or msgraph-sdk-go's
// Applications().ByApplicationId(id).Delete) failed here and not on Graph.
func TestDeletingAnApplicationRemovesItAndItsServicePrincipal(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	srv.GrantAppRoles(srv.TenantID, srv.ClientID, "Application.ReadWrite.OwnedBy", "AppRoleAssignment.ReadWrite.All", "Application.Read.All")
	tok := appToken(t, srv)

	created := graphCall(t, srv, tok, "POST", "/v1.0/applications", map[string]any{"displayName": "short-lived"})
	require.Equal(t, 201, created.Status, created.Body)
	objectID, appID := created.Body["id"].(string), created.Body["appId"].(string)
	pw := graphCall(t, srv, tok, "POST", "/v1.0/applications/"+objectID+"/addPassword", map[string]any{"passwordCredential": map[string]string{}})
	require.Equal(t, 200, pw.Status)
	require.Equal(t, 201, graphCall(t, srv, tok, "POST", "/v1.0/servicePrincipals", map[string]string{"appId": appID}).Status)

	other := graphauthtest.App{DisplayName: "not ours"}
	other = srv.AddApp(other)
	assert.Equal(t, 403, graphCall(t, srv, tok, "DELETE", "/v1.0/applications/"+other.ObjectID, nil).Status,
		"Application.ReadWrite.OwnedBy deletes only the apps it owns")

	del := graphCall(t, srv, tok, "DELETE", "/v1.0/applications/"+objectID, nil)
	require.Equal(t, 204, del.Status, del.Body)
	_, ok := srv.App(appID)
	assert.False(t, ok)
	assert.Equal(t, 404, graphCall(t, srv, tok, "GET", "/v1.0/applications/"+objectID, nil).Status)
	assert.Equal(t, 404, graphCall(t, srv, tok, "GET", "/v1.0/servicePrincipals(appId='"+appID+"')", nil).Status,
		"its service principal in the home tenant goes with it")
	assert.Equal(t, 404, graphCall(t, srv, tok, "DELETE", "/v1.0/applications(appId='"+appID+"')", nil).Status, "deleted once")

	r := postForm(t, srv, "/"+srv.TenantID+"/oauth2/v2.0/token", url.Values{"grant_type": {"client_credentials"}, "client_id": {appID},
		"client_secret": {pw.Body["secretText"].(string)}, "scope": {"https://graph.microsoft.com/.default"}})
	assert.Equal(t, 400, r.Status)
	assert.Contains(t, r.ErrorDescription, "AADSTS700016")
}
