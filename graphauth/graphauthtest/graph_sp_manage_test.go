package graphauthtest_test

import (
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/entrakit/entrakit/graphauth/graphauthtest"
)

// Listing a resource's grants (GET …/appRoleAssignedTo), revoking an app
// role (DELETE …/appRoleAssignedTo/{id}) and removing an app from a tenant
// (DELETE /servicePrincipals/{id}) answer as Graph does; the fake answered
// 405 to all three, so audit, offboarding and least-privilege tools failed
// against it only. Tokens issued after carry the change.
func TestListingRevokingAndRemovingAServicePrincipalsGrants(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	srv.GrantAppRoles(srv.TenantID, srv.ClientID, "Application.ReadWrite.OwnedBy", "AppRoleAssignment.ReadWrite.All", "Application.Read.All")
	tok := appToken(t, srv)

	app := graphCall(t, srv, tok, "POST", "/v1.0/applications", map[string]any{"displayName": "worker"})
	require.Equal(t, 201, app.Status, app.Body)
	appID := app.Body["appId"].(string)
	pw := graphCall(t, srv, tok, "POST", "/v1.0/applications/"+app.Body["id"].(string)+"/addPassword", map[string]any{"passwordCredential": map[string]string{}})
	require.Equal(t, 200, pw.Status)
	sp := graphCall(t, srv, tok, "POST", "/v1.0/servicePrincipals", map[string]string{"appId": appID})
	require.Equal(t, 201, sp.Status, sp.Body)
	graph := graphCall(t, srv, tok, "GET", "/v1.0/servicePrincipals(appId='00000003-0000-0000-c000-000000000000')?$select=id", nil)
	graphID, spID := graph.Body["id"].(string), sp.Body["id"].(string)
	var assignments []string
	for _, role := range []string{"df021288-bdef-4463-88db-98f22de89214", "5b567255-7703-4780-807c-7be8301ae99b"} { // User.Read.All, Group.Read.All
		a := graphCall(t, srv, tok, "POST", "/v1.0/servicePrincipals/"+graphID+"/appRoleAssignedTo", map[string]string{"principalId": spID, "resourceId": graphID, "appRoleId": role})
		require.Equal(t, 201, a.Status, a.Body)
		assignments = append(assignments, a.Body["id"].(string))
	}
	token := func() (int, []string) {
		r := postForm(t, srv, "/"+srv.TenantID+"/oauth2/v2.0/token", url.Values{"grant_type": {"client_credentials"}, "client_id": {appID},
			"client_secret": {pw.Body["secretText"].(string)}, "scope": {"https://graph.microsoft.com/.default"}})
		if r.Status != 200 {
			return r.Status, nil
		}
		return r.Status, rolesOf(verifyWithJWKS(t, srv, r.AccessToken))
	}
	_, roles := token()
	assert.ElementsMatch(t, []string{"User.Read.All", "Group.Read.All"}, roles)
	assignedTo := graphCall(t, srv, tok, "GET", "/v1.0/servicePrincipals/"+graphID+"/appRoleAssignedTo", nil)
	require.Equal(t, 200, assignedTo.Status, assignedTo.Body)
	var listed []string
	for _, v := range assignedTo.Body["value"].([]any) {
		if a := v.(map[string]any); a["principalId"] == spID {
			listed = append(listed, a["id"].(string))
			assert.Equal(t, "worker", a["principalDisplayName"])
		}
	}
	assert.ElementsMatch(t, assignments, listed, "Graph's service principal lists the roles it granted")

	assert.Equal(t, 404, graphCall(t, srv, tok, "DELETE", "/v1.0/servicePrincipals/"+graphID+"/appRoleAssignedTo/not-an-assignment", nil).Status)
	del := graphCall(t, srv, tok, "DELETE", "/v1.0/servicePrincipals/"+graphID+"/appRoleAssignedTo/"+assignments[1], nil)
	require.Equal(t, 204, del.Status, del.Body)
	_, roles = token()
	assert.Equal(t, []string{"User.Read.All"}, roles, "the revoked role is gone from new tokens")
	del = graphCall(t, srv, tok, "DELETE", "/v1.0/servicePrincipals/"+spID+"/appRoleAssignments/"+assignments[0], nil)
	require.Equal(t, 204, del.Status, del.Body)
	list := graphCall(t, srv, tok, "GET", "/v1.0/servicePrincipals/"+spID+"/appRoleAssignments", nil)
	assert.Empty(t, list.Body["value"])

	assert.Equal(t, 403, graphCall(t, srv, tok, "DELETE", "/v1.0/servicePrincipals/"+graphID, nil).Status,
		"Application.ReadWrite.OwnedBy removes only its own apps' service principals")
	require.Equal(t, 204, graphCall(t, srv, tok, "DELETE", "/v1.0/servicePrincipals/"+spID, nil).Status)
	assert.Equal(t, 404, graphCall(t, srv, tok, "GET", "/v1.0/servicePrincipals/"+spID, nil).Status)
	status, _ := token()
	assert.Equal(t, 400, status, "no service principal, no token (AADSTS700016)")
}
