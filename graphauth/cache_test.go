package graphauth_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/entrakit/entrakit/graphauth"
	"github.com/entrakit/entrakit/graphauth/graphauthtest"
)

func TestStampedeMakesOneRequestPerKey(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(&graphauthtest.Options{TokenLatency: 50 * time.Millisecond})
	defer srv.Close()
	var tenants []string
	for i := range 20 {
		tn := srv.AddTenant(graphauthtest.Tenant{DisplayName: "Customer" + string(rune('A'+i))})
		srv.AddServicePrincipal(tn.ID, srv.ClientID)
		tenants = append(tenants, tn.ID)
	}
	opts := fakeOpts(srv)
	opts.AllowedTenants = []string{"*"}
	cred := secretCred(t, srv, opts)
	start := make(chan struct{})
	var wg sync.WaitGroup
	tokens := make([]string, 200)
	for i := range 200 {
		wg.Go(func() {
			<-start
			tok, err := cred.Token(context.Background(), graphauth.TokenRequest{TenantID: tenants[i%20]})
			assert.NoError(t, err)
			tokens[i] = tok.AccessToken
		})
	}
	close(start)
	wg.Wait()
	assert.Equal(t, 20, srv.Count(graphauthtest.EndpointToken), "one request per tenant")
	for i := range tokens {
		assert.Equal(t, tokens[i%20], tokens[i], "callers of one key share its token")
	}
	assert.Equal(t, 21, graphauth.EngineOf(cred).CachedKeys(), "20 tenants and the home key")
}

func TestAWaiterGivesUpOnItsOwnContextAlone(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(&graphauthtest.Options{TokenLatency: 200 * time.Millisecond})
	defer srv.Close()
	cred := secretCred(t, srv, nil)
	var wg sync.WaitGroup
	var patientErr error
	wg.Go(func() { _, patientErr = cred.Token(context.Background(), graphauth.TokenRequest{}) })
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	_, err := cred.Token(ctx, graphauth.TokenRequest{})
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	wg.Wait()
	assert.NoError(t, patientErr, "the shared request was not cancelled with the impatient caller")
	assert.Equal(t, 1, srv.Count(graphauthtest.EndpointToken))
}

// clocked returns a credential whose clock is the fake's, so that Advance
// moves both.
func clocked(t *testing.T, srv *graphauthtest.Server, opts *graphauth.Options) (*graphauth.ClientSecretCredential, *graphauth.Engine) {
	cred := secretCred(t, srv, opts)
	eng := graphauth.EngineOf(cred)
	eng.SetNow(srv.Now)
	eng.SetRetryBase(time.Millisecond)
	return cred, eng
}

func TestRefreshInTheBackgroundWhileServingTheValidToken(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	cred, eng := clocked(t, srv, nil)
	ctx := context.Background()
	first, err := cred.Token(ctx, graphauth.TokenRequest{})
	require.NoError(t, err)
	lifetime := first.ExpiresOn.Sub(srv.Now())
	assert.InDelta(t, 0.5, float64(first.RefreshOn.Sub(srv.Now()))/float64(lifetime), 0.11, "refresh at half the lifetime, less jitter")

	srv.Advance(first.RefreshOn.Sub(srv.Now()) + time.Second)
	due, err := cred.Token(ctx, graphauth.TokenRequest{})
	require.NoError(t, err)
	assert.Equal(t, first.AccessToken, due.AccessToken, "the valid token is served while its successor is fetched")
	require.Eventually(t, func() bool { return !eng.Refreshing() }, 5*time.Second, time.Millisecond)
	next, err := cred.Token(ctx, graphauth.TokenRequest{})
	require.NoError(t, err)
	assert.NotEqual(t, first.AccessToken, next.AccessToken)
	assert.Equal(t, 2, srv.Count(graphauthtest.EndpointToken))
}

func TestRefreshInFollowsThePlatform(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC) // a clock that stands still: no second boundary to cross
	srv := graphauthtest.NewServer(&graphauthtest.Options{TokenLifetime: 4 * time.Hour, RefreshIn: time.Hour, Now: func() time.Time { return start }})
	defer srv.Close()
	cred, _ := clocked(t, srv, nil)
	tok, err := cred.Token(context.Background(), graphauth.TokenRequest{})
	require.NoError(t, err)
	assert.Equal(t, start.Add(time.Hour), tok.RefreshOn)
	assert.Equal(t, start.Add(4*time.Hour), tok.ExpiresOn)
}

func TestFailedBackgroundRefreshIsRetriedAndCallersSeeNoErrorWhileAValidTokenRemains(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	logs := &syncWriter{w: &bytes.Buffer{}}
	opts := fakeOpts(srv)
	opts.Logger = slog.New(slog.NewTextHandler(logs, nil))
	cred, eng := clocked(t, srv, opts)
	ctx := context.Background()
	first, err := cred.Token(ctx, graphauth.TokenRequest{})
	require.NoError(t, err)

	srv.InjectFault(graphauthtest.Fault{Endpoint: graphauthtest.EndpointToken, Status: 503, Times: -1})
	srv.Advance(first.RefreshOn.Sub(srv.Now()) + time.Second)
	for range 20 {
		tok, err := cred.Token(ctx, graphauth.TokenRequest{})
		require.NoError(t, err)
		assert.Equal(t, first.AccessToken, tok.AccessToken)
	}
	require.Eventually(t, func() bool { return strings.Contains(logs.String(), "background refresh failed") }, 5*time.Second, time.Millisecond,
		"a failed attempt is logged and tried again")
	require.Eventually(t, func() bool { return srv.Count(graphauthtest.EndpointToken) >= 8 }, 5*time.Second, time.Millisecond, "retried")
	assert.True(t, eng.Refreshing())

	srv.Advance(first.ExpiresOn.Sub(srv.Now()))
	require.Eventually(t, func() bool { return !eng.Refreshing() }, 5*time.Second, time.Millisecond, "gives up once nothing valid is left")
	_, err = cred.Token(ctx, graphauth.TokenRequest{})
	var ae *graphauth.AuthError
	require.ErrorAs(t, err, &ae, "an error only now that no valid token remains")
	assert.True(t, ae.Retryable())
	assert.Equal(t, 503, ae.StatusCode)

	srv.ClearFaults()
	tok, err := cred.Token(ctx, graphauth.TokenRequest{})
	require.NoError(t, err)
	assert.NotEqual(t, first.AccessToken, tok.AccessToken)
}

func TestAnExpiredTokenIsNeverReturned(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	cred, _ := clocked(t, srv, nil)
	first, err := cred.Token(context.Background(), graphauth.TokenRequest{})
	require.NoError(t, err)
	srv.Advance(first.ExpiresOn.Sub(srv.Now()) - time.Minute) // inside the safety margin
	tok, err := cred.Token(context.Background(), graphauth.TokenRequest{})
	require.NoError(t, err)
	assert.NotEqual(t, first.AccessToken, tok.AccessToken)
	assert.True(t, tok.ExpiresOn.After(srv.Now().Add(30*time.Minute)))
}

// Without an injected clock, timers move the state: a token with a short
// life is replaced once it is due.
func TestTimersMoveTheStateOnTheRealClock(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(&graphauthtest.Options{TokenLifetime: 3 * time.Second})
	defer srv.Close()
	cred := secretCred(t, srv, nil)
	first, err := cred.Token(context.Background(), graphauth.TokenRequest{})
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		tok, err := cred.Token(context.Background(), graphauth.TokenRequest{})
		return err == nil && tok.AccessToken != first.AccessToken
	}, 10*time.Second, 20*time.Millisecond)
}

// A token nobody asks for again is forgotten once it expires, so that
// tenants gone idle keep no access token in memory; the next call fetches.
func TestExpiredTokensAreForgotten(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(&graphauthtest.Options{TokenLifetime: 3 * time.Second})
	defer srv.Close()
	tenants := addTenants(srv, 3)
	opts := fakeOpts(srv)
	opts.AllowedTenants = []string{"*"}
	cred := secretCred(t, srv, opts)
	ctx := context.Background()
	for _, tenant := range tenants {
		_, err := cred.Token(ctx, graphauth.TokenRequest{TenantID: tenant})
		require.NoError(t, err)
	}
	eng := graphauth.EngineOf(cred)
	require.Equal(t, 3, eng.CachedTokens())
	require.Eventually(t, func() bool { return eng.CachedTokens() == 0 }, 10*time.Second, 20*time.Millisecond)
	require.Eventually(t, func() bool { return eng.CachedKeys() == 1 }, 10*time.Second, 20*time.Millisecond,
		"nor their keys: only the credential's own stays")
	srv.ResetLog()
	_, err := cred.Token(ctx, graphauth.TokenRequest{TenantID: tenants[1]})
	require.NoError(t, err)
	assert.Len(t, srv.Requests(), 1, "the forgotten token was fetched again")
	assert.Equal(t, 1, eng.CachedTokens())
}

func TestClaimsBypassTheCache(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	cred := secretCred(t, srv, nil)
	first, err := cred.Token(context.Background(), graphauth.TokenRequest{})
	require.NoError(t, err)
	withClaims, err := cred.Token(context.Background(), graphauth.TokenRequest{Claims: `{"access_token":{"nbf":{"essential":true,"value":"1700000000"}}}`})
	require.NoError(t, err)
	assert.NotEqual(t, first.AccessToken, withClaims.AccessToken)
	reqs := srv.Requests()
	assert.True(t, reqs[len(reqs)-1].Claims, "the claims were sent")
	after, err := cred.Token(context.Background(), graphauth.TokenRequest{})
	require.NoError(t, err)
	assert.Equal(t, withClaims.AccessToken, after.AccessToken, "the newer token serves later calls")
}

type syncWriter struct {
	mu sync.Mutex
	w  interface {
		io.Writer
		String() string
	}
}

func (s *syncWriter) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.String()
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

// On an Entra-shaped authority host (a Microsoft cloud's, or the fake's on
// loopback) a first token takes one request: the tenant's OpenID
// configuration follows from the host, and is never fetched.
func TestFirstTokensNeedNoDiscoveryOnEntraShapedHosts(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	opts := fakeOpts(srv)
	opts.AllowedTenants = []string{"*"}
	cred := secretCred(t, srv, opts)
	_, err := cred.Token(context.Background(), graphauth.TokenRequest{})
	require.NoError(t, err)
	for i := range 10 {
		tn := srv.AddTenant(graphauthtest.Tenant{DisplayName: "Discovery" + string(rune('A'+i))})
		srv.AddServicePrincipal(tn.ID, srv.ClientID)
		_, err := cred.Token(context.Background(), graphauth.TokenRequest{TenantID: tn.ID})
		require.NoError(t, err)
	}
	assert.Zero(t, srv.Count(graphauthtest.EndpointDiscovery))
	assert.Equal(t, 11, srv.Count(graphauthtest.EndpointToken), "one request a first token")
	_, err = cred.Token(context.Background(), graphauth.TokenRequest{TenantID: "nosuch.onmicrosoft.com"})
	var ae *graphauth.AuthError
	require.ErrorAs(t, err, &ae)
	assert.True(t, ae.HasCode(90002), "an unknown tenant is still refused, by the token endpoint")
}

// privateHost reaches the fake under a name that is neither a Microsoft
// cloud's nor loopback, as a private deployment would be: there the
// OpenID configuration is fetched.
func privateHost(t *testing.T, srv *graphauthtest.Server) *graphauth.Options {
	t.Helper()
	tr := srv.Client().Transport.(*http.Transport).Clone()
	addr := strings.TrimPrefix(srv.URL, "https://")
	tr.DialContext = func(ctx context.Context, network, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, network, addr)
	}
	tr.TLSClientConfig.ServerName = "127.0.0.1" // the fake's certificate
	return &graphauth.Options{AuthorityHost: "https://login.private.example", HTTPClient: &http.Client{Transport: tr},
		AllowedTenants: []string{"*"}, Retry: graphauth.RetryOptions{MinWait: time.Millisecond, MaxWait: 5 * time.Millisecond}}
}

// Elsewhere, the first tenant's document serves the others.
func TestDiscoveryDoesNotGrowWithTenants(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	cred := secretCred(t, srv, privateHost(t, srv))
	_, err := cred.Token(context.Background(), graphauth.TokenRequest{})
	require.NoError(t, err)
	for i := range 10 {
		tn := srv.AddTenant(graphauthtest.Tenant{DisplayName: "Discovery" + string(rune('A'+i))})
		srv.AddServicePrincipal(tn.ID, srv.ClientID)
		_, err := cred.Token(context.Background(), graphauth.TokenRequest{TenantID: tn.ID})
		require.NoError(t, err)
	}
	assert.Equal(t, 1, srv.Count(graphauthtest.EndpointDiscovery), "the first tenant's document serves the others")
	assert.Equal(t, 11, srv.Count(graphauthtest.EndpointToken))
}

func TestFreshBypassesTheCacheAndReplacesTheToken(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	cred := secretCred(t, srv, nil)
	first, err := cred.Token(context.Background(), graphauth.TokenRequest{})
	require.NoError(t, err)
	srv.GrantAppRoles(srv.TenantID, srv.ClientID, "Directory.Read.All")
	cached, _ := cred.Token(context.Background(), graphauth.TokenRequest{})
	assert.NotContains(t, rolesOf(t, cached.AccessToken), "Directory.Read.All", "a cached token keeps the roles it was issued with")
	fresh, err := cred.Token(context.Background(), graphauth.TokenRequest{Fresh: true})
	require.NoError(t, err)
	assert.NotEqual(t, first.AccessToken, fresh.AccessToken)
	assert.Contains(t, rolesOf(t, fresh.AccessToken), "Directory.Read.All")
	after, _ := cred.Token(context.Background(), graphauth.TokenRequest{})
	assert.Equal(t, fresh.AccessToken, after.AccessToken)
}

func TestConcurrentFirstTokensShareOneDiscovery(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	var tenants []string
	for i := range 10 {
		tn := srv.AddTenant(graphauthtest.Tenant{DisplayName: "Wave" + string(rune('A'+i))})
		srv.AddServicePrincipal(tn.ID, srv.ClientID)
		tenants = append(tenants, tn.ID)
	}
	cred := secretCred(t, srv, privateHost(t, srv))
	var wg sync.WaitGroup
	for _, tn := range tenants {
		wg.Go(func() {
			_, err := cred.Token(context.Background(), graphauth.TokenRequest{TenantID: tn})
			assert.NoError(t, err)
		})
	}
	wg.Wait()
	assert.Equal(t, 1, srv.Count(graphauthtest.EndpointDiscovery), "the others waited for the first document")

	// A first fetch that fails does not leave the others waiting.
	srv2 := graphauthtest.NewServer(nil)
	defer srv2.Close()
	srv2.InjectFault(graphauthtest.Fault{Endpoint: graphauthtest.EndpointDiscovery, Status: 500, Times: 4})
	_, err := secretCred(t, srv2, privateHost(t, srv2)).Token(context.Background(), graphauth.TokenRequest{})
	assert.Error(t, err)
}

// A token's times carry no monotonic clock reading, so that whoever
// compares them with time.Now (azcore's token policy, a caller's own check)
// judges them by the wall clock, also after the machine was suspended.
func TestTokenTimesAreWallClockTimes(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	tok, err := secretCred(t, srv, nil).Token(context.Background(), graphauth.TokenRequest{})
	require.NoError(t, err)
	assert.True(t, tok.ExpiresOn == tok.ExpiresOn.Round(0), "ExpiresOn has a monotonic reading")
	assert.True(t, tok.RefreshOn == tok.RefreshOn.Round(0), "RefreshOn has a monotonic reading")
}
