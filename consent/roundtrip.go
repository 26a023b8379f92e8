package consent

import (
	"fmt"
	"net/http"
	"time"

	"github.com/entrakit/entrakit/graphauth"
)

// pending is what the sealed cookie carries from one leg to the next.
type pending struct {
	State   string    `json:"s"`
	Created time.Time `json:"t"`
	Pinned  string    `json:"p,omitempty"` // the tenant Start asked for, if any
	// Set for the sign-in leg only:
	Consented string             `json:"c,omitempty"` // the GUID the consent's redirect named
	SignIn    *graphauth.Pending `json:"i,omitempty"` // state, nonce and PKCE verifier
	// AppState is the product's own state (Redirect), on both legs.
	AppState string `json:"a,omitempty"`
}

// signInTenant is where the administrator signs in: the pinned tenant (a
// domain is resolved by the platform), else the consented one.
func (p pending) signInTenant() string { return p.signInTenantOr(p.Consented) }

// signInTenantOr is the pinned tenant, else def.
func (p pending) signInTenantOr(def string) string {
	if p.Pinned != "" {
		return p.Pinned
	}
	return def
}

// cookieName names the cookie of the round trip whose state this is.
func (h *Handler) cookieName(state string) string { return h.prefix + "entrakit_consent_" + state[:16] }

// maxCookie is the most a browser keeps of one cookie, name and value
// (RFC 6265 §6.1); a larger one is dropped without a word.
const maxCookie = 4096

// fits checks that the round trip's largest cookie, the sign-in leg's,
// stays within maxCookie with p's pinned tenant and AppState, which JSON
// may escape to six bytes a character: a cookie the browser dropped would
// end the round trip with graphauth.ErrStateMismatch after the consent.
func (h *Handler) fits(p pending) error {
	s, err := h.signIn(p.signInTenantOr("organizations"))
	if err != nil {
		return err
	}
	_, sp, err := s.AuthCodeURL(graphauth.AuthRequest{})
	if err != nil {
		return err
	}
	next := pending{State: sp.State, Created: p.Created, Pinned: p.Pinned, Consented: "00000000-0000-0000-0000-000000000000", SignIn: &sp, AppState: p.AppState}
	name := h.cookieName(next.State)
	value, err := h.box.Seal(name, next)
	if err != nil {
		return err
	}
	if len(name)+1+len(value) > maxCookie {
		return &graphauth.ConfigError{Field: "appState", Reason: fmt.Sprintf("takes %d bytes once sealed with the tenant, more than the %d a browser keeps in a cookie: "+
			"keep a short key to the product's own record instead (characters such as < & \" and control characters take several bytes each)", len(name)+1+len(value), maxCookie)}
	}
	return nil
}

// setCookie seals p into the cookie named after its state.
func (h *Handler) setCookie(w http.ResponseWriter, p pending) error {
	name := h.cookieName(p.State)
	value, err := h.box.Seal(name, p)
	if err != nil {
		return err
	}
	http.SetCookie(w, &http.Cookie{Name: name, Value: value, Path: h.path, MaxAge: int(consentLifetime / time.Second),
		HttpOnly: true, Secure: h.sec, SameSite: http.SameSiteLaxMode})
	return nil
}
