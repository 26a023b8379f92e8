package registration

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/entrakit/entrakit/graphauth"
	"github.com/entrakit/entrakit/internal/retry"
)

// Client automates app registration through Microsoft Graph v1.0 with any
// graphauth credential. It is safe for concurrent use. Each method names the
// Graph permission the calling app needs; a 403 comes back as a
// *GraphError listing them.
type Client struct {
	cred     graphauth.TokenCredential
	base     string // e.g. https://graph.microsoft.com
	scopes   []string
	http     *http.Client
	tenantID string
}

// ClientOptions configures a Client. Zero values are the defaults.
type ClientOptions struct {
	// Cloud is the national cloud, whose Graph the client calls and asks
	// tokens for. The zero value means graphauth.AzurePublic.
	Cloud graphauth.Cloud
	// GraphEndpoint overrides where requests go (the fake platform's URL in
	// tests); tokens are still asked for the cloud's Graph. Empty means
	// Cloud.GraphEndpoint.
	GraphEndpoint string
	// HTTPClient sends the requests. Nil means a client with a 30-second
	// timeout.
	HTTPClient *http.Client
	// TenantID is the tenant to work in, for a multi-tenant credential.
	// Empty means the credential's own tenant.
	TenantID string
	// Retry bounds the retries after a 429 (any request), or a 5xx answer or
	// a connection error (GET only: a write may have been applied). The
	// zero value is the default policy.
	Retry graphauth.RetryOptions
}

// NewClient returns a Client that authenticates with cred. A nil opts uses
// the defaults.
func NewClient(cred graphauth.TokenCredential, opts *ClientOptions) (*Client, error) {
	if cred == nil {
		return nil, errors.New("registration: NewClient needs a credential")
	}
	var o ClientOptions
	if opts != nil {
		o = *opts
	}
	if o.Cloud.GraphEndpoint == "" {
		o.Cloud = graphauth.AzurePublic
	}
	c := &Client{cred: cred, base: strings.TrimSuffix(o.GraphEndpoint, "/"), http: o.HTTPClient, tenantID: o.TenantID,
		scopes: []string{o.Cloud.DefaultScope()}}
	if c.base == "" {
		c.base = o.Cloud.GraphEndpoint
	}
	if !strings.HasPrefix(c.base, "https://") {
		return nil, fmt.Errorf("registration: GraphEndpoint %q must be an https URL", c.base)
	}
	if c.http == nil {
		c.http = &http.Client{Timeout: 30 * time.Second}
	}
	c.http = retry.Client(c.http, retry.Policy{MaxRetries: o.Retry.MaxRetries, MinWait: o.Retry.MinWait, MaxWait: o.Retry.MaxWait,
		MaxRetryAfter: o.Retry.MaxRetryAfter, Methods: []string{http.MethodGet, http.MethodHead}})
	return c, nil
}

// GraphError is a refusal from Microsoft Graph.
type GraphError struct {
	StatusCode int
	Code       string // e.g. "Authorization_RequestDenied"
	Message    string
	RequestID  string
	Date       string
	// Required lists the permissions the operation accepts (any one is
	// enough) when Graph answered 403: the calling app has none of them.
	Required []string
	Err      error // the transport or parse cause, if any
}

// Error returns one line with the code, message and, for a 403, the
// permissions to grant.
func (e *GraphError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "registration: Graph answered %d", e.StatusCode)
	if e.Code != "" {
		fmt.Fprintf(&b, " %s", e.Code)
	}
	if e.Message != "" {
		fmt.Fprintf(&b, ": %s", e.Message)
	}
	if len(e.Required) > 0 {
		fmt.Fprintf(&b, " (the calling app needs one of these application permissions: %s)", strings.Join(e.Required, ", "))
	}
	if e.RequestID != "" {
		fmt.Fprintf(&b, " [request-id %s]", e.RequestID)
	}
	if e.Err != nil {
		fmt.Fprintf(&b, ": %v", e.Err)
	}
	return b.String()
}

// Unwrap returns the cause.
func (e *GraphError) Unwrap() error { return e.Err }

// NotFound reports a 404.
func (e *GraphError) NotFound() bool { return e.StatusCode == http.StatusNotFound }

const maxGraphBody = 8 << 20

// do sends one Graph request and decodes a JSON answer into out (when not
// nil). need lists the permissions the operation accepts, for a 403.
func (c *Client) do(ctx context.Context, method, path string, body, out any, need ...string) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return fmt.Errorf("registration: encoding the request: %w", err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+"/v1.0"+path, rd)
	if err != nil {
		return fmt.Errorf("registration: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	tok, err := c.cred.Token(ctx, graphauth.TokenRequest{TenantID: c.tenantID, Scopes: c.scopes})
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	resp, err := c.http.Do(req)
	if err != nil {
		return &GraphError{Err: fmt.Errorf("%s %s: %w", method, path, errors.Unwrap(err))}
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxGraphBody))
	if err != nil {
		return &GraphError{StatusCode: resp.StatusCode, Err: err}
	}
	if resp.StatusCode >= 300 {
		return graphError(resp, data, need)
	}
	if out == nil || len(data) == 0 {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return &GraphError{StatusCode: resp.StatusCode, Err: fmt.Errorf("the answer to %s %s is not the JSON expected: %w", method, path, err)}
	}
	return nil
}

func graphError(resp *http.Response, data []byte, need []string) *GraphError {
	e := &GraphError{StatusCode: resp.StatusCode, RequestID: resp.Header.Get("request-id")}
	var body struct {
		Error struct {
			Code       string `json:"code"`
			Message    string `json:"message"`
			InnerError struct {
				Date      string `json:"date"`
				RequestID string `json:"request-id"`
			} `json:"innerError"`
		} `json:"error"`
	}
	if json.Unmarshal(data, &body) == nil && body.Error.Code != "" {
		e.Code, e.Message, e.Date = body.Error.Code, body.Error.Message, body.Error.InnerError.Date
		if e.RequestID == "" {
			e.RequestID = body.Error.InnerError.RequestID
		}
	} else {
		e.Err = fmt.Errorf("a %s body of %d bytes that is not Graph's error JSON", resp.Header.Get("Content-Type"), len(data))
	}
	if resp.StatusCode == http.StatusForbidden {
		e.Required = need
	}
	return e
}
