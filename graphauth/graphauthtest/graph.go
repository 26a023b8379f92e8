package graphauthtest

import (
	"encoding/base64"
	"encoding/json"
	"github.com/entrakit/entrakit/internal/ids"
	"net/http"
	"strconv"
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
	if status == http.StatusUnauthorized && w.Header().Get("WWW-Authenticate") == "" {
		w.Header().Set("WWW-Authenticate", `Bearer realm="", authorization_uri="`+baseURL(r)+`/common/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000"`)
	}
	writeJSON(w, status, map[string]any{"error": map[string]any{
		"code":    code,
		"message": msg,
		"innerError": map[string]string{
			"date":              s.clk.now().UTC().Format("2006-01-02T15:04:05"),
			"request-id":        reqID,
			"client-request-id": r.Header.Get("client-request-id"),
		},
	}})
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
	permOrgRead      = [2][]string{{"Organization.Read.All", "Organization.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All"}, {"User.Read", "Organization.Read.All", "Directory.Read.All"}}
	permUsersRead    = [2][]string{{"User.Read.All", "User.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All"}, {"User.ReadBasic.All", "User.Read.All", "Directory.Read.All"}}
	permGroupsRead   = [2][]string{{"Group.Read.All", "GroupMember.Read.All", "Group.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All"}, {"Group.Read.All", "GroupMember.Read.All", "Directory.Read.All"}}
	permAppRead      = [2][]string{{"Application.Read.All", "Application.ReadWrite.All", "Application.ReadWrite.OwnedBy", "Directory.Read.All"}, {"Application.Read.All", "Application.ReadWrite.All", "Directory.Read.All"}}
	permAppWrite     = [2][]string{{"Application.ReadWrite.All", "Application.ReadWrite.OwnedBy"}, {"Application.ReadWrite.All"}}
	permSPCreate     = [2][]string{{"Application.ReadWrite.All", "Application.ReadWrite.OwnedBy", "Directory.ReadWrite.All"}, {"Application.ReadWrite.All", "Directory.ReadWrite.All"}}
	permRoleAssign   = [2][]string{{"AppRoleAssignment.ReadWrite.All"}, {"AppRoleAssignment.ReadWrite.All"}}
	permDelegatedGrt = [2][]string{{"DelegatedPermissionGrant.ReadWrite.All"}, {"DelegatedPermissionGrant.ReadWrite.All"}}
	permMe           = [2][]string{nil, {"User.Read", "User.ReadWrite", "User.ReadBasic.All", "User.Read.All", "Directory.Read.All"}}
)

// require answers 403 unless the caller holds one of the permissions.
func (s *Server) require(w http.ResponseWriter, r *http.Request, c *caller, perm [2][]string) bool {
	if c.allowed(perm[0], perm[1]) {
		return true
	}
	s.writeGraphError(w, r, 403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.")
	return false
}

func (s *Server) serveGraph(w http.ResponseWriter, r *http.Request, p []string) {
	c := s.authenticateGraph(w, r)
	if c == nil {
		return
	}
	w.Header().Set("request-id", c.reqID)
	key := r.Method + " " + graphShape(p[1:])
	h, ok := s.graphRoutes()[key]
	if !ok {
		s.writeGraphError(w, r, 400, "BadRequest", "Resource not found for the segment '"+p[len(p)-1]+"'.")
		return
	}
	h(w, r, c, p[1:])
}

type graphHandler func(http.ResponseWriter, *http.Request, *caller, []string)

// graphShape turns a path into a route key: IDs become {id}, key segments
// such as servicePrincipals(appId='…') become servicePrincipals(appId).
func graphShape(p []string) string {
	out := make([]string, len(p))
	for i, seg := range p {
		switch {
		case strings.Contains(seg, "(appId="):
			out[i] = seg[:strings.Index(seg, "(")] + "(appId)"
		case i > 0 && ids.IsGUID(seg) && !strings.HasSuffix(out[i-1], ")") && out[i-1] != "{id}":
			out[i] = "{id}"
		default:
			out[i] = seg
		}
	}
	return strings.Join(out, "/")
}

func (s *Server) graphRoutes() map[string]graphHandler {
	return map[string]graphHandler{
		"GET organization":             s.graphOrganization,
		"GET users":                    s.graphUsers,
		"GET groups":                   s.graphGroups,
		"GET me":                       s.graphMe,
		"GET servicePrincipals(appId)": s.graphGetSP,
		"GET servicePrincipals/{id}":   s.graphGetSP,
		"GET servicePrincipals(appId)/appRoleAssignments": s.graphAssignments,
		"GET servicePrincipals/{id}/appRoleAssignments":   s.graphAssignments,
		"POST servicePrincipals":                          s.graphCreateSP,
		"POST servicePrincipals/{id}/appRoleAssignedTo":   s.graphAssignRole,
		"POST oauth2PermissionGrants":                     s.graphGrantScopes,
		"POST applications":                               s.graphCreateApp,
		"GET applications/{id}":                           s.graphGetApp,
		"GET applications(appId)":                         s.graphGetApp,
		"PATCH applications/{id}":                         s.graphPatchApp,
		"PATCH applications(appId)":                       s.graphPatchApp,
		"POST applications/{id}/addPassword":              s.graphAddPassword,
		"POST applications(appId)/addPassword":            s.graphAddPassword,
	}
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

// page answers a collection with OData paging: $top (default 100, at most
// 999) and an opaque $skiptoken in @odata.nextLink.
func (s *Server) page(w http.ResponseWriter, r *http.Request, context string, items []map[string]any) {
	q := r.URL.Query()
	top := 100
	if v := q.Get("$top"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 999 {
			s.writeGraphError(w, r, 400, "Request_BadRequest", "Invalid page size specified: '"+v+"'. Must be between 1 and 999 inclusive.")
			return
		}
		top = n
	}
	skip := 0
	if tok := q.Get("$skiptoken"); tok != "" {
		b, err := base64.RawURLEncoding.DecodeString(tok)
		n, err2 := strconv.Atoi(strings.TrimPrefix(string(b), "skip:"))
		if err != nil || err2 != nil || n < 0 || n > len(items) {
			s.writeGraphError(w, r, 400, "Directory_ExpiredPageToken", "The specified page token value has expired and can no longer be included in your request.")
			return
		}
		skip = n
	}
	end := min(skip+top, len(items))
	body := map[string]any{"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#" + context, "value": items[skip:end]}
	if end < len(items) {
		next := base64.RawURLEncoding.EncodeToString([]byte("skip:" + strconv.Itoa(end)))
		body["@odata.nextLink"] = baseURL(r) + r.URL.Path + "?$top=" + strconv.Itoa(top) + "&$skiptoken=" + next
	}
	writeJSON(w, http.StatusOK, body)
}

func isoTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z") }
