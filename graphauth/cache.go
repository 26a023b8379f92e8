package graphauth

import (
	"hash/maphash"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// The token cache in front of MSAL. Reads take no lock and allocate nothing:
// a key's hash picks one of 256 shards, whose map is swapped whole
// (copy-on-write) by the rare writer that adds a key, and each entry holds
// its current token behind an atomic pointer.

const cacheShards = 256

type tokenCache struct {
	seed   maphash.Seed
	shards [cacheShards]cacheShard
}

type cacheShard struct {
	mu sync.Mutex // serialises writers; readers never take it
	m  atomic.Pointer[map[uint64]*entry]
}

// entry is one (tenant, scopes) key.
type entry struct {
	next       *entry // another key with the same hash; immutable once published
	tenant     string
	scopes     []string
	flightKey  string // singleflight key
	tok        atomic.Pointer[cachedToken]
	refreshing atomic.Bool // a background refresh runs, or gave up on the current token
	running    atomic.Bool // a background refresh goroutine runs
	writing    atomic.Bool // a Store write runs
}

// Token states. Timers move a cached token from fresh to due (refresh it in
// the background) to expired (fetch anew), so that a cache hit reads an
// atomic instead of the clock: on the machines this kit runs on, time.Now
// costs more than the whole rest of a hit.
const (
	stateFresh uint32 = iota
	stateDue
	stateExpired
)

// cachedToken is a token and its state; the token never changes.
type cachedToken struct {
	token       Token
	usableUntil time.Time // ExpiresOn less a safety margin
	state       atomic.Uint32
	timers      [2]*time.Timer
}

// stateAt computes the state from a clock reading, for callers that have one.
func (p *cachedToken) stateAt(now time.Time) uint32 {
	switch {
	case !now.Before(p.usableUntil):
		return stateExpired
	case !now.Before(p.token.RefreshOn):
		return stateDue
	}
	return stateFresh
}

// arm starts the timers that move the state on. A clock that is not the
// real one (in tests) arms nothing: callers then use stateAt.
func (p *cachedToken) arm(now time.Time) {
	p.state.Store(p.stateAt(now))
	p.timers[0] = time.AfterFunc(p.token.RefreshOn.Sub(now), func() { p.state.CompareAndSwap(stateFresh, stateDue) })
	p.timers[1] = time.AfterFunc(p.usableUntil.Sub(now), func() { p.state.Store(stateExpired) })
}

// disarm stops the timers of a token that has been replaced.
func (p *cachedToken) disarm() {
	for _, t := range p.timers {
		if t != nil {
			t.Stop()
		}
	}
}

func newTokenCache() *tokenCache { return &tokenCache{seed: maphash.MakeSeed()} }

// hash mixes the tenant's hash with the scopes' (see scopesHash). Tenants
// and scopes are case-insensitive, as the platform treats them: both are
// hashed with ASCII letters folded, and compared with strings.EqualFold.
func (c *tokenCache) hash(tenant string, scopesHash uint64) uint64 {
	return c.foldHash(tenant)*1099511628211 ^ scopesHash
}

func (c *tokenCache) scopesHash(scopes []string) uint64 {
	var h uint64
	for _, s := range scopes {
		h = h*1099511628211 ^ c.foldHash(s)
	}
	return h
}

// foldHash hashes s with ASCII letters lower-cased, without allocating for
// strings of up to 256 bytes (tenant IDs, domains and scopes are shorter).
func (c *tokenCache) foldHash(s string) uint64 {
	upper := -1
	for i := 0; i < len(s); i++ {
		if 'A' <= s[i] && s[i] <= 'Z' {
			upper = i
			break
		}
	}
	if upper < 0 { // the usual case: hash the string as it is
		return maphash.String(c.seed, s)
	}
	var buf [256]byte
	if len(s) > len(buf) {
		return maphash.String(c.seed, strings.ToLower(s))
	}
	copy(buf[:], s[:upper])
	for i := upper; i < len(s); i++ {
		b := s[i]
		if 'A' <= b && b <= 'Z' {
			b += 'a' - 'A'
		}
		buf[i] = b
	}
	return maphash.Bytes(c.seed, buf[:len(s)])
}

func (e *entry) matches(tenant string, scopes []string) bool {
	if len(e.scopes) != len(scopes) || (e.tenant != tenant && !strings.EqualFold(e.tenant, tenant)) {
		return false
	}
	for i, s := range scopes {
		if e.scopes[i] != s && !strings.EqualFold(e.scopes[i], s) {
			return false
		}
	}
	return true
}

// get returns the entry for the key, or nil. It is lock-free. scopesHash
// is c.scopesHash(scopes), which callers with fixed scopes compute once.
func (c *tokenCache) get(tenant string, scopes []string, scopesHash uint64) *entry {
	h := c.hash(tenant, scopesHash)
	m := c.shards[h%cacheShards].m.Load()
	if m == nil {
		return nil
	}
	for e := (*m)[h]; e != nil; e = e.next {
		if e.matches(tenant, scopes) {
			return e
		}
	}
	return nil
}

// getOrCreate returns the entry for the key, adding it if needed.
func (c *tokenCache) getOrCreate(tenant string, scopes []string) *entry {
	sh64 := c.scopesHash(scopes)
	if e := c.get(tenant, scopes, sh64); e != nil {
		return e
	}
	h := c.hash(tenant, sh64)
	sh := &c.shards[h%cacheShards]
	sh.mu.Lock()
	defer sh.mu.Unlock()
	old := sh.m.Load()
	var head *entry
	if old != nil {
		head = (*old)[h]
		for e := head; e != nil; e = e.next {
			if e.matches(tenant, scopes) {
				return e
			}
		}
	}
	e := &entry{next: head, tenant: tenant, scopes: append([]string(nil), scopes...)}
	e.flightKey = strings.ToLower(tenant + "\x00" + strings.Join(e.scopes, " ")) // one spelling for every case
	next := make(map[uint64]*entry, 1)
	if old != nil {
		next = make(map[uint64]*entry, len(*old)+1)
		for k, v := range *old {
			next[k] = v
		}
	}
	next[h] = e
	sh.m.Store(&next)
	return e
}

// len counts the keys, for tests.
func (c *tokenCache) len() int {
	n := 0
	for i := range c.shards {
		if m := c.shards[i].m.Load(); m != nil {
			for _, e := range *m {
				for ; e != nil; e = e.next {
					n++
				}
			}
		}
	}
	return n
}

// removeIfEmpty takes e out of the cache if it holds no token, so that keys
// whose fetch failed (a thousand tenants that refused, say) are not kept.
// The credential's own key (keep) stays. An entry behind another in a hash
// chain (two keys with the same 64-bit hash) stays too: chain links are
// immutable once published, so that readers need no lock.
func (c *tokenCache) removeIfEmpty(e, keep *entry) {
	if e == keep || e.tok.Load() != nil {
		return
	}
	h := c.hash(e.tenant, c.scopesHash(e.scopes))
	sh := &c.shards[h%cacheShards]
	sh.mu.Lock()
	defer sh.mu.Unlock()
	old := sh.m.Load()
	if old == nil || (*old)[h] != e || e.tok.Load() != nil {
		return
	}
	next := make(map[uint64]*entry, len(*old))
	for k, v := range *old {
		next[k] = v
	}
	if e.next != nil {
		next[h] = e.next
	} else {
		delete(next, h)
	}
	sh.m.Store(&next)
}

// each calls fn for every entry.
func (c *tokenCache) each(fn func(*entry)) {
	for i := range c.shards {
		if m := c.shards[i].m.Load(); m != nil {
			for _, e := range *m {
				for ; e != nil; e = e.next {
					fn(e)
				}
			}
		}
	}
}
