package registration

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"go.opentelemetry.io/otel/trace"

	"github.com/entrakit/entrakit/graphauth"
	"github.com/entrakit/entrakit/msgraph"
)

// Client automates app registration through Microsoft Graph v1.0 with any
// graphauth credential. It is safe for concurrent use. It sends through the
// kit's one Graph client (package msgraph): Retry-After honoured, a span
// per request, nextLinks followed only on Graph's host. Each method names
// the Graph permission the calling app needs; a 403 comes back as a
// *GraphError listing them.
type Client struct {
	g *msgraph.Client
	// lag paces the retries of a write that Graph refused because an
	// object created moments before had not replicated yet.
	lag *replicationLag
}

// ClientOptions configures a Client. Zero values are the defaults.
type ClientOptions struct {
	// Cloud is the national cloud, whose Graph the client calls and asks
	// tokens for. The zero value means the credential's cloud
	// (graphauth.CloudOf), else graphauth.AzurePublic.
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
	// Scopes are the token's scopes. Nil means the cloud's Graph
	// "/.default" (app-only). An administrator's delegated credential (to
	// create a missing service principal, say) names its scopes here.
	Scopes []string
	// Retry bounds the retries after a 429 (any request), or a 5xx answer or
	// a connection error (GET only: a write may have been applied). Its
	// MinWait and MaxWait also pace the waits for an application created
	// moments before to replicate (EnsureServicePrincipal): 1 s doubling to
	// 8 s when zero. The zero value is the default policy.
	Retry graphauth.RetryOptions
	// TracerProvider receives a client span per Graph request. Nil means
	// no spans.
	TracerProvider trace.TracerProvider
}

// NewClient returns a Client that authenticates with cred. A nil opts uses
// the defaults. It returns an error for a nil cred or a GraphEndpoint that
// is not an https URL.
func NewClient(cred graphauth.TokenCredential, opts *ClientOptions) (*Client, error) {
	if cred == nil {
		return nil, errors.New("registration: NewClient needs a credential")
	}
	var o ClientOptions
	if opts != nil {
		o = *opts
	}
	if o.HTTPClient == nil {
		o.HTTPClient = &http.Client{Timeout: 30 * time.Second}
	}
	if o.GraphEndpoint != "" && !strings.HasPrefix(o.GraphEndpoint, "https://") {
		return nil, fmt.Errorf("registration: GraphEndpoint %q must be an https URL", o.GraphEndpoint)
	}
	g, err := msgraph.NewClient(cred, &msgraph.Options{Cloud: o.Cloud, Endpoint: o.GraphEndpoint, HTTPClient: o.HTTPClient,
		TenantID: o.TenantID, Scopes: o.Scopes, Retry: o.Retry, TracerProvider: o.TracerProvider})
	if err != nil {
		return nil, fmt.Errorf("registration: %w", err)
	}
	return &Client{g: g, lag: &replicationLag{first: o.Retry.MinWait, most: o.Retry.MaxWait}}, nil
}

// Graph returns the Graph client underneath, for calls this package has no
// method for (paging through users, say).
func (c *Client) Graph() *msgraph.Client { return c.g }

// GraphError is a refusal from Microsoft Graph: see [msgraph.GraphError].
// For the calls of this package's methods, Required lists the permissions
// the method documents.
type GraphError = msgraph.GraphError

// do sends one Graph request and decodes a JSON answer into out (when not
// nil). need lists the permissions the operation accepts, for a 403; nil
// keeps what Microsoft's permission map says.
func (c *Client) do(ctx context.Context, method, path string, body, out any, need ...string) error {
	send := func() error { return c.g.Do(ctx, method, path, body, out) }
	var err error
	if c.lag.created(path) {
		err = c.lag.retry(ctx, send, notFound)
	} else {
		err = send()
	}
	var ge *GraphError
	if errors.As(err, &ge) && ge.StatusCode == http.StatusForbidden && len(need) > 0 {
		ge.Required = need
	}
	return err
}
