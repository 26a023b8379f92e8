package graphauth

import (
	"net/http"
	"testing"
	"time"
)

// A caller that read the clock just before another noted the 429 is told
// to wait no longer than the platform's Retry-After.
func TestThrottleTimeLeftNeverExceedsRetryAfter(t *testing.T) {
	t.Parallel()
	var m throttleMemory
	noted := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	m.note("k", &AuthError{StatusCode: http.StatusTooManyRequests, RetryAfter: 120 * time.Second}, noted)
	e := m.check("k", noted.Add(-2*time.Millisecond))
	if e == nil || e.RetryAfter > 120*time.Second || e.RetryAfter <= 0 {
		t.Fatalf("got %v", e)
	}
	if e := m.check("k", noted.Add(119*time.Second)); e == nil || e.RetryAfter != time.Second {
		t.Fatalf("got %v", e)
	}
}
