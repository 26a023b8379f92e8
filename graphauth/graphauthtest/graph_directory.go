package graphauthtest

import (
	"net/http"
	"strings"

	"github.com/entrakit/entrakit/internal/graphperm"
)

// spInCallerTenant finds the service principal the path names in the
// caller's tenant, answering 404 when there is none.
func (s *Server) spInCallerTenant(w http.ResponseWriter, r *http.Request, c *caller, p []string) *servicePrincipal {
	appID, id := keyOf(p)
	s.mu.Lock()
	var sp *servicePrincipal
	if appID != "" {
		sp = s.dir.sp(c.tenant.ID, appID)
	} else if found := s.dir.spByID(id); found != nil && found.Tenant == c.tenant.ID {
		sp = found
	}
	s.mu.Unlock()
	if sp == nil {
		s.writeGraphError(w, r, 404, "Request_ResourceNotFound", "Resource '"+appID+id+"' does not exist or one of its queried reference-property objects are not present.")
	}
	return sp
}

// spName is the display name of appID's service principals.
func (s *Server) spName(appID string) string {
	if a := s.dir.apps[appID]; a != nil {
		return a.DisplayName
	} else if fp := firstParty(appID); fp != "" {
		return fp
	}
	return "Microsoft Graph"
}

func (s *Server) spJSON(sp *servicePrincipal, withPermissions bool) map[string]any {
	out := map[string]any{"id": sp.ID, "appId": sp.AppID, "displayName": s.spName(sp.AppID), "accountEnabled": true, "servicePrincipalType": "Application"}
	if sp.AppID == graphperm.GraphAppID && withPermissions {
		var roles, scopes []map[string]any
		for _, p := range graphperm.All(graphperm.Application) {
			roles = append(roles, map[string]any{"id": p.ID, "value": p.Value, "displayName": p.DisplayName, "isEnabled": p.Enabled, "allowedMemberTypes": []string{"Application"}, "origin": "Application"})
		}
		for _, p := range graphperm.All(graphperm.Delegated) {
			typ := "User"
			if p.AdminConsent {
				typ = "Admin"
			}
			scopes = append(scopes, map[string]any{"id": p.ID, "value": p.Value, "adminConsentDisplayName": p.DisplayName, "isEnabled": p.Enabled, "type": typ})
		}
		out["appRoles"], out["oauth2PermissionScopes"] = roles, scopes
	}
	return out
}

func (s *Server) graphGetSP(w http.ResponseWriter, r *http.Request, c *caller, p []string) {
	if !s.require(w, r, c, permAppRead) {
		return
	}
	sp := s.spInCallerTenant(w, r, c, p)
	if sp == nil {
		return
	}
	sel, e := selectOption(r)
	if e != nil {
		s.refuse(w, r, e)
		return
	}
	s.mu.Lock()
	body := s.spJSON(sp, sel == "" || strings.Contains(strings.ToLower(sel), "approles") || strings.Contains(strings.ToLower(sel), "oauth2permissionscopes"))
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, selectProps(body, sel))
}

func (s *Server) graphAssignments(w http.ResponseWriter, r *http.Request, c *caller, p []string) {
	if !s.require(w, r, c, [2][]string{append(permAppRead[0], "AppRoleAssignment.ReadWrite.All"), permAppRead[1]}) {
		return
	}
	sp := s.spInCallerTenant(w, r, c, p)
	if sp == nil {
		return
	}
	s.mu.Lock()
	graphSP := s.dir.sp(c.tenant.ID, graphperm.GraphAppID)
	var items []map[string]any
	for _, g := range s.dir.roleGrants {
		if g.Tenant != c.tenant.ID || g.AppID != sp.AppID || graphSP == nil {
			continue
		}
		perm, _ := graphperm.ByValue(graphperm.Application, g.Role)
		items = append(items, s.assignmentJSON(g, perm.ID, sp.ID, graphSP.ID))
	}
	s.mu.Unlock()
	s.legacyPage(w, r, "servicePrincipals('"+sp.ID+"')/appRoleAssignments", items)
}

// assignmentJSON is an app role assignment to Microsoft Graph as Graph
// renders one, with both sides' display names.
func (s *Server) assignmentJSON(g roleGrant, roleID, principalID, resourceID string) map[string]any {
	return map[string]any{
		"id": g.ID, "deletedDateTime": nil, "appRoleId": roleID, "createdDateTime": ticksTime(g.Created),
		"principalDisplayName": s.spName(g.AppID), "principalId": principalID, "principalType": "ServicePrincipal",
		"resourceDisplayName": "Microsoft Graph", "resourceId": resourceID,
	}
}

func (s *Server) graphCreateSP(w http.ResponseWriter, r *http.Request, c *caller, _ []string) {
	if !s.require(w, r, c, permSPCreate) {
		return
	}
	var body struct {
		AppID string `json:"appId"`
	}
	if !decodeBody(r, &body) || body.AppID == "" {
		s.writeGraphError(w, r, 400, "Request_BadRequest", "The request body must contain the property 'appId'.")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.dir.apps[strings.ToLower(body.AppID)]
	switch {
	case s.dir.sp(c.tenant.ID, body.AppID) != nil:
		s.writeGraphError(w, r, 409, "Request_MultipleObjectsWithSameKeyValue", "The service principal cannot be created, updated, or restored because the service principal name "+body.AppID+" is already in use.")
		return
	case strings.EqualFold(body.AppID, graphperm.GraphAppID), firstParty(body.AppID) != "":
	case a == nil || (!a.MultiTenant && a.HomeTenant != c.tenant.ID):
		s.writeGraphError(w, r, 400, "Request_BadRequest", "The appId '"+body.AppID+"' of the service principal does not reference a valid application object.")
		return
	}
	sp := s.dir.ensureSP(c.tenant.ID, body.AppID, s.clk.now())
	setLocation(w, c.tenant.ID, sp.ID, "ServicePrincipal")
	writeJSON(w, http.StatusCreated, s.spJSON(sp, false))
}

func (s *Server) graphAssignRole(w http.ResponseWriter, r *http.Request, c *caller, p []string) {
	if !s.require(w, r, c, permRoleAssign) || !s.requireAdmin(w, r, c) {
		return
	}
	var body struct {
		PrincipalID string `json:"principalId"`
		ResourceID  string `json:"resourceId"`
		AppRoleID   string `json:"appRoleId"`
	}
	if !decodeBody(r, &body) {
		s.writeGraphError(w, r, 400, "Request_BadRequest", "The request body is not valid JSON.")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	resource := s.dir.spByID(p[1])
	principal := s.dir.spByID(body.PrincipalID)
	perm, known := graphperm.ByID(graphperm.Application, body.AppRoleID)
	switch {
	case resource == nil || resource.Tenant != c.tenant.ID || !strings.EqualFold(resource.ID, body.ResourceID):
		s.writeGraphError(w, r, 404, "Request_ResourceNotFound", "Resource '"+p[1]+"' does not exist or one of its queried reference-property objects are not present.")
	case principal == nil || principal.Tenant != c.tenant.ID:
		s.writeGraphError(w, r, 400, "Request_BadRequest", "Invalid principalId '"+body.PrincipalID+"': no service principal with that ID in this tenant.")
	case resource.AppID != graphperm.GraphAppID || !known:
		s.writeGraphError(w, r, 400, "Request_BadRequest", "Permission being assigned was not found on application '"+resource.AppID+"'.")
	case s.dir.hasRole(c.tenant.ID, principal.AppID, perm.Value):
		// Graph refuses a second assignment of the same role; a client
		// must read the assignments or take this answer as done.
		s.writeGraphError(w, r, 400, "Request_BadRequest", "Permission being assigned already exists on the object.")
	default:
		g := s.grantRoleLocked(c.tenant.ID, principal.AppID, perm.Value)
		writeJSON(w, http.StatusCreated, s.assignmentJSON(g, perm.ID, principal.ID, resource.ID))
	}
}

func (s *Server) graphGrantScopes(w http.ResponseWriter, r *http.Request, c *caller, _ []string) {
	if !s.require(w, r, c, permDelegatedGrt) || !s.requireAdmin(w, r, c) {
		return
	}
	var body struct {
		ClientID    string `json:"clientId"`
		ConsentType string `json:"consentType"`
		PrincipalID string `json:"principalId"`
		ResourceID  string `json:"resourceId"`
		Scope       string `json:"scope"`
	}
	if !decodeBody(r, &body) || body.Scope == "" || (body.ConsentType != "AllPrincipals" && body.ConsentType != "Principal") {
		s.writeGraphError(w, r, 400, "Request_BadRequest", "clientId, consentType (AllPrincipals or Principal), resourceId and scope are required.")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	client, resource := s.dir.spByID(body.ClientID), s.dir.spByID(body.ResourceID)
	if client == nil || resource == nil || client.Tenant != c.tenant.ID || resource.Tenant != c.tenant.ID || resource.AppID != graphperm.GraphAppID {
		s.writeGraphError(w, r, 400, "Request_BadRequest", "clientId and resourceId must be service principal IDs in this tenant, the resource Microsoft Graph.")
		return
	}
	user := ""
	if body.ConsentType == "Principal" {
		if c.tenant.byOID[strings.ToLower(body.PrincipalID)] == nil {
			s.writeGraphError(w, r, 400, "Request_BadRequest", "principalId must name a user in this tenant when consentType is Principal.")
			return
		}
		user = strings.ToLower(body.PrincipalID)
	}
	for _, sc := range strings.Fields(body.Scope) {
		if p, ok := graphperm.ByValue(graphperm.Delegated, sc); !ok || !p.Enabled {
			s.writeGraphError(w, r, 400, "Request_BadRequest", "Scope '"+sc+"' is not a delegated permission of Microsoft Graph.")
			return
		}
	}
	if s.dir.hasScopeGrant(c.tenant.ID, client.AppID, user) {
		// Graph keeps one grant per client, resource and principal: more
		// scopes are a PATCH of its scope.
		s.writeGraphError(w, r, 400, "Request_BadRequest", "Permission entry already exists.")
		return
	}
	for _, sc := range strings.Fields(body.Scope) {
		p, _ := graphperm.ByValue(graphperm.Delegated, sc)
		s.grantScopeLocked(c.tenant.ID, client.AppID, user, p.Value)
	}
	writeJSON(w, http.StatusCreated, map[string]any{"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#oauth2PermissionGrants/$entity",
		"id": grantID(client.ID, resource.ID, user), "clientId": client.ID, "consentType": body.ConsentType,
		"principalId": nilIfEmpty(user), "resourceId": resource.ID, "scope": body.Scope})
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// selectOption is a single-entity route's $select, its name matched in any
// case as Graph does.
func selectOption(r *http.Request) (string, *graphRefusal) {
	vals, e := odataValues(r)
	if e != nil {
		return "", e
	}
	return vals.Get("$select"), nil
}

// selectProps projects an entity on $select as Graph does: only the
// properties named (matched in any case) are answered, so a client that
// forgets to select a property it reads sees it missing, as against Graph.
// Properties Graph has but the fake does not model are simply absent.
func selectProps(obj map[string]any, sel string) map[string]any {
	if strings.TrimSpace(sel) == "" {
		return obj
	}
	out := map[string]any{}
	for _, name := range strings.Split(sel, ",") {
		name = strings.TrimSpace(name)
		for k, v := range obj {
			if strings.EqualFold(k, name) {
				out[k] = v
			}
		}
	}
	return out
}
