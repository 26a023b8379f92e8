package main

import (
	"math"
	"net/http"
	"strings"
	"time"

	"github.com/entrakit/entrakit/graphauth/graphauthtest"
)

type grantJSON struct {
	Tenant   string   `json:"tenant"`
	ClientID string   `json:"clientId"`
	User     string   `json:"user"`   // scopes only: object ID or UPN; empty means all users
	Roles    []string `json:"roles"`  // app roles
	Scopes   []string `json:"scopes"` // delegated scopes
}

func grantBody(r *http.Request, list string) (grantJSON, error) {
	var in grantJSON
	if err := decode(r, &in); err != nil {
		return in, err
	}
	if err := required("tenant", in.Tenant, "clientId", in.ClientID); err != nil {
		return in, err
	}
	if (list == "roles" && (len(in.Roles) == 0 || len(in.Scopes) > 0 || in.User != "")) ||
		(list == "scopes" && (len(in.Scopes) == 0 || len(in.Roles) > 0)) {
		return in, badRequest("this operation takes %s, and only %s", list, list)
	}
	return in, nil
}

func (c *control) grantAppRoles(r *http.Request) (any, error) {
	in, err := grantBody(r, "roles")
	if err != nil {
		return nil, err
	}
	c.srv.GrantAppRoles(in.Tenant, in.ClientID, in.Roles...)
	return nil, nil
}

func (c *control) revokeAppRoles(r *http.Request) (any, error) {
	in, err := grantBody(r, "roles")
	if err != nil {
		return nil, err
	}
	c.srv.RevokeAppRoles(in.Tenant, in.ClientID, in.Roles...)
	return nil, nil
}

func (c *control) grantScopes(r *http.Request) (any, error) {
	in, err := grantBody(r, "scopes")
	if err != nil {
		return nil, err
	}
	c.srv.GrantScopes(in.Tenant, in.ClientID, in.User, in.Scopes...)
	return nil, nil
}

func (c *control) revokeRefreshTokens(r *http.Request) (any, error) {
	var in upnJSON
	if err := decode(r, &in); err != nil {
		return nil, err
	}
	if err := required("upn", in.UPN); err != nil {
		return nil, err
	}
	c.srv.RevokeRefreshTokens(in.UPN)
	return nil, nil
}

// signIn is POST /control/signIn: {"upn": …} signs a user in to the fake's
// browser session; an empty upn signs out.
func (c *control) signIn(r *http.Request) (any, error) {
	var in upnJSON
	if err := decode(r, &in); err != nil {
		return nil, err
	}
	c.srv.SignIn(in.UPN)
	return nil, nil
}

type clockJSON struct {
	Now time.Time `json:"now"`
}

func (c *control) clock(*http.Request) (any, error) {
	return clockJSON{Now: c.srv.Now().UTC()}, nil
}

// maxAdvance bounds one advance to about a century, far past any token or
// secret lifetime and well inside time.Duration.
const maxAdvance = 100 * 365 * 24 * time.Hour

type advanceJSON struct {
	Seconds float64 `json:"seconds"`
}

// advance is POST /control/clock/advance: {"seconds": 1814400} moves the
// fake's clock 21 days on; it answers the new time.
func (c *control) advance(r *http.Request) (any, error) {
	var in advanceJSON
	if err := decode(r, &in); err != nil {
		return nil, err
	}
	if math.IsNaN(in.Seconds) || in.Seconds <= 0 || in.Seconds > maxAdvance.Seconds() {
		return nil, badRequest("seconds must be positive and at most %.0f", maxAdvance.Seconds())
	}
	c.srv.Advance(time.Duration(in.Seconds * float64(time.Second)))
	return clockJSON{Now: c.srv.Now().UTC()}, nil
}

// faultJSON is graphauthtest.Fault on the wire.
type faultJSON struct {
	Endpoint   string `json:"endpoint"`
	Path       string `json:"path"`
	Times      int    `json:"times"`
	LatencyMs  int    `json:"latencyMs"`
	Status     int    `json:"status"`
	Error      string `json:"error"`
	AADSTS     int    `json:"aadsts"`
	RetryAfter string `json:"retryAfter"`
	Body       string `json:"body"`
	Claims     string `json:"claims"`
}

var endpoints = map[string]graphauthtest.Endpoint{
	"": "", "token": graphauthtest.EndpointToken, "authorize": graphauthtest.EndpointAuthorize,
	"adminconsent": graphauthtest.EndpointAdminConsent, "discovery": graphauthtest.EndpointDiscovery,
	"graph": graphauthtest.EndpointGraph, "userinfo": graphauthtest.EndpointUserInfo,
	"managedidentity": graphauthtest.EndpointManagedIdentity,
}

// endpointNames lists the names endpoints knows, for a refusal.
const endpointNames = "token, authorize, adminconsent, discovery, graph, userinfo, managedidentity"

var faultBodies = map[string]graphauthtest.FaultBody{
	"": graphauthtest.BodyError, "error": graphauthtest.BodyError, "malformedJson": graphauthtest.BodyMalformedJSON,
	"truncatedJson": graphauthtest.BodyTruncatedJSON, "html": graphauthtest.BodyHTML, "empty": graphauthtest.BodyEmpty,
}

// maxLatency bounds an injected delay; the fake honours the client's own
// deadline before that.
const maxLatency = 10 * time.Minute

func (f faultJSON) fault() (graphauthtest.Fault, error) {
	ep, ok := endpoints[f.Endpoint]
	if !ok {
		return graphauthtest.Fault{}, badRequest("endpoint %q is not one of "+endpointNames, f.Endpoint)
	}
	body, ok := faultBodies[f.Body]
	if !ok {
		return graphauthtest.Fault{}, badRequest("body %q is not one of error, malformedJson, truncatedJson, html, empty", f.Body)
	}
	latency := time.Duration(f.LatencyMs) * time.Millisecond
	switch {
	case f.Status != 0 && (f.Status < 100 || f.Status > 599):
		return graphauthtest.Fault{}, badRequest("status %d is not an HTTP status", f.Status)
	case f.LatencyMs < 0 || latency > maxLatency:
		return graphauthtest.Fault{}, badRequest("latencyMs must be between 0 and %d", maxLatency.Milliseconds())
	case f.AADSTS < 0:
		return graphauthtest.Fault{}, badRequest("aadsts must not be negative")
	case strings.ContainsAny(f.RetryAfter+f.Error, "\r\n"):
		return graphauthtest.Fault{}, badRequest("retryAfter and error are single lines")
	}
	return graphauthtest.Fault{Endpoint: ep, Path: f.Path, Times: f.Times, Latency: latency, Status: f.Status,
		Error: f.Error, AADSTS: f.AADSTS, RetryAfter: f.RetryAfter, Body: body, Claims: f.Claims}, nil
}

func (c *control) injectFault(r *http.Request) (any, error) {
	var in faultJSON
	if err := decode(r, &in); err != nil {
		return nil, err
	}
	f, err := in.fault()
	if err != nil {
		return nil, err
	}
	c.srv.InjectFault(f)
	return nil, nil
}

func (c *control) clearFaults(*http.Request) (any, error) {
	c.srv.ClearFaults()
	return nil, nil
}

// throttleJSON is graphauthtest.Throttle on the wire.
type throttleJSON struct {
	TenantID          string `json:"tenantId"`
	ClientID          string `json:"clientId"`
	Path              string `json:"path"`
	Scope             string `json:"scope"`
	Limit             int    `json:"limit"`
	WindowSeconds     int    `json:"windowSeconds"`
	RetryAfterSeconds int    `json:"retryAfterSeconds"`
}

var throttleScopes = map[string]graphauthtest.ThrottleScope{
	"": graphauthtest.ScopeAppTenant, "appTenant": graphauthtest.ScopeAppTenant, "app": graphauthtest.ScopeApp,
	"tenant": graphauthtest.ScopeTenant, "mailbox": graphauthtest.ScopeMailbox,
}

// maxWindow bounds a throttle's window and Retry-After to a day.
const maxWindow = 24 * 60 * 60

func (c *control) throttle(r *http.Request) (any, error) {
	var in throttleJSON
	if err := decode(r, &in); err != nil {
		return nil, err
	}
	scope, ok := throttleScopes[in.Scope]
	if !ok {
		return nil, badRequest("scope %q is not one of appTenant, app, tenant, mailbox", in.Scope)
	}
	if in.Limit < 0 || in.WindowSeconds < 0 || in.WindowSeconds > maxWindow || in.RetryAfterSeconds < 0 || in.RetryAfterSeconds > maxWindow {
		return nil, badRequest("limit, windowSeconds and retryAfterSeconds must not be negative; windows are at most %d seconds", maxWindow)
	}
	c.srv.Throttle(graphauthtest.Throttle{TenantID: in.TenantID, ClientID: in.ClientID, Path: in.Path, Scope: scope,
		Limit: in.Limit, Window: time.Duration(in.WindowSeconds) * time.Second,
		RetryAfter: time.Duration(in.RetryAfterSeconds) * time.Second})
	return nil, nil
}

func (c *control) clearThrottles(*http.Request) (any, error) {
	c.srv.ClearThrottles()
	return nil, nil
}

// requestJSON is one entry of the request log. The log holds no secrets: no
// bodies, query strings, headers or tokens, only what identifies a request.
type requestJSON struct {
	Time       time.Time `json:"time"`
	Method     string    `json:"method"`
	Path       string    `json:"path"`
	Endpoint   string    `json:"endpoint"`
	Tenant     string    `json:"tenant,omitempty"`
	GrantType  string    `json:"grantType,omitempty"`
	ClientID   string    `json:"clientId,omitempty"`
	Status     int       `json:"status"`
	Error      string    `json:"error,omitempty"`
	AADSTS     int       `json:"aadsts,omitempty"`
	Faulted    bool      `json:"faulted,omitempty"`
	Claims     bool      `json:"claims,omitempty"`
	Throttled  bool      `json:"throttled,omitempty"`
	EarlyRetry bool      `json:"earlyRetry,omitempty"`
}

// requests is GET /control/requests, filtered by the query parameters
// endpoint, grantType and clientId when given.
func (c *control) requests(r *http.Request) (any, error) {
	q := r.URL.Query()
	if _, ok := endpoints[q.Get("endpoint")]; !ok && q.Get("endpoint") != string(graphauthtest.EndpointOther) {
		return nil, badRequest("endpoint %q is not one of "+endpointNames+", other", q.Get("endpoint"))
	}
	out := []requestJSON{}
	for _, rq := range c.srv.Requests() {
		if (q.Get("endpoint") != "" && string(rq.Endpoint) != q.Get("endpoint")) ||
			(q.Get("grantType") != "" && rq.GrantType != q.Get("grantType")) ||
			(q.Get("clientId") != "" && !strings.EqualFold(rq.ClientID, q.Get("clientId"))) {
			continue
		}
		out = append(out, requestJSON{Time: rq.Time.UTC(), Method: rq.Method, Path: rq.Path, Endpoint: string(rq.Endpoint),
			Tenant: rq.Tenant, GrantType: rq.GrantType, ClientID: rq.ClientID, Status: rq.Status, Error: rq.Error,
			AADSTS: rq.AADSTS, Faulted: rq.Faulted, Claims: rq.Claims, Throttled: rq.Throttled, EarlyRetry: rq.EarlyRetry})
	}
	return out, nil
}

func (c *control) resetRequests(*http.Request) (any, error) {
	c.srv.ResetLog()
	return nil, nil
}
