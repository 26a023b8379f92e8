package graphauth

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/entrakit/entrakit/internal/pkce"
	"github.com/entrakit/entrakit/internal/sealed"
)

// HandlerOptions configures a SignInHandler.
type HandlerOptions struct {
	// Key encrypts and authenticates the per-sign-in cookie with AES-GCM:
	// 16, 24 or 32 random bytes, secret, and the same on every replica that
	// may receive the callback. Required.
	Key []byte
	// OnSignIn is called after a successful sign-in. It establishes the
	// app's own session and writes the response (a redirect, usually).
	// Required.
	OnSignIn func(w http.ResponseWriter, r *http.Request, u *User)
	// OnError is called when a sign-in fails, with ErrStateMismatch,
	// ErrLoginExpired, ErrMissingCode, *AuthError or *IDTokenError. Nil
	// means a plain-text page: 400 for the callback's faults, 502 for the
	// platform's.
	OnError func(w http.ResponseWriter, r *http.Request, err error)
	// Request shapes each sign-in from the login request (a login_hint from
	// a form, say). Nil means AuthRequest{}.
	Request func(r *http.Request) AuthRequest
}

// Format prints the options with the key redacted, for every verb.
func (o HandlerOptions) Format(f fmt.State, _ rune) {
	fmt.Fprintf(f, "graphauth.HandlerOptions{Key: %s}", redacted(string(o.Key)))
}

// SignInHandler is the login and callback pair a web app mounts. The
// per-sign-in state (state, nonce, PKCE verifier) lives in a cookie that is
// encrypted and authenticated, HttpOnly, SameSite=Lax (None for form_post,
// which posts across sites), valid for ten minutes, and single-use.
//
// The sealed state is bound to the browser that started the sign-in: it
// holds a random value that the browser also keeps in a second cookie,
// entrakit_browser, and the callback requires both to match. A sign-in
// cookie planted in a victim's browser (a sign-in the attacker started, to
// log the victim in to the attacker's account) is refused.
//
// When the redirect URI is https, both cookies are __Host- cookies (Secure,
// Path=/, no Domain), which a sibling subdomain cannot set or overwrite.
// On a loopback http redirect (http://localhost, for native and local
// apps) they cannot be: the sign-in cookie is scoped to the callback's path
// and not Secure, and a page on another loopback port could plant both.
type SignInHandler struct {
	s      *SignIn
	box    *sealed.Box
	opts   HandlerOptions
	prefix string // "__Host-" when the redirect URI is https
	path   string // the sign-in cookie's path: "/" for a __Host- cookie, else the callback's
	secure bool
	used   sealed.Once // states already completed, until their cookie expires
}

// maxCookie is the most a browser keeps of one cookie, name and value
// (RFC 6265 §6.1).
const maxCookie = 4096

// browserCookie names the cookie that binds sign-ins to the browser.
const browserCookie = "entrakit_browser"

// sealedPending is what the sign-in cookie holds: the Pending sign-in and
// the browser binding it was started with.
type sealedPending struct {
	Pending
	Browser string `json:"b"`
}

// Handler returns the login and callback handlers for this SignIn. It
// returns a *ConfigError for a key of the wrong size or a missing OnSignIn.
func (s *SignIn) Handler(opts HandlerOptions) (*SignInHandler, error) {
	box, err := sealed.New(opts.Key)
	if err != nil {
		return nil, &ConfigError{Field: "HandlerOptions.Key", Reason: "must be 16, 24 or 32 random bytes"}
	}
	if opts.OnSignIn == nil {
		return nil, &ConfigError{Field: "HandlerOptions.OnSignIn", Reason: "is required"}
	}
	u, _ := url.Parse(s.redirect) // checked by NewSignIn
	h := &SignInHandler{s: s, box: box, opts: opts, path: u.Path}
	if u.Scheme == "https" {
		h.prefix, h.path, h.secure = "__Host-", "/", true
	}
	if h.path == "" {
		h.path = "/"
	}
	return h, nil
}

func (h *SignInHandler) cookieName(state string) string {
	return h.prefix + "entrakit_signin_" + state[:16]
}

// cookie is one of the handler's cookies: HttpOnly, host-only, Secure over
// https, SameSite=Lax, or None and Secure for form_post.
func (h *SignInHandler) cookie(name, value, path string, maxAge int, formPost bool) *http.Cookie {
	c := &http.Cookie{Name: name, Value: value, Path: path, MaxAge: maxAge, HttpOnly: true, Secure: h.secure, SameSite: http.SameSiteLaxMode}
	if formPost {
		c.SameSite, c.Secure = http.SameSiteNoneMode, true
	}
	return c
}

// browser returns the browser's binding: the one its cookie holds, so
// that sign-ins in several tabs share it, or a new random one.
func (h *SignInHandler) browser(r *http.Request) string {
	if c, err := r.Cookie(h.prefix + browserCookie); err == nil && len(c.Value) == 43 {
		return c.Value
	}
	return pkce.Random(32)
}

// Login starts a sign-in: it sets the cookies and redirects to the
// platform.
func (h *SignInHandler) Login() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req AuthRequest
		if h.opts.Request != nil {
			req = h.opts.Request(r)
		}
		authURL, p, err := h.s.AuthCodeURL(req)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		name, browser := h.cookieName(p.State), h.browser(r)
		value, err := h.box.Seal(name, sealedPending{Pending: p, Browser: browser})
		if err != nil {
			h.fail(w, r, err)
			return
		}
		if n := len(name) + 1 + len(value); n > maxCookie {
			// A browser drops a larger cookie without a word, and the
			// callback would then fail as if forged.
			h.fail(w, r, &ConfigError{Field: "Scopes", Reason: fmt.Sprintf("the sign-in's scopes make its cookie %d bytes, more than the %d a browser keeps: ask for fewer scopes at once (incremental consent)", n, maxCookie)})
			return
		}
		maxAge, formPost := int(loginLifetime/time.Second), req.ResponseMode == "form_post"
		http.SetCookie(w, h.cookie(h.prefix+browserCookie, browser, "/", maxAge, formPost))
		http.SetCookie(w, h.cookie(name, value, h.path, maxAge, formPost))
		w.Header().Set("Cache-Control", "no-store")
		http.Redirect(w, r, authURL, http.StatusFound)
	})
}

// Callback completes a sign-in and calls OnSignIn, or OnError.
func (h *SignInHandler) Callback() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
		if err := r.ParseForm(); err != nil {
			h.fail(w, r, ErrMissingCode)
			return
		}
		p, err := h.pending(w, r, r.Form.Get("state"))
		if err != nil {
			h.fail(w, r, err)
			return
		}
		u, err := h.s.Complete(r.Context(), p, r.Form)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		h.opts.OnSignIn(w, r, u)
	})
}

// pending opens the sign-in cookie of this state, deletes it, checks that
// it was started by this browser, and refuses a state seen before: a
// cookie is good for one callback.
func (h *SignInHandler) pending(w http.ResponseWriter, r *http.Request, state string) (Pending, error) {
	if len(state) < 16 {
		return Pending{}, ErrStateMismatch
	}
	name := h.cookieName(state)
	c, err := r.Cookie(name)
	if err != nil {
		return Pending{}, ErrStateMismatch
	}
	http.SetCookie(w, h.cookie(name, "", h.path, -1, false))
	var sp sealedPending
	if h.box.Open(name, c.Value, &sp) != nil {
		return Pending{}, ErrStateMismatch // tampered, or sealed with another key
	}
	b, err := r.Cookie(h.prefix + browserCookie)
	if err != nil || sp.Browser == "" || subtle.ConstantTimeCompare([]byte(b.Value), []byte(sp.Browser)) != 1 {
		return Pending{}, ErrStateMismatch // started in another browser: planted
	}
	if !h.used.First(sp.State, h.s.now(), loginLifetime) {
		return Pending{}, ErrStateMismatch
	}
	return sp.Pending, nil
}

func (h *SignInHandler) fail(w http.ResponseWriter, r *http.Request, err error) {
	if h.opts.OnError != nil {
		h.opts.OnError(w, r, err)
		return
	}
	status := http.StatusBadRequest
	var ae *AuthError
	if errors.As(err, &ae) && (ae.StatusCode >= 500 || ae.StatusCode == 0 && ae.Err != nil) {
		status = http.StatusBadGateway
	}
	http.Error(w, "sign-in failed: "+err.Error(), status)
}
