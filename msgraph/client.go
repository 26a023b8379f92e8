package msgraph

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"go.opentelemetry.io/otel/trace"

	"github.com/entrakit/entrakit/graphauth"
	"github.com/entrakit/entrakit/internal/retry"
)

// Client calls Microsoft Graph with tokens from a graphauth credential. It
// is safe for concurrent use, and holds no tokens itself: the credential
// caches them.
type Client struct {
	cred     graphauth.TokenCredential
	base     *url.URL // scheme and host of Graph, e.g. https://graph.microsoft.com
	version  string
	scopes   []string
	resource string
	tenantID string
	http     *http.Client
}

// Options configures a Client. Every zero value is the default.
type Options struct {
	// Cloud is the national cloud, whose Graph the client calls and asks
	// tokens for. The zero value means the credential's cloud
	// (graphauth.CloudOf: a US Government credential's Graph is
	// graph.microsoft.us), else graphauth.AzurePublic.
	Cloud graphauth.Cloud
	// Endpoint overrides where requests go (the fake platform's URL in
	// tests), an https URL, optionally with the version
	// ("https://graph.microsoft.com/beta"). Tokens are still asked for the
	// cloud's Graph. Empty means Cloud.GraphEndpoint.
	Endpoint string
	// Version is the API version a relative path is sent to: "v1.0" or
	// "beta". Empty means "v1.0". A path that starts with /v1.0/ or /beta/
	// keeps its own.
	Version string
	// Scopes are the token's scopes. Nil means the cloud's Graph
	// "/.default" (app-only); a delegated credential may name its scopes.
	Scopes []string
	// Resource asks the credential for v1 tokens of this resource
	// (graphauth.TokenRequest.Resource, e.g. "https://graph.microsoft.com"),
	// for an app set up with a v1 Token URL, instead of Scopes. Empty means
	// Scopes.
	Resource string
	// TenantID is the tenant to work in, for a multi-tenant credential.
	// Empty means the credential's own tenant.
	TenantID string
	// HTTPClient sends the requests. Nil means a client with a 60-second
	// timeout.
	HTTPClient *http.Client
	// Retry bounds the retries after a 429 (any method) or a 5xx answer or
	// connection error (GET and HEAD only: a write may have been applied).
	// Retry-After is honoured when the wait ends before the context's
	// deadline (and the HTTPClient's Timeout); a zero MaxRetryAfter means 5
	// minutes here, so that the deadline is what bounds the wait. The zero
	// value is otherwise the default policy.
	Retry graphauth.RetryOptions
	// TracerProvider receives a client span per request sent to Graph.
	// Nil means no spans.
	TracerProvider trace.TracerProvider
}

// NewClient returns a Client that authenticates with cred. A nil opts uses
// the defaults. It returns an error for a nil cred, an Endpoint that is not
// an https URL (http is accepted for loopback hosts only), or an unknown
// Version.
func NewClient(cred graphauth.TokenCredential, opts *Options) (*Client, error) {
	if cred == nil {
		return nil, errors.New("msgraph: NewClient needs a credential")
	}
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.Cloud.GraphEndpoint == "" {
		o.Cloud = graphauth.AzurePublic
		if c, ok := graphauth.CloudOf(cred); ok && c.GraphEndpoint != "" {
			o.Cloud = c // the credential's tokens are for that Graph
		}
	}
	endpoint := o.Endpoint
	if endpoint == "" {
		endpoint = o.Cloud.GraphEndpoint
	}
	base, version, err := parseEndpoint(endpoint)
	if err != nil {
		return nil, err
	}
	if o.Version == "" {
		o.Version = version
	}
	switch o.Version {
	case "":
		o.Version = "v1.0"
	case "v1.0", "beta":
	default:
		return nil, fmt.Errorf("msgraph: Version %q is neither v1.0 nor beta", clip(o.Version, 20))
	}
	scopes := o.Scopes
	switch {
	case o.Resource != "" && scopes != nil:
		return nil, errors.New("msgraph: Options name a Resource (v1) or Scopes (v2), not both")
	case scopes == nil && o.Resource == "":
		scopes = []string{o.Cloud.DefaultScope()}
	}
	hc := o.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: 60 * time.Second}
	}
	// The retrying layer hands redirects up unfollowed; the outer client
	// follows them, with the token on Graph's host only.
	traced := &http.Client{Timeout: hc.Timeout, Jar: hc.Jar, Transport: tracing(o.TracerProvider, hc.Transport, o.TenantID),
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	r := o.Retry
	if r.MaxRetryAfter == 0 {
		r.MaxRetryAfter = 5 * time.Minute
	}
	traced = retry.Client(traced, retry.Policy{MaxRetries: r.MaxRetries, MinWait: r.MinWait, MaxWait: r.MaxWait,
		MaxRetryAfter: r.MaxRetryAfter, Methods: []string{http.MethodGet, http.MethodHead}})
	traced.CheckRedirect = redirects(hc.CheckRedirect)
	return &Client{cred: cred, base: base, version: o.Version, scopes: scopes, resource: o.Resource, tenantID: o.TenantID, http: traced}, nil
}

// parseEndpoint reads Options.Endpoint: scheme and host, and optionally
// the API version as its path ("https://graph.microsoft.com/v1.0").
func parseEndpoint(endpoint string) (*url.URL, string, error) {
	u, err := url.Parse(strings.TrimSuffix(endpoint, "/"))
	version := ""
	if err == nil {
		switch u.Path {
		case "/v1.0", "/beta":
			version, u.Path = u.Path[1:], ""
		}
	}
	if err != nil || u.Host == "" || u.User != nil || u.Path != "" || u.RawQuery != "" || u.Fragment != "" {
		return nil, "", fmt.Errorf("msgraph: Endpoint %q is not a Graph URL such as https://graph.microsoft.com", clip(endpoint, 100))
	}
	if u.Scheme != "https" && !(u.Scheme == "http" && isLoopback(u.Hostname())) {
		return nil, "", fmt.Errorf("msgraph: Endpoint %q must be an https URL", clip(endpoint, 100))
	}
	return &url.URL{Scheme: u.Scheme, Host: hostOf(u)}, version, nil
}

// hostOf is u's host in lower case, without the scheme's default port
// (https://graph.microsoft.com:443 is https://graph.microsoft.com), so
// that links compare equal however they spell it.
func hostOf(u *url.URL) string {
	host := strings.ToLower(u.Host)
	switch {
	case u.Scheme == "https" && strings.HasSuffix(host, ":443"):
		return strings.TrimSuffix(host, ":443")
	case u.Scheme == "http" && strings.HasSuffix(host, ":80"):
		return strings.TrimSuffix(host, ":80")
	}
	return host
}

func isLoopback(host string) bool {
	return host == "localhost" || host == "127.0.0.1" || host == "::1"
}

// redirects follows a redirect on Graph's host, in Graph's scheme, as it
// is. One to another host (a report's pre-authenticated download URL) is
// followed over https only, and without the bearer token, which only
// Graph's host may see; one that leaves https for http is refused, on any
// host, since Go would keep the token on the same host. Then next applies
// (Go's default when nil).
func redirects(next func(*http.Request, []*http.Request) error) func(*http.Request, []*http.Request) error {
	return func(req *http.Request, via []*http.Request) error {
		if len(via) > 0 {
			foreign := !strings.EqualFold(req.URL.Host, via[0].URL.Host)
			if req.URL.Scheme != "https" && (foreign || via[0].URL.Scheme == "https") {
				return fmt.Errorf("%w: a redirect to %s over %s", ErrForeignLink, clip(req.URL.Host, 100), clip(req.URL.Scheme, 10))
			}
			if foreign {
				req.Header.Del("Authorization")
			}
		}
		if next != nil {
			return next(req, via)
		}
		if len(via) >= 10 {
			return errors.New("msgraph: stopped after 10 redirects")
		}
		return nil
	}
}

// Endpoint is the Graph host the client calls, such as
// "https://graph.microsoft.com".
func (c *Client) Endpoint() string { return c.base.String() }

// URL resolves path for the client: a path such as "/users?$top=5" is sent
// to the client's API version, with what a URL may not hold (spaces, '#',
// quotes, non-ASCII) percent-encoded, so that a $filter or a guest's user
// principal name can be written as Graph's documentation writes it; one that starts with /v1.0/ or /beta/ keeps
// its version; an absolute URL (a nextLink) must be on the client's host,
// or the error wraps ErrForeignLink.
func (c *Client) URL(path string) (string, error) {
	if strings.HasPrefix(path, "https://") || strings.HasPrefix(path, "http://") {
		u, err := url.Parse(path)
		if err != nil {
			return "", fmt.Errorf("msgraph: the link is not a URL: %w", err)
		}
		if u.Scheme != c.base.Scheme || hostOf(u) != c.base.Host || u.User != nil {
			return "", fmt.Errorf("%w: %s, not %s", ErrForeignLink, clip(u.Host, 100), c.base.Host)
		}
		return path, nil
	}
	if !strings.HasPrefix(path, "/") {
		return "", fmt.Errorf("msgraph: path %q must start with /", clip(path, 100))
	}
	path = escapeLoose(path)
	if strings.HasPrefix(path, "/v1.0/") || strings.HasPrefix(path, "/beta/") {
		return c.base.String() + path, nil
	}
	return c.base.String() + "/" + c.version + path, nil
}

// escapeLoose percent-encodes what a path written as Graph's documentation
// writes it may hold but a URL may not: spaces ($filter=displayName eq
// 'Lee Gu'), '#' (a guest's user principal name, lee_contoso.com#EXT#@…,
// which would otherwise end the URL and read another resource), quotes,
// control characters and non-ASCII letters. Everything else, '%' escapes
// already made included, is kept.
func escapeLoose(path string) string {
	const loose = " \"#<>\\^`{|}"
	var b strings.Builder
	for i := 0; i < len(path); i++ {
		c := path[i]
		if c < 0x20 || c >= 0x7f || strings.IndexByte(loose, c) >= 0 {
			fmt.Fprintf(&b, "%%%02X", c)
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// transportCause drops *url.Error's URL, which can carry a query with
// personal data, and keeps the cause testable with errors.Is.
func transportCause(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// maxBody caps what is read of a successful answer.
const maxBody = 32 << 20

// Do sends one request: path as for URL, body (when not nil) as JSON, and
// a JSON answer decoded into out (when not nil). A refusal is a
// *GraphError (see ParseGraphError), as is an answer that is not the JSON
// expected; credential errors come back as the credential returned them.
func (c *Client) Do(ctx context.Context, method, path string, body, out any) error {
	return c.do(ctx, method, path, body, out, false)
}

// do is Do; eventual sends ConsistencyLevel: eventual whatever the URL
// says, for the later pages of an advanced query.
func (c *Client) do(ctx context.Context, method, path string, body, out any, eventual bool) error {
	target, err := c.URL(path)
	if err != nil {
		return err
	}
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return fmt.Errorf("msgraph: encoding the request: %w", err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, target, rd)
	if err != nil {
		return fmt.Errorf("msgraph: %w", err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if eventual {
		req.Header.Set("ConsistencyLevel", "eventual")
	}
	resp, err := c.Send(ctx, req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 400 {
		ge := ParseGraphError(resp)
		if !c.fromGraph(resp) {
			ge.Claims = "" // another host's challenge is not Graph's
		}
		return ge
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	switch {
	case err != nil:
		return &GraphError{StatusCode: resp.StatusCode, Method: method, Path: clip(req.URL.EscapedPath(), 200), Err: transportCause(err)}
	case len(data) > maxBody:
		return &GraphError{StatusCode: resp.StatusCode, Method: method, Path: clip(req.URL.EscapedPath(), 200), Err: fmt.Errorf("an answer over %d bytes", maxBody)}
	case out == nil || len(bytes.TrimSpace(data)) == 0:
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return &GraphError{StatusCode: resp.StatusCode, Method: method, Path: clip(req.URL.EscapedPath(), 200),
			Err: fmt.Errorf("the answer is not the JSON expected: %w", err)}
	}
	return nil
}

// Get is Do for a GET.
func (c *Client) Get(ctx context.Context, path string, out any) error {
	return c.Do(ctx, http.MethodGet, path, nil, out)
}
