package registration_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/entrakit/entrakit/registration"
)

// msgraph-sdk-go calls a function without parameters with empty brackets
// (GET /v1.0/users/delta()); the map writes it as its bare name. An {id}
// placeholder must not take it: /users/{id} needs less than delta does.
func TestAFunctionWithEmptyBracketsIsTheBareName(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ url, template, least string }{
		// /users/delta GET: User.Read.All marked least=Application.
		{"/v1.0/users/delta()", "/users/delta", "User.Read.All"},
		{"/v1.0/users/delta", "/users/delta", "User.Read.All"},
		// /groups/delta GET: GroupMember.Read.All marked least=Application.
		{"/v1.0/groups/delta()?$select=displayName", "/groups/delta", ""},
	} {
		got, err := registration.LeastPrivilege("GET", c.url, registration.SchemeApplication)
		require.NoError(t, err, c.url)
		assert.Equal(t, c.template, got.Template(), c.url)
		if c.least != "" {
			assert.Equal(t, c.least, got.Least.Value, c.url)
		}
	}
}

// A GET never gets a write permission where one that only reads allows
// it: not when the marked ones cannot be requested (calendarView), and not
// by dropping a read that the map lists as another's partner.
func TestAReadNeverGetsAWritePermissionWhereAReadAllowsIt(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ url, least string }{
		// /users/{id}/calendarview GET (Application): the marked ones are
		// not offered; Calendars.Read (level 4) and Calendars.ReadWrite
		// (level 3) allow it.
		{"/v1.0/users/0a1b/calendarView", "Calendars.Read"},
		// /policies/identitysecuritydefaultsenforcementpolicy GET:
		// Policy.Read.All marked least alone.
		{"/v1.0/policies/identitySecurityDefaultsEnforcementPolicy", "Policy.Read.All"},
	} {
		got, err := registration.LeastPrivilege("GET", c.url, registration.SchemeApplication)
		require.NoError(t, err, c.url)
		assert.Equal(t, c.least, got.Least.Value, c.url)
		assert.Empty(t, got.AlsoRequires, c.url)
	}
}

// A template of the map with a query string is a variant of the call: what
// it needs besides does not land on the plain call.
func TestAQueryVariantDoesNotAddToThePlainCall(t *testing.T) {
	t.Parallel()
	// /agentregistry/agentinstances GET: AgentInstance.Read.All marked
	// least alone; the ?$filter=agentCardManifest/id variant also requires
	// AgentCardManifest.Read.All.
	got, err := registration.LeastPrivilege("GET", "/v1.0/agentRegistry/agentInstances", registration.SchemeApplication)
	require.NoError(t, err)
	assert.Equal(t, "AgentInstance.Read.All", got.Least.Value)
	assert.Empty(t, got.AlsoRequires)
}
