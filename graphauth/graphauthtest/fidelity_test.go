package graphauthtest_test

import (
	"context"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"math/big"
	"net/http"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/confidential"
	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/entrakit/entrakit/graphauth/graphauthtest"
)

const graphDefault = "https://graph.microsoft.com/.default"

// verifyWithJWKS checks a token's signature against the keys the server
// publishes, fetched over HTTPS as a resource server would.
func verifyWithJWKS(t *testing.T, srv *graphauthtest.Server, raw string) jwt.MapClaims {
	t.Helper()
	resp, err := srv.Client().Get(srv.URL + "/" + srv.TenantID + "/discovery/v2.0/keys")
	require.NoError(t, err)
	defer resp.Body.Close()
	var set struct {
		Keys []struct{ Kid, N, E string }
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&set))
	claims := jwt.MapClaims{}
	_, err = jwt.ParseWithClaims(raw, claims, func(tok *jwt.Token) (any, error) {
		for _, k := range set.Keys {
			if k.Kid == tok.Header["kid"] {
				n, _ := base64.RawURLEncoding.DecodeString(k.N)
				e, _ := base64.RawURLEncoding.DecodeString(k.E)
				return &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(e).Int64())}, nil
			}
		}
		return nil, errors.New("kid not in JWKS")
	}, jwt.WithValidMethods([]string{"RS256"}), jwt.WithTimeFunc(srv.Now))
	require.NoError(t, err)
	return claims
}

func rolesOf(c jwt.MapClaims) []string {
	var out []string
	list, _ := c["roles"].([]any)
	for _, r := range list {
		out = append(out, r.(string))
	}
	return out
}

var defaultRoles = []string{"User.Read.All", "Group.Read.All", "Organization.Read.All"}

func msalClient(t *testing.T, srv *graphauthtest.Server, cred confidential.Credential) confidential.Client {
	t.Helper()
	c, err := confidential.New(srv.URL+"/"+srv.TenantID, srv.ClientID, cred,
		confidential.WithHTTPClient(srv.Client()), confidential.WithInstanceDiscovery(false))
	require.NoError(t, err)
	return c
}

func TestMSALConfidentialClientGetsTokens(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	secret, err := confidential.NewCredFromSecret(srv.Secret)
	require.NoError(t, err)
	cert, err := confidential.NewCredFromCert([]*x509.Certificate{srv.ClientCertificate}, srv.ClientKey)
	require.NoError(t, err)
	for name, cred := range map[string]confidential.Credential{"secret": secret, "certificate": cert} {
		t.Run(name, func(t *testing.T) {
			res, err := msalClient(t, srv, cred).AcquireTokenByCredential(context.Background(), []string{graphDefault})
			require.NoError(t, err)
			claims := verifyWithJWKS(t, srv, res.AccessToken)
			assert.ElementsMatch(t, defaultRoles, rolesOf(claims))
			assert.Equal(t, srv.TenantID, claims["tid"])
			assert.Equal(t, srv.ClientID, claims["appid"])
			assert.Equal(t, map[string]string{"secret": "1", "certificate": "2"}[name], claims["appidacr"])
		})
	}
}

func TestAzidentityCredentialsGetTokens(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	opts := azcore.ClientOptions{Cloud: cloud.Configuration{ActiveDirectoryAuthorityHost: srv.URL}, Transport: srv.Client()}
	secret, err := azidentity.NewClientSecretCredential(srv.TenantID, srv.ClientID, srv.Secret,
		&azidentity.ClientSecretCredentialOptions{ClientOptions: opts, DisableInstanceDiscovery: true})
	require.NoError(t, err)
	cert, err := azidentity.NewClientCertificateCredential(srv.TenantID, srv.ClientID, []*x509.Certificate{srv.ClientCertificate}, srv.ClientKey,
		&azidentity.ClientCertificateCredentialOptions{ClientOptions: opts, DisableInstanceDiscovery: true})
	require.NoError(t, err)
	for name, cred := range map[string]azcore.TokenCredential{"secret": secret, "certificate": cert} {
		t.Run(name, func(t *testing.T) {
			tok, err := cred.GetToken(context.Background(), policy.TokenRequestOptions{Scopes: []string{graphDefault}})
			require.NoError(t, err)
			assert.ElementsMatch(t, defaultRoles, rolesOf(verifyWithJWKS(t, srv, tok.Token)))
		})
	}
}

func TestOAuth2ClientCredentialsGetsTokens(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	for _, style := range []oauth2.AuthStyle{oauth2.AuthStyleInParams, oauth2.AuthStyleInHeader, oauth2.AuthStyleAutoDetect} {
		cfg := clientcredentials.Config{
			ClientID: srv.ClientID, ClientSecret: srv.Secret, AuthStyle: style,
			TokenURL: srv.URL + "/" + srv.TenantID + "/oauth2/v2.0/token",
			Scopes:   []string{graphDefault},
		}
		ctx := context.WithValue(context.Background(), oauth2.HTTPClient, srv.Client())
		tok, err := cfg.Token(ctx)
		require.NoError(t, err)
		assert.ElementsMatch(t, defaultRoles, rolesOf(verifyWithJWKS(t, srv, tok.AccessToken)))
	}
}

// The refusals reach each client with their AADSTS code intact.
func TestErrorsReachOtherClientsWithTheirCodes(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()

	wrong, err := confidential.NewCredFromSecret("not-the-secret")
	require.NoError(t, err)
	_, err = msalClient(t, srv, wrong).AcquireTokenByCredential(context.Background(), []string{graphDefault})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "AADSTS7000215")

	az, err := azidentity.NewClientSecretCredential(srv.TenantID, srv.ClientID, "not-the-secret",
		&azidentity.ClientSecretCredentialOptions{DisableInstanceDiscovery: true,
			ClientOptions: azcore.ClientOptions{Cloud: cloud.Configuration{ActiveDirectoryAuthorityHost: srv.URL}, Transport: srv.Client()}})
	require.NoError(t, err)
	_, err = az.GetToken(context.Background(), policy.TokenRequestOptions{Scopes: []string{"https://graph.microsoft.com/User.Read"}})
	var afe *azidentity.AuthenticationFailedError
	require.ErrorAs(t, err, &afe)
	body, _ := io.ReadAll(afe.RawResponse.Body)
	assert.Contains(t, string(body), `"error_codes":[7000215]`, "the secret is checked before the scope")

	cfg := clientcredentials.Config{ClientID: srv.ClientID, ClientSecret: srv.Secret,
		TokenURL: srv.URL + "/" + srv.TenantID + "/oauth2/v2.0/token", Scopes: []string{"https://graph.microsoft.com/User.Read"}}
	_, err = cfg.Token(context.WithValue(context.Background(), oauth2.HTTPClient, srv.Client()))
	var re *oauth2.RetrieveError
	require.ErrorAs(t, err, &re)
	assert.Equal(t, "invalid_scope", re.ErrorCode)
	assert.Equal(t, http.StatusBadRequest, re.Response.StatusCode)
	assert.Contains(t, re.ErrorDescription, "AADSTS1002012")
}
