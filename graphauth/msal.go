package graphauth

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/cache"
	"go.opentelemetry.io/otel/trace"

	"github.com/entrakit/entrakit/internal/oauthwire"
)

// maxResponseBytes caps what is read of any identity platform response.
const maxResponseBytes = 1 << 20

// noCache is MSAL's cache hook set to forget: the credential keeps its own
// cache in front of MSAL, so when it asks MSAL for a token it wants a new
// one from the platform, not MSAL's copy of the one it already has.
type noCache struct{}

func (noCache) Replace(_ context.Context, u cache.Unmarshaler, _ cache.ReplaceHints) error {
	return u.Unmarshal([]byte("{}"))
}

func (noCache) Export(context.Context, cache.Marshaler, cache.ExportHints) error { return nil }

// captureKey marks a request context whose responses are recorded. The
// context carries no configuration: it only lets a call see the body MSAL
// read, because MSAL's own errors flatten it into a string.
type captureKey struct{}

// capture holds what one call learnt of the platform: the last token
// endpoint response (or refusal by another endpoint), and the last
// transport failure. A discovery document that was served is not kept, so
// that it is never mistaken for the answer of a token request that then
// timed out.
type capture struct {
	mu           sync.Mutex
	status       int
	header       http.Header
	body         []byte
	transportErr error                    // the last request that got no answer at all
	assertionErr error                    // the AssertionFunc's error, kept with its type
	budget       func() (time.Time, bool) // see tokenQuery.budget; nil for none
}

// budgetOf is the retry policy's Budget: the budget of the call a request
// belongs to.
func budgetOf(req *http.Request) (time.Time, bool) {
	if cp, ok := req.Context().Value(captureKey{}).(*capture); ok && cp.budget != nil {
		return cp.budget()
	}
	return time.Time{}, false
}

// noteAssertionError records an assertion callback's failure for classify.
func noteAssertionError(ctx context.Context, err error) {
	if cp, ok := ctx.Value(captureKey{}).(*capture); ok {
		cp.mu.Lock()
		cp.assertionErr = err
		cp.mu.Unlock()
	}
}

func (c *capture) set(status int, h http.Header, body []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.status, c.header, c.body, c.transportErr = status, h, body, nil
}

func (c *capture) failed(err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.transportErr = err
}

// isTokenEndpoint reports whether req goes to a token endpoint, v2
// (/oauth2/v2.0/token) or v1 (/oauth2/token).
func isTokenEndpoint(req *http.Request) bool {
	return req.Method == http.MethodPost &&
		(strings.HasSuffix(req.URL.Path, "/oauth2/v2.0/token") || strings.HasSuffix(req.URL.Path, "/oauth2/token"))
}

// transport is the last transport failure, or nil.
func (c *capture) transport() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.transportErr
}

func (c *capture) get() (int, http.Header, []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.status, c.header, c.body
}

func (c *capture) tokenResponse() (oauthwire.TokenResponse, bool) {
	status, _, body := c.get()
	var tr oauthwire.TokenResponse
	if status != http.StatusOK || json.Unmarshal(body, &tr) != nil {
		return tr, false
	}
	return tr, true
}

// msalHTTP is the HTTP client MSAL gets: the caller's client, with bodies
// capped and recorded for the call's capture, and tenant discovery answered
// from the first tenant's document (see discovery).
type msalHTTP struct {
	c      *http.Client
	dis    *discovery
	tracer trace.Tracer // nil: no spans
}

func (m msalHTTP) Do(req *http.Request) (*http.Response, error) {
	if resp, ok := m.dis.answer(req); ok {
		return resp, nil
	}
	cp, _ := req.Context().Value(captureKey{}).(*capture)
	resp, body, err := traceRequest(m.tracer, req, m.send)
	if err != nil {
		m.dis.learn(req, 0, nil) // ends any wait behind this fetch
		if cp != nil {
			cp.failed(err)
		}
		return nil, err
	}
	if cp != nil && (isTokenEndpoint(req) || resp.StatusCode >= 400) {
		cp.set(resp.StatusCode, resp.Header, body)
	}
	m.dis.learn(req, resp.StatusCode, body)
	resp.Body = io.NopCloser(bytes.NewReader(body))
	return resp, nil
}

// send sends req and reads the answer's body, at most maxResponseBytes.
func (m msalHTTP) send(req *http.Request) (*http.Response, []byte, error) {
	resp, err := m.c.Do(req)
	if err != nil {
		return nil, nil, err
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes+1))
	resp.Body.Close()
	switch {
	case err != nil:
		return nil, nil, fmt.Errorf("graphauth: reading the response: %w", err)
	case len(body) > maxResponseBytes:
		return nil, nil, fmt.Errorf("%w: response larger than %d bytes", ErrUnexpectedResponse, maxResponseBytes)
	}
	return resp, body, nil
}

func (m msalHTTP) CloseIdleConnections() { m.c.CloseIdleConnections() }

// classify turns an MSAL failure into an *AuthError: from the token
// endpoint's answer when there was one, as a transport error when the last
// request got no answer, and otherwise from MSAL's own reason. MSAL's whole
// message is never kept: it can embed the response body.
func classify(err error, cp *capture) *AuthError {
	cp.mu.Lock()
	status, header, body, terr, aerr := cp.status, cp.header, cp.body, cp.transportErr, cp.assertionErr
	cp.mu.Unlock()
	// The assertion source's failure first: it may wrap another
	// credential's *AuthError (a managed identity's, whose endpoint could
	// not be reached), which is not this request's refusal.
	if aerr != nil {
		return &AuthError{Err: fmt.Errorf("graphauth: getting the client assertion: %w", aerr)}
	}
	var ae *AuthError
	if errors.As(err, &ae) {
		return ae
	}
	switch {
	case terr != nil && errors.Is(terr, ErrUnexpectedResponse):
		return &AuthError{Err: terr}
	case terr != nil:
		return &AuthError{Err: fmt.Errorf("graphauth: token request: %w", terr)}
	case status >= 400:
		return authErrorFromBody(status, header, body)
	case status != 0:
		return &AuthError{StatusCode: status, Err: fmt.Errorf("%w: HTTP %d, %s, %d bytes: %s",
			ErrUnexpectedResponse, status, contentType(header), len(body), msalReason(err))}
	}
	if ctxErr := contextError(err); ctxErr != nil {
		return &AuthError{Err: ctxErr}
	}
	return &AuthError{Err: errors.New("graphauth: " + msalReason(err))}
}

// msalReason is the first line of MSAL's message, which says what MSAL
// found wrong ("declined scopes are present: ..."); MSAL puts response
// bodies after a line break. Anything shaped like a token is cut out.
func msalReason(err error) string {
	reason := firstLine(err.Error())
	if i := strings.Index(reason, "eyJ"); i >= 0 {
		reason = reason[:i] + "(token redacted)"
	}
	return clip(strings.ToValidUTF8(reason, "?"), 300)
}

// contextError finds a context error inside err, keeping it testable with
// errors.Is.
func contextError(err error) error {
	for _, target := range []error{context.DeadlineExceeded, context.Canceled} {
		if errors.Is(err, target) {
			return fmt.Errorf("graphauth: token request: %w", target)
		}
	}
	return nil
}
