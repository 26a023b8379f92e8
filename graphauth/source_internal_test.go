package graphauth

import (
	"context"
	"testing"

	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/confidential"
	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/entrakit/entrakit/graphauth/graphauthtest"
)

// MSAL keeps every tenant's endpoints for good, served or refused: the
// client is replaced once it has been asked for enough other tenants, so
// that tenants served once and then idle leave nothing behind either. The
// new client asks for no discovery document, and tokens keep coming.
func TestMSALForgetsTenantsServedLongAgo(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	var tenants []string
	for i := range 6 {
		tn := srv.AddTenant(graphauthtest.Tenant{DisplayName: "Idle" + string(rune('A'+i))})
		srv.AddServicePrincipal(tn.ID, srv.ClientID)
		tenants = append(tenants, tn.ID)
	}
	cred, err := NewClientSecretCredential(srv.TenantID, srv.ClientID, Secret(srv.Secret),
		&Options{AuthorityHost: srv.URL, HTTPClient: srv.Client(), AllowedTenants: []string{"*"}})
	require.NoError(t, err)
	defer cred.Close()
	src := cred.c.src.(routedSource).v2.(*msalSource)
	src.limit = 2
	builds := 0
	build := src.build
	src.build = func() (confidential.Client, error) { builds++; return build() }
	ctx := context.Background()
	_, err = cred.Token(ctx, TokenRequest{})
	require.NoError(t, err)
	discovery := srv.Count(graphauthtest.EndpointDiscovery)
	for _, tn := range tenants {
		tok, err := cred.Token(ctx, TokenRequest{TenantID: tn})
		require.NoError(t, err)
		assert.Equal(t, tn, claimsOfToken(t, tok.AccessToken)["tid"])
	}
	assert.Equal(t, 2, builds, "a new client after every two other tenants")
	assert.Equal(t, discovery, srv.Count(graphauthtest.EndpointDiscovery), "which needed no discovery document")
	_, err = cred.Token(ctx, TokenRequest{Fresh: true})
	require.NoError(t, err, "the own tenant is served by the new client")
}

func claimsOfToken(t *testing.T, token string) jwt.MapClaims {
	t.Helper()
	claims := jwt.MapClaims{}
	_, _, err := jwt.NewParser().ParseUnverified(token, claims)
	require.NoError(t, err)
	return claims
}
