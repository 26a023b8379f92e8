package verify_test

import (
	"context"
	"crypto"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/entrakit/entrakit/graphauth"
	"github.com/entrakit/entrakit/graphauth/graphauthtest"
	"github.com/entrakit/entrakit/registration"
	"github.com/entrakit/entrakit/verify"
)

// Each failure below is produced by the fake platform for real: a request
// the real platform would refuse, or (for refusals the fake has no reason to
// make, such as Conditional Access) a fault injected at the token endpoint
// that travels through HTTP, the credential and its error parsing. The test
// then checks that every code of the catalog was produced at least once.

func opts(srv *graphauthtest.Server) *graphauth.Options {
	return &graphauth.Options{AuthorityHost: srv.URL, HTTPClient: srv.Client(), Retry: graphauth.RetryOptions{MaxRetries: -1}}
}

func credErr(t *testing.T, srv *graphauthtest.Server, tenant, client, secret string) error {
	t.Helper()
	cred, err := graphauth.NewClientSecretCredential(tenant, client, graphauth.Secret(secret), opts(srv))
	require.NoError(t, err)
	_, err = cred.Token(context.Background(), graphauth.TokenRequest{})
	require.Error(t, err)
	return err
}

// tokenErr posts a form to a token endpoint and parses the refusal.
func tokenErr(t *testing.T, srv *graphauthtest.Server, method, path string, form url.Values) error {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL+path, strings.NewReader(form.Encode()))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := srv.Client().Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	require.NotEqual(t, 200, resp.StatusCode, string(body))
	return graphauth.ParseAuthError(resp.StatusCode, resp.Header, body)
}

var pageCode = regexp.MustCompile(`data-code="(\d+)"`)

// authorizeErr follows /authorize or /adminconsent and turns the error
// redirect (or the platform's error page) into the error body the app
// would build from it.
func authorizeErr(t *testing.T, srv *graphauthtest.Server, path string, q url.Values) error {
	t.Helper()
	resp, err := srv.Client().Get(srv.URL + path + "?" + q.Encode())
	require.NoError(t, err)
	defer resp.Body.Close()
	page, _ := io.ReadAll(resp.Body)
	var code, desc string
	if resp.StatusCode == http.StatusFound {
		loc, err := url.Parse(resp.Header.Get("Location"))
		require.NoError(t, err)
		code, desc = loc.Query().Get("error"), loc.Query().Get("error_description")
	} else {
		m := pageCode.FindSubmatch(page)
		require.NotNil(t, m, "an error page: %s", page)
		code, desc = "invalid_request", "AADSTS"+string(m[1])+": shown on the sign-in page"
	}
	require.NotEmpty(t, code, "expected an error")
	n, _ := strconv.Atoi(strings.TrimPrefix(strings.SplitN(desc, ":", 2)[0], "AADSTS"))
	body, _ := json.Marshal(map[string]any{"error": code, "error_description": desc, "error_codes": []int{n}})
	return graphauth.ParseAuthError(400, http.Header{}, body)
}

func secretForm(srv *graphauthtest.Server) url.Values {
	return url.Values{"grant_type": {"client_credentials"}, "client_id": {srv.ClientID}, "client_secret": {srv.Secret},
		"scope": {"https://graph.microsoft.com/.default"}}
}

func with(v url.Values, kv ...string) url.Values {
	out := url.Values{}
	for k, x := range v {
		out[k] = x
	}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == "" {
			out.Del(kv[i])
		} else {
			out.Set(kv[i], kv[i+1])
		}
	}
	return out
}

func assertionForm(t *testing.T, srv *graphauthtest.Server, mutate func(jwt.MapClaims, map[string]any)) url.Values {
	now := srv.Now()
	claims := jwt.MapClaims{"iss": srv.ClientID, "sub": srv.ClientID, "aud": srv.URL + "/" + srv.TenantID + "/oauth2/v2.0/token",
		"nbf": now.Unix(), "exp": now.Add(10 * time.Minute).Unix(), "jti": "x"}
	tok := jwt.NewWithClaims(jwt.SigningMethodPS256, claims)
	sum := sha256.Sum256(srv.ClientCertificate.Raw)
	tok.Header["x5t#S256"] = base64.RawURLEncoding.EncodeToString(sum[:])
	mutate(claims, tok.Header)
	s, err := tok.SignedString(srv.ClientKey)
	require.NoError(t, err)
	return url.Values{"grant_type": {"client_credentials"}, "client_id": {srv.ClientID}, "scope": {"https://graph.microsoft.com/.default"},
		"client_assertion_type": {"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"}, "client_assertion": {s}}
}

const verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXkdBjftJeZ4CVP"

func authorizeQuery(srv *graphauthtest.Server, kv ...string) url.Values {
	sum := sha256.Sum256([]byte(verifier))
	q := url.Values{"client_id": {srv.ClientID}, "response_type": {"code"}, "redirect_uri": {"http://localhost/callback"},
		"scope": {"openid offline_access User.Read"}, "state": {"s"}, "code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])},
		"code_challenge_method": {"S256"}}
	return with(q, kv...)
}

// code signs the default user in and returns a fresh authorization code.
func code(t *testing.T, srv *graphauthtest.Server) string {
	resp, err := srv.Client().Get(srv.URL + "/" + srv.TenantID + "/oauth2/v2.0/authorize?" + authorizeQuery(srv).Encode())
	require.NoError(t, err)
	resp.Body.Close()
	loc, err := url.Parse(resp.Header.Get("Location"))
	require.NoError(t, err)
	require.NotEmpty(t, loc.Query().Get("code"))
	return loc.Query().Get("code")
}

func codeForm(srv *graphauthtest.Server, c string) url.Values {
	return url.Values{"grant_type": {"authorization_code"}, "client_id": {srv.ClientID}, "client_secret": {srv.Secret}, "code": {c},
		"redirect_uri": {"http://localhost/callback"}, "code_verifier": {verifier}, "scope": {"openid offline_access"}}
}

func refreshToken(t *testing.T, srv *graphauthtest.Server) string {
	resp, err := srv.Client().PostForm(srv.URL+"/"+srv.TenantID+"/oauth2/v2.0/token", codeForm(srv, code(t, srv)))
	require.NoError(t, err)
	defer resp.Body.Close()
	var body struct {
		RefreshToken string `json:"refresh_token"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&body))
	require.NotEmpty(t, body.RefreshToken)
	return body.RefreshToken
}

func TestEveryDiagnosisFromARealFailure(t *testing.T) {
	t.Parallel()
	v2 := func(srv *graphauthtest.Server) string { return "/" + srv.TenantID + "/oauth2/v2.0/token" }
	authz := func(srv *graphauthtest.Server) string { return "/" + srv.TenantID + "/oauth2/v2.0/authorize" }
	type trigger func(t *testing.T, srv *graphauthtest.Server) error
	natural := map[int]trigger{
		7000215: func(t *testing.T, s *graphauthtest.Server) error {
			return credErr(t, s, s.TenantID, s.ClientID, "wrong~value")
		},
		7000222: func(t *testing.T, s *graphauthtest.Server) error {
			s.Advance(3 * 365 * 24 * time.Hour)
			return credErr(t, s, s.TenantID, s.ClientID, s.Secret)
		},
		700016: func(t *testing.T, s *graphauthtest.Server) error {
			return credErr(t, s, s.TenantID, "11111111-2222-3333-4444-555555555555", s.Secret)
		},
		90002: func(t *testing.T, s *graphauthtest.Server) error {
			return credErr(t, s, "nosuch.onmicrosoft.com", s.ClientID, s.Secret)
		},
		900023: func(t *testing.T, s *graphauthtest.Server) error {
			return tokenErr(t, s, "POST", "/not_a_tenant/oauth2/v2.0/token", secretForm(s))
		},
		500011: func(t *testing.T, s *graphauthtest.Server) error {
			s.RemoveServicePrincipal(s.TenantID, "00000003-0000-0000-c000-000000000000")
			return credErr(t, s, s.TenantID, s.ClientID, s.Secret)
		},
		700027: func(t *testing.T, s *graphauthtest.Server) error {
			return tokenErr(t, s, "POST", v2(s), assertionForm(t, s, func(_ jwt.MapClaims, h map[string]any) { h["x5t#S256"] = "AAAA" }))
		},
		700024: func(t *testing.T, s *graphauthtest.Server) error {
			return tokenErr(t, s, "POST", v2(s), assertionForm(t, s, func(c jwt.MapClaims, _ map[string]any) { c["exp"] = s.Now().Add(-time.Hour).Unix() }))
		},
		50012: func(t *testing.T, s *graphauthtest.Server) error {
			return tokenErr(t, s, "POST", v2(s), assertionForm(t, s, func(c jwt.MapClaims, _ map[string]any) { c["aud"] = "https://elsewhere/token" }))
		},
		50048: func(t *testing.T, s *graphauthtest.Server) error {
			return tokenErr(t, s, "POST", v2(s), assertionForm(t, s, func(c jwt.MapClaims, _ map[string]any) { c["sub"] = "other" }))
		},
		700021: func(t *testing.T, s *graphauthtest.Server) error {
			return tokenErr(t, s, "POST", v2(s), assertionForm(t, s, func(c jwt.MapClaims, _ map[string]any) { c["iss"], c["sub"] = "other", "other" }))
		},
		50027: func(t *testing.T, s *graphauthtest.Server) error {
			return tokenErr(t, s, "POST", v2(s), with(secretForm(s), "client_secret", "", "client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer", "client_assertion", "garbage"))
		},
		1002012: func(t *testing.T, s *graphauthtest.Server) error {
			return tokenErr(t, s, "POST", v2(s), with(secretForm(s), "scope", "https://graph.microsoft.com/User.Read.All"))
		},
		700022: func(t *testing.T, s *graphauthtest.Server) error {
			return tokenErr(t, s, "POST", v2(s), with(secretForm(s), "scope", "https://graph.microsoft.com/.default https://vault.azure.net/.default"))
		},
		901002: func(t *testing.T, s *graphauthtest.Server) error {
			return tokenErr(t, s, "POST", v2(s), with(secretForm(s), "resource", "https://graph.microsoft.com"))
		},
		9001023: func(t *testing.T, s *graphauthtest.Server) error {
			return tokenErr(t, s, "POST", "/common/oauth2/v2.0/token", secretForm(s))
		},
		7000218: func(t *testing.T, s *graphauthtest.Server) error {
			return tokenErr(t, s, "POST", v2(s), with(secretForm(s), "client_secret", ""))
		},
		900144: func(t *testing.T, s *graphauthtest.Server) error {
			return tokenErr(t, s, "POST", v2(s), with(secretForm(s), "scope", ""))
		},
		900561: func(t *testing.T, s *graphauthtest.Server) error { return tokenErr(t, s, "GET", v2(s), url.Values{}) },
		70003: func(t *testing.T, s *graphauthtest.Server) error {
			return tokenErr(t, s, "POST", v2(s), with(secretForm(s), "grant_type", "password"))
		},
		9002313: func(t *testing.T, s *graphauthtest.Server) error {
			return tokenErr(t, s, "POST", v2(s), codeForm(s, "forged"))
		},
		700025: func(t *testing.T, s *graphauthtest.Server) error {
			pub := s.AddApp(graphauthtest.App{PublicClient: true})
			return tokenErr(t, s, "POST", v2(s), with(secretForm(s), "client_id", pub.ClientID))
		},
		70021: func(t *testing.T, s *graphauthtest.Server) error {
			key, _ := graphauthtest.NewCertificate("CN=issuer", s.Now())
			app := s.AddApp(graphauthtest.App{FederatedCredentials: []graphauthtest.FederatedCredential{{Issuer: "https://issuer.example", Subject: "ok", Keys: []crypto.PublicKey{&key.PublicKey}}}})
			tok := jwt.NewWithClaims(jwt.SigningMethodRS256, jwt.MapClaims{"iss": "https://issuer.example", "sub": "intruder", "aud": "api://AzureADTokenExchange", "exp": s.Now().Add(time.Hour).Unix()})
			raw, _ := tok.SignedString(key)
			return tokenErr(t, s, "POST", v2(s), url.Values{"grant_type": {"client_credentials"}, "client_id": {app.ClientID}, "scope": {"https://graph.microsoft.com/.default"},
				"client_assertion_type": {"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"}, "client_assertion": {raw}})
		},
		54005: func(t *testing.T, s *graphauthtest.Server) error {
			c := code(t, s)
			resp, err := s.Client().PostForm(s.URL+v2(s), codeForm(s, c))
			require.NoError(t, err)
			resp.Body.Close()
			return tokenErr(t, s, "POST", v2(s), codeForm(s, c))
		},
		70008: func(t *testing.T, s *graphauthtest.Server) error {
			c := code(t, s)
			s.Advance(11 * time.Minute)
			return tokenErr(t, s, "POST", v2(s), codeForm(s, c))
		},
		50011: func(t *testing.T, s *graphauthtest.Server) error {
			return tokenErr(t, s, "POST", v2(s), with(codeForm(s, code(t, s)), "redirect_uri", "https://localhost/other"))
		},
		501481: func(t *testing.T, s *graphauthtest.Server) error {
			return tokenErr(t, s, "POST", v2(s), with(codeForm(s, code(t, s)), "code_verifier", strings.Repeat("a", 43)))
		},
		50148: func(t *testing.T, s *graphauthtest.Server) error {
			return tokenErr(t, s, "POST", v2(s), with(codeForm(s, code(t, s)), "code_verifier", ""))
		},
		700005: func(t *testing.T, s *graphauthtest.Server) error {
			return tokenErr(t, s, "POST", "/organizations/oauth2/v2.0/token", codeForm(s, code(t, s)))
		},
		50173: func(t *testing.T, s *graphauthtest.Server) error {
			rt := refreshToken(t, s)
			s.RevokeRefreshTokens("admin@contoso.onmicrosoft.com")
			return tokenErr(t, s, "POST", v2(s), url.Values{"grant_type": {"refresh_token"}, "client_id": {s.ClientID}, "client_secret": {s.Secret}, "refresh_token": {rt}})
		},
		700082: func(t *testing.T, s *graphauthtest.Server) error {
			rt := refreshToken(t, s)
			s.Advance(91 * 24 * time.Hour)
			return tokenErr(t, s, "POST", v2(s), url.Values{"grant_type": {"refresh_token"}, "client_id": {s.ClientID}, "client_secret": {s.Secret}, "refresh_token": {rt}})
		},
		70011: func(t *testing.T, s *graphauthtest.Server) error {
			return authorizeErr(t, s, authz(s), authorizeQuery(s, "scope", "openid User.Read,Mail.Read"))
		},
		501491: func(t *testing.T, s *graphauthtest.Server) error {
			return authorizeErr(t, s, authz(s), authorizeQuery(s, "code_challenge", "short"))
		},
		50149: func(t *testing.T, s *graphauthtest.Server) error {
			return authorizeErr(t, s, authz(s), authorizeQuery(s, "code_challenge_method", "S512"))
		},
		50058: func(t *testing.T, s *graphauthtest.Server) error {
			return authorizeErr(t, s, authz(s), authorizeQuery(s, "prompt", "none"))
		},
		65001: func(t *testing.T, s *graphauthtest.Server) error {
			return authorizeErr(t, s, authz(s), authorizeQuery(s, "prompt", "none", "scope", "openid Mail.Read", "login_hint", "adele@contoso.onmicrosoft.com"))
		},
		90094: func(t *testing.T, s *graphauthtest.Server) error {
			return authorizeErr(t, s, authz(s), authorizeQuery(s, "scope", "openid User.Read.All", "login_hint", "adele@contoso.onmicrosoft.com"))
		},
		50034: func(t *testing.T, s *graphauthtest.Server) error {
			return authorizeErr(t, s, authz(s), authorizeQuery(s, "login_hint", "ghost@contoso.onmicrosoft.com"))
		},
		50020: func(t *testing.T, s *graphauthtest.Server) error {
			s.AddTenant(graphauthtest.Tenant{DisplayName: "Fabrikam", Users: []graphauthtest.User{{UPN: "pat@fabrikam.onmicrosoft.com"}}})
			return authorizeErr(t, s, authz(s), authorizeQuery(s, "login_hint", "pat@fabrikam.onmicrosoft.com"))
		},
		50194: func(t *testing.T, s *graphauthtest.Server) error {
			return authorizeErr(t, s, "/common/oauth2/v2.0/authorize", authorizeQuery(s))
		},
		90130: func(t *testing.T, s *graphauthtest.Server) error {
			return authorizeErr(t, s, "/common/v2.0/adminconsent", authorizeQuery(s))
		},
		900971: func(t *testing.T, s *graphauthtest.Server) error {
			return authorizeErr(t, s, authz(s), authorizeQuery(s, "redirect_uri", ""))
		},
		500113: func(t *testing.T, s *graphauthtest.Server) error {
			bare := s.AddApp(graphauthtest.App{})
			return authorizeErr(t, s, authz(s), authorizeQuery(s, "client_id", bare.ClientID))
		},
		650052: func(t *testing.T, s *graphauthtest.Server) error {
			s.RemoveServicePrincipal(s.TenantID, "00000003-0000-0000-c000-000000000000")
			return authorizeErr(t, s, authz(s), authorizeQuery(s))
		},
		530032: func(t *testing.T, s *graphauthtest.Server) error {
			locked := graphauthtest.NewServer(&graphauthtest.Options{Tenants: []graphauthtest.Tenant{{ConsentBlocked: true, Domain: "locked.example", Users: []graphauthtest.User{{UPN: "a@locked.example", Admin: true}}}},
				Apps: []graphauthtest.App{{RedirectURIs: []string{"http://localhost/callback"}}}})
			t.Cleanup(locked.Close)
			return authorizeErr(t, locked, "/"+locked.TenantID+"/v2.0/adminconsent", url.Values{"client_id": {locked.ClientID}, "redirect_uri": {"http://localhost/callback"}, "scope": {"https://graph.microsoft.com/.default"}})
		},
	}
	// 50011 comes from the token endpoint above; /authorize shows it on its
	// page, checked here too.
	natural[50011+1e9] = func(t *testing.T, s *graphauthtest.Server) error {
		return authorizeErr(t, s, authz(s), authorizeQuery(s, "redirect_uri", "https://evil.example/cb"))
	}
	cancel := func(t *testing.T, s *graphauthtest.Server) error {
		is := graphauthtest.NewServer(&graphauthtest.Options{Interactive: true})
		t.Cleanup(is.Close)
		return authorizeErr(t, is, "/"+is.TenantID+"/oauth2/v2.0/authorize", authorizeQuery(is, "action", "cancel"))
	}
	natural[65004] = cancel

	seen := map[int]bool{}
	for key, trig := range natural {
		n := key % 1e9
		t.Run(fmt.Sprintf("AADSTS%d produced by the fake (%d)", n, key/1e9), func(t *testing.T) {
			t.Parallel()
			srv := graphauthtest.NewServer(nil)
			defer srv.Close()
			d := verify.Diagnose(trig(t, srv))
			assert.Equal(t, fmt.Sprintf("AADSTS%d", n), d.Code, d.Detail)
			assert.NotEmpty(t, d.Summary)
			assert.NotEmpty(t, d.Action)
		})
		seen[n] = true
	}
	for _, n := range verify.CatalogCodes() {
		if seen[n] {
			continue
		}
		seen[n] = true
		t.Run(fmt.Sprintf("AADSTS%d injected at the token endpoint", n), func(t *testing.T) {
			t.Parallel()
			srv := graphauthtest.NewServer(nil)
			defer srv.Close()
			srv.InjectFault(graphauthtest.Fault{Endpoint: graphauthtest.EndpointToken, Status: 400, Error: "invalid_grant", AADSTS: n})
			d := verify.Diagnose(credErr(t, srv, srv.TenantID, srv.ClientID, srv.Secret))
			assert.Equal(t, fmt.Sprintf("AADSTS%d", n), d.Code)
			assert.Equal(t, n, d.AADSTS)
			assert.NotEmpty(t, d.TraceID)
			assert.NotEmpty(t, d.Action)
		})
	}
	assert.GreaterOrEqual(t, len(verify.CatalogCodes()), 30)
	produced := 0
	for _, n := range verify.CatalogCodes() {
		if natural[n] != nil {
			produced++
		}
	}
	t.Logf("%d of %d catalog codes produced by the fake's own rules, the rest injected", produced, len(verify.CatalogCodes()))
}

func TestDiagnoseOtherFailures(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	srv.InjectFault(graphauthtest.Fault{Endpoint: graphauthtest.EndpointToken, Status: 429, RetryAfter: "30"})
	d := verify.Diagnose(credErr(t, srv, srv.TenantID, srv.ClientID, srv.Secret))
	assert.Equal(t, "AADSTS90055", d.Code, "the fake's throttling names the tenant throttling code")
	assert.True(t, d.Retryable)

	srv.InjectFault(graphauthtest.Fault{Endpoint: graphauthtest.EndpointToken, Status: 502, Body: graphauthtest.BodyHTML})
	d = verify.Diagnose(credErr(t, srv, srv.TenantID, srv.ClientID, srv.Secret))
	assert.Equal(t, "UnexpectedResponse", d.Code)

	_, err := graphauth.NewClientSecretCredential(srv.TenantID, "not-a-guid", "x~y", nil)
	d = verify.Diagnose(err)
	assert.Equal(t, "Configuration", d.Code)
	assert.Contains(t, d.Summary, "ClientID")

	cred, _ := graphauth.NewClientSecretCredential(srv.TenantID, srv.ClientID, graphauth.Secret(srv.Secret), opts(srv))
	_, err = cred.Token(context.Background(), graphauth.TokenRequest{TenantID: "99999999-9999-9999-9999-999999999999"})
	assert.Equal(t, "TenantNotAllowed", verify.Diagnose(err).Code)

	ctx, cancel := context.WithTimeout(context.Background(), time.Millisecond)
	defer cancel()
	time.Sleep(2 * time.Millisecond)
	other, _ := graphauth.NewClientSecretCredential(srv.TenantID, srv.ClientID, graphauth.Secret(srv.Secret), opts(srv))
	_, err = other.Token(ctx, graphauth.TokenRequest{})
	assert.Equal(t, "Timeout", verify.Diagnose(err).Code)

	unreachable, _ := graphauth.NewClientSecretCredential(srv.TenantID, srv.ClientID, graphauth.Secret(srv.Secret),
		&graphauth.Options{AuthorityHost: "https://127.0.0.1:1", HTTPClient: srv.Client()})
	_, err = unreachable.Token(context.Background(), graphauth.TokenRequest{})
	assert.Equal(t, "Network", verify.Diagnose(err).Code)

	assert.Equal(t, verify.Diagnosis{}, verify.Diagnose(nil))
	assert.Equal(t, "Unknown", verify.Diagnose(errors.New("boom")).Code)
}

func TestDiagnoseGraphFailures(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	cred, err := graphauth.NewClientSecretCredential(srv.TenantID, srv.ClientID, graphauth.Secret(srv.Secret), opts(srv))
	require.NoError(t, err)
	client, err := registration.NewClient(cred, &registration.ClientOptions{GraphEndpoint: srv.URL, HTTPClient: srv.Client(),
		Retry: graphauth.RetryOptions{MaxRetries: -1}})
	require.NoError(t, err)
	ctx := context.Background()
	var body map[string]any
	cases := []struct {
		fault     graphauthtest.Fault
		code      string
		retryable bool
	}{
		{graphauthtest.Fault{Endpoint: graphauthtest.EndpointGraph, Status: 429, RetryAfter: "5"}, "Throttled", true},
		{graphauthtest.Fault{Endpoint: graphauthtest.EndpointGraph, Status: 503}, "ServiceUnavailable", true},
		{graphauthtest.Fault{Endpoint: graphauthtest.EndpointGraph, Status: 401}, "HTTP401", false},
	}
	for _, c := range cases {
		srv.InjectFault(c.fault)
		d := verify.Diagnose(client.Get(ctx, "/organization", &body))
		assert.Equal(t, c.code, d.Code)
		assert.Equal(t, c.retryable, d.Retryable)
		assert.NotEmpty(t, d.Action)
	}
	d := verify.Diagnose(client.Get(ctx, "/applications(appId='"+srv.ClientID+"')", &body, "Application.Read.All"))
	assert.Equal(t, "HTTP403", d.Code)
	assert.Equal(t, []string{"Application.Read.All"}, d.Missing)
	d = verify.Diagnose(client.Get(ctx, "/servicePrincipals(appId='11111111-1111-1111-1111-111111111111')", &body))
	assert.Equal(t, "HTTP403", d.Code, "reading service principals needs Application.Read.All too")
}
