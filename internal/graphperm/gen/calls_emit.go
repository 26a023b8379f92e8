package main

import (
	"bytes"
	"fmt"
	"log"
	"sort"
	"strings"
)

// The basis of a rule's first permission; graphperm.Basis has the same
// values.
const (
	basisMarked    = 0 // the map marks it least privileged
	basisReadOnly  = 1 // a GET whose least privileged one in the map writes; this one only reads
	basisRanked    = 2 // the map marks none for the scheme: ranked
	basisUnoffered = 3 // the map's least privileged ones are not offered by Graph's service principal: ranked
	basisOwn       = 4 // the map marks another family's permission; this one is named after the call's resource, at no higher level
)

// cand is one permission that allows a call.
type cand struct {
	perm  int
	name  string
	st    *stat
	least bool
	also  []int // alternatives, one of which is needed as well, ranked
}

func level(st *stat) int {
	if st == nil || st.level == 0 {
		return 9 // unknown: after every known level
	}
	return st.level
}

// rankLess orders permissions from least to most privileged: by Microsoft's
// privilege level, then read-only before writing, then by how many calls
// they allow (the narrower first), then by name.
func rankLess(a, b string, sa, sb *stat) bool {
	if la, lb := level(sa), level(sb); la != lb {
		return la < lb
	}
	ra, rb := sa != nil && sa.readOnly, sb != nil && sb.readOnly
	if ra != rb {
		return ra
	}
	if sa != nil && sb != nil && sa.breadth != sb.breadth {
		return sa.breadth < sb.breadth
	}
	if la, lb := strings.ToLower(a), strings.ToLower(b); la != lb {
		return la < lb
	}
	return a < b // two spellings of one name: still one order
}

// rule is the answer for one key: the permissions that allow the call,
// the one to request first, and why that one.
type rule struct {
	allowed []cand
	basis   int
}

func (c *calls) rule(k key) rule {
	var cs []cand
	for name, g := range c.grants[k] {
		idx, ok := c.requestable(k.scheme, name)
		if !ok {
			continue
		}
		x := cand{perm: idx, name: name, st: c.stats[name][k.scheme], least: g.least}
		if len(g.also) > 0 {
			also := append([]string(nil), g.also...)
			sort.Slice(also, func(i, j int) bool {
				return rankLess(also[i], also[j], c.stats[also[i]][k.scheme], c.stats[also[j]][k.scheme])
			})
			for _, a := range also {
				if ai, ok := c.requestable(k.scheme, a); ok {
					x.also = append(x.also, ai)
				}
			}
			if len(x.also) == 0 {
				continue // it needs a permission Graph does not offer
			}
		}
		cs = append(cs, x)
	}
	if methodNames[k.method] != "GET" { // a read permission that reads alone is right for a read
		cs = dropPartners(cs, c.grants[k])
	}
	sort.Slice(cs, func(i, j int) bool { return rankLess(cs[i].name, cs[j].name, cs[i].st, cs[j].st) })
	r := rule{allowed: cs}
	var pick int
	pick, r.basis = choose(cs, c.grants[k], methodNames[k.method] == "GET")
	if own := ownResource(cs, pick, k.tmpl); own >= 0 && r.basis == basisMarked {
		pick, r.basis = own, basisOwn
	}
	if pick > 0 {
		p := cs[pick]
		copy(cs[1:pick+1], cs[:pick])
		cs[0] = p
	}
	return r
}

// choose picks, among the ranked permissions that allow a call, the one to
// request first, and says why: the first the map marks least privileged,
// unless it writes for a GET that a read-only one allows too; else the
// first by rank.
func choose(cs []cand, grants map[string]*grant, get bool) (pick, basis int) {
	pick, basis = -1, basisRanked
	for i, x := range cs {
		if x.least {
			pick, basis = i, basisMarked
			break
		}
	}
	if pick < 0 {
		for _, g := range grants {
			if g.least {
				basis = basisUnoffered
			}
		}
		if get && len(cs) > 0 && !cs[0].st.readOnly {
			for i, x := range cs { // a read needs no write permission, whatever the levels say
				if x.st.readOnly {
					return i, basis
				}
			}
		}
		return 0, basis
	}
	if get && !cs[pick].st.readOnly {
		for i, x := range cs {
			if x.st.readOnly {
				return i, basisReadOnly
			}
		}
	}
	return pick, basis
}

// ownResource finds, when the map marks an Intune permission
// (DeviceManagement*) least privileged for a call outside Intune's own
// resources, the first ranked permission named after the call's resource
// at no higher privilege level, and read-only when the marked one is:
// Organization.Read.All for GET /organization, where the map marks
// DeviceManagementServiceConfig.Read.All because Intune's reference pages
// document the same call. It returns -1 otherwise. Only Intune's marks are
// second-guessed: elsewhere a mark of another family (Files.Read.All for a
// site's drive items) is right.
func ownResource(cs []cand, pick int, tmpl string) int {
	seg, _, _ := strings.Cut(tmpl, "\n")
	seg = strings.ToLower(seg)
	if pick < 0 || pick >= len(cs) || seg == "" || strings.Contains(strings.ToLower(tmpl), "device") ||
		!strings.HasPrefix(strings.ToLower(cs[pick].name), "devicemanagement") {
		return -1
	}
	for i, x := range cs {
		f, _, _ := strings.Cut(strings.ToLower(x.name), ".")
		if (f == seg || f+"s" == seg) && level(x.st) <= level(cs[pick].st) && (!cs[pick].st.readOnly || x.st.readOnly) {
			return i
		}
	}
	return -1
}

// dropPartners removes the permissions that the map lists as allowing a
// call alone and also as what another permission needs alongside for the
// same call (POST /applications/{id}/owners: Directory.Read.All, next to
// Application.ReadWrite.OwnedBy with AlsoRequires=Directory.Read.All). Both
// cannot hold: if it allowed the call alone, the pair would never be the
// least privileged way to make it, and a read permission would add owners.
func dropPartners(cs []cand, grants map[string]*grant) []cand {
	partner := map[string]bool{}
	for _, g := range grants {
		for _, a := range g.also {
			partner[strings.ToLower(a)] = true
		}
	}
	out := cs[:0]
	for _, x := range cs {
		if len(x.also) == 0 && partner[strings.ToLower(x.name)] {
			continue
		}
		out = append(out, x)
	}
	return out
}

// trie is a node of the template tree while it is built.
type trie struct {
	kids  map[string]*trie
	ops   []uint32
	label string // under which it hangs
}

// table accumulates the flat arrays of the generated file.
type table struct {
	labels   []string
	labelIdx map[string]int
	rules    []uint32
	ruleIdx  map[string]int
	allow    []uint32
	also     []uint16
	alsoIdx  map[string]int
	ops      []uint32
	opsIdx   map[string]int
	kids     []uint64 // per node: first child<<10 | number of children; 0 for a leaf
	info     []uint64 // per node: ops set + 1 (0: none)<<12 | label
}

func (t *table) ruleID(r rule) int {
	var sig strings.Builder
	fmt.Fprintf(&sig, "%d:", r.basis)
	for _, a := range r.allowed {
		fmt.Fprintf(&sig, "%d/%v,", a.perm, a.also)
	}
	if id, ok := t.ruleIdx[sig.String()]; ok {
		return id
	}
	start := len(t.allow)
	for _, a := range r.allowed {
		t.allow = append(t.allow, uint32(a.perm)|uint32(t.alsoID(a.also))<<11)
	}
	if len(r.allowed) > 63 || start >= 1<<23 {
		log.Fatalf("gen: a rule too large to pack (%d permissions at %d)", len(r.allowed), start)
	}
	t.rules = append(t.rules, uint32(start)<<9|uint32(len(r.allowed))<<3|uint32(r.basis))
	t.ruleIdx[sig.String()] = len(t.rules) - 1
	return len(t.rules) - 1
}

func (t *table) alsoID(also []int) int {
	if len(also) == 0 {
		return 0
	}
	sig := fmt.Sprint(also)
	if id, ok := t.alsoIdx[sig]; ok {
		return id
	}
	id := len(t.also)
	t.also = append(t.also, uint16(len(also)))
	for _, a := range also {
		t.also = append(t.also, uint16(a))
	}
	t.alsoIdx[sig] = id
	return id
}

func (t *table) opsID(ops []uint32) int {
	sig := fmt.Sprint(ops)
	if id, ok := t.opsIdx[sig]; ok {
		return id
	}
	id := len(t.ops)
	t.ops = append(t.ops, ops...)
	t.ops[len(t.ops)-1] |= 1 << 4 // the last op of the set
	t.opsIdx[sig] = id
	return id
}

// build turns the grants into the generated arrays: a tree of template
// segments numbered breadth first (a node's children are consecutive and
// ordered by label, so that Wild, "\x00", comes first), each node naming
// the set of (method, scheme, rule) that end there.
func (c *calls) build() *table {
	t := &table{labelIdx: map[string]int{}, ruleIdx: map[string]int{}, alsoIdx: map[string]int{"": 0}, opsIdx: map[string]int{}}
	t.also = []uint16{0}
	keys := make([]key, 0, len(c.grants))
	for k := range c.grants {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := keys[i], keys[j]
		if a.tmpl != b.tmpl {
			return a.tmpl < b.tmpl
		}
		if a.method != b.method {
			return a.method < b.method
		}
		return a.scheme < b.scheme
	})
	root := &trie{kids: map[string]*trie{}}
	for _, k := range keys {
		n := root
		if k.tmpl != "" {
			for _, seg := range strings.Split(k.tmpl, "\n") {
				if n.kids[seg] == nil {
					n.kids[seg] = &trie{kids: map[string]*trie{}}
				}
				n = n.kids[seg]
			}
		}
		op := uint32(k.method*3 + k.scheme - 1)
		n.ops = append(n.ops, uint32(t.ruleID(c.rule(k)))<<5|op)
	}
	queue := []*trie{root}
	var order []*trie
	for len(queue) > 0 {
		n := queue[0]
		queue = queue[1:]
		order = append(order, n)
		for _, l := range sortedLabels(n) {
			n.kids[l].label = l
			queue = append(queue, n.kids[l])
		}
	}
	t.number(order)
	return t
}

// number packs the nodes, in breadth-first order: each one's children
// follow those of the nodes before it.
func (t *table) number(order []*trie) {
	next := 1
	for i, n := range order {
		labels := sortedLabels(n)
		ops, label := 0, 0
		if len(n.ops) > 0 {
			ops = t.opsID(n.ops) + 1
		}
		if i > 0 {
			label = t.labelID(n.label)
		}
		if len(labels) > 1023 || next >= 1<<22 || ops >= 1<<20 || label >= 1<<12 {
			log.Fatalf("gen: a node too large to pack")
		}
		kids := 0
		if len(labels) > 0 {
			kids = next<<10 | len(labels)
		}
		t.kids = append(t.kids, uint64(kids))
		t.info = append(t.info, uint64(ops)<<12|uint64(label))
		next += len(labels)
	}
}

func sortedLabels(n *trie) []string {
	out := make([]string, 0, len(n.kids))
	for l := range n.kids {
		out = append(out, l)
	}
	sort.Strings(out)
	return out
}

func (t *table) labelID(l string) int {
	if id, ok := t.labelIdx[l]; ok {
		return id
	}
	t.labels = append(t.labels, l)
	t.labelIdx[l] = len(t.labels) - 1
	return len(t.labels) - 1
}

// write emits the call catalog as Go source.
func (c *calls) write(b *bytes.Buffer, nroles, nscopes int) {
	t := c.build()
	b.WriteString("// Code generated by internal/graphperm/gen from ../shared/data; DO NOT EDIT.\n\n")
	b.WriteString("// Derived from Microsoft's permission map, microsoftgraph/microsoft-graph-devx-content\n")
	b.WriteString("// permissions/new/permissions.json (MIT licence, (c) Microsoft Graph; the licence text is\n")
	b.WriteString("// msgraph-permissions-paths.LICENSE in ../shared/data).\n\n")
	b.WriteString("package graphperm\n\n")
	fmt.Fprintf(b, "// %d path templates, %d (template, method, scheme) entries, %d distinct rules.\n\n", countTerminal(t), countOps(c), len(t.rules))
	var labels strings.Builder
	refs := make([]uint64, len(t.labels))
	for i, l := range t.labels {
		refs[i] = uint64(labels.Len())<<8 | uint64(len(l))
		if len(l) > 255 {
			log.Fatalf("gen: label too long: %q", l)
		}
		labels.WriteString(l)
	}
	fmt.Fprintf(b, "const callLabels = %q\n\n", labels.String())
	writeInts(b, "callLabelRefs", "uint32", refs)
	writeInts(b, "callKids", "uint32", t.kids)
	writeInts(b, "callNodeInfo", "uint32", t.info)
	writeInts(b, "callOps", "uint32", widen32(t.ops))
	writeInts(b, "callRules", "uint32", widen32(t.rules))
	writeInts(b, "callAllow", "uint32", widen32(t.allow))
	also := make([]uint64, len(t.also))
	for i, a := range t.also {
		also[i] = uint64(a)
	}
	writeInts(b, "callAlso", "uint16", also)
	for s, name := range []string{"", "callStatsApplication", "callStatsDelegatedWork", "callStatsDelegatedPersonal"} {
		if s == 0 {
			continue
		}
		n := nscopes
		if s == 1 {
			n = nroles
		}
		writeInts(b, name, "uint32", c.statsTable(s, n))
	}
}

// statsTable packs, per permission of the scheme's kind, what the map says
// of it in the scheme: breadth<<8 | 1<<7 (present) | readOnly<<4 | level.
func (c *calls) statsTable(scheme, n int) []uint64 {
	out := make([]uint64, n)
	names := make([]string, 0, len(c.stats))
	for name := range c.stats {
		names = append(names, name)
	}
	sort.Strings(names) // the map spells a few permissions in two cases: one answer, whatever the order
	for _, name := range names {
		st := c.stats[name][scheme]
		idx, ok := c.index[scheme][strings.ToLower(name)]
		if st == nil || !ok {
			continue
		}
		v := uint64(st.breadth)<<8 | 1<<7 | uint64(st.level&7)
		if st.readOnly {
			v |= 1 << 4
		}
		out[idx] = max(out[idx], v)
	}
	return out
}

func widen32(v []uint32) []uint64 {
	out := make([]uint64, len(v))
	for i, x := range v {
		out[i] = uint64(x)
	}
	return out
}

func writeInts(b *bytes.Buffer, name, typ string, v []uint64) {
	fmt.Fprintf(b, "var %s = [...]%s{", name, typ)
	for i, x := range v {
		if i%16 == 0 {
			b.WriteString("\n\t")
		}
		fmt.Fprintf(b, "%d, ", x)
	}
	b.WriteString("\n}\n\n")
}

func countTerminal(t *table) int {
	n := 0
	for _, x := range t.info {
		if x>>12 != 0 {
			n++
		}
	}
	return n
}

func countOps(c *calls) int { return len(c.grants) }
