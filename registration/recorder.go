package registration

import (
	"net/http"
	"strings"
	"sync"

	"github.com/entrakit/entrakit/internal/graphperm"
)

// maxUnmapped bounds the distinct calls a Recorder keeps that are not in
// Microsoft's map (each ID of an unknown path is a distinct call).
const maxUnmapped = 1000

// Recorder notes the Microsoft Graph calls a program makes, so that
// Permissions can derive the least privileged set they need: run a
// product's own tests against the fake platform through a Recorder and get
// its manifest.
//
// It is an http.RoundTripper that passes every request to Base, unchanged,
// and notes those whose path starts with /v1.0/ or /beta/ (Graph's; token
// and other requests are not Graph calls). It does not look at the host:
// put it under the kit's Transport, as graphauth.Transport{Base: rec},
// whose AllowedHosts lets only Graph's host through, rather than over a
// RoundTripper that other APIs with /v1.0/ paths share. It sees a $batch
// as one POST /v1.0/$batch, not the calls inside it: take those from the
// fake platform's request log (graphauthtest.Server.Requests, through
// Record), which lists each step of a batch.
// Record takes calls from elsewhere, such as the request log of
// graphauthtest.Server. A Recorder is safe for concurrent use; its zero
// value records through http.DefaultTransport. It keeps one call per
// method and path template of the map, and up to 1,000 calls the map does
// not have.
type Recorder struct {
	// Base sends the requests. Nil means http.DefaultTransport.
	Base http.RoundTripper

	mu       sync.Mutex
	calls    []Call
	known    map[recorded]bool
	unmapped int
}

// recorded identifies a call: its method and the map's template, or its
// path when the map has none.
type recorded struct {
	method string
	node   uint32
	path   string
}

var _ http.RoundTripper = (*Recorder)(nil)

// RoundTrip notes a Graph call and sends the request through Base; the
// response and error are Base's.
func (r *Recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL != nil {
		r.Record(req.Method, req.URL.String())
	}
	base := r.Base
	if base == nil {
		base = http.DefaultTransport
	}
	return base.RoundTrip(req)
}

// Record notes a call made with method to url (an absolute URL or a path),
// if it is a Graph call: its path starts with /v1.0/ or /beta/.
func (r *Recorder) Record(method, url string) {
	path := bareURL(url)
	lower := strings.ToLower(path)
	if !strings.HasPrefix(lower, "/v1.0/") && !strings.HasPrefix(lower, "/beta/") {
		return
	}
	k := recorded{method: strings.ToUpper(method)}
	if node, ok := graphperm.TemplateID(path); ok {
		k.node = node
	} else {
		k.path = path
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.known[k] {
		return
	}
	if k.path != "" {
		if r.unmapped == maxUnmapped {
			return
		}
		r.unmapped++
	}
	if r.known == nil {
		r.known = map[recorded]bool{}
	}
	r.known[k] = true
	r.calls = append(r.calls, Call{Method: k.method, URL: path})
}

// Calls returns the calls noted, one per method and path template, in the
// order first made.
func (r *Recorder) Calls() []Call {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Call(nil), r.calls...)
}

// Reset forgets the calls noted.
func (r *Recorder) Reset() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls, r.known, r.unmapped = nil, nil, 0
}

// Permissions derives the least privileged permission set that allows the
// calls noted, in scheme, as LeastPrivilegeSet does; the error lists the
// calls Microsoft's map does not have.
func (r *Recorder) Permissions(scheme Scheme) (PermissionSet, error) {
	return LeastPrivilegeSet(r.Calls(), scheme)
}
