package consent

import (
	"sync"
	"time"
)

// rate is a token bucket, kept as the time at which it will be full again
// (the generic cell rate algorithm): a proof may start when that time is
// less than a burst's worth of intervals away. It is safe for concurrent
// use and holds no goroutine.
type rate struct {
	mu    sync.Mutex
	now   func() time.Time
	every time.Duration // the interval in which one proof's worth comes back
	slack time.Duration // (burst-1) intervals: how far full may lie ahead
	full  time.Time
}

// newRate allows perMinute proofs a minute, burst of them at once.
func newRate(perMinute, burst int, now func() time.Time) *rate {
	every := time.Minute / time.Duration(perMinute)
	return &rate{now: now, every: every, slack: time.Duration(burst-1) * every}
}

// take spends one proof's worth, or reports how long until there is one.
func (r *rate) take() (ok bool, wait time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	now := r.now()
	if r.full.Before(now) {
		r.full = now
	}
	if ahead := r.full.Sub(now); ahead > r.slack {
		return false, ahead - r.slack
	}
	r.full = r.full.Add(r.every)
	return true, 0
}

// refund gives back a proof's worth that take spent on a callback that
// made no request after all.
func (r *rate) refund() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.full = r.full.Add(-r.every)
}
