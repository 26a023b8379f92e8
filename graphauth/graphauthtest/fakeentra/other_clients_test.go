package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/entrakit/entrakit/graphauth"
)

// goClientEnv marks this test binary, run again as a child, as the Go client
// of TestGoClientTrustsSSLCertFile: Go reads SSL_CERT_FILE once per process,
// so the client must be a process of its own.
const goClientEnv = "FAKEENTRA_GO_CLIENT"

func TestMain(m *testing.M) {
	if hello := os.Getenv(goClientEnv); hello != "" {
		if err := goClient(hello); err != nil {
			fmt.Fprintln(os.Stderr, "go client:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// goClient gets a Graph token from the fake with entrakit's graphauth and
// with azidentity, each on its default HTTP client, which trusts the fake
// only through SSL_CERT_FILE.
func goClient(line string) error {
	var h hello
	if err := json.Unmarshal([]byte(line), &h); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	// SSL_CERT_FILE=/tmp/fakeentra/ca.pem is all that makes this process trust the fake.
	cred, err := graphauth.NewClientSecretCredential(h.TenantID, h.ClientID, graphauth.Secret(h.ClientSecret),
		&graphauth.Options{AuthorityHost: h.URL})
	if err != nil {
		return err
	}
	if _, err := cred.Token(ctx, graphauth.TokenRequest{Scopes: []string{"https://graph.microsoft.com/.default"}}); err != nil {
		return fmt.Errorf("graphauth: %w", err)
	}
	az, err := azidentity.NewClientSecretCredential(h.TenantID, h.ClientID, h.ClientSecret, &azidentity.ClientSecretCredentialOptions{
		ClientOptions:            azcore.ClientOptions{Cloud: cloud.Configuration{ActiveDirectoryAuthorityHost: h.URL}},
		DisableInstanceDiscovery: true,
	})
	if err != nil {
		return err
	}
	if _, err := az.GetToken(ctx, policy.TokenRequestOptions{Scopes: []string{"https://graph.microsoft.com/.default"}}); err != nil {
		return fmt.Errorf("azidentity: %w", err)
	}
	return nil
}

func TestGoClientTrustsSSLCertFile(t *testing.T) {
	t.Parallel()
	h := serve(t, "-dir", t.TempDir())
	line, err := json.Marshal(h)
	require.NoError(t, err)
	before := countTokenRequests(t, h, h.ClientID)
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), goClientEnv+"="+string(line), "SSL_CERT_FILE="+h.CAFile)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	assert.Equal(t, before+2, countTokenRequests(t, h, h.ClientID), "graphauth and azidentity each got a token")
}

// countTokenRequests reads the control API's request log.
func countTokenRequests(t *testing.T, h hello, clientID string) int {
	t.Helper()
	resp, err := clientFor(t, h.CAFile).Get(h.ControlURL + "/requests?endpoint=token&clientId=" + clientID)
	require.NoError(t, err)
	defer resp.Body.Close()
	var reqs []requestJSON
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&reqs))
	return len(reqs)
}

func TestCurl(t *testing.T) {
	t.Parallel()
	h := serve(t, "-dir", t.TempDir())
	_, err := exec.LookPath("curl")
	require.NoError(t, err, "curl is missing: run scripts/test, which installs it")
	cmd := exec.Command("bash", filepath.Join("testdata", "clients", "curl.sh"))
	cmd.Env = append(os.Environ(), "CA="+h.CAFile, "URL="+h.URL, "CONTROL="+h.ControlURL, "TENANT_ID="+h.TenantID,
		"CLIENT_ID="+h.ClientID, "CLIENT_SECRET="+h.ClientSecret)
	out, err := cmd.Output()
	require.NoError(t, err, "curl.sh: %s", out)
	// Three JSON answers, however each ends (the platform's without a
	// newline, as Entra's).
	dec := json.NewDecoder(bytes.NewReader(out))

	var tok struct {
		TokenType   string `json:"token_type"`
		ExpiresIn   int    `json:"expires_in"`
		AccessToken string `json:"access_token"`
	}
	require.NoError(t, dec.Decode(&tok), "%s", out)
	assert.Equal(t, "Bearer", tok.TokenType)
	assert.Positive(t, tok.ExpiresIn)
	assert.NotEmpty(t, tok.AccessToken)
	var clk clockJSON
	require.NoError(t, dec.Decode(&clk), "%s", out)
	assert.WithinDuration(t, time.Now().Add(24*time.Hour), clk.Now, time.Hour, "the fake's clock moved a day on")
	var reqs []requestJSON
	require.NoError(t, dec.Decode(&reqs), "%s", out)
	require.Len(t, reqs, 1)
	assert.Equal(t, "client_credentials", reqs[0].GrantType)
	assert.Equal(t, 200, reqs[0].Status)
	assert.NotContains(t, string(out), h.ClientSecret, "no answer, the request log's included, holds the secret")
}
