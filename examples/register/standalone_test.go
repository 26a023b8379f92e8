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

// With AZURE_* naming a registration tool on a standalone fake, the app is
// registered through the fake's Graph and signs in there: the program
// called graph.microsoft.com, and the new app's credential
// login.microsoftonline.com.
func TestAgainstAStandaloneFakeThroughTheEnvironment(t *testing.T) {
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	srv.GrantAppRoles(srv.TenantID, srv.ClientID, "Application.ReadWrite.OwnedBy", "AppRoleAssignment.ReadWrite.All", "Application.Read.All")
	out, err := exampletest.Run(t, srv, []string{"AZURE_TENANT_ID=" + srv.TenantID, "AZURE_CLIENT_ID=" + srv.ClientID, "AZURE_CLIENT_SECRET=" + srv.Secret},
		"-roles", "User.Read.All", "-out", t.TempDir())
	require.NoError(t, err, out)
	assert.Contains(t, out, "signed in as the new app with its certificate; token roles: User.Read.All\n")
}
