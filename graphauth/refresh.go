package graphauth

import (
	"context"
	"math/rand/v2"
	"sync"
	"time"
)

// The engine's life cycle: the contexts of shared requests, background
// refresh, and Close.

// flightTable gives each shared request a context that outlives any one
// caller but ends when the last caller waiting for it has gone, or when the
// credential closes (closeAll). It also knows until when the request's
// answer is still wanted (the latest of its waiters' deadlines), so that a
// Retry-After that ends later is not slept.
type flightTable struct {
	mu      sync.Mutex
	flights map[string]*flight
	closed  bool
}

type flight struct {
	ctx      context.Context
	cancel   context.CancelFunc
	waiters  int
	unbound  int       // waiters without a deadline
	deadline time.Time // the latest waiter deadline seen
	table    *flightTable
}

// budget is the latest time a waiter still wants the answer; ok is false
// while some waiter has no deadline.
func (f *flight) budget() (time.Time, bool) {
	f.table.mu.Lock()
	defer f.table.mu.Unlock()
	return f.deadline, f.unbound == 0
}

func (t *flightTable) join(key string, ctx context.Context, timeout time.Duration) *flight {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed { // a flight that has already ended
		fctx, cancel := context.WithCancel(context.Background())
		cancel()
		return &flight{ctx: fctx, cancel: cancel, waiters: 1, unbound: 1, table: t}
	}
	if t.flights == nil {
		t.flights = map[string]*flight{}
	}
	f := t.flights[key]
	if f == nil {
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), timeout)
		f = &flight{ctx: fctx, cancel: cancel, table: t}
		t.flights[key] = f
	}
	f.waiters++
	if dl, ok := ctx.Deadline(); !ok {
		f.unbound++
	} else if dl.After(f.deadline) {
		f.deadline = dl
	}
	return f
}

func (t *flightTable) leave(key string, ctx context.Context, f *flight) {
	t.mu.Lock()
	defer t.mu.Unlock()
	f.waiters--
	if _, ok := ctx.Deadline(); !ok {
		f.unbound--
	}
	if f.waiters == 0 {
		f.cancel()
		if t.flights[key] == f {
			delete(t.flights, key)
		}
	}
}

// closeAll cancels every flight under way, and every later one at once.
func (t *flightTable) closeAll() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.closed = true
	for _, f := range t.flights {
		f.cancel()
	}
}

// refreshInBackground fetches the successor of a token that is due, while
// callers keep getting the current one. After a failure it waits (backoff
// with jitter, and at least any Retry-After) before trying again, and it
// stops when the next attempt could only start after the current token has
// become unusable, or when the credential closes: the next caller then
// fetches, and sees the error.
//
// e.refreshing stays set until a new token is installed: a token whose
// refresh has given up is not refreshed again by the next caller, which
// would send requests back to back.
func (c *credential) refreshInBackground(e *entry) {
	defer e.running.Store(false)
	for attempt := 0; ; attempt++ {
		key := e.flightKey + "\x00" // the key of a miss without claims: a refresh and a miss share one request
		f := c.inflight.join(key, context.Background(), c.refreshTimeout)
		old := e.tok.Load()
		_, err, _ := c.flights.Do(key, func() (any, error) { return c.fetch(f.ctx, e, "", modeRefresh, nil) })
		c.inflight.leave(key, context.Background(), f)
		if err == nil {
			if old != nil {
				c.tel.refreshed(context.Background(), old.token.ExpiresOn.Sub(c.now()))
			}
			return
		}
		p := e.tok.Load()
		if p == nil || c.state(p) == stateExpired || c.closed.Load() {
			return
		}
		pause := min(c.retryBase<<min(attempt, 6), time.Minute)
		pause += time.Duration(rand.Int64N(int64(pause)/2 + 1))
		if aerr := asAuthError(err); aerr.RetryAfter > pause {
			pause = aerr.RetryAfter
		}
		if pause >= p.usableUntil.Sub(c.now()) {
			c.opts.log.LogAttrs(context.Background(), levelWarn, "graphauth: background refresh failed; the token will be fetched again when it is next asked for",
				logAttrs(c, e, "attempt", attempt+1)...)
			return
		}
		c.opts.log.LogAttrs(context.Background(), levelWarn, "graphauth: background refresh failed; the current token is still valid",
			logAttrs(c, e, "attempt", attempt+1, "retry_in", pause.String())...)
		if !c.sleep(pause) {
			return
		}
	}
}

// sleep waits d, or until the credential closes (false).
func (c *credential) sleep(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-c.done:
		return false
	}
}

// Close stops background refresh, cancels requests under way, waits for
// Store writes under way (each ends within storeWriteTimeout, even against a
// Store that hangs), and forgets every cached token. A Token call after
// Close returns ErrClosed. Tokens shared through the Store stay there for
// other replicas. Close is idempotent and safe to call concurrently with
// Token.
func (c *credential) Close() error {
	if !c.closed.CompareAndSwap(false, true) {
		return nil
	}
	// Tokens first: no call is served one while Close waits for a Store
	// that hangs.
	for _, p := range c.cache.close() {
		p.disarm()
	}
	close(c.done)
	c.inflight.closeAll()
	c.writes.close()
	return nil
}
