package graphauthtest_test

import (
	"context"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/entrakit/entrakit/graphauth/graphauthtest"
)

// An Azure SDK client's credential asks for Azure Resource Manager or a
// data plane's token with the client credentials grant, and the platform
// issues it in every tenant (their service principals are always there);
// the fake refused it with AADSTS500011 as if the API were unknown, though
// its managed identity endpoints issued the same tokens.
func TestClientCredentialsGetFirstPartyAPITokens(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	cred, err := azidentity.NewClientSecretCredential(srv.TenantID, srv.ClientID, srv.Secret, &azidentity.ClientSecretCredentialOptions{
		ClientOptions:            azcore.ClientOptions{Cloud: cloud.Configuration{ActiveDirectoryAuthorityHost: srv.URL}, Transport: srv.Client()},
		DisableInstanceDiscovery: true,
	})
	require.NoError(t, err)
	for scope, aud := range map[string]string{
		"https://management.azure.com/.default":         "https://management.core.windows.net/",
		"https://management.core.windows.net//.default": "https://management.core.windows.net/",
		"https://vault.azure.net/.default":              "https://vault.azure.net",
		"https://storage.azure.com/.default":            "https://storage.azure.com",
	} {
		tok, err := cred.GetToken(context.Background(), policy.TokenRequestOptions{Scopes: []string{scope}})
		require.NoError(t, err, scope)
		claims := verifyWithJWKS(t, srv, tok.Token)
		assert.Equal(t, aud, claims["aud"], scope)
		assert.Equal(t, srv.ClientID, claims["appid"], scope)
		assert.Empty(t, rolesOf(claims), "%s: Graph's app roles are not this API's", scope)
	}
}

// A tenant without Azure Resource Manager's service principal refuses its
// token with AADSTS500011, as it refuses consent to it with AADSTS650052.
func TestClientCredentialsForAnAPIMissingFromTheTenantIsAADSTS500011(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	srv.RemoveServicePrincipal(srv.TenantID, graphauthtest.AzureServiceManagementAppID)
	form := secretForm(srv)
	form.Set("scope", "https://management.azure.com/.default")
	r := postForm(t, srv, "/"+srv.TenantID+"/oauth2/v2.0/token", form)
	assert.Equal(t, 400, r.Status)
	assert.Equal(t, "invalid_resource", r.Error)
	assert.Equal(t, []int{500011}, r.ErrorCodes)
}
