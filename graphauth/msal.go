package graphauth

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"

	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/cache"

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

// capture holds the last identity platform response of one call.
type capture struct {
	mu           sync.Mutex
	status       int
	header       http.Header
	body         []byte
	assertionErr error // the AssertionFunc's error, kept with its type
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
	c.status, c.header, c.body = status, h, body
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
	c   *http.Client
	dis *discovery
}

func (m msalHTTP) Do(req *http.Request) (*http.Response, error) {
	if resp, ok := m.dis.answer(req); ok {
		return resp, nil
	}
	resp, err := m.c.Do(req)
	if err != nil {
		m.dis.learn(req, 0, nil) // ends any wait behind this fetch
		return nil, err
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes+1))
	resp.Body.Close()
	if err != nil || len(body) > maxResponseBytes {
		m.dis.learn(req, 0, nil)
		if err != nil {
			return nil, fmt.Errorf("graphauth: reading the response: %w", err)
		}
		return nil, fmt.Errorf("%w: response larger than %d bytes", ErrUnexpectedResponse, maxResponseBytes)
	}
	if cp, ok := req.Context().Value(captureKey{}).(*capture); ok {
		cp.set(resp.StatusCode, resp.Header, body)
	}
	m.dis.learn(req, resp.StatusCode, body)
	resp.Body = io.NopCloser(bytes.NewReader(body))
	return resp, nil
}

func (m msalHTTP) CloseIdleConnections() { m.c.CloseIdleConnections() }

// classify turns an MSAL failure into an *AuthError, from the response body
// when there was one. MSAL's own message is not kept: it embeds the whole
// response body.
func classify(err error, cp *capture) *AuthError {
	var ae *AuthError
	if errors.As(err, &ae) {
		return ae
	}
	status, header, body := cp.get()
	cp.mu.Lock()
	aerr := cp.assertionErr
	cp.mu.Unlock()
	if aerr != nil {
		return &AuthError{Err: fmt.Errorf("graphauth: getting the client assertion: %w", aerr)}
	}
	switch {
	case status >= 400:
		return authErrorFromBody(status, header, body)
	case status != 0:
		return &AuthError{StatusCode: status, Err: fmt.Errorf("%w: HTTP %d, %s, %d bytes that are not a token response",
			ErrUnexpectedResponse, status, contentType(header), len(body))}
	}
	if ctxErr := contextError(err); ctxErr != nil {
		return &AuthError{Err: ctxErr}
	}
	return &AuthError{Err: errors.New(firstLine(err.Error()))}
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
