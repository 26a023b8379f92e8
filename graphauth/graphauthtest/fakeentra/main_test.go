package main

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/entrakit/entrakit/graphauth/graphauthtest"
)

// serve runs the command until the test ends and returns what it announced.
func serve(t *testing.T, args ...string) hello {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() { done <- run(ctx, args, pw); pw.Close() }()
	t.Cleanup(func() {
		cancel()
		assert.NoError(t, <-done, "stops cleanly when signalled")
	})
	line, err := bufio.NewReader(pr).ReadBytes('\n')
	require.NoError(t, err)
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	var h hello
	require.NoError(t, json.Unmarshal(line, &h))
	return h
}

// clientFor trusts only the CA file the command wrote, as a test in another
// language would.
func clientFor(t *testing.T, caFile string) *http.Client {
	t.Helper()
	pemBytes, err := os.ReadFile(caFile)
	require.NoError(t, err)
	pool := x509.NewCertPool()
	require.True(t, pool.AppendCertsFromPEM(pemBytes))
	return &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
}

func TestServesTheDefaultDirectory(t *testing.T) {
	t.Parallel()
	h := serve(t, "-ca", filepath.Join(t.TempDir(), "ca.pem"))
	c := clientFor(t, h.CAFile)
	resp, err := c.PostForm(h.URL+"/"+h.TenantID+"/oauth2/v2.0/token", url.Values{
		"grant_type": {"client_credentials"}, "client_id": {h.ClientID}, "client_secret": {h.ClientSecret},
		"scope": {"https://graph.microsoft.com/.default"}})
	require.NoError(t, err)
	defer resp.Body.Close()
	assert.Equal(t, 200, resp.StatusCode)
}

func TestServesADirectoryFromAFile(t *testing.T) {
	t.Parallel()
	_, cert := graphauthtest.NewCertificate("CN=from file", time.Now())
	cfg := map[string]any{
		"tenants": []map[string]any{{"id": "0a1b2c3d-0000-4000-8000-000000000001", "domain": "fabrikam.onmicrosoft.com", "displayName": "Fabrikam",
			"users": []map[string]any{{"upn": "root@fabrikam.onmicrosoft.com", "admin": true}}}},
		"apps": []map[string]any{{"clientId": "0a1b2c3d-0000-4000-8000-000000000002", "displayName": "from file",
			"secrets": []map[string]any{{"value": "fake-secret-value"}}, "certificates": []string{string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw}))},
			"grants": map[string][]string{"fabrikam.onmicrosoft.com": {"User.Read.All"}}}},
	}
	path := filepath.Join(t.TempDir(), "directory.json")
	data, _ := json.Marshal(cfg)
	require.NoError(t, os.WriteFile(path, data, 0o600))
	h := serve(t, "-config", path)
	assert.Empty(t, h.ClientSecret, "secrets from a file are not echoed")
	c := clientFor(t, h.CAFile)
	resp, err := c.PostForm(h.URL+"/fabrikam.onmicrosoft.com/oauth2/v2.0/token", url.Values{
		"grant_type": {"client_credentials"}, "client_id": {"0a1b2c3d-0000-4000-8000-000000000002"},
		"client_secret": {"fake-secret-value"}, "scope": {"https://graph.microsoft.com/.default"}})
	require.NoError(t, err)
	defer resp.Body.Close()
	var body map[string]any
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&body))
	require.Equal(t, 200, resp.StatusCode, body)
}

func TestBadConfigurationIsAnError(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cases := map[string]string{
		"not JSON":           `{`,
		"unknown field":      `{"tenants":[{"domain":"a.example"}],"bogus":1}`,
		"no tenant":          `{"tenants":[]}`,
		"unknown permission": `{"tenants":[{"domain":"a.example"}],"apps":[{"requiredRoles":["Group.ReadAll"]}]}`,
		"bad certificate":    `{"tenants":[{"domain":"a.example"}],"apps":[{"certificates":["nope"]}]}`,
	}
	for name, body := range cases {
		path := filepath.Join(dir, name+".json")
		require.NoError(t, os.WriteFile(path, []byte(body), 0o600))
		err := run(context.Background(), []string{"-config", path}, io.Discard)
		assert.Error(t, err, name)
	}
	assert.Error(t, run(context.Background(), []string{"-config", filepath.Join(dir, "missing.json")}, io.Discard))
	assert.Error(t, run(context.Background(), []string{"-addr", "0.0.0.0:0"}, io.Discard), "only loopback")
}
