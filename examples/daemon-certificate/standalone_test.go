package main

import (
	"crypto/x509"
	"encoding/pem"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/entrakit/entrakit/graphauth/graphauthtest"
	"github.com/entrakit/entrakit/registration"
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

// Pointed at a standalone fake platform (fakeentra) through
// AZURE_AUTHORITY_HOST and SSL_CERT_FILE, the daemon gets its token there
// and pages through the fake's Graph: it asked login.microsoftonline.com
// for the token, and would have synced graph.microsoft.com.
func TestAgainstAStandaloneFakeThroughTheEnvironment(t *testing.T) {
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	dir := t.TempDir()
	ca := filepath.Join(dir, "ca.pem")
	require.NoError(t, os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.CA().Raw}), 0o600))
	pemBytes, err := (&registration.Certificate{Chain: []*x509.Certificate{srv.ClientCertificate}, Key: srv.ClientKey}).PEM("")
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "app.pem"), pemBytes, 0o600))

	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), "ENTRAKIT_EXAMPLE_MAIN=1", "SSL_CERT_FILE="+ca, "AZURE_AUTHORITY_HOST="+srv.URL,
		"AZURE_TENANT_ID="+srv.TenantID, "AZURE_CLIENT_ID="+srv.ClientID, "AZURE_CLIENT_CERTIFICATE_PATH="+filepath.Join(dir, "app.pem"),
		"AZURE_CLIENT_SECRET=", "AZURE_FEDERATED_TOKEN_FILE=")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	assert.Contains(t, string(out), "synced 2 users: Megan Admin, Adele Vance\n")
	assert.Contains(t, string(out), "synced 3 groups: Sales, IT Admins, All Staff\n")
}
