package graphauthtest_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/entrakit/entrakit/graphauth/graphauthtest"
)

// reply is a Graph answer: status, headers, raw body and the body as JSON
// when it is JSON.
type reply struct {
	Status int
	Header http.Header
	Raw    string
	Body   map[string]any
}

func (r reply) code() string {
	e, _ := r.Body["error"].(map[string]any)
	c, _ := e["code"].(string)
	return c
}

func (r reply) message() string {
	e, _ := r.Body["error"].(map[string]any)
	m, _ := e["message"].(string)
	return m
}

// values returns the "value" array of a collection answer.
func (r reply) values() []map[string]any {
	list, _ := r.Body["value"].([]any)
	out := make([]map[string]any, 0, len(list))
	for _, v := range list {
		out = append(out, v.(map[string]any))
	}
	return out
}

// names lists a property of each item of a collection answer.
func (r reply) names(prop string) []string {
	var out []string
	for _, v := range r.values() {
		s, _ := v[prop].(string)
		out = append(out, s)
	}
	return out
}

// graphDo sends a Graph request with a bearer token, a JSON body (unless
// nil) and extra headers given as "Name: value".
func graphDo(t *testing.T, srv *graphauthtest.Server, token, method, path string, body any, headers ...string) reply {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		require.NoError(t, err)
		rd = bytes.NewReader(b)
	}
	if !strings.HasPrefix(path, "http") {
		path = srv.URL + path
	}
	req, err := http.NewRequest(method, path, rd)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for _, h := range headers {
		k, v, _ := strings.Cut(h, ":")
		req.Header.Set(k, strings.TrimSpace(v))
	}
	resp, err := srv.Client().Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	out := reply{Status: resp.StatusCode, Header: resp.Header, Raw: string(raw)}
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") && len(raw) > 0 {
		require.NoError(t, json.Unmarshal(raw, &out.Body), string(raw))
	}
	return out
}

// get is graphDo for a GET, with the path's query given raw (spaces are
// encoded here, as clients do).
func get(t *testing.T, srv *graphauthtest.Server, token, path string, headers ...string) reply {
	t.Helper()
	return graphDo(t, srv, token, "GET", encodeQuery(path), nil, headers...)
}

// encodeQuery percent-encodes the query part of a path written for
// readability, such as /users?$filter=startswith(displayName,'A').
func encodeQuery(path string) string {
	p, q, ok := strings.Cut(path, "?")
	if !ok || strings.HasPrefix(path, "http") {
		return path
	}
	var parts []string
	for _, kv := range strings.Split(q, "&") {
		k, v, _ := strings.Cut(kv, "=")
		parts = append(parts, url.QueryEscape(k)+"="+url.QueryEscape(v))
	}
	return p + "?" + strings.Join(parts, "&")
}

// tokenWithRoles grants the default app roles in its tenant and returns an
// app-only token carrying them.
func tokenWithRoles(t *testing.T, srv *graphauthtest.Server, roles ...string) string {
	t.Helper()
	if len(roles) > 0 {
		srv.GrantAppRoles(srv.TenantID, srv.ClientID, roles...)
	}
	return appToken(t, srv)
}

// userToken signs upn in to the default app with the delegated scopes
// granted, and returns the access token.
func userToken(t *testing.T, srv *graphauthtest.Server, upn string, scopes ...string) string {
	t.Helper()
	srv.GrantScopes(srv.TenantID, srv.ClientID, upn, scopes...)
	p := authorizeParams(srv, "openid "+strings.Join(scopes, " "))
	p.Set("login_hint", upn)
	q, resp, page := authorize(t, srv, "/"+srv.TenantID+"/oauth2/v2.0/authorize", p)
	require.NotNil(t, q, "status %d: %s", resp.StatusCode, page)
	form := codeForm(srv, q.Get("code"))
	form.Set("scope", "openid "+strings.Join(scopes, " "))
	r := postForm(t, srv, "/"+srv.TenantID+"/oauth2/v2.0/token", form)
	require.Equal(t, 200, r.Status, r.ErrorDescription)
	return r.AccessToken
}
