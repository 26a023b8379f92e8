package main

import (
	"log"
	"sort"
	"strings"

	"github.com/entrakit/entrakit/internal/graphpath"
)

// pathsDoc is the part of Microsoft's permission map (devx-content
// permissions/new/permissions.json, schema: kibali specs/permissions-schema.json)
// that the call catalog needs.
type pathsDoc struct {
	Permissions map[string]struct {
		Schemes map[string]struct {
			RequiresAdminConsent bool `json:"requiresAdminConsent"`
			PrivilegeLevel       int  `json:"privilegeLevel"`
		} `json:"schemes"`
		PathSets []struct {
			SchemeKeys []string          `json:"schemeKeys"`
			Methods    []string          `json:"methods"`
			Paths      map[string]string `json:"paths"`
		} `json:"pathSets"`
	} `json:"permissions"`
}

// The numbering below is graphperm's: Scheme constants start at 1, methods
// at 0.
var (
	schemeNames = []string{"", "Application", "DelegatedWork", "DelegatedPersonal"}
	methodNames = []string{"GET", "POST", "PATCH", "PUT", "DELETE"}
)

func indexOf(list []string, v string) int {
	for i, x := range list {
		if x == v {
			return i
		}
	}
	return -1
}

// key is one (template, method, scheme) of the map; tmpl holds the
// template's canonical segments joined by "\n".
type key struct {
	tmpl           string
	method, scheme int
}

// grant is what one permission's path set says about a key.
type grant struct {
	least bool
	also  []string // AlsoRequires: one of these as well
}

// stat is what the map says about one permission in one scheme.
type stat struct {
	level    int // privilegeLevel; 0 when the map gives none
	readOnly bool
	breadth  int // (method, template) pairs it allows
}

// calls is the call catalog being built.
type calls struct {
	index   [4]map[string]int // scheme -> lower-cased permission name -> index in its kind's table
	enabled [4][]bool
	grants  map[key]map[string]*grant
	stats   map[string]map[int]*stat // permission -> scheme -> stat
	skipped []string                 // templates that cannot be cut into segments
}

func newCalls(roles, scopes []entry) *calls {
	c := &calls{grants: map[key]map[string]*grant{}, stats: map[string]map[int]*stat{}}
	for s := 1; s <= 3; s++ {
		t := scopes
		if s == 1 {
			t = roles
		}
		c.index[s] = map[string]int{}
		for i, e := range t {
			c.index[s][strings.ToLower(e.value)] = i
			c.enabled[s] = append(c.enabled[s], e.enabled)
		}
	}
	return c
}

// requestable reports whether Microsoft Graph's service principal offers
// the permission, enabled, in the scheme's kind, and its index there.
func (c *calls) requestable(scheme int, name string) (int, bool) {
	i, ok := c.index[scheme][strings.ToLower(name)]
	return i, ok && c.enabled[scheme][i]
}

// parseAnnotation reads "least=DelegatedWork,Application;AlsoRequires=A,B".
func parseAnnotation(a string) (least map[string]bool, also []string) {
	least = map[string]bool{}
	for _, part := range strings.Split(a, ";") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch strings.ToLower(k) {
		case "least":
			for _, s := range strings.Split(v, ",") {
				least[strings.TrimSpace(s)] = true
			}
		case "alsorequires":
			for _, s := range strings.Split(v, ",") {
				if s = strings.TrimSpace(s); s != "" {
					also = append(also, s)
				}
			}
		case "":
		default:
			log.Fatalf("gen: unknown path annotation %q", a)
		}
	}
	return least, also
}

func canonicalTemplate(t string) (string, bool) {
	p, ok := graphpath.Parse(nil, t)
	if !ok {
		return "", false
	}
	segs := make([]string, p.Len())
	for i := range segs {
		segs[i] = string(p.Seg(i))
	}
	return strings.Join(segs, "\n"), true
}

func (c *calls) read(doc pathsDoc) {
	names := make([]string, 0, len(doc.Permissions))
	for n := range doc.Permissions {
		names = append(names, n)
	}
	sort.Strings(names)
	seen := map[string]map[int]map[[2]string]bool{} // permission -> scheme -> (method, template)
	var queried []queriedPath
	for _, name := range names {
		perm := doc.Permissions[name]
		c.stats[name] = map[int]*stat{}
		seen[name] = map[int]map[[2]string]bool{}
		for sn, s := range perm.Schemes {
			si := indexOf(schemeNames, sn)
			if si < 1 {
				log.Fatalf("gen: %s: unknown scheme %q", name, sn)
			}
			c.stats[name][si] = &stat{level: s.PrivilegeLevel, readOnly: readOnly(name)}
			seen[name][si] = map[[2]string]bool{}
		}
		for _, ps := range perm.PathSets {
			for path, ann := range ps.Paths {
				tmpl, ok := canonicalTemplate(path)
				if !ok {
					c.skipped = append(c.skipped, path)
					continue
				}
				least, also := parseAnnotation(ann)
				if strings.Contains(path, "?") {
					queried = append(queried, queriedPath{name, tmpl, ps.Methods, ps.SchemeKeys, least, also})
					continue
				}
				c.add(name, tmpl, ps.Methods, ps.SchemeKeys, least, also, seen[name])
			}
		}
	}
	// A template with a query string (GET /agentRegistry/agentInstances?
	// $filter=agentCardManifest/id eq '{id}', which needs a second
	// permission) is a variant of the call without it: it speaks for the
	// call only where the map has no plain template for that method and
	// scheme, so that a variant's extra needs do not land on the plain call.
	plain := make(map[key]bool, len(c.grants))
	for k := range c.grants {
		plain[k] = true
	}
	for _, q := range queried {
		for _, m := range q.methods {
			for _, sn := range q.schemes {
				if !plain[key{q.tmpl, indexOf(methodNames, strings.ToUpper(m)), indexOf(schemeNames, sn)}] {
					c.add(q.name, q.tmpl, []string{m}, []string{sn}, q.least, q.also, seen[q.name])
				}
			}
		}
	}
}

// queriedPath is a path of the map with a query string, added after the
// plain ones (see read).
type queriedPath struct {
	name, tmpl       string
	methods, schemes []string
	least            map[string]bool
	also             []string
}

// add records what one path of a permission's path set says: for each
// method and scheme, the permission allows the template, is the least
// privileged or not, and needs one of also besides. seen counts each
// (method, template) once in the permission's breadth.
func (c *calls) add(name, tmpl string, methods, schemes []string, least map[string]bool, also []string, seen map[int]map[[2]string]bool) {
	for _, m := range methods {
		mi := indexOf(methodNames, strings.ToUpper(m))
		if mi < 0 {
			log.Fatalf("gen: %s: unknown method %q", name, m)
		}
		for _, sn := range schemes {
			si := indexOf(schemeNames, sn)
			st := c.stats[name][si]
			if si < 1 || st == nil {
				log.Fatalf("gen: %s: path set scheme %q is not among its schemes", name, sn)
			}
			if !seen[si][[2]string{m, tmpl}] {
				seen[si][[2]string{m, tmpl}] = true
				st.breadth++
			}
			k := key{tmpl, mi, si}
			if c.grants[k] == nil {
				c.grants[k] = map[string]*grant{}
			}
			g := c.grants[k][name]
			if g == nil {
				g = &grant{}
				c.grants[k][name] = g
			}
			g.least = g.least || least[sn]
			g.also = union(g.also, also)
		}
	}
}

// readOnly follows Microsoft Graph's permission naming,
// {resource}.{operation}[.{constraint}]: the operations Read and ReadBasic
// read, every other one (ReadWrite, Manage, Send, …) changes something.
func readOnly(name string) bool {
	parts := strings.Split(name, ".")
	return len(parts) >= 2 && (strings.EqualFold(parts[1], "Read") || strings.EqualFold(parts[1], "ReadBasic"))
}

func union(a, b []string) []string {
	for _, x := range b {
		if indexOf(a, x) < 0 {
			a = append(a, x)
		}
	}
	return a
}
