package graphauthtest

import (
	"compress/gzip"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// caller is who a Graph request's bearer token speaks for.
type caller struct {
	tenant  *tenant
	appID   string
	userOID string // empty for app-only tokens
	roles   []string
	scopes  []string
	reqID   string
	viaMe   bool // the path said /me
}

func (c *caller) appOnly() bool { return c.userOID == "" }

// allowed reports whether the token carries one of the app roles (app-only)
// or delegated scopes (with a user) that the operation accepts.
func (c *caller) allowed(roles, scopes []string) bool {
	have, want := c.roles, roles
	if !c.appOnly() {
		have, want = c.scopes, scopes
	}
	for _, w := range want {
		if containsFold(have, w) {
			return true
		}
	}
	return false
}

func (s *Server) writeGraphError(w http.ResponseWriter, r *http.Request, status int, code, msg string) {
	rec := recordOf(r)
	rec.Error = code
	reqID := newGUID()
	w.Header().Set("request-id", reqID)
	clientReqID := graphClientRequestID(r, reqID)
	w.Header().Set("client-request-id", clientReqID)
	if status == http.StatusUnauthorized && w.Header().Get("WWW-Authenticate") == "" {
		w.Header().Set("WWW-Authenticate", `Bearer realm="", authorization_uri="`+baseURL(r)+`/common/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000"`)
	}
	writeJSON(w, status, map[string]any{"error": map[string]any{
		"code":    code,
		"message": msg,
		"innerError": map[string]string{
			"date":              s.clk.now().UTC().Format("2006-01-02T15:04:05"),
			"request-id":        reqID,
			"client-request-id": clientReqID,
		},
	}})
}

// graphClientRequestID is the client-request-id Graph answers with: the
// client's own when it sent one (msgraph-sdk-go and the Azure SDKs do), else
// the request-id, as Graph fills it in.
func graphClientRequestID(r *http.Request, reqID string) string {
	if id := r.Header.Get("client-request-id"); id != "" && len(id) <= 128 {
		return id
	}
	return reqID
}

// authenticateGraph checks the bearer token as Graph does: signed by this
// platform, for Graph, and not expired.
func (s *Server) authenticateGraph(w http.ResponseWriter, r *http.Request) *caller {
	raw, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || raw == "" {
		s.writeGraphError(w, r, 401, "InvalidAuthenticationToken", "Access token is empty.")
		return nil
	}
	claims, err := s.signer.parse(raw)
	if err != nil {
		s.writeGraphError(w, r, 401, "InvalidAuthenticationToken", "Access token validation failure. Invalid signature or malformed token.")
		return nil
	}
	if aud, _ := claims["aud"].(string); graphResourceOf(aud) == "" {
		s.writeGraphError(w, r, 401, "InvalidAuthenticationToken", "Access token validation failure. Invalid audience.")
		return nil
	}
	exp, err := claims.GetExpirationTime()
	if err != nil || exp == nil || !s.clk.now().Before(exp.Time) {
		s.writeGraphError(w, r, 401, "InvalidAuthenticationToken", "Lifetime validation failed, the token is expired.")
		return nil
	}
	c := &caller{appID: str(claims, "appid"), reqID: newGUID()}
	s.mu.Lock()
	c.tenant = s.dir.tenants[str(claims, "tid")]
	s.mu.Unlock()
	if c.tenant == nil {
		s.writeGraphError(w, r, 401, "InvalidAuthenticationToken", "Access token validation failure. Unknown tenant.")
		return nil
	}
	if str(claims, "idtyp") == "user" {
		c.userOID = str(claims, "oid")
		c.scopes = strings.Fields(str(claims, "scp"))
	} else {
		c.roles = strList(claims["roles"])
	}
	recordOf(r).ClientID = c.appID
	return c
}

func str(c jwt.MapClaims, k string) string { v, _ := c[k].(string); return v }

func strList(v any) []string {
	list, _ := v.([]any)
	out := make([]string, 0, len(list))
	for _, x := range list {
		if s, ok := x.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// Permission sets of the Graph operations the fake serves, from the
// "Permissions" table of each operation's Graph reference page.
var (
	permGroupsRead   = [2][]string{{"Group.Read.All", "GroupMember.Read.All", "Group.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All"}, {"Group.Read.All", "GroupMember.Read.All", "Directory.Read.All"}}
	permAppRead      = [2][]string{{"Application.Read.All", "Application.ReadWrite.All", "Application.ReadWrite.OwnedBy", "Directory.Read.All"}, {"Application.Read.All", "Application.ReadWrite.All", "Directory.Read.All"}}
	permAppWrite     = [2][]string{{"Application.ReadWrite.All", "Application.ReadWrite.OwnedBy"}, {"Application.ReadWrite.All"}}
	permSPCreate     = [2][]string{{"Application.ReadWrite.All", "Application.ReadWrite.OwnedBy", "Directory.ReadWrite.All"}, {"Application.ReadWrite.All", "Directory.ReadWrite.All"}}
	permRoleAssign   = [2][]string{{"AppRoleAssignment.ReadWrite.All"}, {"AppRoleAssignment.ReadWrite.All"}}
	permDelegatedGrt = [2][]string{{"DelegatedPermissionGrant.ReadWrite.All"}, {"DelegatedPermissionGrant.ReadWrite.All"}}
)

// require answers 403 unless the caller holds one of the permissions.
func (s *Server) require(w http.ResponseWriter, r *http.Request, c *caller, perm [2][]string) bool {
	if c.allowed(perm[0], perm[1]) {
		return true
	}
	s.writeGraphError(w, r, 403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.")
	return false
}

// requireAdmin answers 403 for a signed-in user who is not an
// administrator: Graph lets a delegated call grant or revoke permissions
// only for a user with an administrator role (Cloud Application
// Administrator or above), whatever the scopes the token carries. App-only
// callers pass.
func (s *Server) requireAdmin(w http.ResponseWriter, r *http.Request, c *caller) bool {
	if c.appOnly() {
		return true
	}
	s.mu.Lock()
	u := c.tenant.byOID[strings.ToLower(c.userOID)]
	admin := u != nil && u.Admin
	s.mu.Unlock()
	if !admin {
		s.writeGraphError(w, r, 403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.")
	}
	return admin
}

// graphJSONType is the Content-Type of Graph's JSON answers.
const graphJSONType = "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8"

func (s *Server) serveGraph(w http.ResponseWriter, r *http.Request, p []string) {
	w = &graphWriter{ResponseWriter: w}
	c := s.authenticateGraph(w, r)
	if c == nil {
		return
	}
	w.Header().Set("request-id", c.reqID)
	w.Header().Set("client-request-id", graphClientRequestID(r, c.reqID))
	if !s.decompressBody(w, r) {
		return
	}
	path := p[1:]
	if strings.EqualFold(path[0], "me") {
		if c.appOnly() {
			s.writeGraphError(w, r, 400, "BadRequest", "/me request is only valid with delegated authentication flow.")
			return
		}
		path = append([]string{"users", c.userOID}, path[1:]...)
		c.viaMe = true
	}
	if rest, typ := splitCast(path); typ != "" {
		path, r = rest, withCast(r, typ)
	}
	if s.throttled(w, r, c, path) {
		return
	}
	rt, allowed := s.matchRoute(r.Method, path)
	switch {
	case rt == nil:
		s.writeGraphError(w, r, 400, "BadRequest", "Resource not found for the segment '"+s.unknownSegment(path)+"'.")
	case !allowed:
		s.writeGraphError(w, r, 405, "Request_BadRequest", "Specified HTTP method is not allowed for the request target.")
	default:
		if rt.opts >= 0 && !s.legacyOptionsOK(w, r, rt.opts) {
			return
		}
		rt.h(w, r, c, path)
	}
}

type graphHandler func(http.ResponseWriter, *http.Request, *caller, []string)

// graphRoute is one operation: a method and a path pattern whose {id}
// segments match any value, and, for routes that predate the query engine,
// the OData options they accept (-1: the handler checks them itself).
type graphRoute struct {
	method, pattern string
	h               graphHandler
	opts            int
}

// matchRoute finds the route for a path: the pattern with the most literal
// segments wins, so users/delta beats users/{id}. ok is false when a
// pattern matches the path but not the method.
func (s *Server) matchRoute(method string, path []string) (best *graphRoute, ok bool) {
	bestScore := -1
	for i := range s.graph {
		rt := &s.graph[i]
		score, match := matchPattern(rt.pattern, path)
		if !match {
			continue
		}
		same := strings.EqualFold(rt.method, method)
		if score > bestScore || (score == bestScore && same && !ok) {
			best, bestScore, ok = rt, score, same
		}
	}
	return best, ok
}

func matchPattern(pattern string, path []string) (int, bool) {
	segs := strings.Split(pattern, "/")
	if len(segs) != len(path) {
		return 0, false
	}
	return matchSegments(segs, path)
}

// matchSegments matches path against a pattern's segments, one for one.
func matchSegments(segs, path []string) (int, bool) {
	score := 0
	for i, seg := range segs {
		got := path[i]
		if k := strings.Index(got, "(appId="); k >= 0 {
			got = got[:k] + "(appId)"
		}
		switch {
		case strings.HasSuffix(seg, "(*)") && strings.HasPrefix(strings.ToLower(got), strings.ToLower(strings.TrimSuffix(seg, "*)"))) && strings.HasSuffix(got, ")"):
			score++
		case seg == "{id}" && !strings.HasPrefix(got, "$") && !strings.Contains(got, "("):
		case strings.EqualFold(seg, got):
			score++
		default:
			return 0, false
		}
	}
	return score, true
}

// unknownSegment is the segment Graph names in "Resource not found for the
// segment": the first one that no route continues with.
func (s *Server) unknownSegment(path []string) string {
	for i := range path {
		known := false
		for _, rt := range s.graph {
			segs := strings.Split(rt.pattern, "/")
			if len(segs) > i {
				if _, ok := matchSegments(segs[:i+1], path[:i+1]); ok {
					known = true
					break
				}
			}
		}
		if !known {
			return path[i]
		}
	}
	return path[len(path)-1]
}

// legacyOptionsOK refuses OData options a route does not take, for the
// routes whose handlers predate the query engine.
func (s *Server) legacyOptionsOK(w http.ResponseWriter, r *http.Request, allowed int) bool {
	for key := range r.URL.Query() {
		name := strings.ToLower(key)
		if !strings.HasPrefix(name, "$") {
			continue
		}
		if bit := optionBits[name]; bit <= 0 || allowed&bit == 0 {
			title := optionTitle(name)
			if title == "" {
				s.writeGraphError(w, r, 400, "BadRequest", "The query parameter '"+key+"' is not supported.")
				return false
			}
			s.writeGraphError(w, r, 400, "BadRequest", "Query option '"+title+"' is not allowed. To allow it, set the 'AllowedQueryOptions' property on EnableQueryAttribute or QueryValidationSettings.")
			return false
		}
	}
	return true
}

func (s *Server) graphRoutes() []graphRoute {
	legacy := optSelect | optTop | optSkipToken
	routes := []graphRoute{
		{"GET", "servicePrincipals(appId)", s.graphGetSP, optSelect},
		{"GET", "servicePrincipals/{id}", s.graphGetSP, optSelect},
		{"GET", "servicePrincipals(appId)/appRoleAssignments", s.graphAssignments, legacy},
		{"GET", "servicePrincipals/{id}/appRoleAssignments", s.graphAssignments, legacy},
		{"POST", "servicePrincipals", s.graphCreateSP, 0},
		{"POST", "servicePrincipals/{id}/appRoleAssignedTo", s.graphAssignRole, 0},
		{"POST", "oauth2PermissionGrants", s.graphGrantScopes, 0},
		{"POST", "applications", s.graphCreateApp, 0},
		{"GET", "applications/{id}", s.graphGetApp, optSelect},
		{"GET", "applications(appId)", s.graphGetApp, optSelect},
		{"PATCH", "applications/{id}", s.graphPatchApp, 0},
		{"PATCH", "applications(appId)", s.graphPatchApp, 0},
		{"DELETE", "applications/{id}", s.graphDeleteApp, 0},
		{"DELETE", "applications(appId)", s.graphDeleteApp, 0},
		{"POST", "applications/{id}/addPassword", s.graphAddPassword, 0},
		{"POST", "applications(appId)/addPassword", s.graphAddPassword, 0},
	}
	routes = append(routes, s.credentialRoutes()...)
	routes = append(routes, s.appListRoutes()...)
	routes = append(routes, s.grantRoutes()...)
	routes = append(routes, s.spManageRoutes()...)
	routes = append(routes, s.directoryObjectRoutes()...)
	routes = append(routes, s.userRoutes()...)
	routes = append(routes, s.groupRoutes()...)
	routes = append(routes, s.tenantRoutes()...)
	return routes
}

// keyOf extracts the value of servicePrincipals(appId='…') or the ID segment.
func keyOf(p []string) (appID, id string) {
	seg := p[0]
	if i := strings.Index(seg, "(appId="); i >= 0 {
		v := strings.TrimSuffix(seg[i+len("(appId="):], ")")
		return strings.Trim(v, "'"), ""
	}
	if len(p) > 1 {
		return "", p[1]
	}
	return "", ""
}

func decodeBody(r *http.Request, v any) bool {
	r.Body = http.MaxBytesReader(nil, r.Body, maxFormBytes)
	return json.NewDecoder(r.Body).Decode(v) == nil
}

func isoTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z") }

// ticksTime is a time as Graph writes the ones its services stamp
// (a secret's start and end, an assignment's createdDateTime): .NET ticks,
// up to seven fractional digits, trailing zeros dropped
// ("2019-09-09T19:50:29.3086381Z"), where directory objects' own dates are
// whole seconds.
func ticksTime(t time.Time) string {
	return t.UTC().Truncate(100 * time.Nanosecond).Format(time.RFC3339Nano)
}

// decompressBody accepts a gzip request body (Content-Encoding: gzip), as
// Graph does and as the Graph SDKs' compression handler sends it.
func (s *Server) decompressBody(w http.ResponseWriter, r *http.Request) bool {
	switch enc := strings.ToLower(r.Header.Get("Content-Encoding")); enc {
	case "", "identity":
		return true
	case "gzip":
		zr, err := gzip.NewReader(io.LimitReader(r.Body, maxFormBytes))
		if err != nil {
			s.writeGraphError(w, r, 400, "BadRequest", "The request body is not valid gzip.")
			return false
		}
		r.Body = io.NopCloser(io.LimitReader(zr, 4*maxFormBytes))
		r.Header.Del("Content-Encoding")
		return true
	default:
		s.writeGraphError(w, r, 415, "UnsupportedMediaType", "Content-Encoding '"+enc+"' is not supported.")
		return false
	}
}
