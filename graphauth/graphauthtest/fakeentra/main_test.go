package main

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
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
	dir := t.TempDir()
	h := serve(t, "-dir", dir, "-ca", filepath.Join(t.TempDir(), "ca.pem"))
	c := clientFor(t, h.CAFile)
	assert.Equal(t, filepath.Join(dir, "client-key.pem"), h.KeyFile)
	keyPEM, err := os.ReadFile(h.KeyFile)
	require.NoError(t, err)
	info, err := os.Stat(h.KeyFile)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), info.Mode().Perm(), "the key is readable by its owner only")
	certPEM, err := os.ReadFile(h.CertificateFile)
	require.NoError(t, err)
	_, err = tls.X509KeyPair(certPEM, keyPEM)
	require.NoError(t, err, "the certificate and key written are a pair")
	both, err := os.ReadFile(h.PEMFile)
	require.NoError(t, err)
	assert.Equal(t, string(keyPEM)+string(certPEM), string(both))
	require.Len(t, h.ThumbprintSHA1, 40)
	require.Len(t, h.ThumbprintSHA256, 64)
	require.Len(t, h.Apps, 1)
	assert.Equal(t, h.CertificateID, h.Apps[0].Certificates[0].KeyID)
	assert.Equal(t, h.ThumbprintSHA256, h.Apps[0].Certificates[0].ThumbprintSHA256)
	assert.Equal(t, h.SecretID, h.Apps[0].Secrets[0].KeyID)
	require.Len(t, h.Tenants, 1)
	assert.Len(t, h.Tenants[0].Users, 2)
	assert.NotEmpty(t, h.Tenants[0].Groups)
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
			"grants":            map[string][]string{"fabrikam.onmicrosoft.com": {"User.Read.All"}},
			"requiredResources": []string{graphauthtest.TeamsAdminAppID},
			"federatedCredentials": []map[string]any{{"issuer": "https://token.actions.githubusercontent.com", "subject": "repo:o/r:ref:refs/heads/main",
				"keys": []string{string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw}))}}}}},
		"refreshInSeconds": 1800, "deltaRetentionSeconds": 3600, "tokenLatencyMs": 1,
	}
	path := filepath.Join(t.TempDir(), "directory.json")
	data, _ := json.Marshal(cfg)
	require.NoError(t, os.WriteFile(path, data, 0o600))
	h := serve(t, "-config", path)
	assert.Empty(t, h.ClientSecret, "secrets from a file are not echoed")
	assert.Empty(t, h.KeyFile, "no key is written for a directory from a file")
	require.Len(t, h.Tenants, 1)
	assert.Equal(t, "root@fabrikam.onmicrosoft.com", h.Tenants[0].Users[0].UPN)
	assert.NotEmpty(t, h.Tenants[0].Users[0].ID, "every ID it created is printed")
	require.Len(t, h.Apps, 1)
	assert.Equal(t, []string{graphauthtest.TeamsAdminAppID}, h.Apps[0].RequiredResources)
	require.Len(t, h.Apps[0].FederatedCredentials, 1)
	assert.Len(t, h.Apps[0].FederatedCredentials[0].Keys, 1)
	assert.NotEmpty(t, h.Apps[0].Secrets[0].KeyID)
	assert.Empty(t, h.Apps[0].Secrets[0].Value)
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
		"not JSON":              `{`,
		"unknown field":         `{"tenants":[{"domain":"a.example"}],"bogus":1}`,
		"no tenant":             `{"tenants":[]}`,
		"unknown permission":    `{"tenants":[{"domain":"a.example"}],"apps":[{"requiredRoles":["Group.ReadAll"]}]}`,
		"bad certificate":       `{"tenants":[{"domain":"a.example"}],"apps":[{"certificates":["nope"]}]}`,
		"negative latency":      `{"tenants":[{"domain":"a.example"}],"tokenLatencyMs":-1}`,
		"a century of tokens":   `{"tenants":[{"domain":"a.example"}],"tokenLifetimeSeconds":3153600000}`,
		"federated, no issuer":  `{"tenants":[{"domain":"a.example"}],"apps":[{"federatedCredentials":[{"subject":"s"}]}]}`,
		"federated, bad key":    `{"tenants":[{"domain":"a.example"}],"apps":[{"federatedCredentials":[{"issuer":"i","subject":"s","keys":["x"]}]}]}`,
		"a resource not a GUID": `{"tenants":[{"domain":"a.example"}],"apps":[{"requiredResources":["teams"]}]}`,
		"generated certificate": `{"tenants":[{"domain":"a.example"}],"apps":[{"generateCertificate":true}]}`,
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

// The example configuration the README points to loads and serves.
func TestTheExampleConfigurationServes(t *testing.T) {
	t.Parallel()
	h := serve(t, "-config", filepath.Join("testdata", "directory.json"), "-dir", t.TempDir())
	require.Len(t, h.Tenants, 2)
	assert.Equal(t, "northwind.onmicrosoft.com", h.Tenants[1].Domain)
	resp, err := clientFor(t, h.CAFile).PostForm(h.URL+"/fabrikam.onmicrosoft.com/oauth2/v2.0/token", url.Values{
		"grant_type": {"client_credentials"}, "client_id": {"0a1b2c3d-0000-4000-8000-000000000002"},
		"client_secret": {"fake-secret-for-tests-only"}, "scope": {"https://graph.microsoft.com/.default"}})
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 200, resp.StatusCode)
}

// An app without a clientId (the README: "a new one when empty") may carry
// grants, which go to the client ID the fake made up for it; the command
// refused to start with "an app with grants needs a clientId".
func TestGrantsOfAnAppWithoutAClientID(t *testing.T) {
	t.Parallel()
	cfg := `{"tenants":[{"domain":"contoso.onmicrosoft.com"}],"apps":[{"displayName":"first"},
		{"displayName":"granted","secrets":[{"value":"fake-secret-value"}],"grants":{"contoso.onmicrosoft.com":["Application.ReadWrite.OwnedBy"]}}]}`
	path := filepath.Join(t.TempDir(), "directory.json")
	require.NoError(t, os.WriteFile(path, []byte(cfg), 0o600))
	h := serve(t, "-config", path)
	require.Len(t, h.Apps, 2)
	resp, err := clientFor(t, h.CAFile).PostForm(h.URL+"/contoso.onmicrosoft.com/oauth2/v2.0/token", url.Values{
		"grant_type": {"client_credentials"}, "client_id": {h.Apps[1].ClientID},
		"client_secret": {"fake-secret-value"}, "scope": {"https://graph.microsoft.com/.default"}})
	require.NoError(t, err)
	defer resp.Body.Close()
	var body struct {
		AccessToken string `json:"access_token"`
	}
	require.Equal(t, 200, resp.StatusCode)
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&body))
	parts := strings.Split(body.AccessToken, ".")
	require.Len(t, parts, 3)
	claims, err := base64.RawURLEncoding.DecodeString(parts[1])
	require.NoError(t, err)
	assert.Contains(t, string(claims), `"Application.ReadWrite.OwnedBy"`, "the grant went to the app the fake named")
}
