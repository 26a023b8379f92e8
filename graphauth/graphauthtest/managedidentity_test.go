package graphauthtest_test

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/entrakit/entrakit/graphauth/graphauthtest"
)

func miGet(t *testing.T, srv *graphauthtest.Server, path string, header ...string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest("GET", srv.URL+path, nil)
	require.NoError(t, err)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := srv.Client().Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var body map[string]any
	require.NoError(t, json.Unmarshal(raw, &body), string(raw))
	return resp.StatusCode, body
}

func TestIMDSAnswersAsIMDSDoes(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	mi := srv.AddManagedIdentity(graphauthtest.ManagedIdentity{SystemAssigned: true})
	q := graphauthtest.IMDSPath + "?api-version=2018-02-01&resource=https://graph.microsoft.com"

	status, body := miGet(t, srv, q)
	assert.Equal(t, 400, status)
	assert.Equal(t, "invalid_request", body["error"])
	assert.Equal(t, "Required metadata header not specified", body["error_description"])

	status, body = miGet(t, srv, q, "Metadata", "true")
	require.Equal(t, 200, status, body)
	for _, k := range []string{"expires_in", "expires_on", "ext_expires_in", "not_before"} {
		assert.IsType(t, "", body[k], "IMDS writes %s as a string", k)
	}
	assert.Equal(t, mi.ClientID, body["client_id"])
	assert.Equal(t, "Bearer", body["token_type"])

	status, body = miGet(t, srv, graphauthtest.IMDSPath+"?api-version=2018-02-01&resource=https://graph.microsoft.com&client_id=00000000-0000-0000-0000-000000000001", "Metadata", "true")
	assert.Equal(t, 400, status)
	assert.Equal(t, "Identity not found", body["error_description"])
	status, _ = miGet(t, srv, graphauthtest.IMDSPath+"?resource=https://graph.microsoft.com", "Metadata", "true")
	assert.Equal(t, 400, status, "api-version is required")
}

func TestAppServiceEndpointAnswersAsAppServiceDoes(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	mi := srv.AddManagedIdentity(graphauthtest.ManagedIdentity{})
	q := graphauthtest.IdentityEndpointPath + "?api-version=2019-08-01&resource=https://graph.microsoft.com&client_id=" + mi.ClientID
	status, body := miGet(t, srv, q, "X-IDENTITY-HEADER", "wrong")
	assert.Equal(t, 401, status)
	assert.EqualValues(t, 401, body["statusCode"])
	status, body = miGet(t, srv, q, "X-IDENTITY-HEADER", srv.IdentityHeader())
	require.Equal(t, 200, status, body)
	assert.IsType(t, "", body["expires_on"])
	assert.NotContains(t, body, "expires_in", "App Service sends expires_on only")
	status, _ = miGet(t, srv, strings.Replace(q, "2019-08-01", "2017-09-01", 1), "X-IDENTITY-HEADER", srv.IdentityHeader())
	assert.Equal(t, 400, status)
}

// FuzzManagedIdentityEndpoint sends any query and headers to both
// endpoint shapes: always JSON, never a panic, and a token only for a
// request that carries the endpoint's header and names a known identity.
func FuzzManagedIdentityEndpoint(f *testing.F) {
	srv := graphauthtest.NewUnstartedServer(nil)
	mi := srv.AddManagedIdentity(graphauthtest.ManagedIdentity{SystemAssigned: true})
	h := srv.Handler()
	f.Add(false, "api-version=2018-02-01&resource=https://graph.microsoft.com", "true")
	f.Add(true, "api-version=2019-08-01&resource=api://AzureADTokenExchange&client_id="+mi.ClientID, srv.IdentityHeader())
	f.Add(false, "resource=%ZZ&msi_res_id=/subscriptions/x", "")
	f.Fuzz(func(t *testing.T, appService bool, query, header string) {
		path, name := graphauthtest.IMDSPath, "Metadata"
		if appService {
			path, name = graphauthtest.IdentityEndpointPath, "X-IDENTITY-HEADER"
		}
		req := httptest.NewRequest("GET", "https://127.0.0.1"+path, nil)
		req.URL.RawQuery = query
		if strings.ContainsAny(header, "\r\n") {
			return
		}
		req.Header.Set(name, header)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		assert.Contains(t, rec.Header().Get("Content-Type"), "application/json")
		if rec.Code == http.StatusOK {
			want := "true"
			if appService {
				want = srv.IdentityHeader()
			}
			assert.Equal(t, want, header)
		}
	})
}

// FuzzCredentialActions sends any body to the application actions that
// manage credentials: never a panic or a 5xx, always Graph's JSON, and
// nothing added without a valid proof or body.
func FuzzCredentialActions(f *testing.F) {
	srv := graphauthtest.NewServer(nil)
	f.Cleanup(srv.Close)
	srv.GrantAppRoles(srv.TenantID, srv.ClientID, "Application.ReadWrite.OwnedBy")
	app, _ := srv.App(srv.ClientID)
	tok := fuzzAppToken(f, srv)
	f.Add(0, `{"keyId":"x"}`)
	f.Add(1, `{"keyCredential":{"type":"AsymmetricX509Cert","usage":"Verify","key":"AAAA"},"proof":"eyJhbGciOiJub25lIn0.e30."}`)
	f.Add(2, `{"keyId":"x","proof":"a.b.c"}`)
	f.Add(3, `{"name":"n","issuer":"https://x","subject":"s","audiences":["api://AzureADTokenExchange"]}`)
	f.Add(3, `{"name":"a/b","issuer":"http://x","audiences":[]}`)
	f.Fuzz(func(t *testing.T, action int, body string) {
		actions := []string{"removePassword", "addKey", "removeKey", "federatedIdentityCredentials"}
		path := srv.URL + "/v1.0/applications/" + app.ObjectID + "/" + actions[(action%4+4)%4]
		req, err := http.NewRequest("POST", path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Content-Type", "application/json")
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode >= 500 {
			t.Fatalf("%s answered %d", path, resp.StatusCode)
		}
		after, _ := srv.App(srv.ClientID)
		if len(after.Certificates) != len(app.Certificates) && resp.StatusCode == http.StatusOK {
			t.Fatalf("addKey took a key without a valid proof: %s", body)
		}
	})
}

// fuzzAppToken is an app-only token for the default app, asked for as a
// client would.
func fuzzAppToken(f *testing.F, srv *graphauthtest.Server) string {
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {srv.ClientID}, "client_secret": {srv.Secret},
		"scope": {"https://graph.microsoft.com/.default"}}
	resp, err := srv.Client().PostForm(srv.URL+"/"+srv.TenantID+"/oauth2/v2.0/token", form)
	if err != nil {
		f.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || body.AccessToken == "" {
		f.Fatalf("no token: %v", err)
	}
	return body.AccessToken
}

func TestTokenExchangeTokenHasTheShapeEntraIssues(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	mi := srv.AddManagedIdentity(graphauthtest.ManagedIdentity{SystemAssigned: true})
	status, body := miGet(t, srv, graphauthtest.IMDSPath+"?api-version=2018-02-01&resource=api://AzureADTokenExchange", "Metadata", "true")
	require.Equal(t, 200, status, body)
	parts := strings.Split(body["access_token"].(string), ".")
	require.Len(t, parts, 3)
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	require.NoError(t, err)
	var claims map[string]any
	require.NoError(t, json.Unmarshal(raw, &claims))
	assert.Equal(t, "fb60f99c-7a34-4190-8149-302f77469936", claims["aud"], "a v2.0 token carries the exchange's app ID")
	assert.Equal(t, srv.URL+"/"+mi.Tenant+"/v2.0", claims["iss"])
	assert.Equal(t, mi.ObjectID, claims["sub"])
	assert.Equal(t, mi.ClientID, claims["azp"])
	assert.Equal(t, "2.0", claims["ver"])
}

// The IMDS guide's own example asks for Azure Resource Manager, as
// https://management.azure.com/: a v1.0 token for it, not AADSTS500011.
func TestIMDSIssuesTokensForAzureResourceManager(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	mi := srv.AddManagedIdentity(graphauthtest.ManagedIdentity{SystemAssigned: true})
	for _, resource := range []string{"https://management.azure.com/", "https://management.azure.com", "https://management.core.windows.net/"} {
		status, body := miGet(t, srv, graphauthtest.IMDSPath+"?api-version=2018-02-01&resource="+url.QueryEscape(resource), "Metadata", "true")
		require.Equal(t, 200, status, "%s: %v", resource, body)
		assert.Equal(t, resource, body["resource"])
		parts := strings.Split(body["access_token"].(string), ".")
		require.Len(t, parts, 3)
		raw, err := base64.RawURLEncoding.DecodeString(parts[1])
		require.NoError(t, err)
		var claims map[string]any
		require.NoError(t, json.Unmarshal(raw, &claims))
		assert.Equal(t, "https://management.core.windows.net/", claims["aud"])
		assert.Equal(t, mi.ClientID, claims["appid"])
	}
	status, body := miGet(t, srv, graphauthtest.IMDSPath+"?api-version=2018-02-01&resource=https://unknown.example.com/", "Metadata", "true")
	assert.Equal(t, 400, status)
	assert.Equal(t, "invalid_resource", body["error"])
}

func TestIMDSIssuesTokensForKeyVaultAndStorage(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	srv.AddManagedIdentity(graphauthtest.ManagedIdentity{SystemAssigned: true})
	for _, resource := range []string{"https://vault.azure.net", "https://storage.azure.com/"} {
		status, body := miGet(t, srv, graphauthtest.IMDSPath+"?api-version=2018-02-01&resource="+url.QueryEscape(resource), "Metadata", "true")
		require.Equal(t, 200, status, "%s: %v", resource, body)
		parts := strings.Split(body["access_token"].(string), ".")
		require.Len(t, parts, 3)
		raw, err := base64.RawURLEncoding.DecodeString(parts[1])
		require.NoError(t, err)
		var claims map[string]any
		require.NoError(t, json.Unmarshal(raw, &claims))
		assert.Equal(t, strings.TrimSuffix(resource, "/"), claims["aud"])
	}
}

// A managed identity given an app's client ID, another identity's, or an
// object ID another object has is refused: it replaced the app's service
// principal in the tenant with its own, so that the app's client
// credentials then got the identity's object ID and lost its roles (the
// control API's POST /managedIdentities takes any IDs a test sends).
func TestAManagedIdentityTakesNoOtherObjectsID(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	mi := srv.AddManagedIdentity(graphauthtest.ManagedIdentity{})
	for name, taken := range map[string]graphauthtest.ManagedIdentity{
		"an app's client ID":          {ClientID: srv.ClientID},
		"an app's, in upper case":     {ClientID: strings.ToUpper(srv.ClientID)},
		"Graph's app ID":              {ClientID: graphauthtest.GraphAppID},
		"another identity's clientID": {ClientID: mi.ClientID},
		"another identity's objectID": {ObjectID: mi.ObjectID},
		"a tenant's ID":               {ObjectID: srv.TenantID},
	} {
		assert.Panics(t, func() { srv.AddManagedIdentity(taken) }, name)
	}
}
