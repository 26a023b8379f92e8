// Package retry sends HTTP requests again when the failure is transient:
// 429, 500, 502, 503 and 504 answers and connection errors. It is built on
// hashicorp/go-retryablehttp, which rewinds request bodies and waits
// between attempts under the request's context; this package sets the
// policy: Retry-After honoured (seconds or an HTTP date) up to a ceiling,
// capped exponential backoff with full jitter, and a bounded number of
// attempts.
package retry

import (
	"context"
	"math"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/go-retryablehttp"
)

// Policy bounds the retries. Zero values are the defaults.
type Policy struct {
	// MaxRetries is how many times a request is sent again. Zero means 3;
	// negative means never.
	MaxRetries int
	// MinWait and MaxWait bound the backoff between attempts. Zero means
	// 500 ms and 8 s.
	MinWait, MaxWait time.Duration
	// MaxRetryAfter is the longest Retry-After honoured; a longer one is not
	// waited for: the answer goes back to the caller. Zero means 30 s.
	MaxRetryAfter time.Duration
	// Methods lists the methods retried after a 5xx or a connection error,
	// when the request may or may not have been processed. Nil means GET,
	// HEAD and POST (token requests are POSTs and safe to repeat). A 429 is
	// retried for any method: the server did not process the request.
	Methods []string
	// Skip, when it returns true, sends a request once: an authorization
	// code, say, which the platform redeems only once.
	Skip func(*http.Request) bool
	// Budget, when set, says until when the answer to req is still wanted,
	// for requests made on behalf of callers whose deadlines the request's
	// context does not carry. A Retry-After that ends later is not waited
	// for: the answer goes back at once. The request context's deadline
	// (which includes the client's Timeout) always applies as well.
	Budget func(req *http.Request) (time.Time, bool)
}

func (p Policy) withDefaults() Policy {
	if p.MaxRetries == 0 {
		p.MaxRetries = 3
	}
	if p.MinWait == 0 {
		p.MinWait = 500 * time.Millisecond
	}
	if p.MaxWait == 0 {
		p.MaxWait = 8 * time.Second
	}
	if p.MaxRetryAfter == 0 {
		p.MaxRetryAfter = 30 * time.Second
	}
	if p.Methods == nil {
		p.Methods = []string{http.MethodGet, http.MethodHead, http.MethodPost}
	}
	return p
}

// Client returns an *http.Client that sends through base with the policy's
// retries, and follows redirects only as base's CheckRedirect allows. A nil base is an error of the caller; a negative MaxRetries
// returns base itself.
func Client(base *http.Client, p Policy) *http.Client {
	p = p.withDefaults()
	if p.MaxRetries < 0 {
		return base
	}
	return &http.Client{Timeout: base.Timeout, CheckRedirect: base.CheckRedirect, Transport: &router{
		full:     p.transport(base, true),
		throttle: p.transport(base, false),
		plain:    base, p: p,
	}}
}

// transport is a retrying round tripper; full retries 5xx answers and
// connection errors too, which only methods safe to repeat may.
func (p Policy) transport(base *http.Client, full bool) http.RoundTripper {
	rc := retryablehttp.NewClient()
	rc.HTTPClient = base
	rc.Logger = nil // never log: a request line can carry a secret
	rc.RetryMax = p.MaxRetries
	rc.RetryWaitMin, rc.RetryWaitMax = p.MinWait, p.MaxWait
	rc.CheckRetry = func(ctx context.Context, resp *http.Response, err error) (bool, error) {
		return p.check(ctx, resp, err, full)
	}
	rc.Backoff = backoff
	rc.ErrorHandler = retryablehttp.PassthroughErrorHandler // the caller reads the last answer itself
	return &retryablehttp.RoundTripper{Client: rc}
}

// router picks the transport by request: skipped requests go out once,
// methods that may be repeated get full retries, others only after a 429.
type router struct {
	full, throttle http.RoundTripper
	plain          *http.Client
	p              Policy
}

func (r *router) RoundTrip(req *http.Request) (*http.Response, error) {
	if r.p.Skip != nil && r.p.Skip(req) {
		return r.plain.Do(req)
	}
	for _, m := range r.p.Methods {
		if m == req.Method {
			return r.full.RoundTrip(req)
		}
	}
	return r.throttle.RoundTrip(req)
}

func (p Policy) check(ctx context.Context, resp *http.Response, err error, full bool) (bool, error) {
	if ctx.Err() != nil {
		return false, ctx.Err()
	}
	if err != nil {
		return full, nil // a connection error
	}
	switch resp.StatusCode {
	case http.StatusTooManyRequests:
	case http.StatusInternalServerError, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		if !full {
			return false, nil
		}
	default:
		return false, nil
	}
	now := time.Now()
	wait, ok := RetryAfter(resp.Header, now)
	if !ok {
		return true, nil
	}
	return wait <= p.MaxRetryAfter && p.Fits(ctx, resp.Request, now.Add(wait)), nil
}

// Fits reports whether a retry at the time at is still wanted: before the
// context's deadline and the policy's budget for the request.
func (p Policy) Fits(ctx context.Context, req *http.Request, at time.Time) bool {
	if dl, ok := ctx.Deadline(); ok && !at.Before(dl) {
		return false
	}
	if p.Budget != nil && req != nil {
		if dl, ok := p.Budget(req); ok && !at.Before(dl) {
			return false
		}
	}
	return true
}

// backoff waits what Retry-After says, or a random time up to the capped
// exponential step (full jitter).
func backoff(minWait, maxWait time.Duration, attempt int, resp *http.Response) time.Duration {
	if resp != nil {
		if wait, ok := RetryAfter(resp.Header, time.Now()); ok {
			return wait
		}
	}
	step := minWait << min(attempt, 16)
	if step <= 0 || step > maxWait {
		step = maxWait
	}
	return time.Duration(rand.Int64N(int64(step)) + 1)
}

// Forever is what RetryAfter returns for a wait too long for a
// time.Duration: longer than any ceiling.
const Forever = time.Duration(math.MaxInt64)

// RetryAfter reads a Retry-After header: seconds, or an HTTP date relative
// to now. ok is false when the header is absent or malformed. A number of
// seconds too large for a time.Duration is Forever, never a wrapped-around
// negative or small value.
func RetryAfter(h http.Header, now time.Time) (time.Duration, bool) {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0, false
	}
	if isDigits(v) {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n > int64(Forever/time.Second) {
			return Forever, true
		}
		return time.Duration(n) * time.Second, true
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	if d := t.Sub(now); d > 0 {
		return d, true
	}
	return 0, true
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
