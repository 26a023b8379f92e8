package main

import (
	"net/http"
	"time"

	"github.com/entrakit/entrakit/graphauth/graphauthtest"
)

// routes lists every control operation; openapi.yaml describes the same set.
func (c *control) routes() []route {
	p := func(s string) string { return controlPrefix + s }
	return []route{
		{method: http.MethodGet, path: p("state"), op: c.state},
		{method: http.MethodPost, path: p("tenants"), status: http.StatusCreated, op: c.addTenant},
		{method: http.MethodPost, path: p("users"), status: http.StatusCreated, op: c.addUser},
		{method: http.MethodPost, path: p("users/delete"), op: c.deleteUser},
		{method: http.MethodPost, path: p("groups"), status: http.StatusCreated, op: c.addGroup},
		{method: http.MethodPost, path: p("apps"), status: http.StatusCreated, op: c.addApp},
		{method: http.MethodPost, path: p("secrets"), status: http.StatusCreated, op: c.addSecret},
		{method: http.MethodPost, path: p("certificates"), status: http.StatusCreated, op: c.addCertificate},
		{method: http.MethodPost, path: p("servicePrincipals"), op: c.addServicePrincipal},
		{method: http.MethodPost, path: p("servicePrincipals/remove"), op: c.removeServicePrincipal},
		{method: http.MethodPost, path: p("managedIdentities"), status: http.StatusCreated, op: c.addManagedIdentity},
		{method: http.MethodPost, path: p("managedIdentities/trust"), status: http.StatusCreated, op: c.trustManagedIdentity},
		{method: http.MethodPost, path: p("grants/appRoles"), op: c.grantAppRoles},
		{method: http.MethodPost, path: p("grants/appRoles/revoke"), op: c.revokeAppRoles},
		{method: http.MethodPost, path: p("grants/scopes"), op: c.grantScopes},
		{method: http.MethodPost, path: p("refreshTokens/revoke"), op: c.revokeRefreshTokens},
		{method: http.MethodPost, path: p("signIn"), op: c.signIn},
		{method: http.MethodGet, path: p("clock"), op: c.clock},
		{method: http.MethodPost, path: p("clock/advance"), op: c.advance},
		{method: http.MethodPost, path: p("faults"), op: c.injectFault},
		{method: http.MethodDelete, path: p("faults"), op: c.clearFaults},
		{method: http.MethodPost, path: p("throttles"), op: c.throttle},
		{method: http.MethodDelete, path: p("throttles"), op: c.clearThrottles},
		{method: http.MethodGet, path: p("requests"), op: c.requests},
		{method: http.MethodDelete, path: p("requests"), op: c.resetRequests},
	}
}

// stateJSON is GET /control/state: where the platform is and what it holds.
type stateJSON struct {
	URL     string         `json:"url"`
	Now     time.Time      `json:"now"`
	Tenants []tenantJSON   `json:"tenants"`
	Apps    []appStateJSON `json:"apps"`
	// ManagedIdentities are those added through POST /managedIdentities.
	ManagedIdentities []identityJSON `json:"managedIdentities"`
}

type tenantJSON struct {
	ID                string      `json:"id"`
	Domain            string      `json:"domain"`
	DisplayName       string      `json:"displayName"`
	Domains           []string    `json:"domains,omitempty"`
	ServicePrincipals []string    `json:"servicePrincipals,omitempty"`
	ConsentBlocked    bool        `json:"consentBlocked,omitempty"`
	Users             []userJSON  `json:"users"`
	Groups            []groupJSON `json:"groups"`
}

type userJSON struct {
	ID          string `json:"id"`
	UPN         string `json:"upn"`
	DisplayName string `json:"displayName"`
	Admin       bool   `json:"admin,omitempty"`
	Disabled    bool   `json:"disabled,omitempty"`
	Guest       bool   `json:"guest,omitempty"`
}

type groupJSON struct {
	ID          string   `json:"id"`
	DisplayName string   `json:"displayName"`
	Members     []string `json:"members"` // object IDs
}

func tenantView(t graphauthtest.Tenant) tenantJSON {
	out := tenantJSON{ID: t.ID, Domain: t.Domain, DisplayName: t.DisplayName, Domains: t.Domains,
		ServicePrincipals: t.ServicePrincipals, ConsentBlocked: t.ConsentBlocked,
		Users: []userJSON{}, Groups: []groupJSON{}}
	for _, u := range t.Users {
		out.Users = append(out.Users, userView(u))
	}
	for _, g := range t.Groups {
		out.Groups = append(out.Groups, groupJSON{ID: g.ID, DisplayName: g.DisplayName, Members: nonNil(g.Members)})
	}
	return out
}

func userView(u graphauthtest.User) userJSON {
	return userJSON{ID: u.ID, UPN: u.UPN, DisplayName: u.DisplayName, Admin: u.Admin, Disabled: u.Disabled, Guest: u.Guest}
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func (c *control) state(*http.Request) (any, error) {
	st := stateJSON{URL: c.srv.URL, Now: c.srv.Now().UTC(), Tenants: []tenantJSON{}, Apps: []appStateJSON{}}
	for _, t := range c.srv.Tenants() {
		st.Tenants = append(st.Tenants, tenantView(t))
	}
	for _, id := range c.srv.Apps() {
		if a, ok := c.srv.App(id); ok {
			st.Apps = append(st.Apps, appView(a))
		}
	}
	st.ManagedIdentities = c.identitiesView()
	return st, nil
}

// addTenant is POST /control/tenants, with the Tenant of graphauthtest as
// JSON (the configuration file's tenant shape).
func (c *control) addTenant(r *http.Request) (any, error) {
	var t graphauthtest.Tenant
	if err := decode(r, &t); err != nil {
		return nil, err
	}
	return tenantView(c.srv.AddTenant(t)), nil
}

type addUserJSON struct {
	Tenant string `json:"tenant"`
	graphauthtest.User
}

func (c *control) addUser(r *http.Request) (any, error) {
	var in addUserJSON
	if err := decode(r, &in); err != nil {
		return nil, err
	}
	if err := required("tenant", in.Tenant, "upn", in.UPN); err != nil {
		return nil, err
	}
	return userView(c.srv.AddUser(in.Tenant, in.User)), nil
}

type upnJSON struct {
	UPN string `json:"upn"`
}

func (c *control) deleteUser(r *http.Request) (any, error) {
	var in upnJSON
	if err := decode(r, &in); err != nil {
		return nil, err
	}
	if err := required("upn", in.UPN); err != nil {
		return nil, err
	}
	c.srv.DeleteUser(in.UPN)
	return nil, nil
}

type addGroupJSON struct {
	Tenant string `json:"tenant"`
	graphauthtest.Group
}

func (c *control) addGroup(r *http.Request) (any, error) {
	var in addGroupJSON
	if err := decode(r, &in); err != nil {
		return nil, err
	}
	if err := required("tenant", in.Tenant, "displayName", in.DisplayName); err != nil {
		return nil, err
	}
	g := c.srv.AddGroup(in.Tenant, in.Group)
	for _, t := range c.srv.Tenants() {
		for _, held := range t.Groups {
			if held.ID == g.ID {
				return groupJSON{ID: held.ID, DisplayName: held.DisplayName, Members: nonNil(held.Members)}, nil
			}
		}
	}
	return nil, notFound("group %s vanished as it was added", g.ID)
}

type servicePrincipalJSON struct {
	Tenant string `json:"tenant"`
	AppID  string `json:"appId"`
}

func (c *control) servicePrincipalBody(r *http.Request) (servicePrincipalJSON, error) {
	var in servicePrincipalJSON
	if err := decode(r, &in); err != nil {
		return in, err
	}
	return in, required("tenant", in.Tenant, "appId", in.AppID)
}

func (c *control) addServicePrincipal(r *http.Request) (any, error) {
	in, err := c.servicePrincipalBody(r)
	if err != nil {
		return nil, err
	}
	c.srv.AddServicePrincipal(in.Tenant, in.AppID)
	return nil, nil
}

func (c *control) removeServicePrincipal(r *http.Request) (any, error) {
	in, err := c.servicePrincipalBody(r)
	if err != nil {
		return nil, err
	}
	c.srv.RemoveServicePrincipal(in.Tenant, in.AppID)
	return nil, nil
}
