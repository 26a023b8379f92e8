package main

import (
	"encoding/json"
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A test in another language sets up the secretless flow as a Go test
// does with AddManagedIdentity and TrustManagedIdentity: the README's claim
// that the control API does everything graphauthtest.Server does was
// false for managed identities, which had no operation.
func TestTheControlAPISetsUpAManagedIdentityTrustedByAnApp(t *testing.T) {
	t.Parallel()
	srv, h := newControl(t)
	var customer struct{ ID string }
	require.Equal(t, 201, call(t, h, "POST", "tenants", `{"displayName":"Fabrikam"}`, &customer))
	var app struct{ ClientID string }
	require.Equal(t, 201, call(t, h, "POST", "apps", `{"displayName":"MSP tool","multiTenant":true}`, &app))
	require.Equal(t, 204, call(t, h, "POST", "servicePrincipals", `{"tenant":"`+customer.ID+`","appId":"`+app.ClientID+`"}`, nil))

	var mi identityJSON
	require.Equal(t, 201, call(t, h, "POST", "managedIdentities", `{"systemAssigned":true}`, &mi))
	assert.Equal(t, srv.TenantID, mi.Tenant)
	assert.Equal(t, srv.URL+"/metadata/identity/oauth2/token", mi.IMDSEndpoint)
	assert.Equal(t, srv.URL+"/msi/token", mi.IdentityEndpoint)
	assert.Equal(t, srv.IdentityHeader(), mi.IdentityHeader)
	var st stateJSON
	require.Equal(t, 200, call(t, h, "GET", "state", "", &st))
	require.Len(t, st.ManagedIdentities, 1, "GET /state lists the identities added")
	assert.Equal(t, mi, st.ManagedIdentities[0])
	var fic federatedCredentialJSON
	require.Equal(t, 201, call(t, h, "POST", "managedIdentities/trust", `{"clientId":"`+app.ClientID+`","identity":"`+mi.ClientID+`"}`, &fic))
	assert.Equal(t, srv.URL+"/"+srv.TenantID+"/v2.0", fic.Issuer)
	assert.Equal(t, mi.ObjectID, fic.Subject)
	assert.Equal(t, "api://AzureADTokenExchange", fic.Audience)

	// The identity's token, from IMDS as any client asks for it, is the
	// app's client assertion in the customer's tenant.
	req, err := http.NewRequest(http.MethodGet, mi.IMDSEndpoint+"?api-version=2018-02-01&resource="+url.QueryEscape("api://AzureADTokenExchange"), nil)
	require.NoError(t, err)
	req.Header.Set("Metadata", "true")
	assertion := miToken(t, srv.Client(), req)
	assert.Equal(t, 200, tokenStatus(t, srv, customer.ID, url.Values{"grant_type": {"client_credentials"}, "client_id": {app.ClientID},
		"client_assertion_type": {"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"}, "client_assertion": {assertion},
		"scope": {"https://graph.microsoft.com/.default"}}))
	// And App Service's endpoint serves it with the header.
	req, err = http.NewRequest(http.MethodGet, mi.IdentityEndpoint+"?api-version=2019-08-01&resource="+url.QueryEscape("https://graph.microsoft.com"), nil)
	require.NoError(t, err)
	req.Header.Set("X-IDENTITY-HEADER", mi.IdentityHeader)
	assert.NotEmpty(t, miToken(t, srv.Client(), req))

	// The request log and the faults know the managed identity endpoints
	// (and UserInfo): they were refused as unknown endpoint names.
	var logged []requestJSON
	require.Equal(t, 200, call(t, h, "GET", "requests?endpoint=managedidentity", "", &logged))
	assert.Len(t, logged, 2)
	require.Equal(t, 200, call(t, h, "GET", "requests?endpoint=userinfo", "", &logged))
	assert.Empty(t, logged)
	require.Equal(t, 204, call(t, h, "POST", "faults", `{"endpoint":"managedidentity","status":503,"times":1}`, nil))
	resp, err := srv.Client().Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 503, resp.StatusCode)

	// Refusals are 400s that say why.
	var refusal struct{ Error struct{ Message string } }
	assert.Equal(t, 400, call(t, h, "POST", "managedIdentities", `{"systemAssigned":true}`, &refusal))
	assert.Contains(t, refusal.Error.Message, "already a system-assigned managed identity")
	assert.Equal(t, 400, call(t, h, "POST", "managedIdentities", `{"identityHeader":"mine"}`, &refusal))
	assert.Equal(t, 400, call(t, h, "POST", "managedIdentities/trust", `{"clientId":"`+app.ClientID+`","identity":"`+app.ClientID+`"}`, &refusal))
	assert.Contains(t, refusal.Error.Message, "no managed identity added through POST /managedIdentities")
	assert.Equal(t, 400, call(t, h, "POST", "managedIdentities", `{"clientId":"not-a-guid"}`, &refusal))
}

func miToken(t *testing.T, c *http.Client, req *http.Request) string {
	t.Helper()
	resp, err := c.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	require.Equal(t, 200, resp.StatusCode)
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&tok))
	return tok.AccessToken
}
