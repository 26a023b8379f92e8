package graphauthtest_test

import (
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/entrakit/entrakit/graphauth/graphauthtest"
)

// Removing an app's service principal from a tenant (DELETE
// /servicePrincipals/{id}) takes its delegated grants with it, as Graph
// does: a service principal created again later starts without consent.
// The fake dropped only the app roles, so the old delegated grant came
// back with the new service principal, and users signed in to it with
// scopes nobody had consented to since.
func TestRemovingAServicePrincipalRevokesItsDelegatedGrants(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	srv.GrantAppRoles(srv.TenantID, srv.ClientID, "Application.ReadWrite.OwnedBy", "Application.Read.All", "DelegatedPermissionGrant.ReadWrite.All")
	tok := appToken(t, srv)

	app := graphCall(t, srv, tok, "POST", "/v1.0/applications", map[string]any{"displayName": "mail reader"})
	require.Equal(t, 201, app.Status, app.Body)
	appID := app.Body["appId"].(string)
	client := graphCall(t, srv, tok, "POST", "/v1.0/servicePrincipals", map[string]string{"appId": appID})
	require.Equal(t, 201, client.Status, client.Body)
	graph := graphCall(t, srv, tok, "GET", "/v1.0/servicePrincipals(appId='00000003-0000-0000-c000-000000000000')?$select=id", nil)
	created := graphCall(t, srv, tok, "POST", "/v1.0/oauth2PermissionGrants", map[string]any{
		"clientId": client.Body["id"], "consentType": "AllPrincipals", "resourceId": graph.Body["id"], "scope": "User.Read Mail.Read"})
	require.Equal(t, 201, created.Status, created.Body)

	require.Equal(t, 204, graphCall(t, srv, tok, "DELETE", "/v1.0/servicePrincipals/"+client.Body["id"].(string), nil).Status)
	again := graphCall(t, srv, tok, "POST", "/v1.0/servicePrincipals", map[string]string{"appId": appID})
	require.Equal(t, 201, again.Status, again.Body)
	list := graphCall(t, srv, tok, "GET", "/v1.0/servicePrincipals/"+again.Body["id"].(string)+"/oauth2PermissionGrants", nil)
	require.Equal(t, 200, list.Status, list.Body)
	assert.Empty(t, list.Body["value"], "the grant went with the service principal it was made to")
}

// An Application.ReadWrite.OwnedBy app manages only the service principals
// it owns in the tenant it calls: the one an administrator's consent made
// in a customer's tenant, for an app it owns at home, is not among them
// (Graph refuses an OwnedBy app even creating it there, "the backing
// application of the service principal being created must in the local
// tenant"). The fake judged by the ownership of the app in its home
// tenant, and let the app remove the customer's service principal.
func TestAnOwnedByAppCannotRemoveAServicePrincipalInAnotherTenant(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	manager := srv.AddApp(graphauthtest.App{DisplayName: "manager", MultiTenant: true, Secrets: []graphauthtest.Secret{{}}})
	srv.GrantAppRoles(srv.TenantID, manager.ClientID, "Application.ReadWrite.OwnedBy")
	tokenIn := func(tenant string) string {
		r := postForm(t, srv, "/"+tenant+"/oauth2/v2.0/token", url.Values{"grant_type": {"client_credentials"}, "client_id": {manager.ClientID},
			"client_secret": {manager.Secrets[0].Value}, "scope": {"https://graph.microsoft.com/.default"}})
		require.Equal(t, 200, r.Status, r.ErrorDescription)
		return r.AccessToken
	}
	worker := graphCall(t, srv, tokenIn(srv.TenantID), "POST", "/v1.0/applications", map[string]any{"displayName": "worker", "signInAudience": "AzureADMultipleOrgs"})
	require.Equal(t, 201, worker.Status, worker.Body)
	workerID := worker.Body["appId"].(string)

	customer := srv.AddTenant(graphauthtest.Tenant{DisplayName: "Fabrikam"})
	srv.AddServicePrincipal(customer.ID, manager.ClientID)
	srv.GrantAppRoles(customer.ID, manager.ClientID, "Application.ReadWrite.OwnedBy")
	srv.AddServicePrincipal(customer.ID, workerID) // the customer's administrator consented
	tok := tokenIn(customer.ID)
	sp := graphCall(t, srv, tok, "GET", "/v1.0/servicePrincipals(appId='"+workerID+"')", nil)
	require.Equal(t, 200, sp.Status, sp.Body)
	del := graphCall(t, srv, tok, "DELETE", "/v1.0/servicePrincipals/"+sp.Body["id"].(string), nil)
	assert.Equal(t, 403, del.Status, del.Body)
	assert.Equal(t, 200, graphCall(t, srv, tok, "GET", "/v1.0/servicePrincipals(appId='"+workerID+"')", nil).Status, "the customer's service principal stays")
}

// Removing an API's service principal takes the delegated grants to it
// with it: the fake kept them, and they came back with the API's next
// service principal.
func TestRemovingAnAPIsServicePrincipalRevokesTheGrantsToIt(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	srv.GrantAppRoles(srv.TenantID, srv.ClientID, "Application.Read.All", "DelegatedPermissionGrant.ReadWrite.All")
	app := srv.AddApp(graphauthtest.App{DisplayName: "portal"})
	srv.GrantScopes(srv.TenantID, app.ClientID, "", "User.Read", armScope)
	srv.RemoveServicePrincipal(srv.TenantID, graphauthtest.AzureServiceManagementAppID)
	srv.AddServicePrincipal(srv.TenantID, graphauthtest.AzureServiceManagementAppID)
	tok := appToken(t, srv)
	client := graphCall(t, srv, tok, "GET", "/v1.0/servicePrincipals(appId='"+app.ClientID+"')", nil)
	require.Equal(t, 200, client.Status, client.Body)
	list := graphCall(t, srv, tok, "GET", "/v1.0/servicePrincipals/"+client.Body["id"].(string)+"/oauth2PermissionGrants", nil)
	require.Equal(t, 200, list.Status, list.Body)
	var scopes []string
	for _, v := range list.Body["value"].([]any) {
		scopes = append(scopes, v.(map[string]any)["scope"].(string))
	}
	assert.Equal(t, []string{"User.Read"}, scopes, "Graph's grant stays, the API's went with it")
}
