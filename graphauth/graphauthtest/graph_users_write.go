package graphauthtest

import (
	"net/http"
	"strings"
)

// userFields are the user properties POST and PATCH /users accept.
var userFields = []bodyField{
	{"accountEnabled", "bool"}, {"displayName", "string"}, {"mailNickname", "string"},
	{"userPrincipalName", "string"}, {"passwordProfile", "object"}, {"givenName", "string"},
	{"surname", "string"}, {"jobTitle", "string"}, {"department", "string"}, {"mail", "string"},
	{"userType", "string"}, {"usageLocation", "string"}, {"city", "string"}, {"country", "string"},
	{"officeLocation", "string"}, {"mobilePhone", "string"}, {"businessPhones", "strings"},
	{"companyName", "string"}, {"employeeId", "string"}, {"preferredLanguage", "string"},
	{"passwordPolicies", "string"}, {"otherMails", "strings"},
}

var userReadOnly = []string{"id", "createdDateTime", "lastPasswordChangeDateTime", "assignedLicenses", "proxyAddresses"}

func (s *Server) graphCreateUser(w http.ResponseWriter, r *http.Request, c *caller, _ []string) {
	if !s.require(w, r, c, permUsersWrite) {
		return
	}
	body, e := decodeObject(r, "user", userFields, userReadOnly...)
	if e == nil {
		e = missingField("user", body, "accountEnabled", "displayName", "mailNickname", "userPrincipalName", "passwordProfile")
	}
	if e == nil && fieldStr(body["passwordProfile"].(map[string]any), "password") == "" {
		e = badRequest("Request_BadRequest", "A value is required for property 'passwordProfile.password' of resource 'User'.")
	}
	if e != nil {
		s.refuse(w, r, e)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	upn := fieldStr(body, "userPrincipalName")
	if e := s.checkUPN(c.tenant, upn, nil); e != nil {
		s.refuse(w, r, e)
		return
	}
	u := User{ID: newGUID(), UPN: upn}
	applyUser(&u, body)
	stored := c.tenant.insertUser(u, s.clk.now())
	out := s.userJSON(c.tenant, stored)
	delete(out, "@odata.type")
	out["@odata.context"] = "https://graph.microsoft.com/v1.0/$metadata#users/$entity"
	setLocation(w, c.tenant.ID, stored.ID, "User")
	writeJSON(w, http.StatusCreated, out)
}

// checkUPN refuses a user principal name Graph would: one outside the
// tenant's verified domains or one another user has.
func (s *Server) checkUPN(t *tenant, upn string, self *User) *graphRefusal {
	local, domain, ok := strings.Cut(upn, "@")
	if !ok || local == "" || !t.verifiedDomain(domain) {
		return badRequest("Request_BadRequest", "The domain portion of the userPrincipalName property is invalid. You must use one of the verified domain names in your organization.")
	}
	if other := t.users[strings.ToLower(upn)]; other != nil && other != self {
		return badRequest("Request_BadRequest", "Another object with the same value for property userPrincipalName already exists.")
	}
	return nil
}

// applyUser copies the modelled properties of a decoded body onto u.
func applyUser(u *User, body map[string]any) {
	for k, v := range body {
		str, _ := v.(string)
		switch k {
		case "displayName":
			u.DisplayName = str
		case "givenName":
			u.GivenName = str
		case "surname":
			u.Surname = str
		case "jobTitle":
			u.JobTitle = str
		case "department":
			u.Department = str
		case "mail":
			u.Mail = str
		case "userType":
			u.Guest = strings.EqualFold(str, "Guest")
		case "accountEnabled":
			u.Disabled = v == false
		}
	}
}

func (s *Server) graphPatchUser(w http.ResponseWriter, r *http.Request, c *caller, p []string) {
	perm := permUsersWrite
	if c.self(p[1]) {
		perm = permMeWrite
	}
	if !s.require(w, r, c, perm) {
		return
	}
	body, e := decodeObject(r, "user", userFields, userReadOnly...)
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
	if upn := fieldStr(body, "userPrincipalName"); upn != "" && !strings.EqualFold(upn, u.UPN) {
		if e := s.checkUPN(c.tenant, upn, u); e != nil {
			s.refuse(w, r, e)
			return
		}
		c.tenant.renameUser(u, upn)
	}
	applyUser(u, body)
	if pp, ok := body["passwordProfile"].(map[string]any); ok && fieldStr(pp, "password") != "" {
		s.passwordChangedLocked(c.tenant, u)
	}
	c.tenant.objs.touch(u.ID)
	w.WriteHeader(http.StatusNoContent)
}

// passwordChangedLocked records a new password: the user's refresh tokens
// stop working (AADSTS50173), as after a reset in a real tenant.
func (s *Server) passwordChangedLocked(t *tenant, u *User) {
	t.objs.passwords[u.ID] = s.clk.now()
	for _, g := range s.dir.refresh {
		if g.userOID == u.ID {
			g.revoked = true
		}
	}
}

func (s *Server) graphDeleteUser(w http.ResponseWriter, r *http.Request, c *caller, p []string) {
	if !s.require(w, r, c, permUsersDelete) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.userByKey(w, r, c, p[1])
	if u == nil {
		return
	}
	c.tenant.deleteUser(u)
	w.WriteHeader(http.StatusNoContent)
}
