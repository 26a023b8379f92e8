package graphauth

import (
	"errors"
	"net/http"
	"sync"
	"time"
)

// ErrThrottled means the platform asked this credential to wait (429 or 503
// with Retry-After) and the wait has not elapsed: no request was sent. The
// *AuthError that wraps it has RetryAfter set to the time left.
var ErrThrottled = errors.New("graphauth: throttled by the platform; no request sent before Retry-After")

// maxThrottle caps how long one Retry-After blocks a key, whatever the
// platform (or a proxy) sent.
const maxThrottle = 10 * time.Minute

// throttleMemory remembers, per key, until when the platform asked not to
// be called again. It is read only on a cache miss, never on a hit, and it
// forgets a key once its wait is over: keys that were throttled once do not
// accumulate.
type throttleMemory struct {
	mu     sync.Mutex
	keys   map[string]throttled
	pruned int // the size after the last sweep of elapsed keys
}

type throttled struct {
	until time.Time
	err   AuthError // the refusal that started the wait
}

// check returns the refusal to give while key's wait lasts, or nil.
func (m *throttleMemory) check(key string, now time.Time) *AuthError {
	m.mu.Lock()
	defer m.mu.Unlock()
	t, ok := m.keys[key]
	if !ok {
		return nil
	}
	if !now.Before(t.until) {
		delete(m.keys, key)
		return nil
	}
	e := t.err
	// now may have been read just before note started the wait: the time
	// left is never more than the wait itself.
	e.RetryAfter = min(t.until.Sub(now), t.err.RetryAfter, maxThrottle)
	e.Err = ErrThrottled
	return &e
}

// note starts a wait for key when err is a throttling answer with a
// Retry-After (capped at maxThrottle).
func (m *throttleMemory) note(key string, err *AuthError, now time.Time) {
	if err.RetryAfter <= 0 || (err.StatusCode != http.StatusTooManyRequests && err.StatusCode != http.StatusServiceUnavailable) {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.keys == nil {
		m.keys = map[string]throttled{}
	}
	m.keys[key] = throttled{until: now.Add(min(err.RetryAfter, maxThrottle)), err: *err}
	if len(m.keys) > 2*m.pruned+64 {
		for k, t := range m.keys {
			if !now.Before(t.until) {
				delete(m.keys, k)
			}
		}
		m.pruned = len(m.keys)
	}
}

// len counts the keys remembered, for tests.
func (m *throttleMemory) len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.keys)
}
