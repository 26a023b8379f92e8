package graphauthtest_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/entrakit/entrakit/graphauth/graphauthtest"
)

// TestSetupRefusesObjectsEntraWouldNot is the regression test for a
// directory that took a user whose object ID was another user's (so one
// user's tokens carried the other's oid), a group whose ID was another
// group's, IDs that are not GUIDs, a tenant domain "organizations" (which the
// authority paths then confuse) or with a newline, UPNs with control
// characters or outside the tenant's verified domains, and an app claiming
// Microsoft Graph's own client ID.
func TestSetupRefusesObjectsEntraWouldNot(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	admin := srv.Tenants()[0].Users[0]
	group := srv.Tenants()[0].Groups[0]
	cases := map[string]func(){
		"a user with another user's ID": func() {
			srv.AddUser(srv.TenantID, graphauthtest.User{ID: admin.ID, UPN: "twin@contoso.onmicrosoft.com"})
		},
		"a user with a group's ID": func() {
			srv.AddUser(srv.TenantID, graphauthtest.User{ID: group.ID, UPN: "twin@contoso.onmicrosoft.com"})
		},
		"a user with the tenant's ID": func() {
			srv.AddUser(srv.TenantID, graphauthtest.User{ID: srv.TenantID, UPN: "twin@contoso.onmicrosoft.com"})
		},
		"a user ID that is not a GUID":    func() { srv.AddUser(srv.TenantID, graphauthtest.User{ID: "../x", UPN: "x@contoso.onmicrosoft.com"}) },
		"a UPN with a NUL":                func() { srv.AddUser(srv.TenantID, graphauthtest.User{UPN: "a\x00b@contoso.onmicrosoft.com"}) },
		"a UPN with a newline":            func() { srv.AddUser(srv.TenantID, graphauthtest.User{UPN: "a\nb@contoso.onmicrosoft.com"}) },
		"a UPN with two @":                func() { srv.AddUser(srv.TenantID, graphauthtest.User{UPN: "a@b@contoso.onmicrosoft.com"}) },
		"a UPN outside verified domains":  func() { srv.AddUser(srv.TenantID, graphauthtest.User{UPN: "x@evil.example"}) },
		"a group with another group's ID": func() { srv.AddGroup(srv.TenantID, graphauthtest.Group{ID: group.ID, DisplayName: "Twin"}) },
		"a group with a user's ID":        func() { srv.AddGroup(srv.TenantID, graphauthtest.Group{ID: admin.ID, DisplayName: "Twin"}) },
		"a group ID that is not a GUID":   func() { srv.AddGroup(srv.TenantID, graphauthtest.Group{ID: "zzz", DisplayName: "Z"}) },
		"a tenant named organizations":    func() { srv.AddTenant(graphauthtest.Tenant{Domain: "organizations"}) },
		"a tenant domain with a newline":  func() { srv.AddTenant(graphauthtest.Tenant{Domain: "a b\nc.example"}) },
		"a custom domain that is no DNS":  func() { srv.AddTenant(graphauthtest.Tenant{Domain: "ok.example", Domains: []string{"common"}}) },
		"a tenant with a user's ID":       func() { srv.AddTenant(graphauthtest.Tenant{ID: admin.ID, Domain: "twin.example"}) },
		"an app with Graph's client ID":   func() { srv.AddApp(graphauthtest.App{ClientID: graphauthtest.GraphAppID}) },
		"an app with a user's object ID":  func() { srv.AddApp(graphauthtest.App{ObjectID: admin.ID}) },
	}
	for name, add := range cases {
		assert.Panics(t, add, name)
	}
	tenants := srv.Tenants()
	require.Len(t, tenants, 1, "no refused tenant was added")
	assert.Len(t, tenants[0].Users, 2, "no refused user was added")
	assert.Len(t, tenants[0].Groups, 3, "no refused group was added")

	// What Entra accepts still goes in: a custom verified domain's user, a
	// guest's #EXT# UPN, the documented UPN characters.
	fab := srv.AddTenant(graphauthtest.Tenant{Domain: "fabrikam.onmicrosoft.com", Domains: []string{"fabrikam.com"}})
	srv.AddUser(fab.ID, graphauthtest.User{UPN: "kim@fabrikam.com"})
	srv.AddUser(fab.ID, graphauthtest.User{UPN: "lee_contoso.com#EXT#@fabrikam.onmicrosoft.com", Guest: true})
	srv.AddUser(fab.ID, graphauthtest.User{UPN: "o'neil.j-x_y!^~@fabrikam.onmicrosoft.com"})
}

// TestARefusedTenantLeavesNothingBehind is the regression test for AddTenant
// (and the control API's POST /tenants) keeping a tenant whose user or group
// it refused half-way: the corrected retry failed with "domain … already
// belongs to a tenant".
func TestARefusedTenantLeavesNothingBehind(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	assert.Panics(t, func() {
		srv.AddTenant(graphauthtest.Tenant{Domain: "half.example", Users: []graphauthtest.User{{UPN: "a@half.example", Licenses: []string{"NOPE"}}}})
	})
	assert.Panics(t, func() {
		srv.AddTenant(graphauthtest.Tenant{Domain: "half.example", Groups: []graphauthtest.Group{{DisplayName: "g", Members: []string{"nobody@half.example"}}}})
	})
	require.Len(t, srv.Tenants(), 1)
	half := srv.AddTenant(graphauthtest.Tenant{Domain: "half.example", Users: []graphauthtest.User{{UPN: "a@half.example"}}})
	assert.Len(t, srv.Tenants(), 2)
	assert.Equal(t, "half.example", half.Domain)
}

// TestAServicePrincipalNeedsItsApp is the regression test for
// AddServicePrincipal (and POST /control/servicePrincipals) making a
// service principal for any string, "../x" included, with no app behind it.
func TestAServicePrincipalNeedsItsApp(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	assert.Panics(t, func() { srv.AddServicePrincipal(srv.TenantID, "../x") })
	assert.Panics(t, func() { srv.AddServicePrincipal(srv.TenantID, "11111111-2222-4333-8444-555555555555") })
	fab := srv.AddTenant(graphauthtest.Tenant{Domain: "fabrikam.onmicrosoft.com"})
	srv.AddServicePrincipal(fab.ID, srv.ClientID)
	srv.AddServicePrincipal(fab.ID, graphauthtest.AzureServiceManagementAppID)
	srv.AddServicePrincipal(fab.ID, graphauthtest.GraphAppID)
}
