package graphauthtest

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"strings"
	"time"
)

// refreshLifetime is how long an unused refresh token lives.
const refreshLifetime = 90 * 24 * time.Hour

// refreshGrant is an issued refresh token.
type refreshGrant struct {
	clientID, tenantID, userOID string
	scopes                      []string
	expires                     time.Time
	revoked                     bool
}

func (s *Server) authorizationCode(r *http.Request, req *tokenRequest) (any, *oauthError) {
	code := req.form.Get("code")
	if code == "" {
		return nil, errMissingParam("code")
	}
	redirect := req.form.Get("redirect_uri")
	if redirect == "" {
		return nil, errMissingParam("redirect_uri")
	}
	auth, oerr := s.authenticateClient(req)
	if oerr != nil {
		return nil, oerr
	}
	c, oerr := s.redeemCode(req, auth.app, code, redirect)
	if oerr != nil {
		return nil, oerr
	}
	// The OIDC scopes may also be asked for at redemption (MSAL does so
	// rather than on /authorize); they need no consent.
	scopes := append([]string(nil), c.scopes...)
	for _, sc := range strings.Fields(req.form.Get("scope")) {
		if oidcScopes[strings.ToLower(sc)] {
			scopes = appendUnique(scopes, strings.ToLower(sc))
		}
	}
	// The code carries the scopes its authorize request settled (granted
	// before, or consented to on its page): they are in its tokens at once,
	// even while a new grant propagates to other requests.
	return s.userGrant(r, req, auth, c.tenantID, c.userOID, scopes, c.nonce, true)
}

// redeemCode checks a code against the request and marks it used.
func (s *Server) redeemCode(req *tokenRequest, a *app, code, redirect string) (*authCode, *oauthError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.dir.codes[code]
	now := s.clk.now()
	switch {
	case c == nil:
		return nil, errInvalidGrant(9002313, "Invalid request. Request is malformed or invalid: the authorization code is not valid.")
	case c.clientID != a.ClientID:
		return nil, errInvalidGrant(70000, "The provided authorization code was issued to another client.")
	case c.redeemed:
		return nil, errInvalidGrant(54005, "OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.")
	case now.After(c.issued.Add(codeLifetime)):
		return nil, errInvalidGrant(70008, "The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource.")
	case c.redirectURI != redirect:
		return nil, errf(400, "invalid_grant", 50011, "The redirect URI '%s' specified in the request does not match the redirect URI '%s' the authorization code was issued for.", redirect, c.redirectURI)
	case pathOf(req) != c.pathTenant:
		return nil, errInvalidGrant(700005, "Provided Authorization Code is intended to use against other tenant, thus rejected.")
	}
	if oerr := checkVerifier(c, req.form.Get("code_verifier")); oerr != nil {
		return nil, oerr
	}
	c.redeemed = true
	return c, nil
}

func pathOf(req *tokenRequest) string {
	if req.tenant != nil {
		return req.tenant.ID
	}
	return req.alias
}

// checkVerifier enforces RFC 7636 §4.6.
func checkVerifier(c *authCode, verifier string) *oauthError {
	if c.challenge == "" {
		return nil
	}
	if verifier == "" {
		return errInvalidGrant(50148, "The code_verifier does not match the code_challenge supplied in the authorization request for PKCE.")
	}
	want := verifier
	if c.method == "S256" {
		sum := sha256.Sum256([]byte(verifier))
		want = base64.RawURLEncoding.EncodeToString(sum[:])
	}
	if subtle.ConstantTimeCompare([]byte(want), []byte(c.challenge)) != 1 {
		return errInvalidGrant(501481, "The Code_Verifier does not match the code_challenge supplied in the authorization request.")
	}
	return nil
}

func (s *Server) refreshToken(r *http.Request, req *tokenRequest) (any, *oauthError) {
	rt := req.form.Get("refresh_token")
	if rt == "" {
		return nil, errMissingParam("refresh_token")
	}
	auth, oerr := s.authenticateClient(req)
	if oerr != nil {
		return nil, oerr
	}
	s.mu.Lock()
	g := s.dir.refresh[rt]
	now := s.clk.now()
	var bad *oauthError
	switch {
	case g == nil:
		bad = errInvalidGrant(9002313, "Invalid request. Request is malformed or invalid: the refresh token is not valid.")
	case g.clientID != auth.app.ClientID:
		bad = errInvalidGrant(700003, "Device object was not found in the tenant directory, or the refresh token was issued to another client.")
	case g.revoked:
		bad = errInvalidGrant(50173, "The provided grant has expired due to it being revoked, a fresh auth token is needed. The user might have changed or reset their password.")
	case now.After(g.expires):
		bad = errInvalidGrant(700082, "The refresh token has expired due to inactivity. The token was issued on %s and was inactive for 90.00:00:00.", g.expires.Add(-refreshLifetime).UTC().Format(time.RFC3339))
	}
	s.mu.Unlock()
	if bad != nil {
		return nil, bad
	}
	scopes := g.scopes
	if sc := req.form.Get("scope"); sc != "" {
		oidc, graph, dflt, oerr := requestedScopes(sc)
		if oerr != nil {
			return nil, oerr
		}
		for _, x := range graph {
			if !containsFold(g.scopes, x) && !dflt {
				return nil, errf(400, "invalid_grant", 65001, "The user or administrator has not consented to use the application with ID '%s' for scope %s.", auth.app.ClientID, x)
			}
		}
		scopes = append(oidc, graph...)
		if len(graph) == 0 {
			scopes = append(oidc, graphOnly(g.scopes)...)
		}
	}
	return s.userGrant(r, req, auth, g.tenantID, g.userOID, scopes, "", false)
}

// userGrant issues the tokens of a delegated grant: an access token with the
// scopes the user has now (all of scopes when settled, for a code), a new
// refresh token with offline_access, and an ID token with openid.
func (s *Server) userGrant(r *http.Request, req *tokenRequest, auth clientAuth, tenantID, userOID string, scopes []string, nonce string, settled bool) (any, *oauthError) {
	now := s.clk.now()
	s.mu.Lock()
	t, u := s.dir.userByOID(userOID)
	var granted []string
	if t != nil {
		granted = s.dir.scopesAt(tenantID, auth.app.ClientID, userOID, now)
	}
	s.mu.Unlock()
	if u == nil {
		return nil, errInvalidGrant(50034, "The user account does not exist in the directory.")
	}
	if u.Disabled {
		return nil, errInvalidGrant(50057, "The user account is disabled. The account has been disabled by an administrator.")
	}
	var effective []string
	for _, sc := range scopes {
		if settled || oidcScopes[strings.ToLower(sc)] || containsFold(granted, sc) {
			effective = append(effective, sc)
		}
	}
	toks := s.issueUserTokens(r, t, u, auth.app, auth.kind, effective, nonce, containsFold(scopes, "openid"))
	resp := s.v2Response(toks.access, toks.lifetime, toks.scope, "", toks.idToken)
	if containsFold(scopes, "offline_access") {
		rt := newGrantID() + "." + newGrantID()
		s.mu.Lock()
		s.dir.refresh[rt] = &refreshGrant{clientID: auth.app.ClientID, tenantID: tenantID, userOID: userOID, scopes: scopes, expires: now.Add(refreshLifetime)}
		s.mu.Unlock()
		resp.RefreshToken = rt
	}
	if req.form.Get("client_info") == "1" {
		resp.ClientInfo = clientInfo(u, t)
	}
	return resp, nil
}

// RevokeRefreshTokens revokes every refresh token of the user with this UPN,
// as a password reset or an administrator's revocation does (AADSTS50173).
func (s *Server) RevokeRefreshTokens(upn string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, u := s.dir.userByUPN(upn)
	if u == nil {
		panic("graphauthtest: no user " + upn)
	}
	for _, g := range s.dir.refresh {
		if g.userOID == u.ID {
			g.revoked = true
		}
	}
}
