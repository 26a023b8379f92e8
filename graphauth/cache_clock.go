package graphauth

import (
	"sync"
	"time"
	"weak"
)

// A machine that sleeps. The timers that move cached tokens from fresh to
// due to expired follow the monotonic clock, which stands still while the
// machine is suspended: a laptop that resumes after two hours finds every
// timer two hours late, and the cache would serve tokens the platform
// stopped accepting during the sleep. The wall clock moves on through a
// sleep, so one goroutine per process compares the two every few seconds,
// and when the wall clock has run ahead it reads
// every cached token's state again from the wall clock (token times are
// wall-clock times): an expired token is dropped, a due one is refreshed on
// its next hit. A hit still reads no clock.

const (
	clockCheckEvery = 5 * time.Second
	// clockJumpLimit is how far the wall clock may run ahead of the
	// monotonic one between two checks before the states are read again:
	// more than a scheduler's delay, less than a token's safety margin.
	clockJumpLimit = 2 * time.Second
)

// clockWatch is the process's watcher, with the caches it watches, held
// weakly: a credential that is dropped without Close is not kept alive by
// it.
var clockWatch struct {
	mu      sync.Mutex
	caches  map[weak.Pointer[tokenCache]]struct{}
	running bool
}

// watchClock adds c to the caches the watcher checks after a jump, and
// starts the watcher if it is not running. Calls after the first are cheap.
func (c *tokenCache) watchClock() {
	if c.watched.Load() {
		return
	}
	clockWatch.mu.Lock()
	defer clockWatch.mu.Unlock()
	if c.watched.Swap(true) || c.closed.Load() {
		return
	}
	if clockWatch.caches == nil {
		clockWatch.caches = map[weak.Pointer[tokenCache]]struct{}{}
	}
	clockWatch.caches[weak.Make(c)] = struct{}{}
	if !clockWatch.running {
		clockWatch.running = true
		go watchTheWallClock()
	}
}

// unwatchClock takes c out of the watched caches (Close).
func (c *tokenCache) unwatchClock() {
	clockWatch.mu.Lock()
	defer clockWatch.mu.Unlock()
	delete(clockWatch.caches, weak.Make(c))
}

// watchTheWallClock runs from the first token installed on the real clock
// until the process ends: one goroutine, awake for a moment every
// clockCheckEvery, rather than one that comes and goes with credentials.
func watchTheWallClock() {
	tick := time.NewTicker(clockCheckEvery)
	defer tick.Stop()
	last := time.Now()
	for now := range tick.C {
		jumped := wallRanAhead(last.Round(0), last, now)
		last = now
		clockWatch.mu.Lock()
		var live []*tokenCache
		for w := range clockWatch.caches {
			if c := w.Value(); c != nil {
				live = append(live, c)
			} else {
				delete(clockWatch.caches, w)
			}
		}
		clockWatch.mu.Unlock()
		if jumped {
			for _, c := range live {
				c.recheck(time.Now())
			}
		}
	}
}

// wallRanAhead reports whether, between a reading (its wall-clock part
// prevWall, its monotonic part prevMono) and now, the wall clock moved more
// than clockJumpLimit further than the monotonic one: the machine slept,
// or its clock was set forward.
func wallRanAhead(prevWall, prevMono, now time.Time) bool {
	return now.Round(0).Sub(prevWall)-now.Sub(prevMono) > clockJumpLimit
}

// recheck reads every cached token's state from the wall clock at now, for
// timers that a suspend made late: an expired token is dropped as its
// timer would have dropped it, a due one is refreshed on its next hit.
func (c *tokenCache) recheck(now time.Time) {
	c.each(func(e *entry) {
		p := e.tok.Load()
		if p == nil || p.expired == nil {
			return // none, or one without timers (an injected clock)
		}
		switch p.stateAt(now) {
		case stateExpired:
			p.state.Store(stateExpired)
			p.expired()
		case stateDue:
			p.state.CompareAndSwap(stateFresh, stateDue)
		}
	})
}
