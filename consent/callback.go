package consent

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/entrakit/entrakit/graphauth"
	"github.com/entrakit/entrakit/internal/ids"
)

// Callback completes both legs of the round trip at the redirect URI. It
// first opens the sealed cookie of the callback's state, with no network
// request: a callback without one ends at once with
// graphauth.ErrStateMismatch. The admin consent's redirect (error first,
// then admin_consent=True and tenant) is checked against the pinned tenant
// and the tenant lists, and answered with a redirect to sign in at that
// tenant. The sign-in's redirect is redeemed, its ID token's tid compared
// with the consented tenant, the grant confirmed and the tenant recorded,
// all within HandlerOptions.Timeout. When MaxConcurrent callbacks are
// already at that stage, or a callback with a code would exceed
// MaxProofsPerMinute, it answers 503 with Retry-After instead, without a
// request to the platform, leaving the state usable, and does not call
// Done.
func (h *Handler) Callback() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		q := r.URL.Query()
		name, p, ok := h.peek(r, q.Get("state"))
		switch {
		case !ok:
			h.opts.Done(w, r, Record{}, graphauth.ErrStateMismatch)
		case p.SignIn == nil:
			h.consented(w, r, name, p, q)
		default:
			h.signedIn(w, r, name, p, q)
		}
	})
}

// peek opens the cookie of state without using it up.
func (h *Handler) peek(r *http.Request, state string) (string, pending, bool) {
	if len(state) < 16 {
		return "", pending{}, false
	}
	name := h.cookieName(state)
	c, err := r.Cookie(name)
	if err != nil {
		return "", pending{}, false
	}
	var p pending
	if h.box.Open(name, c.Value, &p) != nil || subtle.ConstantTimeCompare([]byte(p.State), []byte(state)) != 1 ||
		h.now().Sub(p.Created) > consentLifetime {
		return "", pending{}, false
	}
	return name, p, true
}

// consume deletes the cookie and reports whether its state is used for the
// first time.
func (h *Handler) consume(w http.ResponseWriter, name string, p pending) bool {
	http.SetCookie(w, &http.Cookie{Name: name, Path: h.path, MaxAge: -1, HttpOnly: true, Secure: h.sec, SameSite: http.SameSiteLaxMode})
	return h.used.First(p.State, h.now(), consentLifetime)
}

// consented handles the admin consent's redirect: it sends the browser on
// to sign in at the tenant the redirect claims.
func (h *Handler) consented(w http.ResponseWriter, r *http.Request, name string, p pending, q url.Values) {
	if !h.consume(w, name, p) {
		h.opts.Done(w, r, Record{}, graphauth.ErrStateMismatch)
		return
	}
	res, err := ParseCallback(q, p.State)
	if err == nil {
		err = h.admit(p.Pinned, res.TenantID)
	}
	if err == nil {
		p.Consented = res.TenantID
		err = h.redirectToSignIn(w, r, p)
	}
	if err != nil {
		h.opts.Done(w, r, Record{AppState: p.AppState}, err)
	}
}

// admit checks a claimed tenant against the pinned one and the lists.
func (h *Handler) admit(pinned, tenant string) error {
	if ids.IsGUID(pinned) && !strings.EqualFold(pinned, tenant) {
		return fmt.Errorf("%w: Start asked for %s, the consent came back for %s", ErrTenantMismatch, pinned, tenant)
	}
	if !h.allowed(tenant) {
		return ErrTenantNotAllowed
	}
	return nil
}

// redirectToSignIn starts the OpenID Connect sign-in at the consented
// tenant, keeping its state, nonce and PKCE verifier in a new cookie.
func (h *Handler) redirectToSignIn(w http.ResponseWriter, r *http.Request, p pending) error {
	s, err := h.signIn(p.signInTenant())
	if err != nil {
		return err
	}
	authURL, sp, err := s.AuthCodeURL(graphauth.AuthRequest{})
	if err != nil {
		return err
	}
	next := pending{State: sp.State, Created: h.now(), Pinned: p.Pinned, Consented: p.Consented, SignIn: &sp, AppState: p.AppState}
	if err := h.setCookie(w, next); err != nil {
		return err
	}
	http.Redirect(w, r, authURL, http.StatusFound)
	return nil
}

// signedIn handles the sign-in's redirect, within a slot, the rate bound
// and a deadline.
func (h *Handler) signedIn(w http.ResponseWriter, r *http.Request, name string, p pending, q url.Values) {
	select {
	case h.slots <- struct{}{}:
		defer func() { <-h.slots }()
	default:
		busy(w, 5*time.Second, "too many tenants are being onboarded at once")
		return
	}
	// Only a code costs a request: Complete refuses an error or a missing
	// code before any.
	charged := q.Get("code") != "" && q.Get("error") == ""
	if charged {
		if ok, wait := h.proofs.take(); !ok {
			busy(w, wait, "too many tenants were onboarded in the last minute")
			return
		}
	}
	if !h.consume(w, name, p) {
		if charged {
			h.proofs.refund() // a used state makes no request
		}
		h.opts.Done(w, r, Record{}, graphauth.ErrStateMismatch)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), h.timeout)
	defer cancel()
	rec, err := h.prove(ctx, p, q)
	if err == nil && h.opts.Background {
		rec, err = h.recordPending(ctx, rec)
		if err == nil {
			h.confirmLater(rec)
		}
	} else if err == nil {
		rec, err = h.confirmNow(ctx, rec)
	}
	if err != nil && ctx.Err() != nil && !errors.Is(err, ctx.Err()) {
		// graphauth may report the last answer it read rather than the
		// deadline that cut the next request short.
		err = fmt.Errorf("consent: the callback gave up after %s: %w (%w)", h.timeout, ctx.Err(), err)
	}
	if err != nil {
		rec = Record{AppState: p.AppState}
	}
	h.opts.Done(w, r, rec, err)
}

// prove redeems the sign-in and requires its ID token's tenant to be the
// consented one. It returns the start of the tenant's record.
func (h *Handler) prove(ctx context.Context, p pending, q url.Values) (Record, error) {
	s, err := h.signIn(p.signInTenant())
	if err != nil {
		return Record{}, err
	}
	u, err := s.Complete(ctx, *p.SignIn, q)
	if err != nil {
		return Record{}, err
	}
	_ = s.SignOut(ctx, u.AccountID) // the administrator's tokens are not kept
	if !strings.EqualFold(u.TenantID, p.Consented) {
		return Record{}, fmt.Errorf("%w: the consent named %s, the administrator signed in to %s", ErrTenantMismatch, p.Consented, u.TenantID)
	}
	if !h.allowed(u.TenantID) {
		return Record{}, ErrTenantNotAllowed
	}
	// The ID token shows a user of the tenant, not an administrator: the
	// grant's roles are what show that an administrator consented.
	// graphauth.User does not expose the ID token's wids (directory roles)
	// claim, so the user's role is not checked here; the roles suffice.
	// ConsentedAt is now unless the tenant's record, read in the same
	// step as it is written (keepConsent), has an earlier one.
	return Record{TenantID: p.Consented, ConsentedAt: h.now(), ConsentedBy: u.Username, AppState: p.AppState}, nil
}

// keepConsent returns rec with the ConsentedAt of the tenant's stored
// record old, when there is one: a round trip for a tenant that consented
// before (or that another replica recorded a moment ago) keeps when it
// first consented.
func keepConsent(rec, old Record, ok bool) Record {
	if ok && !old.ConsentedAt.IsZero() {
		rec.ConsentedAt = old.ConsentedAt
	}
	return rec
}

// confirmNow confirms the proven tenant's grant and records it.
func (h *Handler) confirmNow(ctx context.Context, rec Record) (Record, error) {
	c, err := h.confirmGrant(ctx, rec.TenantID)
	if err != nil {
		return Record{}, err
	}
	rec.Roles, rec.Missing, rec.LastVerified, rec.Status = c.Roles, c.Missing, h.now(), StatusConfirmed
	claimed := false
	stored, _, err := update(ctx, h.opts.Registry, rec.TenantID, func(old Record, ok bool) (Record, bool) {
		if claimed = claimedByOther(old, ok, rec.AppState); claimed {
			return old, false
		}
		return keepClient(keepConsent(rec, old, ok), old, ok), true
	})
	switch {
	case err != nil:
		return Record{}, err
	case claimed:
		return Record{}, ErrTenantClaimed
	}
	return stored, nil
}

// busy answers 503 with Retry-After, leaving the callback's state in its
// cookie for the retry.
func busy(w http.ResponseWriter, wait time.Duration, why string) {
	secs := max(1, int((wait+time.Second-1)/time.Second))
	w.Header().Set("Retry-After", strconv.Itoa(secs))
	http.Error(w, fmt.Sprintf("consent: %s; try again in %d seconds", why, secs), http.StatusServiceUnavailable)
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

// confirmGrant confirms the proven tenant once an app-only token there
// carries the required roles, or at least one role when none are
// required. A token without them, or the app still unknown in the tenant
// when time runs out, is a *GrantError.
func (h *Handler) confirmGrant(ctx context.Context, tenant string) (Confirmation, error) {
	mode := confirmMode(0)
	if len(h.opts.Required) == 0 {
		mode = anyRole
	}
	c, err := confirm(ctx, h.opts.Credential, tenant, h.opts.Required, h.confirm, mode)
	var ae *graphauth.AuthError
	switch {
	case err == nil && c.Confirmed() && len(c.Roles) > 0:
		return c, nil
	case err == nil || errors.As(err, &ae) && ae.HasCode(700016):
		return c, &GrantError{TenantID: tenant, Roles: c.Roles, Missing: c.Missing, Action: grantAction, Err: err}
	default:
		return c, err
	}
}
