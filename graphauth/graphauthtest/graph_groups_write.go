package graphauthtest

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// groupFields are the group properties POST and PATCH /groups accept.
var groupFields = []bodyField{
	{"displayName", "string"}, {"description", "string"}, {"mailEnabled", "bool"},
	{"mailNickname", "string"}, {"securityEnabled", "bool"}, {"groupTypes", "strings"},
	{"visibility", "string"}, {"members@odata.bind", "strings"},
}

var groupReadOnly = []string{"id", "createdDateTime", "mail", "securityIdentifier", "renewedDateTime"}

func (s *Server) graphCreateGroup(w http.ResponseWriter, r *http.Request, c *caller, _ []string) {
	if !s.require(w, r, c, permGroupsCreate) {
		return
	}
	body, e := decodeObject(r, "group", groupFields, groupReadOnly...)
	if e == nil {
		e = missingField("group", body, "displayName", "mailEnabled", "mailNickname", "securityEnabled")
	}
	if e != nil {
		s.refuse(w, r, e)
		return
	}
	unified := false
	for _, gt := range stringsOf(body["groupTypes"]) {
		unified = unified || strings.EqualFold(gt, "Unified")
	}
	if body["mailEnabled"] == true && !unified {
		s.refuse(w, r, badRequest("Request_BadRequest", "Creating mail-enabled security groups or distribution groups is not supported: set groupTypes [\"Unified\"] or mailEnabled false."))
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	members, e := s.boundMembers(c.tenant, stringsOf(body["members@odata.bind"]))
	if e != nil {
		s.refuse(w, r, e)
		return
	}
	g := Group{ID: newGUID(), DisplayName: fieldStr(body, "displayName"), Description: fieldStr(body, "description"),
		MailNickname: fieldStr(body, "mailNickname"), Unified: unified}
	stored := c.tenant.insertGroup(g, s.clk.now())
	for _, id := range members {
		c.tenant.addMember(stored, id)
	}
	out := s.groupJSON(c.tenant, stored)
	delete(out, "@odata.type")
	out["@odata.context"] = "https://graph.microsoft.com/v1.0/$metadata#groups/$entity"
	setLocation(w, c.tenant.ID, stored.ID, "Group")
	writeJSON(w, http.StatusCreated, out)
}

func stringsOf(v any) []string { l, _ := v.([]string); return l }

// boundMembers resolves members@odata.bind URLs to object IDs in t.
func (s *Server) boundMembers(t *tenant, refs []string) ([]string, *graphRefusal) {
	var out []string
	for _, ref := range refs {
		id := refID(ref)
		if id == "" || (t.byOID[id] == nil && t.groupByID(id) == nil) {
			return nil, &graphRefusal{404, "Request_ResourceNotFound", "Resource '" + id + "' does not exist or one of its queried reference-property objects are not present."}
		}
		out = append(out, id)
	}
	return out, nil
}

// refID takes the object ID from an @odata.id or @odata.bind URL such as
// https://graph.microsoft.com/v1.0/directoryObjects/{id}.
func refID(ref string) string {
	u, err := url.Parse(ref)
	if err != nil {
		return ""
	}
	segs := strings.Split(strings.Trim(u.Path, "/"), "/")
	if len(segs) < 2 {
		return ""
	}
	switch strings.ToLower(segs[len(segs)-2]) {
	case "directoryobjects", "users", "groups":
		return strings.ToLower(segs[len(segs)-1])
	}
	return ""
}

func (s *Server) graphPatchGroup(w http.ResponseWriter, r *http.Request, c *caller, p []string) {
	if !s.require(w, r, c, permGroupsWrite) {
		return
	}
	body, e := decodeObject(r, "group", groupFields, groupReadOnly...)
	if e != nil {
		s.refuse(w, r, e)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.groupByKey(w, r, c, p[1])
	if g == nil {
		return
	}
	for k, v := range body {
		switch k {
		case "displayName":
			g.DisplayName = fieldStr(body, k)
		case "description":
			g.Description = fieldStr(body, k)
		case "mailNickname":
			g.MailNickname = fieldStr(body, k)
		case "members@odata.bind":
			ids, e := s.boundMembers(c.tenant, stringsOf(v))
			if e != nil {
				s.refuse(w, r, e)
				return
			}
			for _, id := range ids {
				c.tenant.addMember(g, id)
			}
		}
	}
	c.tenant.objs.touch(g.ID)
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) graphDeleteGroup(w http.ResponseWriter, r *http.Request, c *caller, p []string) {
	if !s.require(w, r, c, permGroupsWrite) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if g := s.groupByKey(w, r, c, p[1]); g != nil {
		c.tenant.deleteGroup(g)
		w.WriteHeader(http.StatusNoContent)
	}
}

// graphAddMember is POST /groups/{id}/members/$ref with
// {"@odata.id": "https://graph.microsoft.com/v1.0/directoryObjects/{id}"}.
func (s *Server) graphAddMember(w http.ResponseWriter, r *http.Request, c *caller, p []string) {
	if !s.require(w, r, c, permMembersWrite) {
		return
	}
	var body map[string]any
	raw, _ := io.ReadAll(io.LimitReader(r.Body, maxFormBytes))
	if json.Unmarshal(raw, &body) != nil {
		s.refuse(w, r, badRequest("BadRequest", "Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format."))
		return
	}
	ref, _ := body["@odata.id"].(string)
	id := refID(ref)
	if id == "" {
		s.refuse(w, r, badRequest("Request_BadRequest", "Invalid object identifier '"+ref+"'."))
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.groupByKey(w, r, c, p[1])
	switch {
	case g == nil:
	case c.tenant.byOID[id] == nil && c.tenant.groupByID(id) == nil:
		s.notFound(w, r, id)
	case id == g.ID:
		s.refuse(w, r, badRequest("Request_BadRequest", "A group cannot be a member of itself."))
	case !c.tenant.addMember(g, id):
		s.refuse(w, r, badRequest("Request_BadRequest", "One or more added object references already exist for the following modified properties: 'members'."))
	default:
		w.WriteHeader(http.StatusNoContent)
	}
}

// graphRemoveMember is DELETE /groups/{id}/members/{id}/$ref.
func (s *Server) graphRemoveMember(w http.ResponseWriter, r *http.Request, c *caller, p []string) {
	if !s.require(w, r, c, permMembersWrite) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.groupByKey(w, r, c, p[1])
	switch {
	case g == nil:
	case !c.tenant.removeMember(g, strings.ToLower(p[3])):
		s.notFound(w, r, p[3])
	default:
		w.WriteHeader(http.StatusNoContent)
	}
}
