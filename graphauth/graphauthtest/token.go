package graphauthtest

import (
	"crypto/subtle"
	"github.com/entrakit/entrakit/internal/ids"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/entrakit/entrakit/internal/oauthwire"
)

const (
	graphResource    = "https://graph.microsoft.com"
	assertionTypeJWT = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
	maxFormBytes     = 1 << 20
)

// tokenRequest is a parsed request to the token endpoint.
type tokenRequest struct {
	v1       bool
	form     url.Values
	tenant   *tenant // nil for common/organizations/consumers
	alias    string
	endpoint string // the URL the request was sent to, for assertion audiences
	clientID string
	secret   string // from the body or HTTP Basic
}

// clientAuth is what the client proved about itself.
type clientAuth struct {
	app  *app
	kind string // "secret", "certificate", "federated" or "none" (public client)
}

func (s *Server) serveTokenV2(w http.ResponseWriter, r *http.Request, p []string) {
	s.serveToken(w, r, p, false)
}

func (s *Server) serveTokenV1(w http.ResponseWriter, r *http.Request, p []string) {
	s.serveToken(w, r, p, true)
}

func (s *Server) serveToken(w http.ResponseWriter, r *http.Request, p []string, v1 bool) {
	req, oerr := s.parseTokenRequest(w, r, p, v1)
	if oerr == nil {
		var resp any
		resp, oerr = s.grant(r, req)
		if oerr == nil {
			w.Header().Set("Cache-Control", "no-store, no-cache")
			writeJSON(w, http.StatusOK, resp)
			return
		}
	}
	s.writeOAuthError(w, r, oerr)
}

func (s *Server) parseTokenRequest(w http.ResponseWriter, r *http.Request, p []string, v1 bool) (*tokenRequest, *oauthError) {
	if r.Method != http.MethodPost {
		return nil, errf(400, "invalid_request", 900561, "The endpoint only accepts POST requests. Received a %s request.", r.Method)
	}
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "application/x-www-form-urlencoded" {
		return nil, errMissingParam("grant_type")
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		return nil, errf(400, "invalid_request", 9002313, "Invalid request. Request is malformed or invalid.")
	}
	req := &tokenRequest{v1: v1, form: r.PostForm, endpoint: baseURL(r) + r.URL.Path}
	rec := recordOf(r)
	rec.GrantType = req.form.Get("grant_type")
	rec.Claims = req.form.Get("claims") != ""
	req.clientID = req.form.Get("client_id")
	req.secret = req.form.Get("client_secret")
	if user, pass, ok := r.BasicAuth(); ok {
		// RFC 6749 §2.3.1: both parts are form-encoded before Basic encoding.
		u, err1 := url.QueryUnescape(user)
		pw, err2 := url.QueryUnescape(pass)
		if err1 != nil || err2 != nil || (req.clientID != "" && !strings.EqualFold(req.clientID, u)) || (req.secret != "" && pw != req.secret) {
			return nil, errf(400, "invalid_request", 9002313, "Invalid request. The client credentials in the Authorization header and the body disagree.")
		}
		req.clientID, req.secret = u, pw
	}
	rec.ClientID = req.clientID
	var oerr *oauthError
	req.tenant, req.alias, oerr = s.tenantPath(p[0])
	if oerr != nil {
		return nil, oerr
	}
	if req.form.Get("grant_type") == "" {
		return nil, errMissingParam("grant_type")
	}
	return req, nil
}

// grant dispatches on grant_type and returns the success body.
func (s *Server) grant(r *http.Request, req *tokenRequest) (any, *oauthError) {
	switch gt := req.form.Get("grant_type"); gt {
	case "client_credentials":
		return s.clientCredentials(r, req)
	case "authorization_code":
		return s.authorizationCode(r, req)
	case "refresh_token":
		return s.refreshToken(r, req)
	default:
		return nil, errf(400, "unsupported_grant_type", 70003, "The app requested an unsupported grant type '%s'.", gt)
	}
}

// authenticateClient finds the app and checks the credential it sent.
func (s *Server) authenticateClient(req *tokenRequest) (clientAuth, *oauthError) {
	if req.clientID == "" {
		return clientAuth{}, errMissingParam("client_id")
	}
	s.mu.Lock()
	a := s.dir.apps[strings.ToLower(req.clientID)]
	s.mu.Unlock()
	if a == nil || !ids.IsGUID(req.clientID) {
		where := req.alias
		if req.tenant != nil {
			where = req.tenant.ID
		}
		return clientAuth{}, errAppNotFound(req.clientID, where)
	}
	assertion := req.form.Get("client_assertion")
	switch {
	case req.secret != "" && assertion != "":
		return clientAuth{}, errf(400, "invalid_request", 9002313, "Invalid request. Send either 'client_secret' or 'client_assertion', not both.")
	case a.PublicClient && (req.secret != "" || assertion != ""):
		return clientAuth{}, errInvalidClient(700025, "Client is public so neither 'client_assertion' nor 'client_secret' should be presented.")
	case a.PublicClient:
		return clientAuth{app: a, kind: "none"}, nil
	case req.secret != "":
		return s.checkSecret(a, req.secret)
	case assertion != "":
		if t := req.form.Get("client_assertion_type"); t != assertionTypeJWT {
			if t == "" {
				return clientAuth{}, errMissingParam("client_assertion_type")
			}
			return clientAuth{}, errf(400, "invalid_request", 9002313, "Invalid request. client_assertion_type must be '%s'.", assertionTypeJWT)
		}
		kind, oerr := s.checkAssertion(a, assertion, req)
		return clientAuth{app: a, kind: kind}, oerr
	default:
		return clientAuth{}, errInvalidClient(7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.")
	}
}

func errAppNotFound(clientID, tenant string) *oauthError {
	return errf(400, "unauthorized_client", 700016, "Application with identifier '%s' was not found in the directory '%s'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.", clientID, tenant)
}

func (s *Server) checkSecret(a *app, secret string) (clientAuth, *oauthError) {
	now := s.clk.now()
	s.mu.Lock()
	secrets := append([]Secret(nil), a.Secrets...)
	s.mu.Unlock()
	for _, sec := range secrets {
		if subtle.ConstantTimeCompare([]byte(sec.Value), []byte(secret)) != 1 {
			continue
		}
		if now.After(sec.End) {
			return clientAuth{}, errInvalidClient(7000222, "The provided client secret keys for app '%s' are expired. Visit the Azure portal to create new keys for your app: https://aka.ms/NewClientSecret, or consider using certificate credentials for added security: https://aka.ms/certCreds.", a.ClientID)
		}
		if now.Before(sec.Start) {
			break
		}
		return clientAuth{app: a, kind: "secret"}, nil
	}
	return clientAuth{}, errInvalidClient(7000215, "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '%s'.", a.ClientID)
}

// oidcScopes are the OpenID Connect scopes MSAL adds to every request; the
// platform ignores them where they do not apply.
var oidcScopes = map[string]bool{"openid": true, "profile": true, "email": true, "offline_access": true}

// resourceOf resolves a resource identifier to the token audience and the
// resource's app ID: Microsoft Graph, or an app registered on the server,
// named by its client ID or "api://{client ID}".
func (s *Server) resourceOf(resource string) (aud, appID string) {
	if graphResourceOf(resource) != "" {
		return graphResource, "00000003-0000-0000-c000-000000000000"
	}
	id := strings.TrimSuffix(strings.TrimPrefix(strings.ToLower(resource), "api://"), "/")
	s.mu.Lock()
	_, ok := s.dir.apps[id]
	s.mu.Unlock()
	if !ok {
		return "", ""
	}
	return "api://" + id, id
}

// firstPartyAudience is the audience of tokens for a Microsoft API other
// than Graph that the fake issues tokens for without registering it (Azure
// Resource Manager, Office 365 Management, Azure data planes), named by
// its App ID URI or app ID; "" for others.
func firstPartyAudience(resource string) string {
	aud, _ := firstPartyResource(resource)
	return aud
}

// firstPartyResource is firstPartyAudience and the API's app ID, whose
// service principal a tenant must have (the default tenant has them; see
// Tenant.ServicePrincipals); appID is "" for the Azure data planes, whose
// service principals the fake does not keep.
func firstPartyResource(resource string) (aud, appID string) {
	if api, ok := delegatedAPIOf(resource); ok {
		return api.aud, api.appID
	}
	return azureDataPlaneAudience(resource), ""
}

// graphResourceOf maps a resource identifier (App ID URI or app ID) to
// Microsoft Graph's, or "" for any other resource.
func graphResourceOf(resource string) string {
	r := strings.TrimSuffix(strings.ToLower(resource), "/")
	if r == graphResource || r == "00000003-0000-0000-c000-000000000000" {
		return graphResource
	}
	return ""
}

func (s *Server) clientCredentials(r *http.Request, req *tokenRequest) (any, *oauthError) {
	if req.tenant == nil {
		// The real text, whichever alias was used.
		return nil, errf(400, "invalid_request", 9001023, "The grant type is not supported over the /common or /consumers endpoints. Please use the /organizations or tenant-specific endpoint.")
	}
	s.mu.Lock()
	known := s.dir.apps[strings.ToLower(req.clientID)] != nil && s.dir.sp(req.tenant.ID, req.clientID) != nil
	s.mu.Unlock()
	if !known && req.clientID != "" {
		return nil, errAppNotFound(req.clientID, req.tenant.ID)
	}
	auth, oerr := s.authenticateClient(req)
	if oerr != nil {
		return nil, oerr
	}
	if auth.kind == "none" {
		// A public client proves nothing about itself: the platform gives
		// app-only tokens to a credential only.
		return nil, errInvalidClient(7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.")
	}
	resource, oerr := clientCredentialsResource(req)
	if oerr != nil {
		return nil, oerr
	}
	aud, resourceApp := s.resourceOf(resource)
	if aud == "" {
		// Azure Resource Manager and the other Microsoft APIs an Azure SDK
		// client asks for. Their tokens carry no roles: these APIs
		// authorize by role assignments of their own.
		aud, resourceApp = firstPartyResource(resource)
	}
	s.mu.Lock()
	resourceSP := s.dir.sp(req.tenant.ID, resourceApp)
	s.mu.Unlock()
	if resourceApp == "" && aud != "" {
		resourceSP = &servicePrincipal{} // a data plane's, which the fake does not keep
	}
	if aud == "" || resourceSP == nil {
		return nil, errf(400, "invalid_resource", 500011, "The resource principal named %s was not found in the tenant named %s. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant.", resource, req.tenant.DisplayName)
	}
	access, lifetime := s.issueAppToken(r, req.tenant, auth, aud)
	if req.v1 {
		return v1Response(access, lifetime, s.clk.now().Unix(), resource), nil
	}
	return s.v2Response(access, lifetime, "", "", ""), nil
}

// clientCredentialsResource checks the scope (v2) or resource (v1) of a
// client-credentials request and returns the one resource it names.
func clientCredentialsResource(req *tokenRequest) (string, *oauthError) {
	if req.v1 {
		res := req.form.Get("resource")
		if res == "" {
			return "", errMissingParam("resource")
		}
		return res, nil
	}
	if req.form.Get("resource") != "" {
		return "", errf(400, "invalid_request", 901002, "The 'resource' request parameter is not supported.")
	}
	scope := req.form.Get("scope")
	if strings.TrimSpace(scope) == "" {
		return "", errMissingParam("scope")
	}
	var resource string
	for _, sc := range strings.Fields(scope) {
		if oidcScopes[strings.ToLower(sc)] {
			continue
		}
		res, ok := strings.CutSuffix(sc, "/.default")
		if !ok || res == "" {
			return "", errScopeNotDefault(sc)
		}
		if resource != "" && !strings.EqualFold(strings.TrimSuffix(res, "/"), strings.TrimSuffix(resource, "/")) {
			return "", errf(400, "invalid_scope", 700022, "The provided value for the input parameter scope is not valid because it contains more than one resource. Scope %s is not valid.", scope)
		}
		resource = res
	}
	if resource == "" {
		return "", errScopeNotDefault(strings.Fields(scope)[0])
	}
	return resource, nil
}

func errScopeNotDefault(scope string) *oauthError {
	return errf(400, "invalid_scope", 1002012, "The provided value for scope %s is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).", scope)
}

func (s *Server) v2Response(access string, lifetime int64, scope, refresh, idToken string) oauthwire.TokenResponse {
	resp := oauthwire.TokenResponse{
		TokenType:    "Bearer",
		Scope:        scope,
		ExpiresIn:    oauthwire.Seconds(lifetime),
		ExtExpiresIn: oauthwire.Seconds(lifetime),
		AccessToken:  access,
		RefreshToken: refresh,
		IDToken:      idToken,
	}
	if s.opts.RefreshIn > 0 {
		resp.RefreshIn = oauthwire.Seconds(s.opts.RefreshIn.Seconds())
	}
	return resp
}

// v1Response is the v1 endpoint's body, whose numbers are strings.
func v1Response(access string, lifetime, now int64, resource string) map[string]string {
	return map[string]string{
		"token_type":     "Bearer",
		"expires_in":     strconv.FormatInt(lifetime, 10),
		"ext_expires_in": strconv.FormatInt(lifetime, 10),
		"expires_on":     strconv.FormatInt(now+lifetime, 10),
		"not_before":     strconv.FormatInt(now, 10),
		"resource":       resource,
		"access_token":   access,
	}
}
