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

// Pointed at a standalone fake platform (fakeentra) the way its README
// says, AZURE_AUTHORITY_HOST and SSL_CERT_FILE, the program calls the
// fake's Graph: it called graph.microsoft.com, and every probe failed.
func TestAgainstAStandaloneFakeThroughTheEnvironment(t *testing.T) {
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	srv.GrantAppRoles(srv.TenantID, srv.ClientID, "User.Read.All", "Group.Read.All")
	out, err := exampletest.Run(t, srv, []string{"AZURE_TENANT_ID=" + srv.TenantID, "AZURE_CLIENT_ID=" + srv.ClientID, "AZURE_CLIENT_SECRET=" + srv.Secret},
		"-roles", "User.Read.All,Group.Read.All", "-probe")
	require.NoError(t, err, out)
	assert.Contains(t, out, "[ok  ] Graph call for users: GET /v1.0/users?$top=1&$select=id answered 200")
	assert.Contains(t, out, "[ok  ] Graph call for groups: GET /v1.0/groups?$top=1&$select=id answered 200")
	assert.NotContains(t, out, "could not be reached")
}
