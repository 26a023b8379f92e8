package graphauthtest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
)

// bodyField is a writable property of a resource and its JSON kind:
// "string", "bool", "strings" or "object".
type bodyField struct{ name, kind string }

// decodeObject reads a JSON object body for a create or update, refusing
// what Graph's OData layer refuses: a body that is not a JSON object, a
// property the type does not define, a read-only one, and a value of the
// wrong kind.
func decodeObject(r *http.Request, typeName string, fields []bodyField, readOnly ...string) (map[string]any, *graphRefusal) {
	raw, err := io.ReadAll(io.LimitReader(r.Body, maxFormBytes+1))
	if err != nil || len(raw) > maxFormBytes {
		return nil, badRequest("BadRequest", "The request body is too large.")
	}
	var in map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(raw))
	if err := dec.Decode(&in); err != nil || in == nil {
		return nil, badRequest("BadRequest", "Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.")
	}
	out := map[string]any{}
	for key, v := range in {
		if strings.HasPrefix(key, "@") {
			continue // @odata.type and other annotations
		}
		if containsFold(readOnly, key) {
			return nil, badRequest("Request_BadRequest", "Property '"+key+"' is read-only and cannot be set.")
		}
		f, ok := fieldOf(fields, key)
		if !ok {
			return nil, badRequest("BadRequest", "The property '"+key+"' does not exist on type 'microsoft.graph."+typeName+"'. Make sure to only use property names that are defined by the type or mark the type as open type.")
		}
		val, ok := decodeKind(v, f.kind)
		if !ok {
			return nil, badRequest("BadRequest", "Cannot convert the literal '"+strings.Trim(string(v), `"`)+"' to the expected type '"+edmOfKind(f.kind)+"'.")
		}
		out[f.name] = val
	}
	return out, nil
}

func fieldOf(fields []bodyField, key string) (bodyField, bool) {
	for _, f := range fields {
		if strings.EqualFold(f.name, key) {
			return f, true
		}
	}
	return bodyField{}, false
}

func decodeKind(v json.RawMessage, kind string) (any, bool) {
	if string(v) == "null" {
		return nil, kind != "bool"
	}
	var out any
	switch kind {
	case "string":
		var s string
		err := json.Unmarshal(v, &s)
		out = s
		return out, err == nil
	case "bool":
		var b bool
		err := json.Unmarshal(v, &b)
		return b, err == nil
	case "strings":
		var l []string
		err := json.Unmarshal(v, &l)
		return l, err == nil
	default:
		var m map[string]any
		err := json.Unmarshal(v, &m)
		return m, err == nil
	}
}

func edmOfKind(kind string) string {
	return map[string]string{"string": edmString, "bool": edmBool, "strings": edmStrings}[kind]
}

// str returns a decoded string field, or "" when absent or null.
func fieldStr(m map[string]any, k string) string { v, _ := m[k].(string); return v }

func missingField(typeName string, m map[string]any, names ...string) *graphRefusal {
	for _, n := range names {
		if v, ok := m[n]; !ok || v == nil || v == "" {
			return badRequest("Request_BadRequest", "A value is required for property '"+n+"' of resource '"+strings.ToUpper(typeName[:1])+typeName[1:]+"'.")
		}
	}
	return nil
}
