package graphauth_test

import (
	"context"
	"crypto/x509"
	"os"
	"path/filepath"
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
}

func TestNewCredentialNamesWhatIsWrong(t *testing.T) {
	t.Parallel()
	good := graphauth.Config{TenantID: "11111111-2222-3333-4444-555555555555", ClientID: "11111111-2222-3333-4444-555555555555"}
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
