package consent

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/entrakit/entrakit/graphauth"
	"github.com/entrakit/entrakit/internal/ids"
	"github.com/entrakit/entrakit/internal/pkce"
	"github.com/entrakit/entrakit/internal/sealed"
)

// ErrTenantNotAllowed means the consented tenant is on the deny-list, or
// not on the allow-list. Nothing is recorded for it.
var ErrTenantNotAllowed = errors.New("consent: this tenant may not be onboarded")

// consentLifetime bounds the round trip through the platform.
const consentLifetime = 15 * time.Minute

// HandlerOptions configures an onboarding Handler.
type HandlerOptions struct {
	// Key seals the per-consent cookie (AES-GCM): 16, 24 or 32 random bytes,
	// the same on every replica. Required.
	Key []byte
	// Credential gets app-only tokens in customer tenants to confirm the
	// grant; it must allow them (graphauth.Options.AllowedTenants: "*").
	// Nil skips the confirmation: the record then says "unconfirmed".
	Credential graphauth.TokenCredential
	// Required are the application permissions the grant must carry.
	Required []string
	// Confirm bounds the confirmation's retries; nil means the defaults.
	Confirm *ConfirmOptions
	// Allowed, when not nil, lists the only tenants that may be onboarded;
	// Denied lists tenants that may not. Both hold tenant GUIDs.
	Allowed, Denied []string
	// Registry records onboarded tenants; nil means a MemoryRegistry.
	Registry Registry
	// Done is called at the end of every round trip with the record (when
	// the consent succeeded) or the error: graphauth.ErrStateMismatch,
	// *Error, ErrTenantNotAllowed, or a confirmation error. It writes the
	// response. Required.
	Done func(w http.ResponseWriter, r *http.Request, rec Record, err error)
	// Now is the clock for records; nil means time.Now.
	Now func() time.Time
}

// Format prints the options with the key redacted, for every verb.
func (o HandlerOptions) Format(f fmt.State, _ rune) {
	key := "(none)"
	if len(o.Key) > 0 {
		key = "REDACTED"
	}
	fmt.Fprintf(f, "consent.HandlerOptions{Key: %s, Required: %q, Allowed: %q, Denied: %q}", key, o.Required, o.Allowed, o.Denied)
}

// Handler runs customer-tenant onboarding: Start sends an administrator to
// admin consent (tenant from the "tenant" query parameter, default
// "organizations"), Callback checks the state from a sealed single-use
// cookie, the tenant lists, confirms the grant with a token in the tenant,
// records it, and calls Done.
type Handler struct {
	cfg  Config
	opts HandlerOptions
	box  *sealed.Box
	used sealed.Once
	path string
	sec  bool
	now  func() time.Time
}

// NewHandler returns the onboarding handler pair for an app. It returns a
// *graphauth.ConfigError for bad configuration.
func NewHandler(cfg Config, opts HandlerOptions) (*Handler, error) {
	if err := cfg.check(); err != nil {
		return nil, err
	}
	box, err := sealed.New(opts.Key)
	if err != nil {
		return nil, &graphauth.ConfigError{Field: "HandlerOptions.Key", Reason: err.Error()}
	}
	if opts.Done == nil {
		return nil, &graphauth.ConfigError{Field: "HandlerOptions.Done", Reason: "is required"}
	}
	for _, t := range append(append([]string(nil), opts.Allowed...), opts.Denied...) {
		if !ids.IsGUID(t) {
			return nil, &graphauth.ConfigError{Field: "HandlerOptions.Allowed/Denied", Reason: t + " is not a tenant GUID"}
		}
	}
	if opts.Registry == nil {
		opts.Registry = &MemoryRegistry{}
	}
	h := &Handler{cfg: cfg, opts: opts, box: box, now: time.Now}
	if opts.Now != nil {
		h.now = opts.Now
	}
	u, _ := url.Parse(cfg.RedirectURI)
	h.path = u.Path
	if h.path == "" {
		h.path = "/"
	}
	h.sec = !ids.IsLoopbackHost(u.Hostname())
	return h, nil
}

// Registry is where the handler records tenants.
func (h *Handler) Registry() Registry { return h.opts.Registry }

type pending struct {
	State   string    `json:"s"`
	Created time.Time `json:"t"`
}

// Start redirects an administrator to admin consent.
func (h *Handler) Start() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tenant := r.URL.Query().Get("tenant")
		if tenant == "" {
			tenant = "organizations"
		}
		p := pending{State: pkce.Random(24), Created: h.now()}
		target, err := URL(h.cfg, tenant, p.State)
		if err != nil {
			h.opts.Done(w, r, Record{}, err)
			return
		}
		name := "entrakit_consent_" + p.State[:16]
		value, err := h.box.Seal(name, p)
		if err != nil {
			h.opts.Done(w, r, Record{}, err)
			return
		}
		http.SetCookie(w, &http.Cookie{Name: name, Value: value, Path: h.path, MaxAge: int(consentLifetime / time.Second),
			HttpOnly: true, Secure: h.sec, SameSite: http.SameSiteLaxMode})
		w.Header().Set("Cache-Control", "no-store")
		http.Redirect(w, r, target, http.StatusFound)
	})
}

// Callback completes the round trip.
func (h *Handler) Callback() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		q := r.URL.Query()
		state := q.Get("state")
		if !h.openState(w, r, state) {
			h.opts.Done(w, r, Record{}, graphauth.ErrStateMismatch)
			return
		}
		res, err := ParseCallback(q, state)
		if err != nil {
			h.opts.Done(w, r, Record{}, err)
			return
		}
		if !h.allowed(res.TenantID) {
			h.opts.Done(w, r, Record{}, ErrTenantNotAllowed)
			return
		}
		rec, err := h.confirm(r.Context(), res.TenantID)
		if err == nil {
			// Only a tenant where a token could be had is recorded: the
			// redirect's tenant alone is an unproven claim.
			err = h.opts.Registry.Put(r.Context(), rec)
		}
		h.opts.Done(w, r, rec, err)
	})
}

// openState finds, opens and deletes the cookie of state, once.
func (h *Handler) openState(w http.ResponseWriter, r *http.Request, state string) bool {
	if len(state) < 16 {
		return false
	}
	name := "entrakit_consent_" + state[:16]
	c, err := r.Cookie(name)
	if err != nil {
		return false
	}
	http.SetCookie(w, &http.Cookie{Name: name, Path: h.path, MaxAge: -1, HttpOnly: true, Secure: h.sec, SameSite: http.SameSiteLaxMode})
	var p pending
	if h.box.Open(name, c.Value, &p) != nil || p.State != state || h.now().Sub(p.Created) > consentLifetime {
		return false
	}
	return h.used.First(p.State, h.now(), consentLifetime)
}

func (h *Handler) allowed(tenant string) bool {
	for _, d := range h.opts.Denied {
		if strings.EqualFold(d, tenant) {
			return false
		}
	}
	if h.opts.Allowed == nil {
		return true
	}
	for _, a := range h.opts.Allowed {
		if strings.EqualFold(a, tenant) {
			return true
		}
	}
	return false
}

// confirm builds the tenant's record, proving the grant with a token when
// the handler has a credential.
func (h *Handler) confirm(ctx context.Context, tenant string) (Record, error) {
	now := h.now()
	rec := Record{TenantID: tenant, ConsentedAt: now, LastResult: "unconfirmed"}
	if old, ok, _ := h.opts.Registry.Get(ctx, tenant); ok && !old.ConsentedAt.IsZero() {
		rec.ConsentedAt = old.ConsentedAt
	}
	if h.opts.Credential == nil {
		return rec, nil
	}
	c, err := Confirm(ctx, h.opts.Credential, tenant, h.opts.Required, h.opts.Confirm)
	rec.Roles, rec.Missing = c.Roles, c.Missing
	switch {
	case err != nil:
		rec.LastResult = "error: " + strings.SplitN(err.Error(), "\n", 2)[0]
	case c.Confirmed():
		rec.LastVerified, rec.LastResult = h.now(), "confirmed"
	default:
		rec.LastVerified, rec.LastResult = h.now(), "pending: "+strings.Join(c.Missing, ", ")+" not yet in effect"
	}
	return rec, err
}
