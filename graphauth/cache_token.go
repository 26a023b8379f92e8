package graphauth

import (
	"sync"
	"sync/atomic"
	"time"
)

// Token states. Timers move a cached token from fresh to due (refresh it in
// the background) to expired (fetch anew), so that a cache hit reads an
// atomic instead of the clock: on the machines this kit runs on, time.Now
// costs more than the whole rest of a hit.
const (
	stateFresh uint32 = iota
	stateDue
	stateExpired
)

// cachedToken is a token and its state; the token never changes. The fields
// a hit reads come first.
type cachedToken struct {
	state       atomic.Uint32
	key         cacheKey // its entry's, copied so that a hit need not read the entry
	token       Token
	usableUntil time.Time // ExpiresOn less a safety margin
	timers      [2]*time.Timer
	expired     func() // what the expiry timer calls once the state is expired; nil without timers
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

// arm starts the timers that move the state on, and calls expired once the
// token may no longer be served (or once the wall-clock watcher finds it
// expired after a suspend: cache_clock.go). A clock that is not the real
// one (in tests) arms nothing: callers then use stateAt.
func (p *cachedToken) arm(now time.Time, expired func()) {
	p.expired = expired
	p.state.Store(p.stateAt(now))
	p.timers[0] = time.AfterFunc(p.token.RefreshOn.Sub(now), func() { p.state.CompareAndSwap(stateFresh, stateDue) })
	p.timers[1] = time.AfterFunc(p.usableUntil.Sub(now), func() {
		p.state.Store(stateExpired)
		expired()
	})
}

// disarm stops the timers of a token that has been replaced.
func (p *cachedToken) disarm() {
	for _, t := range p.timers {
		if t != nil {
			t.Stop()
		}
	}
}

// slabSize is how many cached tokens one allocation holds.
const slabSize = 16

// tokenSlab hands out cached tokens from blocks of slabSize, so that the
// tokens hits read lie side by side instead of among the garbage of the
// requests that fetched them: with 10,000 tenants cached and read in turn,
// tokens scattered over the heap cost a TLB miss and a cache miss a hit
// (BENCHMARKS.md has the figures). A block lives while any of its tokens
// does; expired tokens are dropped (tokenCache.dropExpired), so that keys
// nobody asks for any more do not keep blocks alive. Tokens are installed a
// few times an hour per key, so the lock is never contended.
type tokenSlab struct {
	mu   sync.Mutex
	free []cachedToken
}

// next returns a zero cachedToken that nobody else holds.
func (s *tokenSlab) next() *cachedToken {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.free) == 0 {
		s.free = make([]cachedToken, slabSize)
	}
	p := &s.free[0]
	s.free = s.free[1:]
	return p
}
