package graphauth_test

import (
	"context"
	"crypto"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/entrakit/entrakit/graphauth"
	"github.com/entrakit/entrakit/graphauth/graphauthtest"
)

// federation sets up an app that trusts a Kubernetes-like issuer, and a
// function that mints that issuer's tokens.
func federation(t *testing.T) (*graphauthtest.Server, func(sub string) string) {
	t.Helper()
	issuerKey, _ := graphauthtest.NewCertificate("CN=issuer", time.Now())
	srv := graphauthtest.NewServer(&graphauthtest.Options{
		Tenants: []graphauthtest.Tenant{{DisplayName: "Contoso"}},
		Apps: []graphauthtest.App{{FederatedCredentials: []graphauthtest.FederatedCredential{{
			Issuer: "https://oidc.example/cluster", Subject: "system:serviceaccount:sync:worker",
			Keys: []crypto.PublicKey{&issuerKey.PublicKey}}}}},
	})
	t.Cleanup(srv.Close)
	srv.GrantAppRoles(srv.TenantID, srv.ClientID, "Group.Read.All")
	mint := func(sub string) string {
		tok := jwt.NewWithClaims(jwt.SigningMethodRS256, jwt.MapClaims{"iss": "https://oidc.example/cluster", "sub": sub,
			"aud": "api://AzureADTokenExchange", "exp": time.Now().Add(time.Hour).Unix(), "nbf": time.Now().Unix()})
		s, err := tok.SignedString(issuerKey)
		require.NoError(t, err)
		return s
	}
	return srv, mint
}

func TestClientAssertionCredentialWithATokenFileThatIsRenewed(t *testing.T) {
	t.Parallel()
	srv, mint := federation(t)
	path := filepath.Join(t.TempDir(), "token")
	require.NoError(t, os.WriteFile(path, []byte(mint("system:serviceaccount:other:pod")+"\n"), 0o600))
	cred, err := graphauth.NewClientAssertionCredential(srv.TenantID, srv.ClientID, graphauth.NewTokenFile(path).Assertion, fakeOpts(srv))
	require.NoError(t, err)
	_, err = cred.Token(context.Background(), graphauth.TokenRequest{})
	var ae *graphauth.AuthError
	require.ErrorAs(t, err, &ae)
	assert.True(t, ae.HasCode(70021), "the file's subject is not trusted")

	require.NoError(t, os.WriteFile(path, []byte(mint("system:serviceaccount:sync:worker")), 0o600))
	later := time.Now().Add(time.Minute)
	require.NoError(t, os.Chtimes(path, later, later))
	tok, err := cred.Token(context.Background(), graphauth.TokenRequest{})
	require.NoError(t, err, "the renewed file is read again")
	assert.Equal(t, []string{"Group.Read.All"}, rolesOf(t, tok.AccessToken))
}

func TestAssertionErrorsKeepTheirType(t *testing.T) {
	t.Parallel()
	srv, _ := federation(t)
	missing := graphauth.NewTokenFile(filepath.Join(t.TempDir(), "absent"))
	cred, err := graphauth.NewClientAssertionCredential(srv.TenantID, srv.ClientID, missing.Assertion, fakeOpts(srv))
	require.NoError(t, err)
	_, err = cred.Token(context.Background(), graphauth.TokenRequest{})
	var ce *graphauth.ConfigError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, "AZURE_FEDERATED_TOKEN_FILE", ce.Field)
	assert.Zero(t, srv.Count(graphauthtest.EndpointToken))

	boom := errors.New("vault sealed")
	cred, err = graphauth.NewClientAssertionCredential(srv.TenantID, srv.ClientID, func(context.Context) (string, error) { return "", boom }, fakeOpts(srv))
	require.NoError(t, err)
	_, err = cred.Token(context.Background(), graphauth.TokenRequest{})
	assert.ErrorIs(t, err, boom)

	cred, err = graphauth.NewClientAssertionCredential(srv.TenantID, srv.ClientID, func(context.Context) (string, error) { return "not a jwt", nil }, fakeOpts(srv))
	require.NoError(t, err)
	_, err = cred.Token(context.Background(), graphauth.TokenRequest{})
	assert.ErrorContains(t, err, "not a compact JWT")

	_, err = graphauth.NewClientAssertionCredential(srv.TenantID, srv.ClientID, nil, nil)
	assert.ErrorAs(t, err, &ce)

	empty := filepath.Join(t.TempDir(), "empty")
	require.NoError(t, os.WriteFile(empty, nil, 0o600))
	_, err = graphauth.NewTokenFile(empty).Assertion(context.Background())
	assert.ErrorAs(t, err, &ce)
}
