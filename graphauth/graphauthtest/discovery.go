package graphauthtest

import (
	"github.com/entrakit/entrakit/internal/ids"
	"net/http"
	"net/url"
	"strings"
)

// tenantPath resolves the tenant segment of a path: a known tenant, or one of
// the multi-tenant aliases. It returns the alias in lower case when the
// segment is one.
func (s *Server) tenantPath(seg string) (t *tenant, alias string, err *oauthError) {
	switch strings.ToLower(seg) {
	case "common", "organizations", "consumers":
		return nil, strings.ToLower(seg), nil
	}
	if !ids.IsGUID(seg) && !ids.IsDomain(seg) {
		return nil, "", errf(400, "invalid_request", 900023, "Specified tenant identifier '%s' is neither a valid DNS name, nor a valid external domain.", seg)
	}
	s.mu.Lock()
	t = s.dir.lookupTenant(seg)
	s.mu.Unlock()
	if t == nil {
		return nil, "", errf(400, "invalid_tenant", 90002, "Tenant '%s' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.", seg)
	}
	return t, "", nil
}

// serveOpenIDConfiguration answers the OpenID configuration of a tenant or
// an alias with the fields Entra's has. Every endpoint it names is served
// by this server: the device authorization and Kerberos endpoints, which the
// fake does not implement, are not advertised.
func (s *Server) serveOpenIDConfiguration(w http.ResponseWriter, r *http.Request, p []string) {
	t, alias, err := s.tenantPath(p[0])
	if err != nil {
		s.writeOAuthError(w, r, err)
		return
	}
	base := baseURL(r)
	seg, issuerTenant := alias, "{tenantid}"
	if t != nil {
		seg, issuerTenant = t.ID, t.ID
	}
	doc := map[string]any{
		"token_endpoint":                        base + "/" + seg + "/oauth2/v2.0/token",
		"token_endpoint_auth_methods_supported": []string{"client_secret_post", "private_key_jwt", "client_secret_basic"},
		"jwks_uri":                              base + "/" + seg + "/discovery/v2.0/keys",
		"response_modes_supported":              []string{"query", "fragment", "form_post"},
		"subject_types_supported":               []string{"pairwise"},
		"id_token_signing_alg_values_supported": []string{"RS256"},
		"response_types_supported":              []string{"code", "id_token", "code id_token", "id_token token"},
		"scopes_supported":                      []string{"openid", "profile", "email", "offline_access"},
		"issuer":                                base + "/" + issuerTenant + "/v2.0",
		"request_uri_parameter_supported":       false,
		"userinfo_endpoint":                     base + "/oidc/userinfo",
		"authorization_endpoint":                base + "/" + seg + "/oauth2/v2.0/authorize",
		"end_session_endpoint":                  base + "/" + seg + "/oauth2/v2.0/logout",
		"http_logout_supported":                 true,
		"frontchannel_logout_supported":         true,
		"claims_supported": []string{"sub", "iss", "cloud_instance_name", "cloud_instance_host_name", "cloud_graph_host_name",
			"msgraph_host", "aud", "exp", "iat", "auth_time", "acr", "nonce", "preferred_username", "name", "tid", "ver", "at_hash", "c_hash", "email"},
		"tenant_region_scope":   "NA",
		"cloud_instance_name":   r.Host,
		"cloud_graph_host_name": "graph.windows.net",
		"msgraph_host":          "graph.microsoft.com",
		"rbac_url":              "https://pas.windows.net",
	}
	if t == nil {
		delete(doc, "tenant_region_scope")
	}
	writeJSON(w, http.StatusOK, doc)
}

func (s *Server) serveJWKS(w http.ResponseWriter, r *http.Request, p []string) {
	issuer := baseURL(r) + "/{tenantid}/v2.0"
	if t, _, err := s.tenantPath(p[0]); err == nil && t != nil {
		issuer = baseURL(r) + "/" + t.ID + "/v2.0"
	}
	writeJSON(w, http.StatusOK, s.signer.jwks(issuer, r.Host))
}

// serveInstanceDiscovery answers MSAL's instance discovery: this host is the
// only instance it knows.
func (s *Server) serveInstanceDiscovery(w http.ResponseWriter, r *http.Request, _ []string) {
	q := r.URL.Query()
	ep := q.Get("authorization_endpoint")
	u, err := url.Parse(ep)
	if ep == "" || err != nil || !strings.EqualFold(u.Host, r.Host) {
		s.writeOAuthError(w, r, errf(400, "invalid_instance", 50049, "Unknown or invalid instance."))
		return
	}
	tenantSeg := strings.SplitN(strings.Trim(u.Path, "/"), "/", 2)[0]
	writeJSON(w, http.StatusOK, map[string]any{
		"tenant_discovery_endpoint": baseURL(r) + "/" + tenantSeg + "/v2.0/.well-known/openid-configuration",
		"api-version":               "1.1",
		"metadata": []map[string]any{{
			"preferred_network": r.Host,
			"preferred_cache":   r.Host,
			"aliases":           []string{r.Host},
		}},
	})
}
