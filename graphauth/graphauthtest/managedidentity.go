package graphauthtest

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/golang-jwt/jwt/v5"

	"github.com/entrakit/entrakit/internal/ids"
)

// EndpointManagedIdentity is the fake's managed identity endpoints: IMDS's
// /metadata/identity/oauth2/token and App Service's /msi/token.
const EndpointManagedIdentity Endpoint = "managedidentity"

// The paths of the managed identity endpoints, under Server.URL.
const (
	IMDSPath             = "/metadata/identity/oauth2/token" // as at http://169.254.169.254
	IdentityEndpointPath = "/msi/token"                      // what App Service puts in IDENTITY_ENDPOINT
)

// tokenExchangeAudience is the resource of the tokens a managed identity
// presents to a federated identity credential; the tokens themselves, v2.0
// tokens, carry the resource's app ID (the "AAD Token Exchange Endpoint")
// as their audience.
const (
	tokenExchangeAudience = "api://AzureADTokenExchange"
	tokenExchangeAppID    = "fb60f99c-7a34-4190-8149-302f77469936"
)

// ManagedIdentity is the identity of an Azure resource, which the fake's
// managed identity endpoints issue tokens for.
type ManagedIdentity struct {
	// SystemAssigned marks the resource's own identity, which a request
	// that names none gets. At most one identity is system-assigned.
	SystemAssigned bool
	ClientID       string // a new GUID when empty
	ObjectID       string // the principal ID (the "sub" and "oid" of its tokens); a new GUID when empty
	// ResourceID is the Azure resource ID of a user-assigned identity;
	// empty means one made from the client ID.
	ResourceID string
	// Tenant is the ID or domain of the identity's tenant. Empty means the
	// first tenant.
	Tenant string
}

// managedIdentities is what the fake knows of managed identities.
type managedIdentities struct {
	list   []ManagedIdentity
	header string // App Service's IDENTITY_HEADER value
}

// AddManagedIdentity registers a managed identity, with its service
// principal in its tenant, and returns it with the defaults filled in. It
// panics if the tenant is unknown, an ID is not a GUID or already taken (an
// app's or another identity's client ID, another object's ID), or a second
// system-assigned identity is added.
func (s *Server) AddManagedIdentity(mi ManagedIdentity) ManagedIdentity {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.dir.firstTenant()
	if mi.Tenant != "" {
		t = s.dir.lookupTenant(mi.Tenant)
	}
	if t == nil {
		panic(fmt.Sprintf("graphauthtest: managed identity tenant %q is unknown", mi.Tenant))
	}
	mi.Tenant = t.ID
	if mi.ClientID == "" {
		mi.ClientID = newGUID()
	}
	if mi.ObjectID == "" {
		mi.ObjectID = newGUID()
	}
	mi.ClientID, mi.ObjectID = strings.ToLower(mi.ClientID), strings.ToLower(mi.ObjectID)
	if !ids.IsGUID(mi.ClientID) || !ids.IsGUID(mi.ObjectID) {
		panic("graphauthtest: a managed identity's ClientID and ObjectID must be GUIDs")
	}
	// A managed identity is an application of its own: its client ID is
	// no app's and no other identity's, and its principal no other
	// object's. Given one of these, it replaced that app's service
	// principal in the tenant (its roles, its object ID) with its own.
	if s.dir.apps[mi.ClientID] != nil || mi.ClientID == GraphAppID || firstParty(mi.ClientID) != "" || s.dir.sps[spKey{t.ID, mi.ClientID}] != nil {
		panic(fmt.Sprintf("graphauthtest: managed identity client ID %s is already an app's", mi.ClientID))
	}
	if kind := s.dir.objectKind(mi.ObjectID); kind != "" {
		panic(fmt.Sprintf("graphauthtest: managed identity object ID %s is already the ID of a %s", mi.ObjectID, kind))
	}
	if mi.ResourceID == "" && !mi.SystemAssigned {
		mi.ResourceID = "/subscriptions/" + t.ID + "/resourcegroups/fake/providers/Microsoft.ManagedIdentity/userAssignedIdentities/mi-" + mi.ClientID[:8]
	}
	for _, m := range s.mis.list {
		if m.SystemAssigned && mi.SystemAssigned {
			panic("graphauthtest: there is already a system-assigned managed identity")
		}
	}
	s.dir.sps[spKey{t.ID, mi.ClientID}] = &servicePrincipal{ID: mi.ObjectID, AppID: mi.ClientID, Tenant: t.ID, Created: s.clk.now()}
	s.mis.list = append(s.mis.list, mi)
	return mi
}

// IdentityHeader is the secret App Service hands the process in
// IDENTITY_HEADER, which requests to IdentityEndpointPath must carry in
// X-IDENTITY-HEADER.
func (s *Server) IdentityHeader() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.mis.header == "" {
		var b [16]byte
		_, _ = rand.Read(b[:]) // crypto/rand.Read does not fail
		s.mis.header = hex.EncodeToString(b[:])
	}
	return s.mis.header
}

// TrustManagedIdentity adds to the app clientID the federated identity
// credential that lets mi authenticate as it: issuer the identity's
// tenant's v2.0 issuer on this server, subject its object ID, audience
// api://AzureADTokenExchange, as the portal's "Managed identity" scenario
// sets it up. It panics if the app is unknown.
func (s *Server) TrustManagedIdentity(clientID string, mi ManagedIdentity) FederatedCredential {
	fic := FederatedCredential{Issuer: s.URL + "/" + mi.Tenant + "/v2.0", Subject: mi.ObjectID, Audience: tokenExchangeAudience}
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.dir.apps[strings.ToLower(clientID)]
	if a == nil {
		panic(fmt.Sprintf("graphauthtest: app %s is unknown", clientID))
	}
	a.FederatedCredentials = append(a.FederatedCredentials, fic)
	return fic
}

// miRequest is a parsed managed identity token request.
type miRequest struct {
	resource string
	appSvc   bool
	selector string // "client_id", "object_id", "msi_res_id"/"mi_res_id", or "" for system-assigned
	value    string
}

// serveIMDS answers as IMDS does: a GET with "Metadata: true".
func (s *Server) serveIMDS(w http.ResponseWriter, r *http.Request, _ []string) {
	q := r.URL.Query()
	switch {
	case r.Method != http.MethodGet:
		writeMIError(w, http.StatusMethodNotAllowed, false, "invalid_request", "The HTTP method is not supported: use GET")
	case r.Header.Get("X-Forwarded-For") != "":
		// IMDS refuses proxied requests, so that a server-side request
		// forgery through a proxy cannot reach it.
		writeMIError(w, http.StatusBadRequest, false, "invalid_request", "Request contains X-Forwarded-For header")
	case r.Header.Get("Metadata") != "true":
		writeMIError(w, http.StatusBadRequest, false, "invalid_request", "Required metadata header not specified")
	case q.Get("api-version") == "":
		writeMIError(w, http.StatusBadRequest, false, "invalid_request", "Required query variable 'api-version' is missing")
	default:
		s.serveMIToken(w, r, miFromQuery(q, false))
	}
}

// serveAppService answers as App Service's identity endpoint does: a GET
// with X-IDENTITY-HEADER and api-version 2019-08-01.
func (s *Server) serveAppService(w http.ResponseWriter, r *http.Request, _ []string) {
	q := r.URL.Query()
	switch {
	case r.Method != http.MethodGet:
		writeMIError(w, http.StatusMethodNotAllowed, true, "", "The HTTP method is not supported: use GET")
	case r.Header.Get("X-IDENTITY-HEADER") == "" || r.Header.Get("X-IDENTITY-HEADER") != s.IdentityHeader():
		writeMIError(w, http.StatusUnauthorized, true, "", "The X-IDENTITY-HEADER header is missing or does not match")
	case q.Get("api-version") != "2019-08-01":
		writeMIError(w, http.StatusBadRequest, true, "", "api-version must be 2019-08-01")
	default:
		s.serveMIToken(w, r, miFromQuery(q, true))
	}
}

func miFromQuery(q map[string][]string, appSvc bool) miRequest {
	get := func(k string) string {
		if v := q[k]; len(v) > 0 {
			return v[0]
		}
		return ""
	}
	req := miRequest{resource: get("resource"), appSvc: appSvc}
	for _, k := range []string{"client_id", "object_id", "principal_id", "msi_res_id", "mi_res_id"} {
		if v := get(k); v != "" {
			req.selector, req.value = k, v
		}
	}
	return req
}

// find returns the identity a request selects.
func (s *Server) findManagedIdentity(req miRequest) (ManagedIdentity, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, m := range s.mis.list {
		switch req.selector {
		case "":
			if m.SystemAssigned {
				return m, true
			}
		case "client_id":
			if strings.EqualFold(m.ClientID, req.value) {
				return m, true
			}
		case "object_id", "principal_id":
			if strings.EqualFold(m.ObjectID, req.value) {
				return m, true
			}
		default:
			if m.ResourceID != "" && strings.EqualFold(m.ResourceID, req.value) {
				return m, true
			}
		}
	}
	return ManagedIdentity{}, false
}

func (s *Server) serveMIToken(w http.ResponseWriter, r *http.Request, req miRequest) {
	if req.resource == "" {
		writeMIError(w, http.StatusBadRequest, req.appSvc, "invalid_request", "Required query variable 'resource' is missing")
		return
	}
	mi, ok := s.findManagedIdentity(req)
	if !ok {
		writeMIError(w, http.StatusBadRequest, req.appSvc, "invalid_request", "Identity not found")
		return
	}
	recordOf(r).ClientID = mi.ClientID
	resource := strings.TrimSuffix(req.resource, "/.default")
	aud, iss, ver := "", baseURL(r)+"/"+mi.Tenant+"/", "1.0"
	if strings.EqualFold(strings.TrimSuffix(resource, "/"), tokenExchangeAudience) {
		aud, iss, ver = tokenExchangeAppID, baseURL(r)+"/"+mi.Tenant+"/v2.0", "2.0"
	} else if aud, _ = s.resourceOf(resource); aud == "" {
		// Azure Resource Manager and the other first-party APIs the fake
		// knows: the IMDS guide's own example asks for
		// https://management.azure.com/.
		aud = firstPartyAudience(resource)
	}
	if aud == "" {
		writeMIError(w, http.StatusBadRequest, req.appSvc, "invalid_resource",
			fmt.Sprintf("AADSTS500011: The resource principal named %s was not found in the tenant named %s.", resource, mi.Tenant))
		return
	}
	now := s.clk.now()
	lifetime := int64(s.opts.TokenLifetime.Seconds())
	claims := jwt.MapClaims{
		"aud": aud, "iss": iss, "iat": now.Unix(), "nbf": now.Unix(), "exp": now.Unix() + lifetime,
		"idtyp": "app", "oid": mi.ObjectID, "sub": mi.ObjectID, "tid": mi.Tenant, "ver": ver,
		"uti": newGrantID()[:22],
	}
	if ver == "2.0" { // v2.0 tokens name the client azp, v1.0 tokens appid
		claims["azp"], claims["azpacr"] = mi.ClientID, "2"
	} else {
		claims["appid"], claims["appidacr"] = mi.ClientID, "2"
	}
	if mi.ResourceID != "" {
		claims["xms_mirid"] = mi.ResourceID
	}
	access := s.signer.sign(claims)
	exp := strconv.FormatInt(now.Unix()+lifetime, 10)
	w.Header().Set("Cache-Control", "no-store")
	if req.appSvc {
		writeJSON(w, http.StatusOK, map[string]string{"access_token": access, "expires_on": exp, "resource": req.resource, "token_type": "Bearer", "client_id": mi.ClientID})
		return
	}
	life := strconv.FormatInt(lifetime, 10)
	writeJSON(w, http.StatusOK, map[string]string{
		"access_token": access, "client_id": mi.ClientID, "expires_in": life, "expires_on": exp, "ext_expires_in": life,
		"not_before": strconv.FormatInt(now.Unix(), 10), "resource": req.resource, "token_type": "Bearer",
	})
}

// writeMIError writes IMDS's OAuth-shaped error, or App Service's
// {"statusCode":...,"message":...}.
func writeMIError(w http.ResponseWriter, status int, appSvc bool, code, msg string) {
	if appSvc {
		writeJSON(w, status, map[string]any{"statusCode": status, "message": msg, "correlationId": newGUID()})
		return
	}
	writeJSON(w, status, map[string]string{"error": code, "error_description": msg})
}

// azureDataPlaneAudience is the audience of an Azure data-plane resource a
// managed identity commonly asks for (Key Vault, Storage, Service Bus,
// Event Hubs, Azure SQL), as its App ID URI without a trailing slash; ""
// for others.
func azureDataPlaneAudience(resource string) string {
	r := strings.TrimRight(strings.ToLower(resource), "/")
	for _, uri := range []string{"https://vault.azure.net", "https://storage.azure.com", "https://servicebus.azure.net",
		"https://eventhubs.azure.net", "https://database.windows.net"} {
		if r == uri {
			return uri
		}
	}
	return ""
}
