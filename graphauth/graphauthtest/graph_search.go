package graphauthtest

import (
	"strconv"
	"strings"
	"unicode"
)

// searchExpr is a parsed $search: "property:term" clauses joined by AND or
// OR (left to right), as Graph accepts on directory objects.
type searchExpr struct {
	clauses []searchClause
	ops     []string // "AND" or "OR" between clauses
}

type searchClause struct{ prop, term string }

func parseSearch(q *odataQuery) *graphRefusal {
	v := strings.TrimSpace(q.values.Get("$search"))
	if v == "" {
		return nil
	}
	if !q.eventual {
		return badRequest("Request_UnsupportedQuery", "Request with $search query parameter only works through MSGraph with a special request header: 'ConsistencyLevel: eventual'")
	}
	e := &searchExpr{}
	rest := v
	for {
		rest = strings.TrimSpace(rest)
		if !strings.HasPrefix(rest, `"`) {
			return searchSyntax(v, rest)
		}
		end := strings.Index(rest[1:], `"`)
		if end < 0 {
			return searchSyntax(v, rest)
		}
		prop, term, ok := strings.Cut(rest[1:1+end], ":")
		p := q.rt.prop(prop)
		if !ok || strings.TrimSpace(term) == "" {
			return badRequest("BadRequest", "Invalid search clause '"+rest[:end+2]+"': it must be \"property:term\".")
		}
		if p == nil || !p.search {
			return badRequest("Request_UnsupportedQuery", "Unsupported or invalid query search clause specified for property '"+prop+"' of resource '"+q.rt.resourceName()+"'.")
		}
		e.clauses = append(e.clauses, searchClause{p.name, strings.ToLower(strings.TrimSpace(term))})
		rest = strings.TrimSpace(rest[end+2:])
		if rest == "" {
			q.search = e
			return nil
		}
		op, after, _ := strings.Cut(rest, " ")
		if op != "AND" && op != "OR" {
			return searchSyntax(v, rest)
		}
		e.ops = append(e.ops, op)
		rest = after
	}
}

func searchSyntax(all, at string) *graphRefusal {
	pos := len(all) - len(at)
	c := ' '
	if at != "" {
		c = rune(at[0])
	}
	if i := strings.IndexByte(at, ':'); i >= 0 && !strings.HasPrefix(at, `"`) {
		pos, c = pos+i, ':'
	}
	return badRequest("BadRequest", "Syntax error: character '"+string(c)+"' is not valid at position "+strconv.Itoa(pos)+" in '"+all+"'.")
}

// match applies the search to a rendered object: a clause matches when a
// word of the property's value starts with the term, as Graph's tokenized
// search does.
func (e *searchExpr) match(obj map[string]any) bool {
	result := e.clauses[0].match(obj)
	for i, op := range e.ops {
		next := e.clauses[i+1].match(obj)
		if op == "AND" {
			result = result && next
		} else {
			result = result || next
		}
	}
	return result
}

func (c searchClause) match(obj map[string]any) bool {
	return anyString(lookupFold(obj, c.prop), func(s string) bool {
		s = strings.ToLower(s)
		if strings.HasPrefix(s, c.term) {
			return true
		}
		for _, w := range strings.FieldsFunc(s, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
			if strings.HasPrefix(w, c.term) {
				return true
			}
		}
		return false
	})
}
