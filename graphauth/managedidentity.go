package graphauth

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/managedidentity"
	"github.com/golang-jwt/jwt/v5"

	"github.com/entrakit/entrakit/internal/ids"
	"github.com/entrakit/entrakit/internal/retry"
)

// ManagedIdentityCredential gets tokens for the managed identity of the
// Azure resource the process runs on: through IMDS on virtual machines and
// AKS nodes, through IDENTITY_ENDPOINT and IDENTITY_HEADER on App Service
// and Functions, and through the endpoints of Service Fabric (its
// certificate pinned by IDENTITY_SERVER_THUMBPRINT), Azure Arc, Azure ML
// and Cloud Shell. MSAL Go's managed identity client finds the endpoint and
// speaks its protocol; this credential adds the same cache, single
// request per key, background refresh, retries and typed errors as the
// other credentials. It is safe for concurrent use.
type ManagedIdentityCredential struct{ c *credential }

// ManagedIdentityOptions configures a ManagedIdentityCredential. At most one
// of ClientID, ObjectID and ResourceID may be set; none means the
// system-assigned identity.
type ManagedIdentityOptions struct {
	Options
	// ClientID selects a user-assigned identity by its client ID.
	ClientID string
	// ObjectID selects a user-assigned identity by its object (principal) ID.
	ObjectID string
	// ResourceID selects a user-assigned identity by its Azure resource ID,
	// "/subscriptions/.../userAssignedIdentities/name".
	ResourceID string
	// IMDSEndpoint replaces IMDS's address,
	// http://169.254.169.254/metadata/identity/oauth2/token, with a URL on
	// loopback, such as the fake platform's (graphauthtest) or a local
	// proxy. Empty means the real IMDS. It has no effect where MSAL finds
	// another source (App Service's IDENTITY_ENDPOINT is read from the
	// environment).
	IMDSEndpoint string
	// TenantID, when set, is the tenant GUID the identity must be in: a
	// token the endpoint issues in another tenant (a managed identity gets
	// tokens in its own tenant only) is refused with an *AuthError (Code
	// "wrong_tenant") wrapping a *ConfigError, rather than used to read
	// another directory. Empty
	// means the identity's own tenant, whichever it is.
	TenantID string
}

// imdsHost is where MSAL sends IMDS requests.
const imdsHost = "169.254.169.254"

// How often, and after how long, a request that IMDS answered 404 or 410
// (it is being updated) is sent again: after 250 ms, then 500 ms, for a
// 404. IMDS answers 410 while it is upgraded, which its documentation says
// lasts at most 70 seconds: a 410 is retried, the wait doubling up to 8 s,
// until 70 s have passed (or the caller's deadline), as azidentity does,
// rather than failing the first token of a process started meanwhile.
const (
	imdsUpdateRetries = 2
	imdsUpdateWait    = 250 * time.Millisecond
	imdsUpgradeWindow = 70 * time.Second
	imdsMaxWait       = 8 * time.Second
)

// imdsRetry reports whether a request IMDS answered status is sent again,
// after attempt tries since first, and after how long.
func imdsRetry(status, attempt int, first time.Time) (time.Duration, bool) {
	wait := min(imdsUpdateWait<<min(attempt-1, 8), imdsMaxWait)
	switch status {
	case http.StatusNotFound:
		return time.Duration(attempt) * imdsUpdateWait, attempt <= imdsUpdateRetries
	case http.StatusGone:
		return wait, time.Since(first)+wait <= imdsUpgradeWindow
	}
	return 0, false
}

// NewManagedIdentityCredential returns a credential for the managed
// identity opts selects. A nil opts means the system-assigned identity
// with the default options. It returns a *ConfigError when more than one
// identity is selected, an ID is malformed, IMDSEndpoint is not a loopback
// URL, AllowedTenants is set (a managed identity has one tenant) or MSAL
// refuses the identity for the source it finds. No request is sent.
func NewManagedIdentityCredential(opts *ManagedIdentityOptions) (*ManagedIdentityCredential, error) {
	var o ManagedIdentityOptions
	if opts != nil {
		o = *opts
	}
	id, name, err := o.identity()
	if err != nil {
		return nil, err
	}
	if len(o.AllowedTenants) > 0 {
		return nil, &ConfigError{Field: "AllowedTenants", Reason: "a managed identity gets tokens in its own tenant only"}
	}
	if o.TenantID != "" && !ids.IsGUID(o.TenantID) {
		return nil, &ConfigError{Field: "TenantID", Reason: "must be the tenant GUID the managed identity is in"}
	}
	r, err := resolve(&o.Options)
	if err != nil {
		return nil, err
	}
	h := &miHTTP{msalHTTP: msalHTTP{c: r.retrying}, base: r.http, policy: r.policy}
	if o.IMDSEndpoint != "" {
		if h.imds, err = loopbackURL(o.IMDSEndpoint); err != nil {
			return nil, err
		}
	}
	tel, err := newTelemetry("managed identity", r.meters, r.tracers)
	if err != nil {
		return nil, err
	}
	h.tracer = tel.tracerOf()
	// MSAL's own retries sleep a fixed second; the credential's retry policy
	// (Retry-After, backoff, the caller's deadline) runs in h instead.
	client, err := managedidentity.New(id, managedidentity.WithHTTPClient(h), managedidentity.WithRetryPolicyDisabled())
	if err != nil {
		return nil, &ConfigError{Field: "ManagedIdentity", Reason: "MSAL refused the identity", Err: errors.New(firstLine(err.Error()))}
	}
	c := newEngine("managed identity", "managed_identity", name, &miSource{client: client, tenant: strings.ToLower(o.TenantID)}, r)
	c.tel = tel
	return &ManagedIdentityCredential{c}, nil
}

// identity converts the selection to MSAL's ID, and names it for logs.
func (o ManagedIdentityOptions) identity() (managedidentity.ID, string, error) {
	set := 0
	for _, v := range []string{o.ClientID, o.ObjectID, o.ResourceID} {
		if v != "" {
			set++
		}
	}
	switch {
	case set > 1:
		return nil, "", &ConfigError{Field: "ManagedIdentity", Reason: "set at most one of ClientID, ObjectID and ResourceID"}
	case o.ClientID != "":
		if err := ids.Client(o.ClientID); err != nil {
			return nil, "", &ConfigError{Field: "ClientID", Reason: err.Error()}
		}
		return managedidentity.UserAssignedClientID(o.ClientID), o.ClientID, nil
	case o.ObjectID != "":
		if !ids.IsGUID(o.ObjectID) {
			return nil, "", &ConfigError{Field: "ObjectID", Reason: "must be a GUID"}
		}
		return managedidentity.UserAssignedObjectID(o.ObjectID), o.ObjectID, nil
	case o.ResourceID != "":
		if !strings.HasPrefix(strings.ToLower(o.ResourceID), "/subscriptions/") || strings.ContainsAny(o.ResourceID, "?#& ") {
			return nil, "", &ConfigError{Field: "ResourceID", Reason: "must be an Azure resource ID, /subscriptions/.../userAssignedIdentities/name"}
		}
		return managedidentity.UserAssignedResourceID(o.ResourceID), o.ResourceID, nil
	}
	return managedidentity.SystemAssigned(), "system-assigned", nil
}

func loopbackURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || !ids.IsLoopbackHost(strings.Trim(u.Hostname(), "[]")) || u.RawQuery != "" || u.User != nil {
		return nil, &ConfigError{Field: "IMDSEndpoint", Reason: "must be an http(s) URL on loopback, without a query"}
	}
	return u, nil
}

// Token returns an access token for req, whose Scopes name one resource
// ("https://vault.azure.net/.default"); nil means Microsoft Graph. Errors
// are *AuthError for refusals by the endpoint and transport failures (its
// Code and Description from the endpoint's error body), or wrap
// ErrTenantNotAllowed when req names a tenant.
func (c *ManagedIdentityCredential) Token(ctx context.Context, req TokenRequest) (Token, error) {
	return c.c.Token(ctx, req)
}

// String names the identity; a managed identity has no secret to show.
func (c *ManagedIdentityCredential) String() string {
	if c == nil || c.c == nil {
		return "graphauth.ManagedIdentityCredential{}"
	}
	return fmt.Sprintf("graphauth.ManagedIdentityCredential{Identity: %q}", c.c.clientID)
}

// Format prints String for every verb.
func (c *ManagedIdentityCredential) Format(f fmt.State, _ rune) { fmt.Fprint(f, c.String()) }

// Close stops the credential's background refresh, cancels its requests
// under way and forgets its cached tokens; Token then returns ErrClosed.
// Close is idempotent and always returns nil.
func (c *ManagedIdentityCredential) Close() error { return c.c.Close() }

// miSource asks MSAL's managed identity client for tokens.
type miSource struct {
	client managedidentity.Client
	tenant string // ManagedIdentityOptions.TenantID, lower case
}

// bypassMSALCache is sent as the claims of every request. MSAL keeps
// managed identity tokens in one cache for the whole process, and skips it
// only for a request with claims, which it does not send on: the engine
// asks the source when it wants a new token, and MSAL's copy of the old one
// (or one from another credential for the same identity) is not that.
const bypassMSALCache = "{}"

func (s *miSource) token(ctx context.Context, q tokenQuery) (issued, error) {
	if len(q.scopes) != 1 {
		return issued{}, &AuthError{Err: &ConfigError{Field: "Scopes", Reason: "a managed identity token is for one resource: give exactly one scope"}}
	}
	claims := q.claims
	if claims == "" {
		claims = bypassMSALCache
	}
	cp := &capture{budget: q.budget}
	ctx = context.WithValue(ctx, captureKey{}, cp)
	res, err := s.client.AcquireToken(ctx, q.scopes[0], managedidentity.WithClaims(claims))
	if err != nil {
		return issued{}, classifyMI(err, cp)
	}
	if err := s.checkTenant(res.AccessToken); err != nil {
		return issued{}, err
	}
	out := issued{accessToken: res.AccessToken, expiresOn: res.ExpiresOn}
	if status, _, body := cp.get(); status == http.StatusOK {
		out.expiresIn = miExpiresIn(body)
	}
	return out, nil
}

// checkTenant refuses a token whose tenant (tid) is not the configured
// one. A token that is no JWT, or has no tid, names no tenant to compare.
func (s *miSource) checkTenant(accessToken string) error {
	if s.tenant == "" {
		return nil
	}
	claims := jwt.MapClaims{}
	if _, _, err := jwt.NewParser().ParseUnverified(accessToken, claims); err != nil {
		return nil
	}
	tid, _ := claims["tid"].(string)
	if tid == "" || strings.EqualFold(tid, s.tenant) {
		return nil
	}
	return &AuthError{Code: "wrong_tenant", Err: &ConfigError{Field: "TenantID", Reason: "the managed identity is in tenant " + clip(noToken(tid), 64) +
		", not " + s.tenant + ": a managed identity gets tokens in its own tenant only; give it access there, or use an app registered for " + s.tenant}}
}

// miExpiresIn reads expires_in, which IMDS sends as a string of seconds
// and other endpoints as a number; 0 when absent or malformed (the engine
// then uses the expiry MSAL computed from expires_on).
func miExpiresIn(body []byte) int64 {
	var v struct {
		ExpiresIn json.RawMessage `json:"expires_in"`
	}
	if json.Unmarshal(body, &v) != nil || len(v.ExpiresIn) == 0 {
		return 0
	}
	n, err := strconv.ParseInt(strings.Trim(string(v.ExpiresIn), `"`), 10, 64)
	if err != nil || n < 0 {
		return 0
	}
	return n
}

// classifyMI turns a failure into an *AuthError. Besides the OAuth error
// body that IMDS sends, App Service answers {"statusCode":400,"message":...}
// and some hosts {"error":{"code":...,"message":...}}; those are read too.
func classifyMI(err error, cp *capture) *AuthError {
	aerr := classify(err, cp)
	if aerr.Code != "" || !errors.Is(aerr.Err, ErrUnexpectedResponse) {
		return aerr
	}
	status, _, body := cp.get()
	var v struct {
		Message string `json:"message"`
		Error   struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if status < 400 || json.Unmarshal(body, &v) != nil {
		return aerr
	}
	code, msg := v.Error.Code, v.Error.Message
	if msg == "" {
		code, msg = "managed_identity_error", v.Message
	}
	if msg == "" {
		return aerr
	}
	aerr.Code, aerr.Description, aerr.Err = clip(noToken(code), 64), clip(noToken(firstLine(msg)), maxDescription), nil
	return aerr
}

// noToken cuts s where something shaped like a token starts, and mends
// invalid UTF-8: an endpoint's message is never trusted to hold no token.
func noToken(s string) string {
	if i := strings.Index(s, "eyJ"); i >= 0 {
		s = s[:i] + "(token redacted)"
	}
	return strings.ToValidUTF8(s, "?")
}

// miHTTP is the HTTP client MSAL's managed identity client gets: the
// credential's retrying client, IMDS pointed at IMDSEndpoint when set, and
// every answer recorded for classify.
type miHTTP struct {
	msalHTTP
	imds   *url.URL     // nil: the real IMDS
	base   *http.Client // the caller's client, which Service Fabric's pinned client derives from
	policy retry.Policy // the retry policy of msalHTTP.c, for that derived client
}

func (m miHTTP) Do(req *http.Request) (*http.Response, error) {
	imds := req.URL.Host == imdsHost
	if m.imds != nil && imds {
		u := *m.imds
		u.RawQuery = req.URL.RawQuery
		req = req.Clone(req.Context())
		req.URL, req.Host = &u, u.Host
	}
	cp, _ := req.Context().Value(captureKey{}).(*capture)
	resp, body, err := traceRequest(m.tracer, req, m.send)
	// IMDS answers 404 and 410 while it is being updated, and asks to be
	// tried again; the retry policy covers 429 and 5xx already.
	first := time.Now()
	// A wait that would outlast the caller's deadline is not begun: the
	// caller gets IMDS's own answer (an *AuthError with its status), not a
	// bare deadline.
	for attempt := 1; imds && err == nil; attempt++ {
		wait, again := imdsRetry(resp.StatusCode, attempt, first)
		if !again || !(retry.Policy{Budget: budgetOf}).Fits(req.Context(), req, time.Now().Add(wait)) {
			break
		}
		timer := time.NewTimer(wait)
		select {
		case <-req.Context().Done():
			timer.Stop()
		case <-timer.C:
			resp, body, err = traceRequest(m.tracer, req, m.send)
			continue
		}
		break
	}
	if err != nil {
		if cp != nil {
			cp.failed(err)
		}
		return nil, err
	}
	if resp.StatusCode == http.StatusOK {
		body = miEpochExpiry(body)
		resp.ContentLength = int64(len(body))
	}
	if cp != nil {
		cp.set(resp.StatusCode, resp.Header, body)
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	return resp, nil
}

// Cloud is the cloud whose Graph the credential's tokens are for (Options.Cloud,
// or the one its AuthorityHost names); see CloudOf.
func (c *ManagedIdentityCredential) Cloud() Cloud { return c.c.opts.cloud }
