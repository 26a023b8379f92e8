package msgraph

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/entrakit/entrakit/graphauth"
)

// Send sends req to Graph with a bearer token, after checking that it goes
// to the client's host (or the error wraps ErrForeignLink), with the
// client's retries and spans. It returns Graph's answer whatever its
// status, for the caller to read and close; ParseGraphError reads a
// refusal. Errors are the credential's (*graphauth.AuthError) or a
// *GraphError for a request that got no answer.
//
// An advanced query, one whose URL asks for $count=true, $search or a
// /$count segment, is sent with ConsistencyLevel: eventual unless req sets
// that header itself: Graph refuses or ignores those options on directory
// objects without it.
//
// A 401 with a claims challenge (continuous access evaluation:
// WWW-Authenticate with error="insufficient_claims") is answered as
// graphauth.Transport answers it: a token that satisfies the claims, and
// the request once more; so is a 401 for a token whose ExpiresOn had passed
// by the wall clock, with a fresh token. A request whose body cannot be
// replayed (no GetBody) gets the 401, as does a 401 from another host that
// a redirect led to.
func (c *Client) Send(ctx context.Context, req *http.Request) (*http.Response, error) {
	if req.URL == nil || req.URL.Scheme != c.base.Scheme || hostOf(req.URL) != c.base.Host {
		host := ""
		if req.URL != nil {
			host = req.URL.Host
		}
		return nil, fmt.Errorf("%w: %s, not %s", ErrForeignLink, clip(host, 100), c.base.Host)
	}
	tr := graphauth.TokenRequest{TenantID: c.tenantID, Scopes: c.scopes, Resource: c.resource}
	// A copy with its own headers: the token, and what Send adds, stay
	// out of the caller's request, which it may log or send again.
	req = req.Clone(ctx)
	if req.Header.Get("Accept") == "" {
		req.Header.Set("Accept", "application/json")
	}
	if req.Header.Get("ConsistencyLevel") == "" && advancedQuery(req.URL) {
		req.Header.Set("ConsistencyLevel", "eventual")
	}
	resp, tok, err := c.send(req, tr)
	if err != nil || resp.StatusCode != http.StatusUnauthorized || !c.fromGraph(resp) {
		// A 401 from the host a redirect led to judged no token of
		// Graph's, and its challenge is not Graph's to answer.
		return resp, err
	}
	tr, retry := graphauth.RetryAfter401(resp, tok, tr)
	if !retry || req.Body != nil && req.Body != http.NoBody && req.GetBody == nil {
		return resp, nil
	}
	tok, err = c.cred.Token(ctx, tr)
	if err != nil {
		if tr.Fresh {
			// A credential that offers no fresh token (a signed-in
			// user's) leaves Graph's 401 as the answer, not an error
			// about an option the caller never set.
			return resp, nil
		}
		drain(resp)
		return nil, err
	}
	again := req.Clone(ctx)
	if req.GetBody != nil {
		body, err := req.GetBody()
		if err != nil {
			return resp, nil // the 401 stands
		}
		again.Body = body
	}
	drain(resp)
	resp, err = c.sendWith(again, tok)
	return resp, err
}

// fromGraph reports whether resp came from the client's Graph host, not
// from one a redirect led to.
func (c *Client) fromGraph(resp *http.Response) bool {
	u := resp.Request
	return u == nil || u.URL == nil || u.URL.Scheme == c.base.Scheme && hostOf(u.URL) == c.base.Host
}

// drain reads a little of an answer not used, so that its connection can
// be reused, and closes it.
func drain(resp *http.Response) {
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	resp.Body.Close()
}

// send sends req once with a token for tr, through the retries and spans.
func (c *Client) send(req *http.Request, tr graphauth.TokenRequest) (*http.Response, graphauth.Token, error) {
	tok, err := c.cred.Token(req.Context(), tr)
	if err != nil {
		return nil, tok, err
	}
	resp, err := c.sendWith(req, tok)
	return resp, tok, err
}

// sendWith sends req once with tok, through the retries and spans.
func (c *Client) sendWith(req *http.Request, tok graphauth.Token) (*http.Response, error) {
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, &GraphError{Method: req.Method, Path: clip(req.URL.EscapedPath(), 200), Err: transportCause(err)}
	}
	return resp, nil
}

// advancedQuery reports whether u asks for what Graph serves on directory
// objects only as an advanced query, with ConsistencyLevel: eventual:
// $count=true, $search, or a /$count segment.
func advancedQuery(u *url.URL) bool {
	if strings.HasSuffix(strings.ToLower(u.EscapedPath()), "/$count") || strings.HasSuffix(strings.ToLower(u.EscapedPath()), "/%24count") {
		return true
	}
	for k, v := range u.Query() {
		switch strings.ToLower(k) {
		case "$search":
			return true
		case "$count":
			if len(v) > 0 && strings.EqualFold(v[0], "true") {
				return true
			}
		}
	}
	return false
}
