package graphauthtest

import (
	"fmt"
	"strings"
	"time"
)

// opName is how Graph names an operator in its messages.
func opName(n *fnode) string {
	switch n.op {
	case "startswith":
		return "startsWith"
	case "endswith":
		return "endsWith"
	}
	return n.op
}

// checkFilter validates n against rt: every property exists and supports
// the operator, by default or (when adv is false, refusing) only in an
// advanced query.
func checkFilter(n *fnode, rt *resourceType, adv bool) *filterError {
	switch n.kind {
	case "and", "or":
		for _, k := range n.kids {
			if err := checkFilter(k, rt, adv); err != nil {
				return err
			}
		}
		return nil
	case "not":
		if !adv {
			return advancedOnly("not")
		}
		return checkFilter(n.kids[0], rt, adv)
	}
	p := rt.prop(n.prop)
	if p == nil {
		return &filterError{"BadRequest", fmt.Sprintf("Invalid filter clause: Could not find a property named '%s' on type 'microsoft.graph.%s'.", n.prop, rt.name)}
	}
	op := opName(n)
	for _, v := range n.vals {
		if v.edm == "null" {
			op = "null"
			if n.op == "ne" {
				op = "ne"
			}
			continue
		}
		if err := typeCheck(p, v, n); err != nil {
			return err
		}
	}
	level := p.ops[op]
	if n.op == "gt" || n.op == "lt" {
		level = never
	}
	switch {
	case level == never:
		return &filterError{"Request_UnsupportedQuery", fmt.Sprintf("Unsupported or invalid query filter clause specified for property '%s' of resource '%s'.", p.name, rt.resourceName())}
	case level == advanced && !adv:
		return advancedOnly(op)
	}
	return nil
}

func advancedOnly(op string) *filterError {
	return &filterError{"Request_UnsupportedQuery", "Operator '" + op + "' is not supported because the required parameters might be missing. Try adding $count=true query parameter and ConsistencyLevel:eventual header. Refer to https://aka.ms/graph-docs/advanced-queries for more information"}
}

// typeCheck refuses a literal whose type cannot be compared with the
// property, in the words of Graph's OData parser.
func typeCheck(p *propSpec, v literal, n *fnode) *filterError {
	want := p.edm
	if want == edmStrings {
		want = edmString
	}
	if v.edm == want || (want == edmDateTime && v.edm == edmDateTime) {
		return nil
	}
	kind := map[string]string{"eq": "Equal", "ne": "NotEqual", "ge": "GreaterThanOrEqual", "le": "LessThanOrEqual", "gt": "GreaterThan", "lt": "LessThan", "in": "In"}[n.op]
	if n.kind == "fn" {
		return syntaxError("No function signature for the function with name '%s' matches the specified arguments. The function signatures considered are: %s(Edm.String Nullable=true, Edm.String Nullable=true).", n.op, n.op)
	}
	return syntaxError("A binary operator with incompatible types was detected. Found operand types '%s' and '%s' for operator kind '%s'.", p.edm, v.edm, kind)
}

// evalFilter reports whether the rendered object obj matches n.
func evalFilter(n *fnode, obj map[string]any) bool {
	switch n.kind {
	case "and":
		return evalFilter(n.kids[0], obj) && evalFilter(n.kids[1], obj)
	case "or":
		return evalFilter(n.kids[0], obj) || evalFilter(n.kids[1], obj)
	case "not":
		return !evalFilter(n.kids[0], obj)
	}
	got := lookupFold(obj, n.prop)
	switch n.kind {
	case "fn":
		return anyString(got, func(s string) bool {
			if n.op == "startswith" {
				return strings.HasPrefix(strings.ToLower(s), strings.ToLower(n.vals[0].s))
			}
			return strings.HasSuffix(strings.ToLower(s), strings.ToLower(n.vals[0].s))
		})
	case "in":
		for _, v := range n.vals {
			if compare(got, v) == 0 {
				return true
			}
		}
		return false
	}
	c := compare(got, n.vals[0])
	switch n.op {
	case "eq":
		return c == 0
	case "ne":
		return c != 0
	case "ge":
		return c >= 0 && c != 2
	case "le":
		return c <= 0
	case "gt":
		return c > 0 && c != 2
	case "lt":
		return c < 0
	}
	return false
}

// compare orders a property value against a literal: -1, 0 or 1, or 2 when
// they cannot be ordered (a null against a value).
func compare(got any, v literal) int {
	if got == nil || v.edm == "null" {
		if got == nil && v.edm == "null" {
			return 0
		}
		return 2
	}
	switch x := got.(type) {
	case bool:
		if x == v.b {
			return 0
		}
		return 2
	case []string:
		for _, s := range x {
			if strings.EqualFold(s, v.s) {
				return 0
			}
		}
		return 2
	case string:
		if v.edm == edmDateTime {
			tm, err := time.Parse(time.RFC3339, x)
			if err != nil {
				return 2
			}
			return tm.Compare(v.t)
		}
		return strings.Compare(strings.ToLower(x), strings.ToLower(v.s))
	}
	return 2
}

func anyString(v any, f func(string) bool) bool {
	switch x := v.(type) {
	case string:
		return f(x)
	case []string:
		for _, s := range x {
			if f(s) {
				return true
			}
		}
	}
	return false
}

// lookupFold reads a property of a rendered object, ignoring case as Graph
// does for property names in queries.
func lookupFold(obj map[string]any, name string) any {
	if v, ok := obj[name]; ok {
		return v
	}
	for k, v := range obj {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	return nil
}
