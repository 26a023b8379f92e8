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

// A standalone fakeentra's v1 Token URL, pasted with -token-url and its host
// in AZURE_AUTHORITY_HOST, is read and synced from the fake's Graph: it was
// refused as a URL with "a user or a port".
func TestAgainstAStandaloneFakeThroughTheEnvironment(t *testing.T) {
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	ca := filepath.Join(t.TempDir(), "ca.pem")
	require.NoError(t, os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.CA().Raw}), 0o600))

	cmd := exec.Command(os.Args[0], "-page", "1", "-token-url", srv.URL+"/"+srv.TenantID+"/oauth2/token")
	cmd.Env = append(os.Environ(), "ENTRAKIT_EXAMPLE_MAIN=1", "SSL_CERT_FILE="+ca, "AZURE_AUTHORITY_HOST="+srv.URL,
		"AZURE_CLIENT_ID="+srv.ClientID, "AZURE_CLIENT_SECRET="+srv.Secret, "AZURE_TENANT_ID=")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	assert.Contains(t, string(out), "Token URL: cloud fakeentra, tenant "+srv.TenantID+", endpoint v1\n")
	assert.Contains(t, string(out), "page 2: Adele Vance\n")
	assert.Contains(t, string(out), "3 groups: Sales, IT Admins, All Staff\n")
}
