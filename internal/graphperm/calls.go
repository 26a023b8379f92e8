package graphperm

import (
	"strings"

	"github.com/entrakit/entrakit/internal/graphpath"
)

// Scheme is a permission scheme of Microsoft's permission map: how the
// app calls Graph.
type Scheme uint8

// The schemes, numbered as the generated call catalog numbers them.
const (
	SchemeApplication       Scheme = iota + 1 // app-only: application permissions (app roles)
	SchemeDelegatedWork                       // a signed-in work or school user: delegated scopes
	SchemeDelegatedPersonal                   // a signed-in personal Microsoft account: delegated scopes
)

// String returns the map's name: "Application", "DelegatedWork" or
// "DelegatedPersonal".
func (s Scheme) String() string {
	switch s {
	case SchemeApplication:
		return "Application"
	case SchemeDelegatedWork:
		return "DelegatedWork"
	case SchemeDelegatedPersonal:
		return "DelegatedPersonal"
	}
	return "Unknown"
}

// Kind is the kind of permission the scheme grants.
func (s Scheme) Kind() Kind {
	if s == SchemeApplication {
		return Application
	}
	return Delegated
}

// Basis says why a rule's first permission is the one to request.
type Basis uint8

// The bases, numbered as the generator numbers them.
const (
	// BasisMarked: Microsoft's map marks it least privileged for the call.
	BasisMarked Basis = iota
	// BasisReadOnly: the map marks, for a GET, a permission that writes
	// (Group-NestingSupport.ReadWrite.All for GET /groups); this one only
	// reads, allows the call too, and ranks first among those that only
	// read. A read needs no write permission, whatever the map's privilege
	// levels say.
	BasisReadOnly
	// BasisRanked: the map marks no permission least privileged for the
	// call in this scheme; this one ranks first (privilege level, then
	// read-only, then the fewest calls allowed), and for a GET it is the
	// first that only reads.
	BasisRanked
	// BasisUnoffered: the permissions the map marks least privileged are
	// not offered by Microsoft Graph's service principal (they cannot be
	// requested); this one ranks first among those that can be (for a
	// GET, the first of those that only reads).
	BasisUnoffered
	// BasisOwnResource: the map marks a permission of another family
	// (DeviceManagementServiceConfig.Read.All for GET /organization, from
	// Intune's reference page for the same call); this one is named after
	// the call's resource (Organization.Read.All), allows the call at no
	// higher privilege level, and is what the resource's own reference page
	// lists.
	BasisOwnResource
)

// Miss says why a call has no rule.
type Miss uint8

// The reasons a look-up misses.
const (
	Hit            Miss = iota // the map has a rule
	NotAPath                   // too many segments to be a Graph call
	NoTemplate                 // no path template of the map matches
	NoMethod                   // the template is in the map, not with this method
	NoScheme                   // the call is in the map, not in this scheme
	NotRequestable             // the map allows it only with permissions Graph does not offer
)

var methods = [...]string{"GET", "POST", "PATCH", "PUT", "DELETE"}

// buffer is the size of the stack buffer a look-up cuts the URL into;
// longer URLs are cut into a heap buffer.
const buffer = 512

// Lookup finds the map's rule for a call: method (any case) and rawURL (an
// absolute URL or a path, with or without /v1.0 or /beta; the query is
// ignored). A hit allocates nothing. When no template matches the URL as it
// is, its OData casts (microsoft.graph.…) and $ref, $value and $count
// segments are dropped and the look-up tried again: a cast narrows the type
// a collection returns, and the others address a reference, the raw value
// or the count of what the rest of the path names; the map leaves them out
// of most templates. A placeholder never stands for one of them.
func Lookup(method, rawURL string, s Scheme) (Rule, Miss) {
	var buf [buffer]byte
	p, ok := graphpath.Parse(buf[:0], rawURL)
	if !ok {
		return Rule{}, NotAPath
	}
	node, found := match(&p)
	if !found {
		return Rule{}, NoTemplate
	}
	m := methodIndex(method)
	if m < 0 {
		return Rule{}, NoMethod
	}
	miss := NoMethod
	for i := callNodeInfo[node]>>12 - 1; ; i++ {
		op := callOps[i]
		if int(op&15)/3 == m {
			miss = NoScheme
			if Scheme(op&15%3+1) == s {
				r := Rule{Method: methods[m], Scheme: s, raw: rawURL, node: node, rule: op >> 5}
				if r.allowLen() == 0 {
					return Rule{}, NotRequestable
				}
				return r, Hit
			}
		}
		if op&(1<<4) != 0 {
			return Rule{}, miss
		}
	}
}

func methodIndex(m string) int {
	for i, x := range methods {
		if strings.EqualFold(m, x) {
			return i
		}
	}
	return -1
}

func label(node uint32) string {
	ref := callLabelRefs[callNodeInfo[node]&4095]
	return callLabels[ref>>8 : ref>>8+ref&255]
}

// walk matches the segments from i on below node, and returns the node
// where the path ends with calls in the map: a literal child first, then
// Wild, then WildColon for a segment that ends in ':'. A node is entered
// only for the segment at its own depth, so a walk visits each node at most
// once. When path is not nil, it records the nodes of the match from depth
// on, followed by 0.
func walk(p *graphpath.Path, node uint32, i int, skipOData bool, path *[graphpath.MaxSegments + 1]uint32, depth int) (uint32, bool) {
	for skipOData && i < p.Len() && p.OData(i) {
		i++
	}
	if i == p.Len() {
		if path != nil {
			path[depth] = 0
		}
		return node, callNodeInfo[node]>>12 != 0
	}
	kids := callKids[node]
	first, end := kids>>10, kids>>10+kids&1023
	seg := p.Seg(i)
	lo, hi := first, end
	for lo < hi {
		mid := (lo + hi) / 2
		if label(mid) < string(seg) {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	exact := lo < end && label(lo) == string(seg)
	if exact {
		if got, ok := descend(p, lo, i, skipOData, path, depth); ok {
			return got, true
		}
	}
	for k := first; k < end && k < first+2 && !p.OData(i); k++ {
		if exact && k == lo {
			continue
		}
		if l := label(k); l == graphpath.Wild || l == graphpath.WildColon && len(seg) > 0 && seg[len(seg)-1] == ':' {
			if got, ok := descend(p, k, i, skipOData, path, depth); ok {
				return got, true
			}
		}
	}
	return 0, false
}

func descend(p *graphpath.Path, child uint32, i int, skipOData bool, path *[graphpath.MaxSegments + 1]uint32, depth int) (uint32, bool) {
	if path != nil {
		path[depth] = child
	}
	return walk(p, child, i+1, skipOData, path, depth+1)
}

// TemplateID identifies the map's path template that rawURL matches,
// whatever the method and scheme, so that calls to the same template
// (GET /users/1 and GET /users/2) can be told apart from others without
// allocating. It returns false when no template matches.
func TemplateID(rawURL string) (uint32, bool) {
	var buf [buffer]byte
	p, ok := graphpath.Parse(buf[:0], rawURL)
	if !ok {
		return 0, false
	}
	return match(&p)
}

// match walks the tree for p as it is, then without its OData segments.
func match(p *graphpath.Path) (uint32, bool) {
	node, found := walk(p, 0, 0, false, nil, 0)
	if !found && p.HasOData() {
		node, found = walk(p, 0, 0, true, nil, 0)
	}
	return node, found
}

// String is the basis as a short phrase for a report.
func (b Basis) String() string {
	switch b {
	case BasisMarked:
		return "marked least privileged in Microsoft's map"
	case BasisReadOnly:
		return "read-only, where the map marks a permission that writes"
	case BasisRanked:
		return "ranked first: the map marks none"
	case BasisUnoffered:
		return "ranked first: the map marks only permissions Graph does not offer"
	case BasisOwnResource:
		return "named after the call's resource, where the map marks another family's at the same level"
	}
	return "unknown"
}
