package graphauthtest

import (
	"crypto/sha256"
	"fmt"
	"net/http"
	"sync"
)

// sessionCookiePrefix begins the name of the fake's session cookie, after
// the cookie Entra keeps its sign-in session in. Each Server adds its own
// suffix: browsers send a host's cookies to every port on it, and two fakes
// on 127.0.0.1 must not overwrite each other's sessions.
const sessionCookiePrefix = "ESTSAUTH-"

// maxSessions bounds the sessions kept: a test suite that signs in
// thousands of browsers sheds the oldest instead of growing.
const maxSessions = 10000

// sessions maps browser session cookies to the users signed in with them,
// so that each browser (each cookie jar) has its own sign-in: one client's
// sign-in never decides who another client is. Requests without a session
// cookie fall back to the user set with Server.SignIn.
type sessions struct {
	name  string // the cookie's name
	mu    sync.Mutex
	users map[string]string // cookie value → user object ID
	order []string          // cookie values, oldest first
}

// user returns the object ID of the user signed in with r's session
// cookie, or "" when r has none or an unknown one.
func (ss *sessions) user(r *http.Request) string {
	c, err := r.Cookie(ss.name)
	if err != nil || c.Value == "" {
		return ""
	}
	ss.mu.Lock()
	defer ss.mu.Unlock()
	return ss.users[c.Value]
}

// start signs userID in for the browser of r: its session now names the
// user, or a new session is opened and its cookie set on w. It returns the
// session's session_state, which stays the same for the browser's session
// as the platform's does.
func (ss *sessions) start(w http.ResponseWriter, r *http.Request, userID string) string {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if ss.users == nil {
		ss.users = map[string]string{}
	}
	if c, err := r.Cookie(ss.name); err == nil {
		if _, ok := ss.users[c.Value]; ok {
			ss.users[c.Value] = userID
			return sessionState(c.Value)
		}
	}
	if len(ss.order) >= maxSessions {
		delete(ss.users, ss.order[0])
		ss.order = ss.order[1:]
	}
	id := newGrantID() + newGrantID()
	ss.users[id] = userID
	ss.order = append(ss.order, id)
	http.SetCookie(w, sessionCookieFor(r, ss.name, id, 0))
	return sessionState(id)
}

// sessionState is a session's session_state: a GUID-shaped digest of its
// cookie, so that it names the session without revealing the cookie.
func sessionState(cookie string) string {
	h := sha256.Sum256([]byte("session_state\x00" + cookie))
	return fmt.Sprintf("%x-%x-%x-%x-%x", h[0:4], h[4:6], h[6:8], h[8:10], h[10:16])
}

// end signs out the browser of r. It reports whether r had a session.
func (ss *sessions) end(w http.ResponseWriter, r *http.Request) bool {
	c, err := r.Cookie(ss.name)
	if err != nil {
		return false
	}
	ss.mu.Lock()
	_, ok := ss.users[c.Value]
	delete(ss.users, c.Value)
	ss.mu.Unlock()
	http.SetCookie(w, sessionCookieFor(r, ss.name, "", -1))
	return ok
}

// sessionCookieFor builds the cookie as Entra sets its own: HttpOnly, and
// over TLS Secure with SameSite=None, so that it is sent on the redirects
// and form posts of a sign-in started on another site.
func sessionCookieFor(r *http.Request, name, value string, maxAge int) *http.Cookie {
	c := &http.Cookie{Name: name, Value: value, Path: "/", HttpOnly: true, MaxAge: maxAge, SameSite: http.SameSiteLaxMode}
	if r.TLS != nil {
		c.Secure, c.SameSite = true, http.SameSiteNoneMode
	}
	return c
}
