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

// Pointed at a standalone fake platform (fakeentra) the way its README
// says, AZURE_AUTHORITY_HOST and SSL_CERT_FILE, the program calls the
// fake's Graph: it called graph.microsoft.com, and every probe failed.
func TestAgainstAStandaloneFakeThroughTheEnvironment(t *testing.T) {
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	ca := filepath.Join(t.TempDir(), "ca.pem")
	require.NoError(t, os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.CA().Raw}), 0o600))
	srv.GrantAppRoles(srv.TenantID, srv.ClientID, "User.Read.All", "Group.Read.All")

	cmd := exec.Command(os.Args[0], "-roles", "User.Read.All,Group.Read.All", "-probe")
	cmd.Env = append(os.Environ(), "ENTRAKIT_EXAMPLE_MAIN=1", "SSL_CERT_FILE="+ca, "AZURE_AUTHORITY_HOST="+srv.URL,
		"AZURE_TENANT_ID="+srv.TenantID, "AZURE_CLIENT_ID="+srv.ClientID, "AZURE_CLIENT_SECRET="+srv.Secret,
		"AZURE_CLIENT_CERTIFICATE_PATH=", "AZURE_FEDERATED_TOKEN_FILE=")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	assert.Contains(t, string(out), "[ok  ] Graph call for users: GET /v1.0/users?$top=1&$select=id answered 200")
	assert.Contains(t, string(out), "[ok  ] Graph call for groups: GET /v1.0/groups?$top=1&$select=id answered 200")
	assert.NotContains(t, string(out), "could not be reached")
}
