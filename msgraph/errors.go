package msgraph

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
	"unicode"

	"github.com/golang-jwt/jwt/v5"

	"github.com/entrakit/entrakit/graphauth"
	"github.com/entrakit/entrakit/internal/graphperm"
	"github.com/entrakit/entrakit/internal/retry"
)

// ErrForeignLink means an @odata.nextLink or @odata.deltaLink pointed away
// from the Graph host the client calls. The link is not followed, so that
// the bearer token never reaches another host.
var ErrForeignLink = errors.New("msgraph: a paging link points to another host")

// GraphError is a refusal from Microsoft Graph, read from its error body:
//
//	{"error": {"code": "Authorization_RequestDenied", "message": "...",
//	  "innerError": {"date": "...", "request-id": "...", "client-request-id": "..."}}}
//
// It holds no token, and no part of the body but the code and message.
type GraphError struct {
	StatusCode      int
	Method          string // the request's method
	Path            string // the request's path, without host and query
	Code            string // e.g. "Authorization_RequestDenied"
	Message         string // Graph's message, on one line
	RequestID       string // request-id, to quote to Microsoft support
	ClientRequestID string // client-request-id
	Date            string // innerError.date
	// RetryAfter is the wait Graph asked for on a 429 or 503 that was not
	// waited for (it ends after the context's deadline, or retries ran out);
	// zero when Graph named none.
	RetryAfter time.Duration
	// Scheme is how the call was made: "Application" (app-only) or
	// "DelegatedWork" (a signed-in user), read from the token sent.
	Scheme string
	// Required lists, for a 403, the permissions of Scheme that allow the
	// call (any one is enough), least privileged first, from Microsoft's
	// permission map; nil when the map does not know the call.
	Required []string
	// Granted lists, for a 403, the permissions the token sent carried
	// (its roles, or its scp for a delegated call), read from the token
	// without verifying it. When one of Required is among them, the
	// refusal is not about a missing permission but about the object: an
	// Application.ReadWrite.OwnedBy app that does not own it, say.
	Granted []string
	// Claims is the claims challenge (JSON) of a 401 whose WWW-Authenticate
	// said error="insufficient_claims" (continuous access evaluation, or a
	// Conditional Access authentication context) and that Send's one retry
	// did not satisfy: a delegated app asks for a token with these claims
	// (graphauth.TokenRequest.Claims), signing the user in again if that
	// needs interaction. Empty otherwise.
	Claims string
	Err    error // the transport or parse cause, if any
}

// Error returns one line: status, code, message, the permissions a 403
// needs, and the request-id.
func (e *GraphError) Error() string {
	var b strings.Builder
	b.WriteString("msgraph: ")
	if e.Method != "" {
		fmt.Fprintf(&b, "%s %s: ", e.Method, e.Path)
	}
	if e.StatusCode != 0 {
		fmt.Fprintf(&b, "Graph answered %d", e.StatusCode)
	} else {
		b.WriteString("no answer from Graph")
	}
	if e.Code != "" {
		fmt.Fprintf(&b, " %s", e.Code)
	}
	if e.Message != "" {
		fmt.Fprintf(&b, ": %s", e.Message)
	}
	if held := e.holds(); len(held) > 0 {
		fmt.Fprintf(&b, " (the token carries %s, which allows the call: the refusal is about this object, such as one an OwnedBy permission does not cover because the app does not own it)", strings.Join(held, ", "))
	} else if len(e.Required) > 0 {
		kind := "application"
		if e.Scheme != "" && e.Scheme != graphperm.SchemeApplication.String() {
			kind = "delegated"
		}
		fmt.Fprintf(&b, " (the call needs one of these %s permissions: %s)", kind, strings.Join(e.Required, ", "))
	}
	if e.RetryAfter > 0 {
		fmt.Fprintf(&b, " (retry after %s)", waitText(e.RetryAfter))
	}
	if e.RequestID != "" {
		fmt.Fprintf(&b, " [request-id %s]", e.RequestID)
	}
	if e.Err != nil {
		fmt.Fprintf(&b, ": %v", e.Err)
	}
	return b.String()
}

// Unwrap returns the cause.
func (e *GraphError) Unwrap() error { return e.Err }

// waitText is a Retry-After for a person: whole seconds, and "over a day"
// for the absurd ones a broken or hostile server may send (up to
// retry.Forever, 292 years).
func waitText(d time.Duration) string {
	if d > 24*time.Hour {
		return "over a day"
	}
	return d.Round(time.Second).String()
}

// NotFound reports a 404.
func (e *GraphError) NotFound() bool { return e.StatusCode == http.StatusNotFound }

// Throttled reports a 429, or a 503 with a Retry-After.
func (e *GraphError) Throttled() bool {
	return e.StatusCode == http.StatusTooManyRequests || e.StatusCode == http.StatusServiceUnavailable && e.RetryAfter > 0
}

// maxErrorBody caps what is read of an error answer.
const maxErrorBody = 1 << 20

// ParseGraphError reads a Graph answer of status 400 or more into a
// *GraphError: code, message, request IDs and date from Graph's error body,
// Retry-After, and for a 403 the permissions the call needs (from the
// request in resp.Request, when there is one). It reads at most 1 MiB of
// resp.Body and closes it. A body that is not Graph's error JSON leaves
// Code empty and sets Err; it is never copied into the error. It returns
// nil for a nil resp or a status below 400.
func ParseGraphError(resp *http.Response) *GraphError {
	if resp == nil || resp.StatusCode < 400 {
		return nil
	}
	var data []byte
	if resp.Body != nil {
		data, _ = io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
		resp.Body.Close()
	}
	return parseError(resp, data, time.Now())
}

// errorBody is Graph's error JSON. Its fields are read one by one
// (textOf), so that one of another type (a date as a number, a message as
// OData v3's {"lang", "value"}) does not lose the others.
type errorBody struct {
	Error struct {
		Code       json.RawMessage `json:"code"`
		Message    json.RawMessage `json:"message"`
		InnerError struct {
			Date            json.RawMessage `json:"date"`
			RequestID       json.RawMessage `json:"request-id"`
			ClientRequestID json.RawMessage `json:"client-request-id"`
		} `json:"innerError"`
	} `json:"error"`
}

// textOf is a field of Graph's error JSON as text: a string as it is, the
// value of OData v3's {"lang": …, "value": "…"} message, a number as it is
// written; "" for anything else.
func textOf(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var v3 struct {
		Value string `json:"value"`
	}
	if json.Unmarshal(raw, &v3) == nil {
		return v3.Value
	}
	var n json.Number
	if json.Unmarshal(raw, &n) == nil {
		return n.String()
	}
	return ""
}

func parseError(resp *http.Response, data []byte, now time.Time) *GraphError {
	e := &GraphError{StatusCode: resp.StatusCode, RequestID: clip(resp.Header.Get("request-id"), 64),
		ClientRequestID: clip(resp.Header.Get("client-request-id"), 64)}
	// Graph's workloads do not all name a code: Planner's 403 is
	// {"error":{"code":"","message":"You do not have the required
	// permissions to access this item.","innerError":{…}}}.
	code, message, date, requestID, clientRequestID := "", "", "", "", ""
	var body errorBody
	var wrongType *json.UnmarshalTypeError
	// A part of another shape (an innerError that is a string) is left
	// empty, and the rest is read: Unmarshal goes on past a type error.
	if err := json.Unmarshal(data, &body); err == nil || errors.As(err, &wrongType) {
		code, message = textOf(body.Error.Code), textOf(body.Error.Message)
		in := body.Error.InnerError
		date, requestID, clientRequestID = textOf(in.Date), textOf(in.RequestID), textOf(in.ClientRequestID)
	}
	if code != "" || message != "" || requestID != "" {
		e.Code, e.Message, e.Date = clip(code, 100), clip(message, 500), clip(date, 40)
		if e.RequestID == "" {
			e.RequestID = clip(requestID, 64)
		}
		if e.ClientRequestID == "" {
			e.ClientRequestID = clip(clientRequestID, 64)
		}
	} else {
		switch ct := clip(resp.Header.Get("Content-Type"), 60); {
		case len(data) == 0:
			e.Err = errors.New("an empty body, not Graph's error JSON")
		case ct == "":
			e.Err = fmt.Errorf("a body of %d bytes without a Content-Type that is not Graph's error JSON", len(data))
		default:
			e.Err = fmt.Errorf("a %s body of %d bytes that is not Graph's error JSON", ct, len(data))
		}
	}
	if e.Date == "" {
		// An answer without Graph's error body (a gateway's HTML page)
		// still has the HTTP date, which support asks for with the
		// request-id; written as innerError.date is.
		if t, err := http.ParseTime(resp.Header.Get("Date")); err == nil {
			e.Date = t.UTC().Format("2006-01-02T15:04:05")
		}
	}
	if claims, ok := graphauth.ClaimsChallenge(resp.Header); ok && resp.StatusCode == http.StatusUnauthorized {
		e.Claims = claims
	}
	if wait, ok := retry.RetryAfter(resp.Header, now); ok && (resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable) {
		e.RetryAfter = wait
	}
	if req := resp.Request; req != nil && req.URL != nil {
		e.Method, e.Path = req.Method, clip(req.URL.EscapedPath(), 200)
		scheme, granted := tokenPermissions(req.Header.Get("Authorization"))
		e.Scheme = scheme.String()
		if resp.StatusCode == http.StatusForbidden {
			e.Required = required(req.Method, req.URL.EscapedPath(), scheme)
			e.Granted = granted
		}
	}
	return e
}

// required lists the permissions that allow a call in scheme, least
// privileged first.
func required(method, path string, scheme graphperm.Scheme) []string {
	rule, miss := graphperm.Lookup(method, path, scheme)
	if miss != graphperm.Hit {
		return nil
	}
	grants := rule.Allowed()
	out := make([]string, 0, len(grants))
	for _, g := range grants {
		out = append(out, g.Permission.Value)
	}
	return out
}

// tokenPermissions reads from a bearer token whether the call was
// app-only or delegated (a delegated token carries scp) and the
// permissions it carried: its roles, or its scp. The token is not verified
// and not kept; at most 100 permissions of 100 bytes are read.
func tokenPermissions(authorization string) (graphperm.Scheme, []string) {
	tok, ok := strings.CutPrefix(authorization, "Bearer ")
	if !ok {
		return graphperm.SchemeApplication, nil
	}
	claims := jwt.MapClaims{}
	if _, _, err := jwt.NewParser().ParseUnverified(tok, claims); err != nil {
		return graphperm.SchemeApplication, nil
	}
	if scp, _ := claims["scp"].(string); scp != "" {
		return graphperm.SchemeDelegatedWork, permissionList(strings.Fields(scp))
	}
	roles, _ := claims["roles"].([]any)
	var names []string
	for _, r := range roles {
		if name, ok := r.(string); ok {
			names = append(names, name)
		}
	}
	return graphperm.SchemeApplication, permissionList(names)
}

func permissionList(names []string) []string {
	var out []string
	for _, n := range names[:min(len(names), 100)] {
		out = append(out, clip(n, 100))
	}
	return out
}

// holds lists the permissions of Required that the token carried.
func (e *GraphError) holds() []string {
	var out []string
	for _, r := range e.Required {
		for _, g := range e.Granted {
			if strings.EqualFold(r, g) {
				out = append(out, r)
				break
			}
		}
	}
	return out
}

// clip keeps s to n bytes on one line: control characters (C0 and C1,
// NEL included), the line and paragraph separators and invisible format
// characters (such as the right-to-left override, which can make a log
// line read backwards) become spaces.
func clip(s string, n int) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' || unicode.Is(unicode.Cf, r) {
			return ' '
		}
		return r
	}, strings.ToValidUTF8(s, "?"))
	if len(s) > n {
		s = strings.ToValidUTF8(s[:n], "") + "…"
	}
	return s
}
