package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestControlRefusesObjectsThatCollide is the regression test for a control
// API that answered 201 to a user given the admin's object ID, a group given
// another group's ID, non-GUID IDs, a tenant domain "organizations" or with a
// newline, a UPN with a NUL or outside the tenant's domains, and an app
// claiming Microsoft Graph's client ID.
func TestControlRefusesObjectsThatCollide(t *testing.T) {
	t.Parallel()
	srv, h := newControl(t)
	ten := srv.Tenants()[0]
	admin, group := ten.Users[0].ID, ten.Groups[0].ID
	cases := []struct{ name, path, body string }{
		{"a user with the admin's ID", "users", `{"tenant":"` + ten.ID + `","upn":"twin@contoso.onmicrosoft.com","id":"` + admin + `"}`},
		{"a user ID that is a path", "users", `{"tenant":"` + ten.ID + `","upn":"x@contoso.onmicrosoft.com","id":"../x"}`},
		{"a UPN with a NUL", "users", `{"tenant":"` + ten.ID + `","upn":"a\u0000b@contoso.onmicrosoft.com"}`},
		{"a UPN in another domain", "users", `{"tenant":"` + ten.ID + `","upn":"x@evil.example"}`},
		{"a group with another group's ID", "groups", `{"tenant":"` + ten.ID + `","displayName":"Twin","id":"` + group + `"}`},
		{"a group ID that is not a GUID", "groups", `{"tenant":"` + ten.ID + `","displayName":"Z","id":"zzz"}`},
		{"a tenant named organizations", "tenants", `{"domain":"organizations"}`},
		{"a tenant domain with a newline", "tenants", `{"domain":"a b\nc.example"}`},
		{"an app with Graph's client ID", "apps", `{"clientId":"00000003-0000-0000-c000-000000000000"}`},
	}
	for _, c := range cases {
		var e struct {
			Error struct{ Code, Message string } `json:"error"`
		}
		assert.Equal(t, 400, call(t, h, "POST", c.path, c.body, &e), c.name)
		assert.Equal(t, "badRequest", e.Error.Code, c.name)
	}
	var st stateJSON
	require.Equal(t, 200, call(t, h, "GET", "state", "", &st))
	require.Len(t, st.Tenants, 1, "no refused tenant was added")
	assert.Len(t, st.Tenants[0].Users, 2, "no refused user was added")
	assert.Len(t, st.Tenants[0].Groups, 3, "no refused group was added")
	assert.Len(t, st.Apps, 1, "no refused app was added")
}

// TestControlARefusedPostLeavesNothingBehind is the regression test for
// POST /tenants and POST /apps answering 400 yet keeping what they had made
// before the refusal (a tenant whose user had an unknown license, an app
// whose grant named no tenant), so that the corrected retry was refused as
// a duplicate.
func TestControlARefusedPostLeavesNothingBehind(t *testing.T) {
	t.Parallel()
	_, h := newControl(t)
	const app = "11111111-2222-4333-8444-555555555555"
	assert.Equal(t, 400, call(t, h, "POST", "tenants", `{"domain":"half.example","users":[{"upn":"a@half.example","licenses":["NOPE"]}]}`, nil))
	assert.Equal(t, 400, call(t, h, "POST", "apps", `{"clientId":"`+app+`","grants":{"nowhere.example":["User.Read.All"]}}`, nil))
	assert.Equal(t, 400, call(t, h, "POST", "apps", `{"clientId":"`+app+`","grants":{"contoso.onmicrosoft.com":["User.ReadAll"]}}`, nil))
	assert.Equal(t, 201, call(t, h, "POST", "tenants", `{"domain":"half.example","users":[{"upn":"a@half.example"}]}`, nil))
	assert.Equal(t, 201, call(t, h, "POST", "apps", `{"clientId":"`+app+`","grants":{"half.example":["User.Read.All"]}}`, nil))
	var st stateJSON
	require.Equal(t, 200, call(t, h, "GET", "state", "", &st))
	assert.Len(t, st.Tenants, 2)
	assert.Len(t, st.Apps, 2)
}
