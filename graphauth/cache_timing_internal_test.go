package graphauth

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// realClockEngine is an engine on the real clock (timers move token
// states), around a source that is never called.
func realClockEngine(t *testing.T) *credential {
	t.Helper()
	r, err := resolve(nil)
	require.NoError(t, err)
	src := funcSource(func(context.Context, string, []string, string) (string, int64, int64, error) {
		t.Fatal("the source was asked")
		return "", 0, 0, nil
	})
	c := newEngine("test", "11111111-1111-4111-8111-111111111111", "22222222-2222-4222-8222-222222222222", src, r)
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// A token is timed from when its request was sent, but its timers are
// armed once it arrives: they must count from then, not from the sending,
// or a slow request (retries, a Retry-After slept) leaves the token fresh
// and served for as long past its expiry as the request took.
func TestASlowlyFetchedTokenIsTimedFromItsExpiryNotFromItsArrival(t *testing.T) {
	t.Parallel()
	c := realClockEngine(t)
	// Asked for 58 s ago with a life of 60 s: usable until 54 s after the
	// sending, that is 4 s ago; due since 30 s after it.
	sent := time.Now().Add(-58 * time.Second)
	c.install(c.home, Token{AccessToken: "x", ExpiresOn: sent.Add(time.Minute), RefreshOn: sent.Add(30 * time.Second)}, sent, 0)
	if p := c.home.tok.Load(); p != nil {
		assert.Equal(t, stateExpired, c.state(p), "a token past its usable time is not served")
	}
	_, p := c.cache.lookup(c.tenantID, c.scopes, c.scopesH)
	assert.Nil(t, p, "nor kept: a hit finds no token")

	// Asked for 40 s ago: still usable, but due since 10 s ago.
	sent = time.Now().Add(-40 * time.Second)
	c.install(c.home, Token{AccessToken: "y", ExpiresOn: sent.Add(time.Minute), RefreshOn: sent.Add(30 * time.Second)}, sent, 0)
	p = c.home.tok.Load()
	require.NotNil(t, p)
	assert.Equal(t, stateDue, c.state(p), "a token past its refresh time is due at once")
}
