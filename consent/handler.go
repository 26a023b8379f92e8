package consent

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/entrakit/entrakit/graphauth"
	"github.com/entrakit/entrakit/internal/ids"
	"github.com/entrakit/entrakit/internal/pkce"
	"github.com/entrakit/entrakit/internal/sealed"
)

// Sentinel errors of the onboarding round trip. Nothing is recorded for a
// round trip that ends with one of them.
var (
	// ErrTenantNotAllowed means the consented tenant is on the deny-list,
	// or not on the allow-list.
	ErrTenantNotAllowed = errors.New("consent: this tenant may not be onboarded")
	// ErrTenantMismatch means the round trip named two tenants: the consent
	// came back for another tenant than the one Start asked for, or the
	// administrator signed in to another tenant than the one the consent
	// named. A forged or crossed callback looks like this.
	ErrTenantMismatch = errors.New("consent: the tenant that signed in is not the tenant asked for")
	// ErrTenantClaimed means the tenant is onboarded, its grant confirmed,
	// for another AppState (another of the product's client records)
	// than the round trip carried: its record is left as it is. (A round
	// trip that carries no AppState keeps the record's.) The
	// round trip proves that a user of the tenant signed in, not that an
	// administrator did, and a member or a guest of an onboarded tenant
	// who forges the consent's redirect would otherwise move the tenant
	// to a client record of their choosing. To move a tenant, delete its
	// record (Registry.Delete) and onboard it again.
	ErrTenantClaimed = errors.New("consent: the tenant is onboarded for another client record (AppState); delete its record to onboard it again")
)

// claimedByOther reports whether old, the tenant's stored record, binds
// the tenant to another AppState than appState: a confirmed record with
// an AppState of its own, and a round trip that carries another. A round
// trip that carries none (Start) claims nothing: keepClient keeps the
// record's.
func claimedByOther(old Record, ok bool, appState string) bool {
	return ok && old.Status == StatusConfirmed && old.AppState != "" && appState != "" && old.AppState != appState
}

// keepClient returns rec with the AppState of old, the tenant's confirmed
// record, when rec carries none.
func keepClient(rec, old Record, ok bool) Record {
	if ok && old.Status == StatusConfirmed && rec.AppState == "" {
		rec.AppState = old.AppState
	}
	return rec
}

// Defaults of HandlerOptions.
const (
	consentLifetime      = 15 * time.Minute // bounds each leg of the round trip
	defaultMaxConcurrent = 8
	defaultMaxProofs     = 30 // a minute; an MSP onboards a few tenants a day
	defaultTimeout       = 30 * time.Second
	defaultConfirmWait   = 15 * time.Second
	// defaultBackgroundWait is Confirm.Timeout with Background: a new
	// grant can take a minute or two to reach the tenant's tokens.
	defaultBackgroundWait = 2 * time.Minute
	// MaxAppState is the most bytes of product state that Redirect
	// carries through the round trip: it travels, sealed, in a cookie.
	MaxAppState = 512
)

// HandlerOptions configures an onboarding Handler.
type HandlerOptions struct {
	// Key seals the per-consent cookie (AES-GCM): 16, 24 or 32 random bytes,
	// the same on every replica. Required.
	Key []byte
	// ClientAuth is the app's secret or certificate, with which the
	// handler redeems the sign-in that proves the tenant (see Handler).
	// Required: without it nothing could prove a tenant.
	ClientAuth graphauth.ClientAuth
	// Credential gets app-only tokens in customer tenants to confirm the
	// grant's roles; it must allow them (graphauth.Options.AllowedTenants:
	// "*"). Required.
	Credential graphauth.TokenCredential
	// Required are the application permissions the grant must carry: the
	// handler records a tenant only once an app-only token there carries
	// all of them. Empty means at least one application permission, any:
	// a token without roles proves nothing was granted (see GrantError).
	Required []string
	// Confirm bounds the wait for the grant's roles to reach the tenant's
	// tokens, after which the round trip ends with a *GrantError. Its
	// Timeout must be shorter than Timeout; zero (or a nil Confirm) means
	// 15 seconds, or half of Timeout if that is less. A zero FirstWait
	// means one second.
	Confirm *ConfirmOptions
	// HTTPClient sends the sign-in's requests to the platform (code
	// redemption, ID token keys). Nil means a client of the handler's own
	// with a 30-second timeout.
	HTTPClient *http.Client
	// MaxConcurrent bounds the callbacks that prove and confirm a tenant at
	// once; one more is answered 503 Service Unavailable with Retry-After,
	// and its state stays usable for a retry. Zero means 8.
	MaxConcurrent int
	// MaxProofsPerMinute bounds the rate of sign-in callbacks that carry a
	// code, each of which costs a code redemption with the app's secret or
	// certificate and, once the tenant is proven, app-only token requests
	// to confirm the grant. Anyone can start and forge a round trip, so
	// MaxConcurrent alone does not bound their number. A third of a
	// minute's allowance (at least one) may come at once. Beyond it a
	// callback is answered 503 Service Unavailable with Retry-After,
	// without a request to the platform or a call to Done, and its state
	// stays usable for a retry. The bound is per Handler: each replica has
	// its own. Zero means 30 a minute, 10 at once: an MSP onboards a few
	// tenants a day.
	MaxProofsPerMinute int
	// Timeout bounds the network work of one callback: redeeming the
	// sign-in, confirming the grant and recording it. Zero means 30 seconds.
	Timeout time.Duration
	// Allowed, when not nil, lists the only tenants that may be onboarded;
	// Denied lists tenants that may not. Both hold tenant GUIDs.
	Allowed, Denied []string
	// Registry records onboarded tenants; nil means a MemoryRegistry.
	Registry Registry
	// Background confirms the grant after Done instead of before: once
	// the sign-in proved the tenant, the handler records it with
	// StatusPending (a tenant confirmed before keeps StatusConfirmed and
	// its roles meanwhile) and calls Done with that record at once; the
	// confirmation then runs on (up to Confirm.Timeout, two minutes by
	// default; at most MaxConcurrent at once, beyond which a record stays
	// pending for Reverify), and the record moves to StatusConfirmed or
	// StatusFailed, after which Confirmed is called.
	// Close stops confirmations still running, leaving their records
	// pending for Reverify. A pending record shows only that a user of the
	// tenant signed in, not that anything was granted: act on a tenant
	// only once its record is StatusConfirmed. (A member who is not an
	// administrator, and who forges the consent's redirect, so leaves a
	// record that ends StatusFailed, where the synchronous handler records
	// nothing.)
	Background bool
	// Confirmed, when not nil, is called with the final record of each
	// background confirmation (StatusConfirmed, or StatusFailed and the
	// error: a *GrantError, a token error, or the Registry's), from the
	// confirmation's goroutine. It must be safe for concurrent use.
	Confirmed func(rec Record, err error)
	// Done is called once at the end of every round trip, and writes the
	// response. It gets the record, and a nil error, only when the tenant
	// was proven, its grant confirmed (or, with Background, its pending
	// record stored) and the record stored; otherwise a Record holding
	// only the round trip's AppState (empty if the state could not be
	// read), and the error: graphauth.ErrStateMismatch, *Error (the
	// platform refused the consent), ErrTenantMismatch,
	// ErrTenantNotAllowed, *graphauth.AuthError or *graphauth.IDTokenError
	// (the proving sign-in failed), *GrantError (no administrator granted
	// the roles, or not yet: GrantError.Action says what to do),
	// context.DeadlineExceeded, another error getting the app-only token,
	// or the Registry's. Required.
	Done func(w http.ResponseWriter, r *http.Request, rec Record, err error)
	// Now is the clock for records, cookie lifetimes and
	// MaxProofsPerMinute; nil means time.Now.
	Now func() time.Time
}

// Format prints the options with the key and client credential redacted,
// for every verb.
func (o HandlerOptions) Format(f fmt.State, _ rune) {
	key := "(none)"
	if len(o.Key) > 0 {
		key = "REDACTED"
	}
	fmt.Fprintf(f, "consent.HandlerOptions{Key: %s, ClientAuth: %v, Required: %q, Allowed: %q, Denied: %q}", key, o.ClientAuth, o.Required, o.Allowed, o.Denied)
}

// Handler runs customer-tenant onboarding in two legs through the
// redirect URI. Start sends an administrator to admin consent (for the
// tenant in the "tenant" query parameter, which is then pinned, or for
// "organizations"). The consent's redirect only claims a tenant, so
// Callback next sends the browser to sign in at that tenant (OpenID
// Connect, PKCE, nonce); the second callback redeems the code, and only an
// ID token whose tid is the consented tenant (and the pinned one) proves it.
// The handler then confirms the grant's roles with an app-only token there
// (HandlerOptions.Required, or at least one role), records the tenant and
// calls Done. Each leg's state lives in a sealed, single-use cookie (a
// __Host- cookie off loopback, which no other origin can set) and is
// checked before any network request. It is safe for concurrent use.
//
// The ID token shows that a user of the tenant is at this browser, not that
// the user administers it, and the user's own consent at sign-in creates
// the app's service principal there. So the roles decide: a tenant whose
// app-only token lacks them ends with a *GrantError, and nothing is
// recorded, whoever signed in. A member of a tenant whose administrator
// granted them can complete a round trip for it, but not move the tenant,
// once confirmed, to another AppState (ErrTenantClaimed);
// Record.ConsentedBy names who signed in.
type Handler struct {
	cfg     Config
	opts    HandlerOptions
	box     *sealed.Box
	used    sealed.Once
	path    string
	sec     bool
	prefix  string // "__Host-" off loopback: a cookie no sibling subdomain can set
	now     func() time.Time
	http    *http.Client
	slots   chan struct{}
	proofs  *rate
	timeout time.Duration
	confirm ConfirmOptions
	bg      background
}

// NewHandler returns the onboarding handler pair for an app. It returns a
// *graphauth.ConfigError for bad configuration, including a missing Key,
// ClientAuth, Credential or Done.
func NewHandler(cfg Config, opts HandlerOptions) (*Handler, error) {
	if err := cfg.check(); err != nil {
		return nil, err
	}
	if err := opts.check(); err != nil {
		return nil, err
	}
	box, err := sealed.New(opts.Key)
	if err != nil {
		return nil, &graphauth.ConfigError{Field: "HandlerOptions.Key", Reason: err.Error()}
	}
	if opts.Registry == nil {
		opts.Registry = &MemoryRegistry{}
	}
	h := &Handler{cfg: cfg, opts: opts, box: box, now: time.Now, http: opts.HTTPClient,
		slots: make(chan struct{}, orDefault(opts.MaxConcurrent, defaultMaxConcurrent)), timeout: orDefault(opts.Timeout, defaultTimeout),
		confirm: ConfirmOptions{FirstWait: time.Second}}
	if opts.Confirm != nil {
		h.confirm = *opts.Confirm
	}
	if opts.Background {
		h.confirm.Timeout = orDefault(h.confirm.Timeout, defaultBackgroundWait)
	}
	h.confirm.Timeout = orDefault(h.confirm.Timeout, min(defaultConfirmWait, h.timeout/2))
	if h.confirm.Timeout >= h.timeout && !opts.Background {
		return nil, &graphauth.ConfigError{Field: "HandlerOptions.Confirm.Timeout", Reason: "must be shorter than HandlerOptions.Timeout"}
	}
	if opts.Now != nil {
		h.now = opts.Now
	}
	perMinute := orDefault(opts.MaxProofsPerMinute, defaultMaxProofs)
	h.proofs = newRate(perMinute, max(1, perMinute/3), h.now)
	if h.http == nil {
		h.http = &http.Client{Timeout: 30 * time.Second}
	}
	if _, err := h.signIn("organizations"); err != nil {
		return nil, err // a malformed ClientAuth or authority
	}
	u, _ := url.Parse(cfg.RedirectURI) // checked by cfg.check
	h.path = u.Path
	if h.path == "" {
		h.path = "/"
	}
	h.sec = !ids.IsLoopbackHost(u.Hostname())
	if h.sec {
		// A __Host- cookie (Secure, Path=/, no Domain) cannot be set by a
		// sibling subdomain: one that could would plant its own round
		// trip's cookie in an administrator's browser, and the tenant the
		// administrator consents for would be recorded with the planter's
		// AppState.
		h.prefix, h.path = "__Host-", "/"
	}
	h.bg.start(cap(h.slots))
	return h, nil
}

// orDefault returns v, or def when v is zero.
func orDefault[T int | time.Duration](v, def T) T {
	if v == 0 {
		return def
	}
	return v
}

func (o HandlerOptions) check() error {
	missing := func(field, why string) error {
		return &graphauth.ConfigError{Field: "HandlerOptions." + field, Reason: "is required: " + why}
	}
	switch {
	case o.Done == nil:
		return missing("Done", "it writes the response of every round trip")
	case o.ClientAuth.Secret == "" && o.ClientAuth.Key == nil:
		return missing("ClientAuth", "the handler proves each tenant by redeeming a sign-in there with the app's secret or certificate")
	case o.Credential == nil:
		return missing("Credential", "the handler confirms each tenant's grant with an app-only token there")
	case o.MaxConcurrent < 0 || o.Timeout < 0:
		return &graphauth.ConfigError{Field: "HandlerOptions.MaxConcurrent/Timeout", Reason: "must not be negative (zero means the default)"}
	case o.MaxProofsPerMinute < 0:
		return &graphauth.ConfigError{Field: "HandlerOptions.MaxProofsPerMinute", Reason: "must not be negative (zero means the default, 30)"}
	}
	for _, t := range append(append([]string(nil), o.Allowed...), o.Denied...) {
		if !ids.IsGUID(t) {
			return &graphauth.ConfigError{Field: "HandlerOptions.Allowed/Denied", Reason: t + " is not a tenant GUID"}
		}
	}
	return nil
}

// signIn returns a sign-in client at tenant, whose ID tokens must come from
// that tenant when it is a GUID. It asks for the OpenID Connect scopes and
// User.Read, which MSAL needs as a resource scope and which the
// administrator may consent to for themselves if the app does not declare
// it.
func (h *Handler) signIn(tenant string) (*graphauth.SignIn, error) {
	return graphauth.NewSignIn(tenant, h.cfg.ClientID, h.opts.ClientAuth, &graphauth.SignInOptions{
		Options:     graphauth.Options{Cloud: h.cfg.Cloud, AuthorityHost: h.cfg.AuthorityHost, HTTPClient: h.http},
		RedirectURI: h.cfg.RedirectURI,
	})
}

// Registry is where the handler records tenants.
func (h *Handler) Registry() Registry { return h.opts.Registry }

// Start redirects an administrator to admin consent, for the tenant in the
// "tenant" query parameter (a GUID or domain, pinned for the whole round
// trip) or, without one, for "organizations". Errors go to Done. A product
// that carries state of its own through the round trip calls Redirect
// instead.
func (h *Handler) Start() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := h.Redirect(w, r, r.URL.Query().Get("tenant"), ""); err != nil {
			h.opts.Done(w, r, Record{}, err)
		}
	})
}

// Redirect begins a round trip as Start does, for tenant (a GUID or
// domain, pinned for the whole round trip; empty or "organizations" for
// the administrator's own), carrying appState: the product's own state,
// such as which of its client records is being authorised. appState
// travels sealed (AES-GCM, so it can be neither read nor changed on the
// way) with the round trip's state, comes back in the Record that Done
// gets, errors included, and is stored in the Registry with the tenant.
// It holds at most MaxAppState bytes, and less when it is made of
// characters that JSON escapes (< & " and control characters take six
// bytes each) next to a long pinned domain: the round trip's cookies must
// fit in a browser. On success Redirect writes the redirect and returns
// nil; otherwise it writes nothing and returns a *graphauth.ConfigError.
func (h *Handler) Redirect(w http.ResponseWriter, r *http.Request, tenant, appState string) error {
	if len(appState) > MaxAppState {
		return &graphauth.ConfigError{Field: "appState", Reason: fmt.Sprintf("holds %d bytes, more than the %d that fit in the round trip's cookie: keep a key to the product's own record instead", len(appState), MaxAppState)}
	}
	tenant, err := h.readTenant(tenant)
	if err != nil {
		return err
	}
	p := pending{State: pkce.Random(24), Created: h.now(), Pinned: tenant, AppState: appState}
	if tenant == "" || tenant == "organizations" {
		tenant, p.Pinned = "organizations", ""
	}
	target, err := URL(h.cfg, tenant, p.State)
	if err == nil {
		err = h.fits(p)
	}
	if err == nil {
		err = h.setCookie(w, p)
	}
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, target, http.StatusFound)
	return nil
}
