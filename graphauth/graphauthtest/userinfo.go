package graphauthtest

import (
	"net/http"
	"strconv"
	"strings"
)

// serveUserInfo answers the OpenID Connect UserInfo endpoint (OpenID Connect
// Core §5.3) that the metadata advertises: with a delegated Graph token, the
// signed-in user's sub (the same pairwise value as in the app's ID token),
// names and email, as the platform answers; without one, 401 and a
// WWW-Authenticate challenge (RFC 6750 §3).
func (s *Server) serveUserInfo(w http.ResponseWriter, r *http.Request, _ []string) {
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		w.Header().Set("Allow", "GET, POST")
		w.WriteHeader(http.StatusMethodNotAllowed)
		return
	}
	raw, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || raw == "" {
		userInfoChallenge(w, r, "", "")
		return
	}
	claims, err := s.signer.parse(raw)
	if err != nil {
		userInfoChallenge(w, r, "invalid_token", "The access token is malformed or its signature is invalid.")
		return
	}
	exp, err := claims.GetExpirationTime()
	if aud, _ := claims["aud"].(string); graphResourceOf(aud) == "" || err != nil || exp == nil || !s.clk.now().Before(exp.Time) {
		userInfoChallenge(w, r, "invalid_token", "The access token is expired or not for Microsoft Graph.")
		return
	}
	if str(claims, "idtyp") != "user" {
		userInfoChallenge(w, r, "invalid_token", "The access token was issued to an application, not a user.")
		return
	}
	s.mu.Lock()
	_, u := s.dir.userByOID(str(claims, "oid"))
	var info map[string]any
	if u != nil {
		recordOf(r).ClientID = str(claims, "appid")
		mail := u.Mail
		if mail == "" {
			mail = u.UPN
		}
		info = map[string]any{"sub": str(claims, "sub"), "name": u.DisplayName, "family_name": u.Surname,
			"given_name": u.GivenName, "picture": "https://graph.microsoft.com/v1.0/me/photo/$value", "email": mail}
	}
	s.mu.Unlock()
	if info == nil {
		userInfoChallenge(w, r, "invalid_token", "The user of the access token no longer exists.")
		return
	}
	writeJSON(w, http.StatusOK, info)
}

func userInfoChallenge(w http.ResponseWriter, r *http.Request, code, description string) {
	c := `Bearer realm="", authorization_uri="` + baseURL(r) + `/common/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000"`
	if code != "" {
		c += `, error="` + code + `", error_description="` + description + `"`
	}
	w.Header().Set("WWW-Authenticate", c)
	w.Header().Set("Content-Length", strconv.Itoa(0))
	w.WriteHeader(http.StatusUnauthorized)
}

// serveErrorPage is the page every error_uri points to: what the AADSTS
// code in its query is, on the platform's own host.
func (s *Server) serveErrorPage(w http.ResponseWriter, r *http.Request, _ []string) {
	code, err := strconv.Atoi(r.URL.Query().Get("code"))
	if err != nil || code <= 0 {
		renderErrorLookup(w, http.StatusBadRequest, 0)
		return
	}
	renderErrorLookup(w, http.StatusOK, code)
}
