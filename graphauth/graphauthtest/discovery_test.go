package graphauthtest_test

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/entrakit/entrakit/graphauth/graphauthtest"
)

func getJSON(t *testing.T, srv *graphauthtest.Server, path string) (int, map[string]any) {
	t.Helper()
	resp, err := srv.Client().Get(srv.URL + path)
	require.NoError(t, err)
	defer resp.Body.Close()
	var body map[string]any
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&body))
	return resp.StatusCode, body
}

func TestOpenIDConfigurationByGUIDDomainAndAlias(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	for _, seg := range []string{srv.TenantID, "Contoso.onmicrosoft.com"} {
		status, doc := getJSON(t, srv, "/"+seg+"/v2.0/.well-known/openid-configuration")
		require.Equal(t, 200, status)
		assert.Equal(t, srv.URL+"/"+srv.TenantID+"/v2.0", doc["issuer"], "a domain resolves to the tenant's GUID")
		assert.Equal(t, srv.URL+"/"+srv.TenantID+"/oauth2/v2.0/token", doc["token_endpoint"])
	}
	status, doc := getJSON(t, srv, "/organizations/v2.0/.well-known/openid-configuration")
	require.Equal(t, 200, status)
	assert.Equal(t, srv.URL+"/{tenantid}/v2.0", doc["issuer"])
	status, doc = getJSON(t, srv, "/nosuch.example/v2.0/.well-known/openid-configuration")
	assert.Equal(t, 400, status)
	assert.Equal(t, []any{90002.0}, doc["error_codes"])

	status, keys := getJSON(t, srv, "/common/discovery/v2.0/keys")
	require.Equal(t, 200, status)
	assert.Len(t, keys["keys"], 1)
}

func TestInstanceDiscoveryKnowsOnlyThisHost(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	ok := url.Values{"api-version": {"1.1"}, "authorization_endpoint": {srv.URL + "/" + srv.TenantID + "/oauth2/v2.0/authorize"}}
	status, body := getJSON(t, srv, "/common/discovery/instance?"+ok.Encode())
	require.Equal(t, 200, status)
	assert.Equal(t, srv.URL+"/"+srv.TenantID+"/v2.0/.well-known/openid-configuration", body["tenant_discovery_endpoint"])
	bad := url.Values{"api-version": {"1.1"}, "authorization_endpoint": {"https://login.example.com/x/oauth2/v2.0/authorize"}}
	status, body = getJSON(t, srv, "/common/discovery/instance?"+bad.Encode())
	assert.Equal(t, 400, status)
	assert.Equal(t, "invalid_instance", body["error"])
}

func TestTokenByTenantDomain(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	r := postForm(t, srv, "/contoso.onmicrosoft.com/oauth2/v2.0/token", secretForm(srv))
	require.Equal(t, 200, r.Status)
	assert.Equal(t, srv.TenantID, verifyWithJWKS(t, srv, r.AccessToken)["tid"])
	assert.Equal(t, http.StatusNotFound, func() int {
		resp, err := srv.Client().Get(srv.URL + "/no/such/endpoint/here/at/all")
		require.NoError(t, err)
		resp.Body.Close()
		return resp.StatusCode
	}())
}

// Workload identity federation: a token from a trusted external issuer is
// accepted as the client assertion.
func TestFederatedCredential(t *testing.T) {
	t.Parallel()
	issuerKey, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	srv := graphauthtest.NewServer(&graphauthtest.Options{
		Tenants: []graphauthtest.Tenant{{DisplayName: "Contoso"}},
		Apps: []graphauthtest.App{{FederatedCredentials: []graphauthtest.FederatedCredential{{
			Issuer: "https://kubernetes.example/cluster1", Subject: "system:serviceaccount:sync:worker",
			Keys: []crypto.PublicKey{&issuerKey.PublicKey}}}}},
	})
	defer srv.Close()
	srv.GrantAppRoles(srv.TenantID, srv.ClientID, "Group.Read.All")
	federated := func(sub string, key *rsa.PrivateKey) string {
		tok := jwt.NewWithClaims(jwt.SigningMethodRS256, jwt.MapClaims{"iss": "https://kubernetes.example/cluster1", "sub": sub,
			"aud": "api://AzureADTokenExchange", "exp": srv.Now().Add(time.Hour).Unix(), "nbf": srv.Now().Unix()})
		tok.Header["kid"] = "k1"
		s, err := tok.SignedString(key)
		require.NoError(t, err)
		return s
	}
	v2 := "/" + srv.TenantID + "/oauth2/v2.0/token"
	r := postForm(t, srv, v2, assertionForm(srv, federated("system:serviceaccount:sync:worker", issuerKey)))
	require.Equal(t, 200, r.Status, r.ErrorDescription)
	claims := verifyWithJWKS(t, srv, r.AccessToken)
	assert.Equal(t, []string{"Group.Read.All"}, rolesOf(claims))
	assert.Equal(t, "2", claims["appidacr"])

	r = postForm(t, srv, v2, assertionForm(srv, federated("system:serviceaccount:other:pod", issuerKey)))
	assert.Equal(t, []int{70021}, r.ErrorCodes, "no federated credential matches this subject")
	forger, _ := rsa.GenerateKey(rand.Reader, 2048)
	r = postForm(t, srv, v2, assertionForm(srv, federated("system:serviceaccount:sync:worker", forger)))
	assert.Equal(t, []int{700027}, r.ErrorCodes, "signed by a key the issuer does not publish")
}
