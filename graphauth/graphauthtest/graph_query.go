package graphauthtest

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
)

// Query options a route accepts.
const (
	optSelect = 1 << iota
	optTop
	optFilter
	optOrderBy
	optCount
	optSearch
	optSkipToken
	optDeltaToken
	optRawCount // the request is a /$count segment

	optList = optSelect | optTop | optFilter | optOrderBy | optCount | optSearch | optSkipToken
)

var optionBits = map[string]int{
	"$select": optSelect, "$top": optTop, "$filter": optFilter, "$orderby": optOrderBy, "$count": optCount,
	"$search": optSearch, "$skiptoken": optSkipToken, "$deltatoken": optDeltaToken,
	"$skip": -1, "$expand": -2, "$format": -2, "$compute": -2, "$apply": -2, "$levels": -2, "$index": -2,
}

// odataQuery is a request's validated query options.
type odataQuery struct {
	rt       *resourceType
	sel      []string // nil: the type's default properties
	top      int
	offset   int // from $skiptoken
	filter   *fnode
	search   *searchExpr
	orderBy  string
	desc     bool
	count    bool // $count=true in an advanced query: answer @odata.count
	eventual bool // ConsistencyLevel: eventual
	rawCount bool // a /$count segment, which counts as $count=true
	values   url.Values
}

// graphRefusal is a Graph error answer: status, code and message.
type graphRefusal struct {
	status    int
	code, msg string
}

func badRequest(code, msg string) *graphRefusal { return &graphRefusal{400, code, msg} }

func (s *Server) refuse(w http.ResponseWriter, r *http.Request, e *graphRefusal) {
	s.writeGraphError(w, r, e.status, e.code, e.msg)
}

// parseQuery checks a request's OData query options against what the route
// accepts (allowed) and the resource type rt, as Graph does for directory
// objects: an option the route does not take is refused, advanced query
// features need ConsistencyLevel: eventual and $count=true, and nothing is
// silently ignored except what Graph itself ignores ($count=true without
// ConsistencyLevel).
//
// fake names options that Graph accepts on the route but the fake does not
// implement there: they are refused with a message that says so.
func parseQuery(r *http.Request, rt *resourceType, allowed int, fake ...int) (*odataQuery, *graphRefusal) {
	missing := 0
	for _, f := range fake {
		missing |= f
	}
	vals, e := odataValues(r)
	if e != nil {
		return nil, e
	}
	q := &odataQuery{rt: rt, top: 100, values: vals, eventual: strings.EqualFold(r.Header.Get("ConsistencyLevel"), "eventual"), rawCount: allowed&optRawCount != 0}
	for key := range vals {
		name := strings.ToLower(key)
		if !strings.HasPrefix(name, "$") {
			continue // not an OData system query option: Graph ignores it too
		}
		bit, known := optionBits[name]
		switch {
		case !known:
			return nil, badRequest("BadRequest", "The query parameter '"+key+"' is not supported.")
		case bit == -2 || (bit > 0 && missing&bit != 0):
			return nil, badRequest("BadRequest", "Query option '"+key+"' is not supported by graphauthtest's fake Microsoft Graph.")
		case bit < 0 || allowed&bit == 0:
			return nil, badRequest("BadRequest", "Query option '"+optionTitle(name)+"' is not allowed. To allow it, set the 'AllowedQueryOptions' property on EnableQueryAttribute or QueryValidationSettings.")
		}
	}
	if v := vals.Get("$count"); v != "" {
		if v != "true" && v != "false" {
			return nil, badRequest("BadRequest", "Invalid value '"+v+"' for $count query option found. Valid values are 'true', 'false'.")
		}
		q.count = v == "true" && q.eventual
	}
	for _, step := range []func(*odataQuery) *graphRefusal{parseTop, parseSelect, parseFilterOption, parseSearch, parseOrderBy, parseSkipToken} {
		if e := step(q); e != nil {
			return nil, e
		}
	}
	return q, nil
}

// odataValues parses a request's query string with the names of OData
// system query options ("$..." names) folded to lower case, as Graph matches
// them whatever their case ($FILTER filters, it is not ignored), and refuses
// an option given twice (also in two spellings) with OData's error rather
// than silently using one of them.
func odataValues(r *http.Request) (url.Values, *graphRefusal) {
	raw, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return nil, badRequest("BadRequest", "The query string is malformed.")
	}
	vals := make(url.Values, len(raw))
	for key, v := range raw {
		name := key
		if _, known := optionBits[strings.ToLower(key)]; known {
			name = strings.ToLower(key) // an unknown one keeps its spelling for the refusal
		}
		if len(v)+len(vals[name]) > 1 && strings.HasPrefix(name, "$") {
			return nil, badRequest("BadRequest", "Query option '"+name+"' was specified more than once, but it must be specified at most once.")
		}
		vals[name] = append(vals[name], v...)
	}
	return vals, nil
}

// optionTitle is how OData names an option in "Query option 'Skip' is not
// allowed".
func optionTitle(name string) string {
	return map[string]string{"$select": "Select", "$top": "Top", "$filter": "Filter", "$orderby": "OrderBy", "$count": "Count",
		"$search": "Search", "$skiptoken": "SkipToken", "$skip": "Skip", "$deltatoken": "DeltaToken"}[name]
}

// advancedQuery reports whether q carries both advanced query parameters.
func (q *odataQuery) advancedQuery() bool {
	return q.eventual && (q.rawCount || q.values.Get("$count") == "true")
}

func parseTop(q *odataQuery) *graphRefusal {
	v := q.values.Get("$top")
	if v == "" {
		return nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > 999 {
		return badRequest("Request_BadRequest", "Invalid page size specified: '"+v+"'. Must be between 1 and 999 inclusive.")
	}
	q.top = n
	return nil
}

func parseSelect(q *odataQuery) *graphRefusal {
	v := q.values.Get("$select")
	if v == "" || q.rt == nil {
		return nil
	}
	for _, name := range strings.Split(v, ",") {
		name = strings.TrimSpace(name)
		p := q.rt.prop(name)
		if p == nil {
			return badRequest("BadRequest", "Parsing OData Select and Expand failed: Could not find a property named '"+name+"' on type 'microsoft.graph."+q.rt.name+"'.")
		}
		q.sel = append(q.sel, p.name)
	}
	return nil
}

func parseFilterOption(q *odataQuery) *graphRefusal {
	v := q.values.Get("$filter")
	if v == "" {
		return nil
	}
	n, ferr := parseFilter(v)
	if ferr == nil {
		ferr = checkFilter(n, q.rt, q.advancedQuery())
	}
	if ferr != nil {
		return badRequest(ferr.code, ferr.msg)
	}
	q.filter = n
	return nil
}

func parseOrderBy(q *odataQuery) *graphRefusal {
	v := strings.TrimSpace(q.values.Get("$orderby"))
	if v == "" {
		return nil
	}
	if strings.Contains(v, ",") {
		return badRequest("Request_UnsupportedQuery", "Sorting not supported for current query.")
	}
	name, dir, _ := strings.Cut(v, " ")
	dir = strings.ToLower(strings.TrimSpace(dir))
	p := q.rt.prop(name)
	switch {
	case p == nil:
		return badRequest("BadRequest", "Could not find a property named '"+name+"' on type 'microsoft.graph."+q.rt.name+"'.")
	case dir != "" && dir != "asc" && dir != "desc":
		return badRequest("BadRequest", "Syntax error at position "+strconv.Itoa(len(name)+1)+" in '"+v+"'.")
	case p.orderBy == never,
		p.orderBy == advanced && !q.advancedQuery(),
		q.filter != nil && !q.advancedQuery(),
		q.search != nil && !q.advancedQuery() && p.orderBy != byDefault:
		return badRequest("Request_UnsupportedQuery", "Sorting not supported for current query.")
	}
	q.orderBy, q.desc = p.name, dir == "desc"
	return nil
}

func parseSkipToken(q *odataQuery) *graphRefusal {
	tok := q.values.Get("$skiptoken")
	if tok == "" {
		return nil
	}
	b, err := base64.RawURLEncoding.DecodeString(tok)
	n, err2 := strconv.Atoi(strings.TrimPrefix(string(b), "skip:"))
	if err != nil || err2 != nil || n < 0 || !strings.HasPrefix(string(b), "skip:") {
		return badRequest("Directory_ExpiredPageToken", "The specified page token value has expired and can no longer be included in your request.")
	}
	q.offset = n
	return nil
}

// apply filters, searches and sorts the rendered objects of a collection.
func (q *odataQuery) apply(items []map[string]any) []map[string]any {
	var out []map[string]any
	for _, it := range items {
		if (q.filter == nil || evalFilter(q.filter, it)) && (q.search == nil || q.search.match(it)) {
			out = append(out, it)
		}
	}
	if q.orderBy != "" {
		sort.SliceStable(out, func(i, j int) bool {
			a, _ := out[i][q.orderBy].(string)
			b, _ := out[j][q.orderBy].(string)
			if q.desc {
				return strings.ToLower(a) > strings.ToLower(b)
			}
			return strings.ToLower(a) < strings.ToLower(b)
		})
	}
	return out
}

// project keeps the selected properties of a rendered object (or the
// type's defaults); "@odata.type" annotations stay.
func (q *odataQuery) project(obj map[string]any, rt *resourceType) map[string]any {
	if rt == nil {
		return obj
	}
	names := q.sel
	if names == nil {
		names = rt.defaultSelect()
	}
	out := map[string]any{}
	for k, v := range obj {
		if strings.HasPrefix(k, "@") {
			out[k] = v
		}
	}
	for _, n := range names {
		if rt.prop(n) != nil {
			out[n] = obj[n]
		}
	}
	return out
}

// contextURL is the @odata.context of a collection answer.
func (q *odataQuery) contextURL(set string) string {
	ctx := "https://graph.microsoft.com/v1.0/$metadata#" + set
	if q.sel != nil {
		ctx += "(" + strings.Join(q.sel, ",") + ")"
	}
	return ctx
}

// writePage answers a collection: the page of items at the $skiptoken
// offset, @odata.count in an advanced query with $count=true, and an
// @odata.nextLink that repeats the request's options.
func (s *Server) writePage(w http.ResponseWriter, r *http.Request, q *odataQuery, set string, items []map[string]any, types func(map[string]any) *resourceType) {
	set, items = applyCast(r, set, items, types)
	items = q.apply(items)
	if q.offset > len(items) {
		s.refuse(w, r, badRequest("Directory_ExpiredPageToken", "The specified page token value has expired and can no longer be included in your request."))
		return
	}
	end := min(q.offset+q.top, len(items))
	page := make([]map[string]any, 0, end-q.offset)
	for _, it := range items[q.offset:end] {
		obj := q.project(it, types(it))
		if set != "directoryObjects" {
			delete(obj, "@odata.type") // only mixed collections carry it
		}
		page = append(page, obj)
	}
	body := map[string]any{"@odata.context": q.contextURL(set)}
	if q.count {
		body["@odata.count"] = len(items)
	}
	body["value"] = page
	if end < len(items) {
		next := url.Values{}
		for k, v := range q.values {
			next[k] = v
		}
		next.Set("$skiptoken", base64.RawURLEncoding.EncodeToString([]byte("skip:"+strconv.Itoa(end))))
		body["@odata.nextLink"] = graphBase(r) + strings.TrimPrefix(r.URL.Path, "/v1.0") + "?" + encodeOptions(next)
	}
	writeJSON(w, http.StatusOK, body)
}

// writeCount answers a /$count segment: the number as text/plain. Graph
// requires ConsistencyLevel: eventual for it on directory objects.
func (s *Server) writeCount(w http.ResponseWriter, r *http.Request, q *odataQuery, items []map[string]any) {
	if !q.eventual {
		s.refuse(w, r, badRequest("Request_UnsupportedQuery", "Raw count (/$count) is not supported because the 'ConsistencyLevel:eventual' header is missing. Refer to https://aka.ms/graph-docs/advanced-queries for more information"))
		return
	}
	_, items = applyCast(r, "", items, s.directoryTypeOf) // what a cast left out is not counted
	w.Header().Set("Content-Type", "text/plain;charset=utf-8")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write([]byte(strconv.Itoa(len(q.apply(items)))))
}

// graphBase is the URL of the Graph root the request came to, such as
// https://127.0.0.1:port/v1.0.
func graphBase(r *http.Request) string { return baseURL(r) + "/v1.0" }

// legacyPage pages a collection whose route takes only $top and
// $skiptoken (and a $select it does not project).
func (s *Server) legacyPage(w http.ResponseWriter, r *http.Request, set string, items []map[string]any) {
	vals, e := odataValues(r)
	if e == nil {
		for key := range vals {
			if key != "$top" && key != "$skiptoken" && key != "$select" && strings.HasPrefix(key, "$") {
				e = badRequest("BadRequest", "Query option '"+key+"' is not supported by graphauthtest's fake Microsoft Graph.")
			}
		}
	}
	if e != nil {
		s.refuse(w, r, e)
		return
	}
	q := &odataQuery{top: 100, values: vals}
	for _, step := range []func(*odataQuery) *graphRefusal{parseTop, parseSkipToken} {
		if e := step(q); e != nil {
			s.refuse(w, r, e)
			return
		}
	}
	s.writePage(w, r, q, set, items, func(map[string]any) *resourceType { return nil })
}

// encodeOptions encodes query options as Graph writes them in its links,
// with the "$" of system query options unescaped.
func encodeOptions(v url.Values) string {
	return strings.ReplaceAll(v.Encode(), "%24", "$")
}
