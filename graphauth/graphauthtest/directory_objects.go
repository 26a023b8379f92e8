package graphauthtest

import (
	"strings"
	"time"
)

// group is a tenant's group as the server holds it: members by object ID.
type group struct {
	Group
	members []string // object IDs of member users and groups, in order added
}

// objectLog is what a tenant remembers about its users and groups beyond
// their properties: creation times, the order they were added in, and a
// change sequence that delta queries read.
type objectLog struct {
	seq       uint64
	created   map[string]time.Time // object ID -> creation time
	changed   map[string]uint64    // object ID -> seq of the last change
	order     []string             // user IDs in the order added
	removed   []tombstone
	members   []memberEvent
	passwords map[string]time.Time // user ID -> last password change
}

// tombstone is a deleted user or group, for delta queries.
type tombstone struct {
	id, kind string // kind is "user" or "group"
	seq      uint64
}

// memberEvent is a member added to or removed from a group.
type memberEvent struct {
	seq             uint64
	groupID, member string
	removed         bool
}

func (l *objectLog) init() {
	if l.created == nil {
		l.created, l.changed, l.passwords = map[string]time.Time{}, map[string]uint64{}, map[string]time.Time{}
	}
}

// touch records a change to the object id and returns its sequence number.
func (l *objectLog) touch(id string) uint64 {
	l.init()
	l.seq++
	l.changed[id] = l.seq
	return l.seq
}

func (l *objectLog) create(id string, now time.Time) {
	l.init()
	l.created[id] = now
	l.touch(id)
}

// orderedUsers returns the tenant's users in the order they were added.
func (t *tenant) orderedUsers() []*User {
	out := make([]*User, 0, len(t.objs.order))
	for _, id := range t.objs.order {
		if u := t.byOID[id]; u != nil {
			out = append(out, u)
		}
	}
	return out
}

// insertUser stores a new user; the caller has checked the UPN is free.
func (t *tenant) insertUser(u User, now time.Time) *User {
	nu := u
	t.users[strings.ToLower(u.UPN)] = &nu
	t.byOID[u.ID] = &nu
	t.objs.order = append(t.objs.order, u.ID)
	t.objs.create(u.ID, now)
	t.objs.passwords[u.ID] = now
	return &nu
}

// deleteUser removes a user from the directory and from every group.
func (t *tenant) deleteUser(u *User) {
	delete(t.users, strings.ToLower(u.UPN))
	delete(t.byOID, u.ID)
	for _, g := range t.groups {
		t.removeMember(g, u.ID)
	}
	t.objs.seq++
	t.objs.removed = append(t.objs.removed, tombstone{id: u.ID, kind: "user", seq: t.objs.seq})
	delete(t.objs.changed, u.ID)
}

// renameUser moves a user to a new UPN.
func (t *tenant) renameUser(u *User, upn string) {
	delete(t.users, strings.ToLower(u.UPN))
	u.UPN = upn
	t.users[strings.ToLower(upn)] = u
}

func (t *tenant) groupByID(id string) *group {
	for _, g := range t.groups {
		if strings.EqualFold(g.ID, id) {
			return g
		}
	}
	return nil
}

// groupByRef finds a group by ID or display name, for setup.
func (t *tenant) groupByRef(ref string) *group {
	if g := t.groupByID(ref); g != nil {
		return g
	}
	for _, g := range t.groups {
		if strings.EqualFold(g.DisplayName, ref) {
			return g
		}
	}
	return nil
}

func (t *tenant) insertGroup(g Group, now time.Time) *group {
	ng := &group{Group: g}
	ng.Members = nil
	t.groups = append(t.groups, ng)
	t.objs.create(g.ID, now)
	return ng
}

func (t *tenant) deleteGroup(g *group) {
	for _, other := range t.groups {
		t.removeMember(other, g.ID)
	}
	kept := t.groups[:0]
	for _, x := range t.groups {
		if x != g {
			kept = append(kept, x)
		}
	}
	t.groups = kept
	t.objs.seq++
	t.objs.removed = append(t.objs.removed, tombstone{id: g.ID, kind: "group", seq: t.objs.seq})
	delete(t.objs.changed, g.ID)
}

// hasMember reports whether id is a direct member of g.
func (g *group) hasMember(id string) bool {
	for _, m := range g.members {
		if m == id {
			return true
		}
	}
	return false
}

// addMember adds id to g; it reports false if id was a member already.
func (t *tenant) addMember(g *group, id string) bool {
	if g.hasMember(id) {
		return false
	}
	g.members = append(g.members, id)
	seq := t.objs.touch(g.ID)
	t.objs.members = append(t.objs.members, memberEvent{seq: seq, groupID: g.ID, member: id})
	return true
}

// removeMember removes id from g; it reports false if id was not a member.
func (t *tenant) removeMember(g *group, id string) bool {
	if !g.hasMember(id) {
		return false
	}
	kept := g.members[:0]
	for _, m := range g.members {
		if m != id {
			kept = append(kept, m)
		}
	}
	g.members = kept
	seq := t.objs.touch(g.ID)
	t.objs.members = append(t.objs.members, memberEvent{seq: seq, groupID: g.ID, member: id, removed: true})
	return true
}

// memberOf lists the groups id is a direct member of.
func (t *tenant) memberOf(id string) []*group {
	var out []*group
	for _, g := range t.groups {
		if g.hasMember(id) {
			out = append(out, g)
		}
	}
	return out
}

// transitiveMembers lists the users and groups under g, each once, nested
// groups followed depth-first.
func (t *tenant) transitiveMembers(g *group) []string {
	seen := map[string]bool{g.ID: true}
	var out []string
	var walk func(*group)
	walk = func(g *group) {
		for _, m := range g.members {
			if seen[m] {
				continue
			}
			seen[m] = true
			out = append(out, m)
			if sub := t.groupByID(m); sub != nil {
				walk(sub)
			}
		}
	}
	walk(g)
	return out
}

// transitiveMemberOf lists the groups id belongs to directly or through
// nested groups.
func (t *tenant) transitiveMemberOf(id string) []*group {
	seen := map[string]bool{}
	var out []*group
	queue := []string{id}
	for len(queue) > 0 {
		cur := queue[0]
		queue = queue[1:]
		for _, g := range t.memberOf(cur) {
			if !seen[g.ID] {
				seen[g.ID] = true
				out = append(out, g)
				queue = append(queue, g.ID)
			}
		}
	}
	return out
}

// verifiedDomain reports whether domain is one of the tenant's verified
// domains.
func (t *tenant) verifiedDomain(domain string) bool {
	if strings.EqualFold(domain, t.Domain) {
		return true
	}
	return containsFold(t.Domains, domain)
}
