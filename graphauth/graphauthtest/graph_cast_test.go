package graphauthtest_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/entrakit/entrakit/graphauth/graphauthtest"
)

func displayNames(t *testing.T, r graphReply) []string {
	t.Helper()
	require.Equal(t, 200, r.Status, r.Body)
	var out []string
	for _, v := range r.Body["value"].([]any) {
		o := v.(map[string]any)
		assert.NotContains(t, o, "@odata.type", "a cast collection is of one type")
		out = append(out, o["displayName"].(string))
	}
	return out
}

// An OData cast on a directoryObject collection lists only the members of
// its type, as Graph does for /me/memberOf/microsoft.graph.group and
// msgraph-sdk-go's MemberOf().GraphGroup() (…/graph.group); the fake
// answered 400 "Resource not found for the segment 'graph.group'".
func TestAnODataCastListsOneTypeOfMember(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	u := srv.AddUser(srv.TenantID, graphauthtest.User{UPN: "cast@contoso.onmicrosoft.com", DisplayName: "Cast User"})
	srv.AddGroup(srv.TenantID, graphauthtest.Group{DisplayName: "Inner", Members: []string{u.UPN}})
	outer := srv.AddGroup(srv.TenantID, graphauthtest.Group{DisplayName: "Outer", Members: []string{"Inner", u.UPN}})
	tok := tokenWithRoles(t, srv, "User.Read.All", "Group.Read.All")

	for _, cast := range []string{"microsoft.graph.group", "graph.group"} {
		r := graphCall(t, srv, tok, "GET", "/v1.0/users/"+u.ID+"/memberOf/"+cast+"?$select=id,displayName", nil)
		assert.ElementsMatch(t, []string{"Inner", "Outer"}, displayNames(t, r), cast)
		assert.Equal(t, "https://graph.microsoft.com/v1.0/$metadata#groups(id,displayName)", r.Body["@odata.context"])
	}
	assert.Equal(t, []string{"Cast User"}, displayNames(t, graphCall(t, srv, tok, "GET", "/v1.0/groups/"+outer.ID+"/members/microsoft.graph.user", nil)))
	assert.Equal(t, []string{"Inner"}, displayNames(t, graphCall(t, srv, tok, "GET", "/v1.0/groups/"+outer.ID+"/members/graph.group", nil)))
	assert.Empty(t, displayNames(t, graphCall(t, srv, tok, "GET", "/v1.0/groups/"+outer.ID+"/members/microsoft.graph.servicePrincipal", nil)))
	assert.Equal(t, 400, graphCall(t, srv, tok, "GET", "/v1.0/groups/"+outer.ID+"/members/microsoft.graph.shoe", nil).Status, "an unknown type is an unknown segment")

}

// A cast collection is counted as Graph's guides count a user's groups:
// GET /me/memberOf/microsoft.graph.group/$count (msgraph-sdk-go's
// MemberOf().GraphGroup().Count()) with ConsistencyLevel: eventual, and
// the count is of that type alone. The fake answered 400 for the cast
// with /$count, and for memberOf/$count and transitiveMembers/$count at
// all.
func TestACastCollectionIsCounted(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	u := srv.AddUser(srv.TenantID, graphauthtest.User{UPN: "count@contoso.onmicrosoft.com", DisplayName: "Count User"})
	srv.AddGroup(srv.TenantID, graphauthtest.Group{DisplayName: "Inner", Members: []string{u.UPN}})
	outer := srv.AddGroup(srv.TenantID, graphauthtest.Group{DisplayName: "Outer", Members: []string{"Inner", u.UPN}})
	tok := tokenWithRoles(t, srv, "User.Read.All", "Group.Read.All")
	count := func(path string) string {
		t.Helper()
		r := graphDo(t, srv, tok, "GET", path, nil, "ConsistencyLevel: eventual")
		require.Equal(t, 200, r.Status, r.Raw)
		return r.Raw
	}
	assert.Equal(t, "2", count("/v1.0/users/"+u.ID+"/memberOf/microsoft.graph.group/$count"))
	assert.Equal(t, "2", count("/v1.0/users/"+u.ID+"/memberOf/$count"))
	assert.Equal(t, "0", count("/v1.0/users/"+u.ID+"/memberOf/graph.user/$count"))
	assert.Equal(t, "1", count("/v1.0/groups/"+outer.ID+"/members/microsoft.graph.user/$count"), "the cast's type alone")
	assert.Equal(t, "2", count("/v1.0/groups/"+outer.ID+"/members/$count"))
	assert.Equal(t, "1", count("/v1.0/groups/"+outer.ID+"/transitiveMembers/microsoft.graph.user/$count"), "the user once")
	assert.Equal(t, 400, graphDo(t, srv, tok, "GET", "/v1.0/users/"+u.ID+"/memberOf/microsoft.graph.group/$count", nil).Status,
		"without ConsistencyLevel, as Graph refuses it")
}
