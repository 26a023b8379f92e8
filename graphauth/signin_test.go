package graphauth_test

import (
	"context"
	"crypto/x509"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/entrakit/entrakit/graphauth"
	"github.com/entrakit/entrakit/graphauth/graphauthtest"
)

const callbackURI = "http://localhost/callback"

func signIn(t *testing.T, srv *graphauthtest.Server, tenant string, auth graphauth.ClientAuth, mutate func(*graphauth.SignInOptions)) *graphauth.SignIn {
	t.Helper()
	o := &graphauth.SignInOptions{Options: *fakeOpts(srv), RedirectURI: callbackURI}
	if mutate != nil {
		mutate(o)
	}
	s, err := graphauth.NewSignIn(tenant, srv.ClientID, auth, o)
	require.NoError(t, err)
	return s
}

// browse plays the browser: it follows the authorize URL to the redirect
// back to the app and returns the callback's query.
func browse(t *testing.T, srv *graphauthtest.Server, authURL string) url.Values {
	t.Helper()
	resp, err := srv.Client().Get(authURL)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	require.Equal(t, http.StatusFound, resp.StatusCode, string(body))
	loc, err := url.Parse(resp.Header.Get("Location"))
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(loc.String(), callbackURI), loc.String())
	return loc.Query()
}

func TestSignInWithPKCEThenTokensWithoutAPrompt(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	for name, auth := range map[string]graphauth.ClientAuth{
		"secret":      {Secret: graphauth.Secret(srv.Secret)},
		"certificate": {Chain: []*x509.Certificate{srv.ClientCertificate}, Key: srv.ClientKey},
	} {
		t.Run(name, func(t *testing.T) {
			s := signIn(t, srv, srv.TenantID, auth, nil)
			authURL, pending, err := s.AuthCodeURL(graphauth.AuthRequest{LoginHint: "adele@contoso.onmicrosoft.com"})
			require.NoError(t, err)
			u, _ := url.Parse(authURL)
			q := u.Query()
			assert.Equal(t, "S256", q.Get("code_challenge_method"))
			assert.Equal(t, pending.State, q.Get("state"))
			assert.Equal(t, pending.Nonce, q.Get("nonce"))
			assert.NotContains(t, authURL, pending.Verifier, "the verifier never leaves the app")

			user, err := s.Complete(context.Background(), pending, browse(t, srv, authURL))
			require.NoError(t, err)
			assert.Equal(t, "adele@contoso.onmicrosoft.com", user.Username)
			assert.Equal(t, srv.TenantID, user.TenantID)
			assert.NotEmpty(t, user.AccountID)
			assert.NotEmpty(t, user.Token.AccessToken)

			tok, err := s.Token(context.Background(), user.AccountID, nil)
			require.NoError(t, err)
			assert.NotEmpty(t, tok.AccessToken)

			require.NoError(t, s.SignOut(context.Background(), user.AccountID))
			_, err = s.Token(context.Background(), user.AccountID, nil)
			assert.ErrorIs(t, err, graphauth.ErrNoAccount)
		})
	}
}

func TestPublicClientOnALoopbackPort(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	pub := srv.AddApp(graphauthtest.App{PublicClient: true, RedirectURIs: []string{"http://localhost"}})
	o := &graphauth.SignInOptions{Options: *fakeOpts(srv), RedirectURI: "http://localhost:8400/"}
	s, err := graphauth.NewSignIn(srv.TenantID, pub.ClientID, graphauth.ClientAuth{}, o)
	require.NoError(t, err)
	authURL, pending, err := s.AuthCodeURL(graphauth.AuthRequest{})
	require.NoError(t, err)
	resp, err := srv.Client().Get(authURL)
	require.NoError(t, err)
	resp.Body.Close()
	loc, _ := url.Parse(resp.Header.Get("Location"))
	user, err := s.Complete(context.Background(), pending, loc.Query())
	require.NoError(t, err)
	assert.Equal(t, "admin@contoso.onmicrosoft.com", user.Username)
}

func TestIncrementalConsent(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	s := signIn(t, srv, srv.TenantID, graphauth.ClientAuth{Secret: graphauth.Secret(srv.Secret)}, nil)
	authURL, pending, _ := s.AuthCodeURL(graphauth.AuthRequest{LoginHint: "adele@contoso.onmicrosoft.com"})
	user, err := s.Complete(context.Background(), pending, browse(t, srv, authURL))
	require.NoError(t, err)

	_, err = s.Token(context.Background(), user.AccountID, []string{"Mail.Send"})
	var ae *graphauth.AuthError
	require.ErrorAs(t, err, &ae, "Mail.Send was never consented")
	assert.True(t, ae.HasCode(65001))

	authURL, pending, _ = s.AuthCodeURL(graphauth.AuthRequest{Scopes: []string{"Mail.Send"}, Prompt: "consent", LoginHint: "adele@contoso.onmicrosoft.com"})
	user, err = s.Complete(context.Background(), pending, browse(t, srv, authURL))
	require.NoError(t, err)
	tok, err := s.Token(context.Background(), user.AccountID, []string{"Mail.Send"})
	require.NoError(t, err)
	assert.NotEmpty(t, tok.AccessToken)
}

func TestCompleteRefusesBadCallbacks(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	s := signIn(t, srv, srv.TenantID, graphauth.ClientAuth{Secret: graphauth.Secret(srv.Secret)}, nil)
	ctx := context.Background()
	start := func(req graphauth.AuthRequest) (string, graphauth.Pending) {
		u, p, err := s.AuthCodeURL(req)
		require.NoError(t, err)
		return u, p
	}

	t.Run("a forged state", func(t *testing.T) {
		u, p := start(graphauth.AuthRequest{})
		q := browse(t, srv, u)
		q.Set("state", "forged")
		_, err := s.Complete(ctx, p, q)
		assert.ErrorIs(t, err, graphauth.ErrStateMismatch)
	})
	t.Run("another sign-in's callback", func(t *testing.T) {
		u, _ := start(graphauth.AuthRequest{})
		_, other := start(graphauth.AuthRequest{})
		_, err := s.Complete(ctx, other, browse(t, srv, u))
		assert.ErrorIs(t, err, graphauth.ErrStateMismatch)
	})
	t.Run("a code redeemed twice", func(t *testing.T) {
		u, p := start(graphauth.AuthRequest{})
		q := browse(t, srv, u)
		_, err := s.Complete(ctx, p, q)
		require.NoError(t, err)
		_, err = s.Complete(ctx, p, q)
		var ae *graphauth.AuthError
		require.ErrorAs(t, err, &ae)
		assert.True(t, ae.HasCode(54005))
	})
	t.Run("an expired code", func(t *testing.T) {
		u, p := start(graphauth.AuthRequest{})
		q := browse(t, srv, u)
		srv.Advance(11 * time.Minute)
		_, err := s.Complete(ctx, p, q)
		var ae *graphauth.AuthError
		require.ErrorAs(t, err, &ae)
		assert.True(t, ae.HasCode(70008))
	})
	t.Run("a wrong verifier", func(t *testing.T) {
		u, p := start(graphauth.AuthRequest{})
		q := browse(t, srv, u)
		p.Verifier = strings.Repeat("v", 43)
		_, err := s.Complete(ctx, p, q)
		var ae *graphauth.AuthError
		require.ErrorAs(t, err, &ae)
		assert.True(t, ae.HasCode(501481))
	})
	t.Run("a missing code", func(t *testing.T) {
		_, p := start(graphauth.AuthRequest{})
		_, err := s.Complete(ctx, p, url.Values{"state": {p.State}})
		assert.ErrorIs(t, err, graphauth.ErrMissingCode)
	})
	t.Run("a sign-in that took too long", func(t *testing.T) {
		_, p := start(graphauth.AuthRequest{})
		p.Created = p.Created.Add(-time.Hour)
		_, err := s.Complete(ctx, p, url.Values{"state": {p.State}, "code": {"x"}})
		assert.ErrorIs(t, err, graphauth.ErrLoginExpired)
	})
	errorRedirects := []struct {
		name   string
		req    graphauth.AuthRequest
		code   string
		aadsts int
	}{
		{"consent_required", graphauth.AuthRequest{Prompt: "none", Scopes: []string{"Mail.Read"}, LoginHint: "adele@contoso.onmicrosoft.com"}, "consent_required", 65001},
		{"access_denied for a non-administrator", graphauth.AuthRequest{Scopes: []string{"User.Read.All"}, LoginHint: "adele@contoso.onmicrosoft.com"}, "access_denied", 90094},
	}
	for _, c := range errorRedirects {
		t.Run(c.name, func(t *testing.T) {
			u, p := start(c.req)
			_, err := s.Complete(ctx, p, browse(t, srv, u))
			var ae *graphauth.AuthError
			require.ErrorAs(t, err, &ae)
			assert.Equal(t, c.code, ae.Code)
			assert.True(t, ae.HasCode(c.aadsts), ae.AADSTS)
			assert.NotEmpty(t, ae.TraceID)
		})
	}
}

func TestSignInMultiTenantAllowList(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(&graphauthtest.Options{
		Tenants: []graphauthtest.Tenant{
			{DisplayName: "Vendor", Users: []graphauthtest.User{{UPN: "dev@vendor.onmicrosoft.com"}}},
			{DisplayName: "Allowed", Users: []graphauthtest.User{{UPN: "a@allowed.onmicrosoft.com", Admin: true}}},
			{DisplayName: "Other", Users: []graphauthtest.User{{UPN: "o@other.onmicrosoft.com", Admin: true}}},
		},
		Apps: []graphauthtest.App{{MultiTenant: true, Secrets: []graphauthtest.Secret{{}}, RedirectURIs: []string{callbackURI}, RequiredScopes: []string{"User.Read"}}},
	})
	defer srv.Close()
	app, _ := srv.App(srv.ClientID)
	allowedTenant := ""
	for _, r := range []string{"allowed.onmicrosoft.com"} {
		s := signIn(t, srv, "organizations", graphauth.ClientAuth{Secret: graphauth.Secret(app.Secrets[0].Value)}, nil)
		u, p, _ := s.AuthCodeURL(graphauth.AuthRequest{LoginHint: "a@" + r})
		_, err := s.Complete(context.Background(), p, browse(t, srv, u))
		var ie *graphauth.IDTokenError
		require.ErrorAs(t, err, &ie, "no tenant is allowed yet")
		assert.Contains(t, ie.Reason, "may not sign in")
		_ = allowedTenant
	}
	open := signIn(t, srv, "organizations", graphauth.ClientAuth{Secret: graphauth.Secret(app.Secrets[0].Value)}, func(o *graphauth.SignInOptions) {
		o.AllowedTenants = []string{"*"}
	})
	u, p, _ := open.AuthCodeURL(graphauth.AuthRequest{LoginHint: "o@other.onmicrosoft.com"})
	user, err := open.Complete(context.Background(), p, browse(t, srv, u))
	require.NoError(t, err)
	assert.Equal(t, "o@other.onmicrosoft.com", user.Username)
	assert.NotEqual(t, srv.TenantID, user.TenantID)
}

func TestNewSignInRefusesInsecureRedirects(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	for _, uri := range []string{"", "http://app.example.com/cb", "/cb"} {
		_, err := graphauth.NewSignIn(srv.TenantID, srv.ClientID, graphauth.ClientAuth{}, &graphauth.SignInOptions{RedirectURI: uri})
		var ce *graphauth.ConfigError
		assert.True(t, errors.As(err, &ce), uri)
	}
	_, err := graphauth.NewSignIn(srv.TenantID, srv.ClientID, graphauth.ClientAuth{Secret: "a~b", Key: srv.ClientKey},
		&graphauth.SignInOptions{RedirectURI: callbackURI})
	assert.Error(t, err)
}

func TestARedirectURIMismatchAtRedemption(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	auth := graphauth.ClientAuth{Secret: graphauth.Secret(srv.Secret)}
	a := signIn(t, srv, srv.TenantID, auth, nil)
	b := signIn(t, srv, srv.TenantID, auth, func(o *graphauth.SignInOptions) { o.RedirectURI = "https://localhost/callback" })
	u, p, err := a.AuthCodeURL(graphauth.AuthRequest{})
	require.NoError(t, err)
	_, err = b.Complete(context.Background(), p, browse(t, srv, u))
	var ae *graphauth.AuthError
	require.ErrorAs(t, err, &ae)
	assert.True(t, ae.HasCode(50011), ae.AADSTS)
}

func TestACodeIsNeverRedeemedTwice(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	s := signIn(t, srv, srv.TenantID, graphauth.ClientAuth{Secret: graphauth.Secret(srv.Secret)}, nil)
	u, p, _ := s.AuthCodeURL(graphauth.AuthRequest{})
	q := browse(t, srv, u)
	srv.ResetLog()
	srv.InjectFault(graphauthtest.Fault{Endpoint: graphauthtest.EndpointToken, Status: 503})
	_, err := s.Complete(context.Background(), p, q)
	var ae *graphauth.AuthError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, 503, ae.StatusCode)
	assert.Equal(t, 1, srv.Count(graphauthtest.EndpointToken), "a 503 on redemption is not retried: the code may have been spent")
}

func TestCompleteRefusesAnIncompletePendingWithoutSendingAnything(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	s := signIn(t, srv, srv.TenantID, graphauth.ClientAuth{Secret: graphauth.Secret(srv.Secret)}, nil)
	cases := []struct {
		name string
		edit func(*graphauth.Pending)
	}{
		{"no PKCE verifier", func(p *graphauth.Pending) { p.Verifier = "" }},
		{"no nonce", func(p *graphauth.Pending) { p.Nonce = "" }},
		{"a verifier shorter than RFC 7636's 43 characters", func(p *graphauth.Pending) { p.Verifier = strings.Repeat("v", 42) }},
		{"a verifier longer than RFC 7636's 128 characters", func(p *graphauth.Pending) { p.Verifier = strings.Repeat("v", 129) }},
		{"a verifier with a character RFC 7636 does not allow", func(p *graphauth.Pending) { p.Verifier = strings.Repeat("v", 42) + "/" }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			u, p, err := s.AuthCodeURL(graphauth.AuthRequest{})
			require.NoError(t, err)
			q := browse(t, srv, u)
			incomplete := p
			c.edit(&incomplete)
			srv.ResetLog()
			_, err = s.Complete(context.Background(), incomplete, q)
			assert.ErrorIs(t, err, graphauth.ErrIncompletePending)
			assert.Equal(t, 0, srv.Count(""), "nothing was sent")
			_, err = s.Complete(context.Background(), p, q)
			assert.NoError(t, err, "the code was not spent")
		})
	}
}
