package graphauthtest_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/entrakit/entrakit/graphauth/graphauthtest"
)

func TestGraphListsApplicationsWithTheirQueryOptions(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	other := srv.AddApp(graphauthtest.App{DisplayName: "Payroll sync", HomeTenant: srv.TenantID})
	tok := tokenWithRoles(t, srv, "Application.Read.All")

	all := get(t, srv, tok, "/v1.0/applications")
	require.Equal(t, 200, all.Status, all.Raw)
	assert.Contains(t, all.names("appId"), other.ClientID)
	assert.Contains(t, all.names("appId"), srv.ClientID)
	assert.Contains(t, all.Body["@odata.context"], "$metadata#applications")

	one := get(t, srv, tok, "/v1.0/applications?$filter=appId eq '"+other.ClientID+"'&$select=id,appId,displayName")
	require.Equal(t, 200, one.Status, one.Raw)
	require.Len(t, one.values(), 1)
	assert.Equal(t, "Payroll sync", one.values()[0]["displayName"])
	assert.NotContains(t, one.values()[0], "passwordCredentials", "$select is honoured")

	starts := get(t, srv, tok, "/v1.0/applications?$filter=startswith(displayName,'Payroll')")
	assert.Equal(t, []string{other.ClientID}, starts.names("appId"))

	bad := get(t, srv, tok, "/v1.0/applications?$filter=startswith(signInAudience,'Azure')")
	assert.Equal(t, 400, bad.Status, "an operator Graph does not support here is refused, not ignored")

	none := get(t, srv, appTokenWithout(t, srv, "Application.Read.All", "Application.ReadWrite.All"), "/v1.0/applications")
	assert.Equal(t, 403, none.Status)
}

func TestGraphListsOnlyOwnedApplicationsForOwnedBy(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	other := srv.AddApp(graphauthtest.App{DisplayName: "Not mine", HomeTenant: srv.TenantID})
	srv.RevokeAppRoles(srv.TenantID, srv.ClientID, "Application.Read.All", "Application.ReadWrite.All")
	tok := tokenWithRoles(t, srv, "Application.ReadWrite.OwnedBy")
	list := get(t, srv, tok, "/v1.0/applications")
	require.Equal(t, 200, list.Status, list.Raw)
	assert.Contains(t, list.names("appId"), srv.ClientID, "an app sees itself")
	assert.NotContains(t, list.names("appId"), other.ClientID)
}

// appTokenWithout revokes roles from the default app and returns its token.
func appTokenWithout(t *testing.T, srv *graphauthtest.Server, roles ...string) string {
	t.Helper()
	srv.RevokeAppRoles(srv.TenantID, srv.ClientID, roles...)
	return appToken(t, srv)
}

// TestSingleAppAndSPHonourSelect: GET /applications/{id} and
// /servicePrincipals(appId=…) accepted $select and then answered every
// property (and missed $SELECT=keyCredentials): a client that forgot to
// select what it reads passed against the fake.
func TestSingleAppAndSPHonourSelect(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	tok := tokenWithRoles(t, srv, "Application.Read.All")
	app := get(t, srv, tok, "/v1.0/applications(appId='"+srv.ClientID+"')?$select=id,displayName")
	require.Equal(t, 200, app.Status, app.Raw)
	assert.NotEmpty(t, app.Body["displayName"])
	assert.NotEmpty(t, app.Body["id"])
	assert.NotContains(t, app.Body, "appId", "not selected")
	assert.NotContains(t, app.Body, "passwordCredentials", "not selected")

	keys := get(t, srv, tok, "/v1.0/applications(appId='"+srv.ClientID+"')?$SELECT=keyCredentials")
	require.Equal(t, 200, keys.Status, keys.Raw)
	assert.Contains(t, keys.Body, "keyCredentials", "$select matched in any case")

	sp := get(t, srv, tok, "/v1.0/servicePrincipals(appId='00000003-0000-0000-c000-000000000000')?$select=id,appRoles")
	require.Equal(t, 200, sp.Status, sp.Raw)
	assert.NotEmpty(t, sp.Body["appRoles"])
	assert.NotContains(t, sp.Body, "displayName", "not selected")
}

// TestListServicePrincipalsByAppID: GET /servicePrincipals?$filter=appId eq
// '…', the way guides check for an API's service principal before POSTing
// it, was answered 405 "method is not allowed", the caller's mistake.
func TestListServicePrincipalsByAppID(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	tok := tokenWithRoles(t, srv, "Application.ReadWrite.All")
	srv.RemoveServicePrincipal(srv.TenantID, graphauthtest.TeamsAdminAppID)
	find := "/v1.0/servicePrincipals?$filter=appId eq '" + graphauthtest.TeamsAdminAppID + "'&$select=id,appId,displayName"
	none := get(t, srv, tok, find)
	require.Equal(t, 200, none.Status, none.Raw)
	assert.Empty(t, none.values())
	assert.Equal(t, "https://graph.microsoft.com/v1.0/$metadata#servicePrincipals(id,appId,displayName)", none.Body["@odata.context"])

	created := graphDo(t, srv, tok, "POST", "/v1.0/servicePrincipals", map[string]any{"appId": graphauthtest.TeamsAdminAppID})
	require.Equal(t, 201, created.Status, created.Raw)
	one := get(t, srv, tok, find)
	require.Equal(t, 200, one.Status, one.Raw)
	require.Len(t, one.values(), 1)
	assert.Equal(t, created.Body["id"], one.values()[0]["id"])

	all := get(t, srv, tok, "/v1.0/servicePrincipals?$top=1")
	require.Equal(t, 200, all.Status, all.Raw)
	assert.Len(t, all.values(), 1)
	assert.NotEmpty(t, all.Body["@odata.nextLink"])

	bad := get(t, srv, tok, "/v1.0/servicePrincipals?$filter=tags/any(t:t eq 'x')")
	assert.Equal(t, 400, bad.Status, "an unsupported filter is refused, not ignored")
}
