package graphauth

import (
	"hash/maphash"
	"math/bits"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// The token cache in front of the token source. Reads take no lock and
// allocate nothing: a key's hash picks one of 256 shards, each an
// open-addressed table of (hash, entry) slots that the rare writer who adds
// or removes a key replaces whole (copy-on-write). An entry holds its
// current token behind an atomic pointer, and the first bytes of its tenant
// inline, so that a hit for another tenant reads three places: the slot, the
// entry, the token.

const cacheShards = 256

type tokenCache struct {
	seed   uint64 // random per cache, so that callers cannot aim keys at one slot
	shards [cacheShards]cacheShard
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
	e    *entry
}

// inlineKey is how much of a tenant an entry keeps beside its token pointer:
// a tenant GUID (36 bytes) fits, as do most domains.
const inlineKey = 40

// entry is one (tenant, scopes) key. The fields a hit reads come first.
type entry struct {
	tok        atomic.Pointer[cachedToken]
	keyLen     int             // len(tenant) if it fits in key, else -1
	key        [inlineKey]byte // the tenant as it was first asked for
	scopes     []string        // shared with the credential for its own scopes
	tenant     string
	flightKey  string      // singleflight key
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
	state       atomic.Uint32
	token       Token
	usableUntil time.Time // ExpiresOn less a safety margin
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

func newTokenCache() *tokenCache {
	return &tokenCache{seed: maphash.Comparable(maphash.MakeSeed(), 0) | 1}
}

// hash mixes the tenant's hash with the scopes' (see scopesHash). Tenants
// and scopes are case-insensitive, as the platform treats them: both are
// hashed and compared with ASCII letters folded.
func (c *tokenCache) hash(tenant string, scopesHash uint64) uint64 {
	return mix(c.foldHash(tenant), scopesHash)
}

func (c *tokenCache) scopesHash(scopes []string) uint64 {
	var h uint64
	for _, s := range scopes {
		h = mix(h, c.foldHash(s))
	}
	return h
}

// mix is one round of a multiply-fold hash (as in wyhash).
func mix(a, b uint64) uint64 {
	hi, lo := bits.Mul64(a^0xa0761d6478bd642f, b^0xe7037ed1a0b428db)
	return hi ^ lo
}

// foldHash hashes s with the 0x20 bit of every byte set, eight bytes at a
// time. Strings that are equal under ASCII case folding differ only in that
// bit of their letters, so they hash alike; other strings that become equal
// this way ("@" and "`", say) are told apart by matches.
func (c *tokenCache) foldHash(s string) uint64 {
	const fold = 0x2020202020202020
	h := c.seed ^ uint64(len(s))
	for len(s) >= 8 {
		w := uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
			uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
		h = mix(h, w|fold)
		s = s[8:]
	}
	var w uint64
	for i := 0; i < len(s); i++ {
		w |= uint64(s[i]|0x20) << (8 * i)
	}
	return mix(h, w)
}

// matches compares e's key with (tenant, scopes), ignoring ASCII case (the
// hash folds no other letters, so neither may the comparison).
func (e *entry) matches(tenant string, scopes []string) bool {
	if len(e.scopes) != len(scopes) {
		return false
	}
	if e.keyLen != len(tenant) || string(e.key[:e.keyLen]) != tenant {
		if !equalFoldASCII(e.tenant, tenant) {
			return false
		}
	}
	if len(scopes) > 0 && &e.scopes[0] == &scopes[0] { // the credential's own scopes
		return true
	}
	for i, s := range scopes {
		if e.scopes[i] != s && !equalFoldASCII(e.scopes[i], s) {
			return false
		}
	}
	return true
}

// equalFoldASCII is strings.EqualFold for ASCII letters alone.
func equalFoldASCII(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if x == y {
			continue
		}
		if x|0x20 != y|0x20 || x|0x20 < 'a' || x|0x20 > 'z' {
			return false
		}
	}
	return true
}

func lowerASCII(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 0x20
		}
	}
	return string(b)
}

// get returns the entry for the key, or nil. It is lock-free. scopesHash
// is c.scopesHash(scopes), which callers with fixed scopes compute once.
func (c *tokenCache) get(tenant string, scopes []string, scopesHash uint64) *entry {
	h := c.hash(tenant, scopesHash)
	t := c.shards[h%cacheShards].tab.Load()
	if t == nil {
		return nil
	}
	for i := (h / cacheShards) & t.mask; ; i = (i + 1) & t.mask {
		s := &t.slots[i]
		if s.e == nil {
			return nil
		}
		if s.hash == h && s.e.matches(tenant, scopes) {
			return s.e
		}
	}
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
	e := &entry{tenant: tenant, scopes: scopes, keyLen: -1}
	if !owned {
		e.scopes = append([]string(nil), scopes...)
	}
	if len(tenant) <= inlineKey {
		e.keyLen = copy(e.key[:], tenant)
	}
	e.flightKey = lowerASCII(tenant + "\x00" + strings.Join(e.scopes, " ")) // one spelling for every case
	sh.tab.Store(sh.tab.Load().with(h, e))
	return e
}

// with returns a copy of t holding e as well, grown to stay half empty.
func (t *table) with(h uint64, e *entry) *table {
	n := 1
	if t != nil {
		n += t.n
	}
	next := newTable(n)
	if t != nil {
		for _, s := range t.slots {
			if s.e != nil {
				next.put(s)
			}
		}
	}
	next.put(slot{h, e})
	return next
}

// without returns a copy of t lacking e, or nil if e was the last entry.
func (t *table) without(e *entry) *table {
	if t.n == 1 {
		return nil
	}
	next := newTable(t.n - 1)
	for _, s := range t.slots {
		if s.e != nil && s.e != e {
			next.put(s)
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

func (t *table) put(s slot) {
	i := (s.hash / cacheShards) & t.mask
	for t.slots[i].e != nil {
		i = (i + 1) & t.mask
	}
	t.slots[i] = s
	t.n++
}

// len counts the keys, for tests.
func (c *tokenCache) len() int {
	n := 0
	c.each(func(*entry) { n++ })
	return n
}

// removeIfEmpty takes e out of the cache if it holds no token, so that keys
// whose fetch failed (a thousand tenants that refused, say) are not kept.
// The credential's own key (keep) stays.
func (c *tokenCache) removeIfEmpty(e, keep *entry) {
	if e == keep || e.tok.Load() != nil {
		return
	}
	h := c.hash(e.tenant, c.scopesHash(e.scopes))
	sh := &c.shards[h%cacheShards]
	sh.mu.Lock()
	defer sh.mu.Unlock()
	t := sh.tab.Load()
	if t == nil || e.tok.Load() != nil || !t.holds(e) {
		return
	}
	sh.tab.Store(t.without(e))
}

func (t *table) holds(e *entry) bool {
	for _, s := range t.slots {
		if s.e == e {
			return true
		}
	}
	return false
}

// each calls fn for every entry.
func (c *tokenCache) each(fn func(*entry)) {
	for i := range c.shards {
		if t := c.shards[i].tab.Load(); t != nil {
			for _, s := range t.slots {
				if s.e != nil {
					fn(s.e)
				}
			}
		}
	}
}
