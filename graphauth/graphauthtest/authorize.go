package graphauthtest

import (
	"github.com/entrakit/entrakit/internal/ids"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// codeLifetime is how long an authorization code can be redeemed.
const codeLifetime = 10 * time.Minute

// authCode is an issued authorization code.
type authCode struct {
	clientID, redirectURI string
	tenantID, pathTenant  string
	userOID               string
	scopes                []string
	nonce                 string
	challenge, method     string
	issued                time.Time
	redeemed              bool
}

// authzRequest is a validated request to /authorize or /adminconsent: its
// client and redirect URI are known good, so errors can go to the redirect.
type authzRequest struct {
	q            url.Values
	tenant       *tenant // nil for common/organizations
	alias        string
	app          *app
	redirect     string
	mode         string // query, fragment or form_post
	adminFlow    bool
	pathTenant   string
	sessionState string // session_state of the browser session that signed in
}

// pageError is a refusal shown on the platform's own page because it cannot
// be sent to the app: an unknown client or a redirect URI that is not
// registered.
func (s *Server) pageError(w http.ResponseWriter, r *http.Request, e *oauthError) {
	rec := recordOf(r)
	rec.AADSTS, rec.Error = e.aadsts, e.code
	renderError(w, e, idsOf(r), s.clk.now())
}

// validateAuthz checks the tenant, client and redirect URI that an error
// redirect would depend on.
func (s *Server) validateAuthz(r *http.Request, p []string, admin bool) (*authzRequest, *oauthError) {
	_ = r.ParseForm()
	q := r.Form
	t, alias, oerr := s.tenantPath(p[0])
	if oerr != nil {
		return nil, oerr
	}
	clientID := q.Get("client_id")
	if clientID == "" {
		return nil, errf(400, "invalid_request", 900144, "The request body must contain the following parameter: 'client_id'.")
	}
	s.mu.Lock()
	a := s.dir.apps[strings.ToLower(clientID)]
	s.mu.Unlock()
	if a == nil {
		where := alias
		if t != nil {
			where = t.ID
		}
		return nil, errAppNotFound(clientID, where)
	}
	if admin && alias != "" && alias != "organizations" {
		// The platform's text, which names the app, whichever alias was used.
		return nil, errf(400, "invalid_request", 90130, "Application '%s'(%s) is not supported over the /common or /consumers endpoints. Please use the /organizations or tenant-specific endpoint.", a.ClientID, a.DisplayName)
	}
	redirect := q.Get("redirect_uri")
	switch {
	case len(a.RedirectURIs) == 0:
		return nil, errf(400, "invalid_request", 500113, "No reply address is registered for the application.")
	case redirect == "":
		return nil, errf(400, "invalid_request", 900971, "No reply address provided.")
	case !redirectRegistered(a.RedirectURIs, redirect):
		return nil, errf(400, "invalid_request", 50011, "The redirect URI '%s' specified in the request does not match the redirect URIs configured for the application '%s'. Make sure the redirect URI sent in the request matches one added to your application in the Azure portal. Navigate to https://aka.ms/redirectUriMismatchError to learn more about how to fix this.", redirect, a.ClientID)
	}
	if !a.MultiTenant && t == nil {
		return nil, errf(400, "invalid_request", 50194, "Application '%s'(%s) is not configured as a multi-tenant application. Usage of the /%s endpoint is not supported for such applications created after '10/15/2018'. Use a tenant-specific endpoint or configure the application to be multi-tenant.", a.ClientID, a.DisplayName, alias)
	}
	mode := q.Get("response_mode")
	if mode == "" {
		mode = "query"
	}
	if mode != "query" && mode != "fragment" && mode != "form_post" {
		mode = "query"
	}
	pathTenant := alias
	if t != nil {
		pathTenant = t.ID
	}
	recordOf(r).ClientID = a.ClientID
	return &authzRequest{q: q, tenant: t, alias: alias, app: a, redirect: redirect, mode: mode, adminFlow: admin, pathTenant: pathTenant}, nil
}

// redirectRegistered matches exactly, except that a loopback redirect may use
// any port (RFC 8252 §7.3), as the platform allows for http://localhost,
// whatever port the registration names (the platform ignores a loopback
// URI's port on both sides: reply-url, "Localhost exceptions"), and
// a registered URI without a path stands for its root ("/"). The path is
// otherwise compared as it is, as the platform does: a trailing slash, a
// query or a fragment the registration lacks is a mismatch (AADSTS50011).
func redirectRegistered(registered []string, got string) bool {
	for _, uri := range registered {
		if uri == got {
			return true
		}
	}
	g, err := url.Parse(got)
	if err != nil || g.Scheme != "http" || !ids.IsLoopbackHost(g.Hostname()) || g.User != nil || g.Fragment != "" || strings.Contains(got, "#") {
		return false
	}
	root := func(p string) string {
		if p == "" {
			return "/"
		}
		return p
	}
	for _, uri := range registered {
		u, err := url.Parse(uri)
		if err == nil && u.Scheme == "http" && u.Hostname() == g.Hostname() && u.User == nil &&
			root(u.EscapedPath()) == root(g.EscapedPath()) && u.RawQuery == g.RawQuery {
			return true
		}
	}
	return false
}

// respond sends params to the app's redirect URI in the request's response
// mode.
func (s *Server) respond(w http.ResponseWriter, ar *authzRequest, params url.Values) {
	if st := ar.q.Get("state"); st != "" {
		params.Set("state", st)
	}
	switch ar.mode {
	case "form_post":
		renderFormPost(w, ar.redirect, params)
	case "fragment":
		http.Redirect(w, &http.Request{Method: http.MethodGet}, ar.redirect+"#"+params.Encode(), http.StatusFound)
	default:
		u, _ := url.Parse(ar.redirect)
		q := u.Query()
		for k, v := range params {
			q[k] = v
		}
		u.RawQuery = q.Encode()
		w.Header().Set("Location", u.String())
		w.WriteHeader(http.StatusFound)
	}
}

// redirectError sends an OAuth error to the app.
func (s *Server) redirectError(w http.ResponseWriter, r *http.Request, ar *authzRequest, e *oauthError) {
	rec := recordOf(r)
	rec.AADSTS, rec.Error = e.aadsts, e.code
	body := e.body(baseURL(r), idsOf(r), s.clk.now())
	params := url.Values{"error": {e.code}, "error_description": {body.ErrorDescription}}
	if body.ErrorURI != "" {
		params.Set("error_uri", body.ErrorURI)
	}
	if ar.adminFlow {
		params.Set("admin_consent", "True")
	}
	s.respond(w, ar, params)
}

// signedInUser decides who is signing in: the user named on the sign-in
// page or in login_hint, else the browser's session (its cookie), else the
// user set with Server.SignIn, else (auto-approve) the first suitable user.
// A successful sign-in is kept in the browser's session, never the
// server's, so that parallel clients do not see each other's users.
func (s *Server) signedInUser(w http.ResponseWriter, r *http.Request, ar *authzRequest) (*tenant, *User, *oauthError) {
	sessionUser := s.sessions.user(r)
	s.mu.Lock()
	defer s.mu.Unlock()
	name := ar.q.Get("login")
	if name == "" {
		name = ar.q.Get("login_hint")
	}
	var t *tenant
	var u *User
	switch {
	case name != "":
		t, u = s.dir.userByUPN(name)
		if u == nil {
			return nil, nil, errf(400, "invalid_request", 50034, "The user account %s does not exist in the directory. To sign into this application, the account must be added to the directory.", name)
		}
	case sessionUser != "":
		t, u = s.dir.userByOID(sessionUser)
	case s.dir.session != "":
		t, u = s.dir.userByOID(s.dir.session)
	case ar.q.Get("prompt") == "none":
		return nil, nil, errf(400, "login_required", 50058, "A silent sign-in request was sent but no user is signed in. The cookies used to represent the user's session were not sent in the request to Azure AD. This can happen if the user is using Internet Explorer or Edge, and the web app sending the silent sign-in request is in different IE security zone than the Azure AD endpoint (login.microsoftonline.com).")
	default:
		t, u = s.defaultUser(ar)
	}
	if u == nil {
		return nil, nil, errf(400, "invalid_request", 50034, "The user account does not exist in the directory.")
	}
	if u.Disabled {
		return nil, nil, errf(400, "invalid_grant", 50057, "The user account is disabled. The account has been disabled by an administrator.")
	}
	if ar.tenant != nil && ar.tenant.ID != t.ID {
		return nil, nil, errf(400, "invalid_request", 50020, "User account '%s' from identity provider '%s' does not exist in tenant '%s' and cannot access the application '%s'(%s) in that tenant. The account needs to be added as an external user in the tenant first. Sign out and sign in again with a different Azure Active Directory user account.", u.UPN, t.Domain, ar.tenant.DisplayName, ar.app.ClientID, ar.app.DisplayName)
	}
	ar.sessionState = s.sessions.start(w, r, u.ID)
	return t, u, nil
}

// defaultUser picks, for auto-approval, the first administrator (admin
// consent) or the first user of the path's tenant, or of the first tenant.
func (s *Server) defaultUser(ar *authzRequest) (*tenant, *User) {
	t := ar.tenant
	if t == nil {
		t = s.dir.tenants[ar.app.HomeTenant]
	}
	if t == nil {
		return nil, nil
	}
	users := t.orderedUsers()
	if len(users) == 0 {
		return nil, nil
	}
	if ar.adminFlow {
		for _, u := range users {
			if u.Admin {
				return t, u
			}
		}
	}
	return t, users[0]
}

// serveLogout ends the browser's session, or, for a request without a
// session cookie, the sign-in set with Server.SignIn.
func (s *Server) serveLogout(w http.ResponseWriter, r *http.Request, _ []string) {
	if !s.sessions.end(w, r) {
		s.mu.Lock()
		s.dir.session = ""
		s.mu.Unlock()
	}
	if to := r.URL.Query().Get("post_logout_redirect_uri"); to != "" {
		if u, err := url.Parse(to); err == nil && (u.Scheme == "https" || u.Scheme == "http" && ids.IsLoopbackHost(u.Hostname())) {
			w.Header().Set("Location", u.String())
			w.WriteHeader(http.StatusFound)
			return
		}
	}
	renderSignedOut(w)
}
