package registration_test

import (
	"context"
	"crypto/x509"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/entrakit/entrakit/graphauth"
	"github.com/entrakit/entrakit/graphauth/graphauthtest"
	"github.com/entrakit/entrakit/registration"
)

// self is the default app managing its own object with
// Application.ReadWrite.OwnedBy, as a rotating service does.
func self(t *testing.T, srv *graphauthtest.Server) (*registration.Client, string, *registration.Certificate) {
	t.Helper()
	c := admin(t, srv, "Application.ReadWrite.OwnedBy")
	app, ok := srv.App(srv.ClientID)
	require.True(t, ok)
	return c, app.ObjectID, &registration.Certificate{Chain: []*x509.Certificate{srv.ClientCertificate}, Key: srv.ClientKey}
}

func TestAnAppAddsAndRemovesItsOwnSecret(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	c, objectID, _ := self(t, srv)
	ctx := context.Background()
	pc, err := c.AddPassword(ctx, objectID, "rotated", time.Time{})
	require.NoError(t, err)
	_, err = graphauth.NewClientSecretCredential(srv.TenantID, srv.ClientID, pc.SecretText, nil)
	require.NoError(t, err)
	require.NoError(t, c.RemovePassword(ctx, objectID, pc.KeyID))
	creds, err := c.Credentials(ctx, objectID)
	require.NoError(t, err)
	for _, ci := range creds {
		assert.NotEqual(t, pc.KeyID, ci.KeyID)
	}
	var gerr *registration.GraphError
	require.True(t, errors.As(c.RemovePassword(ctx, objectID, pc.KeyID), &gerr))
	assert.Equal(t, 404, gerr.StatusCode)
}

func TestAnAppAddsAndRemovesACertificateWithAProof(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	c, objectID, proof := self(t, srv)
	ctx := context.Background()
	next, err := registration.NewSelfSignedCertificate("CN=next", nil)
	require.NoError(t, err)
	kc, err := c.AddKey(ctx, objectID, next, "next", proof)
	require.NoError(t, err)
	require.NotEmpty(t, kc.KeyID)
	assert.Equal(t, registration.Thumbprint(next.Leaf()), kc.Thumbprint())

	// The new certificate now authenticates, and proves the removal of the old one.
	cred, err := graphauth.NewCertificateCredential(srv.TenantID, srv.ClientID, next.Chain, next.Key,
		&graphauth.CertificateOptions{Options: graphauth.Options{AuthorityHost: srv.URL, HTTPClient: srv.Client()}})
	require.NoError(t, err)
	_, err = cred.Token(ctx, graphauth.TokenRequest{})
	require.NoError(t, err)
	app, err := c.Application(ctx, objectID)
	require.NoError(t, err)
	old, ok := registration.MatchRegistered(srv.ClientCertificate, app.KeyCredentials)
	require.True(t, ok)
	require.NoError(t, c.RemoveKey(ctx, objectID, old.KeyID, next))
	app, err = c.Application(ctx, objectID)
	require.NoError(t, err)
	_, ok = registration.MatchRegistered(srv.ClientCertificate, app.KeyCredentials)
	assert.False(t, ok)
}

func TestAddKeyRefusesAProofFromAnUnregisteredCertificate(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	c, objectID, _ := self(t, srv)
	stranger, err := registration.NewSelfSignedCertificate("CN=stranger", nil)
	require.NoError(t, err)
	_, err = c.AddKey(context.Background(), objectID, stranger, "x", stranger)
	var gerr *registration.GraphError
	require.True(t, errors.As(err, &gerr), "got %v", err)
	assert.Equal(t, 400, gerr.StatusCode)
	_, err = c.AddKey(context.Background(), objectID, stranger, "x", nil)
	assert.Error(t, err)
}

func TestFederatedCredentialsThroughGraph(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	c, objectID, _ := self(t, srv)
	ctx := context.Background()
	mi := srv.AddManagedIdentity(graphauthtest.ManagedIdentity{SystemAssigned: true})
	f := registration.ManagedIdentityFederation("msp-daemon", srv.URL, mi.Tenant, mi.ObjectID, graphauth.TokenExchangeAudience(graphauth.AzurePublic))
	added, err := c.AddFederatedCredential(ctx, objectID, f)
	require.NoError(t, err)
	assert.NotEmpty(t, added.ID)
	assert.Equal(t, f.Issuer, added.Issuer)

	// The platform now accepts the identity's token as the app's assertion.
	cred, err := graphauth.NewFallbackCredential(srv.TenantID, srv.ClientID, []graphauth.ClientCredential{
		graphauth.ManagedIdentityAssertion("mi", &graphauth.ManagedIdentityOptions{IMDSEndpoint: srv.URL + graphauthtest.IMDSPath}),
	}, &graphauth.FallbackOptions{CertificateOptions: graphauth.CertificateOptions{Options: graphauth.Options{AuthorityHost: srv.URL, HTTPClient: srv.Client()}}})
	require.NoError(t, err)
	defer cred.Close()
	_, err = cred.Token(ctx, graphauth.TokenRequest{})
	require.NoError(t, err)

	var gerr *registration.GraphError
	_, err = c.AddFederatedCredential(ctx, objectID, f)
	require.True(t, errors.As(err, &gerr))
	assert.Equal(t, 409, gerr.StatusCode)

	list, err := c.FederatedCredentials(ctx, objectID)
	require.NoError(t, err)
	require.Len(t, list, 1)
	require.NoError(t, c.RemoveFederatedCredential(ctx, objectID, added.ID))
	list, err = c.FederatedCredentials(ctx, objectID)
	require.NoError(t, err)
	assert.Empty(t, list)
}

func TestFederatedCredentialBadInputIsRefusedBeforeSending(t *testing.T) {
	t.Parallel()
	for name, f := range map[string]registration.FederatedCredential{
		"no name":         {Issuer: "https://x", Subject: "s", Audiences: []string{"a"}},
		"a slash in name": {Name: "a/b", Issuer: "https://x", Subject: "s", Audiences: []string{"a"}},
		"http issuer":     {Name: "n", Issuer: "http://x", Subject: "s", Audiences: []string{"a"}},
		"no subject":      {Name: "n", Issuer: "https://x", Audiences: []string{"a"}},
		"two audiences":   {Name: "n", Issuer: "https://x", Subject: "s", Audiences: []string{"a", "b"}},
		"no audience":     {Name: "n", Issuer: "https://x", Subject: "s"},
	} {
		assert.Error(t, f.Validate(), name)
	}
}
