package graphauth_test

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/entrakit/entrakit/graphauth"
	"github.com/entrakit/entrakit/graphauth/graphauthtest"
)

const armScope = "https://management.core.windows.net//user_impersonation"

func claimsOf(t *testing.T, token string) jwt.MapClaims {
	t.Helper()
	claims := jwt.MapClaims{}
	_, _, err := jwt.NewParser().ParseUnverified(token, claims)
	require.NoError(t, err)
	return claims
}

// tokenRequests counts the token endpoint's requests of one grant type.
func tokenRequests(srv *graphauthtest.Server, grant string) int {
	n := 0
	for _, r := range srv.Requests() {
		if r.GrantType == grant {
			n++
		}
	}
	return n
}

// signInAs signs upn in with the sign-in's scopes plus extra and returns
// the user.
func signInAs(t *testing.T, srv *graphauthtest.Server, s *graphauth.SignIn, upn string, extra ...string) *graphauth.User {
	t.Helper()
	u, err := trySignIn(t, srv, s, upn, extra...)
	require.NoError(t, err)
	return u
}

// trySignIn signs upn in and returns what Complete returned.
func trySignIn(t *testing.T, srv *graphauthtest.Server, s *graphauth.SignIn, upn string, extra ...string) (*graphauth.User, error) {
	t.Helper()
	authURL, pending, err := s.AuthCodeURL(graphauth.AuthRequest{LoginHint: upn, Scopes: extra})
	require.NoError(t, err)
	return s.Complete(context.Background(), pending, browse(t, srv, authURL))
}

// The reporting connector's sign-in: offline_access alone. The authorize
// URL names each OpenID Connect scope once and never with Graph's URI, the
// code is redeemed, and the refresh token later serves Graph tokens without
// a prompt, the second from MSAL's cache.
func TestAnOfflineAccessOnlySignInServesGraphTokensLater(t *testing.T) {
	t.Parallel()
	// Tokens of four minutes are stale to MSAL at once (it renews five
	// minutes ahead), so every Token below redeems the refresh token.
	srv := graphauthtest.NewServer(&graphauthtest.Options{TokenLifetime: 4 * time.Minute})
	defer srv.Close()
	srv.GrantScopes(srv.TenantID, srv.ClientID, "", "User.Read") // the administrator's consent to the declared permissions
	s := signIn(t, srv, srv.TenantID, graphauth.ClientAuth{Secret: graphauth.Secret(srv.Secret)}, func(o *graphauth.SignInOptions) {
		o.Scopes = []string{"offline_access"}
	})
	authURL, pending, err := s.AuthCodeURL(graphauth.AuthRequest{LoginHint: "adele@contoso.onmicrosoft.com"})
	require.NoError(t, err)
	u, _ := url.Parse(authURL)
	scope := strings.Fields(u.Query().Get("scope"))
	assert.ElementsMatch(t, []string{"openid", "profile", "offline_access"}, scope, "each OpenID Connect scope once, unprefixed")

	user, err := s.Complete(context.Background(), pending, browse(t, srv, authURL))
	require.NoError(t, err, "the sign-in completes")
	assert.Equal(t, "https://graph.microsoft.com", claimsOf(t, user.Token.AccessToken)["aud"])

	for range 2 {
		refreshes := tokenRequests(srv, "refresh_token")
		tok, err := s.Credential(user.AccountID).Token(context.Background(), graphauth.TokenRequest{})
		require.NoError(t, err)
		assert.Equal(t, refreshes+1, tokenRequests(srv, "refresh_token"), "the refresh token was redeemed")
		c := claimsOf(t, tok.AccessToken)
		assert.Equal(t, "https://graph.microsoft.com", c["aud"])
		assert.Equal(t, "User.Read", c["scp"], "Graph's .default: every Graph permission consented")
	}
}

// The MSP tool's consent: Graph and Azure Service Management at once; the
// code gives a Graph token, the refresh token an ARM token with ARM's
// audience and scope, and the ARM token is cached as MSAL keys it.
func TestScopesOfSeveralResourcesAreConsentedAtOnce(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	s := signIn(t, srv, srv.TenantID, graphauth.ClientAuth{Secret: graphauth.Secret(srv.Secret)}, func(o *graphauth.SignInOptions) {
		o.Scopes = []string{"User.Read", armScope}
	})
	user := signInAs(t, srv, s, "admin@contoso.onmicrosoft.com")
	assert.Equal(t, "https://graph.microsoft.com", claimsOf(t, user.Token.AccessToken)["aud"], "the code is redeemed for the first resource")
	assert.Equal(t, []string{"User.Read", "profile", "openid"}, user.Token.Scopes, "as the platform writes them")

	arm, err := s.Token(context.Background(), user.AccountID, []string{armScope})
	require.NoError(t, err)
	c := claimsOf(t, arm.AccessToken)
	assert.Equal(t, "https://management.core.windows.net/", c["aud"])
	assert.Equal(t, "user_impersonation", c["scp"])
	assert.Equal(t, []string{armScope}, arm.Scopes)
	refreshes := tokenRequests(srv, "refresh_token")
	again, err := s.Token(context.Background(), user.AccountID, []string{armScope})
	require.NoError(t, err)
	assert.Equal(t, arm.AccessToken, again.AccessToken)
	assert.Equal(t, refreshes, tokenRequests(srv, "refresh_token"), "the ARM token comes from the cache")

	graphTok, err := s.Token(context.Background(), user.AccountID, []string{"https://graph.microsoft.com/User.Read"})
	require.NoError(t, err)
	assert.Equal(t, user.Token.AccessToken, graphTok.AccessToken, "Graph's URI form finds the token cached under the short name")
}

// The Office 365 Management APIs' scopes need an administrator, as on the
// real platform; consented, their tokens carry the API's audience.
func TestOffice365ManagementScopes(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	const feed = "https://manage.office.com/ActivityFeed.Read"
	s := signIn(t, srv, srv.TenantID, graphauth.ClientAuth{Secret: graphauth.Secret(srv.Secret)}, func(o *graphauth.SignInOptions) {
		o.Scopes = []string{"User.Read", feed}
	})
	_, err := trySignIn(t, srv, s, "adele@contoso.onmicrosoft.com")
	var ae *graphauth.AuthError
	require.ErrorAs(t, err, &ae)
	assert.True(t, ae.HasCode(90094), "a user may not consent to an admin-only scope: %v", err)
	var se *graphauth.ScopeError
	require.ErrorAs(t, err, &se)
	assert.Equal(t, graphauth.ScopeNeedsAdmin, se.Problem)
	assert.Contains(t, se.Scopes, feed)

	admin := signInAs(t, srv, s, "admin@contoso.onmicrosoft.com")
	tok, err := s.Token(context.Background(), admin.AccountID, []string{feed})
	require.NoError(t, err)
	c := claimsOf(t, tok.AccessToken)
	assert.Equal(t, "https://manage.office.com", c["aud"])
	assert.Equal(t, "ActivityFeed.Read", c["scp"])
}

func TestScopeErrorsSayWhichScopesAndWhatToDo(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	auth := graphauth.ClientAuth{Secret: graphauth.Secret(srv.Secret)}

	t.Run("scopes of two resources in one token request are refused before sending", func(t *testing.T) {
		s := signIn(t, srv, srv.TenantID, auth, nil)
		user := signInAs(t, srv, s, "adele@contoso.onmicrosoft.com")
		before := len(srv.Requests())
		_, err := s.Token(context.Background(), user.AccountID, []string{"User.Read", armScope})
		var se *graphauth.ScopeError
		require.ErrorAs(t, err, &se)
		assert.Equal(t, graphauth.ScopeMultipleResources, se.Problem)
		assert.Equal(t, []string{"User.Read", armScope}, se.Scopes)
		assert.Contains(t, err.Error(), "one token per resource")
		assert.Len(t, srv.Requests(), before, "nothing was sent")
	})
	t.Run("a scope Graph does not expose is unknown (AADSTS650053)", func(t *testing.T) {
		s := signIn(t, srv, srv.TenantID, auth, func(o *graphauth.SignInOptions) { o.Scopes = []string{"User.Reed"} })
		_, err := trySignIn(t, srv, s, "adele@contoso.onmicrosoft.com")
		var se *graphauth.ScopeError
		require.ErrorAs(t, err, &se)
		assert.Equal(t, graphauth.ScopeUnknown, se.Problem)
		assert.Equal(t, []string{"User.Reed"}, se.Scopes)
		var ae *graphauth.AuthError
		require.ErrorAs(t, err, &ae, "the platform's error is kept")
		assert.True(t, ae.HasCode(650053))
		assert.NotContains(t, err.Error(), "proxy")
	})
	t.Run("a declined consent is declined (AADSTS65004)", func(t *testing.T) {
		s := signIn(t, srv, srv.TenantID, auth, func(o *graphauth.SignInOptions) { o.Scopes = []string{"Mail.Read"} })
		_, pending, err := s.AuthCodeURL(graphauth.AuthRequest{})
		require.NoError(t, err)
		_, err = s.Complete(context.Background(), pending, url.Values{"state": {pending.State}, "error": {"access_denied"},
			"error_description": {"AADSTS65004: User declined to consent to access the app.\r\nTrace ID: t\r\nCorrelation ID: c"}})
		var se *graphauth.ScopeError
		require.ErrorAs(t, err, &se)
		assert.Equal(t, graphauth.ScopeDeclined, se.Problem)
		assert.Equal(t, []string{"Mail.Read"}, se.Scopes)
		assert.Contains(t, se.Action(), "accept the permissions")
	})
	t.Run("a silent token for a scope nobody consented to needs a sign-in (AADSTS65001)", func(t *testing.T) {
		s := signIn(t, srv, srv.TenantID, auth, nil)
		user := signInAs(t, srv, s, "adele@contoso.onmicrosoft.com")
		_, err := s.Token(context.Background(), user.AccountID, []string{armScope})
		var se *graphauth.ScopeError
		require.ErrorAs(t, err, &se)
		assert.Equal(t, graphauth.ScopeNotConsented, se.Problem)
		assert.Equal(t, []string{armScope}, se.Scopes)
	})
	t.Run("a resource the tenant does not know is unknown (AADSTS500011)", func(t *testing.T) {
		s := signIn(t, srv, srv.TenantID, auth, func(o *graphauth.SignInOptions) { o.Scopes = []string{"https://nowhere.example/read"} })
		_, err := trySignIn(t, srv, s, "adele@contoso.onmicrosoft.com")
		var se *graphauth.ScopeError
		require.ErrorAs(t, err, &se)
		assert.Equal(t, graphauth.ScopeUnknown, se.Problem)
	})
}

// Tokens MSAL accepted but whose scopes it finds declined (the platform
// granted fewer than asked) are a ScopeError, not an unexpected response.
func TestDeclinedScopesInATokenResponse(t *testing.T) {
	t.Parallel()
	err := errors.New("graphauth: token response failed because declined scopes are present: Mail.Read,Files.Read")
	var se *graphauth.ScopeError
	require.ErrorAs(t, graphauth.ScopeFailureForTest(&graphauth.AuthError{StatusCode: 200, Err: err}, []string{"Mail.Read"}), &se)
	assert.Equal(t, graphauth.ScopeDeclined, se.Problem)
	assert.Equal(t, []string{"Mail.Read", "Files.Read"}, se.Scopes)
}

// A scope that cannot go into a scope parameter is refused where it is
// given, before anything is sent.
func TestMalformedScopesAreConfigErrors(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	auth := graphauth.ClientAuth{Secret: graphauth.Secret(srv.Secret)}
	for _, bad := range []string{"", "User.Read Mail.Read", "User.Read,Mail.Read", "User.Read\n", "\x00"} {
		_, err := graphauth.NewSignIn(srv.TenantID, srv.ClientID, auth, &graphauth.SignInOptions{Options: *fakeOpts(srv), RedirectURI: callbackURI, Scopes: []string{bad}})
		var ce *graphauth.ConfigError
		require.ErrorAs(t, err, &ce, "%q", bad)
		assert.Equal(t, "Scopes", ce.Field)
	}
	s := signIn(t, srv, srv.TenantID, auth, nil)
	_, _, err := s.AuthCodeURL(graphauth.AuthRequest{Scopes: []string{"Mail.Read Files.Read"}})
	var ce *graphauth.ConfigError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, "AuthRequest.Scopes", ce.Field)
	user := signInAs(t, srv, s, "adele@contoso.onmicrosoft.com")
	before := len(srv.Requests())
	_, err = s.Token(context.Background(), user.AccountID, []string{""})
	require.ErrorAs(t, err, &ce)
	assert.Len(t, srv.Requests(), before, "nothing was sent")
}

// FuzzSignInScopes gives a sign-in any scopes (a product may take them from
// its configuration or a user's request for more): either a *ConfigError,
// or an authorize URL that names each OpenID Connect scope once, never with
// Graph's URI, and a Token call that refuses or asks for one resource.
func FuzzSignInScopes(f *testing.F) {
	srv := graphauthtest.NewServer(nil)
	f.Cleanup(srv.Close)
	f.Add("offline_access", "")
	f.Add("User.Read", armScope)
	f.Add("https://graph.microsoft.com/offline_access", "OPENID")
	f.Add("https://graph.microsoft.com//", "00000003-0000-0000-c000-000000000000/.default")
	f.Add("a/b", "/x")
	f.Fuzz(func(t *testing.T, a, b string) {
		scopes := []string{a, b}
		s, err := graphauth.NewSignIn(srv.TenantID, srv.ClientID, graphauth.ClientAuth{Secret: graphauth.Secret(srv.Secret)},
			&graphauth.SignInOptions{Options: *fakeOpts(srv), RedirectURI: callbackURI, Scopes: scopes})
		if err != nil {
			var ce *graphauth.ConfigError
			require.ErrorAs(t, err, &ce)
			return
		}
		defer s.Close()
		authURL, _, err := s.AuthCodeURL(graphauth.AuthRequest{})
		require.NoError(t, err)
		u, err := url.Parse(authURL)
		require.NoError(t, err)
		seen := map[string]int{}
		for _, sc := range strings.Fields(u.Query().Get("scope")) {
			seen[strings.ToLower(sc)]++
		}
		for _, o := range []string{"openid", "profile", "offline_access"} {
			assert.Equal(t, 1, seen[o], "%s once in %q", o, u.Query().Get("scope"))
		}
		assert.Zero(t, seen["https://graph.microsoft.com/offline_access"])
		_, err = s.Token(context.Background(), "nobody.nowhere", scopes)
		var se *graphauth.ScopeError
		if !errors.Is(err, graphauth.ErrNoAccount) {
			require.ErrorAs(t, err, &se, "%v", err)
			assert.Equal(t, graphauth.ScopeMultipleResources, se.Problem)
		}
	})
}

func TestCompleteRefusesAPendingWithAScopeAuthCodeURLNeverWrites(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	s := signIn(t, srv, srv.TenantID, graphauth.ClientAuth{Secret: graphauth.Secret(srv.Secret)}, nil)
	authURL, pending, err := s.AuthCodeURL(graphauth.AuthRequest{})
	require.NoError(t, err)
	back := browse(t, srv, authURL)
	pending.Scopes = []string{"User.Read Mail.ReadWrite"}
	before := len(srv.Requests())
	_, err = s.Complete(context.Background(), pending, back)
	assert.ErrorIs(t, err, graphauth.ErrIncompletePending)
	assert.Len(t, srv.Requests(), before, "nothing was sent")
}

// A token response's scope field that would forge a log line, or bury the
// token in noise, is kept out of Token.Scopes.
func TestHostileGrantedScopesAreLeftOut(t *testing.T) {
	t.Parallel()
	got := graphauth.GrantedScopesForTest([]string{"User.Read", "evil\nlevel=ERROR", "\x1b[31mred", "", strings.Repeat("a", 600), "profile", "caf\u00e9"})
	assert.Equal(t, []string{"User.Read", "profile"}, got)
	many := make([]string, 1000)
	for i := range many {
		many[i] = "S" + strings.Repeat("x", i%5)
	}
	assert.Len(t, graphauth.GrantedScopesForTest(many), 200)
}
