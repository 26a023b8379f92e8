package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/entrakit/entrakit/graphauth/graphauthtest"
	"github.com/entrakit/entrakit/internal/exampletest"
)

// TestMain runs main in the process exampletest.Run starts.
func TestMain(m *testing.M) { exampletest.Main(m, main) }

// The Azure mode, run as the doc comment says against a standalone fake,
// with App Service's identity endpoint standing in for the resource's: it
// ignored AZURE_AUTHORITY_HOST and read graph.microsoft.com.
func TestAgainstAStandaloneFakeThroughTheEnvironment(t *testing.T) {
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	customer := srv.AddTenant(graphauthtest.Tenant{DisplayName: "Fabrikam"})
	app := srv.AddApp(graphauthtest.App{DisplayName: "MSP tool", MultiTenant: true})
	srv.GrantAppRoles(srv.TenantID, app.ClientID, "Organization.Read.All")
	srv.GrantAppRoles(customer.ID, app.ClientID, "Organization.Read.All")
	mi := srv.AddManagedIdentity(graphauthtest.ManagedIdentity{})
	srv.TrustManagedIdentity(app.ClientID, mi)
	out, err := exampletest.Run(t, srv, []string{"AZURE_TENANT_ID=" + srv.TenantID, "AZURE_CLIENT_ID=" + app.ClientID,
		"CUSTOMER_TENANT_IDS=" + srv.TenantID + "," + customer.ID, "MANAGED_IDENTITY_CLIENT_ID=" + mi.ClientID,
		"IDENTITY_ENDPOINT=" + srv.URL + graphauthtest.IdentityEndpointPath, "IDENTITY_HEADER=" + srv.IdentityHeader()})
	require.NoError(t, err, out)
	assert.Contains(t, out, "tenant "+customer.ID+": Fabrikam (no secret, no certificate)\n")
	assert.Equal(t, 1, srv.Count(graphauthtest.EndpointManagedIdentity), "the identity's token came from App Service's endpoint on the fake")
}
