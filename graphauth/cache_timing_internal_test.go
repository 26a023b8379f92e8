package graphauth

import (
	"context"
	"strings"
	"sync"
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

// A key taken out while its token was being fetched (a failed request with
// claims for the same key, or its last token expiring) comes back when the
// token is installed: a hit must not miss it, and ask again.
func TestATokenInstalledForARemovedKeyIsFound(t *testing.T) {
	t.Parallel()
	c := newTokenCache()
	scopes := []string{"s"}
	sh := c.scopesHash(scopes)
	e := c.getOrCreate("contoso.com", scopes, true)
	c.removeIfEmpty(e, nil)
	require.Nil(t, c.get("contoso.com", scopes, sh))
	p := &cachedToken{}
	c.setToken(e, p)
	got, tok := c.lookup("CONTOSO.com", scopes, sh)
	assert.Same(t, e, got, "the key is back")
	assert.Same(t, p, tok, "with its token")

	// Unless another entry took the key meanwhile: there is one entry a key.
	c.removeIfEmpty(e, nil) // holds a token: stays
	require.Same(t, e, c.get("contoso.com", scopes, sh))
	c.setToken(e, nil)
	c.removeIfEmpty(e, nil)
	e2 := c.getOrCreate("contoso.com", scopes, true)
	require.NotSame(t, e, e2)
	c.setToken(e, &cachedToken{})
	assert.Same(t, e2, c.get("contoso.com", scopes, sh))
	assert.Equal(t, 1, c.len())
}

// Once the cache is closed nothing is installed, so that an install that
// passed Close's flag just before Close ran cannot leave a token that a
// Token call after Close would be served.
func TestAClosedCacheInstallsNothing(t *testing.T) {
	t.Parallel()
	c := realClockEngine(t)
	sent := time.Now()
	c.install(c.home, Token{AccessToken: "x", ExpiresOn: sent.Add(time.Hour), RefreshOn: sent.Add(30 * time.Minute)}, sent, 0)
	require.NotNil(t, c.home.tok.Load())
	forgot := c.cache.close()
	assert.Len(t, forgot, 1)
	assert.Nil(t, c.home.tok.Load())
	// An install under way when Close ran: past its closed check already.
	p := c.cache.slab.next()
	p.token = Token{AccessToken: "y"}
	c.cache.setToken(c.home, p)
	_, got := c.cache.lookup(c.tenantID, c.scopes, c.scopesH)
	assert.Nil(t, got, "a hit finds nothing after close")
	assert.Nil(t, c.home.tok.Load())
}

// The Store's keys fold case as the cache's do, ASCII letters alone: two
// keys the cache keeps apart never share a Store entry, and the keys of
// ASCII spellings are those every earlier version wrote.
func TestStoreKeysFoldASCIICaseOnly(t *testing.T) {
	t.Parallel()
	const client = "22222222-2222-4222-8222-222222222222"
	k := storeKey(client, "contoso.com", []string{"api://kontoso/.default"})
	assert.NotEqual(t, k, storeKey(client, "contoso.com", []string{"api://\u212aontoso/.default"}))
	assert.Equal(t, k, storeKey(strings.ToUpper(client), "CONTOSO.com", []string{"API://Kontoso/.default"}))
	assert.Equal(t, "entrakit:token:"+client+":contoso.com:", k[:len(k)-24])
}

// Installs, expiries (which take keys out), failed fetches (removeIfEmpty)
// and new keys, all at once over a few shared keys: afterwards each key has
// one entry at most, and the token of every entry in the table is what a
// hit finds (run with -race).
func TestCacheKeysComeAndGoConcurrently(t *testing.T) {
	t.Parallel()
	c := newTokenCache()
	scopes := []string{"s"}
	sh := c.scopesHash(scopes)
	home := c.getOrCreate("home.example", scopes, true)
	tenants := []string{"a.example", "B.example", "c.EXAMPLE", "d.example", "e.example", "f.example", "g.example", "h.example"}
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := range 3000 {
				tenant := tenants[(i*5+w)%len(tenants)]
				if i%2 == 0 {
					tenant = strings.ToUpper(tenant)
				}
				e := c.getOrCreate(tenant, scopes, true)
				switch (i + w) % 4 {
				case 0, 1:
					c.setToken(e, &cachedToken{})
				case 2:
					if p := e.tok.Load(); p != nil {
						c.dropExpired(e, p, home)
					}
				case 3:
					c.removeIfEmpty(e, home)
				}
				c.lookup(tenant, scopes, sh) // a reader among the writers
			}
		})
	}
	wg.Wait()
	seen := map[string]*entry{}
	c.each(func(e *entry) {
		k := lowerASCII(e.tenant)
		if other := seen[k]; other != nil {
			t.Errorf("%s: two entries", k)
		}
		seen[k] = e
		got, p := c.lookup(strings.ToUpper(e.tenant), scopes, sh)
		assert.Same(t, e, got, k)
		assert.Same(t, e.tok.Load(), p, "%s: the slot holds the entry's token", k)
	})
	assert.Contains(t, seen, "home.example", "the credential's own key stays")
}
