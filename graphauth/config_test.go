package graphauth_test

import (
	"context"
	"crypto/x509"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/entrakit/entrakit/graphauth"
	"github.com/entrakit/entrakit/graphauth/graphauthtest"
)

func TestFromEnvReadsTheAzidentityVariables(t *testing.T) {
	t.Setenv("AZURE_TENANT_ID", "t")
	t.Setenv("AZURE_CLIENT_ID", "c")
	t.Setenv("AZURE_CLIENT_SECRET", "s")
	t.Setenv("AZURE_CLIENT_CERTIFICATE_PATH", "/p")
	t.Setenv("AZURE_CLIENT_CERTIFICATE_PASSWORD", "pw")
	t.Setenv("AZURE_FEDERATED_TOKEN_FILE", "/f")
	t.Setenv("AZURE_AUTHORITY_HOST", "https://login.example")
	assert.Equal(t, graphauth.Config{TenantID: "t", ClientID: "c", ClientSecret: "s", CertificatePath: "/p",
		CertificatePassword: "pw", FederatedTokenFile: "/f", AuthorityHost: "https://login.example"}, graphauth.FromEnv())
}

func TestNewCredentialPicksTheFlow(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	dir := t.TempDir()
	certPath := filepath.Join(dir, "app.pem")
	require.NoError(t, os.WriteFile(certPath, append(pemOf("CERTIFICATE", srv.ClientCertificate.Raw),
		pemOf("RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(srv.ClientKey))...), 0o600))
	base := graphauth.Config{TenantID: srv.TenantID, ClientID: srv.ClientID, AuthorityHost: srv.URL}
	opts := &graphauth.Options{HTTPClient: srv.Client()}

	withSecret := base
	withSecret.ClientSecret = graphauth.Secret(srv.Secret)
	withCert := base
	withCert.CertificatePath = certPath
	for name, cfg := range map[string]graphauth.Config{"secret": withSecret, "certificate": withCert} {
		cred, err := graphauth.NewCredential(cfg, opts)
		require.NoError(t, err, name)
		_, err = cred.Token(context.Background(), graphauth.TokenRequest{})
		assert.NoError(t, err, name)
	}

	both := withSecret
	both.CertificatePath = certPath
	both.Flow = graphauth.FlowCertificate
	cred, err := graphauth.NewCredential(both, opts)
	require.NoError(t, err, "Flow chooses between two credentials")
	assert.IsType(t, &graphauth.CertificateCredential{}, cred)
	// Flow as people write it in an environment file.
	for flow, want := range map[string]any{
		"Certificate": &graphauth.CertificateCredential{}, "client_certificate": &graphauth.CertificateCredential{},
		"SECRET": &graphauth.ClientSecretCredential{}, "Client-Secret": &graphauth.ClientSecretCredential{}, `"secret"`: &graphauth.ClientSecretCredential{},
	} {
		both.Flow = flow
		cred, err := graphauth.NewCredential(both, opts)
		require.NoError(t, err, flow)
		assert.IsType(t, want, cred, flow)
	}

	custom := graphauth.Flows{"vault": func(cfg graphauth.Config, o *graphauth.Options) (graphauth.TokenCredential, error) {
		return graphauth.NewClientSecretCredential(cfg.TenantID, cfg.ClientID, graphauth.Secret(srv.Secret), o)
	}}
	vault := base
	vault.Flow = "vault"
	cred, err = custom.NewCredential(vault, opts)
	require.NoError(t, err)
	_, err = cred.Token(context.Background(), graphauth.TokenRequest{})
	assert.NoError(t, err)
	// As an environment file gives it: quoted, or with a CRLF file's \r.
	for _, flow := range []string{`"vault"`, "vault\r", " 'vault' "} {
		vault.Flow = flow
		cred, err = custom.NewCredential(vault, opts)
		require.NoError(t, err, flow)
		_, err = cred.Token(context.Background(), graphauth.TokenRequest{})
		assert.NoError(t, err, flow)
	}
}

func TestNewCredentialNamesWhatIsWrong(t *testing.T) {
	t.Parallel()
	good := graphauth.Config{TenantID: "11111111-2222-3333-4444-555555555555", ClientID: "22222222-3333-4444-5555-666666666666"}
	with := func(f func(*graphauth.Config)) graphauth.Config { c := good; f(&c); return c }
	cases := []struct {
		name  string
		cfg   graphauth.Config
		field string
	}{
		{"no credential", good, "ClientSecret, CertificatePath or FederatedTokenFile"},
		{"two credentials", with(func(c *graphauth.Config) { c.ClientSecret, c.FederatedTokenFile = "x~y", "/f" }),
			"ClientSecret (AZURE_CLIENT_SECRET) and FederatedTokenFile (AZURE_FEDERATED_TOKEN_FILE)"},
		{"a password without a certificate", with(func(c *graphauth.Config) { c.ClientSecret, c.CertificatePassword = "x~y", "pw" }),
			"CertificatePassword (AZURE_CLIENT_CERTIFICATE_PASSWORD)"},
		{"missing tenant", with(func(c *graphauth.Config) { c.TenantID, c.ClientSecret = "", "x~y" }), "TenantID (AZURE_TENANT_ID)"},
		{"client ID not a GUID", with(func(c *graphauth.Config) { c.ClientID, c.ClientSecret = "sync-app", "x~y" }), "ClientID (AZURE_CLIENT_ID)"},
		{"unknown flow", with(func(c *graphauth.Config) { c.Flow = "kerberos" }), "Flow"},
		{"a flow in capitals without its setting", with(func(c *graphauth.Config) { c.Flow = "Certificate" }), "CertificatePath (AZURE_CLIENT_CERTIFICATE_PATH)"},
		{"a flow without its setting", with(func(c *graphauth.Config) { c.Flow = graphauth.FlowSecret }), "ClientSecret (AZURE_CLIENT_SECRET)"},
		{"a certificate file that is missing", with(func(c *graphauth.Config) { c.CertificatePath = "/no/such/file.pem" }), "ClientCertificatePath"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := graphauth.NewCredential(c.cfg, nil)
			var ce *graphauth.ConfigError
			require.ErrorAs(t, err, &ce)
			assert.Equal(t, c.field, ce.Field)
			assert.NotEmpty(t, ce.Reason)
		})
	}
	for _, taken := range []string{graphauth.FlowSecret, graphauth.FlowManagedIdentity, "Secret", "managed-identity", "MSI"} {
		_, err := graphauth.Flows{taken: nil}.NewCredential(good, nil)
		var ce *graphauth.ConfigError
		require.ErrorAs(t, err, &ce)
		assert.Equal(t, "Flows", ce.Field)
	}
}

// AZURE_AUTHORITY_HOST set to a national cloud's host, as azidentity users
// set it, names that cloud: the token is for its Graph, and Transport sends
// it there only. It asked for the public Graph's token before.
func TestAnAuthorityHostOfANationalCloudChoosesItsGraph(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		host  string
		cloud graphauth.Cloud
	}{
		{"https://login.partner.microsoftonline.cn", graphauth.AzureChina},
		{"https://login.microsoftonline.us/", graphauth.AzureGovernment},
	} {
		var scopes []string
		rt := roundTripFunc(func(r *http.Request) (*http.Response, error) {
			if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/oauth2/v2.0/token") {
				if err := r.ParseForm(); err != nil {
					return nil, err
				}
				scopes = append(scopes, r.PostForm.Get("scope"))
			}
			return &http.Response{StatusCode: http.StatusBadRequest, Header: http.Header{"Content-Type": {"application/json"}},
				Body:    io.NopCloser(strings.NewReader(`{"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided.","error_codes":[7000215]}`)),
				Request: r}, nil
		})
		cfg := graphauth.Config{TenantID: "72f988bf-86f1-41af-91ab-2d7cd011db47", ClientID: "11111111-2222-3333-4444-555555555555",
			ClientSecret: "a-secret-value", AuthorityHost: tc.host}
		cred, err := graphauth.NewCredential(cfg, &graphauth.Options{HTTPClient: &http.Client{Transport: rt}, Retry: graphauth.RetryOptions{MaxRetries: -1}})
		require.NoError(t, err)
		_, err = cred.Token(context.Background(), graphauth.TokenRequest{})
		require.Error(t, err)
		closeIf(cred)
		require.NotEmpty(t, scopes, tc.host)
		assert.Equal(t, tc.cloud.DefaultScope(), strings.Fields(scopes[0])[0], tc.host)
	}
	// A cloud named beside the host wins: DoD shares Government's host.
	cred, err := graphauth.NewClientSecretCredential("72f988bf-86f1-41af-91ab-2d7cd011db47", "11111111-2222-3333-4444-555555555555", "a-secret-value",
		&graphauth.Options{Cloud: graphauth.AzureGovernmentDoD, AuthorityHost: "https://login.microsoftonline.us"})
	require.NoError(t, err)
	defer cred.Close()
	req, err := http.NewRequest(http.MethodGet, graphauth.AzureGovernment.GraphEndpoint+"/v1.0/me", nil)
	require.NoError(t, err)
	_, err = (&http.Client{Transport: &graphauth.Transport{Credential: cred}}).Do(req)
	assert.ErrorIs(t, err, graphauth.ErrHostNotAllowed, "a DoD credential's token does not go to Government's Graph")
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// The examples' Graph calls follow AZURE_AUTHORITY_HOST: a national cloud's
// Graph, or fakeentra's own address, where they went to the public Graph.
func TestConfigCloudAndGraphEndpointFollowTheAuthorityHost(t *testing.T) {
	t.Parallel()
	for host, want := range map[string]struct{ scope, graph string }{
		"":                                  {"https://graph.microsoft.com/.default", "https://graph.microsoft.com"},
		"https://login.microsoftonline.us/": {"https://graph.microsoft.us/.default", "https://graph.microsoft.us"},
		"https://login.partner.microsoftonline.cn": {"https://microsoftgraph.chinacloudapi.cn/.default", "https://microsoftgraph.chinacloudapi.cn"},
		"https://127.0.0.1:40169":                  {"https://graph.microsoft.com/.default", "https://127.0.0.1:40169"},
		"https://localhost:8443/":                  {"https://graph.microsoft.com/.default", "https://localhost:8443"},
		"https://adfs.contoso.com":                 {"https://graph.microsoft.com/.default", "https://graph.microsoft.com"},
		"https://127.0.0.1:40169/adfs":             {"https://graph.microsoft.com/.default", "https://graph.microsoft.com"},
		"http://127.0.0.1:40169":                   {"https://graph.microsoft.com/.default", "https://graph.microsoft.com"},
	} {
		cfg := graphauth.Config{AuthorityHost: host}
		assert.Equal(t, want.scope, cfg.Cloud().DefaultScope(), host)
		assert.Equal(t, want.graph, cfg.GraphEndpoint(), host)
	}
}

// The Overview page shows the Directory (tenant) ID under the Application
// (client) ID; copying the same GUID into both went to the platform and
// came back as AADSTS700016 "Application … was not found".
func TestAClientIDThatIsTheTenantIDIsRefusedUpFront(t *testing.T) {
	t.Parallel()
	const tenant = "72f988bf-86f1-41af-91ab-2d7cd011db47"
	for _, pasted := range []string{tenant, "https://login.microsoftonline.com/" + tenant + "/oauth2/v2.0/token"} {
		_, err := graphauth.NewCredential(graphauth.Config{TenantID: pasted, ClientID: strings.ToUpper(tenant), ClientSecret: "a-secret-value"}, nil)
		var ce *graphauth.ConfigError
		require.ErrorAs(t, err, &ce, pasted)
		assert.Equal(t, "ClientID (AZURE_CLIENT_ID)", ce.Field)
		assert.Contains(t, ce.Reason, "is the Directory (tenant) ID: the Application (client) ID is the other GUID on the app's Overview page")
	}
	// The constructors, which the README's first example calls with both
	// IDs from the environment, refuse it too.
	_, err := graphauth.NewClientSecretCredential(tenant, strings.ToUpper(tenant), "a-secret-value", nil)
	var ce *graphauth.ConfigError
	require.ErrorAs(t, err, &ce)
	assert.Contains(t, ce.Reason, "is the Directory (tenant) ID")
	_, err = graphauth.NewClientAssertionCredential(tenant, tenant, func(context.Context) (string, error) { return "", nil }, nil)
	require.ErrorAs(t, err, &ce)
	assert.Contains(t, ce.Reason, "is the Directory (tenant) ID")
	_, err = graphauth.NewSignIn(tenant, tenant, graphauth.ClientAuth{Secret: "a-secret-value"},
		&graphauth.SignInOptions{RedirectURI: "http://localhost/callback", Scopes: []string{"User.Read"}})
	require.ErrorAs(t, err, &ce)
	assert.Contains(t, ce.Reason, "is the Directory (tenant) ID")
}

// Every credential of the package says which cloud its tokens are for, so
// that Graph clients made beside it need not be told again.
func TestCloudOfEveryCredential(t *testing.T) {
	t.Parallel()
	const tenant, client = "72f988bf-86f1-41af-91ab-2d7cd011db47", "11111111-2222-3333-4444-555555555555"
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	for _, tc := range []struct {
		opts  *graphauth.Options
		cloud graphauth.Cloud
	}{
		{nil, graphauth.AzurePublic},
		{&graphauth.Options{Cloud: graphauth.AzureChina}, graphauth.AzureChina},
		{&graphauth.Options{AuthorityHost: "https://login.microsoftonline.us"}, graphauth.AzureGovernment},
		{&graphauth.Options{Cloud: graphauth.AzureGovernmentDoD}, graphauth.AzureGovernmentDoD},
	} {
		secret, err := graphauth.NewClientSecretCredential(tenant, client, "a-secret-value", tc.opts)
		require.NoError(t, err)
		cert, err := graphauth.NewCertificateCredential(tenant, client, []*x509.Certificate{srv.ClientCertificate}, srv.ClientKey,
			&graphauth.CertificateOptions{Options: derefOpts(tc.opts)})
		require.NoError(t, err)
		assertion, err := graphauth.NewClientAssertionCredential(tenant, client, func(context.Context) (string, error) { return "", nil }, tc.opts)
		require.NoError(t, err)
		fallback, err := graphauth.NewFallbackCredential(tenant, client, []graphauth.ClientCredential{graphauth.SecretValue("main", "a-secret-value")},
			&graphauth.FallbackOptions{CertificateOptions: graphauth.CertificateOptions{Options: derefOpts(tc.opts)}})
		require.NoError(t, err)
		mi, err := graphauth.NewManagedIdentityCredential(&graphauth.ManagedIdentityOptions{Options: derefOpts(tc.opts)})
		require.NoError(t, err)
		for _, cred := range []graphauth.TokenCredential{secret, cert, assertion, fallback, mi} {
			got, ok := graphauth.CloudOf(cred)
			assert.True(t, ok, "%T", cred)
			assert.Equal(t, tc.cloud, got, "%T", cred)
			closeIf(cred)
		}
	}
	_, ok := graphauth.CloudOf(tokenFunc(func(context.Context, graphauth.TokenRequest) (graphauth.Token, error) { return graphauth.Token{}, nil }))
	assert.False(t, ok, "a credential of the application's own says nothing")
}

func derefOpts(o *graphauth.Options) graphauth.Options {
	if o == nil {
		return graphauth.Options{}
	}
	return *o
}

type tokenFunc func(context.Context, graphauth.TokenRequest) (graphauth.Token, error)

func (f tokenFunc) Token(ctx context.Context, req graphauth.TokenRequest) (graphauth.Token, error) {
	return f(ctx, req)
}

// A Flow read from an environment file is echoed in the error that refuses
// it, escaped and cut: a line break or a terminal escape in it would
// otherwise forge log lines, and a long value fill them.
func TestAnUnknownFlowIsQuotedSafely(t *testing.T) {
	t.Parallel()
	for _, flow := range []string{"x\nlevel=ERROR msg=forged\x1b[2J" + strings.Repeat("A", 10_000), "secret\r\x1b"} {
		_, err := graphauth.NewCredential(graphauth.Config{TenantID: "11111111-1111-4111-8111-111111111111",
			ClientID: "22222222-2222-4222-8222-222222222222", Flow: flow}, nil)
		var ce *graphauth.ConfigError
		require.ErrorAs(t, err, &ce)
		assert.NotContains(t, err.Error(), "\n")
		assert.NotContains(t, err.Error(), "\r")
		assert.NotContains(t, err.Error(), "\x1b")
		assert.Less(t, len(err.Error()), 300)
	}
	_, err := graphauth.Flows{"Secret\n": nil}.NewCredential(graphauth.Config{}, nil)
	require.ErrorContains(t, err, "is taken by a built-in flow")
	assert.NotContains(t, err.Error(), "\x1b")
	assert.NotContains(t, err.Error(), "\n")
}

// A Flow from an environment file saved with CRLF line endings keeps its
// \r (Docker's --env-file, a systemd EnvironmentFile): it still names the
// flow.
func TestFlowFromACRLFFile(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	cred, err := graphauth.NewCredential(graphauth.Config{TenantID: srv.TenantID, ClientID: srv.ClientID, AuthorityHost: srv.URL,
		ClientSecret: graphauth.Secret(srv.Secret), Flow: "secret\r"}, &graphauth.Options{HTTPClient: srv.Client()})
	require.NoError(t, err)
	defer cred.(io.Closer).Close()
	assert.IsType(t, &graphauth.ClientSecretCredential{}, cred)
	for _, flow := range []string{"ManagedIdentity\r\n", "ManagedIdentityCredential"} {
		mi, err := graphauth.NewCredential(graphauth.Config{Flow: flow}, nil)
		require.NoError(t, err, flow)
		assert.IsType(t, &graphauth.ManagedIdentityCredential{}, mi, flow)
		mi.(io.Closer).Close()
	}
	_, err = graphauth.NewCredential(graphauth.Config{TenantID: srv.TenantID, ClientID: srv.ClientID, Flow: "WorkloadIdentityCredential"}, nil)
	assert.ErrorContains(t, err, "FederatedTokenFile (AZURE_FEDERATED_TOKEN_FILE)", "azidentity's name for the federated flow")
}
