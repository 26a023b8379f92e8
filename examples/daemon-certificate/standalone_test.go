package main

import (
	"crypto/x509"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/entrakit/entrakit/graphauth/graphauthtest"
	"github.com/entrakit/entrakit/internal/exampletest"
	"github.com/entrakit/entrakit/registration"
)

// TestMain runs main in the process exampletest.Run starts.
func TestMain(m *testing.M) { exampletest.Main(m, main) }

// Pointed at a standalone fake platform (fakeentra) through
// AZURE_AUTHORITY_HOST and SSL_CERT_FILE, the daemon gets its token there
// and pages through the fake's Graph: it asked login.microsoftonline.com
// for the token, and would have synced graph.microsoft.com.
func TestAgainstAStandaloneFakeThroughTheEnvironment(t *testing.T) {
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	pemBytes, err := (&registration.Certificate{Chain: []*x509.Certificate{srv.ClientCertificate}, Key: srv.ClientKey}).PEM("")
	require.NoError(t, err)
	certFile := filepath.Join(t.TempDir(), "app.pem")
	require.NoError(t, os.WriteFile(certFile, pemBytes, 0o600))

	out, err := exampletest.Run(t, srv, []string{"AZURE_TENANT_ID=" + srv.TenantID, "AZURE_CLIENT_ID=" + srv.ClientID, "AZURE_CLIENT_CERTIFICATE_PATH=" + certFile})
	require.NoError(t, err, out)
	assert.Contains(t, out, "synced 2 users: Megan Admin, Adele Vance\n")
	assert.Contains(t, out, "synced 3 groups: Sales, IT Admins, All Staff\n")
}
