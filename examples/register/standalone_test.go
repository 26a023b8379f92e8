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

// With AZURE_* naming a registration tool on a standalone fake, the app is
// registered through the fake's Graph and signs in there: the program
// called graph.microsoft.com, and the new app's credential
// login.microsoftonline.com.
func TestAgainstAStandaloneFakeThroughTheEnvironment(t *testing.T) {
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	srv.GrantAppRoles(srv.TenantID, srv.ClientID, "Application.ReadWrite.OwnedBy", "AppRoleAssignment.ReadWrite.All", "Application.Read.All")
	dir := t.TempDir()
	ca := filepath.Join(dir, "ca.pem")
	require.NoError(t, os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.CA().Raw}), 0o600))

	cmd := exec.Command(os.Args[0], "-roles", "User.Read.All", "-out", dir)
	cmd.Env = append(os.Environ(), "ENTRAKIT_EXAMPLE_MAIN=1", "SSL_CERT_FILE="+ca, "AZURE_AUTHORITY_HOST="+srv.URL,
		"AZURE_TENANT_ID="+srv.TenantID, "AZURE_CLIENT_ID="+srv.ClientID, "AZURE_CLIENT_SECRET="+srv.Secret,
		"AZURE_CLIENT_CERTIFICATE_PATH=", "AZURE_FEDERATED_TOKEN_FILE=")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	assert.Contains(t, string(out), "signed in as the new app with its certificate; token roles: User.Read.All\n")
}
