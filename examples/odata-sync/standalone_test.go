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

// A standalone fakeentra's v1 Token URL, pasted with -token-url and its host
// in AZURE_AUTHORITY_HOST, is read and synced from the fake's Graph: it was
// refused as a URL with "a user or a port".
func TestAgainstAStandaloneFakeThroughTheEnvironment(t *testing.T) {
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	out, err := exampletest.Run(t, srv, []string{"AZURE_CLIENT_ID=" + srv.ClientID, "AZURE_CLIENT_SECRET=" + srv.Secret},
		"-page", "1", "-token-url", srv.URL+"/"+srv.TenantID+"/oauth2/token")
	require.NoError(t, err, out)
	assert.Contains(t, out, "Token URL: cloud fakeentra, tenant "+srv.TenantID+", endpoint v1\n")
	assert.Contains(t, out, "page 2: Adele Vance\n")
	assert.Contains(t, out, "3 groups: Sales, IT Admins, All Staff\n")
}
