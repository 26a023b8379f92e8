package graphauthtest

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// fnode is a node of a parsed $filter expression.
type fnode struct {
	kind string // "and", "or", "not", "cmp", "in", "fn"
	kids []*fnode
	prop string
	op   string // cmp: eq ne gt ge lt le; fn: startswith endswith
	vals []literal
}

// literal is a value in a $filter: a string, bool, null, number or date.
type literal struct {
	edm string // edmString, edmBool, "null", "Edm.Int32", edmDateTime
	s   string
	b   bool
	t   time.Time
}

// filterError is a refusal of a $filter, with Graph's status, code and
// message.
type filterError struct {
	code, msg string
}

func (e *filterError) Error() string { return e.code + ": " + e.msg }

func syntaxError(format string, args ...any) *filterError {
	return &filterError{"BadRequest", "Invalid filter clause: " + fmt.Sprintf(format, args...)}
}

// token of the $filter lexer.
type ftoken struct {
	kind string // "ident", "string", "punct", "eof"
	text string
	pos  int
}

func lexFilter(in string) ([]ftoken, *filterError) {
	var out []ftoken
	for i := 0; i < len(in); {
		c := rune(in[i])
		switch {
		case unicode.IsSpace(c):
			i++
		case c == '(' || c == ')' || c == ',' || c == ':':
			out = append(out, ftoken{"punct", string(c), i})
			i++
		case c == '\'':
			var b strings.Builder
			j := i + 1
			for ; ; j++ {
				if j >= len(in) {
					return nil, syntaxError("There is an unterminated string literal at position %d in '%s'.", i, in)
				}
				if in[j] == '\'' {
					if j+1 < len(in) && in[j+1] == '\'' {
						b.WriteByte('\'')
						j++
						continue
					}
					break
				}
				b.WriteByte(in[j])
			}
			out = append(out, ftoken{"string", b.String(), i})
			i = j + 1
		default:
			j := i
			for j < len(in) && !unicode.IsSpace(rune(in[j])) && !strings.ContainsRune("(),':", rune(in[j])) {
				j++
			}
			// A date-time literal carries colons: 2021-01-01T00:00:00Z.
			for j < len(in) && in[j] == ':' && j > i && strings.Contains(in[i:j], "T") && unicode.IsDigit(rune(in[i])) {
				j++
				for j < len(in) && !unicode.IsSpace(rune(in[j])) && !strings.ContainsRune("(),'", rune(in[j])) {
					j++
				}
			}
			if j == i {
				return nil, syntaxError("Syntax error: character '%c' is not valid at position %d in '%s'.", c, i, in)
			}
			out = append(out, ftoken{"ident", in[i:j], i})
			i = j
		}
	}
	return append(out, ftoken{"eof", "", len(in)}), nil
}

type filterParser struct {
	src  string
	toks []ftoken
	i    int
}

// parseFilter parses an OData $filter expression: comparisons (eq, ne, gt,
// ge, lt, le), in, startswith and endswith, joined with and, or, not and
// parentheses. Lambda operators (any, all) are refused as unsupported by
// the fake.
func parseFilter(src string) (*fnode, *filterError) {
	toks, err := lexFilter(src)
	if err != nil {
		return nil, err
	}
	p := &filterParser{src: src, toks: toks}
	n, err := p.or()
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind != "eof" {
		return nil, syntaxError("Syntax error at position %d in '%s'.", t.pos, src)
	}
	return n, nil
}

func (p *filterParser) peek() ftoken { return p.toks[p.i] }
func (p *filterParser) next() ftoken {
	t := p.toks[p.i]
	if p.i < len(p.toks)-1 {
		p.i++
	}
	return t
}

func (p *filterParser) keyword(w string) bool {
	if t := p.peek(); t.kind == "ident" && strings.EqualFold(t.text, w) {
		p.next()
		return true
	}
	return false
}

func (p *filterParser) expect(punct string) *filterError {
	if t := p.next(); t.kind != "punct" || t.text != punct {
		return syntaxError("Syntax error: '%s' expected at position %d in '%s'.", punct, t.pos, p.src)
	}
	return nil
}

func (p *filterParser) or() (*fnode, *filterError) {
	left, err := p.and()
	for err == nil && p.keyword("or") {
		var right *fnode
		if right, err = p.and(); err == nil {
			left = &fnode{kind: "or", kids: []*fnode{left, right}}
		}
	}
	return left, err
}

func (p *filterParser) and() (*fnode, *filterError) {
	left, err := p.unary()
	for err == nil && p.keyword("and") {
		var right *fnode
		if right, err = p.unary(); err == nil {
			left = &fnode{kind: "and", kids: []*fnode{left, right}}
		}
	}
	return left, err
}

func (p *filterParser) unary() (*fnode, *filterError) {
	if p.keyword("not") {
		inner, err := p.unary()
		if err != nil {
			return nil, err
		}
		return &fnode{kind: "not", kids: []*fnode{inner}}, nil
	}
	return p.primary()
}

func (p *filterParser) primary() (*fnode, *filterError) {
	t := p.next()
	switch {
	case t.kind == "punct" && t.text == "(":
		n, err := p.or()
		if err == nil {
			err = p.expect(")")
		}
		return n, err
	case t.kind != "ident":
		return nil, syntaxError("Syntax error at position %d in '%s'.", t.pos, p.src)
	}
	if fn := strings.ToLower(t.text); fn == "startswith" || fn == "endswith" {
		return p.function(fn)
	}
	if strings.Contains(t.text, "/") {
		return nil, &filterError{"BadRequest", "The $filter expression '" + p.src + "' uses a lambda or navigation path ('" + t.text + "'), which graphauthtest's fake Microsoft Graph does not support."}
	}
	op := strings.ToLower(p.next().text)
	switch op {
	case "eq", "ne", "gt", "ge", "lt", "le":
		v, err := p.literal()
		if err != nil {
			return nil, err
		}
		return &fnode{kind: "cmp", prop: t.text, op: op, vals: []literal{v}}, nil
	case "in":
		return p.in(t.text)
	}
	return nil, syntaxError("Syntax error at position %d in '%s'.", p.toks[p.i-1].pos, p.src)
}

func (p *filterParser) function(fn string) (*fnode, *filterError) {
	if err := p.expect("("); err != nil {
		return nil, err
	}
	prop := p.next()
	if prop.kind != "ident" {
		return nil, syntaxError("Syntax error at position %d in '%s'.", prop.pos, p.src)
	}
	if err := p.expect(","); err != nil {
		return nil, err
	}
	v, err := p.literal()
	if err == nil {
		err = p.expect(")")
	}
	if err != nil {
		return nil, err
	}
	return &fnode{kind: "fn", prop: prop.text, op: fn, vals: []literal{v}}, nil
}

func (p *filterParser) in(prop string) (*fnode, *filterError) {
	if err := p.expect("("); err != nil {
		return nil, err
	}
	n := &fnode{kind: "in", prop: prop, op: "in"}
	for {
		v, err := p.literal()
		if err != nil {
			return nil, err
		}
		n.vals = append(n.vals, v)
		if t := p.next(); t.kind == "punct" && t.text == ")" {
			return n, nil
		} else if t.kind != "punct" || t.text != "," {
			return nil, syntaxError("Syntax error: ')' or ',' expected at position %d in '%s'.", t.pos, p.src)
		}
	}
}

func (p *filterParser) literal() (literal, *filterError) {
	t := p.next()
	if t.kind == "string" {
		return literal{edm: edmString, s: t.text}, nil
	}
	if t.kind != "ident" {
		return literal{}, syntaxError("Syntax error: a literal expected at position %d in '%s'.", t.pos, p.src)
	}
	switch strings.ToLower(t.text) {
	case "true", "false":
		return literal{edm: edmBool, b: strings.EqualFold(t.text, "true")}, nil
	case "null":
		return literal{edm: "null"}, nil
	}
	if _, err := strconv.ParseInt(t.text, 10, 64); err == nil {
		return literal{edm: "Edm.Int32", s: t.text}, nil
	}
	if tm, err := parseDate(t.text); err == nil {
		return literal{edm: edmDateTime, t: tm}, nil
	}
	return literal{}, syntaxError("Syntax error at position %d in '%s'.", t.pos, p.src)
}

func parseDate(s string) (time.Time, error) {
	if tm, err := time.Parse(time.RFC3339, s); err == nil {
		return tm, nil
	}
	return time.Parse("2006-01-02", s)
}
