package graphauth

import (
	"hash/maphash"
	"strings"
	"sync"
	"sync/atomic"
)

// The token cache in front of the token source. Reads take no lock and
// allocate nothing: a key's hash picks one of 256 shards, each an
// open-addressed table of (hash, token, entry) slots that the rare writer who
// adds or removes a key replaces whole (copy-on-write). A slot points at its
// key's current token as well as at the key's entry, and a cached token
// carries a copy of its key, so that a hit for any tenant reads two places
// one after the other, the slot and the token, however many keys there are.
// The entry (flight key, refresh flags) is read on a miss or a due refresh.
//
// The entry's tok is the truth and the slot's a copy for readers: both are
// written together, under the shard's lock, by setToken alone.

const cacheShards = 256

type tokenCache struct {
	seed    uint64 // random per cache, so that callers cannot aim keys at one slot
	shards  [cacheShards]cacheShard
	slab    tokenSlab   // where cached tokens are allocated
	closed  atomic.Bool // set by close: setToken installs nothing any more
	watched atomic.Bool // the wall-clock watcher knows this cache (cache_clock.go)
}

type cacheShard struct {
	mu  sync.Mutex // serialises writers; readers never take it
	tab atomic.Pointer[table]
}

// table is one shard's slots, at most half full, probed linearly from the
// slot the hash picks. Two keys with the same hash sit in neighbouring slots.
type table struct {
	mask  uint64
	slots []slot
	n     int
}

type slot struct {
	hash uint64
	tok  atomic.Pointer[cachedToken] // e.tok, copied for hits (see setToken)
	e    *entry
}

// entry is one key, with what a miss and a refresh need.
type entry struct {
	cacheKey
	tok        atomic.Pointer[cachedToken] // the current token; written by setToken only
	hash       uint64
	flightKey  string      // singleflight key
	refreshing atomic.Bool // a background refresh runs, or gave up on the current token
	running    atomic.Bool // a background refresh goroutine runs
	writing    atomic.Bool // a Store write runs
}

func newTokenCache() *tokenCache {
	return &tokenCache{seed: maphash.Comparable(maphash.MakeSeed(), 0) | 1}
}

// lookup returns the entry for the key and its current token (nil if it
// has none), or nil, nil. It is lock-free: the hit path. scopesHash is
// c.scopesHash(scopes), which callers with fixed scopes compute once.
func (c *tokenCache) lookup(tenant string, scopes []string, scopesHash uint64) (*entry, *cachedToken) {
	h := c.hash(tenant, scopesHash)
	t := c.shards[h%cacheShards].tab.Load()
	if t == nil {
		return nil, nil
	}
	for i := (h / cacheShards) & t.mask; ; i = (i + 1) & t.mask {
		s := &t.slots[i]
		if s.e == nil {
			return nil, nil
		}
		if s.hash != h {
			continue
		}
		if p := s.tok.Load(); p != nil {
			// The usual hit, a tenant spelled as first asked for with the
			// credential's own scopes, compares without a call.
			k := &p.key
			if len(scopes) == 1 && len(k.scopes) == 1 && &k.scopes[0] == &scopes[0] && k.sameTenant(tenant) || k.matches(tenant, scopes) {
				return s.e, p
			}
		} else if s.e.matches(tenant, scopes) {
			return s.e, nil
		}
	}
}

// get returns the entry for the key, or nil.
func (c *tokenCache) get(tenant string, scopes []string, scopesHash uint64) *entry {
	e, _ := c.lookup(tenant, scopes, scopesHash)
	return e
}

// setToken makes p (nil: none) e's current token and returns the one it
// replaces. It writes the entry and its slot together, so that a hit, which
// reads the slot, sees what the entry holds. Once the cache is closed it
// installs nil instead of p.
//
// An entry that was taken out while its token was being fetched (it had
// none: a failed request for the same key, or its last token expired) is
// put back, so that its token is found; unless another entry has taken its
// key meanwhile, whose own fetch fills it.
func (c *tokenCache) setToken(e *entry, p *cachedToken) *cachedToken {
	if p != nil {
		p.key = e.cacheKey
	}
	sh := &c.shards[e.hash%cacheShards]
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if c.closed.Load() { // read under the lock: see close
		p = nil
	}
	old := e.tok.Swap(p)
	t := sh.tab.Load()
	if s := t.find(e); s != nil {
		s.tok.Store(p)
	} else if p != nil && t.holding(e) == nil {
		sh.tab.Store(t.with(e))
	}
	return old
}

// close forgets every token, and makes later setToken calls install none,
// so that once it returns no hit finds a token, whatever installs ran
// alongside. It returns the tokens forgotten.
func (c *tokenCache) close() []*cachedToken {
	c.closed.Store(true)
	c.unwatchClock()
	var forgot []*cachedToken
	for i := range c.shards {
		sh := &c.shards[i]
		sh.mu.Lock()
		if t := sh.tab.Load(); t != nil {
			for j := range t.slots {
				if s := &t.slots[j]; s.e != nil {
					if p := s.e.tok.Swap(nil); p != nil {
						forgot = append(forgot, p)
					}
					s.tok.Store(nil)
				}
			}
		}
		sh.mu.Unlock()
	}
	return forgot
}

// getOrCreate returns the entry for the key, adding it if needed. owned
// says that scopes will never change (the credential's own), so the entry
// may keep the slice instead of a copy.
func (c *tokenCache) getOrCreate(tenant string, scopes []string, owned bool) *entry {
	sh64 := c.scopesHash(scopes)
	if e := c.get(tenant, scopes, sh64); e != nil {
		return e
	}
	h := c.hash(tenant, sh64)
	sh := &c.shards[h%cacheShards]
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if e := c.get(tenant, scopes, sh64); e != nil {
		return e
	}
	e := &entry{cacheKey: cacheKey{tenant: tenant, scopes: scopes, keyLen: -1}, hash: h}
	if !owned {
		e.scopes = append([]string(nil), scopes...)
	}
	if len(tenant) <= inlineKey {
		e.keyLen = int32(copy(e.key[:], tenant))
	}
	e.flightKey = lowerASCII(tenant + "\x00" + strings.Join(e.scopes, " ")) // one spelling for every case
	sh.tab.Store(sh.tab.Load().with(e))
	return e
}

// with returns a copy of t holding e as well, grown to stay half empty.
// Callers hold the shard's lock, so the tokens copied are current.
func (t *table) with(e *entry) *table {
	n := 1
	if t != nil {
		n += t.n
	}
	next := newTable(n)
	if t != nil {
		for i := range t.slots {
			if s := &t.slots[i]; s.e != nil {
				next.put(s.e, s.tok.Load())
			}
		}
	}
	next.put(e, e.tok.Load())
	return next
}

// without returns a copy of t lacking e, or nil if e was the last entry.
func (t *table) without(e *entry) *table {
	if t.n == 1 {
		return nil
	}
	next := newTable(t.n - 1)
	for i := range t.slots {
		if s := &t.slots[i]; s.e != nil && s.e != e {
			next.put(s.e, s.tok.Load())
		}
	}
	return next
}

func newTable(n int) *table {
	size := 8
	for size < 2*n {
		size *= 2
	}
	return &table{mask: uint64(size - 1), slots: make([]slot, size)}
}

func (t *table) put(e *entry, tok *cachedToken) {
	i := (e.hash / cacheShards) & t.mask
	for t.slots[i].e != nil {
		i = (i + 1) & t.mask
	}
	s := &t.slots[i]
	s.hash, s.e = e.hash, e
	s.tok.Store(tok)
	t.n++
}

// holding returns the entry t holds for e's key (e itself or another), or
// nil.
func (t *table) holding(e *entry) *entry {
	if t == nil {
		return nil
	}
	for i := (e.hash / cacheShards) & t.mask; t.slots[i].e != nil; i = (i + 1) & t.mask {
		if s := &t.slots[i]; s.hash == e.hash && s.e.matches(e.tenant, e.scopes) {
			return s.e
		}
	}
	return nil
}

// find returns e's slot, or nil if t does not hold e.
func (t *table) find(e *entry) *slot {
	if t == nil {
		return nil
	}
	for i := (e.hash / cacheShards) & t.mask; t.slots[i].e != nil; i = (i + 1) & t.mask {
		if t.slots[i].e == e {
			return &t.slots[i]
		}
	}
	return nil
}

// len counts the keys, for tests.
func (c *tokenCache) len() int {
	n := 0
	c.each(func(*entry) { n++ })
	return n
}

// dropExpired forgets p if it is still e's token: an expired token is never
// served, and forgetting it frees the access token and, once its
// neighbours go too, its slab block. The key goes too, unless it is keep
// (the credential's own) or a background refresh of it runs, so that
// tenants asked for once and never again leave nothing behind; a fetch
// for it under way puts it back when it installs (see setToken).
func (c *tokenCache) dropExpired(e *entry, p *cachedToken, keep *entry) {
	sh := &c.shards[e.hash%cacheShards]
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if !e.tok.CompareAndSwap(p, nil) {
		return
	}
	t := sh.tab.Load()
	s := t.find(e)
	if s == nil {
		return
	}
	if e == keep || e.running.Load() {
		s.tok.Store(nil)
		return
	}
	sh.tab.Store(t.without(e))
}

// removeIfEmpty takes e out of the cache if it holds no token, so that keys
// whose fetch failed (a thousand tenants that refused, say) are not kept.
// The credential's own key (keep) stays.
func (c *tokenCache) removeIfEmpty(e, keep *entry) {
	if e == keep || e.tok.Load() != nil {
		return
	}
	sh := &c.shards[e.hash%cacheShards]
	sh.mu.Lock()
	defer sh.mu.Unlock()
	t := sh.tab.Load()
	if e.tok.Load() != nil || t.find(e) == nil {
		return
	}
	sh.tab.Store(t.without(e))
}

// each calls fn for every entry.
func (c *tokenCache) each(fn func(*entry)) {
	for i := range c.shards {
		if t := c.shards[i].tab.Load(); t != nil {
			for i := range t.slots {
				if e := t.slots[i].e; e != nil {
					fn(e)
				}
			}
		}
	}
}
