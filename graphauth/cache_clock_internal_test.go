package graphauth

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"
	"weak"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestWallRanAhead(t *testing.T) {
	t.Parallel()
	now := time.Now()
	assert.False(t, wallRanAhead(now.Round(0).Add(-5*time.Second), now.Add(-5*time.Second), now), "both clocks moved 5 s")
	assert.False(t, wallRanAhead(now.Round(0).Add(-6*time.Second), now.Add(-5*time.Second), now), "a second of drift or delay")
	assert.True(t, wallRanAhead(now.Round(0).Add(-2*time.Hour), now.Add(-5*time.Second), now), "two hours asleep")
	assert.False(t, wallRanAhead(now.Round(0).Add(time.Hour), now.Add(-5*time.Second), now), "a clock set back")
}

// After a suspend the timers are late by the time slept; the watcher's
// recheck reads the states from the wall clock: a token that expired
// during the sleep is not served but fetched again, one that became due is
// served and refreshed.
func TestAfterASuspendTokensAreJudgedByTheWallClock(t *testing.T) {
	t.Parallel()
	r, err := resolve(&Options{AllowedTenants: []string{"*"}})
	require.NoError(t, err)
	var asked atomic.Int32
	src := funcSource(func(_ context.Context, tenant string, _ []string, _ string) (string, int64, int64, error) {
		n := asked.Add(1)
		return fmt.Sprintf("token-%d-%s", n, tenant), 3600, 0, nil
	})
	c := newEngine("test", "11111111-1111-4111-8111-111111111111", "22222222-2222-4222-8222-222222222222", src, r)
	defer c.Close()
	ctx := context.Background()
	other := "33333333-3333-4333-8333-333333333333"
	first, err := c.Token(ctx, TokenRequest{})
	require.NoError(t, err)
	_, err = c.Token(ctx, TokenRequest{TenantID: other})
	require.NoError(t, err)
	require.Equal(t, int32(2), asked.Load())
	clockWatch.mu.Lock()
	_, watched := clockWatch.caches[weak.Make(c.cache)]
	clockWatch.mu.Unlock()
	require.True(t, watched, "a cache with timers is watched")

	// Asleep until just past the refresh time: served, and refreshed.
	c.cache.recheck(first.RefreshOn.Add(time.Second))
	again, err := c.Token(ctx, TokenRequest{})
	require.NoError(t, err)
	assert.True(t, again.AccessToken == first.AccessToken, "a due token is still served")
	require.Eventually(t, func() bool { return asked.Load() == 3 }, 10*time.Second, 10*time.Millisecond, "and refreshed in the background")

	// Asleep for two hours: the other tenant's token is past its end and
	// is dropped; the next call fetches a new one.
	c.cache.recheck(time.Now().Add(2 * time.Hour))
	_, p := c.cache.lookup(other, c.scopes, c.scopesH)
	assert.Nil(t, p, "an expired token is dropped")
	tok, err := c.Token(ctx, TokenRequest{TenantID: other})
	require.NoError(t, err)
	assert.Equal(t, "token-4-"+other, tok.AccessToken)

	require.NoError(t, c.Close())
	clockWatch.mu.Lock()
	_, watched = clockWatch.caches[weak.Make(c.cache)]
	clockWatch.mu.Unlock()
	assert.False(t, watched, "Close takes the cache out")
}

// A clock injected in tests arms no timers, and the watcher leaves such
// tokens alone: their state is read from that clock on every hit.
func TestRecheckLeavesTokensWithoutTimersAlone(t *testing.T) {
	t.Parallel()
	c := newTokenCache()
	e := c.getOrCreate("contoso.com", []string{"s"}, true)
	p := &cachedToken{usableUntil: time.Now().Add(time.Minute)}
	c.setToken(e, p)
	c.recheck(time.Now().Add(time.Hour))
	assert.Same(t, p, e.tok.Load())
	assert.Equal(t, stateFresh, p.state.Load())
}
