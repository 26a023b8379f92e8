package graphauthtest

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
)

// defaultDeltaRetention is how long a delta link works: seven days for
// directory objects ("Token duration" in Graph's delta query overview).
const defaultDeltaRetention = 7 * 24 * time.Hour

// deltaState is what a delta or next link's token carries. Tokens are
// opaque to clients; the fake encodes its state in them.
type deltaState struct {
	Tenant  string   `json:"t"`
	Set     string   `json:"r"` // "users" or "groups"
	From    uint64   `json:"f"` // changes after this sequence belong to the round
	After   uint64   `json:"a"` // the page cursor: items already sent end here
	Initial bool     `json:"i"` // the first round: no @removed entries
	Issued  int64    `json:"at"`
	Select  []string `json:"s,omitempty"`
	IDs     []string `json:"ids,omitempty"` // an "id eq" scoping filter
}

func (st deltaState) encode() string {
	b, _ := json.Marshal(st)
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeDelta(tok string) (deltaState, bool) {
	var st deltaState
	b, err := base64.RawURLEncoding.DecodeString(tok)
	return st, err == nil && json.Unmarshal(b, &st) == nil && (st.Set == "users" || st.Set == "groups")
}

// graphDelta serves GET /users/delta and /groups/delta: a first round that
// lists every object, then rounds of what changed since the delta link,
// deleted objects as @removed, group membership changes as members@delta,
// and, once the link is older than the retention, 410 syncStateNotFound.
func (s *Server) graphDelta(w http.ResponseWriter, r *http.Request, c *caller, p []string) {
	set := strings.ToLower(p[0])
	perm := permUsersRead
	if set == "groups" {
		perm = permGroupsRead
	}
	if !s.require(w, r, c, perm) {
		return
	}
	st, e := s.deltaRequest(r, c, set)
	if e != nil {
		if e.status == http.StatusGone {
			w.Header().Set("Location", graphBase(r)+"/"+set+"/delta")
		}
		s.refuse(w, r, e)
		return
	}
	s.mu.Lock()
	body := s.deltaPage(r, c.tenant, st)
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, body)
}

// deltaRequest reads the state of a delta request: from its $deltatoken or
// $skiptoken, or a new first round from its $select and $filter.
func (s *Server) deltaRequest(r *http.Request, c *caller, set string) (deltaState, *graphRefusal) {
	q, e := odataValues(r)
	if e != nil {
		return deltaState{}, e
	}
	for key := range q {
		switch name := strings.ToLower(key); {
		case !strings.HasPrefix(name, "$") || name == "$select" || name == "$filter" || name == "$deltatoken" || name == "$skiptoken":
		case name == "$expand":
			return deltaState{}, badRequest("BadRequest", "Query option '$expand' is not supported by graphauthtest's fake Microsoft Graph.")
		default:
			return deltaState{}, badRequest("BadRequest", "Query option '"+optionTitle(name)+"' is not allowed. To allow it, set the 'AllowedQueryOptions' property on EnableQueryAttribute or QueryValidationSettings.")
		}
	}
	now := s.clk.now()
	tok := q.Get("$deltatoken")
	if tok == "" {
		tok = q.Get("$skiptoken")
	}
	if tok == "latest" {
		s.mu.Lock()
		defer s.mu.Unlock()
		return deltaState{Tenant: c.tenant.ID, Set: set, From: c.tenant.objs.seq, After: c.tenant.objs.seq, Issued: now.Unix(), IDs: nil}, nil
	}
	if tok != "" {
		st, ok := decodeDelta(tok)
		switch {
		case !ok || st.Tenant != c.tenant.ID || st.Set != set:
			return st, badRequest("BadRequest", "The delta token is not valid for this request.")
		case now.After(time.Unix(st.Issued, 0).Add(s.deltaRetention())):
			return st, &graphRefusal{http.StatusGone, "syncStateNotFound", "The sync state generation is not found. The delta token is expired and data must be synchronized again."}
		}
		return st, nil
	}
	st := deltaState{Tenant: c.tenant.ID, Set: set, Initial: true, Issued: now.Unix()}
	rt := s.types.user
	if set == "groups" {
		rt = s.types.group
	}
	if v := q.Get("$select"); v != "" {
		for _, name := range strings.Split(v, ",") {
			name = strings.TrimSpace(name)
			switch p := rt.prop(name); {
			case set == "groups" && strings.EqualFold(name, "members"):
				st.Select = append(st.Select, "members")
			case p == nil:
				return st, badRequest("BadRequest", "Parsing OData Select and Expand failed: Could not find a property named '"+name+"' on type 'microsoft.graph."+rt.name+"'.")
			default:
				st.Select = append(st.Select, p.name)
			}
		}
	}
	ids, e := deltaFilterIDs(q.Get("$filter"), rt)
	st.IDs = ids
	return st, e
}

func (s *Server) deltaRetention() time.Duration {
	if s.opts.DeltaRetention > 0 {
		return s.opts.DeltaRetention
	}
	return defaultDeltaRetention
}

// deltaFilterIDs reads a delta query's scoping filter, which Graph allows
// only as "id eq '…'" clauses joined by or.
func deltaFilterIDs(filter string, rt *resourceType) ([]string, *graphRefusal) {
	if filter == "" {
		return nil, nil
	}
	n, ferr := parseFilter(filter)
	if ferr != nil {
		return nil, badRequest(ferr.code, ferr.msg)
	}
	var ids []string
	var walk func(*fnode) bool
	walk = func(n *fnode) bool {
		switch {
		case n.kind == "or":
			return walk(n.kids[0]) && walk(n.kids[1])
		case n.kind == "cmp" && n.op == "eq" && strings.EqualFold(n.prop, "id") && n.vals[0].edm == edmString:
			ids = append(ids, strings.ToLower(n.vals[0].s))
			return true
		}
		return false
	}
	if !walk(n) {
		return nil, badRequest("Request_UnsupportedQuery", "Unsupported or invalid query filter clause specified for the delta query of resource '"+rt.resourceName()+"': only id eq '…' clauses joined by or can scope a delta query.")
	}
	return ids, nil
}

// deltaItem is one entry of a round: an object changed at seq, or removed.
type deltaItem struct {
	id      string
	seq     uint64
	removed bool
}

// deltaPage builds one page of a round and its next or delta link.
func (s *Server) deltaPage(r *http.Request, t *tenant, st deltaState) map[string]any {
	kind := strings.TrimSuffix(st.Set, "s")
	var items []deltaItem
	for id, seq := range t.objs.changed {
		if seq > st.After && s.isKind(t, id, kind) && scoped(st.IDs, id) {
			items = append(items, deltaItem{id: id, seq: seq})
		}
	}
	if !st.Initial {
		for _, ts := range t.objs.removed {
			if ts.seq > st.After && ts.kind == kind && scoped(st.IDs, ts.id) {
				items = append(items, deltaItem{id: ts.id, seq: ts.seq, removed: true})
			}
		}
	}
	sort.Slice(items, func(i, j int) bool { return items[i].seq < items[j].seq })
	size := maxPageSize(r)
	more := len(items) > size
	if more {
		items = items[:size]
	}
	value := make([]map[string]any, 0, len(items))
	for _, it := range items {
		value = append(value, s.deltaObject(t, st, it))
	}
	next := st
	next.Issued = s.clk.now().Unix()
	if len(items) > 0 {
		next.After = items[len(items)-1].seq
	}
	body := map[string]any{"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#" + st.Set, "value": value}
	if st.Select != nil {
		body["@odata.context"] = body["@odata.context"].(string) + "(" + strings.Join(st.Select, ",") + ")"
	}
	link := graphBase(r) + "/" + st.Set + "/delta?"
	if more {
		body["@odata.nextLink"] = link + "$skiptoken=" + next.encode()
	} else {
		next.After = max(next.After, t.objs.seq)
		next.From, next.Initial = next.After, false
		body["@odata.deltaLink"] = link + "$deltatoken=" + next.encode()
	}
	return body
}

func (s *Server) isKind(t *tenant, id, kind string) bool {
	if kind == "user" {
		return t.byOID[id] != nil
	}
	return t.groupByID(id) != nil
}

func scoped(ids []string, id string) bool { return ids == nil || containsFold(ids, id) }

// maxPageSize reads Prefer: odata.maxpagesize, which delta queries honour
// instead of $top; 100 otherwise.
func maxPageSize(r *http.Request) int {
	for _, pref := range strings.Split(r.Header.Get("Prefer"), ",") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(pref), "odata.maxpagesize="); ok {
			if n, err := strconv.Atoi(v); err == nil && n > 0 {
				return min(n, 999)
			}
		}
	}
	return 100
}

// deltaObject renders one entry: the object with its selected properties,
// or its id and @removed.
func (s *Server) deltaObject(t *tenant, st deltaState, it deltaItem) map[string]any {
	if it.removed {
		return map[string]any{"id": it.id, "@removed": map[string]string{"reason": "changed"}}
	}
	var obj map[string]any
	rt := s.types.user
	if st.Set == "users" {
		obj = s.userJSON(t, t.byOID[it.id])
	} else {
		rt = s.types.group
		obj = s.groupJSON(t, t.groupByID(it.id))
	}
	sel := &odataQuery{}
	for _, n := range st.Select {
		if n != "members" {
			sel.sel = append(sel.sel, n)
		}
	}
	if st.Select != nil && sel.sel == nil {
		sel.sel = []string{"id"}
	}
	out := sel.project(obj, rt)
	out["id"] = it.id
	delete(out, "@odata.type")
	if st.Set == "groups" && (st.Select == nil || containsFold(st.Select, "members")) {
		out["members@delta"] = s.membersDelta(t, st, it.id)
	}
	return out
}

// membersDelta lists a group's members (first round) or the members added
// and removed since the round began.
func (s *Server) membersDelta(t *tenant, st deltaState, groupID string) []map[string]any {
	out := []map[string]any{}
	ref := func(id string) map[string]any {
		typ := "#microsoft.graph.user"
		if t.groupByID(id) != nil {
			typ = "#microsoft.graph.group"
		}
		return map[string]any{"@odata.type": typ, "id": id}
	}
	if st.Initial {
		for _, m := range t.groupByID(groupID).members {
			out = append(out, ref(m))
		}
		return out
	}
	for _, ev := range t.objs.members {
		if ev.groupID != groupID || ev.seq <= st.From {
			continue
		}
		m := ref(ev.member)
		if ev.removed {
			m["@removed"] = map[string]string{"reason": "deleted"}
		}
		out = append(out, m)
	}
	return out
}
