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
			s = rest[j:]
		} else {
			s = ""
		}
	}
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
			// An item path: this segment and the next ones up to one
			// ending in ':' are a single Region.
			opened = false
			closed := b[len(b)-1] == ':'
			for !closed && s != "" {
				seg, s, _ = strings.Cut(s, "/")
				closed = strings.HasSuffix(seg, ":") || strings.HasSuffix(seg, "%3A") || strings.HasSuffix(seg, "%3a")
			}
			b = b[:start]
			if closed {
				b = append(b, RegionColon...)
			} else {
				b = append(b, Region...)
			}
		} else {
			b = canonical(b, start)
			opened = b[len(b)-1] == ':'
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
// the names sorted; a parameter without a name is "#". A segment whose
// quotes or brackets do not balance, or with too many parameters, is left
// as it is: it matches no template.
func function(b []byte, start, open int) []byte {
	var keys [maxParams][2]int // absolute offsets in b
	nk := 0
	params := b[start+open+1 : len(b)-1]
	if len(bytes.TrimSpace(params)) > 0 {
		from := start + open + 1
		inQuote, depth, eq := false, 0, -1
		end := len(b) - 1
		for i := from; i <= end; i++ {
			c := byte(',')
			if i < end {
				c = b[i]
			}
			switch {
			case inQuote:
				if c == '\'' {
					inQuote = false // a doubled '' reopens at once
				}
				continue
			case c == '\'':
				inQuote = true
			case c == '(' || c == '[' || c == '{':
				depth++
			case c == ')' || c == ']' || c == '}':
				depth--
				if depth < 0 {
					return b
				}
			case c == '=' && depth == 0 && eq < 0:
				eq = i
			case c == ',' && depth == 0:
				if nk == maxParams {
					return b
				}
				k0, k1 := from, i
				if eq >= 0 {
					k1 = eq
				}
				k0, k1 = trim(b, k0, k1)
				if eq < 0 {
					if k0 == k1 {
						return b // an empty parameter
					}
					k0, k1 = -1, -1 // positional
				} else if k0 == k1 {
					return b
				}
				keys[nk] = [2]int{k0, k1}
				nk++
				from, eq = i+1, -1
			}
		}
		if inQuote || depth != 0 {
			return b
		}
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
