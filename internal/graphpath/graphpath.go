// Package graphpath cuts a Microsoft Graph request URL, or a path template of
// Microsoft's permission map, into canonical segments, so that a call and the
// template that covers it compare equal segment by segment. The same code
// reads both: the generator of internal/graphperm runs it over the map's
// templates, and the look-up over each request URL.
//
// Canonical form, segment by segment: percent-decoded and lower-cased; the
// scheme, host, query, fragment and a leading /v1.0 or /beta dropped; a
// placeholder ("{id}", "{user-id}") is Wild; an OData function or key
// ("range(address='A1')", "servicePrincipals(appId='…')") keeps its name and
// its sorted parameter names ("range(address)"), positional parameters being
// "#"; after a segment that ends with ':' (a drive item addressed by path,
// "root:/folder/file.txt:/content"), the item path collapses into one
// RegionColon segment, or Region when it runs to the end.
package graphpath

import (
	"bytes"
	"strings"
)

// The labels of the segments that stand for more than one value. They
// start with a control byte, which no decoded template segment has.
const (
	Wild        = "\x00"  // a whole-segment placeholder: "{id}"
	WildColon   = "\x00:" // a placeholder that opens an item path: "{id}:"
	Region      = "\x01"  // an item path that runs to the end of the URL
	RegionColon = "\x01:" // an item path closed by a segment ending in ':'
)

// MaxSegments is the most canonical segments a path may have. The deepest
// template of the map has 16.
const MaxSegments = 24

// maxParams bounds the parameters of one OData function segment.
const maxParams = 8

// Path is a URL cut into canonical segments. It refers to the buffer given
// to Parse.
type Path struct {
	b     []byte
	ends  [MaxSegments]uint16
	n     int
	odata uint32 // bit i: segment i is an OData cast or $ref, $value, $count
}

// Len is the number of segments.
func (p *Path) Len() int { return p.n }

// Seg returns segment i.
func (p *Path) Seg(i int) []byte {
	start := 0
	if i > 0 {
		start = int(p.ends[i-1])
	}
	return p.b[start:p.ends[i]]
}

// OData reports whether segment i is an OData cast ("microsoft.graph.group")
// or one of the segments $ref, $value and $count. Such a segment is never
// an ID, and Microsoft's map leaves most of them out of its templates
// ("DELETE /groups/{id}/members/{id}" for ".../members/{id}/$ref").
func (p *Path) OData(i int) bool { return p.odata&(1<<i) != 0 }

// HasOData reports whether any segment is one that OData reports.
func (p *Path) HasOData() bool { return p.odata != 0 }

// Parse cuts raw (an absolute URL, or a path with or without its version)
// into canonical segments, appending their bytes to dst[:0] so that a caller
// with a large enough buffer allocates nothing. It returns false when raw
// has more than MaxSegments segments or more than 64 KiB of them.
func Parse(dst []byte, raw string) (Path, bool) {
	var p Path
	s := pathPart(raw)
	b := dst[:0]
	first, opened := true, false
	for s != "" {
		var seg string
		seg, s, _ = strings.Cut(s, "/")
		if seg == "" {
			continue
		}
		start := len(b)
		b = appendDecoded(b, seg)
		if first {
			first = false
			if v := b[start:]; string(v) == "v1.0" || string(v) == "beta" {
				b = b[:start]
				continue
			}
		}
		if opened {
			opened = false
			b, s = region(b, start, s)
		} else {
			b = canonical(b, start)
			opened = len(b) > start && b[len(b)-1] == ':'
		}
		if p.n == MaxSegments || len(b) > 0xffff {
			return Path{}, false
		}
		if v := b[start:]; bytes.HasPrefix(v, []byte("microsoft.graph.")) || string(v) == "$ref" || string(v) == "$value" || string(v) == "$count" {
			p.odata |= 1 << p.n
		}
		p.ends[p.n] = uint16(len(b))
		p.n++
	}
	p.b = b
	return p, true
}

// pathPart is raw without its query, fragment, scheme and host.
func pathPart(raw string) string {
	s := raw
	for i := 0; i < len(s); i++ {
		if s[i] == '?' || s[i] == '#' {
			s = s[:i]
			break
		}
	}
	if i := strings.Index(s, "://"); i >= 0 && !strings.Contains(s[:i], "/") {
		rest := s[i+3:]
		if j := strings.IndexByte(rest, '/'); j >= 0 {
			return rest[j:]
		}
		return ""
	}
	return s
}

// region replaces an item path, the segment decoded at b[start:] and the
// next ones of rest up to one ending in ':', with a single RegionColon
// segment (Region when none closes it), and returns what rest remains.
func region(b []byte, start int, rest string) ([]byte, string) {
	closed := b[len(b)-1] == ':'
	for !closed && rest != "" {
		var seg string
		seg, rest, _ = strings.Cut(rest, "/")
		closed = strings.HasSuffix(seg, ":") || strings.HasSuffix(seg, "%3A") || strings.HasSuffix(seg, "%3a")
	}
	if closed {
		return append(b[:start], RegionColon...), rest
	}
	return append(b[:start], Region...), rest
}

// appendDecoded appends seg percent-decoded and with ASCII lower-cased.
// A '%' that does not start an escape is kept as it is.
func appendDecoded(b []byte, seg string) []byte {
	start := len(b)
	b = append(b, seg...)
	out := b[start:]
	n := 0
	for i := 0; i < len(seg); i++ {
		c := seg[i]
		if c == '%' && i+2 < len(seg) && isHex(seg[i+1]) && isHex(seg[i+2]) {
			c = unhex(seg[i+1])<<4 | unhex(seg[i+2])
			i += 2
		}
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		out[n] = c
		n++
	}
	return b[:start+n]
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c >= '0' && c <= '9':
		return c - '0'
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10
	}
	return c - 'A' + 10
}

// canonical rewrites the segment b[start:] in place: a placeholder becomes
// Wild (or WildColon), a function its name and parameter names.
func canonical(b []byte, start int) []byte {
	seg := b[start:]
	n := len(seg)
	switch {
	case n >= 2 && seg[0] == '{' && seg[n-1] == '}':
		return append(b[:start], Wild...)
	case n >= 3 && seg[0] == '{' && seg[n-2] == '}' && seg[n-1] == ':':
		return append(b[:start], WildColon...)
	case n >= 3 && seg[n-1] == ')':
		if open := bytes.IndexByte(seg, '('); open >= 0 {
			return function(b, start, open)
		}
	}
	return b
}

// function rewrites "name(k1=v1,k2=v2)" at b[start:] as "name(k1,k2)" with
// the names sorted; a parameter without a name is "#"; "name()" is "name". A segment whose
// quotes or brackets do not balance, or with too many parameters, is left
// as it is: it matches no template.
func function(b []byte, start, open int) []byte {
	keys, nk, ok := params(b, start+open+1, len(b)-1)
	if !ok {
		return b
	}
	if nk == 0 && open > 0 { // delta(): Microsoft's map writes a call without parameters as its bare name
		return b[:start+open]
	}
	sortKeys(b, keys[:nk])
	out := len(b)
	b = append(b, b[start:start+open+1]...)
	for i := 0; i < nk; i++ {
		if i > 0 {
			b = append(b, ',')
		}
		if keys[i][0] < 0 {
			b = append(b, '#')
		} else {
			b = append(b, b[keys[i][0]:keys[i][1]]...)
		}
	}
	b = append(b, ')')
	n := copy(b[start:], b[out:])
	return b[:start+n]
}

// params finds the parameter names of b[from:end], a function's
// parameter list: offsets in b, or -1 for a positional parameter. It
// fails on unbalanced quotes or brackets, an empty parameter or name, and
// more than maxParams parameters.
func params(b []byte, from, end int) (keys [maxParams][2]int, n int, ok bool) {
	if len(bytes.TrimSpace(b[from:end])) == 0 {
		return keys, 0, true
	}
	inQuote, depth, eq := false, 0, -1
	for i := from; i <= end; i++ {
		c := byte(',') // the list ends as a parameter does
		if i < end {
			c = b[i]
		}
		switch {
		case inQuote:
			inQuote = c != '\'' // a doubled '' reopens at once
		case c == '\'':
			inQuote = true
		case c == '(' || c == '[' || c == '{':
			depth++
		case c == ')' || c == ']' || c == '}':
			if depth--; depth < 0 {
				return keys, 0, false
			}
		case c == '=' && depth == 0 && eq < 0:
			eq = i
		case c == ',' && depth == 0:
			k0, k1 := from, i
			if eq >= 0 {
				k1 = eq
			}
			k0, k1 = trim(b, k0, k1)
			if n == maxParams || k0 == k1 {
				return keys, 0, false // too many, or an empty parameter or name
			}
			if eq < 0 {
				k0, k1 = -1, -1 // positional
			}
			keys[n] = [2]int{k0, k1}
			n++
			from, eq = i+1, -1
		}
	}
	return keys, n, !inQuote && depth == 0
}

func trim(b []byte, i, j int) (int, int) {
	for i < j && b[i] == ' ' {
		i++
	}
	for j > i && b[j-1] == ' ' {
		j--
	}
	return i, j
}

// sortKeys orders the parameter names (at most maxParams: insertion sort).
// A positional parameter (offsets -1) sorts as "#".
func sortKeys(b []byte, keys [][2]int) {
	less := func(x, y [2]int) bool {
		switch {
		case y[0] < 0:
			return x[0] >= 0 && string(b[x[0]:x[1]]) < "#"
		case x[0] < 0:
			return "#" < string(b[y[0]:y[1]])
		}
		return string(b[x[0]:x[1]]) < string(b[y[0]:y[1]])
	}
	for i := 1; i < len(keys); i++ {
		for j := i; j > 0 && less(keys[j], keys[j-1]); j-- {
			keys[j], keys[j-1] = keys[j-1], keys[j]
		}
	}
}

// Render turns a canonical segment back into the template form people
// read: Wild is "{id}", a function "name(key={key})".
func Render(label string) string {
	switch label {
	case Wild:
		return "{id}"
	case WildColon:
		return "{id}:"
	case Region:
		return "{path}"
	case RegionColon:
		return "{path}:"
	}
	open := strings.IndexByte(label, '(')
	if open < 0 || !strings.HasSuffix(label, ")") {
		return label
	}
	params := label[open+1 : len(label)-1]
	if params == "" {
		return label
	}
	var sb strings.Builder
	sb.WriteString(label[:open+1])
	for i, k := range strings.Split(params, ",") {
		if i > 0 {
			sb.WriteByte(',')
		}
		if k == "#" {
			sb.WriteString("{id}")
		} else {
			sb.WriteString(k + "={" + k + "}")
		}
	}
	sb.WriteByte(')')
	return sb.String()
}
