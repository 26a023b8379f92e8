package graphauth

import (
	"context"
	"time"
)

// Test hooks for the _test package. Each credential exposes its engine.

// Engine is the shared engine of a credential.
type Engine = credential

// EngineOf returns the engine behind a credential of this package.
func EngineOf(c TokenCredential) *Engine {
	switch v := c.(type) {
	case *ClientSecretCredential:
		return v.c
	case *CertificateCredential:
		return v.c
	case *ClientAssertionCredential:
		return v.c
	case *FallbackCredential:
		return v.c
	case *ManagedIdentityCredential:
		return v.c
	}
	panic("graphauth: not a credential of this package")
}

// SetNow replaces the clock; token states are then computed from it.
func (c *credential) SetNow(now func() time.Time) { c.now, c.manual = now, true }

// SetRetryBase shortens the pause between background refresh attempts.
func (c *credential) SetRetryBase(d time.Duration) { c.retryBase = d }

// CachedKeys counts the keys in the cache.
func (c *credential) CachedKeys() int { return c.cache.len() }

// CachedTokens counts the keys holding a token. It panics if a slot does
// not hold its entry's token, which a hit would then not see.
func (c *credential) CachedTokens() int {
	n := 0
	c.cache.each(func(e *entry) {
		_, p := c.cache.lookup(e.tenant, e.scopes, c.cache.scopesHash(e.scopes))
		if p != e.tok.Load() {
			panic("graphauth: a slot lost its entry's token")
		}
		if p != nil {
			n++
		}
	})
	return n
}

// Refreshing reports whether a background refresh of the default key runs.
func (c *credential) Refreshing() bool { return c.home.running.Load() }

// Refreshes counts the background refreshes under way.
func (c *credential) Refreshes() int {
	n := 0
	c.cache.each(func(e *entry) {
		if e.running.Load() {
			n++
		}
	})
	return n
}

// Throttled counts the keys waiting out a Retry-After.
func (c *credential) Throttled() int { return c.throttle.len() }

// NewEngineForTest assembles an engine around src, for tests of the
// pipeline without MSAL.
func NewEngineForTest(tenantID, clientID string, src func(ctx context.Context, tenant string, scopes []string, claims string) (accessToken string, expiresIn, refreshIn int64, err error), opts *Options) (*Engine, error) {
	r, err := resolve(opts)
	if err != nil {
		return nil, err
	}
	return newEngine("test", tenantID, clientID, funcSource(src), r), nil
}

type funcSource func(ctx context.Context, tenant string, scopes []string, claims string) (string, int64, int64, error)

func (f funcSource) token(ctx context.Context, q tokenQuery) (issued, error) {
	at, in, ref, err := f(ctx, q.tenant, q.scopes, q.claims)
	return issued{accessToken: at, expiresIn: in, refreshIn: ref}, err
}

// StoreKeysForTest lists the keys of a MemoryStore.
func StoreKeysForTest(m *MemoryStore) []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	var keys []string
	for k := range m.entries {
		keys = append(keys, k)
	}
	return keys
}
