package main

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"time"

	"github.com/entrakit/entrakit/graphauth"
)

// webApp is the example's own part: a session cookie naming the signed-in
// account, a home page, and sign-out.
type webApp struct {
	signIn   *graphauth.SignIn
	session  cipher.AEAD
	graphURL string
	base     http.RoundTripper // for Graph calls; nil means the default
}

func newWebApp(s *graphauth.SignIn, key []byte, graphURL string, base http.RoundTripper) (http.Handler, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	a := &webApp{signIn: s, session: aead, graphURL: graphURL, base: base}
	h, err := s.Handler(graphauth.HandlerOptions{Key: key, OnSignIn: a.onSignIn})
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.Handle("GET /login", h.Login())
	mux.Handle("/callback", h.Callback())
	mux.HandleFunc("GET /logout", a.logout)
	mux.HandleFunc("GET /{$}", a.home)
	return mux, nil
}

type session struct {
	AccountID string `json:"a"`
	Name      string `json:"n"`
	Username  string `json:"u"`
}

func (a *webApp) onSignIn(w http.ResponseWriter, r *http.Request, u *graphauth.User) {
	plain, _ := json.Marshal(session{u.AccountID, u.Name, u.Username})
	nonce := make([]byte, a.session.NonceSize())
	_, _ = rand.Read(nonce)
	http.SetCookie(w, &http.Cookie{Name: "session", Value: base64.RawURLEncoding.EncodeToString(a.session.Seal(nonce, nonce, plain, nil)),
		Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: r.TLS != nil, MaxAge: int((8 * time.Hour).Seconds())})
	http.Redirect(w, r, "/", http.StatusFound)
}

func (a *webApp) current(r *http.Request) (session, bool) {
	c, err := r.Cookie("session")
	if err != nil {
		return session{}, false
	}
	sealed, err := base64.RawURLEncoding.DecodeString(c.Value)
	if err != nil || len(sealed) < a.session.NonceSize() {
		return session{}, false
	}
	plain, err := a.session.Open(nil, sealed[:a.session.NonceSize()], sealed[a.session.NonceSize():], nil)
	var s session
	if err != nil || json.Unmarshal(plain, &s) != nil {
		return session{}, false
	}
	return s, true
}

var page = template.Must(template.New("home").Parse(`<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>entrakit web app</title></head>
<body style="font-family:sans-serif;max-width:36em;margin:3em auto">
{{if .Signed}}<h1 id="user">Signed in as {{.Name}} ({{.Username}})</h1>
<p id="graph">Microsoft Graph /me: {{.Graph}}</p><p><a id="logout" href="/logout">Sign out</a></p>
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

func (a *webApp) logout(w http.ResponseWriter, r *http.Request) {
	if s, ok := a.current(r); ok {
		_ = a.signIn.SignOut(r.Context(), s.AccountID)
	}
	http.SetCookie(w, &http.Cookie{Name: "session", Path: "/", MaxAge: -1})
	home := url.URL{Scheme: "http", Host: r.Host, Path: "/"}
	if r.TLS != nil {
		home.Scheme = "https"
	}
	http.Redirect(w, r, a.signIn.LogoutURL(home.String()), http.StatusFound)
}
