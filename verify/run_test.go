package verify_test

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/entrakit/entrakit/graphauth"
	"github.com/entrakit/entrakit/graphauth/graphauthtest"
	"github.com/entrakit/entrakit/registration"
	"github.com/entrakit/entrakit/verify"
)

var defaultRoles = []string{"User.Read.All", "Group.Read.All", "Organization.Read.All"}

func runOpts(srv *graphauthtest.Server, cfg *graphauth.Config) *verify.Options {
	return &verify.Options{Config: cfg, GraphEndpoint: srv.URL, HTTPClient: srv.Client(), Now: srv.Now}
}

func secretConfig(srv *graphauthtest.Server) (*graphauth.Config, graphauth.TokenCredential) {
	cfg := &graphauth.Config{TenantID: srv.TenantID, ClientID: srv.ClientID, ClientSecret: graphauth.Secret(srv.Secret)}
	cred, _ := graphauth.NewClientSecretCredential(cfg.TenantID, cfg.ClientID, cfg.ClientSecret, opts(srv))
	return cfg, cred
}

func statuses(r verify.Report) map[string]verify.Status {
	out := map[string]verify.Status{}
	for _, c := range r.Checks {
		out[c.ID] = c.Status
	}
	return out
}

func TestAPassingRegistration(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	cfg, cred := secretConfig(srv)
	r := verify.Run(context.Background(), cred, verify.Requirements{Roles: defaultRoles, ProbeGraph: true}, runOpts(srv, cfg))
	assert.Equal(t, verify.StatusOK, r.Status, r.Text())
	assert.Equal(t, map[string]verify.Status{
		"config.tenant_id": "ok", "config.client_id": "ok", "config.secret": "ok", "config.permissions": "ok",
		"auth.token": "ok", "token.identity": "ok", "token.permissions": "ok",
		"graph.probe.user": "ok", "graph.probe.group": "ok", "graph.probe.organization": "ok", "graph.probe.subscribedsku": "ok",
		"registration.credentials": "skipped",
	}, statuses(r))
	text := r.Text()
	assert.Contains(t, text, "Verification of app "+srv.ClientID+" in tenant "+srv.TenantID+": OK")
	assert.NotContains(t, text, srv.Secret)

	data, err := r.JSON()
	require.NoError(t, err)
	assert.NotContains(t, string(data), srv.Secret)
	var back map[string]any
	require.NoError(t, json.Unmarshal(data, &back))
	assert.Equal(t, "ok", back["status"])
	first := back["checks"].([]any)[0].(map[string]any)
	for _, field := range []string{"id", "title", "status", "durationMs", "detail"} {
		assert.Contains(t, first, field)
	}
}

func TestAFailingRegistrationSaysWhatToFix(t *testing.T) {
	t.Parallel()
	t.Run("wrong secret", func(t *testing.T) {
		t.Parallel()
		srv := graphauthtest.NewServer(nil)
		defer srv.Close()
		cfg := &graphauth.Config{TenantID: srv.TenantID, ClientID: srv.ClientID, ClientSecret: "an-old~secret-value"}
		cred, _ := graphauth.NewClientSecretCredential(cfg.TenantID, cfg.ClientID, cfg.ClientSecret, opts(srv))
		r := verify.Run(context.Background(), cred, verify.Requirements{Roles: defaultRoles, ProbeGraph: true}, runOpts(srv, cfg))
		assert.True(t, r.Failed())
		c, _ := r.Check("auth.token")
		require.NotNil(t, c.Diagnosis)
		assert.Equal(t, "AADSTS7000215", c.Diagnosis.Code)
		assert.Equal(t, verify.StatusSkipped, statuses(r)["token.permissions"])
		assert.Contains(t, r.Text(), "Fix: Copy the secret's Value")
		assert.NotContains(t, r.Text(), "an-old~secret-value")
	})
	t.Run("the secret's ID pasted", func(t *testing.T) {
		t.Parallel()
		srv := graphauthtest.NewServer(nil)
		defer srv.Close()
		app, _ := srv.App(srv.ClientID)
		cfg := &graphauth.Config{TenantID: srv.TenantID, ClientID: srv.ClientID, ClientSecret: graphauth.Secret(app.Secrets[0].KeyID)}
		_, cred := secretConfig(srv)
		r := verify.Run(context.Background(), cred, verify.Requirements{}, runOpts(srv, cfg))
		c, _ := r.Check("config.secret")
		assert.Equal(t, verify.StatusFailed, c.Status)
		assert.Contains(t, c.Detail, "secret's ID")
	})
	t.Run("a permission not granted", func(t *testing.T) {
		t.Parallel()
		srv := graphauthtest.NewServer(nil)
		defer srv.Close()
		srv.RevokeAppRoles(srv.TenantID, srv.ClientID, "Group.Read.All")
		cfg, cred := secretConfig(srv)
		r := verify.Run(context.Background(), cred, verify.Requirements{Roles: defaultRoles, ProbeGraph: true}, runOpts(srv, cfg))
		perms, _ := r.Check("token.permissions")
		assert.Equal(t, verify.StatusFailed, perms.Status)
		assert.Equal(t, []string{"Group.Read.All"}, perms.Diagnosis.Missing)
		assert.Contains(t, perms.Diagnosis.Command, "/v2.0/adminconsent?client_id="+srv.ClientID)
		probe, _ := r.Check("graph.probe.group")
		assert.Equal(t, verify.StatusFailed, probe.Status)
		assert.Equal(t, "HTTP403", probe.Diagnosis.Code)
		assert.Contains(t, probe.Diagnosis.Missing, "Group.Read.All")
		assert.Equal(t, verify.StatusOK, statuses(r)["graph.probe.user"])
	})
	t.Run("a typo in the required permissions", func(t *testing.T) {
		t.Parallel()
		srv := graphauthtest.NewServer(nil)
		defer srv.Close()
		cfg, cred := secretConfig(srv)
		r := verify.Run(context.Background(), cred, verify.Requirements{Roles: []string{"Group.ReadAll"}}, runOpts(srv, cfg))
		c, _ := r.Check("config.permissions")
		assert.Equal(t, verify.StatusFailed, c.Status)
		assert.Contains(t, c.Detail, `did you mean "Group.Read.All"`)
	})
	t.Run("more permissions than required", func(t *testing.T) {
		t.Parallel()
		srv := graphauthtest.NewServer(nil)
		defer srv.Close()
		cfg, cred := secretConfig(srv)
		r := verify.Run(context.Background(), cred, verify.Requirements{Roles: []string{"User.Read.All"}}, runOpts(srv, cfg))
		c, _ := r.Check("token.permissions")
		assert.Equal(t, verify.StatusWarning, c.Status)
		assert.Equal(t, verify.StatusWarning, r.Status)
		assert.Contains(t, c.Detail, "not required: Group.Read.All, Organization.Read.All")
	})
}

func TestCertificateChecks(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	srv.GrantAppRoles(srv.TenantID, srv.ClientID, "Application.Read.All")
	dir := t.TempDir()
	write := func(name string, c *registration.Certificate) string {
		pemBytes, err := c.PEM("")
		require.NoError(t, err)
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, pemBytes, 0o600))
		return p
	}
	registered := write("registered.pem", &registration.Certificate{Chain: []*x509.Certificate{srv.ClientCertificate}, Key: srv.ClientKey})
	stranger, err := registration.NewSelfSignedCertificate("stranger", &registration.SelfSignedOptions{Validity: 10 * 24 * time.Hour, Now: srv.Now()})
	require.NoError(t, err)
	strangerPath := write("stranger.pem", stranger)

	certCred := func(path string) graphauth.TokenCredential {
		c, err := registration.LoadCertificate(path, "")
		require.NoError(t, err)
		cred, err := graphauth.NewCertificateCredential(srv.TenantID, srv.ClientID, c.Chain, c.Key, &graphauth.CertificateOptions{Options: *opts(srv)})
		require.NoError(t, err)
		return cred
	}
	cfg := &graphauth.Config{TenantID: srv.TenantID, ClientID: srv.ClientID, CertificatePath: registered}
	r := verify.Run(context.Background(), certCred(registered), verify.Requirements{Roles: append(defaultRoles, "Application.Read.All")}, runOpts(srv, cfg))
	assert.Equal(t, verify.StatusOK, r.Status, r.Text())
	creds, _ := r.Check("registration.credentials")
	assert.Equal(t, verify.StatusOK, creds.Status, r.Text())
	assert.Contains(t, creds.Detail, "certificate "+registration.Thumbprint(srv.ClientCertificate))

	cfg = &graphauth.Config{TenantID: srv.TenantID, ClientID: srv.ClientID, CertificatePath: strangerPath}
	r = verify.Run(context.Background(), certCred(strangerPath), verify.Requirements{Roles: defaultRoles}, runOpts(srv, cfg))
	c, _ := r.Check("config.certificate")
	assert.Equal(t, verify.StatusWarning, c.Status, "it expires within 30 days")
	auth, _ := r.Check("auth.token")
	assert.Equal(t, "AADSTS700027", auth.Diagnosis.Code, "a certificate never uploaded")
	assert.True(t, strings.HasPrefix(auth.Diagnosis.Portal, "Microsoft Entra admin center"))

	srv.Advance(400 * 24 * time.Hour)
	cfg = &graphauth.Config{TenantID: srv.TenantID, ClientID: srv.ClientID, CertificatePath: registered}
	_, cred := secretConfig(srv)
	r = verify.Run(context.Background(), cred, verify.Requirements{}, runOpts(srv, cfg))
	c, _ = r.Check("config.certificate")
	assert.Equal(t, verify.StatusFailed, c.Status)
	assert.Equal(t, "CertificateExpired", c.Diagnosis.Code)
}

func TestRegisteredSecretsExpiringAreWarnedAbout(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	srv.GrantAppRoles(srv.TenantID, srv.ClientID, "Application.Read.All")
	srv.Advance(2*365*24*time.Hour - 10*24*time.Hour) // the secret ends in 10 days
	cfg, cred := secretConfig(srv)
	r := verify.Run(context.Background(), cred, verify.Requirements{}, runOpts(srv, cfg))
	c, _ := r.Check("registration.credentials")
	require.Equal(t, verify.StatusWarning, c.Status, r.Text())
	assert.Equal(t, "CredentialExpiring", c.Diagnosis.Code)
	assert.Contains(t, r.Text(), "Add its successor now")
}
