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

// issueUserTokens signs a delegated access token for Graph with the scopes
// granted, and an ID token when openid was asked for.
func (s *Server) issueUserTokens(r *http.Request, t *tenant, u *User, a *app, kind string, scopes []string, nonce string, wantID bool) userTokens {
	now := s.clk.now()
	lifetime := int64(s.opts.TokenLifetime.Seconds())
	base := baseURL(r)
	var graphScopes, granted []string
	for _, sc := range scopes {
		if oidcScopes[strings.ToLower(sc)] {
			granted = append(granted, strings.ToLower(sc))
			continue
		}
		graphScopes = append(graphScopes, sc)
		granted = append(granted, graphResource+"/"+sc)
	}
	claims := jwt.MapClaims{
		"aud":             graphResource,
		"iss":             base + "/" + t.ID + "/",
		"iat":             now.Unix(),
		"nbf":             now.Unix(),
		"exp":             now.Unix() + lifetime,
		"app_displayname": a.DisplayName,
		"appid":           a.ClientID,
		"appidacr":        appIDACR(kind),
		"idtyp":           "user",
		"name":            u.DisplayName,
		"oid":             u.ID,
		"scp":             strings.Join(graphScopes, " "),
		"sub":             pairwiseSub(u.ID, a.ClientID),
		"tid":             t.ID,
		"unique_name":     u.UPN,
		"upn":             u.UPN,
		"uti":             newGrantID()[:22],
		"ver":             "1.0",
	}
	out := userTokens{access: s.signer.sign(claims), scope: strings.Join(granted, " "), lifetime: lifetime}
	if wantID {
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
		out.idToken = s.signer.sign(id)
	}
	return out
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
