package graphauthtest

import (
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// ThrottleScope says what a [Throttle]'s budget is counted per.
type ThrottleScope int

// The scopes Graph throttles by.
const (
	// ScopeAppTenant counts per app and tenant, as Graph's identity and
	// access limits do (x-ms-throttle-scope Tenant_Application).
	ScopeAppTenant ThrottleScope = iota
	// ScopeApp counts per app across tenants.
	ScopeApp
	// ScopeTenant counts per tenant across apps.
	ScopeTenant
	// ScopeMailbox counts per app and the user the path names
	// (/users/{id}/…), as Outlook's per-mailbox limits do.
	ScopeMailbox
)

// Throttle makes the fake Graph answer 429 Too Many Requests once more than
// Limit requests arrive within Window, with a Retry-After header. A request
// that comes back before that Retry-After has passed (by the server's
// clock) is throttled again, with the time still left, and is marked
// EarlyRetry in the request log: the conformance rule of Microsoft's Dev
// Proxy RetryAfterPlugin, with which a test proves its client waits. Once
// the Retry-After has passed, the scope's budget starts afresh, so a client
// that waits as told is served.
type Throttle struct {
	TenantID string // tenant ID to throttle; empty means every tenant
	ClientID string // app to throttle; empty means every app
	// Path limits the throttle to Graph paths under /v1.0 that start with
	// it, such as "/users" or "/reports"; empty means every path.
	Path  string
	Scope ThrottleScope
	// Limit is how many requests a scope may make per Window; zero means
	// none: every request is throttled.
	Limit int
	// Window is the counting period; zero means 10 seconds, the period of
	// Graph's identity and access limits.
	Window time.Duration
	// RetryAfter is sent as Retry-After, in whole seconds; zero means the
	// time until the window ends.
	RetryAfter time.Duration
}

// throttles holds the rules and each scope's budget.
type throttles struct {
	mu      sync.Mutex
	rules   []*throttleRule
	buckets map[string]*bucket
}

type throttleRule struct {
	Throttle
	index int
}

type bucket struct {
	start, blockedUntil time.Time
	count               int
}

// Throttle adds a throttling rule to Graph. Rules apply in the order added;
// the first that matches a request counts it.
func (s *Server) Throttle(t Throttle) {
	if t.Limit < 0 || t.Window < 0 || t.RetryAfter < 0 {
		panic("graphauthtest: Throttle needs a non-negative Limit, Window and RetryAfter")
	}
	if t.Window == 0 {
		t.Window = 10 * time.Second
	}
	s.throttle.mu.Lock()
	defer s.throttle.mu.Unlock()
	s.throttle.rules = append(s.throttle.rules, &throttleRule{Throttle: t, index: len(s.throttle.rules)})
	if s.throttle.buckets == nil {
		s.throttle.buckets = map[string]*bucket{}
	}
}

// ClearThrottles removes every throttling rule and forgets the budgets.
func (s *Server) ClearThrottles() {
	s.throttle.mu.Lock()
	defer s.throttle.mu.Unlock()
	s.throttle.rules, s.throttle.buckets = nil, nil
}

// EarlyRetries returns how many Graph requests came back before the
// Retry-After of an earlier 429 had passed.
func (s *Server) EarlyRetries() int {
	n := 0
	for _, e := range s.Requests() {
		if e.EarlyRetry {
			n++
		}
	}
	return n
}

// throttled answers 429 when a rule says so, and reports whether it did.
func (s *Server) throttled(w http.ResponseWriter, r *http.Request, c *caller, path []string) bool {
	now := s.clk.now()
	s.throttle.mu.Lock()
	rule, key := s.throttle.match(c, path)
	if rule == nil {
		s.throttle.mu.Unlock()
		return false
	}
	b := s.throttle.buckets[key]
	if b == nil {
		b = &bucket{start: now}
		s.throttle.buckets[key] = b
	}
	early := now.Before(b.blockedUntil)
	if !early {
		// A window that ended, or a Retry-After that passed, starts a new
		// budget: a client that waited as told is served.
		if !now.Before(b.start.Add(rule.Window)) || !b.blockedUntil.IsZero() {
			b.start, b.count, b.blockedUntil = now, 0, time.Time{}
		}
		b.count++
		if b.count <= rule.Limit {
			s.throttle.mu.Unlock()
			return false
		}
		wait := rule.RetryAfter
		if wait == 0 {
			wait = b.start.Add(rule.Window).Sub(now)
		}
		b.blockedUntil = now.Add(wait)
	}
	left := b.blockedUntil.Sub(now)
	s.throttle.mu.Unlock()

	rec := recordOf(r)
	rec.Throttled, rec.EarlyRetry = true, early
	w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(left.Seconds()))))
	w.Header().Set("x-ms-throttle-scope", throttleScopeHeader(rule.Scope, c))
	w.Header().Set("x-ms-throttle-information", "ResourceUnitLimitExceeded")
	s.writeGraphError(w, r, http.StatusTooManyRequests, "TooManyRequests", "Please retry again later.")
	return true
}

// match finds the first rule for a request and the key of its budget.
func (t *throttles) match(c *caller, path []string) (*throttleRule, string) {
	p := "/" + strings.Join(path, "/")
	for _, rule := range t.rules {
		if (rule.TenantID != "" && !strings.EqualFold(rule.TenantID, c.tenant.ID)) ||
			(rule.ClientID != "" && !strings.EqualFold(rule.ClientID, c.appID)) ||
			(rule.Path != "" && !strings.HasPrefix(strings.ToLower(p), strings.ToLower(rule.Path))) {
			continue
		}
		key := strconv.Itoa(rule.index) + "|"
		switch rule.Scope {
		case ScopeApp:
			key += c.appID
		case ScopeTenant:
			key += c.tenant.ID
		case ScopeMailbox:
			mailbox := ""
			if len(path) > 1 && strings.EqualFold(path[0], "users") {
				mailbox = strings.ToLower(path[1])
			}
			key += c.appID + "|" + mailbox
		default:
			key += c.appID + "|" + c.tenant.ID
		}
		return rule, key
	}
	return nil, ""
}

func throttleScopeHeader(scope ThrottleScope, c *caller) string {
	switch scope {
	case ScopeApp:
		return "Application/ReadWrite/" + c.appID
	case ScopeTenant:
		return "Tenant/ReadWrite/" + c.tenant.ID
	case ScopeMailbox:
		return "Mailbox/ReadWrite/" + c.appID
	}
	return "Tenant_Application/ReadWrite/" + c.appID + "/" + c.tenant.ID
}
