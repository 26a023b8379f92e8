package graphauthtest_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/entrakit/entrakit/graphauth/graphauthtest"
)

// A tool that reads assignments or grants resolves their principal IDs
// with GET /directoryObjects/{id} or POST /directoryObjects/getByIds; the
// fake answered 400 "Resource not found for the segment 'directoryObjects'".
func TestDirectoryObjectsAreReadByID(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	u := srv.AddUser(srv.TenantID, graphauthtest.User{UPN: "resolve@contoso.onmicrosoft.com", DisplayName: "Resolve Me"})
	g := srv.AddGroup(srv.TenantID, graphauthtest.Group{DisplayName: "Resolvers", Members: []string{u.UPN}})
	tok := tokenWithRoles(t, srv, "Directory.Read.All")
	graph := graphCall(t, srv, tok, "GET", "/v1.0/servicePrincipals(appId='00000003-0000-0000-c000-000000000000')?$select=id", nil)
	require.Equal(t, 200, graph.Status, graph.Body)
	spID := graph.Body["id"].(string)

	one := graphCall(t, srv, tok, "GET", "/v1.0/directoryObjects/"+u.ID, nil)
	require.Equal(t, 200, one.Status, one.Body)
	assert.Equal(t, "#microsoft.graph.user", one.Body["@odata.type"])
	assert.Equal(t, "Resolve Me", one.Body["displayName"])
	sel := graphCall(t, srv, tok, "GET", "/v1.0/directoryObjects/"+spID+"?$select=id,appId", nil)
	require.Equal(t, 200, sel.Status, sel.Body)
	assert.Equal(t, "#microsoft.graph.servicePrincipal", sel.Body["@odata.type"])
	assert.Equal(t, "00000003-0000-0000-c000-000000000000", sel.Body["appId"])
	assert.NotContains(t, sel.Body, "displayName", "$select holds")
	assert.Equal(t, 404, graphCall(t, srv, tok, "GET", "/v1.0/directoryObjects/00000000-0000-0000-0000-0000000000aa", nil).Status)

	byIDs := graphCall(t, srv, tok, "POST", "/v1.0/directoryObjects/getByIds", map[string]any{"ids": []string{u.ID, g.ID, spID, "00000000-0000-0000-0000-0000000000aa"}})
	require.Equal(t, 200, byIDs.Status, byIDs.Body)
	var types []string
	for _, v := range byIDs.Body["value"].([]any) {
		types = append(types, v.(map[string]any)["@odata.type"].(string))
	}
	assert.ElementsMatch(t, []string{"#microsoft.graph.user", "#microsoft.graph.group", "#microsoft.graph.servicePrincipal"}, types, "an ID that names nothing is left out")
	onlyGroups := graphCall(t, srv, tok, "POST", "/v1.0/directoryObjects/getByIds", map[string]any{"ids": []string{u.ID, g.ID}, "types": []string{"group"}})
	require.Equal(t, 200, onlyGroups.Status)
	assert.Len(t, onlyGroups.Body["value"], 1)

	srv.RevokeAppRoles(srv.TenantID, srv.ClientID, "Directory.Read.All")
	assert.Equal(t, 403, graphCall(t, srv, appToken(t, srv), "GET", "/v1.0/directoryObjects/"+u.ID, nil).Status)
}
