package graphauthtest

import (
	"fmt"
	"strings"

	"github.com/entrakit/entrakit/internal/ids"
)

// AddTenant creates a tenant, with its users and groups, and the service
// principals of Microsoft Graph and of Tenant.ServicePrincipals in it.
// Empty IDs are filled in; the filled-in tenant is returned.
func (s *Server) AddTenant(t Tenant) Tenant {
	s.mu.Lock()
	defer s.mu.Unlock()
	if t.ID == "" {
		t.ID = newGUID()
	}
	t.ID = strings.ToLower(t.ID)
	if !ids.IsGUID(t.ID) {
		panic(fmt.Sprintf("graphauthtest: tenant ID %q is not a GUID", t.ID))
	}
	if s.dir.tenants[t.ID] != nil {
		panic(fmt.Sprintf("graphauthtest: tenant %s already exists", t.ID))
	}
	if kind := s.dir.objectKind(t.ID); kind != "" {
		panic(fmt.Sprintf("graphauthtest: tenant ID %s is already the ID of a %s", t.ID, kind))
	}
	if t.DisplayName == "" {
		t.DisplayName = "Tenant " + t.ID[:8]
	}
	if t.Domain == "" {
		t.Domain = domainLabel(t.DisplayName) + ".onmicrosoft.com"
	}
	t.Domain = strings.ToLower(t.Domain)
	t.Domains = append([]string(nil), t.Domains...)
	for _, d := range append([]string{t.Domain}, t.Domains...) {
		checkDomain(d)
		if _, taken := s.dir.domains[strings.ToLower(d)]; taken {
			panic(fmt.Sprintf("graphauthtest: domain %s already belongs to a tenant", d))
		}
	}
	t.Skus = fillSkus(t.Skus)
	t.Users = append([]User(nil), t.Users...)
	t.Groups = append([]Group(nil), t.Groups...)
	nt := &tenant{Tenant: t, users: map[string]*User{}, byOID: map[string]*User{}}
	nt.Users, nt.Groups = nil, nil
	nt.objs.init()
	// A tenant refused half-way (a bad user, license or group member) is
	// taken out again, so that a corrected retry (as the control API's POST
	// /tenants makes) does not find its domain taken.
	firstTenant := s.TenantID == ""
	defer func() {
		if p := recover(); p != nil {
			s.dir.removeTenant(t.ID)
			if firstTenant {
				s.TenantID, s.TenantDomain = "", ""
			}
			panic(p)
		}
	}()
	s.dir.tenants[t.ID] = nt
	s.dir.tenantOrder = append(s.dir.tenantOrder, t.ID)
	for _, d := range append([]string{t.Domain}, t.Domains...) {
		s.dir.domains[strings.ToLower(d)] = t.ID
	}
	s.dir.ensureSP(t.ID, GraphAppID, s.clk.now())
	for _, appID := range t.ServicePrincipals {
		if firstParty(appID) == "" {
			panic(fmt.Sprintf("graphauthtest: %q is not one of FirstPartyApps", appID))
		}
		s.dir.ensureSP(t.ID, appID, s.clk.now())
	}
	if s.TenantID == "" {
		s.TenantID, s.TenantDomain = t.ID, t.Domain
	}
	for i, u := range t.Users {
		t.Users[i] = s.addUserLocked(nt, u)
	}
	for i, g := range t.Groups {
		t.Groups[i] = s.addGroupLocked(nt, g, false)
	}
	for i, g := range t.Groups {
		s.addMembersLocked(nt, nt.groupByID(t.Groups[i].ID), g.Members)
	}
	return t
}

// AddUser adds a user to the tenant named by ID or domain and returns it
// with its object ID filled in.
func (s *Server) AddUser(tenantIDOrDomain string, u User) User {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.dir.lookupTenant(tenantIDOrDomain)
	if t == nil {
		panic(fmt.Sprintf("graphauthtest: no tenant %q", tenantIDOrDomain))
	}
	return s.addUserLocked(t, u)
}

func (s *Server) addUserLocked(t *tenant, u User) User {
	local, domain, ok := strings.Cut(u.UPN, "@")
	if !ok || !validUPNLocal(local) || !ids.IsDomain(domain) {
		panic(fmt.Sprintf("graphauthtest: user UPN %q is not of the form name@domain", u.UPN))
	}
	if !t.verifiedDomain(domain) {
		panic(fmt.Sprintf("graphauthtest: user UPN %q is not in a verified domain of tenant %s (%s)", u.UPN, t.ID, strings.Join(append([]string{t.Domain}, t.Domains...), ", ")))
	}
	if u.ID == "" {
		u.ID = newGUID()
	}
	u.ID = strings.ToLower(u.ID)
	if !ids.IsGUID(u.ID) {
		panic(fmt.Sprintf("graphauthtest: user ID %q is not a GUID", u.ID))
	}
	if kind := s.dir.objectKind(u.ID); kind != "" {
		panic(fmt.Sprintf("graphauthtest: user ID %s is already the ID of a %s", u.ID, kind))
	}
	if u.DisplayName == "" {
		u.DisplayName = local
	}
	if _, dup := t.users[strings.ToLower(u.UPN)]; dup {
		panic(fmt.Sprintf("graphauthtest: user %s already exists", u.UPN))
	}
	u.Licenses = append([]string(nil), u.Licenses...)
	for _, l := range u.Licenses {
		if skuOf(t, l) == nil {
			panic(fmt.Sprintf("graphauthtest: user %s has license %q, which tenant %s has no Sku for", u.UPN, l, t.Domain))
		}
	}
	t.insertUser(u, s.clk.now())
	return u
}

// DeleteUser removes the user with this UPN from its tenant, as DELETE
// /users/{id} does: the user leaves every group, can no longer sign in, and
// its refresh tokens stop working (AADSTS50034).
func (s *Server) DeleteUser(upn string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, u := s.dir.userByUPN(upn)
	if u == nil {
		panic("graphauthtest: no user " + upn)
	}
	t.deleteUser(u)
}

// AddGroup adds a group to a tenant. Its Members name users by UPN and
// groups by display name or ID. The group is returned with its ID filled in.
func (s *Server) AddGroup(tenantIDOrDomain string, g Group) Group {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.mustTenant(tenantIDOrDomain)
	g = s.addGroupLocked(t, g, true)
	s.addMembersLocked(t, t.groupByID(g.ID), g.Members)
	return g
}

func (s *Server) addGroupLocked(t *tenant, g Group, _ bool) Group {
	if g.ID == "" {
		g.ID = newGUID()
	}
	g.ID = strings.ToLower(g.ID)
	if !ids.IsGUID(g.ID) {
		panic(fmt.Sprintf("graphauthtest: group ID %q is not a GUID", g.ID))
	}
	if kind := s.dir.objectKind(g.ID); kind != "" {
		panic(fmt.Sprintf("graphauthtest: group ID %s is already the ID of a %s", g.ID, kind))
	}
	if g.DisplayName == "" {
		panic("graphauthtest: a Group needs a DisplayName")
	}
	if g.MailNickname == "" {
		g.MailNickname = domainLabel(g.DisplayName)
	}
	g.Members = append([]string(nil), g.Members...)
	t.insertGroup(g, s.clk.now())
	return g
}

func (s *Server) addMembersLocked(t *tenant, g *group, refs []string) {
	for _, ref := range refs {
		if u := t.users[strings.ToLower(ref)]; u != nil {
			t.addMember(g, u.ID)
		} else if sub := t.groupByRef(ref); sub != nil && sub != g {
			t.addMember(g, sub.ID)
		} else {
			panic(fmt.Sprintf("graphauthtest: group %q member %q is neither a user's UPN nor another group in tenant %s", g.DisplayName, ref, t.Domain))
		}
		g.Members = append(g.Members, ref)
	}
}

// checkDomain refuses a tenant domain Entra would not verify: anything but a
// DNS name with a dot (so never "common", "organizations" or "consumers",
// which the fake's authority paths would then confuse with a tenant, nor a
// name with spaces or control characters that would forge a log line).
func checkDomain(d string) {
	if !ids.IsDomain(d) {
		panic(fmt.Sprintf("graphauthtest: tenant domain %q is not a DNS name such as fabrikam.onmicrosoft.com", d))
	}
}

// validUPNLocal reports whether the part of a UPN before the "@" is one Entra
// accepts: 1 to 64 of A-Z, a-z, 0-9 and ' . - _ ! # ^ ~, not starting or
// ending with a dot. A guest's "name_domain#EXT#" passes; spaces, control
// characters (which would forge a log line) and a second "@" do not.
func validUPNLocal(local string) bool {
	if local == "" || len(local) > 64 || strings.HasPrefix(local, ".") || strings.HasSuffix(local, ".") {
		return false
	}
	for i := 0; i < len(local); i++ {
		c := local[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("'.-_!#^~", c) >= 0) {
			return false
		}
	}
	return true
}

// objectKind names what already has this object ID in the directory ("user",
// "group", "tenant", "application" or "service principal"), or "" when the ID
// is free. Entra object IDs are unique across a directory: two objects sharing
// one would let one user's tokens carry another's oid.
func (d *directory) objectKind(id string) string {
	id = strings.ToLower(id)
	if d.tenants[id] != nil {
		return "tenant"
	}
	for _, tid := range d.tenantOrder {
		t := d.tenants[tid]
		if t.byOID[id] != nil {
			return "user"
		}
		if t.groupByID(id) != nil {
			return "group"
		}
	}
	for _, a := range d.apps {
		if a.ObjectID == id {
			return "application"
		}
	}
	for _, sp := range d.sps {
		if strings.EqualFold(sp.ID, id) {
			return "service principal"
		}
	}
	return ""
}

// removeTenant takes a tenant out of the directory with its domains, service
// principals and grants.
func (d *directory) removeTenant(id string) {
	delete(d.tenants, id)
	order := d.tenantOrder[:0]
	for _, tid := range d.tenantOrder {
		if tid != id {
			order = append(order, tid)
		}
	}
	d.tenantOrder = order
	for dom, tid := range d.domains {
		if tid == id {
			delete(d.domains, dom)
		}
	}
	for k := range d.sps {
		if k.tenant == id {
			delete(d.sps, k)
		}
	}
	roles := d.roleGrants[:0]
	for _, g := range d.roleGrants {
		if g.Tenant != id {
			roles = append(roles, g)
		}
	}
	d.roleGrants = roles
	scopes := d.scopeGrants[:0]
	for _, g := range d.scopeGrants {
		if g.Tenant != id {
			scopes = append(scopes, g)
		}
	}
	d.scopeGrants = scopes
}
