package graphauthtest

import (
	"context"
	"net/http"
	"strings"
)

// An OData cast ends a directoryObject collection's path with a type, as
// in /me/memberOf/microsoft.graph.group (msgraph-sdk-go writes it
// graph.group): only the members of that type are listed, as a
// collection of that type. Graph's guides and SDKs use it to list a user's
// groups; filtering, searching or sorting it is an advanced query like any
// other.

type castKey struct{}

// castRelations are the directoryObject collections that take a cast.
var castRelations = map[string]bool{"memberof": true, "transitivememberof": true, "members": true, "transitivemembers": true}

// castTypes are the types a cast may name, by their lower-cased name.
var castTypes = map[string]string{"user": "user", "group": "group", "serviceprincipal": "servicePrincipal", "device": "device", "orgcontact": "orgContact"}

// splitCast takes a trailing cast off a directoryObject collection's path,
// returning the path without it and the type ("group"), or path as it is
// and "".
//
// A cast followed by /$count (/me/memberOf/microsoft.graph.group/$count,
// as Graph's guides count a user's groups) keeps the $count segment.
func splitCast(path []string) ([]string, string) {
	end := len(path)
	if end >= 3 && path[end-1] == "$count" {
		end--
	}
	if end < 2 || !castRelations[strings.ToLower(path[end-2])] {
		return path, ""
	}
	last := strings.ToLower(path[end-1])
	name, ok := strings.CutPrefix(last, "microsoft.graph.")
	if !ok {
		name, ok = strings.CutPrefix(last, "graph.")
	}
	if typ := castTypes[name]; ok && typ != "" {
		return append(append([]string{}, path[:end-1]...), path[end:]...), typ
	}
	return path, ""
}

func withCast(r *http.Request, typ string) *http.Request {
	return r.WithContext(context.WithValue(r.Context(), castKey{}, typ))
}

// castOf is the type a request's path cast its collection to, or "".
func castOf(r *http.Request) string {
	typ, _ := r.Context().Value(castKey{}).(string)
	return typ
}

// applyCast keeps the items of the cast's type and names the collection
// after it ("groups").
func applyCast(r *http.Request, set string, items []map[string]any, types func(map[string]any) *resourceType) (string, []map[string]any) {
	typ := castOf(r)
	if typ == "" {
		return set, items
	}
	var kept []map[string]any
	for _, it := range items {
		if t, _ := it["@odata.type"].(string); strings.EqualFold(t, "#microsoft.graph."+typ) || t == "" && types(it).name == typ {
			kept = append(kept, it)
		}
	}
	return typ + "s", kept
}
