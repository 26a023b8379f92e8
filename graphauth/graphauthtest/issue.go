package graphauthtest

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/golang-jwt/jwt/v5"
)

// issueAppToken signs an app-only access token for aud (Microsoft Graph or
// an app's API) in tenant t, carrying the Graph app roles granted there, and
// returns it with its lifetime in seconds. Graph tokens are v1.0 tokens, as
// Microsoft issues them.
func (s *Server) issueAppToken(r *http.Request, t *tenant, auth clientAuth, aud string) (string, int64) {
	now := s.clk.now()
	s.mu.Lock()
	sp := s.dir.ensureSP(t.ID, auth.app.ClientID, now)
	var roles []string
	if aud == graphResource {
		roles = s.dir.rolesAt(t.ID, auth.app.ClientID, now)
	}
	s.mu.Unlock()
	lifetime := int64(s.opts.TokenLifetime.Seconds())
	iss := baseURL(r) + "/" + t.ID + "/"
	claims := jwt.MapClaims{
		"aud":             aud,
		"iss":             iss,
		"iat":             now.Unix(),
		"nbf":             now.Unix(),
		"exp":             now.Unix() + lifetime,
		"app_displayname": auth.app.DisplayName,
		"appid":           auth.app.ClientID,
		"appidacr":        appIDACR(auth.kind),
		"idp":             iss,
		"idtyp":           "app",
		"oid":             sp.ID,
		"sub":             sp.ID,
		"tid":             t.ID,
		"uti":             newGrantID()[:22],
		"ver":             "1.0",
	}
	if len(roles) > 0 {
		claims["roles"] = roles
	}
	return s.signer.sign(claims), lifetime
}

// userTokens is what a delegated grant issues.
type userTokens struct {
	access, idToken, scope string
	lifetime               int64
}

// issuedScopes is what a delegated access token is for: one resource
// (its audience) and the scopes granted there, plus the OpenID Connect
// scopes asked.
type issuedScopes struct {
	api  delegatedAPI
	aud  string
	refs []scopeRef
	oidc []string
	dflt string // the .default scope as asked, which the response repeats
}

// scp is the access token's scp claim: the resource's scope values.
func (is issuedScopes) scp() string {
	out := make([]string, len(is.refs))
	for i, r := range is.refs {
		out[i] = r.value
	}
	return strings.Join(out, " ")
}

// responseScope is the token response's scope, as the platform writes it:
// Graph's scopes by short name followed by "profile openid email" (those
// asked), another resource's scopes in full and without OpenID Connect
// scopes, and the .default asked for, if any.
func (is issuedScopes) responseScope() string {
	var out []string
	for _, r := range is.refs {
		out = append(out, r.String())
	}
	if is.api.graph() {
		for _, o := range []string{"profile", "openid", "email"} {
			if containsFold(is.oidc, o) {
				out = append(out, o)
			}
		}
	}
	if is.dflt != "" {
		out = append(out, is.dflt)
	}
	return strings.Join(out, " ")
}

// issueUserTokens signs a delegated access token for the resource of
// scopes, and an ID token when wantID.
func (s *Server) issueUserTokens(r *http.Request, t *tenant, u *User, auth clientAuth, scopes issuedScopes, nonce string, wantID bool) userTokens {
	now := s.clk.now()
	lifetime := int64(s.opts.TokenLifetime.Seconds())
	base := baseURL(r)
	a := auth.app
	claims := jwt.MapClaims{
		"aud":             scopes.aud,
		"iss":             base + "/" + t.ID + "/",
		"iat":             now.Unix(),
		"nbf":             now.Unix(),
		"exp":             now.Unix() + lifetime,
		"app_displayname": a.DisplayName,
		"appid":           a.ClientID,
		"appidacr":        appIDACR(auth.kind),
		"idtyp":           "user",
		"name":            u.DisplayName,
		"oid":             u.ID,
		"scp":             scopes.scp(),
		"sub":             pairwiseSub(u.ID, a.ClientID),
		"tid":             t.ID,
		"unique_name":     u.UPN,
		"upn":             u.UPN,
		"uti":             newGrantID()[:22],
		"ver":             "1.0",
	}
	out := userTokens{access: s.signer.sign(claims), scope: scopes.responseScope(), lifetime: lifetime}
	if wantID {
		out.idToken = s.idToken(base, t, u, a, nonce)
	}
	return out
}

// idToken signs a v2.0 ID token for u, signed in to a.
func (s *Server) idToken(base string, t *tenant, u *User, a *app, nonce string) string {
	now := s.clk.now()
	id := jwt.MapClaims{
		"aud":                a.ClientID,
		"iss":                base + "/" + t.ID + "/v2.0",
		"iat":                now.Unix(),
		"nbf":                now.Unix(),
		"exp":                now.Unix() + 3600,
		"name":               u.DisplayName,
		"oid":                u.ID,
		"preferred_username": u.UPN,
		"sub":                pairwiseSub(u.ID, a.ClientID),
		"tid":                t.ID,
		"ver":                "2.0",
	}
	if nonce != "" {
		id["nonce"] = nonce
	}
	return s.signer.sign(id)
}

// clientInfo is the base64url JSON {uid, utid} MSAL asks for with client_info=1.
func clientInfo(u *User, t *tenant) string {
	b, _ := json.Marshal(map[string]string{"uid": u.ID, "utid": t.ID})
	return base64.RawURLEncoding.EncodeToString(b)
}

func appIDACR(kind string) string {
	switch kind {
	case "secret":
		return "1"
	case "certificate", "federated":
		return "2"
	}
	return "0"
}

// pairwiseSub is a stable per-app subject for a user, as the platform's
// pairwise "sub" is.
func pairwiseSub(userID, clientID string) string {
	sum := sha256Sum(userID + "|" + clientID)
	return base64.RawURLEncoding.EncodeToString(sum[:])
}
