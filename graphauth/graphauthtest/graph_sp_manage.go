package graphauthtest

import (
	"net/http"
	"strings"

	"github.com/entrakit/entrakit/internal/graphperm"
)

// DELETE /servicePrincipals/{id} (an app's removal from a tenant, as an
// offboarded customer's administrator or a tool does it) and DELETE
// /servicePrincipals/{id}/appRoleAssignedTo/{id} or
// …/appRoleAssignments/{id} (an application permission revoked): 204, as
// Graph answers them; and GET …/appRoleAssignedTo, a resource's grants.

func (s *Server) spManageRoutes() []graphRoute {
	return []graphRoute{
		{"DELETE", "servicePrincipals/{id}", s.graphDeleteSP, 0},
		{"DELETE", "servicePrincipals(appId)", s.graphDeleteSP, 0},
		{"DELETE", "servicePrincipals/{id}/appRoleAssignedTo/{id}", s.graphDeleteAssignment, 0},
		{"DELETE", "servicePrincipals/{id}/appRoleAssignments/{id}", s.graphDeleteAssignment, 0},
		{"GET", "servicePrincipals/{id}/appRoleAssignedTo", s.graphAssignedTo, optSelect | optTop | optSkipToken},
		{"GET", "servicePrincipals(appId)/appRoleAssignedTo", s.graphAssignedTo, optSelect | optTop | optSkipToken},
	}
}

// graphAssignedTo serves GET /servicePrincipals/{id}/appRoleAssignedTo:
// the app roles of a resource granted in the caller's tenant, which for
// Microsoft Graph's service principal is every application permission of
// every app there, and for another service principal none (the fake
// grants only Graph's roles).
func (s *Server) graphAssignedTo(w http.ResponseWriter, r *http.Request, c *caller, p []string) {
	if !s.require(w, r, c, [2][]string{append(permAppRead[0], "AppRoleAssignment.ReadWrite.All"), permAppRead[1]}) {
		return
	}
	resource := s.spInCallerTenant(w, r, c, p)
	if resource == nil {
		return
	}
	s.mu.Lock()
	items := []map[string]any{}
	if strings.EqualFold(resource.AppID, GraphAppID) {
		for _, g := range s.dir.roleGrants {
			principal := s.dir.sp(c.tenant.ID, g.AppID)
			if g.Tenant != c.tenant.ID || principal == nil {
				continue
			}
			perm, _ := graphperm.ByValue(graphperm.Application, g.Role)
			items = append(items, s.assignmentJSON(g, perm.ID, principal.ID, resource.ID))
		}
	}
	s.mu.Unlock()
	s.legacyPage(w, r, "servicePrincipals('"+resource.ID+"')/appRoleAssignedTo", items)
}

// graphDeleteSP removes a service principal and the grants it held; tokens
// for its app in that tenant are refused from then on (AADSTS700016). An
// Application.ReadWrite.OwnedBy caller may delete only the service
// principals of the applications it owns, in their home tenant.
func (s *Server) graphDeleteSP(w http.ResponseWriter, r *http.Request, c *caller, p []string) {
	if !s.require(w, r, c, permAppWrite) {
		return
	}
	sp := s.spInCallerTenant(w, r, c, p)
	if sp == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if c.appOnly() && !containsFold(c.roles, "Application.ReadWrite.All") {
		// it owns the service principals of its apps in their home
		// tenant only: another tenant's was made by its administrator
		a := s.dir.apps[sp.AppID]
		if a == nil || a.HomeTenant != c.tenant.ID || (!containsFold(a.owners, c.appID) && !strings.EqualFold(a.ClientID, c.appID)) {
			s.writeGraphError(w, r, 403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.")
			return
		}
	}
	s.dir.removeSP(sp.Tenant, sp.AppID)
	w.WriteHeader(http.StatusNoContent)
}

// graphDeleteAssignment revokes one app role assignment of the service
// principal the path names, as principal (appRoleAssignments) or as
// resource (appRoleAssignedTo).
func (s *Server) graphDeleteAssignment(w http.ResponseWriter, r *http.Request, c *caller, p []string) {
	if !s.require(w, r, c, permRoleAssign) || !s.requireAdmin(w, r, c) {
		return
	}
	sp := s.spInCallerTenant(w, r, c, p)
	if sp == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, g := range s.dir.roleGrants {
		if g.Tenant != c.tenant.ID || !strings.EqualFold(g.ID, p[3]) {
			continue
		}
		if strings.EqualFold(p[2], "appRoleAssignments") && !strings.EqualFold(g.AppID, sp.AppID) ||
			strings.EqualFold(p[2], "appRoleAssignedTo") && !strings.EqualFold(sp.AppID, GraphAppID) {
			break // not an assignment of this service principal
		}
		s.dir.roleGrants = append(s.dir.roleGrants[:i], s.dir.roleGrants[i+1:]...)
		w.WriteHeader(http.StatusNoContent)
		return
	}
	s.writeGraphError(w, r, 404, "Request_ResourceNotFound", "Resource '"+p[3]+"' does not exist or one of its queried reference-property objects are not present.")
}
