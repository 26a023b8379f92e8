package graphperm

import (
	"strings"

	"github.com/entrakit/entrakit/internal/graphpath"
)

// Rule is what the map says about one call in one scheme. Its zero value
// is no rule.
type Rule struct {
	Method string // upper case, one of the map's methods
	Scheme Scheme
	raw    string // the URL looked up, for Template
	node   uint32
	rule   uint32
}

func (r Rule) allowStart() uint32 { return callRules[r.rule] >> 9 }
func (r Rule) allowLen() uint32   { return callRules[r.rule] >> 3 & 63 }

// Basis says why Least is the permission to request.
func (r Rule) Basis() Basis { return Basis(callRules[r.rule] & 7) }

func (r Rule) perm(i uint32) Permission {
	t, _ := table(r.Scheme.Kind())
	return t[i]
}

// Least is the least privileged permission that allows the call.
func (r Rule) Least() Permission {
	return r.perm(callAllow[r.allowStart()] & 2047)
}

// LeastAlso lists the permissions of which the call needs one besides
// Least (the map's AlsoRequires), least privileged first; usually none.
func (r Rule) LeastAlso() []Permission {
	return r.also(callAllow[r.allowStart()] >> 11)
}

func (r Rule) also(ref uint32) []Permission {
	if ref == 0 {
		return nil
	}
	out := make([]Permission, callAlso[ref])
	for i := range out {
		out[i] = r.perm(uint32(callAlso[ref+1+uint32(i)]))
	}
	return out
}

// Grant is one permission that allows a call, with the permissions of
// which it needs one as well (none when Also is empty).
type Grant struct {
	Permission Permission
	Also       []Permission
}

// Allowed lists every permission Graph offers that allows the call: Least
// first, then the others from least to most privileged.
func (r Rule) Allowed() []Grant {
	start, n := r.allowStart(), r.allowLen()
	out := make([]Grant, n)
	for i := range out {
		a := callAllow[start+uint32(i)]
		out[i] = Grant{Permission: r.perm(a & 2047), Also: r.also(a >> 11)}
	}
	return out
}

// Template is the map's path template that matched, as people read it:
// "/users/{id}/memberof".
func (r Rule) Template() string {
	p, ok := graphpath.Parse(nil, r.raw)
	if !ok {
		return ""
	}
	var path [graphpath.MaxSegments + 1]uint32
	got, found := walk(&p, 0, 0, false, &path, 0)
	if !found || got != r.node {
		if got, found = walk(&p, 0, 0, true, &path, 0); !found || got != r.node {
			return ""
		}
	}
	var b strings.Builder
	for _, n := range path {
		if n == 0 {
			break
		}
		b.WriteByte('/')
		b.WriteString(graphpath.Render(label(n)))
	}
	if b.Len() == 0 {
		return "/"
	}
	return b.String()
}

// Stat is what the map says of a permission in a scheme.
type Stat struct {
	Level    int  // Microsoft's privilegeLevel, 1 (lowest) to 5; 0 when the map gives none
	ReadOnly bool // its operation is Read or ReadBasic (Microsoft's naming: resource.operation.constraint)
	Breadth  int  // how many (method, path template) pairs it allows
}

// Stats returns what the map says of p in scheme s, and false when the map
// does not know p in s.
func Stats(s Scheme, p Permission) (Stat, bool) {
	var stats []uint32
	switch s {
	case SchemeApplication:
		stats = callStatsApplication[:]
	case SchemeDelegatedWork:
		stats = callStatsDelegatedWork[:]
	case SchemeDelegatedPersonal:
		stats = callStatsDelegatedPersonal[:]
	}
	i, ok := position(s.Kind(), p.Value)
	if stats == nil || p.Kind != s.Kind() || !ok || stats[i]&(1<<7) == 0 {
		return Stat{}, false
	}
	v := stats[i]
	return Stat{Level: int(v & 7), ReadOnly: v&(1<<4) != 0, Breadth: int(v >> 8)}, true
}
