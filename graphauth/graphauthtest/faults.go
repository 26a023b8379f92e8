package graphauthtest

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Endpoint names a group of the fake's endpoints, for fault injection and the
// request log.
type Endpoint string

// The endpoints of the fake platform.
const (
	EndpointToken        Endpoint = "token"        // /{tenant}/oauth2/v2.0/token and the v1 /{tenant}/oauth2/token
	EndpointAuthorize    Endpoint = "authorize"    // /{tenant}/oauth2/v2.0/authorize and its sign-in page
	EndpointAdminConsent Endpoint = "adminconsent" // /{tenant}/v2.0/adminconsent
	EndpointDiscovery    Endpoint = "discovery"    // OpenID configuration, JWKS, instance discovery
	EndpointUserInfo     Endpoint = "userinfo"     // /oidc/userinfo, the OpenID Connect UserInfo endpoint
	EndpointGraph        Endpoint = "graph"        // /v1.0/...
	EndpointOther        Endpoint = "other"        // anything else (answered 404)
)

// FaultBody says what a fault's response body looks like.
type FaultBody int

// The bodies a fault can answer with.
const (
	// BodyError is the endpoint's own error JSON: the OAuth error body for the
	// identity endpoints, Graph's {"error":{...}} for Graph.
	BodyError FaultBody = iota
	BodyMalformedJSON
	BodyTruncatedJSON // a token response cut off in the middle
	BodyHTML          // an HTML error page, as a proxy or gateway sends
	BodyEmpty
)

// Fault makes the server misbehave for the next requests to an endpoint.
type Fault struct {
	// Endpoint to affect. Empty means every endpoint.
	Endpoint Endpoint
	// Path limits a fault to requests whose path under /v1.0 starts with
	// it, such as "/users" or "/groups/"; it makes sense with
	// EndpointGraph. Empty means every path. Requests inside a $batch are
	// matched by their own paths.
	Path string
	// Times is how many requests the fault answers. Zero means one; negative
	// means every request until ClearFaults.
	Times int
	// Latency delays the answer (honouring the request's context). A fault
	// with only Latency set delays the request and then serves it normally.
	Latency time.Duration
	// Status is the HTTP status. Zero means 400 when AADSTS is set, else 503.
	Status int
	// Error is the OAuth error code, e.g. "temporarily_unavailable". Empty
	// means one that fits Status.
	Error string
	// AADSTS is the error number in the body, e.g. 7000215.
	AADSTS int
	// RetryAfter is sent as the Retry-After header when not empty: seconds
	// ("60") or an HTTP date.
	RetryAfter string
	// Body is the shape of the response body.
	Body FaultBody
	// Claims, for a Graph fault with Status 401, makes the answer a
	// continuous access evaluation challenge: WWW-Authenticate carries
	// error="insufficient_claims" and these claims (JSON), base64-encoded.
	Claims string
}

func (f Fault) passThrough() bool {
	return f.Status == 0 && f.AADSTS == 0 && f.Error == "" && f.Body == BodyError && f.RetryAfter == "" && f.Claims == ""
}

type faultSet struct {
	mu     sync.Mutex
	faults []*pendingFault
}

type pendingFault struct {
	Fault
	left int // <0: forever
}

// InjectFault queues f. Faults are matched in the order they were injected.
func (s *Server) InjectFault(f Fault) {
	if f.Times == 0 {
		f.Times = 1
	}
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	s.faults.faults = append(s.faults.faults, &pendingFault{Fault: f, left: f.Times})
}

// ClearFaults removes every queued fault.
func (s *Server) ClearFaults() {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	s.faults.faults = nil
}

func (fs *faultSet) take(ep Endpoint, path string) (Fault, bool) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	for i, f := range fs.faults {
		if f.Endpoint != "" && f.Endpoint != ep {
			continue
		}
		if f.Path != "" && !strings.HasPrefix(strings.ToLower(strings.TrimPrefix(path, "/v1.0")), strings.ToLower(f.Path)) {
			continue
		}
		if f.left > 0 {
			f.left--
			if f.left == 0 {
				fs.faults = append(fs.faults[:i], fs.faults[i+1:]...)
			}
		}
		return f.Fault, true
	}
	return Fault{}, false
}

// applyFault answers r with f unless f only adds latency. It reports whether
// the request was answered.
func (s *Server) applyFault(w http.ResponseWriter, r *http.Request, ep Endpoint, f Fault) bool {
	if f.Latency > 0 && !delay(r, f.Latency) {
		w.WriteHeader(http.StatusServiceUnavailable)
		return true
	}
	if f.passThrough() {
		return false
	}
	status := f.Status
	if status == 0 {
		status = 503
		if f.AADSTS != 0 {
			status = 400
		}
	}
	if f.RetryAfter != "" {
		w.Header().Set("Retry-After", f.RetryAfter)
	}
	switch f.Body {
	case BodyMalformedJSON:
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		fmt.Fprint(w, `{"error": "server_error", "error_description": AADSTS`)
	case BodyTruncatedJSON:
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		fmt.Fprint(w, `{"token_type":"Bearer","expires_in":3599,"ext_expires_in":3599,"access_token":"eyJ0eXAiOiJKV1Qi`)
	case BodyHTML:
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(status)
		fmt.Fprintf(w, "<!DOCTYPE html><html><head><title>%d</title></head><body><h1>Service unavailable</h1><p>The gateway could not reach the service.</p></body></html>", status)
	case BodyEmpty:
		w.WriteHeader(status)
	default:
		s.writeFaultError(w, r, ep, f, status)
	}
	return true
}

func (s *Server) writeFaultError(w http.ResponseWriter, r *http.Request, ep Endpoint, f Fault, status int) {
	code := f.Error
	if ep == EndpointGraph {
		if code == "" {
			code = graphCodeFor(status)
		}
		if f.Claims != "" {
			w.Header().Set("WWW-Authenticate", `Bearer realm="", authorization_uri="`+baseURL(r)+`/common/oauth2/authorize", error="insufficient_claims", claims="`+base64.StdEncoding.EncodeToString([]byte(f.Claims))+`"`)
			s.writeGraphError(w, r, status, code, "Continuous access evaluation resulted in challenge with result: InteractionRequired and code: TokenIssuedBeforeRevocationTimestamp")
			return
		}
		s.writeGraphError(w, r, status, code, http.StatusText(status))
		return
	}
	if code == "" {
		code = oauthCodeFor(status)
	}
	n := f.AADSTS
	if n == 0 {
		n = map[bool]int{true: 90055, false: 50033}[status == 429]
	}
	s.writeOAuthError(w, r, &oauthError{status: status, code: code, aadsts: n, msg: "Injected fault."})
}

func oauthCodeFor(status int) string {
	switch {
	case status == 401:
		return "invalid_client"
	case status == 429, status >= 500:
		return "temporarily_unavailable"
	default:
		return "invalid_request"
	}
}

func graphCodeFor(status int) string {
	switch status {
	case 429:
		return "TooManyRequests"
	case 401:
		return "InvalidAuthenticationToken"
	case 403:
		return "Authorization_RequestDenied"
	case 503:
		return "serviceNotAvailable"
	case 504:
		return "gatewayTimeout"
	}
	if status >= 500 {
		return "generalException"
	}
	return "BadRequest"
}

// delay waits d for a request, ending early when the client goes away. The
// body is read into memory first, because the server only notices a closed
// connection once the body has been consumed; the handler then reads the copy.
func delay(r *http.Request, d time.Duration) bool {
	body, _ := io.ReadAll(io.LimitReader(r.Body, maxFormBytes+1))
	r.Body = io.NopCloser(bytes.NewReader(body))
	return sleepCtx(r.Context(), d)
}

func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// Request is one entry of the server's request log. It holds no secrets.
type Request struct {
	Time      time.Time // server time when the request arrived
	Method    string
	Path      string
	Endpoint  Endpoint
	Tenant    string // the tenant segment of the path, as sent ("REDACTED" when not a GUID, domain or alias)
	GrantType string // token requests: the grant_type ("REDACTED" when not shaped like one)
	ClientID  string // the client_id, when the request named one ("REDACTED" when not a GUID)
	Status    int    // HTTP status answered
	Error     string // OAuth or Graph error code answered, if any
	AADSTS    int    // AADSTS number answered, if any
	Faulted   bool   // answered by an injected fault
	Claims    bool   // token requests: a claims parameter was sent
	// Graph requests: Throttled is set when a Throttle answered 429, and
	// EarlyRetry when that request came before an earlier 429's
	// Retry-After had passed.
	Throttled, EarlyRetry bool
}

type requestLog struct {
	mu      sync.Mutex
	entries []Request
}

// Requests returns a copy of the request log, oldest first.
func (s *Server) Requests() []Request {
	s.log.mu.Lock()
	defer s.log.mu.Unlock()
	return append([]Request(nil), s.log.entries...)
}

// Count returns how many requests reached ep; an empty ep counts all.
func (s *Server) Count(ep Endpoint) int {
	s.log.mu.Lock()
	defer s.log.mu.Unlock()
	n := 0
	for _, e := range s.log.entries {
		if ep == "" || e.Endpoint == ep {
			n++
		}
	}
	return n
}

// CountGrant returns how many token requests used grantType, e.g.
// "client_credentials".
func (s *Server) CountGrant(grantType string) int {
	s.log.mu.Lock()
	defer s.log.mu.Unlock()
	n := 0
	for _, e := range s.log.entries {
		if e.Endpoint == EndpointToken && strings.EqualFold(e.GrantType, grantType) {
			n++
		}
	}
	return n
}

// ResetLog empties the request log.
func (s *Server) ResetLog() {
	s.log.mu.Lock()
	defer s.log.mu.Unlock()
	s.log.entries = nil
}

func (l *requestLog) add(r Request) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.entries = append(l.entries, scrubbed(r))
}
