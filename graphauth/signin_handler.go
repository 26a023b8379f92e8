package graphauth

import (
	"errors"
	"fmt"
	"github.com/entrakit/entrakit/internal/ids"
	"net/http"
	"net/url"
	"time"

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
// encrypted and authenticated, HttpOnly, Secure unless the redirect URI is
// loopback, SameSite=Lax (None for form_post, which posts across sites),
// scoped to the callback's path, valid for ten minutes, and single-use.
type SignInHandler struct {
	s      *SignIn
	box    *sealed.Box
	opts   HandlerOptions
	path   string
	secure bool
	used   sealed.Once // states already completed, until their cookie expires
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
	path := u.Path
	if path == "" {
		path = "/"
	}
	return &SignInHandler{s: s, box: box, opts: opts, path: path, secure: !ids.IsLoopbackHost(u.Hostname())}, nil
}

func cookieName(state string) string { return "entrakit_signin_" + state[:16] }

// Login starts a sign-in: it sets the cookie and redirects to the platform.
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
		name := cookieName(p.State)
		value, err := h.box.Seal(name, p)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		c := &http.Cookie{Name: name, Value: value, Path: h.path,
			MaxAge: int(loginLifetime / time.Second), HttpOnly: true, Secure: h.secure, SameSite: http.SameSiteLaxMode}
		if req.ResponseMode == "form_post" {
			c.SameSite, c.Secure = http.SameSiteNoneMode, true
		}
		http.SetCookie(w, c)
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

// pending opens the cookie of this state, deletes it, and refuses a state
// seen before: a cookie is good for one callback.
func (h *SignInHandler) pending(w http.ResponseWriter, r *http.Request, state string) (Pending, error) {
	if len(state) < 16 {
		return Pending{}, ErrStateMismatch
	}
	name := cookieName(state)
	c, err := r.Cookie(name)
	if err != nil {
		return Pending{}, ErrStateMismatch
	}
	http.SetCookie(w, &http.Cookie{Name: name, Value: "", Path: h.path, MaxAge: -1, HttpOnly: true, Secure: h.secure, SameSite: http.SameSiteLaxMode})
	var p Pending
	if h.box.Open(name, c.Value, &p) != nil {
		return Pending{}, ErrStateMismatch // tampered, or sealed with another key
	}
	if !h.used.First(p.State, h.s.now(), loginLifetime) {
		return Pending{}, ErrStateMismatch
	}
	return p, nil
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
