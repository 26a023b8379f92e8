package graphauth_test

import (
	"context"
	"errors"
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

// After one 429 with Retry-After: 120, nothing is sent for that key until
// the two minutes have passed: callers get the refusal at once.
func TestAThrottledKeySendsNothingUntilRetryAfterHasElapsed(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	cred, eng := clocked(t, srv, nil)
	srv.InjectFault(graphauthtest.Fault{Endpoint: graphauthtest.EndpointToken, Status: http.StatusTooManyRequests, RetryAfter: "120", Times: -1})

	var wg sync.WaitGroup
	errs := make(chan error, 2000)
	for range 200 {
		wg.Go(func() {
			for range 10 {
				_, err := cred.Token(context.Background(), graphauth.TokenRequest{})
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	assert.Equal(t, 1, srv.Count(graphauthtest.EndpointToken), "one request for 2,000 calls")
	for err := range errs {
		var ae *graphauth.AuthError
		require.ErrorAs(t, err, &ae)
		assert.Equal(t, http.StatusTooManyRequests, ae.StatusCode)
		assert.True(t, ae.RetryAfter > 0 && ae.RetryAfter <= 120*time.Second, "%s", ae.RetryAfter)
	}
	_, err := cred.Token(context.Background(), graphauth.TokenRequest{})
	assert.ErrorIs(t, err, graphauth.ErrThrottled, "the refusal says no request was sent")

	srv.Advance(119 * time.Second)
	_, err = cred.Token(context.Background(), graphauth.TokenRequest{})
	var ae *graphauth.AuthError
	require.ErrorAs(t, err, &ae)
	assert.InDelta(t, time.Second, ae.RetryAfter, float64(100*time.Millisecond), "the time left")
	assert.Equal(t, 1, srv.Count(graphauthtest.EndpointToken))

	srv.ClearFaults()
	srv.Advance(time.Second)
	_, err = cred.Token(context.Background(), graphauth.TokenRequest{})
	require.NoError(t, err)
	assert.Equal(t, 2, srv.Count(graphauthtest.EndpointToken))
	assert.Zero(t, eng.Throttled(), "an elapsed wait is forgotten")
}

// Other keys are not blocked by one key's Retry-After.
func TestThrottlingIsPerKey(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	other := srv.AddTenant(graphauthtest.Tenant{DisplayName: "Fabrikam"}).ID
	srv.AddServicePrincipal(other, srv.ClientID)
	cred, _ := clocked(t, srv, &graphauth.Options{AuthorityHost: srv.URL, HTTPClient: srv.Client(), AllowedTenants: []string{other}})
	srv.InjectFault(graphauthtest.Fault{Endpoint: graphauthtest.EndpointToken, Status: http.StatusServiceUnavailable, RetryAfter: "300"})
	_, err := cred.Token(context.Background(), graphauth.TokenRequest{})
	require.Error(t, err)
	_, err = cred.Token(context.Background(), graphauth.TokenRequest{TenantID: other})
	require.NoError(t, err)
	_, err = cred.Token(context.Background(), graphauth.TokenRequest{})
	assert.ErrorIs(t, err, graphauth.ErrThrottled)
}

// A Retry-After that fits under the retry ceiling but not the caller's
// deadline is not slept: the caller gets the refusal, with RetryAfter,
// rather than its own deadline's error.
func TestARetryAfterThatCannotFitTheDeadlineIsNotSlept(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	cred := secretCred(t, srv, nil)
	srv.InjectFault(graphauthtest.Fault{Endpoint: graphauthtest.EndpointToken, Status: http.StatusTooManyRequests, RetryAfter: "25"})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err := cred.Token(ctx, graphauth.TokenRequest{})
	var ae *graphauth.AuthError
	require.ErrorAs(t, err, &ae)
	assert.NotErrorIs(t, err, context.DeadlineExceeded)
	assert.Equal(t, 25*time.Second, ae.RetryAfter)
	assert.NoError(t, ctx.Err(), "answered before the deadline")
}

// A Retry-After too large for a time.Duration is longer than the ceiling:
// not waited for, and not read as a small or negative number.
func TestARetryAfterThatOverflowsIsNotWaitedFor(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	cred, _ := clocked(t, srv, nil)
	srv.InjectFault(graphauthtest.Fault{Endpoint: graphauthtest.EndpointToken, Status: http.StatusTooManyRequests, RetryAfter: "99999999999999999999", Times: -1})
	_, err := cred.Token(context.Background(), graphauth.TokenRequest{})
	var ae *graphauth.AuthError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, 1, srv.Count(graphauthtest.EndpointToken), "not retried")
	_, err = cred.Token(context.Background(), graphauth.TokenRequest{})
	require.ErrorAs(t, err, &ae)
	assert.True(t, errors.Is(err, graphauth.ErrThrottled))
	assert.InDelta(t, 10*time.Minute, ae.RetryAfter, float64(time.Second), "a key is blocked for at most ten minutes")
}

// While a valid token is cached, a throttled background refresh keeps
// serving it and waits out Retry-After before it asks again.
func TestAThrottledRefreshServesTheValidTokenAndWaits(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	cred, eng := clocked(t, srv, nil)
	first, err := cred.Token(context.Background(), graphauth.TokenRequest{})
	require.NoError(t, err)
	srv.InjectFault(graphauthtest.Fault{Endpoint: graphauthtest.EndpointToken, Status: http.StatusTooManyRequests, RetryAfter: "120", Times: -1})
	srv.Advance(first.RefreshOn.Sub(srv.Now()) + time.Second)
	for range 1000 {
		tok, err := cred.Token(context.Background(), graphauth.TokenRequest{})
		require.NoError(t, err)
		require.True(t, tok.AccessToken == first.AccessToken)
	}
	require.Eventually(t, func() bool { return srv.Count(graphauthtest.EndpointToken) == 2 }, 5*time.Second, time.Millisecond)
	assert.True(t, eng.Refreshing(), "waiting out Retry-After")
	for range 1000 {
		_, err := cred.Token(context.Background(), graphauth.TokenRequest{})
		require.NoError(t, err)
	}
	assert.Equal(t, 2, srv.Count(graphauthtest.EndpointToken), "no second refresh request inside Retry-After")
}

// Tenants and scopes are case-insensitive: another spelling is the same
// key, for the throttle and for the cache.
func TestThrottlingIgnoresTheSpellingOfTenantAndScopes(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	other := srv.AddTenant(graphauthtest.Tenant{DisplayName: "Fabrikam"}).ID
	srv.AddServicePrincipal(other, srv.ClientID)
	cred, eng := clocked(t, srv, &graphauth.Options{AuthorityHost: srv.URL, HTTPClient: srv.Client(), AllowedTenants: []string{other}})
	_, err := cred.Token(context.Background(), graphauth.TokenRequest{TenantID: other})
	require.NoError(t, err)
	for _, req := range []graphauth.TokenRequest{
		{TenantID: strings.ToUpper(other)},
		{TenantID: other, Scopes: []string{"HTTPS://GRAPH.MICROSOFT.COM/.default"}},
	} {
		_, err := cred.Token(context.Background(), req)
		require.NoError(t, err)
	}
	assert.Equal(t, 1, srv.Count(graphauthtest.EndpointToken), "served from the cache")
	assert.Equal(t, 2, eng.CachedKeys(), "one key for the other tenant, whatever the spelling")

	srv.InjectFault(graphauthtest.Fault{Endpoint: graphauthtest.EndpointToken, Status: http.StatusTooManyRequests, RetryAfter: "120", Times: -1})
	_, err = cred.Token(context.Background(), graphauth.TokenRequest{})
	require.Error(t, err)
	for _, req := range []graphauth.TokenRequest{
		{TenantID: strings.ToUpper(srv.TenantID)},
		{Scopes: []string{"HTTPS://GRAPH.MICROSOFT.COM/.DEFAULT"}},
	} {
		_, err := cred.Token(context.Background(), req)
		assert.ErrorIs(t, err, graphauth.ErrThrottled)
	}
	assert.Equal(t, 2, srv.Count(graphauthtest.EndpointToken), "no request for another spelling of a throttled key")
}
