package verify_test

import (
	"context"
	"crypto/x509"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/entrakit/entrakit/graphauth"
	"github.com/entrakit/entrakit/graphauth/graphauthtest"
	"github.com/entrakit/entrakit/registration"
	"github.com/entrakit/entrakit/verify"
)

func fallback(t *testing.T, srv *graphauthtest.Server, creds ...graphauth.ClientCredential) *graphauth.FallbackCredential {
	t.Helper()
	cred, err := graphauth.NewFallbackCredential(srv.TenantID, srv.ClientID, creds,
		&graphauth.FallbackOptions{CertificateOptions: graphauth.CertificateOptions{Options: graphauth.Options{AuthorityHost: srv.URL, HTTPClient: srv.Client()}}})
	require.NoError(t, err)
	t.Cleanup(func() { cred.Close() })
	return cred
}

func TestVerifyReportsDaysToExpiryOfEveryCredentialAndTheOneInUse(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	srv.GrantAppRoles(srv.TenantID, srv.ClientID, "Application.Read.All")
	cred := fallback(t, srv, graphauth.Certificate("certificate", []*x509.Certificate{srv.ClientCertificate}, srv.ClientKey))
	report := verify.Run(context.Background(), cred, verify.Requirements{}, runOpts(srv, nil))
	c, ok := report.Check("credentials.expiry")
	require.True(t, ok)
	assert.Equal(t, verify.StatusOK, c.Status)
	thumb := registration.Thumbprint(srv.ClientCertificate)
	assert.Contains(t, c.Detail, "in use: certificate")
	assert.Contains(t, c.Detail, thumb)
	assert.Contains(t, c.Detail, "secret")
	assert.Contains(t, c.Detail, "days left")
	assert.NotContains(t, c.Detail, srv.Secret)
}

func TestVerifyWarnsWhenTheCredentialInUseEndsSoon(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	cred := fallback(t, srv, graphauth.Certificate("certificate", []*x509.Certificate{srv.ClientCertificate}, srv.ClientKey))
	o := runOpts(srv, nil)
	o.Now = func() time.Time { return srv.ClientCertificate.NotAfter.Add(-10 * 24 * time.Hour) }
	report := verify.Run(context.Background(), cred, verify.Requirements{}, o)
	c, ok := report.Check("credentials.expiry")
	require.True(t, ok)
	assert.Equal(t, verify.StatusWarning, c.Status)
	require.NotNil(t, c.Diagnosis)
	assert.Equal(t, "CredentialExpiring", c.Diagnosis.Code)
}

func TestCredentialExpiriesMarksTheSecretInUseByItsHint(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	app := registration.Application{PasswordCredentials: []registration.PasswordCredential{
		{KeyID: "a", Hint: "abc", EndDateTime: now.Add(45 * 24 * time.Hour)},
		{KeyID: "b", Hint: "xyz", EndDateTime: now.Add(-24 * time.Hour)},
	}}
	list := verify.CredentialExpiries(app, []graphauth.CredentialStatus{{Name: "live", Kind: "secret", Active: true, Hint: "abc"}}, now)
	require.Len(t, list, 2)
	assert.True(t, list[0].InUse)
	assert.Equal(t, 45, list[0].DaysLeft)
	assert.False(t, list[1].InUse)
	assert.Equal(t, -1, list[1].DaysLeft)
	unknown := verify.CredentialExpiries(registration.Application{}, []graphauth.CredentialStatus{{Name: "live", Kind: "secret", Active: true}}, now)
	require.Len(t, unknown, 1)
	assert.True(t, unknown[0].InUse)
	assert.Zero(t, unknown[0].DaysLeft)
}

// Two registered secrets share the hint of the one in use (a hint is three
// characters): the newest is the one in use, and the expired one does not
// make the one in use look expired.
func TestCredentialExpiriesWithTwoSecretsSharingAHint(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)
	app := registration.Application{PasswordCredentials: []registration.PasswordCredential{
		{KeyID: "new", Hint: "abc", EndDateTime: now.AddDate(0, 6, 0)},
		{KeyID: "old", Hint: "abc", EndDateTime: now.AddDate(0, -1, 0)},
	}}
	list := verify.CredentialExpiries(app, []graphauth.CredentialStatus{{Name: "secret", Kind: "secret", Active: true, Hint: "abc"}}, now)
	require.Len(t, list, 2)
	assert.True(t, list[0].InUse)
	assert.False(t, list[1].InUse, "only one secret is in use")
}
