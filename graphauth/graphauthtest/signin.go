package graphauthtest

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/entrakit/entrakit/internal/graphperm"
)

// requestedScopes splits a scope parameter into OIDC scopes, Graph delegated
// scopes (short names), and whether Graph's /.default was asked for.
func requestedScopes(scope string) (oidc, graph []string, dflt bool, e *oauthError) {
	for _, sc := range strings.Fields(scope) {
		if oidcScopes[strings.ToLower(sc)] {
			oidc = appendUnique(oidc, strings.ToLower(sc))
			continue
		}
		name := sc
		if i := strings.LastIndex(sc, "/"); i > 0 {
			res := sc[:i]
			if graphResourceOf(res) == "" {
				return nil, nil, false, errf(400, "invalid_resource", 500011, "The resource principal named %s was not found in the tenant.", res)
			}
			name = sc[i+1:]
		}
		if name == ".default" {
			dflt = true
			continue
		}
		p, ok := graphperm.ByValue(graphperm.Delegated, name)
		if !ok || !p.Enabled {
			return nil, nil, false, errf(400, "invalid_scope", 70011, "The provided value for the input parameter 'scope' is not valid. The scope %s is not valid.", sc)
		}
		graph = appendUnique(graph, p.Value)
	}
	return oidc, graph, dflt, nil
}

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
	oidc, graph, dflt, oerr := requestedScopes(q.Get("scope"))
	if oerr == nil {
		oerr = checkChallenge(q.Get("code_challenge"), q.Get("code_challenge_method"))
	}
	if oerr != nil {
		s.redirectError(w, r, ar, oerr)
		return
	}
	if dflt {
		graph = append(graph, ar.app.RequiredScopes...)
	}
	if s.opts.Interactive && q.Get("action") == "" {
		s.renderSignIn(w, r, ar, graph, false)
		return
	}
	if q.Get("action") == "cancel" {
		s.redirectError(w, r, ar, errf(400, "access_denied", 65004, "User declined to consent to access the app."))
		return
	}
	t, u, oerr := s.signedInUser(w, r, ar)
	if oerr == nil {
		oerr = s.consentDelegated(ar, t, u, graph, dflt)
	}
	if oerr != nil {
		s.redirectError(w, r, ar, oerr)
		return
	}
	code := newGrantID() + newGrantID()
	s.mu.Lock()
	s.dir.codes[code] = &authCode{
		clientID: ar.app.ClientID, redirectURI: ar.redirect, tenantID: t.ID, pathTenant: ar.pathTenant,
		userOID: u.ID, scopes: append(oidc, graphOnly(graph)...), nonce: q.Get("nonce"),
		challenge: q.Get("code_challenge"), method: q.Get("code_challenge_method"), issued: s.clk.now(),
	}
	s.mu.Unlock()
	s.respond(w, ar, url.Values{"code": {code}, "session_state": {newGUID()}})
}

func graphOnly(scopes []string) []string {
	var out []string
	for _, sc := range scopes {
		if !oidcScopes[strings.ToLower(sc)] {
			out = appendUnique(out, sc)
		}
	}
	return out
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

// consentDelegated makes sure the user or the tenant has consented to scopes
// for the app, consenting now when the user may, and creates the app's
// service principal in the user's tenant on first consent.
func (s *Server) consentDelegated(ar *authzRequest, t *tenant, u *User, scopes []string, dflt bool) *oauthError {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := ar.app
	if !a.MultiTenant && t.ID != a.HomeTenant {
		return errAppNotFound(a.ClientID, t.ID)
	}
	if s.dir.sp(t.ID, "00000003-0000-0000-c000-000000000000") == nil {
		return errf(400, "invalid_resource", 650052, "The app is trying to access a service '00000003-0000-0000-c000-000000000000'(Microsoft Graph) that your organization '%s' lacks a service principal for. Contact your IT Admin to review the configuration of your service subscriptions or consent to the application in order to create the required service principal.", t.ID)
	}
	now := s.clk.now()
	granted := s.dir.scopesAt(t.ID, a.ClientID, u.ID, now.Add(s.opts.PropagationDelay))
	var missing []string
	needAdmin := false
	for _, sc := range graphOnly(scopes) {
		if containsFold(granted, sc) {
			continue
		}
		missing = append(missing, sc)
		if p, _ := graphperm.ByValue(graphperm.Delegated, sc); p.AdminConsent {
			needAdmin = true
		}
	}
	prompt := ar.q.Get("prompt")
	if len(missing) == 0 && prompt != "consent" {
		return nil
	}
	switch {
	case prompt == "none":
		return errf(400, "consent_required", 65001, "The user or administrator has not consented to use the application with ID '%s' named '%s'. Send an interactive authorization request for this user and resource.", a.ClientID, a.DisplayName)
	case t.ConsentBlocked:
		return errf(400, "access_denied", 530032, "The tenant admin has configured a security policy that blocks this request.")
	case needAdmin && !u.Admin:
		return errf(400, "access_denied", 90094, "The grant requires admin permission.")
	}
	forAll := ""
	if !(u.Admin && dflt && prompt == "consent") {
		forAll = u.ID
	}
	for _, sc := range graphOnly(scopes) {
		s.grantScopeLocked(t.ID, a.ClientID, forAll, sc)
	}
	if forAll == "" {
		for _, role := range a.RequiredRoles {
			s.grantRoleLocked(t.ID, a.ClientID, role)
		}
	}
	s.dir.ensureSP(t.ID, a.ClientID, now)
	return nil
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
	_, graph, dflt, oerr := requestedScopes(ar.q.Get("scope"))
	if oerr != nil {
		s.redirectError(w, r, ar, oerr)
		return
	}
	if s.opts.Interactive && ar.q.Get("action") == "" {
		s.renderSignIn(w, r, ar, append(graph, ar.app.RequiredRoles...), true)
		return
	}
	if ar.q.Get("action") == "cancel" {
		s.redirectError(w, r, ar, errf(400, "consent_required", 65004, "User declined to consent to access the app."))
		return
	}
	t, u, oerr := s.signedInUser(w, r, ar)
	if oerr == nil {
		oerr = s.grantAdminConsent(ar, t, u, graph, dflt)
	}
	if oerr != nil {
		s.redirectError(w, r, ar, oerr)
		return
	}
	var granted []string
	for _, sc := range graph {
		granted = append(granted, graphResource+"/"+sc)
	}
	if dflt {
		granted = append(granted, graphResource+"/.default")
	}
	s.respond(w, ar, url.Values{"admin_consent": {"True"}, "tenant": {t.ID}, "scope": {strings.Join(granted, " ")}})
}

// grantAdminConsent records a tenant-wide grant: with /.default, every
// permission the app declares; otherwise the delegated scopes listed.
func (s *Server) grantAdminConsent(ar *authzRequest, t *tenant, u *User, scopes []string, dflt bool) *oauthError {
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
	case s.dir.sp(t.ID, "00000003-0000-0000-c000-000000000000") == nil:
		return errf(400, "invalid_resource", 650052, "The app is trying to access a service '00000003-0000-0000-c000-000000000000'(Microsoft Graph) that your organization '%s' lacks a service principal for.", t.ID)
	}
	if dflt {
		for _, res := range a.RequiredResources {
			if s.dir.sp(t.ID, res) == nil {
				return errMissingServiceSP(res, t.ID)
			}
		}
	}
	s.dir.ensureSP(t.ID, a.ClientID, s.clk.now())
	if dflt {
		scopes = append(scopes, a.RequiredScopes...)
		for _, role := range a.RequiredRoles {
			s.grantRoleLocked(t.ID, a.ClientID, role)
		}
	}
	for _, sc := range graphOnly(scopes) {
		s.grantScopeLocked(t.ID, a.ClientID, "", sc)
	}
	return nil
}

// errMissingServiceSP is AADSTS650052 for an API other than Graph whose
// service principal the tenant lacks, such as the Teams admin API in a
// tenant that never used Teams.
func errMissingServiceSP(appID, tenantID string) *oauthError {
	name := firstParty(appID)
	if name == "" {
		name = appID
	}
	return errf(400, "invalid_resource", 650052, "The app is trying to access a service '%s'(%s) that your organization '%s' lacks a service principal for. Contact your IT Admin to review the configuration of your service subscriptions or consent to the application in order to create the required service principal.", appID, name, tenantID)
}
