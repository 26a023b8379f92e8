package graphauthtest_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/confidential"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/entrakit/entrakit/graphauth/graphauthtest"
)

const (
	callback = "http://localhost/callback"
	verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXkdBjftJeZ4CVP"
)

func challengeOf(v string) string {
	sum := sha256.Sum256([]byte(v))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

func authorizeParams(srv *graphauthtest.Server, scope string) url.Values {
	return url.Values{
		"client_id":             {srv.ClientID},
		"response_type":         {"code"},
		"redirect_uri":          {callback},
		"scope":                 {scope},
		"state":                 {"st-123"},
		"nonce":                 {"n-456"},
		"code_challenge":        {challengeOf(verifier)},
		"code_challenge_method": {"S256"},
	}
}

// authorize follows /authorize (or another endpoint) to the redirect back to
// the app and returns its query, or the platform's error page.
func authorize(t *testing.T, srv *graphauthtest.Server, path string, q url.Values) (url.Values, *http.Response, string) {
	t.Helper()
	resp, err := srv.Client().Get(srv.URL + path + "?" + q.Encode())
	require.NoError(t, err)
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusFound {
		return nil, resp, string(body)
	}
	loc, err := url.Parse(resp.Header.Get("Location"))
	require.NoError(t, err)
	return loc.Query(), resp, ""
}

func codeForm(srv *graphauthtest.Server, code string) url.Values {
	return url.Values{
		"grant_type": {"authorization_code"}, "client_id": {srv.ClientID}, "client_secret": {srv.Secret},
		"code": {code}, "redirect_uri": {callback}, "code_verifier": {verifier}, "client_info": {"1"},
		"scope": {"openid profile offline_access https://graph.microsoft.com/User.Read"},
	}
}

func TestAuthorizationCodeWithPKCEAndRefresh(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	base := "/" + srv.TenantID
	q, resp, page := authorize(t, srv, base+"/oauth2/v2.0/authorize", func() url.Values {
		p := authorizeParams(srv, "openid profile offline_access User.Read")
		p.Set("login_hint", "adele@contoso.onmicrosoft.com")
		return p
	}())
	require.NotNil(t, q, "status %d: %s", resp.StatusCode, page)
	assert.Equal(t, "st-123", q.Get("state"))
	require.NotEmpty(t, q.Get("code"))

	r := postForm(t, srv, base+"/oauth2/v2.0/token", codeForm(srv, q.Get("code")))
	require.Equal(t, 200, r.Status, r.ErrorDescription)
	access := verifyWithJWKS(t, srv, r.AccessToken)
	assert.Equal(t, "User.Read", access["scp"])
	assert.Equal(t, "adele@contoso.onmicrosoft.com", access["upn"])
	id := verifyWithJWKS(t, srv, r.IDToken)
	assert.Equal(t, "n-456", id["nonce"])
	assert.Equal(t, srv.ClientID, id["aud"])
	assert.Equal(t, srv.URL+"/"+srv.TenantID+"/v2.0", id["iss"])
	assert.Equal(t, "User.Read profile openid", r.Scope, "Graph's scopes by short name, then the OpenID Connect ones, as the platform writes them")
	require.NotEmpty(t, r.RefreshToken)

	again := postForm(t, srv, base+"/oauth2/v2.0/token", codeForm(srv, q.Get("code")))
	assert.Equal(t, []int{54005}, again.ErrorCodes, "a code is redeemed once")

	refreshed := postForm(t, srv, base+"/oauth2/v2.0/token", url.Values{
		"grant_type": {"refresh_token"}, "client_id": {srv.ClientID}, "client_secret": {srv.Secret},
		"refresh_token": {r.RefreshToken}, "scope": {"https://graph.microsoft.com/User.Read offline_access"},
	})
	require.Equal(t, 200, refreshed.Status, refreshed.ErrorDescription)
	assert.NotEqual(t, r.RefreshToken, refreshed.RefreshToken, "a new refresh token comes with each refresh")

	srv.RevokeRefreshTokens("adele@contoso.onmicrosoft.com")
	revoked := postForm(t, srv, base+"/oauth2/v2.0/token", url.Values{
		"grant_type": {"refresh_token"}, "client_id": {srv.ClientID}, "client_secret": {srv.Secret}, "refresh_token": {refreshed.RefreshToken},
	})
	assert.Equal(t, "invalid_grant", revoked.Error)
	assert.Equal(t, []int{50173}, revoked.ErrorCodes)
}

func TestAuthorizationCodeRefusals(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	base := "/" + srv.TenantID
	code := func() string {
		q, resp, page := authorize(t, srv, base+"/oauth2/v2.0/authorize", authorizeParams(srv, "openid offline_access User.Read"))
		require.NotNil(t, q, "status %d: %s", resp.StatusCode, page)
		return q.Get("code")
	}
	cases := []struct {
		name   string
		mutate func(url.Values)
		before func()
		aadsts int
		code   string
	}{
		{"a wrong PKCE verifier is refused with AADSTS501481", func(f url.Values) { f.Set("code_verifier", strings.Repeat("x", 43)) }, nil, 501481, "invalid_grant"},
		{"a missing PKCE verifier is refused with AADSTS50148", func(f url.Values) { f.Del("code_verifier") }, nil, 50148, "invalid_grant"},
		{"another redirect URI is refused with AADSTS50011", func(f url.Values) { f.Set("redirect_uri", "https://localhost/callback") }, nil, 50011, "invalid_grant"},
		{"an expired code is refused with AADSTS70008", func(url.Values) {}, func() { srv.Advance(11 * time.Minute) }, 70008, "invalid_grant"},
		{"an unknown code is refused with AADSTS9002313", func(f url.Values) { f.Set("code", "forged") }, nil, 9002313, "invalid_grant"},
		{"a confidential client without a credential is refused with AADSTS7000218", func(f url.Values) { f.Del("client_secret") }, nil, 7000218, "invalid_client"},
		{"a code redeemed on another tenant path is refused with AADSTS700005", nil, nil, 700005, "invalid_grant"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := codeForm(srv, code())
			if c.before != nil {
				c.before()
			}
			path := base + "/oauth2/v2.0/token"
			if c.mutate == nil {
				path = "/contoso.onmicrosoft.com/oauth2/v2.0/token"
				f.Set("client_id", srv.ClientID)          // same app, other spelling of the tenant is fine...
				path = "/organizations/oauth2/v2.0/token" // ...but another path is not
			} else {
				c.mutate(f)
			}
			r := postForm(t, srv, path, f)
			assert.Equal(t, c.code, r.Error)
			assert.Equal(t, []int{c.aadsts}, r.ErrorCodes, r.ErrorDescription)
		})
	}
}

func TestAuthorizeErrors(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	authz := "/" + srv.TenantID + "/oauth2/v2.0/authorize"

	t.Run("a redirect URI that is not registered is shown on the platform's page with AADSTS50011", func(t *testing.T) {
		p := authorizeParams(srv, "User.Read")
		p.Set("redirect_uri", "https://evil.example/cb")
		q, resp, page := authorize(t, srv, authz, p)
		assert.Nil(t, q)
		assert.Equal(t, 400, resp.StatusCode)
		assert.Contains(t, page, "AADSTS50011")
	})
	t.Run("an unknown client is shown on the page with AADSTS700016", func(t *testing.T) {
		p := authorizeParams(srv, "User.Read")
		p.Set("client_id", "11111111-1111-1111-1111-111111111111")
		_, _, page := authorize(t, srv, authz, p)
		assert.Contains(t, page, "AADSTS700016")
	})
	t.Run("a single-tenant app on /common is shown on the page with AADSTS50194", func(t *testing.T) {
		_, _, page := authorize(t, srv, "/common/oauth2/v2.0/authorize", authorizeParams(srv, "User.Read"))
		assert.Contains(t, page, "AADSTS50194")
	})
	redirected := []struct {
		name   string
		mutate func(url.Values)
		code   string
		aadsts string
	}{
		{"a scope Graph does not expose comes back as invalid_client AADSTS650053", func(p url.Values) { p.Set("scope", "openid Group.ReadAll") }, "invalid_client", "AADSTS650053"},
		{"a resource the tenant does not know comes back as invalid_resource AADSTS500011", func(p url.Values) { p.Set("scope", "openid https://nowhere.example/read") }, "invalid_resource", "AADSTS500011"},
		{"a missing scope comes back as AADSTS900144", func(p url.Values) { p.Del("scope") }, "invalid_request", "AADSTS900144"},
		{"a short PKCE challenge comes back as AADSTS501491", func(p url.Values) { p.Set("code_challenge", "short") }, "invalid_request", "AADSTS501491"},
		{"prompt=none with nobody signed in comes back as login_required", func(p url.Values) { p.Set("prompt", "none") }, "login_required", "AADSTS50058"},
		{"a non-administrator asking for an admin-only scope comes back as access_denied AADSTS90094", func(p url.Values) {
			p.Set("scope", "openid User.Read.All")
			p.Set("login_hint", "adele@contoso.onmicrosoft.com")
		}, "access_denied", "AADSTS90094"},
		{"prompt=none for a scope not consented comes back as consent_required AADSTS65001", func(p url.Values) {
			p.Set("scope", "openid Mail.Read")
			p.Set("prompt", "none")
			p.Set("login_hint", "adele@contoso.onmicrosoft.com")
		}, "consent_required", "AADSTS65001"},
		{"a response_type without code comes back as unsupported_response_type", func(p url.Values) { p.Set("response_type", "token") }, "unsupported_response_type", "AADSTS700054"},
	}
	for _, c := range redirected {
		t.Run(c.name, func(t *testing.T) {
			p := authorizeParams(srv, "openid User.Read")
			c.mutate(p)
			q, resp, page := authorize(t, srv, authz, p)
			require.NotNil(t, q, "status %d: %s", resp.StatusCode, page)
			assert.Equal(t, c.code, q.Get("error"))
			assert.True(t, strings.HasPrefix(q.Get("error_description"), c.aadsts+":"), q.Get("error_description"))
			assert.Equal(t, "st-123", q.Get("state"))
			assert.Empty(t, q.Get("code"))
		})
	}
}

func TestFormPostResponseMode(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	p := authorizeParams(srv, "openid User.Read")
	p.Set("response_mode", "form_post")
	_, resp, page := authorize(t, srv, "/"+srv.TenantID+"/oauth2/v2.0/authorize", p)
	assert.Equal(t, 200, resp.StatusCode)
	assert.Contains(t, page, `action="http://localhost/callback"`)
	assert.Contains(t, page, `name="code"`)
	assert.Contains(t, page, `name="state" value="st-123"`)
}

func TestPublicClientRedeemsWithoutASecretOnAnyLoopbackPort(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	pub := srv.AddApp(graphauthtest.App{PublicClient: true, RedirectURIs: []string{"http://localhost"}})
	p := authorizeParams(srv, "openid User.Read")
	p.Set("client_id", pub.ClientID)
	p.Set("redirect_uri", "http://localhost:53121")
	q, resp, page := authorize(t, srv, "/"+srv.TenantID+"/oauth2/v2.0/authorize", p)
	require.NotNil(t, q, "status %d: %s", resp.StatusCode, page)
	f := url.Values{"grant_type": {"authorization_code"}, "client_id": {pub.ClientID}, "code": {q.Get("code")},
		"redirect_uri": {"http://localhost:53121"}, "code_verifier": {verifier}}
	withSecret := url.Values{}
	for k, v := range f {
		withSecret[k] = v
	}
	withSecret.Set("client_secret", "anything")
	r := postForm(t, srv, "/"+srv.TenantID+"/oauth2/v2.0/token", withSecret)
	assert.Equal(t, []int{700025}, r.ErrorCodes, "a public client may not send a secret")
	r = postForm(t, srv, "/"+srv.TenantID+"/oauth2/v2.0/token", f)
	assert.Equal(t, 200, r.Status, r.ErrorDescription)
}

// MSAL Go's confidential client completes the code flow against the fake and
// then refreshes silently once the access token has expired.
func TestMSALAuthCodeAndSilentRefresh(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	cred, err := confidential.NewCredFromSecret(srv.Secret)
	require.NoError(t, err)
	app := msalClient(t, srv, cred)
	ctx := context.Background()
	scopes := []string{"User.Read"} // MSAL refuses an answer that lacks a scope asked as written
	authURL, err := app.AuthCodeURL(ctx, srv.ClientID, callback, scopes)
	require.NoError(t, err)
	u, err := url.Parse(authURL)
	require.NoError(t, err)
	q := u.Query()
	q.Set("state", "st-123")
	back, resp, page := authorize(t, srv, u.Path, q)
	require.NotNil(t, back, "status %d: %s", resp.StatusCode, page)
	res, err := app.AcquireTokenByAuthCode(ctx, back.Get("code"), callback, scopes)
	require.NoError(t, err)
	assert.Equal(t, "User.Read", verifyWithJWKS(t, srv, res.AccessToken)["scp"])
	silent, err := app.AcquireTokenSilent(ctx, scopes, confidential.WithSilentAccount(res.Account))
	require.NoError(t, err)
	assert.Equal(t, res.AccessToken, silent.AccessToken, "MSAL answers from its cache")
	assert.Equal(t, "admin@contoso.onmicrosoft.com", res.Account.PreferredUsername, "the first user signs in when none is named")
}

// A user who consents on the authorize page gets the scopes in the code's
// tokens at once, as on the real platform; a later refresh sees the grant
// only once it has propagated.
func TestConsentOnTheAuthorizePageIsInTheCodesTokenAtOnce(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(&graphauthtest.Options{PropagationDelay: time.Hour})
	defer srv.Close()
	base := "/" + srv.TenantID
	params := authorizeParams(srv, "openid offline_access Mail.Read")
	params.Set("login_hint", "adele@contoso.onmicrosoft.com")
	q, resp, page := authorize(t, srv, base+"/oauth2/v2.0/authorize", params)
	require.NotNil(t, q, "status %d: %s", resp.StatusCode, page)
	form := codeForm(srv, q.Get("code"))
	form.Set("scope", "openid offline_access https://graph.microsoft.com/Mail.Read")
	r := postForm(t, srv, base+"/oauth2/v2.0/token", form)
	require.Equal(t, 200, r.Status, r.ErrorDescription)
	assert.Equal(t, "Mail.Read", verifyWithJWKS(t, srv, r.AccessToken)["scp"])

	refreshed := postForm(t, srv, base+"/oauth2/v2.0/token", url.Values{
		"grant_type": {"refresh_token"}, "client_id": {srv.ClientID}, "client_secret": {srv.Secret},
		"refresh_token": {r.RefreshToken}, "scope": {"https://graph.microsoft.com/Mail.Read offline_access"},
	})
	require.Equal(t, 200, refreshed.Status, refreshed.ErrorDescription)
	assert.Equal(t, "", verifyWithJWKS(t, srv, refreshed.AccessToken)["scp"], "the grant has not propagated yet")
}
