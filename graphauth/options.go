package graphauth

import (
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"

	"github.com/entrakit/entrakit/internal/ids"
	"github.com/entrakit/entrakit/internal/retry"
)

// Options configures a credential. Every field's zero value is the right
// default.
type Options struct {
	// Cloud is the national cloud. The zero value means the cloud whose
	// host AuthorityHost names (https://login.partner.microsoftonline.cn
	// is AzureChina; https://login.microsoftonline.us is AzureGovernment,
	// so AzureGovernmentDoD is named here), else AzurePublic. The cloud
	// chooses the Graph that tokens are for.
	Cloud Cloud
	// AuthorityHost overrides the cloud's authority host, for a private
	// deployment or the fake platform of package graphauthtest. It must be
	// an https URL. Empty means Cloud.AuthorityHost. On a Microsoft cloud's
	// host, or on loopback (the fake), tenants' endpoints are taken to have
	// Entra's shape (/{tenant}/oauth2/v2.0/token) and their OpenID
	// configuration is not fetched; elsewhere the first tenant's is.
	AuthorityHost string
	// HTTPClient sends every request. Nil means a client with a 30-second
	// timeout over a connection pool that every such credential in the
	// process shares; http.DefaultClient is never used.
	HTTPClient *http.Client
	// AllowedTenants are the tenants, besides the credential's own, that a
	// TokenRequest may name, compared ignoring ASCII case. "*" allows any
	// tenant named by a GUID or a domain name. Nil allows only the
	// credential's own tenant.
	AllowedTenants []string
	// Logger receives the credential's log records. Nil means silent. No
	// record ever holds a secret, an assertion or a token.
	Logger *slog.Logger
	// Store is a shared token cache behind the in-process one, for the
	// replicas of a service: a token one replica got serves the others.
	// Nil means tokens are cached in this process only. See [Store].
	Store Store
	// StoreTimeout bounds each Store read, which a token request waits
	// for, even when the Store ignores its context. Zero means 300 ms. A
	// write, which runs once the callers have their token, gets 1 s or
	// StoreTimeout, whichever is longer; Close waits for it.
	StoreTimeout time.Duration
	// Retry bounds the retries of token requests after 429, 5xx answers and
	// connection errors. The zero value is the default policy.
	Retry RetryOptions
	// MeterProvider receives the credential's metrics: token requests,
	// their duration, cache look-ups per layer, refresh lead, throttling,
	// Store calls and the days left on a certificate (see the Metric
	// constants). Nil means none are recorded, at no cost; pass
	// otel.GetMeterProvider() for the global one.
	MeterProvider metric.MeterProvider
	// TracerProvider receives a span per request the credential sends to the
	// identity platform, with the tenant, flow, status, AADSTS code and the
	// platform's trace and correlation IDs. Nil means no spans.
	TracerProvider trace.TracerProvider
	// RefreshShare is the share of a token's lifetime after which it is
	// refreshed in the background, when the platform sends no refresh_in. Zero
	// means 0.5. Up to a tenth of the lifetime of random jitter is taken off,
	// so that a fleet does not refresh in step.
	RefreshShare float64
	// Clock is the time the credential goes by: token expiry and refresh,
	// assertion lifetimes, ID token checks. Nil means the system clock, at
	// no cost on a cache hit; a test sets the fake platform's clock
	// (graphauthtest's Server.Clock) so that advancing it expires tokens.
	Clock Clock
}

// RetryOptions bound the retries of requests to the identity platform (and,
// in package registration, to Graph). A request is sent again after a 429,
// a 500, 502, 503 or 504, or a connection error, honouring Retry-After
// (seconds or an HTTP date), with capped exponential backoff and full
// jitter, within the request's context. An authorization code is never
// redeemed twice, and refusals such as a wrong secret are never retried.
type RetryOptions struct {
	// MaxRetries is how many times a request is sent again. Zero means 3;
	// negative means never.
	MaxRetries int
	// MinWait and MaxWait bound the backoff. Zero means 500 ms and 8 s.
	MinWait, MaxWait time.Duration
	// MaxRetryAfter is the longest Retry-After waited for; a longer one
	// goes back to the caller as an *AuthError with RetryAfter set. Zero
	// means 30 s.
	MaxRetryAfter time.Duration
}

// Policy converts the options for internal use; it is not meant for callers.
func (o RetryOptions) policy() retry.Policy {
	return retry.Policy{MaxRetries: o.MaxRetries, MinWait: o.MinWait, MaxWait: o.MaxWait, MaxRetryAfter: o.MaxRetryAfter}
}

// CertificateOptions configures a CertificateCredential.
type CertificateOptions struct {
	Options
	// SendCertificateChain sends the certificate chain in the assertion's x5c
	// header, for subject name and issuer authentication. False means only
	// the thumbprint is sent, which is what third-party apps need.
	SendCertificateChain bool
	// LegacyRS256 signs assertions with RS256 and an x5t (SHA-1) thumbprint
	// instead of the PS256 and x5t#S256 that Microsoft recommends, for older
	// stacks such as ADFS. False means PS256.
	LegacyRS256 bool
}

// resolved holds validated options.
type resolved struct {
	cloud     Cloud
	authority string       // https://host, no trailing slash
	known     bool         // the authority host is a Microsoft cloud's, so MSAL may use instance discovery
	entra     bool         // the authority host has Entra's shape: a Microsoft cloud's, or loopback (the fake platform)
	http      *http.Client // the caller's, or the default
	retrying  *http.Client // http with the retry policy, for token requests
	policy    retry.Policy // the retry policy retrying applies
	store     Store
	budget    storeBudget // how long Store calls may take
	allowAny  bool
	allowed   []string
	log       *slog.Logger
	share     float64
	meters    metric.MeterProvider // nil for none
	tracers   trace.TracerProvider // nil for none
	clock     Clock                // nil for the system clock
}

// sharedTransport is the connection pool of every credential created
// without an HTTPClient: one per process, so that credentials share
// connections to the platform and creating one opens nothing.
var sharedTransport = sync.OnceValue(func() *http.Transport {
	return http.DefaultTransport.(*http.Transport).Clone()
})

// resolve validates opts (nil allowed) and fills in defaults.
func resolve(opts *Options) (resolved, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	r := resolved{cloud: o.Cloud, http: o.HTTPClient, log: o.Logger, share: o.RefreshShare, store: o.Store,
		meters: o.MeterProvider, tracers: o.TracerProvider, clock: o.Clock, budget: budgetFor(o.StoreTimeout)}
	if r.cloud.AuthorityHost == "" {
		r.cloud = AzurePublic
		// AZURE_AUTHORITY_HOST=https://login.microsoftonline.us names a
		// cloud, as it does for azidentity: its tokens must be for that
		// cloud's Graph, not the public one's (read as ParseAuthority
		// reads a pasted URL of that host).
		if c, ok := cloudOfAuthorityHost(o.AuthorityHost); ok {
			r.cloud = c
		}
	}
	r.authority = strings.TrimSuffix(r.cloud.AuthorityHost, "/")
	if o.AuthorityHost != "" {
		r.authority = strings.TrimSuffix(o.AuthorityHost, "/")
	}
	if err := checkAuthorityHost(r.authority); err != nil {
		return r, err
	}
	for _, c := range []Cloud{AzurePublic, AzureGovernment, AzureChina} {
		if strings.EqualFold(r.authority, c.AuthorityHost) {
			r.known = true
		}
	}
	if u, err := url.Parse(r.authority); err == nil {
		r.entra = r.known || ids.IsLoopbackHost(u.Hostname())
	}
	if r.http == nil {
		r.http = &http.Client{Timeout: 30 * time.Second, Transport: sharedTransport()}
	}
	if r.log == nil {
		r.log = slog.New(slog.DiscardHandler)
	}
	p := o.Retry.policy()
	p.Skip = isCodeRedemption
	p.Budget = budgetOf
	r.retrying, r.policy = retry.Client(noRedirects(r.http), p), p
	if r.share <= 0 || r.share >= 1 {
		if r.share != 0 {
			return r, &ConfigError{Field: "RefreshShare", Reason: "must be between 0 and 1 (zero means 0.5)"}
		}
		r.share = 0.5
	}
	for _, t := range o.AllowedTenants {
		if t == "*" {
			r.allowAny = true
			continue
		}
		if err := ids.Tenant(t); err != nil {
			return r, &ConfigError{Field: "AllowedTenants", Reason: err.Error()}
		}
		r.allowed = append(r.allowed, strings.ToLower(t))
	}
	return r, nil
}

// cloudOfAuthorityHost is the Microsoft cloud whose authority host (or an
// alias of it) host is: https, no path, port 443 or none.
func cloudOfAuthorityHost(host string) (Cloud, bool) {
	u, err := url.Parse(strings.TrimSuffix(host, "/"))
	if err != nil || !strings.EqualFold(u.Scheme, "https") || u.User != nil || u.Path != "" || u.RawQuery != "" ||
		u.Port() != "" && u.Port() != "443" {
		return Cloud{}, false
	}
	c, ok := hostClouds[strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")]
	return c, ok
}

// noRedirects returns a copy of c that never follows a redirect: the
// identity platform answers its requests directly, and a 307 or 308 from a
// proxy would otherwise send a token request (secret, assertion or code)
// again, body and all, to wherever it points. The redirect answer itself
// comes back, and is reported as an unexpected response.
func noRedirects(c *http.Client) *http.Client {
	cp := *c
	cp.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &cp
}

// checkAuthorityHost enforces https. MSAL refuses http even on loopback, so
// the fake platform serves TLS.
func checkAuthorityHost(host string) error {
	u, err := url.Parse(host)
	if err != nil || u.Host == "" {
		return &ConfigError{Field: "AuthorityHost", Reason: "must be an absolute URL such as https://login.microsoftonline.com"}
	}
	if u.Scheme != "https" {
		return &ConfigError{Field: "AuthorityHost", Reason: "must use https (" + u.Scheme + " given)"}
	}
	if u.Path != "" && u.Path != "/" || u.RawQuery != "" || u.User != nil {
		return &ConfigError{Field: "AuthorityHost", Reason: "must be only scheme and host, without a path, query or user"}
	}
	return nil
}

// isCodeRedemption reports whether req redeems an authorization code, which
// the platform accepts once: such a request is never retried.
func isCodeRedemption(req *http.Request) bool {
	if req.Method != http.MethodPost || req.GetBody == nil {
		return false
	}
	body, err := req.GetBody()
	if err != nil {
		return true // cannot tell: do not risk a second redemption
	}
	defer body.Close()
	data, err := io.ReadAll(io.LimitReader(body, 64<<10))
	if err != nil {
		return true
	}
	form, err := url.ParseQuery(string(data))
	return err != nil || form.Get("grant_type") == "authorization_code"
}
