package main

import (
	"context"
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"time"

	"github.com/entrakit/entrakit/graphauth"
	"github.com/entrakit/entrakit/internal/sealed"
)

// sessionLifetime is how long a sign-in lasts, in the browser (the
// cookie's Max-Age) and here (the sealed expiry, which a copied cookie
// cannot outlive).
const sessionLifetime = 8 * time.Hour

// webApp is the example's own part: a session cookie naming the signed-in
// account, a home page, and sign-out.
type webApp struct {
	signIn   *graphauth.SignIn
	session  *sealed.Box
	homeURL  string // the app's home page, from its redirect URI
	cookie   string // the session cookie's name: __Host-session over https
	secure   bool   // the redirect URI is https: so is the app, behind a proxy too
	graphURL string
	base     http.RoundTripper // for Graph calls; nil means the default
	now      func() time.Time
	mux      *http.ServeMux
}

// ServeHTTP serves the app's pages.
func (a *webApp) ServeHTTP(w http.ResponseWriter, r *http.Request) { a.mux.ServeHTTP(w, r) }

// newWebApp serves the app whose registered redirect URI is redirect. The
// session cookie is Secure and a __Host- cookie when that URI is https,
// whether or not TLS ends at this process (a proxy in front ends it
// usually), so that it never travels in the clear and a sibling subdomain
// cannot plant a session of its own.
func newWebApp(s *graphauth.SignIn, key []byte, redirect, graphURL string, base http.RoundTripper) (*webApp, error) {
	box, err := sealed.New(key)
	if err != nil {
		return nil, err
	}
	ru, err := url.Parse(redirect)
	if err != nil || ru.Host == "" {
		return nil, fmt.Errorf("the redirect URI %q is not absolute", redirect)
	}
	a := &webApp{signIn: s, session: box, homeURL: (&url.URL{Scheme: ru.Scheme, Host: ru.Host, Path: "/"}).String(),
		cookie: "session", secure: ru.Scheme == "https", graphURL: graphURL, base: base, now: time.Now}
	if a.secure {
		a.cookie = "__Host-session"
	}
	h, err := s.Handler(graphauth.HandlerOptions{Key: key, OnSignIn: a.onSignIn})
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.Handle("GET /login", h.Login())
	mux.Handle("/callback", h.Callback())
	mux.HandleFunc("POST /logout", a.logout)
	mux.HandleFunc("GET /{$}", a.home)
	a.mux = mux
	return a, nil
}

// session is what the session cookie holds, sealed (bound to the cookie's
// name) with its expiry.
type session struct {
	AccountID string `json:"a"`
	Name      string `json:"n"`
	Username  string `json:"u"`
	Expires   int64  `json:"x"` // Unix seconds
}

func (a *webApp) onSignIn(w http.ResponseWriter, r *http.Request, u *graphauth.User) {
	value, err := a.session.Seal(a.cookie, session{u.AccountID, u.Name, u.Username, a.now().Add(sessionLifetime).Unix()})
	if err != nil {
		http.Error(w, "cannot start the session", http.StatusInternalServerError)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: a.cookie, Value: value, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode,
		Secure: a.secure, MaxAge: int(sessionLifetime / time.Second)})
	http.Redirect(w, r, "/", http.StatusFound)
}

// current returns the session the request's cookie holds, unless it has
// expired.
func (a *webApp) current(r *http.Request) (session, bool) {
	c, err := r.Cookie(a.cookie)
	if err != nil {
		return session{}, false
	}
	var s session
	if a.session.Open(a.cookie, c.Value, &s) != nil || s.AccountID == "" || !a.now().Before(time.Unix(s.Expires, 0)) {
		return session{}, false
	}
	return s, true
}

var page = template.Must(template.New("home").Parse(`<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>entrakit web app</title></head>
<body style="font-family:sans-serif;max-width:36em;margin:3em auto">
{{if .Signed}}<h1 id="user">Signed in as {{.Name}} ({{.Username}})</h1>
<p id="graph">Microsoft Graph /me: {{.Graph}}</p><form method="post" action="/logout"><button id="logout">Sign out</button></form>
{{else}}<h1>entrakit web app</h1><p><a id="login" href="/login">Sign in with Microsoft</a></p>{{end}}
</body></html>`))

func (a *webApp) home(w http.ResponseWriter, r *http.Request) {
	s, ok := a.current(r)
	data := map[string]any{"Signed": ok}
	if ok {
		data["Name"], data["Username"] = s.Name, s.Username
		data["Graph"] = a.me(r.Context(), s.AccountID)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_ = page.Execute(w, data)
}

// me calls GET /v1.0/me with the user's token and describes the result.
func (a *webApp) me(ctx context.Context, accountID string) string {
	client := &http.Client{Transport: &graphauth.Transport{Credential: a.signIn.Credential(accountID), Base: a.base,
		Request: graphauth.TokenRequest{Scopes: []string{"User.Read"}}, AllowedHosts: []string{a.graphURL}}, Timeout: 10 * time.Second}
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, a.graphURL+"/v1.0/me", nil)
	resp, err := client.Do(req)
	if err != nil {
		return "error: " + err.Error()
	}
	defer resp.Body.Close()
	var me struct {
		DisplayName string `json:"displayName"`
		Mail        string `json:"mail"`
	}
	if resp.StatusCode != http.StatusOK || json.NewDecoder(resp.Body).Decode(&me) != nil {
		return "HTTP " + resp.Status
	}
	return fmt.Sprintf("%s <%s>", me.DisplayName, me.Mail)
}

// logout signs the user out: a POST, which another site's page cannot
// make with the session cookie (SameSite=Lax), where a GET from a link or
// an image would sign anyone out. It returns the browser to the home page
// of the redirect URI's origin, not to the request's Host header.
func (a *webApp) logout(w http.ResponseWriter, r *http.Request) {
	if s, ok := a.current(r); ok {
		_ = a.signIn.SignOut(r.Context(), s.AccountID)
	}
	http.SetCookie(w, &http.Cookie{Name: a.cookie, Path: "/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: a.secure})
	http.Redirect(w, r, a.signIn.LogoutURL(a.homeURL), http.StatusFound)
}
