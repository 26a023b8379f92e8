package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strings"
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

// countTokenRequests reads the control API's request log with curl, as a
// shell script would.
func countTokenRequests(t *testing.T, h hello, clientID string) int {
	t.Helper()
	var reqs []requestJSON
	curlJSON(t, h, &reqs, h.ControlURL+"/requests?endpoint=token&clientId="+clientID)
	return len(reqs)
}

// curlJSON runs curl trusting the fake's CA file and decodes its answer.
func curlJSON(t *testing.T, h hello, v any, args ...string) {
	t.Helper()
	curl, err := exec.LookPath("curl")
	require.NoError(t, err, "curl is missing: run scripts/test, which installs it")
	out, err := exec.Command(curl, append([]string{"-sS", "--fail-with-body", "--cacert", h.CAFile}, args...)...).Output()
	require.NoError(t, err, "curl %s: %s", strings.Join(args, " "), out)
	require.NoError(t, json.Unmarshal(out, v), "curl %s: %s", strings.Join(args, " "), out)
}

func TestCurl(t *testing.T) {
	t.Parallel()
	h := serve(t, "-dir", t.TempDir())
	var tok struct {
		TokenType   string `json:"token_type"`
		ExpiresIn   int    `json:"expires_in"`
		AccessToken string `json:"access_token"`
	}
	curlJSON(t, h, &tok, h.URL+"/"+h.TenantID+"/oauth2/v2.0/token",
		"-d", "grant_type=client_credentials", "-d", "client_id="+h.ClientID,
		"--data-urlencode", "client_secret="+h.ClientSecret, "-d", "scope=https://graph.microsoft.com/.default")
	assert.Equal(t, "Bearer", tok.TokenType)
	assert.Positive(t, tok.ExpiresIn)
	require.NotEmpty(t, tok.AccessToken)

	var clk clockJSON
	curlJSON(t, h, &clk, "-X", "POST", "-H", "Content-Type: application/json", "-d", `{"seconds": 86400}`, h.ControlURL+"/clock/advance")
	var st stateJSON
	curlJSON(t, h, &st, h.ControlURL+"/state")
	assert.True(t, clk.Now.Equal(st.Now) || st.Now.After(clk.Now))
	assert.WithinDuration(t, time.Now().Add(24*time.Hour), clk.Now, time.Hour, "the fake's clock moved a day on")
	assert.Equal(t, 1, countTokenRequests(t, h, h.ClientID))
}
