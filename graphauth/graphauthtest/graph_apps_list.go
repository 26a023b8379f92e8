package graphauthtest

import (
	"net/http"
	"sort"
)

// GET /applications: the app registrations of the caller's tenant, with
// the query options Graph supports on them (the application resource page
// and the advanced queries page: appId, displayName and identifierUris are
// the common filters; displayName orders).

func (s *Server) appListRoutes() []graphRoute {
	return []graphRoute{
		{"GET", "applications", s.graphListApps, -1},
		{"GET", "servicePrincipals", s.graphListSPs, -1},
	}
}

// applicationType follows the application resource page for the properties
// the fake models; the others render as null.
func applicationType() *resourceType {
	return newResourceType("application", true,
		&propSpec{name: "id", edm: edmString, dflt: true, ops: ops("eq=D ne=A not=A in=D")},
		&propSpec{name: "appId", edm: edmString, dflt: true, ops: ops("eq=D ne=A not=A in=D startsWith=A")},
		&propSpec{name: "displayName", edm: edmString, dflt: true, search: true, orderBy: byDefault,
			ops: ops("eq=D ne=A not=A in=D startsWith=D null=A")},
		&propSpec{name: "signInAudience", edm: edmString, dflt: true, ops: ops("eq=D ne=A not=A in=D")},
		&propSpec{name: "isFallbackPublicClient", edm: edmBool, dflt: true},
		&propSpec{name: "requiredResourceAccess", edm: "Collection(microsoft.graph.requiredResourceAccess)", dflt: true},
		&propSpec{name: "web", edm: "microsoft.graph.webApplication", dflt: true},
		&propSpec{name: "passwordCredentials", edm: "Collection(microsoft.graph.passwordCredential)", dflt: true},
		&propSpec{name: "keyCredentials", edm: "Collection(microsoft.graph.keyCredential)", dflt: true},
	)
}

// servicePrincipalType follows the servicePrincipal resource page for the
// properties the fake models: appId is the filter guides use to find an
// API's service principal in a tenant before creating it.
func servicePrincipalType() *resourceType {
	return newResourceType("servicePrincipal", true,
		&propSpec{name: "id", edm: edmString, dflt: true, ops: ops("eq=D ne=A not=A in=D")},
		&propSpec{name: "appId", edm: edmString, dflt: true, ops: ops("eq=D ne=A not=A in=D")},
		&propSpec{name: "displayName", edm: edmString, dflt: true, search: true, orderBy: byDefault,
			ops: ops("eq=D ne=A not=A in=D startsWith=D null=A")},
		&propSpec{name: "accountEnabled", edm: edmBool, dflt: true, ops: ops("eq=D ne=A not=A")},
		&propSpec{name: "servicePrincipalType", edm: edmString, dflt: true, ops: ops("eq=D ne=A not=A in=D")},
		&propSpec{name: "appRoles", edm: "Collection(microsoft.graph.appRole)", dflt: true},
		&propSpec{name: "oauth2PermissionScopes", edm: "Collection(microsoft.graph.permissionScope)", dflt: true},
	)
}

// graphListSPs serves GET /servicePrincipals: the service principals of
// the caller's tenant, as in GET /servicePrincipals?$filter=appId eq '…',
// the way guides look for an API's service principal before creating it.
func (s *Server) graphListSPs(w http.ResponseWriter, r *http.Request, c *caller, _ []string) {
	if !s.require(w, r, c, permAppRead) {
		return
	}
	q, e := parseQuery(r, s.types.servicePrincipal, optList)
	if e != nil {
		s.refuse(w, r, e)
		return
	}
	s.mu.Lock()
	var items []map[string]any
	for k, sp := range s.dir.sps {
		if k.tenant == c.tenant.ID {
			items = append(items, s.spJSON(sp, true))
		}
	}
	s.mu.Unlock()
	sort.Slice(items, func(i, j int) bool { return items[i]["id"].(string) < items[j]["id"].(string) })
	s.writePage(w, r, q, "servicePrincipals", items, func(map[string]any) *resourceType { return s.types.servicePrincipal })
}

func (s *Server) graphListApps(w http.ResponseWriter, r *http.Request, c *caller, _ []string) {
	if !s.require(w, r, c, permAppRead) {
		return
	}
	q, e := parseQuery(r, s.types.application, optList)
	if e != nil {
		s.refuse(w, r, e)
		return
	}
	s.mu.Lock()
	var items []map[string]any
	for _, a := range s.dir.apps {
		if a.HomeTenant != c.tenant.ID || !s.mayRead(c, a) {
			continue
		}
		items = append(items, applicationJSON(a, false))
	}
	s.mu.Unlock()
	sort.Slice(items, func(i, j int) bool { return items[i]["id"].(string) < items[j]["id"].(string) })
	s.writePage(w, r, q, "applications", items, func(map[string]any) *resourceType { return s.types.application })
}

// mayRead reports whether the caller sees app a in a list: every app with
// Application.Read.All or ReadWrite.All (or delegated access), only those
// it owns (or is) with Application.ReadWrite.OwnedBy.
func (s *Server) mayRead(c *caller, a *app) bool {
	if !c.appOnly() || containsFold(c.roles, "Application.ReadWrite.All") || containsFold(c.roles, "Application.Read.All") {
		return true
	}
	return containsFold(a.owners, c.appID) || a.ClientID == c.appID
}
