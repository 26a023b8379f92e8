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
	settled, _ := parseScopes(strings.Join(c.scopes, " "), auth.app.DisplayName)
	set, oerr := redemptionScopes(req.form.Get("scope"), auth.app.DisplayName, settled, true)
	if oerr != nil {
		return nil, oerr
	}
	// The code carries the scopes its authorize request settled (granted
	// before, or consented to on its page): they are in its tokens at once,
	// even while a new grant propagates to other requests.
	return s.userGrant(r, req, auth, userGrantRequest{tenantID: c.tenantID, userOID: c.userOID, set: set,
		settled: settled, keep: c.scopes, nonce: c.nonce})
}

// redemptionScopes is what a token request for a delegated grant gets: the
// resource its scope parameter names (one only: AADSTS28000 otherwise),
// or, when it names none, the first resource of the grant's own scopes.
// The grant's OpenID Connect scopes count when the request names none, or
// all (a code's: its ID token is due); offline_access given at sign-in
// always, bringing a refresh token with every redemption and refresh.
func redemptionScopes(scope, appName string, grant scopeSet, all bool) (scopeSet, *oauthError) {
	asked, oerr := parseScopes(scope, appName)
	if oerr != nil {
		return scopeSet{}, oerr
	}
	if len(asked.apis()) > 1 {
		return scopeSet{}, errMultipleResources(scope)
	}
	for _, o := range grant.oidc {
		if all || scope == "" || o == "offline_access" {
			asked.oidc = appendUnique(asked.oidc, o)
		}
	}
	if len(asked.refs) == 0 {
		if apis := grant.apis(); len(apis) > 0 {
			refs, dflt := grant.of(apis[0].appID)
			asked.refs = refs
			if dflt {
				asked.refs = append(asked.refs, scopeRef{api: apis[0], res: firstRes(grant, apis[0].appID), value: ".default"})
			}
		}
	}
	return asked, nil
}

// firstRes is how set first named the resource appID.
func firstRes(set scopeSet, appID string) string {
	for _, r := range set.refs {
		if r.api.appID == appID {
			return r.res
		}
	}
	return ""
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
	base, _ := parseScopes(strings.Join(g.scopes, " "), auth.app.DisplayName)
	sc := req.form.Get("scope")
	set, oerr := redemptionScopes(sc, auth.app.DisplayName, base, false)
	if oerr != nil {
		return nil, oerr
	}
	s.mu.Lock()
	granted := s.dir.scopesAt(g.tenantID, auth.app.ClientID, g.userOID, now)
	s.mu.Unlock()
	for _, r := range set.refs {
		key := grantKey(r.api, r.value)
		consented := containsFold(granted, key) || containsFold(g.scopes, r.String())
		if r.value == ".default" {
			consented = r.api.graph() || hasAPIGrant(granted, r.api)
		}
		if !consented {
			return nil, errf(400, "invalid_grant", 65001, "The user or administrator has not consented to use the application with ID '%s' named '%s'. Send an interactive authorization request for this user and resource.", auth.app.ClientID, auth.app.DisplayName)
		}
	}
	return s.userGrant(r, req, auth, userGrantRequest{tenantID: g.tenantID, userOID: g.userOID, set: set, keep: g.scopes})
}

// hasAPIGrant reports whether any of the granted scope keys is of api, an
// API other than Graph.
func hasAPIGrant(granted []string, api delegatedAPI) bool {
	for _, k := range granted {
		if strings.HasPrefix(strings.ToLower(k), api.appID+"/") {
			return true
		}
	}
	return false
}

// userGrantRequest is a delegated grant to issue tokens for.
type userGrantRequest struct {
	tenantID, userOID string
	set               scopeSet // what the token request gets: one resource, and OIDC scopes
	settled           scopeSet // scopes in the token even before their grant takes effect (a code's)
	keep              []string // the scopes a new refresh token remembers
	nonce             string
}

// userGrant issues the tokens of a delegated grant: an access token for the
// one resource asked, with the scopes the user has now (and those settled),
// a new refresh token with offline_access, and an ID token with openid.
func (s *Server) userGrant(r *http.Request, req *tokenRequest, auth clientAuth, g userGrantRequest) (any, *oauthError) {
	now := s.clk.now()
	s.mu.Lock()
	t, u := s.dir.userByOID(g.userOID)
	var granted []string
	if t != nil {
		granted = s.dir.scopesAt(g.tenantID, auth.app.ClientID, g.userOID, now)
	}
	s.mu.Unlock()
	if u == nil {
		return nil, errInvalidGrant(50034, "The user account does not exist in the directory.")
	}
	if u.Disabled {
		return nil, errInvalidGrant(50057, "The user account is disabled. The account has been disabled by an administrator.")
	}
	for _, r := range g.settled.refs {
		if r.value != ".default" {
			granted = appendUnique(granted, grantKey(r.api, r.value))
		}
	}
	toks := s.issueUserTokens(r, t, u, auth, effectiveScopes(g.set, granted), g.nonce, containsFold(g.set.oidc, "openid"))
	resp := s.v2Response(toks.access, toks.lifetime, toks.scope, "", toks.idToken)
	if containsFold(g.set.oidc, "offline_access") {
		rt := newGrantID() + "." + newGrantID()
		s.mu.Lock()
		s.dir.refresh[rt] = &refreshGrant{clientID: auth.app.ClientID, tenantID: g.tenantID, userOID: g.userOID, scopes: g.keep, expires: now.Add(refreshLifetime)}
		s.mu.Unlock()
		resp.RefreshToken = rt
	}
	if req.form.Get("client_info") == "1" {
		resp.ClientInfo = clientInfo(u, t)
	}
	return resp, nil
}

// effectiveScopes is what a token for set's resource carries: the scopes
// asked that are granted, then every other scope granted for the resource,
// each as the response writes it, and the .default asked. A set naming no
// resource gets Microsoft Graph's.
func effectiveScopes(set scopeSet, granted []string) issuedScopes {
	out := issuedScopes{oidc: set.oidc, api: delegatedAPIs()[0]}
	if apis := set.apis(); len(apis) > 0 {
		out.api = apis[0]
	}
	refs, dflt := set.of(out.api.appID)
	res := firstRes(set, out.api.appID)
	for _, r := range refs {
		if containsFold(granted, grantKey(r.api, r.value)) {
			out.refs = append(out.refs, r)
		}
	}
	// As on the platform, a token carries every scope consented for its
	// resource, asked or not: consent accumulates.
	for _, k := range granted {
		if value, ok := keyValue(out.api, k); ok && !containsRef(out.refs, value) {
			out.refs = append(out.refs, scopeRef{api: out.api, res: res, value: value})
		}
	}
	if dflt && len(set.refs) > 0 {
		out.dflt = scopeRef{api: out.api, res: res, value: ".default"}.String()
	}
	out.aud = scopeRef{api: out.api, res: res}.audience()
	return out
}

// keyValue returns the scope value of a grant key when it is api's.
func keyValue(api delegatedAPI, key string) (string, bool) {
	if api.graph() {
		return key, !strings.Contains(key, "/") && !oidcScopes[strings.ToLower(key)]
	}
	v, ok := strings.CutPrefix(strings.ToLower(key), api.appID+"/")
	if !ok {
		return "", false
	}
	return key[len(key)-len(v):], true
}

func containsRef(refs []scopeRef, value string) bool {
	for _, r := range refs {
		if strings.EqualFold(r.value, value) {
			return true
		}
	}
	return false
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
