// Package exampletest runs an example program as a person runs it: in a
// process of its own, with its environment set from the start (Go reads
// SSL_CERT_FILE once), against a fake platform it trusts through
// SSL_CERT_FILE and finds through AZURE_AUTHORITY_HOST.
package exampletest

import (
	"encoding/pem"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/entrakit/entrakit/graphauth/graphauthtest"
)

// envMain tells the test binary to run the program's main instead of the
// tests.
const envMain = "ENTRAKIT_EXAMPLE_MAIN"

// Main is an example's TestMain: in a process Run starts, it runs the
// program's main; otherwise the tests.
func Main(m *testing.M, main func()) {
	if os.Getenv(envMain) == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// Run runs the program with args against srv and returns what it printed.
// The credential variables of the machine running the tests are cleared,
// SSL_CERT_FILE names srv's CA and AZURE_AUTHORITY_HOST its URL; env sets
// the program's own ("NAME=value").
func Run(t *testing.T, srv *graphauthtest.Server, env []string, args ...string) (string, error) {
	t.Helper()
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.CA().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), envMain+"=1", "SSL_CERT_FILE="+ca, "AZURE_AUTHORITY_HOST="+srv.URL,
		"AZURE_TENANT_ID=", "AZURE_CLIENT_ID=", "AZURE_CLIENT_SECRET=", "AZURE_CLIENT_CERTIFICATE_PATH=",
		"AZURE_CLIENT_CERTIFICATE_PASSWORD=", "AZURE_FEDERATED_TOKEN_FILE=")
	cmd.Env = append(cmd.Env, env...) // the last value of a name wins
	out, err := cmd.CombinedOutput()
	return string(out), err
}
