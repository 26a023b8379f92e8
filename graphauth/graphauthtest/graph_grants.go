package graphauthtest

import (
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"sort"
	"strings"

	"github.com/entrakit/entrakit/internal/graphperm"
)

// GET /oauth2PermissionGrants and GET /servicePrincipals/{id}/
// oauth2PermissionGrants: the delegated permissions granted in the
// caller's tenant, one grant per client, resource and principal (or all
// principals) with its scopes space-separated, as Graph lists them; the
// filter guides use is clientId eq '{client service principal id}'.

var permGrantsRead = [2][]string{
	{"DelegatedPermissionGrant.Read.All", "DelegatedPermissionGrant.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All"},
	{"DelegatedPermissionGrant.Read.All", "DelegatedPermissionGrant.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All"},
}

func (s *Server) grantRoutes() []graphRoute {
	return []graphRoute{
		{"GET", "oauth2PermissionGrants", s.graphListGrants, -1},
		{"GET", "oauth2PermissionGrants/{id}", s.graphGetGrant, optSelect},
		{"GET", "servicePrincipals/{id}/oauth2PermissionGrants", s.graphListGrants, -1},
		{"PATCH", "oauth2PermissionGrants/{id}", s.graphUpdateGrant, 0},
		{"DELETE", "oauth2PermissionGrants/{id}", s.graphUpdateGrant, 0},
	}
}

// graphUpdateGrant serves PATCH /oauth2PermissionGrants/{id} (its scope
// replaced: how scopes are added to or taken from a grant) and DELETE
// (the grant revoked), 204 both.
func (s *Server) graphUpdateGrant(w http.ResponseWriter, r *http.Request, c *caller, p []string) {
	if !s.require(w, r, c, permDelegatedGrt) || !s.requireAdmin(w, r, c) {
		return
	}
	var asked []string
	if r.Method == http.MethodPatch {
		var body struct {
			Scope *string `json:"scope"`
		}
		if !decodeBody(r, &body) || body.Scope == nil {
			s.writeGraphError(w, r, 400, "Request_BadRequest", "The request body must set the grant's scope.")
			return
		}
		asked = strings.Fields(*body.Scope)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var target map[string]any
	for _, it := range s.grantsLocked(c.tenant.ID) {
		if it["id"] == p[1] {
			target = it
		}
	}
	if target == nil {
		s.writeGraphError(w, r, 404, "Request_ResourceNotFound", "Resource '"+p[1]+"' does not exist or one of its queried reference-property objects are not present.")
		return
	}
	client, resource := s.dir.spByID(target["clientId"].(string)), s.dir.spByID(target["resourceId"].(string))
	var scopes []string // as scope grants keep them (grantKey)
	for _, sc := range asked {
		if resource.AppID != GraphAppID {
			scopes = append(scopes, resource.AppID+"/"+sc)
			continue
		}
		perm, ok := graphperm.ByValue(graphperm.Delegated, sc)
		if !ok || !perm.Enabled {
			s.writeGraphError(w, r, 400, "Request_BadRequest", "Scope '"+sc+"' is not a delegated permission of Microsoft Graph.")
			return
		}
		scopes = append(scopes, perm.Value)
	}
	user, _ := target["principalId"].(string)
	kept := s.dir.scopeGrants[:0]
	for _, g := range s.dir.scopeGrants {
		// scopes the grant keeps keep their record, and the time they
		// took effect; other resources' grants are not this one
		mine := g.Tenant == c.tenant.ID && strings.EqualFold(g.AppID, client.AppID) && g.User == user && strings.EqualFold(grantResource(g.Scope), resource.AppID)
		if !mine || containsFold(scopes, g.Scope) {
			kept = append(kept, g)
		}
	}
	s.dir.scopeGrants = kept
	for _, sc := range scopes {
		s.grantScopeLocked(c.tenant.ID, client.AppID, user, sc)
	}
	w.WriteHeader(http.StatusNoContent)
}

// oauth2PermissionGrantType follows the oauth2PermissionGrant resource
// page: clientId, consentType, principalId and resourceId filter with eq.
func oauth2PermissionGrantType() *resourceType {
	return newResourceType("oAuth2PermissionGrant", false,
		&propSpec{name: "id", edm: edmString, dflt: true, ops: ops("eq=D")},
		&propSpec{name: "clientId", edm: edmString, dflt: true, ops: ops("eq=D")},
		&propSpec{name: "consentType", edm: edmString, dflt: true, ops: ops("eq=D")},
		&propSpec{name: "principalId", edm: edmString, dflt: true, ops: ops("eq=D")},
		&propSpec{name: "resourceId", edm: edmString, dflt: true, ops: ops("eq=D")},
		&propSpec{name: "scope", edm: edmString, dflt: true},
	)
}

// grantID is a grant's ID in the form Graph's take, a base64url string of
// 43 characters (64 for a grant to one user), built here from the
// client's and the resource's service principal IDs and the principal's,
// so that the same grant has the same ID whether it is created, listed or
// read.
func grantID(clientID, resourceID, principalID string) string {
	var raw []byte
	for _, id := range []string{clientID, resourceID, principalID} {
		if id == "" {
			continue
		}
		b, err := hex.DecodeString(strings.ReplaceAll(id, "-", ""))
		if err != nil || len(b) != 16 {
			return ""
		}
		// in the byte order of .NET's Guid.ToByteArray
		raw = append(raw, b[3], b[2], b[1], b[0], b[5], b[4], b[7], b[6])
		raw = append(raw, b[8:]...)
	}
	return base64.RawURLEncoding.EncodeToString(raw)
}

// grantsLocked renders the tenant's delegated grants: one per client,
// resource (Microsoft Graph or another API) and principal.
func (s *Server) grantsLocked(tenantID string) []map[string]any {
	type key struct{ app, user, resource string }
	scopes := map[key][]string{}
	var order []key
	for _, g := range s.dir.scopeGrants {
		if g.Tenant != tenantID {
			continue
		}
		k := key{g.AppID, g.User, grantResource(g.Scope)}
		if _, seen := scopes[k]; !seen {
			order = append(order, k)
		}
		scopes[k] = append(scopes[k], scopeValue(g.Scope))
	}
	var out []map[string]any
	for _, k := range order {
		client, resource := s.dir.sps[spKey{tenantID, k.app}], s.dir.sps[spKey{tenantID, strings.ToLower(k.resource)}]
		if client == nil || resource == nil {
			continue
		}
		consent := "AllPrincipals"
		if k.user != "" {
			consent = "Principal"
		}
		out = append(out, map[string]any{"id": grantID(client.ID, resource.ID, k.user), "clientId": client.ID, "consentType": consent,
			"principalId": nilIfEmpty(k.user), "resourceId": resource.ID, "scope": strings.Join(scopes[k], " ")})
	}
	sort.Slice(out, func(i, j int) bool { return out[i]["id"].(string) < out[j]["id"].(string) })
	return out
}

// scopeValue is a scope grant's Scope without the API it is of.
func scopeValue(scope string) string {
	if _, value, ok := strings.Cut(scope, "/"); ok {
		return value
	}
	return scope
}

func (s *Server) graphListGrants(w http.ResponseWriter, r *http.Request, c *caller, p []string) {
	if !s.require(w, r, c, permGrantsRead) {
		return
	}
	q, e := parseQuery(r, s.types.grant, optSelect|optTop|optFilter|optSkipToken)
	if e != nil {
		s.refuse(w, r, e)
		return
	}
	s.mu.Lock()
	items := s.grantsLocked(c.tenant.ID)
	set := "oauth2PermissionGrants"
	if len(p) == 3 { // servicePrincipals/{id}/oauth2PermissionGrants
		sp := s.dir.spByID(p[1])
		if sp == nil || sp.Tenant != c.tenant.ID {
			s.mu.Unlock()
			s.writeGraphError(w, r, 404, "Request_ResourceNotFound", "Resource '"+p[1]+"' does not exist or one of its queried reference-property objects are not present.")
			return
		}
		kept := items[:0]
		for _, it := range items {
			if strings.EqualFold(it["clientId"].(string), sp.ID) {
				kept = append(kept, it)
			}
		}
		items, set = kept, "servicePrincipals('"+sp.ID+"')/oauth2PermissionGrants"
	}
	s.mu.Unlock()
	s.writePage(w, r, q, set, items, func(map[string]any) *resourceType { return s.types.grant })
}

func (s *Server) graphGetGrant(w http.ResponseWriter, r *http.Request, c *caller, p []string) {
	if !s.require(w, r, c, permGrantsRead) {
		return
	}
	s.mu.Lock()
	items := s.grantsLocked(c.tenant.ID)
	s.mu.Unlock()
	for _, it := range items {
		if it["id"] == p[1] {
			it["@odata.context"] = "https://graph.microsoft.com/v1.0/$metadata#oauth2PermissionGrants/$entity"
			writeJSON(w, http.StatusOK, it)
			return
		}
	}
	s.writeGraphError(w, r, 404, "Request_ResourceNotFound", "Resource '"+p[1]+"' does not exist or one of its queried reference-property objects are not present.")
}
