package graphauthtest_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/confidential"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/entrakit/entrakit/graphauth/graphauthtest"
)

const armScope = "https://management.core.windows.net//user_impersonation"

// codeFor signs upn in for scope and returns the code.
func codeFor(t *testing.T, srv *graphauthtest.Server, upn, scope string) string {
	t.Helper()
	p := authorizeParams(srv, scope)
	p.Set("login_hint", upn)
	q, resp, page := authorize(t, srv, "/"+srv.TenantID+"/oauth2/v2.0/authorize", p)
	require.NotNil(t, q, "status %d: %s", resp.StatusCode, page)
	require.NotEmpty(t, q.Get("code"), q.Get("error_description"))
	return q.Get("code")
}

func refreshForm(srv *graphauthtest.Server, rt, scope string) url.Values {
	return url.Values{"grant_type": {"refresh_token"}, "client_id": {srv.ClientID}, "client_secret": {srv.Secret},
		"refresh_token": {rt}, "scope": {scope}}
}

// Token responses name scopes as the platform writes them: Graph's by
// short name followed by the OpenID Connect scopes (never offline_access),
// another resource's in full without them, .default as asked; app-only
// responses carry no scope at all.
func TestTokenResponsesNameScopesAsThePlatformDoes(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	tokenPath := "/" + srv.TenantID + "/oauth2/v2.0/token"
	code := codeFor(t, srv, "admin@contoso.onmicrosoft.com", "openid profile offline_access User.Read "+armScope)

	form := codeForm(srv, code)
	form.Set("scope", "User.Read openid offline_access profile")
	r := postForm(t, srv, tokenPath, form)
	require.Equal(t, 200, r.Status, r.ErrorDescription)
	assert.Equal(t, "User.Read profile openid", r.Scope)
	access := verifyWithJWKS(t, srv, r.AccessToken)
	assert.Equal(t, "https://graph.microsoft.com", access["aud"])
	assert.Equal(t, "User.Read", access["scp"])
	require.NotEmpty(t, r.RefreshToken)

	arm := postForm(t, srv, tokenPath, refreshForm(srv, r.RefreshToken, armScope+" openid offline_access profile"))
	require.Equal(t, 200, arm.Status, arm.ErrorDescription)
	assert.Equal(t, armScope, arm.Scope, "another resource's scopes in full, without OpenID Connect scopes")
	c := verifyWithJWKS(t, srv, arm.AccessToken)
	assert.Equal(t, "https://management.core.windows.net/", c["aud"])
	assert.Equal(t, "user_impersonation", c["scp"])
	assert.NotEmpty(t, arm.RefreshToken, "a new refresh token with offline_access")

	dflt := postForm(t, srv, tokenPath, refreshForm(srv, arm.RefreshToken, "https://management.core.windows.net//.default"))
	require.Equal(t, 200, dflt.Status, dflt.ErrorDescription)
	assert.Equal(t, armScope+" https://management.core.windows.net//.default", dflt.Scope, "as in a recorded ARM response")

	graphDefault := postForm(t, srv, tokenPath, refreshForm(srv, r.RefreshToken, "https://graph.microsoft.com/.default openid profile"))
	require.Equal(t, 200, graphDefault.Status, graphDefault.ErrorDescription)
	assert.Equal(t, "User.Read profile openid https://graph.microsoft.com/.default", graphDefault.Scope)

	app := postForm(t, srv, tokenPath, secretForm(srv))
	require.Equal(t, 200, app.Status, app.ErrorDescription)
	assert.Empty(t, app.Scope, "client credentials responses name no scope")
}

func TestTokenRequestScopeRefusals(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	tokenPath := "/" + srv.TenantID + "/oauth2/v2.0/token"
	r := postForm(t, srv, tokenPath, codeForm(srv, codeFor(t, srv, "adele@contoso.onmicrosoft.com", "openid offline_access User.Read")))
	require.Equal(t, 200, r.Status, r.ErrorDescription)
	for _, c := range []struct {
		name, scope, oauth string
		aadsts             int
	}{
		{"scopes of two resources are AADSTS28000", "User.Read " + armScope + " openid", "invalid_scope", 28000},
		{"a scope the resource does not expose is AADSTS650053", "https://graph.microsoft.com/User.Reed", "invalid_client", 650053},
		{"a resource nobody knows is AADSTS500011", "https://nowhere.example/read", "invalid_resource", 500011},
		{"a scope nobody consented to is AADSTS65001", armScope, "invalid_grant", 65001},
		{"another resource's .default with nothing consented is AADSTS65001", "https://manage.office.com/.default", "invalid_grant", 65001},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := postForm(t, srv, tokenPath, refreshForm(srv, r.RefreshToken, c.scope))
			assert.Equal(t, 400, got.Status)
			assert.Equal(t, c.oauth, got.Error)
			assert.Equal(t, []int{c.aadsts}, got.ErrorCodes, got.ErrorDescription)
		})
	}
	t.Run("two resources in a code redemption are AADSTS28000 too", func(t *testing.T) {
		form := codeForm(srv, codeFor(t, srv, "admin@contoso.onmicrosoft.com", "openid User.Read "+armScope))
		form.Set("scope", "User.Read "+armScope)
		got := postForm(t, srv, tokenPath, form)
		assert.Equal(t, []int{28000}, got.ErrorCodes, got.ErrorDescription)
		assert.Contains(t, got.ErrorDescription, "more than one resource")
	})
}

// A tenant without Azure has no Service Management service principal:
// consent to its scope fails with AADSTS650052 until one is created.
func TestConsentToAResourceTheTenantLacks(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	fabrikam := srv.AddTenant(graphauthtest.Tenant{DisplayName: "Fabrikam", Users: []graphauthtest.User{{UPN: "it@fabrikam.onmicrosoft.com", Admin: true}}})
	a := srv.AddApp(graphauthtest.App{MultiTenant: true, Secrets: []graphauthtest.Secret{{}}, RedirectURIs: []string{callback}})
	p := authorizeParams(srv, "openid User.Read "+armScope)
	p.Set("client_id", a.ClientID)
	p.Set("login_hint", "it@fabrikam.onmicrosoft.com")
	q, resp, page := authorize(t, srv, "/organizations/oauth2/v2.0/authorize", p)
	require.NotNil(t, q, "status %d: %s", resp.StatusCode, page)
	assert.Equal(t, "invalid_resource", q.Get("error"))
	assert.True(t, strings.HasPrefix(q.Get("error_description"), "AADSTS650052:"), q.Get("error_description"))
	assert.Contains(t, q.Get("error_description"), graphauthtest.AzureServiceManagementAppID)

	srv.AddServicePrincipal(fabrikam.ID, graphauthtest.AzureServiceManagementAppID)
	q, _, _ = authorize(t, srv, "/organizations/oauth2/v2.0/authorize", p)
	require.NotNil(t, q)
	assert.NotEmpty(t, q.Get("code"), q.Get("error_description"))
}

// MSAL Go, a real client: the code for Graph, then an ARM token silently
// from the refresh token, then the ARM token again from MSAL's cache.
func TestMSALGetsTokensOfSeveralResources(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	cred, err := confidential.NewCredFromSecret(srv.Secret)
	require.NoError(t, err)
	app := msalClient(t, srv, cred)
	ctx := context.Background()
	authURL, err := app.AuthCodeURL(ctx, srv.ClientID, callback, []string{"User.Read", armScope})
	require.NoError(t, err)
	u, err := url.Parse(authURL)
	require.NoError(t, err)
	back, resp, page := authorize(t, srv, u.Path, u.Query())
	require.NotNil(t, back, "status %d: %s", resp.StatusCode, page)
	res, err := app.AcquireTokenByAuthCode(ctx, back.Get("code"), callback, []string{"User.Read"})
	require.NoError(t, err)
	assert.Equal(t, "https://graph.microsoft.com", verifyWithJWKS(t, srv, res.AccessToken)["aud"])

	arm, err := app.AcquireTokenSilent(ctx, []string{armScope}, confidential.WithSilentAccount(res.Account))
	require.NoError(t, err, "the refresh token serves the other resource")
	assert.Equal(t, "https://management.core.windows.net/", verifyWithJWKS(t, srv, arm.AccessToken)["aud"])
	refreshes := 0
	for _, r := range srv.Requests() {
		if r.GrantType == "refresh_token" {
			refreshes++
		}
	}
	again, err := app.AcquireTokenSilent(ctx, []string{armScope}, confidential.WithSilentAccount(res.Account))
	require.NoError(t, err)
	assert.Equal(t, arm.AccessToken, again.AccessToken, "a cache hit")
	after := 0
	for _, r := range srv.Requests() {
		if r.GrantType == "refresh_token" {
			after++
		}
	}
	assert.Equal(t, refreshes, after, "no request for the cached token")
}

// FuzzScopeParameter sends any scope parameter through the authorize
// endpoint and, when a code comes back, through its redemption and a
// refresh: the answers are redirects, tokens or OAuth errors, never a
// panic or a 5xx.
func FuzzScopeParameter(f *testing.F) {
	srv := graphauthtest.NewUnstartedServer(nil)
	h := srv.Handler()
	for _, s := range []string{"openid offline_access", "User.Read " + armScope, "https://graph.microsoft.com/offline_access",
		"https://manage.office.com/ActivityFeed.Read", "/.default", "https://graph.microsoft.com//", "a/b/c/.default openid", "797f4846-ba00-4fd7-ba43-dac1f8f63013/user_impersonation"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, scope string) {
		p := authorizeParams(srv, scope)
		p.Set("login_hint", "admin@contoso.onmicrosoft.com")
		req := httptest.NewRequest(http.MethodGet, "https://127.0.0.1/"+srv.TenantID+"/oauth2/v2.0/authorize?"+p.Encode(), nil)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		require.Less(t, rec.Code, 500)
		loc, err := url.Parse(rec.Header().Get("Location"))
		if err != nil || loc.Query().Get("code") == "" {
			return
		}
		form := url.Values{"grant_type": {"authorization_code"}, "client_id": {srv.ClientID}, "client_secret": {srv.Secret},
			"code": {loc.Query().Get("code")}, "redirect_uri": {callback}, "code_verifier": {verifier}, "scope": {scope}}
		tok := httptest.NewRecorder()
		treq := httptest.NewRequest(http.MethodPost, "https://127.0.0.1/"+srv.TenantID+"/oauth2/v2.0/token", strings.NewReader(form.Encode()))
		treq.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		h.ServeHTTP(tok, treq)
		assert.Contains(t, []int{200, 400, 401}, tok.Code, tok.Body.String())
	})
}

// GrantScopes takes another resource's scope in full, as an
// administrator's grant through Graph would record it.
func TestGrantScopesOfAnotherResource(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	srv.GrantScopes(srv.TenantID, srv.ClientID, "", "https://manage.office.com/ServiceHealth.Read")
	tokenPath := "/" + srv.TenantID + "/oauth2/v2.0/token"
	r := postForm(t, srv, tokenPath, codeForm(srv, codeFor(t, srv, "adele@contoso.onmicrosoft.com", "openid offline_access User.Read")))
	require.Equal(t, 200, r.Status, r.ErrorDescription)
	got := postForm(t, srv, tokenPath, refreshForm(srv, r.RefreshToken, "https://manage.office.com/ServiceHealth.Read"))
	require.Equal(t, 200, got.Status, got.ErrorDescription)
	assert.Equal(t, "ServiceHealth.Read", verifyWithJWKS(t, srv, got.AccessToken)["scp"])
	assert.Panics(t, func() { srv.GrantScopes(srv.TenantID, srv.ClientID, "", "https://manage.office.com/Nope") })
}

func TestAScopeListJoinedWithCommasIsAADSTS70011(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	q, resp, page := authorize(t, srv, "/"+srv.TenantID+"/oauth2/v2.0/authorize", authorizeParams(srv, "openid User.Read,Mail.Read"))
	require.NotNil(t, q, "status %d: %s", resp.StatusCode, page)
	assert.Equal(t, "invalid_scope", q.Get("error"))
	assert.True(t, strings.HasPrefix(q.Get("error_description"), "AADSTS70011:"), q.Get("error_description"))
}

// Consent accumulates: a token carries every scope consented for its
// resource, also those not asked this time, as the platform's do.
func TestATokenCarriesEveryScopeConsentedForItsResource(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	tokenPath := "/" + srv.TenantID + "/oauth2/v2.0/token"
	first := postForm(t, srv, tokenPath, codeForm(srv, codeFor(t, srv, "adele@contoso.onmicrosoft.com", "openid offline_access User.Read")))
	require.Equal(t, 200, first.Status, first.ErrorDescription)
	assert.Equal(t, "User.Read profile openid", first.Scope)

	form := codeForm(srv, codeFor(t, srv, "adele@contoso.onmicrosoft.com", "openid offline_access Mail.Read"))
	form.Set("scope", "Mail.Read openid offline_access profile")
	second := postForm(t, srv, tokenPath, form)
	require.Equal(t, 200, second.Status, second.ErrorDescription)
	assert.Equal(t, "Mail.Read User.Read profile openid", second.Scope)
	assert.Equal(t, "Mail.Read User.Read", verifyWithJWKS(t, srv, second.AccessToken)["scp"])

	later := postForm(t, srv, tokenPath, refreshForm(srv, first.RefreshToken, "User.Read"))
	require.Equal(t, 200, later.Status, later.ErrorDescription)
	assert.Equal(t, "User.Read Mail.Read", later.Scope, "the first refresh token sees the later consent too")
}

// The MSP tool's onboarding: the customer's administrator consents to
// Graph's declared permissions and to ARM's user_impersonation at once, for
// the whole tenant; a technician's refresh token then gets an ARM token
// without consenting to anything.
func TestAdminConsentToGraphAndARMServesARMTokensSilently(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	p := url.Values{"client_id": {srv.ClientID}, "redirect_uri": {callback}, "state": {"s-1"},
		"scope": {"https://graph.microsoft.com/.default " + armScope}, "login_hint": {"admin@contoso.onmicrosoft.com"}}
	q, resp, page := authorize(t, srv, "/"+srv.TenantID+"/v2.0/adminconsent", p)
	require.NotNil(t, q, "status %d: %s", resp.StatusCode, page)
	require.Equal(t, "True", q.Get("admin_consent"), q.Get("error_description"))
	assert.Contains(t, strings.Fields(q.Get("scope")), armScope)

	tokenPath := "/" + srv.TenantID + "/oauth2/v2.0/token"
	p2 := authorizeParams(srv, "openid offline_access User.Read")
	p2.Set("login_hint", "adele@contoso.onmicrosoft.com")
	p2.Set("prompt", "none") // the administrator consented for everyone: no prompt
	back, _, page := authorize(t, srv, "/"+srv.TenantID+"/oauth2/v2.0/authorize", p2)
	require.NotNil(t, back, page)
	require.NotEmpty(t, back.Get("code"), back.Get("error_description"))
	r := postForm(t, srv, tokenPath, codeForm(srv, back.Get("code")))
	require.Equal(t, 200, r.Status, r.ErrorDescription)
	arm := postForm(t, srv, tokenPath, refreshForm(srv, r.RefreshToken, armScope+" openid offline_access profile"))
	require.Equal(t, 200, arm.Status, arm.ErrorDescription)
	assert.Equal(t, "https://management.core.windows.net/", verifyWithJWKS(t, srv, arm.AccessToken)["aud"])
}

// A raw client that redeems its code naming only the resource's scope, as
// the platform's documentation shows, still gets the ID token and the
// refresh token its sign-in asked for.
func TestARedemptionWithoutOIDCScopesKeepsTheSignInsOnes(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	form := codeForm(srv, codeFor(t, srv, "adele@contoso.onmicrosoft.com", "openid offline_access User.Read"))
	form.Set("scope", "https://graph.microsoft.com/User.Read")
	r := postForm(t, srv, "/"+srv.TenantID+"/oauth2/v2.0/token", form)
	require.Equal(t, 200, r.Status, r.ErrorDescription)
	assert.NotEmpty(t, r.IDToken)
	assert.NotEmpty(t, r.RefreshToken)
	assert.Equal(t, "User.Read openid", r.Scope)
}
