package graphauth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel/trace"

	"github.com/entrakit/entrakit/internal/oauthwire"
)

// v1Marker starts the cache key of a v1 (resource) token: a string no
// scope holds, so that v1 and v2 tokens of one resource are kept apart.
const v1Marker = "\x00v1\x00"

// v1Key is the single "scope" under which the engine caches the v1 token
// of resource.
func v1Key(resource string) []string { return []string{v1Marker + resource} }

// checkAppScopes refuses a requested scope that would not reach the
// platform as itself (checkScopes: a space, which the platform splits the
// scope parameter at, a comma, a control character, which would forge a
// log line), including one spelt like a v1 token's cache key. A v1 key
// (v1Key) passes.
func checkAppScopes(scopes []string) error {
	if _, v1 := v1Resource(scopes); v1 {
		return nil
	}
	return checkScopes("TokenRequest.Scopes", scopes)
}

// v1Resource returns the resource a cache key stands for, when it is a v1
// one.
func v1Resource(scopes []string) (string, bool) {
	if len(scopes) != 1 {
		return "", false
	}
	return strings.CutPrefix(scopes[0], v1Marker)
}

// withScopes fills in what a token was asked for: its scopes, or for a v1
// token its resource.
func withScopes(tok Token, scopes []string) Token {
	if r, ok := v1Resource(scopes); ok {
		tok.Resource, tok.Scopes = r, nil
		return tok
	}
	tok.Scopes = slices.Clone(scopes) // the caller's copy: the key's own must not change
	return tok
}

// checkResource checks a TokenRequest's Resource: an App ID URI or an app
// ID, one value.
func checkResource(req TokenRequest) error {
	switch {
	case req.Scopes != nil:
		return &ConfigError{Field: "Resource", Reason: "a request names a Resource (v1) or Scopes (v2), not both"}
	case len(req.Resource) > 512 || strings.ContainsAny(req.Resource, " \t\r\n\x00"):
		return &ConfigError{Field: "Resource", Reason: "must be one App ID URI such as https://graph.microsoft.com, or an app ID"}
	case strings.HasSuffix(req.Resource, "/.default"):
		return &ConfigError{Field: "Resource", Reason: "is a v2 scope: use Scopes for it, or the resource without /.default"}
	}
	return nil
}

// v1Keys remembers the cache key of each resource asked for, so that a
// cached v1 token is found without building its key again.
type v1Keys struct {
	m sync.Map // resource → []string
	n atomic.Int32
}

// maxV1Keys bounds the resources remembered; others get their key built
// on each call.
const maxV1Keys = 64

// resourceKey checks a v1 request for this credential and returns its
// cache key.
func (c *credential) resourceKey(req TokenRequest) ([]string, error) {
	if !c.v1 {
		return nil, &ConfigError{Field: "Resource", Reason: "this credential cannot ask the v1 endpoint for a resource's token; use Scopes (" + c.kind + ")"}
	}
	if req.Scopes == nil {
		if k, ok := c.v1Keys.m.Load(req.Resource); ok {
			return k.([]string), nil
		}
	}
	if err := checkResource(req); err != nil {
		return nil, err
	}
	key := v1Key(req.Resource)
	if c.v1Keys.n.Add(1) <= maxV1Keys {
		c.v1Keys.m.Store(req.Resource, key)
	}
	return key, nil
}

// clientAuth adds a confidential client's authentication to a v1 token
// request's form: client_secret, or a client_assertion for endpoint.
type clientAuth func(ctx context.Context, endpoint string, form url.Values) error

func secretAuth(secret Secret) clientAuth {
	return func(_ context.Context, _ string, form url.Values) error {
		form.Set("client_secret", string(secret))
		return nil
	}
}

func assertionAuth(sign func(ctx context.Context, endpoint string) (string, error)) clientAuth {
	return func(ctx context.Context, endpoint string, form url.Values) error {
		a, err := sign(ctx, endpoint)
		if err != nil {
			return err
		}
		form.Set("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
		form.Set("client_assertion", a)
		return nil
	}
}

// v1Source gets app-only tokens from the v1 token endpoint
// (/{tenant}/oauth2/token, resource=…), which MSAL does not speak: the
// client-credentials grant of the data-sync tools that were set up with a
// Token URL and a resource.
type v1Source struct {
	authority string // https://host
	clientID  string
	auth      clientAuth
	http      *http.Client // with the retry policy
	tracer    trace.Tracer // nil: no spans
}

// routedSource sends v1 keys to the v1 source and the rest to MSAL.
type routedSource struct {
	v2 tokenSource
	v1 *v1Source
}

func (r routedSource) token(ctx context.Context, q tokenQuery) (issued, error) {
	if resource, ok := v1Resource(q.scopes); ok {
		return r.v1.token(ctx, q, resource)
	}
	return r.v2.token(ctx, q)
}

// enableV1 lets the credential ask for v1 tokens, authenticating with auth.
// It is called by the constructor, before the credential is shared.
func (c *credential) enableV1(auth clientAuth) {
	c.src = routedSource{v2: c.src, v1: &v1Source{authority: c.opts.authority, clientID: c.clientID, auth: auth,
		http: c.opts.retrying, tracer: c.tel.tracerOf()}}
	c.v1 = true
}

func (s *v1Source) token(ctx context.Context, q tokenQuery, resource string) (issued, error) {
	endpoint := s.authority + "/" + url.PathEscape(q.tenant) + "/oauth2/token"
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {s.clientID}, "resource": {resource}}
	if q.claims != "" {
		form.Set("claims", q.claims)
	}
	if err := s.auth(ctx, endpoint, form); err != nil {
		return issued{}, &AuthError{Err: fmt.Errorf("graphauth: getting the client assertion: %w", err)}
	}
	ctx = context.WithValue(ctx, captureKey{}, &capture{budget: q.budget})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, strings.NewReader(form.Encode()))
	if err != nil {
		return issued{}, &AuthError{Err: fmt.Errorf("graphauth: the v1 token request: %w", err)}
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	resp, body, err := traceRequest(s.tracer, req, msalHTTP{c: s.http}.send)
	switch {
	case err != nil && errors.Is(err, ErrUnexpectedResponse):
		return issued{}, &AuthError{Err: err}
	case err != nil:
		return issued{}, &AuthError{Err: fmt.Errorf("graphauth: token request: %w", transportCause(err))}
	case resp.StatusCode >= 400:
		return issued{}, authErrorFromBody(resp.StatusCode, resp.Header, body)
	case resp.StatusCode != http.StatusOK:
		return issued{}, &AuthError{StatusCode: resp.StatusCode, Err: fmt.Errorf("%w: HTTP %d, %s, %d bytes", ErrUnexpectedResponse, resp.StatusCode, contentType(resp.Header), len(body))}
	}
	var tr oauthwire.TokenResponse
	if err := json.Unmarshal(body, &tr); err != nil {
		return issued{}, &AuthError{StatusCode: resp.StatusCode, Err: fmt.Errorf("%w: not a token response (%s, %d bytes)", ErrUnexpectedResponse, contentType(resp.Header), len(body))}
	}
	if tr.TokenType != "" && !strings.EqualFold(tr.TokenType, "Bearer") {
		return issued{}, &AuthError{StatusCode: resp.StatusCode, Err: fmt.Errorf("%w: token_type %q is not Bearer", ErrUnexpectedResponse, clip(tr.TokenType, 20))}
	}
	out := issued{accessToken: tr.AccessToken, expiresIn: int64(tr.ExpiresIn), refreshIn: int64(tr.RefreshIn)}
	if on, err := strconv.ParseInt(string(tr.ExpiresOn), 10, 64); err == nil && out.expiresIn == 0 && on > 0 && on < 1<<40 {
		out.expiresOn = time.Unix(on, 0) // an answer with expires_on alone, as some v1 proxies send
	}
	return out, nil
}

// transportCause drops *url.Error's URL and keeps its cause.
func transportCause(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}
