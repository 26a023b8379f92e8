package graphauthtest

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"net/http"
	"strings"
)

// Permissions of the group operations, from each operation's Graph
// reference page: [app-only roles, delegated scopes].
var (
	permGroupsWrite  = [2][]string{{"Group.ReadWrite.All", "Directory.ReadWrite.All"}, {"Group.ReadWrite.All", "Directory.ReadWrite.All"}}
	permGroupsCreate = [2][]string{{"Group.Create", "Group.ReadWrite.All", "Directory.ReadWrite.All"}, {"Group.ReadWrite.All", "Directory.ReadWrite.All"}}
	permMembersRead  = [2][]string{
		{"GroupMember.Read.All", "Group.Read.All", "GroupMember.ReadWrite.All", "Group.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All"},
		{"GroupMember.Read.All", "Group.Read.All", "GroupMember.ReadWrite.All", "Group.ReadWrite.All", "Directory.Read.All"}}
	permMembersWrite = [2][]string{{"GroupMember.ReadWrite.All", "Group.ReadWrite.All", "Directory.ReadWrite.All"}, {"GroupMember.ReadWrite.All", "Group.ReadWrite.All", "Directory.ReadWrite.All"}}
)

func (s *Server) groupRoutes() []graphRoute {
	return []graphRoute{
		{"GET", "groups", s.graphListGroups, -1},
		{"GET", "groups/$count", s.graphCountGroups, -1},
		{"POST", "groups", s.graphCreateGroup, 0},
		{"GET", "groups/{id}", s.graphGetGroup, -1},
		{"PATCH", "groups/{id}", s.graphPatchGroup, 0},
		{"DELETE", "groups/{id}", s.graphDeleteGroup, 0},
		{"GET", "groups/{id}/members", s.graphMembers, -1},
		{"GET", "groups/{id}/members/$count", s.graphMembers, -1},
		{"GET", "groups/{id}/transitiveMembers", s.graphMembers, -1},
		{"GET", "groups/{id}/transitiveMembers/$count", s.graphMembers, -1},
		{"POST", "groups/{id}/members/$ref", s.graphAddMember, 0},
		{"DELETE", "groups/{id}/members/{id}/$ref", s.graphRemoveMember, 0},
		{"GET", "groups/delta", s.graphDelta, -1},
		{"GET", "groups/microsoft.graph.delta()", s.graphDelta, -1},
		{"GET", "groups/delta()", s.graphDelta, -1},
	}
}

func (s *Server) groupJSON(t *tenant, g *group) map[string]any {
	created := isoTime(t.objs.created[g.ID])
	out := map[string]any{
		"@odata.type": "#microsoft.graph.group", "id": g.ID, "createdDateTime": created,
		"description": nilIfEmpty(g.Description), "displayName": g.DisplayName, "groupTypes": []string{},
		"mail": nil, "mailEnabled": false, "mailNickname": g.MailNickname, "securityEnabled": true,
		"visibility": nil, "deletedDateTime": nil, "classification": nil, "renewedDateTime": created,
		"securityIdentifier": securityIdentifier(g.ID),
	}
	if g.Unified {
		out["groupTypes"], out["mailEnabled"], out["securityEnabled"] = []string{"Unified"}, true, false
		out["mail"], out["visibility"] = g.MailNickname+"@"+t.Domain, "Private"
	}
	return out
}

// securityIdentifier derives a stable SID, shaped like Entra's
// S-1-12-1-… for cloud groups, from the group's ID.
func securityIdentifier(id string) string {
	sum := sha256.Sum256([]byte(id))
	return fmt.Sprintf("S-1-12-1-%d-%d-%d-%d", binary.BigEndian.Uint32(sum[0:]), binary.BigEndian.Uint32(sum[4:]), binary.BigEndian.Uint32(sum[8:]), binary.BigEndian.Uint32(sum[12:]))
}

func (s *Server) allGroups(t *tenant) []map[string]any {
	var items []map[string]any
	for _, g := range t.groups {
		items = append(items, s.groupJSON(t, g))
	}
	return items
}

func (s *Server) groupTypeOf(map[string]any) *resourceType { return s.types.group }

func (s *Server) graphListGroups(w http.ResponseWriter, r *http.Request, c *caller, _ []string) {
	if !s.require(w, r, c, permGroupsRead) {
		return
	}
	q, e := parseQuery(r, s.types.group, optList)
	if e != nil {
		s.refuse(w, r, e)
		return
	}
	s.mu.Lock()
	items := s.allGroups(c.tenant)
	s.mu.Unlock()
	s.writePage(w, r, q, "groups", items, s.groupTypeOf)
}

func (s *Server) graphCountGroups(w http.ResponseWriter, r *http.Request, c *caller, _ []string) {
	if !s.require(w, r, c, permGroupsRead) {
		return
	}
	q, e := parseQuery(r, s.types.group, optFilter|optSearch|optRawCount)
	if e != nil {
		s.refuse(w, r, e)
		return
	}
	s.mu.Lock()
	items := s.allGroups(c.tenant)
	s.mu.Unlock()
	s.writeCount(w, r, q, items)
}

// groupByKey finds a group of the caller's tenant, answering 404 when
// there is none.
func (s *Server) groupByKey(w http.ResponseWriter, r *http.Request, c *caller, id string) *group {
	g := c.tenant.groupByID(id)
	if g == nil {
		s.notFound(w, r, id)
	}
	return g
}

func (s *Server) graphGetGroup(w http.ResponseWriter, r *http.Request, c *caller, p []string) {
	if !s.require(w, r, c, permGroupsRead) {
		return
	}
	q, e := parseQuery(r, s.types.group, optSelect)
	if e != nil {
		s.refuse(w, r, e)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if g := s.groupByKey(w, r, c, p[1]); g != nil {
		body := q.project(s.groupJSON(c.tenant, g), s.types.group)
		delete(body, "@odata.type")
		body["@odata.context"] = q.contextURL("groups") + "/$entity"
		writeJSON(w, http.StatusOK, body)
	}
}

// directoryObjectJSON renders a user or group by object ID, with its
// @odata.type, or nil.
func (s *Server) directoryObjectJSON(t *tenant, id string) map[string]any {
	if u := t.byOID[id]; u != nil {
		return s.userJSON(t, u)
	}
	if g := t.groupByID(id); g != nil {
		return s.groupJSON(t, g)
	}
	return nil
}

func (s *Server) directoryTypeOf(obj map[string]any) *resourceType {
	if obj["@odata.type"] == "#microsoft.graph.group" {
		return s.types.group
	}
	return s.types.user
}

func (s *Server) graphMembers(w http.ResponseWriter, r *http.Request, c *caller, p []string) {
	if !s.require(w, r, c, permMembersRead) {
		return
	}
	count := p[len(p)-1] == "$count"
	allowed, fake := optSelect|optTop|optSkipToken|optCount, optFilter|optSearch|optOrderBy
	if count {
		allowed, fake = optRawCount, optFilter|optSearch
	}
	q, e := parseQuery(r, s.types.directoryObject, allowed, fake)
	if e != nil {
		s.refuse(w, r, e)
		return
	}
	s.mu.Lock()
	g := s.groupByKey(w, r, c, p[1])
	var items []map[string]any
	if g != nil {
		ids := g.members
		if strings.EqualFold(p[2], "transitiveMembers") {
			ids = c.tenant.transitiveMembers(g)
		}
		for _, id := range ids {
			if obj := s.directoryObjectJSON(c.tenant, id); obj != nil {
				items = append(items, obj)
			}
		}
	}
	s.mu.Unlock()
	switch {
	case g == nil:
	case count:
		s.writeCount(w, r, q, items)
	default:
		s.writePage(w, r, q, "directoryObjects", items, s.directoryTypeOf)
	}
}
