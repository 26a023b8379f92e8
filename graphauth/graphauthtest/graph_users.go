package graphauthtest

import (
	"net/http"
	"strings"
)

// Permissions of the user operations, from the "Permissions" table of each
// operation's Graph reference page: [app-only roles, delegated scopes].
// User.ReadBasic.All is an application role too, the least privileged one
// for listing and reading users in Microsoft's permission map.
var (
	permUsersRead = [2][]string{
		{"User.ReadBasic.All", "User.Read.All", "User.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All"},
		{"User.ReadBasic.All", "User.Read.All", "User.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All"}}
	permMe          = [2][]string{nil, {"User.Read", "User.ReadWrite", "User.ReadBasic.All", "User.Read.All", "User.ReadWrite.All", "Directory.Read.All"}}
	permUsersWrite  = [2][]string{{"User.ReadWrite.All", "Directory.ReadWrite.All"}, {"User.ReadWrite.All", "Directory.ReadWrite.All"}}
	permMeWrite     = [2][]string{nil, {"User.ReadWrite", "User.ReadWrite.All", "Directory.ReadWrite.All"}}
	permUsersDelete = [2][]string{{"User.ReadWrite.All"}, {"User.ReadWrite.All"}}
	permMemberOf    = [2][]string{
		{"User.Read.All", "User.ReadWrite.All", "GroupMember.Read.All", "Group.Read.All", "Directory.Read.All", "Directory.ReadWrite.All"},
		{"User.ReadBasic.All", "User.Read.All", "GroupMember.Read.All", "Group.Read.All", "Directory.Read.All"}}
)

func (s *Server) userRoutes() []graphRoute {
	return []graphRoute{
		{"GET", "users", s.graphListUsers, -1},
		{"GET", "users/$count", s.graphCountUsers, -1},
		{"POST", "users", s.graphCreateUser, 0},
		{"GET", "users/{id}", s.graphGetUser, -1},
		{"PATCH", "users/{id}", s.graphPatchUser, 0},
		{"DELETE", "users/{id}", s.graphDeleteUser, 0},
		{"GET", "users/{id}/memberOf", s.graphMemberOf, -1},
		{"GET", "users/{id}/transitiveMemberOf", s.graphMemberOf, -1},
		{"GET", "users/{id}/memberOf/$count", s.graphMemberOf, -1},
		{"GET", "users/{id}/transitiveMemberOf/$count", s.graphMemberOf, -1},
		{"GET", "users/delta", s.graphDelta, -1},
		{"GET", "users/microsoft.graph.delta()", s.graphDelta, -1},
		{"GET", "users/delta()", s.graphDelta, -1},
		{"POST", "users/{id}/authentication/methods/{id}/resetPassword", s.graphResetPassword, 0},
		{"GET", "users/{id}/authentication/passwordMethods", s.graphPasswordMethods, 0},
	}
}

// userJSON renders a user with every property the fake models; queries
// project it with $select.
func (s *Server) userJSON(t *tenant, u *User) map[string]any {
	mail := u.Mail
	if mail == "" {
		mail = u.UPN
	}
	userType := "Member"
	if u.Guest {
		userType = "Guest"
	}
	licenses := []map[string]any{}
	for _, l := range u.Licenses {
		if sku := skuOf(t, l); sku != nil {
			licenses = append(licenses, map[string]any{"disabledPlans": []string{}, "skuId": sku.ID})
		}
	}
	local, _, _ := strings.Cut(u.UPN, "@")
	return map[string]any{
		"@odata.type":                "#microsoft.graph.user",
		"id":                         u.ID,
		"businessPhones":             []string{},
		"displayName":                u.DisplayName,
		"givenName":                  nilIfEmpty(u.GivenName),
		"jobTitle":                   nilIfEmpty(u.JobTitle),
		"mail":                       mail,
		"mobilePhone":                nil,
		"officeLocation":             nil,
		"preferredLanguage":          nil,
		"surname":                    nilIfEmpty(u.Surname),
		"userPrincipalName":          u.UPN,
		"accountEnabled":             !u.Disabled,
		"createdDateTime":            isoTime(t.objs.created[u.ID]),
		"department":                 nilIfEmpty(u.Department),
		"mailNickname":               local,
		"userType":                   userType,
		"assignedLicenses":           licenses,
		"lastPasswordChangeDateTime": isoTime(t.objs.passwords[u.ID]),
		"city":                       nil,
		"companyName":                nil,
		"country":                    nil,
		"employeeId":                 nil,
		"otherMails":                 []string{},
		"proxyAddresses":             []string{"SMTP:" + mail},
		"usageLocation":              nil,
		"onPremisesSyncEnabled":      nil,
		"onPremisesImmutableId":      nil,
		"creationType":               nil,
		"externalUserState":          nil,
		"identities":                 []map[string]string{{"signInType": "userPrincipalName", "issuer": t.Domain, "issuerAssignedId": u.UPN}},
	}
}

// userByKey finds a user of the caller's tenant by object ID or UPN,
// answering 404 as Graph does when there is none.
func (s *Server) userByKey(w http.ResponseWriter, r *http.Request, c *caller, key string) *User {
	u := c.tenant.byOID[strings.ToLower(key)]
	if u == nil {
		u = c.tenant.users[strings.ToLower(key)]
	}
	if u == nil {
		s.notFound(w, r, key)
	}
	return u
}

func (s *Server) notFound(w http.ResponseWriter, r *http.Request, key string) {
	s.writeGraphError(w, r, 404, "Request_ResourceNotFound", "Resource '"+key+"' does not exist or one of its queried reference-property objects are not present.")
}

// self reports whether a delegated caller is reading or writing their own
// user object, which User.Read / User.ReadWrite allow.
func (c *caller) self(key string) bool {
	return !c.appOnly() && (c.viaMe || strings.EqualFold(key, c.userOID))
}

func (s *Server) allUsers(t *tenant) []map[string]any {
	var items []map[string]any
	for _, u := range t.orderedUsers() {
		items = append(items, s.userJSON(t, u))
	}
	return items
}

func (s *Server) graphListUsers(w http.ResponseWriter, r *http.Request, c *caller, _ []string) {
	if !s.require(w, r, c, permUsersRead) {
		return
	}
	q, e := parseQuery(r, s.types.user, optList)
	if e != nil {
		s.refuse(w, r, e)
		return
	}
	s.mu.Lock()
	items := s.allUsers(c.tenant)
	s.mu.Unlock()
	s.writePage(w, r, q, "users", items, func(map[string]any) *resourceType { return s.types.user })
}

func (s *Server) graphCountUsers(w http.ResponseWriter, r *http.Request, c *caller, _ []string) {
	if !s.require(w, r, c, permUsersRead) {
		return
	}
	q, e := parseQuery(r, s.types.user, optFilter|optSearch|optRawCount)
	if e != nil {
		s.refuse(w, r, e)
		return
	}
	s.mu.Lock()
	items := s.allUsers(c.tenant)
	s.mu.Unlock()
	s.writeCount(w, r, q, items)
}

func (s *Server) graphGetUser(w http.ResponseWriter, r *http.Request, c *caller, p []string) {
	perm := permUsersRead
	if c.self(p[1]) {
		perm = permMe
	}
	if !s.require(w, r, c, perm) {
		return
	}
	q, e := parseQuery(r, s.types.user, optSelect)
	if e != nil {
		s.refuse(w, r, e)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.userByKey(w, r, c, p[1])
	if u == nil {
		return
	}
	body := q.project(s.userJSON(c.tenant, u), s.types.user)
	delete(body, "@odata.type")
	body["@odata.context"] = q.contextURL("users") + "/$entity"
	writeJSON(w, http.StatusOK, body)
}

func (s *Server) graphMemberOf(w http.ResponseWriter, r *http.Request, c *caller, p []string) {
	perm := permMemberOf
	if c.self(p[1]) {
		perm = permMe
	}
	if !s.require(w, r, c, perm) {
		return
	}
	count := p[len(p)-1] == "$count"
	allowed := optSelect | optTop | optSkipToken | optCount
	if count {
		allowed = optRawCount
	}
	q, e := parseQuery(r, s.types.group, allowed)
	if e != nil {
		s.refuse(w, r, e)
		return
	}
	s.mu.Lock()
	u := s.userByKey(w, r, c, p[1])
	var items []map[string]any
	if u != nil {
		groups := c.tenant.memberOf(u.ID)
		if strings.EqualFold(p[2], "transitiveMemberOf") {
			groups = c.tenant.transitiveMemberOf(u.ID)
		}
		for _, g := range groups {
			items = append(items, s.groupJSON(c.tenant, g))
		}
	}
	s.mu.Unlock()
	switch {
	case u == nil:
	case count:
		s.writeCount(w, r, q, items)
	default:
		s.writePage(w, r, q, "directoryObjects", items, func(map[string]any) *resourceType { return s.types.group })
	}
}
