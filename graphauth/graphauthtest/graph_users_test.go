package graphauthtest_test

import (
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/entrakit/entrakit/graphauth/graphauthtest"
)

func TestUsersByIDOrUPNAndMe(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	tok := appToken(t, srv)
	byUPN := get(t, srv, tok, "/v1.0/users/Adele@contoso.onmicrosoft.com")
	require.Equal(t, 200, byUPN.Status, byUPN.Raw)
	id := byUPN.Body["id"].(string)
	byID := get(t, srv, tok, "/v1.0/users/"+id)
	assert.Equal(t, "Adele Vance", byID.Body["displayName"])
	assert.Equal(t, "https://graph.microsoft.com/v1.0/$metadata#users/$entity", byID.Body["@odata.context"])

	missing := get(t, srv, tok, "/v1.0/users/nobody@contoso.onmicrosoft.com")
	assert.Equal(t, 404, missing.Status)
	assert.Equal(t, "Request_ResourceNotFound", missing.code())
	assert.Equal(t, "Resource 'nobody@contoso.onmicrosoft.com' does not exist or one of its queried reference-property objects are not present.", missing.message())

	memberOf := get(t, srv, tok, "/v1.0/users/"+id+"/memberOf?$select=displayName")
	require.Equal(t, 200, memberOf.Status, memberOf.Raw)
	assert.ElementsMatch(t, []string{"Sales", "All Staff"}, memberOf.names("displayName"))
	assert.Equal(t, "#microsoft.graph.group", memberOf.values()[0]["@odata.type"], "a directoryObject collection names each item's type")

	user := userToken(t, srv, "adele@contoso.onmicrosoft.com", "User.Read")
	me := get(t, srv, user, "/v1.0/me?$select=displayName,mail")
	require.Equal(t, 200, me.Status, me.Raw)
	assert.Equal(t, "Adele Vance", me.Body["displayName"])
	mine := get(t, srv, user, "/v1.0/me/memberOf")
	require.Equal(t, 200, mine.Status, mine.Raw)
	assert.Len(t, mine.values(), 2)
	other := get(t, srv, user, "/v1.0/users/admin@contoso.onmicrosoft.com")
	assert.Equal(t, 403, other.Status, "User.Read reads only the signed-in user")
	assert.Equal(t, "Authorization_RequestDenied", other.code())
}

func TestUserWrites(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	reader := appToken(t, srv)
	newUser := map[string]any{
		"accountEnabled": true, "displayName": "Nestor Wilke", "mailNickname": "nestor",
		"userPrincipalName": "nestor@contoso.onmicrosoft.com", "department": "Operations",
		"passwordProfile": map[string]any{"forceChangePasswordNextSignIn": true, "password": "xWwvJ]6NMw+bWH-d"},
	}
	denied := graphDo(t, srv, reader, "POST", "/v1.0/users", newUser)
	assert.Equal(t, 403, denied.Status, "User.Read.All cannot create users")

	writer := tokenWithRoles(t, srv, "User.ReadWrite.All")
	created := graphDo(t, srv, writer, "POST", "/v1.0/users", newUser)
	require.Equal(t, 201, created.Status, created.Raw)
	id := created.Body["id"].(string)
	assert.Equal(t, "nestor@contoso.onmicrosoft.com", created.Body["userPrincipalName"])

	for _, tc := range []struct {
		name   string
		change func(map[string]any)
		code   string
		msg    string
	}{
		{"a taken UPN", func(m map[string]any) {}, "Request_BadRequest", "Another object with the same value for property userPrincipalName already exists."},
		{"an unverified domain", func(m map[string]any) { m["userPrincipalName"] = "x@fabrikam.com" }, "Request_BadRequest", "The domain portion of the userPrincipalName property is invalid. You must use one of the verified domain names in your organization."},
		{"a missing required property", func(m map[string]any) { delete(m, "mailNickname") }, "Request_BadRequest", "A value is required for property 'mailNickname' of resource 'User'."},
		{"an unknown property", func(m map[string]any) { m["shoeSize"] = "42" }, "BadRequest", "The property 'shoeSize' does not exist on type 'microsoft.graph.user'. Make sure to only use property names that are defined by the type or mark the type as open type."},
		{"a value of the wrong type", func(m map[string]any) { m["accountEnabled"] = "yes" }, "BadRequest", "Cannot convert the literal 'yes' to the expected type 'Edm.Boolean'."},
		{"a read-only property", func(m map[string]any) { m["id"] = "x" }, "Request_BadRequest", "Property 'id' is read-only and cannot be set."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body := map[string]any{}
			for k, v := range newUser {
				body[k] = v
			}
			tc.change(body)
			r := graphDo(t, srv, writer, "POST", "/v1.0/users", body)
			assert.Equal(t, 400, r.Status, r.Raw)
			assert.Equal(t, tc.code, r.code())
			assert.Equal(t, tc.msg, r.message())
		})
	}

	patched := graphDo(t, srv, writer, "PATCH", "/v1.0/users/"+id, map[string]any{"jobTitle": "Director", "department": "IT"})
	require.Equal(t, 204, patched.Status, patched.Raw)
	it := get(t, srv, writer, "/v1.0/users?$filter=department eq 'IT'&$select=displayName,jobTitle")
	assert.Contains(t, it.names("displayName"), "Nestor Wilke", "a write shows up in the next query")

	// The directory is one model: the token issuer sees Graph's writes.
	signIn := func() url.Values {
		p := authorizeParams(srv, "openid User.Read")
		p.Set("login_hint", "nestor@contoso.onmicrosoft.com")
		q, _, _ := authorize(t, srv, "/"+srv.TenantID+"/oauth2/v2.0/authorize", p)
		return q
	}
	srv.GrantScopes(srv.TenantID, srv.ClientID, "", "User.Read")
	assert.NotEmpty(t, signIn().Get("code"), "a user created through Graph can sign in")
	disabled := graphDo(t, srv, writer, "PATCH", "/v1.0/users/"+id, map[string]any{"accountEnabled": false})
	require.Equal(t, 204, disabled.Status)
	assert.Contains(t, signIn().Get("error_description"), "AADSTS50057", "a disabled user cannot sign in")

	deleted := graphDo(t, srv, writer, "DELETE", "/v1.0/users/"+id, nil)
	assert.Equal(t, 204, deleted.Status)
	assert.Equal(t, 404, get(t, srv, writer, "/v1.0/users/"+id).Status)
	assert.Contains(t, signIn().Get("error_description"), "AADSTS50034", "a deleted user cannot sign in")
	assert.Equal(t, 404, graphDo(t, srv, writer, "DELETE", "/v1.0/users/"+id, nil).Status)
}

func TestDeletedUserLosesRefreshAndGroups(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	tok := appToken(t, srv)
	sales := get(t, srv, tok, "/v1.0/groups?$filter=displayName eq 'Sales'").values()[0]["id"].(string)
	require.Len(t, get(t, srv, tok, "/v1.0/groups/"+sales+"/members").values(), 1)
	srv.DeleteUser("adele@contoso.onmicrosoft.com")
	assert.Empty(t, get(t, srv, tok, "/v1.0/groups/"+sales+"/members").values(), "a deleted user leaves its groups")
}

func TestMethodNotAllowedAndUnknownSegments(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	tok := appToken(t, srv)
	r := graphDo(t, srv, tok, "PUT", "/v1.0/users", map[string]any{})
	assert.Equal(t, 405, r.Status)
	assert.Equal(t, "Request_BadRequest", r.code())
	r = get(t, srv, tok, "/v1.0/shoes")
	assert.Equal(t, 400, r.Status)
	assert.Equal(t, "Resource not found for the segment 'shoes'.", r.message())
}
