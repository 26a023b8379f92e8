package main

import (
	"encoding/pem"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/entrakit/entrakit/graphauth/graphauthtest"
)

// TestMain runs main itself in a process a test starts with
// ENTRAKIT_EXAMPLE_MAIN set, so that the program sees its environment from
// the start, as it does when a person runs it (Go reads SSL_CERT_FILE once).
func TestMain(m *testing.M) {
	if os.Getenv("ENTRAKIT_EXAMPLE_MAIN") == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

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
	ca := filepath.Join(t.TempDir(), "ca.pem")
	require.NoError(t, os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.CA().Raw}), 0o600))

	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), "ENTRAKIT_EXAMPLE_MAIN=1", "SSL_CERT_FILE="+ca, "AZURE_AUTHORITY_HOST="+srv.URL,
		"AZURE_TENANT_ID="+srv.TenantID, "AZURE_CLIENT_ID="+app.ClientID, "CUSTOMER_TENANT_IDS="+srv.TenantID+","+customer.ID,
		"MANAGED_IDENTITY_CLIENT_ID="+mi.ClientID, "IDENTITY_ENDPOINT="+srv.URL+graphauthtest.IdentityEndpointPath,
		"IDENTITY_HEADER="+srv.IdentityHeader())
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	assert.Contains(t, string(out), "tenant "+customer.ID+": Fabrikam (no secret, no certificate)\n")
	assert.Equal(t, 1, srv.Count(graphauthtest.EndpointManagedIdentity), "the identity's token came from App Service's endpoint on the fake")
}
