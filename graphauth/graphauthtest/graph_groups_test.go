package graphauthtest_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/entrakit/entrakit/graphauth/graphauthtest"
)

// nestedGroups is a tenant where Engineering holds a user and the group
// Platform, which holds another user.
func nestedGroups(t *testing.T) (*graphauthtest.Server, map[string]string) {
	t.Helper()
	srv := graphauthtest.NewServer(&graphauthtest.Options{
		Tenants: []graphauthtest.Tenant{{DisplayName: "Contoso", Domain: "contoso.onmicrosoft.com",
			Users: []graphauthtest.User{{UPN: "ana@contoso.onmicrosoft.com"}, {UPN: "bo@contoso.onmicrosoft.com"}, {UPN: "cy@contoso.onmicrosoft.com"}},
			Groups: []graphauthtest.Group{
				{DisplayName: "Platform", Members: []string{"bo@contoso.onmicrosoft.com"}},
				{DisplayName: "Engineering", Members: []string{"ana@contoso.onmicrosoft.com", "Platform"}},
				{DisplayName: "Announcements", Unified: true, Description: "Company news"},
			}}},
		Apps: []graphauthtest.App{{DisplayName: "sync", Secrets: []graphauthtest.Secret{{}}}},
	})
	t.Cleanup(srv.Close)
	srv.GrantAppRoles(srv.TenantID, srv.ClientID, "Group.Read.All", "User.Read.All")
	tok := appToken(t, srv)
	ids := map[string]string{"token": tok}
	for _, g := range get(t, srv, tok, "/v1.0/groups").values() {
		ids[g["displayName"].(string)] = g["id"].(string)
	}
	for _, u := range get(t, srv, tok, "/v1.0/users").values() {
		ids[u["userPrincipalName"].(string)] = u["id"].(string)
	}
	return srv, ids
}

func TestGroupsMembersAndTransitiveMembers(t *testing.T) {
	t.Parallel()
	srv, ids := nestedGroups(t)
	tok := ids["token"]
	g := get(t, srv, tok, "/v1.0/groups/"+ids["Announcements"])
	require.Equal(t, 200, g.Status, g.Raw)
	assert.Equal(t, []any{"Unified"}, g.Body["groupTypes"])
	assert.Equal(t, "announcements@contoso.onmicrosoft.com", g.Body["mail"])

	unified := get(t, srv, tok, "/v1.0/groups?$filter=mailEnabled eq true&$select=displayName")
	assert.Equal(t, []string{"Announcements"}, unified.names("displayName"))
	assert.Equal(t, 404, get(t, srv, tok, "/v1.0/groups/"+ids["ana@contoso.onmicrosoft.com"]).Status)

	direct := get(t, srv, tok, "/v1.0/groups/"+ids["Engineering"]+"/members?$select=id,displayName")
	require.Equal(t, 200, direct.Status, direct.Raw)
	assert.Equal(t, []string{"ana", "Platform"}, direct.names("displayName"))
	assert.Equal(t, "#microsoft.graph.group", direct.values()[1]["@odata.type"])

	all := get(t, srv, tok, "/v1.0/groups/"+ids["Engineering"]+"/transitiveMembers?$select=displayName")
	assert.Equal(t, []string{"ana", "Platform", "bo"}, all.names("displayName"))
	count := get(t, srv, tok, "/v1.0/groups/"+ids["Engineering"]+"/members/$count", eventual)
	assert.Equal(t, "2", count.Raw)

	bo := get(t, srv, tok, "/v1.0/users/"+ids["bo@contoso.onmicrosoft.com"]+"/transitiveMemberOf?$select=displayName")
	assert.Equal(t, []string{"Platform", "Engineering"}, bo.names("displayName"))

	refused := get(t, srv, tok, "/v1.0/groups/"+ids["Engineering"]+"/members?$filter=displayName eq 'ana'")
	assert.Equal(t, 400, refused.Status, "not ignored")
	assert.Equal(t, "Query option '$filter' is not supported by graphauthtest's fake Microsoft Graph.", refused.message())
}

func TestGroupMembershipWrites(t *testing.T) {
	t.Parallel()
	srv, ids := nestedGroups(t)
	reader := ids["token"]
	ref := map[string]string{"@odata.id": "https://graph.microsoft.com/v1.0/directoryObjects/" + ids["cy@contoso.onmicrosoft.com"]}
	path := "/v1.0/groups/" + ids["Platform"] + "/members/$ref"
	assert.Equal(t, 403, graphDo(t, srv, reader, "POST", path, ref).Status, "Group.Read.All cannot write members")

	writer := tokenWithRoles(t, srv, "GroupMember.ReadWrite.All")
	require.Equal(t, 204, graphDo(t, srv, writer, "POST", path, ref).Status)
	again := graphDo(t, srv, writer, "POST", path, ref)
	assert.Equal(t, 400, again.Status)
	assert.Equal(t, "One or more added object references already exist for the following modified properties: 'members'.", again.message())
	ghost := graphDo(t, srv, writer, "POST", path, map[string]string{"@odata.id": "https://graph.microsoft.com/v1.0/directoryObjects/00000000-0000-0000-0000-000000000001"})
	assert.Equal(t, 404, ghost.Status)
	assert.Equal(t, "Request_ResourceNotFound", ghost.code())
	bad := graphDo(t, srv, writer, "POST", path, map[string]string{"@odata.id": "not a reference"})
	assert.Equal(t, 400, bad.Status)

	all := get(t, srv, writer, "/v1.0/groups/"+ids["Engineering"]+"/transitiveMembers?$select=displayName")
	assert.Contains(t, all.names("displayName"), "cy", "the new member shows up through the nesting")

	del := "/v1.0/groups/" + ids["Platform"] + "/members/" + ids["cy@contoso.onmicrosoft.com"] + "/$ref"
	assert.Equal(t, 204, graphDo(t, srv, writer, "DELETE", del, nil).Status)
	assert.Equal(t, 404, graphDo(t, srv, writer, "DELETE", del, nil).Status, "no longer a member")
}

func TestGroupWrites(t *testing.T) {
	t.Parallel()
	srv, ids := nestedGroups(t)
	writer := tokenWithRoles(t, srv, "Group.ReadWrite.All")
	body := map[string]any{
		"displayName": "Release Managers", "mailEnabled": false, "mailNickname": "release", "securityEnabled": true,
		"members@odata.bind": []string{"https://graph.microsoft.com/v1.0/users/" + ids["ana@contoso.onmicrosoft.com"]},
	}
	created := graphDo(t, srv, writer, "POST", "/v1.0/groups", body)
	require.Equal(t, 201, created.Status, created.Raw)
	id := created.Body["id"].(string)
	members := get(t, srv, writer, "/v1.0/groups/"+id+"/members?$select=displayName")
	assert.Equal(t, []string{"ana"}, members.names("displayName"))

	missing := graphDo(t, srv, writer, "POST", "/v1.0/groups", map[string]any{"displayName": "x"})
	assert.Equal(t, 400, missing.Status)
	assert.Equal(t, "A value is required for property 'mailEnabled' of resource 'Group'.", missing.message())

	require.Equal(t, 204, graphDo(t, srv, writer, "PATCH", "/v1.0/groups/"+id, map[string]any{"description": "Ship it"}).Status)
	assert.Equal(t, "Ship it", get(t, srv, writer, "/v1.0/groups/"+id+"?$select=description").Body["description"])
	require.Equal(t, 204, graphDo(t, srv, writer, "DELETE", "/v1.0/groups/"+id, nil).Status)
	assert.Equal(t, 404, get(t, srv, writer, "/v1.0/groups/"+id).Status)

	count := get(t, srv, writer, "/v1.0/groups/$count", eventual)
	assert.Equal(t, "3", count.Raw)
}
