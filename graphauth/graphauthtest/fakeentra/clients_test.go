package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The real clients' tests: msal-node and @azure/identity (npm, pinned by
// testdata/clients/node/package-lock.json) and MSAL Python (Debian's
// python3-msal) get tokens from fakeentra, steering it and reading its
// request log through the control API. scripts/test installs them; a missing
// one fails the test, it is never skipped.

const (
	nodeDir   = "testdata/clients/node"
	pythonDir = "testdata/clients/python"
	// debianPython is Debian's interpreter, where python3-msal is installed;
	// a pyenv python3 earlier on PATH would not see it.
	debianPython = "/usr/bin/python3"
)

// clientResult is one scenario a script reports.
type clientResult struct {
	Scenario      string `json:"scenario"`
	TokenRequests int    `json:"tokenRequests"`
}

func requireNode(t *testing.T) string {
	t.Helper()
	node, err := exec.LookPath("node")
	require.NoError(t, err, "node is missing: run scripts/test, which installs nodejs and npm")
	out, err := exec.Command(node, "--version").Output()
	require.NoError(t, err)
	var major int
	_, err = fmt.Sscanf(string(out), "v%d.", &major)
	require.NoError(t, err, "node --version: %s", out)
	require.GreaterOrEqual(t, major, 20, "msal-node 7 and @azure/identity 4 need Node.js 20 or later; %s has %s", node, out)
	_, err = os.Stat(filepath.Join(nodeDir, "node_modules", ".package-lock.json"))
	require.NoError(t, err, "the npm packages are missing: run scripts/test, or `npm ci` in %s", nodeDir)
	return node
}

func requireMSALPython(t *testing.T) {
	t.Helper()
	out, err := exec.Command(debianPython, "-c", "import msal; print(msal.__version__)").CombinedOutput()
	require.NoError(t, err, "%s cannot import msal: run scripts/test, which installs Debian's python3-msal\n%s", debianPython, out)
}

// runClient runs one script against the fake h with env added to a clean
// environment, and returns the scenarios it reports.
func runClient(t *testing.T, h hello, env []string, name string, args ...string) []clientResult {
	t.Helper()
	line, err := json.Marshal(h)
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "NODE_EXTRA_CA_CERTS=") && !strings.HasPrefix(kv, "REQUESTS_CA_BUNDLE=") &&
			!strings.HasPrefix(kv, "SSL_CERT_FILE=") && !strings.HasPrefix(kv, "FAKEENTRA=") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, append(env, "FAKEENTRA="+string(line))...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err = cmd.Run()
	require.NoError(t, err, "%s %s failed:\n%s", name, strings.Join(args, " "), stderr.String())
	var results []clientResult
	require.NoError(t, json.Unmarshal(stdout.Bytes(), &results), "the script's report: %s", stdout.String())
	return results
}

// checkScenarios asserts that the script reported exactly these scenarios,
// each served by one token request (the second call a cache hit).
func checkScenarios(t *testing.T, got []clientResult, want ...string) {
	t.Helper()
	names := make([]string, len(got))
	for i, r := range got {
		names[i] = r.Scenario
		if r.TokenRequests != 1 {
			t.Errorf("%s: %d token requests before the silent call, want 1", r.Scenario, r.TokenRequests)
		}
	}
	assert.Equal(t, want, names)
}

func TestRealClients(t *testing.T) {
	t.Parallel()
	h := serve(t, "-dir", t.TempDir())
	t.Run("msal-node", func(t *testing.T) {
		t.Parallel()
		node := requireNode(t)
		got := runClient(t, h, []string{"NODE_EXTRA_CA_CERTS=" + h.CAFile}, node, filepath.Join(nodeDir, "msal-node.mjs"))
		checkScenarios(t, got, "msal-node secret", "msal-node certificate sha256", "msal-node certificate sha1",
			"msal-node certificate x5c", "msal-node auth code")
	})
	t.Run("@azure/identity with NODE_EXTRA_CA_CERTS", func(t *testing.T) {
		t.Parallel()
		node := requireNode(t)
		// The default app already has a token request in the log, as after
		// the README's curl lines or an earlier run against the same fake:
		// the script counts only its own (it counted them all, and failed).
		resp, err := clientFor(t, h.CAFile).PostForm(h.URL+"/"+h.TenantID+"/oauth2/v2.0/token", url.Values{
			"grant_type": {"client_credentials"}, "client_id": {h.ClientID}, "client_secret": {h.ClientSecret},
			"scope": {"https://graph.microsoft.com/.default"}})
		require.NoError(t, err)
		require.NoError(t, resp.Body.Close())
		require.Equal(t, 200, resp.StatusCode)
		got := runClient(t, h, []string{"NODE_EXTRA_CA_CERTS=" + h.CAFile}, node, filepath.Join(nodeDir, "azure-identity.mjs"))
		checkScenarios(t, got, "@azure/identity secret", "@azure/identity certificate", "@azure/identity certificate x5c",
			"@azure/identity certificatePath", "@azure/identity managed identity (App Service)")
	})
	t.Run("@azure/identity with tlsOptions.ca", func(t *testing.T) {
		t.Parallel()
		node := requireNode(t)
		got := runClient(t, h, nil, node, filepath.Join(nodeDir, "azure-identity.mjs"), "tlsOptions")
		checkScenarios(t, got, "@azure/identity secret (tlsOptions.ca)", "@azure/identity certificate (tlsOptions.ca)",
			"@azure/identity certificate x5c (tlsOptions.ca)")
	})
	t.Run("MSAL Python", func(t *testing.T) {
		t.Parallel()
		requireMSALPython(t)
		got := runClient(t, h, []string{"REQUESTS_CA_BUNDLE=" + h.CAFile}, debianPython, filepath.Join(pythonDir, "msal_python.py"))
		checkScenarios(t, got, "msal-python secret", "msal-python certificate sha1", "msal-python certificate x5c",
			"msal-python auth code")
	})
}
