package graphauthtest_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/entrakit/entrakit/graphauth/graphauthtest"
)

// The delegated grants a consent made are listed as Graph lists them: one
// oauth2PermissionGrant per client, resource and principal, its scopes
// space-separated, its ID the one POST answered; clientId eq filters them,
// as the guides that check a grant do. The fake only created grants, so
// reading them back (msgraph-sdk-go's Oauth2PermissionGrants().Get) was a
// 405 here.
func TestDelegatedGrantsAreListedAsGraphListsThem(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	srv.GrantAppRoles(srv.TenantID, srv.ClientID, "Application.ReadWrite.OwnedBy", "Application.Read.All", "DelegatedPermissionGrant.ReadWrite.All")
	tok := appToken(t, srv)

	app := graphCall(t, srv, tok, "POST", "/v1.0/applications", map[string]any{"displayName": "mail reader"})
	require.Equal(t, 201, app.Status, app.Body)
	client := graphCall(t, srv, tok, "POST", "/v1.0/servicePrincipals", map[string]string{"appId": app.Body["appId"].(string)})
	require.Equal(t, 201, client.Status, client.Body)
	graph := graphCall(t, srv, tok, "GET", "/v1.0/servicePrincipals(appId='00000003-0000-0000-c000-000000000000')?$select=id", nil)
	clientID, graphID := client.Body["id"].(string), graph.Body["id"].(string)

	created := graphCall(t, srv, tok, "POST", "/v1.0/oauth2PermissionGrants", map[string]any{
		"clientId": clientID, "consentType": "AllPrincipals", "resourceId": graphID, "scope": "User.Read Mail.Read"})
	require.Equal(t, 201, created.Status, created.Body)
	id := created.Body["id"].(string)
	assert.Len(t, id, 43, "two service principal IDs, base64url")

	list := graphCall(t, srv, tok, "GET", "/v1.0/oauth2PermissionGrants?$filter=clientId%20eq%20'"+clientID+"'", nil)
	require.Equal(t, 200, list.Status, list.Body)
	assert.Equal(t, "https://graph.microsoft.com/v1.0/$metadata#oauth2PermissionGrants", list.Body["@odata.context"])
	grants := list.Body["value"].([]any)
	require.Len(t, grants, 1)
	g := grants[0].(map[string]any)
	assert.Equal(t, id, g["id"], "the ID POST answered")
	assert.Equal(t, "AllPrincipals", g["consentType"])
	assert.Nil(t, g["principalId"])
	assert.Equal(t, graphID, g["resourceId"])
	assert.ElementsMatch(t, []string{"User.Read", "Mail.Read"}, strings.Fields(g["scope"].(string)))

	bySP := graphCall(t, srv, tok, "GET", "/v1.0/servicePrincipals/"+clientID+"/oauth2PermissionGrants", nil)
	require.Equal(t, 200, bySP.Status, bySP.Body)
	assert.Len(t, bySP.Body["value"], 1)
	one := graphCall(t, srv, tok, "GET", "/v1.0/oauth2PermissionGrants/"+id, nil)
	require.Equal(t, 200, one.Status, one.Body)
	assert.Equal(t, clientID, one.Body["clientId"])

	none := graphCall(t, srv, tok, "GET", "/v1.0/oauth2PermissionGrants?$filter=clientId%20eq%20'00000000-0000-0000-0000-000000000001'", nil)
	require.Equal(t, 200, none.Status)
	assert.Empty(t, none.Body["value"])
	assert.Equal(t, 400, graphCall(t, srv, tok, "GET", "/v1.0/oauth2PermissionGrants?$filter=startswith(scope,'User')", nil).Status,
		"scope is not filterable")

	again := graphCall(t, srv, tok, "POST", "/v1.0/oauth2PermissionGrants", map[string]any{
		"clientId": clientID, "consentType": "AllPrincipals", "resourceId": graphID, "scope": "Files.Read"})
	assert.Equal(t, 400, again.Status, "one grant per client, resource and principal")
	assert.Equal(t, "Permission entry already exists.", again.Body["error"].(map[string]any)["message"])
	require.Equal(t, 204, graphCall(t, srv, tok, "PATCH", "/v1.0/oauth2PermissionGrants/"+id, map[string]string{"scope": "User.Read Files.Read"}).Status)
	patched := graphCall(t, srv, tok, "GET", "/v1.0/oauth2PermissionGrants/"+id, nil)
	assert.ElementsMatch(t, []string{"User.Read", "Files.Read"}, strings.Fields(patched.Body["scope"].(string)), "PATCH replaces the scope")
	require.Equal(t, 204, graphCall(t, srv, tok, "DELETE", "/v1.0/oauth2PermissionGrants/"+id, nil).Status)
	assert.Equal(t, 404, graphCall(t, srv, tok, "GET", "/v1.0/oauth2PermissionGrants/"+id, nil).Status)

	srv.RevokeAppRoles(srv.TenantID, srv.ClientID, "DelegatedPermissionGrant.ReadWrite.All")
	assert.Equal(t, 403, graphCall(t, srv, appToken(t, srv), "GET", "/v1.0/oauth2PermissionGrants", nil).Status)
}

// A consent to Microsoft Graph and another API makes one grant per
// resource, as Graph lists them; the fake listed the other API's scope
// inside the Graph grant ("User.Read 797f4846-…/user_impersonation"), so a
// client that added a Graph scope to it (a PATCH of what it read) was
// refused, and one that wrote Graph's scopes alone revoked the other
// API's consent. A POST for Graph was refused as a duplicate when only
// the other API's grant existed.
func TestGrantsToAnotherAPIAreGrantsOfTheirOwn(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	srv.GrantAppRoles(srv.TenantID, srv.ClientID, "Application.Read.All", "DelegatedPermissionGrant.ReadWrite.All")
	tok := appToken(t, srv)
	app := srv.AddApp(graphauthtest.App{DisplayName: "portal"})
	srv.GrantScopes(srv.TenantID, app.ClientID, "", armScope)
	client := graphCall(t, srv, tok, "GET", "/v1.0/servicePrincipals(appId='"+app.ClientID+"')", nil)
	require.Equal(t, 200, client.Status, client.Body)
	graph := graphCall(t, srv, tok, "GET", "/v1.0/servicePrincipals(appId='00000003-0000-0000-c000-000000000000')?$select=id", nil)
	arm := graphCall(t, srv, tok, "GET", "/v1.0/servicePrincipals(appId='"+graphauthtest.AzureServiceManagementAppID+"')?$select=id", nil)
	require.Equal(t, 200, arm.Status, arm.Body)

	created := graphCall(t, srv, tok, "POST", "/v1.0/oauth2PermissionGrants", map[string]any{
		"clientId": client.Body["id"], "consentType": "AllPrincipals", "resourceId": graph.Body["id"], "scope": "User.Read"})
	require.Equal(t, 201, created.Status, created.Body)

	byResource := func() map[string]string {
		list := graphCall(t, srv, tok, "GET", "/v1.0/servicePrincipals/"+client.Body["id"].(string)+"/oauth2PermissionGrants", nil)
		require.Equal(t, 200, list.Status, list.Body)
		out := map[string]string{}
		for _, v := range list.Body["value"].([]any) {
			g := v.(map[string]any)
			out[g["resourceId"].(string)] = g["scope"].(string)
		}
		return out
	}
	grants := byResource()
	assert.Equal(t, map[string]string{graph.Body["id"].(string): "User.Read", arm.Body["id"].(string): "user_impersonation"}, grants)

	patch := graphCall(t, srv, tok, "PATCH", "/v1.0/oauth2PermissionGrants/"+created.Body["id"].(string), map[string]string{"scope": "User.Read Mail.Send"})
	require.Equal(t, 204, patch.Status, patch.Body)
	assert.Equal(t, map[string]string{graph.Body["id"].(string): "User.Read Mail.Send", arm.Body["id"].(string): "user_impersonation"}, byResource(),
		"the other API's consent stays")
}

// A grant names its resource by the service principal in the caller's
// tenant: Graph's service principal of another tenant is refused, as
// Graph refuses an object it cannot see there; the fake took it.
func TestAGrantToAnotherTenantsResourceIsRefused(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	other := srv.AddTenant(graphauthtest.Tenant{DisplayName: "Fabrikam"})
	otherApp := srv.AddApp(graphauthtest.App{DisplayName: "peek", HomeTenant: other.ID, Secrets: []graphauthtest.Secret{{}}})
	srv.GrantAppRoles(other.ID, otherApp.ClientID, "Application.Read.All")
	r := postForm(t, srv, "/"+other.ID+"/oauth2/v2.0/token", url.Values{"grant_type": {"client_credentials"}, "client_id": {otherApp.ClientID},
		"client_secret": {otherApp.Secrets[0].Value}, "scope": {"https://graph.microsoft.com/.default"}})
	require.Equal(t, 200, r.Status, r.ErrorDescription)
	otherGraph := graphCall(t, srv, r.AccessToken, "GET", "/v1.0/servicePrincipals(appId='00000003-0000-0000-c000-000000000000')?$select=id", nil)
	require.Equal(t, 200, otherGraph.Status, otherGraph.Body)

	srv.GrantAppRoles(srv.TenantID, srv.ClientID, "Application.Read.All", "DelegatedPermissionGrant.ReadWrite.All")
	tok := appToken(t, srv)
	client := graphCall(t, srv, tok, "GET", "/v1.0/servicePrincipals(appId='"+srv.ClientID+"')", nil)
	created := graphCall(t, srv, tok, "POST", "/v1.0/oauth2PermissionGrants", map[string]any{
		"clientId": client.Body["id"], "consentType": "AllPrincipals", "resourceId": otherGraph.Body["id"], "scope": "Mail.Read"})
	assert.Equal(t, 400, created.Status, created.Body)
}

// A signed-in user changes grants only as an administrator: Graph refuses
// a user without an administrator role, whatever scopes the token carries
// (an administrator's tenant-wide consent to
// DelegatedPermissionGrant.ReadWrite.All puts it in every user's token).
// The fake let any such user widen, revoke or make grants and app role
// assignments.
func TestOnlyAnAdministratorChangesGrantsWithADelegatedToken(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	srv.GrantAppRoles(srv.TenantID, srv.ClientID, "Application.Read.All", "DelegatedPermissionGrant.ReadWrite.All")
	tok := appToken(t, srv)
	app := srv.AddApp(graphauthtest.App{DisplayName: "portal"})
	srv.GrantScopes(srv.TenantID, app.ClientID, "", "User.Read")
	client := graphCall(t, srv, tok, "GET", "/v1.0/servicePrincipals(appId='"+app.ClientID+"')", nil)
	graph := graphCall(t, srv, tok, "GET", "/v1.0/servicePrincipals(appId='00000003-0000-0000-c000-000000000000')?$select=id", nil)
	list := graphCall(t, srv, tok, "GET", "/v1.0/servicePrincipals/"+client.Body["id"].(string)+"/oauth2PermissionGrants", nil)
	require.Equal(t, 200, list.Status, list.Body)
	grant := list.Body["value"].([]any)[0].(map[string]any)["id"].(string)

	scopes := []string{"DelegatedPermissionGrant.ReadWrite.All", "AppRoleAssignment.ReadWrite.All", "Application.Read.All"}
	user := userToken(t, srv, "adele@contoso.onmicrosoft.com", scopes...)
	patch := map[string]string{"scope": "User.Read Mail.ReadWrite"}
	assert.Equal(t, 403, graphCall(t, srv, user, "PATCH", "/v1.0/oauth2PermissionGrants/"+grant, patch).Status, "a user without a role")
	assert.Equal(t, 403, graphCall(t, srv, user, "DELETE", "/v1.0/oauth2PermissionGrants/"+grant, nil).Status)
	assert.Equal(t, 403, graphCall(t, srv, user, "POST", "/v1.0/servicePrincipals/"+graph.Body["id"].(string)+"/appRoleAssignedTo",
		map[string]string{"principalId": client.Body["id"].(string), "resourceId": graph.Body["id"].(string), "appRoleId": "df021288-bdef-4463-88db-98f22de89214"}).Status)

	admin := userToken(t, srv, "admin@contoso.onmicrosoft.com", scopes...)
	assert.Equal(t, 204, graphCall(t, srv, admin, "PATCH", "/v1.0/oauth2PermissionGrants/"+grant, patch).Status, "an administrator")
}
