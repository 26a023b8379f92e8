package graphauthtest_test

import (
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/entrakit/entrakit/graphauth/graphauthtest"
)

// tokenReply is the union of the success and error bodies.
type tokenReply struct {
	Status           int
	Error            string `json:"error"`
	ErrorDescription string `json:"error_description"`
	ErrorCodes       []int  `json:"error_codes"`
	TraceID          string `json:"trace_id"`
	CorrelationID    string `json:"correlation_id"`
	Timestamp        string `json:"timestamp"`
	AccessToken      string `json:"access_token"`
	TokenType        string `json:"token_type"`
	ExpiresIn        any    `json:"expires_in"`
	ExtExpiresIn     any    `json:"ext_expires_in"`
	RefreshToken     string `json:"refresh_token"`
	IDToken          string `json:"id_token"`
	Scope            string `json:"scope"`
}

func postForm(t *testing.T, srv *graphauthtest.Server, path string, form url.Values) tokenReply {
	t.Helper()
	resp, err := srv.Client().PostForm(srv.URL+path, form)
	require.NoError(t, err)
	defer resp.Body.Close()
	var r tokenReply
	body, _ := io.ReadAll(resp.Body)
	require.NoError(t, json.Unmarshal(body, &r), string(body))
	r.Status = resp.StatusCode
	return r
}

func secretForm(srv *graphauthtest.Server) url.Values {
	return url.Values{
		"grant_type":    {"client_credentials"},
		"client_id":     {srv.ClientID},
		"client_secret": {srv.Secret},
		"scope":         {"https://graph.microsoft.com/.default"},
	}
}

type assertionSpec struct {
	alg              jwt.SigningMethod
	thumbHeader      string // "x5t", "x5t#S256" or ""
	key              *rsa.PrivateKey
	cert             *x509.Certificate
	iss, sub, aud    string
	nbf, exp         time.Time
	stdEncodingThumb bool
}

func assertion(t *testing.T, a assertionSpec) string {
	t.Helper()
	claims := jwt.MapClaims{"iss": a.iss, "sub": a.sub, "aud": a.aud, "jti": "j-" + a.iss,
		"nbf": a.nbf.Unix(), "exp": a.exp.Unix()}
	tok := jwt.NewWithClaims(a.alg, claims)
	enc := base64.RawURLEncoding
	if a.stdEncodingThumb {
		enc = base64.StdEncoding
	}
	switch a.thumbHeader {
	case "x5t":
		sum := sha1.Sum(a.cert.Raw)
		tok.Header["x5t"] = enc.EncodeToString(sum[:])
	case "x5t#S256":
		sum := sha256.Sum256(a.cert.Raw)
		tok.Header["x5t#S256"] = enc.EncodeToString(sum[:])
	}
	s, err := tok.SignedString(a.key)
	require.NoError(t, err)
	return s
}

func validAssertion(srv *graphauthtest.Server) assertionSpec {
	now := srv.Now()
	return assertionSpec{alg: jwt.SigningMethodPS256, thumbHeader: "x5t#S256", key: srv.ClientKey, cert: srv.ClientCertificate,
		iss: srv.ClientID, sub: srv.ClientID, aud: srv.URL + "/" + srv.TenantID + "/oauth2/v2.0/token",
		nbf: now, exp: now.Add(10 * time.Minute)}
}

func assertionForm(srv *graphauthtest.Server, jwt string) url.Values {
	return url.Values{
		"grant_type":            {"client_credentials"},
		"client_id":             {srv.ClientID},
		"client_assertion_type": {"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"},
		"client_assertion":      {jwt},
		"scope":                 {"https://graph.microsoft.com/.default openid profile offline_access"},
	}
}

func TestClientAssertionsThePlatformAccepts(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	v2 := "/" + srv.TenantID + "/oauth2/v2.0/token"
	cases := map[string]func(*assertionSpec){
		"PS256 with x5t#S256 (today's recommendation)":              func(*assertionSpec) {},
		"RS256 with x5t (the legacy form)":                          func(a *assertionSpec) { a.alg, a.thumbHeader = jwt.SigningMethodRS256, "x5t" },
		"thumbprint in padded standard base64, as MSAL Go sends it": func(a *assertionSpec) { a.stdEncodingThumb = true },
		"audience is the v1 token endpoint":                         func(a *assertionSpec) { a.aud = srv.URL + "/" + srv.TenantID + "/oauth2/token" },
		"audience names the tenant by domain":                       func(a *assertionSpec) { a.aud = srv.URL + "/contoso.onmicrosoft.com/oauth2/v2.0/token" },
		"clock a little behind the server (within skew)":            func(a *assertionSpec) { a.nbf = a.nbf.Add(3 * time.Minute) },
	}
	for name, mutate := range cases {
		t.Run(name, func(t *testing.T) {
			spec := validAssertion(srv)
			mutate(&spec)
			r := postForm(t, srv, v2, assertionForm(srv, assertion(t, spec)))
			require.Equal(t, 200, r.Status, r.ErrorDescription)
			assert.NotEmpty(t, r.AccessToken)
		})
	}
}

func TestTokenEndpointRefusals(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	other := srv.AddTenant(graphauthtest.Tenant{DisplayName: "Fabrikam"})
	app, _ := srv.App(srv.ClientID)
	strangerKey, strangerCert := graphauthtest.NewCertificate("CN=stranger", srv.Now())
	v2 := "/" + srv.TenantID + "/oauth2/v2.0/token"

	withSpec := func(mutate func(*assertionSpec)) url.Values {
		spec := validAssertion(srv)
		mutate(&spec)
		return assertionForm(srv, assertion(t, spec))
	}
	set := func(k, v string) url.Values {
		f := secretForm(srv)
		if v == "" {
			f.Del(k)
		} else {
			f.Set(k, v)
		}
		return f
	}
	cases := []struct {
		name   string
		path   string
		form   url.Values
		status int
		code   string
		aadsts int
	}{
		{"wrong secret is refused with AADSTS7000215", v2, set("client_secret", "wrong"), 401, "invalid_client", 7000215},
		{"the secret's ID pasted instead of its value is refused with AADSTS7000215", v2, set("client_secret", app.Secrets[0].KeyID), 401, "invalid_client", 7000215},
		{"unknown client ID is refused with AADSTS700016", v2, set("client_id", "11111111-2222-3333-4444-555555555555"), 400, "unauthorized_client", 700016},
		{"an app with no service principal in the tenant is refused with AADSTS700016", "/" + other.ID + "/oauth2/v2.0/token", secretForm(srv), 400, "unauthorized_client", 700016},
		{"unknown tenant is refused with AADSTS90002", "/nosuch.onmicrosoft.com/oauth2/v2.0/token", secretForm(srv), 400, "invalid_tenant", 90002},
		{"malformed tenant is refused with AADSTS900023", "/not_a_tenant/oauth2/v2.0/token", secretForm(srv), 400, "invalid_request", 900023},
		{"client credentials on /common are refused with AADSTS9001023", "/common/oauth2/v2.0/token", secretForm(srv), 400, "invalid_request", 9001023},
		{"resource sent to v2 is refused with AADSTS901002", v2, set("resource", "https://graph.microsoft.com"), 400, "invalid_request", 901002},
		{"scopes of two resources are refused with AADSTS700022", v2, set("scope", "https://graph.microsoft.com/.default https://vault.azure.net/.default"), 400, "invalid_scope", 700022},
		{"a scope without /.default is refused with AADSTS1002012", v2, set("scope", "https://graph.microsoft.com/User.Read.All"), 400, "invalid_scope", 1002012},
		{"only OIDC scopes are refused with AADSTS1002012", v2, set("scope", "openid profile"), 400, "invalid_scope", 1002012},
		{"an unknown resource is refused with AADSTS500011", v2, set("scope", "api://nothing-here/.default"), 400, "invalid_resource", 500011},
		{"missing scope is refused with AADSTS900144", v2, set("scope", ""), 400, "invalid_request", 900144},
		{"missing client_id is refused with AADSTS900144", v2, set("client_id", ""), 400, "invalid_request", 900144},
		{"missing grant_type is refused with AADSTS900144", v2, set("grant_type", ""), 400, "invalid_request", 900144},
		{"unsupported grant type is refused with AADSTS70003", v2, set("grant_type", "password"), 400, "unsupported_grant_type", 70003},
		{"no credential is refused with AADSTS7000218", v2, set("client_secret", ""), 401, "invalid_client", 7000218},
		{"v1 without resource is refused with AADSTS900144", "/" + srv.TenantID + "/oauth2/token", secretForm(srv), 400, "invalid_request", 900144},
		{"assertion signed by an unregistered certificate is refused with AADSTS700027", v2,
			withSpec(func(a *assertionSpec) { a.key, a.cert = strangerKey, strangerCert }), 401, "invalid_client", 700027},
		{"assertion naming a registered certificate but signed by another key is refused with AADSTS700027", v2,
			withSpec(func(a *assertionSpec) { a.key = strangerKey }), 401, "invalid_client", 700027},
		{"assertion without a thumbprint is refused with AADSTS700027", v2,
			withSpec(func(a *assertionSpec) { a.thumbHeader = "" }), 401, "invalid_client", 700027},
		{"expired assertion is refused with AADSTS700024", v2,
			withSpec(func(a *assertionSpec) { a.nbf, a.exp = a.nbf.Add(-time.Hour), a.exp.Add(-time.Hour) }), 401, "invalid_client", 700024},
		{"assertion from the future is refused with AADSTS700024", v2,
			withSpec(func(a *assertionSpec) { a.nbf, a.exp = a.nbf.Add(time.Hour), a.exp.Add(time.Hour) }), 401, "invalid_client", 700024},
		{"assertion for another audience is refused with AADSTS50012", v2,
			withSpec(func(a *assertionSpec) {
				a.aud = "https://login.microsoftonline.com/" + srv.TenantID + "/oauth2/v2.0/token"
			}), 401, "invalid_client", 50012},
		{"assertion whose sub differs from iss is refused with AADSTS50048", v2,
			withSpec(func(a *assertionSpec) { a.sub = "someone-else" }), 401, "invalid_client", 50048},
		{"assertion for another client is refused with AADSTS700021", v2,
			withSpec(func(a *assertionSpec) { a.iss, a.sub = other.ID, other.ID }), 401, "invalid_client", 700021},
		{"malformed assertion is refused with AADSTS50027", v2, func() url.Values {
			f := assertionForm(srv, "not.a.jwt")
			return f
		}(), 401, "invalid_client", 50027},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := postForm(t, srv, c.path, c.form)
			assert.Equal(t, c.status, r.Status)
			assert.Equal(t, c.code, r.Error)
			assert.Equal(t, []int{c.aadsts}, r.ErrorCodes)
			assert.True(t, strings.HasPrefix(r.ErrorDescription, "AADSTS"), r.ErrorDescription)
			assert.Contains(t, r.ErrorDescription, "Trace ID: "+r.TraceID)
			assert.Contains(t, r.ErrorDescription, "Correlation ID: "+r.CorrelationID)
			assert.NotEmpty(t, r.Timestamp)
			assert.Empty(t, r.AccessToken)
		})
	}
}

func TestSecretExpiresWithTheServerClock(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	v2 := "/" + srv.TenantID + "/oauth2/v2.0/token"
	require.Equal(t, 200, postForm(t, srv, v2, secretForm(srv)).Status)
	srv.Advance(2*365*24*time.Hour + 48*time.Hour)
	r := postForm(t, srv, v2, secretForm(srv))
	assert.Equal(t, 401, r.Status)
	assert.Equal(t, []int{7000222}, r.ErrorCodes)
}

func TestGETOnTheTokenEndpointIsRefused(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	resp, err := srv.Client().Get(srv.URL + "/" + srv.TenantID + "/oauth2/v2.0/token")
	require.NoError(t, err)
	defer resp.Body.Close()
	var r tokenReply
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&r))
	assert.Equal(t, 400, resp.StatusCode)
	assert.Equal(t, []int{900561}, r.ErrorCodes)
}

func TestCorrelationIDEchoesClientRequestID(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/"+srv.TenantID+"/oauth2/v2.0/token", strings.NewReader(set1(secretForm(srv), "client_secret", "x").Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("client-request-id", "5e1f2c4b-7a0d-4e8c-9d6b-1a2b3c4d5e6f")
	resp, err := srv.Client().Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	var r tokenReply
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&r))
	assert.Equal(t, "5e1f2c4b-7a0d-4e8c-9d6b-1a2b3c4d5e6f", r.CorrelationID)
}

func set1(v url.Values, k, val string) url.Values { v.Set(k, val); return v }

func TestV1EndpointWithResourceAnswersNumbersAsStrings(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	form := secretForm(srv)
	form.Del("scope")
	form.Set("resource", "https://graph.microsoft.com/")
	resp, err := srv.Client().PostForm(srv.URL+"/"+srv.TenantID+"/oauth2/token", form)
	require.NoError(t, err)
	defer resp.Body.Close()
	var body map[string]any
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&body))
	require.Equal(t, 200, resp.StatusCode)
	assert.Equal(t, "3599", body["expires_in"])
	assert.IsType(t, "", body["expires_on"])
	assert.Equal(t, "https://graph.microsoft.com/", body["resource"])
	claims := verifyWithJWKS(t, srv, body["access_token"].(string))
	assert.ElementsMatch(t, defaultRoles, rolesOf(claims))
}

func TestGrantsTakeEffectAfterThePropagationDelay(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(&graphauthtest.Options{
		PropagationDelay: 30 * time.Second,
		Tenants:          []graphauthtest.Tenant{{Domain: "contoso.onmicrosoft.com"}},
		Apps:             []graphauthtest.App{{Secrets: []graphauthtest.Secret{{}}}},
	})
	defer srv.Close()
	srv.GrantAppRoles(srv.TenantID, srv.ClientID, "User.Read.All")
	v2 := "/" + srv.TenantID + "/oauth2/v2.0/token"
	r := postForm(t, srv, v2, secretForm(srv))
	require.Equal(t, 200, r.Status)
	assert.Empty(t, rolesOf(verifyWithJWKS(t, srv, r.AccessToken)), "the grant is not in effect yet")
	srv.Advance(31 * time.Second)
	r = postForm(t, srv, v2, secretForm(srv))
	assert.Equal(t, []string{"User.Read.All"}, rolesOf(verifyWithJWKS(t, srv, r.AccessToken)))
	srv.RevokeAppRoles(srv.TenantID, srv.ClientID, "User.Read.All")
	r = postForm(t, srv, v2, secretForm(srv))
	assert.Empty(t, rolesOf(verifyWithJWKS(t, srv, r.AccessToken)))
}

func TestMissingGraphServicePrincipalIsAADSTS500011(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	srv.RemoveServicePrincipal(srv.TenantID, "00000003-0000-0000-c000-000000000000")
	r := postForm(t, srv, "/"+srv.TenantID+"/oauth2/v2.0/token", secretForm(srv))
	assert.Equal(t, 400, r.Status)
	assert.Equal(t, "invalid_resource", r.Error)
	assert.Equal(t, []int{500011}, r.ErrorCodes)
}

func TestTokenLifetimeAndRefreshInFollowOptions(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	srv := graphauthtest.NewServer(&graphauthtest.Options{Now: func() time.Time { return start }, TokenLifetime: 2 * time.Hour, RefreshIn: time.Hour})
	defer srv.Close()
	resp, err := srv.Client().PostForm(srv.URL+"/"+srv.TenantID+"/oauth2/v2.0/token", secretForm(srv))
	require.NoError(t, err)
	defer resp.Body.Close()
	var body map[string]any
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&body))
	assert.EqualValues(t, 7200, body["expires_in"])
	assert.EqualValues(t, 7200, body["ext_expires_in"])
	assert.EqualValues(t, 3600, body["refresh_in"])
	claims := verifyWithJWKS(t, srv, body["access_token"].(string))
	assert.EqualValues(t, start.Add(2*time.Hour).Unix(), claims["exp"])
}

func TestTokenForAnAppsOwnAPI(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	api := srv.AddApp(graphauthtest.App{DisplayName: "orders API"})
	for _, scope := range []string{"api://" + api.ClientID + "/.default", api.ClientID + "/.default"} {
		r := postForm(t, srv, "/"+srv.TenantID+"/oauth2/v2.0/token", set1(secretForm(srv), "scope", scope))
		require.Equal(t, 200, r.Status, r.ErrorDescription)
		claims := verifyWithJWKS(t, srv, r.AccessToken)
		assert.Equal(t, "api://"+api.ClientID, claims["aud"])
		assert.Nil(t, claims["roles"], "Graph roles are not an API's roles")
	}
}
