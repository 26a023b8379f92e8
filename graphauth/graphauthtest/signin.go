package graphauthtest

import (
	"net/http"
	"net/url"
	"strings"
)

func (s *Server) serveAuthorize(w http.ResponseWriter, r *http.Request, p []string) {
	ar, oerr := s.validateAuthz(r, p, false)
	if oerr != nil {
		s.pageError(w, r, oerr)
		return
	}
	q := ar.q
	if rt := q.Get("response_type"); !strings.Contains(" "+rt+" ", " code ") {
		s.redirectError(w, r, ar, errf(400, "unsupported_response_type", 700054, "response_type '%s' is not enabled for the application.", rt))
		return
	}
	if q.Get("scope") == "" {
		s.redirectError(w, r, ar, errf(400, "invalid_request", 900144, "The request body must contain the following parameter: 'scope'."))
		return
	}
	set, oerr := parseScopes(q.Get("scope"), ar.app.DisplayName)
	if oerr == nil {
		oerr = checkChallenge(q.Get("code_challenge"), q.Get("code_challenge_method"))
	}
	if oerr != nil {
		s.redirectError(w, r, ar, oerr)
		return
	}
	if s.opts.Interactive && q.Get("action") == "" {
		s.renderSignIn(w, r, ar, set.strings(), false)
		return
	}
	if q.Get("action") == "cancel" {
		s.redirectError(w, r, ar, errf(400, "access_denied", 65004, "User declined to consent to access the app."))
		return
	}
	t, u, oerr := s.signedInUser(w, r, ar)
	if oerr == nil {
		oerr = s.consentDelegated(ar, t, u, set)
	}
	if oerr != nil {
		s.redirectError(w, r, ar, oerr)
		return
	}
	code := newGrantID() + newGrantID()
	s.mu.Lock()
	s.dir.codes[code] = &authCode{
		clientID: ar.app.ClientID, redirectURI: ar.redirect, tenantID: t.ID, pathTenant: ar.pathTenant,
		userOID: u.ID, scopes: set.strings(), nonce: q.Get("nonce"),
		challenge: q.Get("code_challenge"), method: q.Get("code_challenge_method"), issued: s.clk.now(),
	}
	s.mu.Unlock()
	s.respond(w, ar, url.Values{"code": {code}, "session_state": {ar.sessionState}})
}

// checkChallenge validates a PKCE challenge (RFC 7636 §4.2-4.3).
func checkChallenge(challenge, method string) *oauthError {
	if challenge == "" {
		if method != "" {
			return errf(400, "invalid_request", 50149, "The code_challenge_method is given without a code_challenge.")
		}
		return nil
	}
	if method != "" && method != "S256" && method != "plain" {
		return errf(400, "invalid_request", 50149, "The code_challenge_method '%s' is not supported; use S256.", method)
	}
	if len(challenge) < 43 || len(challenge) > 128 {
		return errf(400, "invalid_request", 501491, "Invalid size of Code_Challenge parameter.")
	}
	return nil
}

// consentDelegated makes sure the user or the tenant has consented to the
// scopes asked of each resource for the app, consenting now when the user
// may, and creates the app's service principal in the user's tenant on
// first consent. Graph's .default stands for the Graph scopes the app
// declares; another resource's for what was consented to before.
func (s *Server) consentDelegated(ar *authzRequest, t *tenant, u *User, set scopeSet) *oauthError {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := ar.app
	if !a.MultiTenant && t.ID != a.HomeTenant {
		return errAppNotFound(a.ClientID, t.ID)
	}
	apis := set.apis()
	if len(apis) == 0 || !containsAPI(apis, GraphAppID) {
		apis = append([]delegatedAPI{delegatedAPIs()[0]}, apis...) // sign-in itself needs Graph's service principal
	}
	for _, api := range apis {
		if s.dir.sp(t.ID, api.appID) == nil {
			return errMissingServiceSP(api.appID, t.ID)
		}
	}
	now := s.clk.now()
	granted := s.dir.scopesAt(t.ID, a.ClientID, u.ID, now.Add(s.opts.PropagationDelay))
	asked := s.askedKeys(a, set)
	var missing []string
	needAdmin := false
	for _, k := range asked {
		if containsFold(granted, k.key) {
			continue
		}
		missing = append(missing, k.key)
		needAdmin = needAdmin || k.admin
	}
	prompt := ar.q.Get("prompt")
	if len(missing) == 0 && prompt != "consent" {
		return nil
	}
	_, graphDefault := set.of(GraphAppID)
	switch {
	case prompt == "none":
		return errf(400, "consent_required", 65001, "The user or administrator has not consented to use the application with ID '%s' named '%s'. Send an interactive authorization request for this user and resource.", a.ClientID, a.DisplayName)
	case t.ConsentBlocked:
		return errf(400, "access_denied", 530032, "The tenant admin has configured a security policy that blocks this request.")
	case needAdmin && !u.Admin:
		return errf(400, "access_denied", 90094, "The grant requires admin permission.")
	}
	forAll := ""
	if !(u.Admin && graphDefault && prompt == "consent") {
		forAll = u.ID
	}
	for _, k := range asked {
		s.grantScopeLocked(t.ID, a.ClientID, forAll, k.key)
	}
	if forAll == "" {
		for _, role := range a.RequiredRoles {
			s.grantRoleLocked(t.ID, a.ClientID, role)
		}
	}
	s.dir.ensureSP(t.ID, a.ClientID, now)
	return nil
}

// askedScope is a scope to consent to, as grants store it.
type askedScope struct {
	key   string
	admin bool
}

// askedKeys lists what set asks consent for: each resource scope, and for
// Graph's .default the Graph scopes the app declares.
func (s *Server) askedKeys(a *app, set scopeSet) []askedScope {
	var out []askedScope
	add := func(api delegatedAPI, value string) {
		if oidcScopes[strings.ToLower(value)] && api.graph() {
			return // OpenID Connect scopes need no consent of their own
		}
		_, admin, _ := api.permission(value)
		for _, x := range out {
			if strings.EqualFold(x.key, grantKey(api, value)) {
				return
			}
		}
		out = append(out, askedScope{key: grantKey(api, value), admin: admin})
	}
	for _, api := range set.apis() {
		refs, dflt := set.of(api.appID)
		for _, r := range refs {
			add(api, r.value)
		}
		if dflt && api.graph() {
			for _, sc := range a.RequiredScopes {
				add(api, sc)
			}
		}
	}
	return out
}

func (s *Server) serveAdminConsent(w http.ResponseWriter, r *http.Request, p []string) {
	ar, oerr := s.validateAuthz(r, p, true)
	if oerr != nil {
		s.pageError(w, r, oerr)
		return
	}
	if ar.q.Get("scope") == "" {
		s.redirectError(w, r, ar, errf(400, "invalid_request", 900144, "The request body must contain the following parameter: 'scope'."))
		return
	}
	set, oerr := parseScopes(ar.q.Get("scope"), ar.app.DisplayName)
	if oerr != nil {
		s.redirectError(w, r, ar, oerr)
		return
	}
	if s.opts.Interactive && ar.q.Get("action") == "" {
		s.renderSignIn(w, r, ar, append(set.strings(), ar.app.RequiredRoles...), true)
		return
	}
	if ar.q.Get("action") == "cancel" {
		s.redirectError(w, r, ar, errf(400, "consent_required", 65004, "User declined to consent to access the app."))
		return
	}
	t, u, oerr := s.signedInUser(w, r, ar)
	if oerr == nil {
		oerr = s.grantAdminConsent(ar, t, u, set)
	}
	if oerr != nil {
		s.redirectError(w, r, ar, oerr)
		return
	}
	var granted []string
	for _, r := range set.refs {
		if r.api.graph() {
			granted = append(granted, graphResource+"/"+r.value)
		} else {
			granted = append(granted, r.String())
		}
	}
	s.respond(w, ar, url.Values{"admin_consent": {"True"}, "tenant": {t.ID}, "scope": {strings.Join(granted, " ")}})
}

// grantAdminConsent records a tenant-wide grant: with Graph's /.default,
// every permission the app declares; otherwise the delegated scopes listed,
// of any resource the tenant has.
func (s *Server) grantAdminConsent(ar *authzRequest, t *tenant, u *User, set scopeSet) *oauthError {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := ar.app
	switch {
	case !a.MultiTenant && t.ID != a.HomeTenant:
		return errf(400, "unauthorized_client", 700016, "Application with identifier '%s' was not found in the directory '%s'. The application is not configured as multi-tenant.", a.ClientID, t.ID)
	case !u.Admin:
		return errf(400, "access_denied", 90094, "The grant requires admin permission. %s is not an administrator of %s.", u.UPN, t.Domain)
	case t.ConsentBlocked:
		return errf(400, "access_denied", 530032, "The tenant admin has configured a security policy that blocks this request.")
	case s.dir.sp(t.ID, GraphAppID) == nil:
		return errMissingServiceSP(GraphAppID, t.ID)
	}
	_, dflt := set.of(GraphAppID)
	if dflt {
		for _, res := range a.RequiredResources {
			if s.dir.sp(t.ID, res) == nil {
				return errMissingServiceSP(res, t.ID)
			}
		}
	}
	for _, api := range set.apis() {
		if s.dir.sp(t.ID, api.appID) == nil {
			return errMissingServiceSP(api.appID, t.ID)
		}
	}
	s.dir.ensureSP(t.ID, a.ClientID, s.clk.now())
	if dflt {
		for _, role := range a.RequiredRoles {
			s.grantRoleLocked(t.ID, a.ClientID, role)
		}
	}
	for _, k := range s.askedKeys(a, set) {
		s.grantScopeLocked(t.ID, a.ClientID, "", k.key)
	}
	return nil
}

// errMissingServiceSP is AADSTS650052 for an API other than Graph whose
// service principal the tenant lacks, such as the Teams admin API in a
// tenant that never used Teams.
func errMissingServiceSP(appID, tenantID string) *oauthError {
	name := firstParty(appID)
	if strings.EqualFold(appID, GraphAppID) {
		name = "Microsoft Graph"
	}
	if name == "" {
		name = appID
	}
	return errf(400, "invalid_resource", 650052, "The app is trying to access a service '%s'(%s) that your organization '%s' lacks a service principal for. Contact your IT Admin to review the configuration of your service subscriptions or consent to the application in order to create the required service principal.", appID, name, tenantID)
}
