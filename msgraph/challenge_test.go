package msgraph_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/entrakit/entrakit/graphauth"
	"github.com/entrakit/entrakit/graphauth/graphauthtest"
	"github.com/entrakit/entrakit/msgraph"
)

// An advanced query written as Graph's documentation writes it ($count=true,
// $search, /$count) is sent with ConsistencyLevel: eventual, which Graph
// needs for them on directory objects: without it /users/$count is 400
// Request_UnsupportedQuery, $search is refused and $count=true is ignored,
// and Do, Get, Pages and All had no way to send the header.
func TestAnAdvancedQueryIsSentWithConsistencyLevelEventual(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	for i := range 3 {
		srv.AddUser(srv.TenantID, graphauthtest.User{UPN: fmt.Sprintf("adv%d@contoso.onmicrosoft.com", i), DisplayName: fmt.Sprintf("Advanced %d", i)})
	}
	c := onFake(t, srv, nil, "User.Read.All")
	ctx := context.Background()

	var n int
	require.NoError(t, c.Get(ctx, "/users/$count", &n))
	assert.GreaterOrEqual(t, n, 3)

	var counted *int64
	for page, err := range c.Pages(ctx, "/users?$count=true&$top=2&$select=id") {
		require.NoError(t, err)
		if counted == nil {
			counted = page.Count
		}
	}
	require.NotNil(t, counted, "@odata.count comes back")
	assert.EqualValues(t, n, *counted)

	var found []user
	for u, err := range msgraph.All[user](ctx, c, `/users?$search="displayName:Advanced"&$select=id,displayName,userPrincipalName`) {
		require.NoError(t, err)
		found = append(found, u)
	}
	assert.Len(t, found, 3)
}

// sequence answers a scripted status per request and records what came.
type sequence struct {
	mu      sync.Mutex
	answers []func(http.ResponseWriter)
	auth    []string
	bodies  []string
	headers []http.Header
}

func (s *sequence) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	i := len(s.auth)
	s.auth = append(s.auth, r.Header.Get("Authorization"))
	s.bodies = append(s.bodies, string(b))
	s.headers = append(s.headers, r.Header.Clone())
	answer := s.answers[min(i, len(s.answers)-1)]
	s.mu.Unlock()
	answer(w)
}

func graphJSON(status int, body string) func(http.ResponseWriter) {
	return func(w http.ResponseWriter) {
		w.Header().Set("Content-Type", "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8")
		w.Header().Set("request-id", "4a1d8f2e-0b6c-4f7e-9c2d-5e3b1a7c9d10")
		w.WriteHeader(status)
		fmt.Fprint(w, body)
	}
}

// caeChallenge is a 401 as Graph sends it to a client that declared it can
// take claims challenges: WWW-Authenticate with insufficient_claims.
func caeChallenge(claims string) func(http.ResponseWriter) {
	return func(w http.ResponseWriter) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000", error="insufficient_claims", claims="`+base64.StdEncoding.EncodeToString([]byte(claims))+`"`)
		graphJSON(401, `{"error":{"code":"InvalidAuthenticationToken","message":"Continuous access evaluation resulted in challenge with result: InteractionRequired and code: TokenIssuedBeforeRevocationTimestamp","innerError":{"date":"2026-11-24T09:00:00","request-id":"4a1d8f2e-0b6c-4f7e-9c2d-5e3b1a7c9d10","client-request-id":"4a1d8f2e-0b6c-4f7e-9c2d-5e3b1a7c9d10"}}}`)(w)
	}
}

// recordingCred hands out a token per request, naming what was asked.
type recordingCred struct {
	mu      sync.Mutex
	asked   []graphauth.TokenRequest
	expires time.Time
}

func (r *recordingCred) Token(_ context.Context, req graphauth.TokenRequest) (graphauth.Token, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.asked = append(r.asked, req)
	end := r.expires
	if req.Fresh || req.Claims != "" || end.IsZero() {
		end = time.Now().Add(time.Hour)
	}
	return graphauth.Token{AccessToken: fmt.Sprintf("token-%d", len(r.asked)), ExpiresOn: end}, nil
}

func onStub(t *testing.T, h http.Handler, cred graphauth.TokenCredential) *msgraph.Client {
	t.Helper()
	api := httptest.NewTLSServer(h)
	t.Cleanup(api.Close)
	c, err := msgraph.NewClient(cred, &msgraph.Options{Endpoint: api.URL, HTTPClient: api.Client(),
		Retry: graphauth.RetryOptions{MinWait: time.Millisecond, MaxWait: 2 * time.Millisecond}})
	require.NoError(t, err)
	return c
}

// A claims challenge is answered with a token for the claims and the
// request once more, body and all, as graphauth.Transport answers it; the
// kit's own client returned the 401 to its caller.
func TestAClaimsChallengeIsAnsweredWithATokenForTheClaims(t *testing.T) {
	t.Parallel()
	const claims = `{"access_token":{"nbf":{"essential":true,"value":"1764000000"}}}`
	seq := &sequence{answers: []func(http.ResponseWriter){caeChallenge(claims), graphJSON(201, `{"id":"g-1","displayName":"Sales"}`)}}
	cred := &recordingCred{}
	c := onStub(t, seq, cred)
	var out struct{ ID string }
	require.NoError(t, c.Do(context.Background(), "POST", "/groups", map[string]string{"displayName": "Sales"}, &out))
	assert.Equal(t, "g-1", out.ID)
	require.Len(t, cred.asked, 2)
	assert.Empty(t, cred.asked[0].Claims)
	assert.JSONEq(t, claims, cred.asked[1].Claims, "the second token is asked for the challenge's claims")
	assert.Equal(t, []string{"Bearer token-1", "Bearer token-2"}, seq.auth)
	assert.Equal(t, seq.bodies[0], seq.bodies[1], "the body is sent again")

	// A second challenge is the caller's to act on: no loop.
	seq2 := &sequence{answers: []func(http.ResponseWriter){caeChallenge(claims)}}
	c2 := onStub(t, seq2, &recordingCred{})
	err := c2.Get(context.Background(), "/me", nil)
	var ge *msgraph.GraphError
	require.ErrorAs(t, err, &ge)
	assert.Equal(t, 401, ge.StatusCode)
	assert.Equal(t, "InvalidAuthenticationToken", ge.Code)
	assert.Len(t, seq2.auth, 2, "one retry, then the 401")
	assert.JSONEq(t, claims, ge.Claims, "the challenge is the caller's to answer")
	assert.NotContains(t, ge.Error(), "essential", "and stays out of the message")
}

// A token whose end had passed by the wall clock when Graph refused it
// (served from a cache after the machine slept) is replaced by a fresh one.
func TestA401ForATokenPastItsEndGetsAFreshToken(t *testing.T) {
	t.Parallel()
	expired := graphJSON(401, `{"error":{"code":"InvalidAuthenticationToken","message":"Lifetime validation failed, the token is expired.","innerError":{"date":"2026-11-24T09:00:00","request-id":"r","client-request-id":"r"}}}`)
	seq := &sequence{answers: []func(http.ResponseWriter){expired, graphJSON(200, `{"value":[]}`)}}
	cred := &recordingCred{expires: time.Now().Add(-time.Minute)}
	c := onStub(t, seq, cred)
	require.NoError(t, c.Get(context.Background(), "/users", nil))
	require.Len(t, cred.asked, 2)
	assert.True(t, cred.asked[1].Fresh)

	// A 401 for a token still within its lifetime is the caller's.
	seq2 := &sequence{answers: []func(http.ResponseWriter){expired}}
	cred2 := &recordingCred{}
	err := onStub(t, seq2, cred2).Get(context.Background(), "/users", nil)
	var ge *msgraph.GraphError
	require.ErrorAs(t, err, &ge)
	assert.Equal(t, 401, ge.StatusCode)
	assert.Len(t, cred2.asked, 1)
}

// A request that already says how consistent it wants its answer keeps
// its own header.
func TestAConsistencyLevelTheCallerSetIsKept(t *testing.T) {
	t.Parallel()
	seq := &sequence{answers: []func(http.ResponseWriter){graphJSON(200, `{"value":[]}`)}}
	c := onStub(t, seq, &recordingCred{})
	target, err := c.URL("/users?$count=true")
	require.NoError(t, err)
	req, err := http.NewRequest("GET", target, nil)
	require.NoError(t, err)
	req.Header.Set("ConsistencyLevel", "session")
	resp, err := c.Send(context.Background(), req)
	require.NoError(t, err)
	resp.Body.Close()
	require.NoError(t, c.Get(context.Background(), "/users?$top=1", nil))
	assert.Equal(t, "session", seq.headers[0].Get("ConsistencyLevel"))
	assert.Empty(t, seq.headers[1].Get("ConsistencyLevel"), "a plain query goes without it")
}

// Graph needs ConsistencyLevel: eventual on every page of an advanced
// query; a nextLink that carries only its $skiptoken must still get it.
func TestEveryPageOfAnAdvancedQueryIsSentEventual(t *testing.T) {
	t.Parallel()
	var api *httptest.Server
	var mu sync.Mutex
	var levels []string
	api = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		levels = append(levels, r.Header.Get("ConsistencyLevel"))
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Query().Get("$skiptoken") == "" {
			fmt.Fprintf(w, `{"@odata.count":2,"value":[{"id":"1"}],"@odata.nextLink":%q}`, api.URL+"/v1.0/users?$skiptoken=RFNwdAIAAQAAACA6")
			return
		}
		fmt.Fprint(w, `{"value":[{"id":"2"}]}`)
	}))
	defer api.Close()
	c, err := msgraph.NewClient(&recordingCred{}, &msgraph.Options{Endpoint: api.URL, HTTPClient: api.Client()})
	require.NoError(t, err)
	var ids []string
	for u, err := range msgraph.All[user](context.Background(), c, "/users?$filter=endswith(mail,'@contoso.com')&$count=true") {
		require.NoError(t, err)
		ids = append(ids, u.ID)
	}
	assert.Equal(t, []string{"1", "2"}, ids)
	assert.Equal(t, []string{"eventual", "eventual"}, levels)
}

// Against the fake platform: a claims challenge from Graph is answered
// through the token endpoint with the claims, and the call goes through.
func TestAClaimsChallengeFromTheFakeIsAnswered(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	c := onFake(t, srv, nil, "User.Read.All")
	srv.InjectFault(graphauthtest.Fault{Endpoint: graphauthtest.EndpointGraph, Path: "/users", Status: 401,
		Claims: `{"access_token":{"nbf":{"essential":true,"value":"1764000000"}}}`})
	require.NoError(t, c.Get(context.Background(), "/users?$top=1", nil))
	withClaims := 0
	for _, rec := range srv.Requests() {
		if rec.Claims {
			withClaims++
		}
	}
	assert.Equal(t, 1, withClaims, "one token request carried the challenge's claims")
}

// noFreshCred is a signed-in user's credential as graphauth.UserCredential
// is: it serves tokens, and refuses TokenRequest.Fresh with a ConfigError.
type noFreshCred struct{ expires time.Time }

func (n noFreshCred) Token(_ context.Context, req graphauth.TokenRequest) (graphauth.Token, error) {
	if req.Fresh {
		return graphauth.Token{}, &graphauth.ConfigError{Field: "Fresh", Reason: "is not offered for a signed-in user's tokens"}
	}
	return graphauth.Token{AccessToken: "user-token", ExpiresOn: n.expires}, nil
}

// A 401 for a signed-in user's token past its end is Graph's 401: the
// credential refuses the fresh token Send asked for, and the caller got a
// ConfigError about Fresh, an option it never set, instead.
func TestA401StandsWhenTheCredentialOffersNoFreshToken(t *testing.T) {
	t.Parallel()
	expired := graphJSON(401, `{"error":{"code":"InvalidAuthenticationToken","message":"Lifetime validation failed, the token is expired.","innerError":{"date":"2026-11-24T09:00:00","request-id":"r","client-request-id":"r"}}}`)
	seq := &sequence{answers: []func(http.ResponseWriter){expired}}
	err := onStub(t, seq, noFreshCred{expires: time.Now().Add(-time.Minute)}).Get(context.Background(), "/me", nil)
	var ge *msgraph.GraphError
	require.ErrorAs(t, err, &ge)
	assert.Equal(t, 401, ge.StatusCode)
	assert.Equal(t, "InvalidAuthenticationToken", ge.Code)
	assert.Len(t, seq.auth, 1)
}

// Claims that are not JSON are no challenge to answer: the 401 is the
// caller's, and nothing of them goes to the token endpoint.
func TestClaimsThatAreNotJSONAreNotRelayed(t *testing.T) {
	t.Parallel()
	seq := &sequence{answers: []func(http.ResponseWriter){caeChallenge(`{"access_token":` + strings.Repeat("[", 100))}}
	cred := &recordingCred{}
	err := onStub(t, seq, cred).Get(context.Background(), "/me", nil)
	var ge *msgraph.GraphError
	require.ErrorAs(t, err, &ge)
	assert.Equal(t, 401, ge.StatusCode)
	assert.Empty(t, ge.Claims)
	require.Len(t, cred.asked, 1)
	assert.Empty(t, cred.asked[0].Claims)
}

// A claims challenge from the host a redirect led to (a report's download
// URL, say) is not Graph's: it is not answered. The client asked its
// credential for a token with whatever claims that host chose, sent it to
// the token endpoint, and sent the request to Graph once more.
func TestAChallengeFromAnotherHostIsNotAnswered(t *testing.T) {
	t.Parallel()
	foreign := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		caeChallenge(`{"access_token":{"acrs":{"essential":true,"value":"c1"}}}`)(w)
	}))
	defer foreign.Close()
	var graphCalls atomic.Int32
	api := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		graphCalls.Add(1)
		http.Redirect(w, r, foreign.URL+"/report.csv", http.StatusFound)
	}))
	defer api.Close()
	cred := &recordingCred{}
	c, err := msgraph.NewClient(cred, &msgraph.Options{Endpoint: api.URL, HTTPClient: api.Client()})
	require.NoError(t, err)
	err = c.Get(context.Background(), "/reports/getOffice365ActiveUserDetail(period='D7')", nil)
	var ge *msgraph.GraphError
	require.ErrorAs(t, err, &ge)
	assert.Equal(t, 401, ge.StatusCode)
	require.Len(t, cred.asked, 1, "no token asked for the other host's claims")
	assert.Empty(t, cred.asked[0].Claims)
	assert.EqualValues(t, 1, graphCalls.Load())
	assert.Empty(t, ge.Claims, "nor handed to the caller to answer")
}

// Send leaves the caller's request as it was: it wrote the bearer token
// into the caller's header map, where a dump or log of the request showed
// it, and two Sends of one request raced on that map.
func TestSendLeavesTheCallersRequestAlone(t *testing.T) {
	t.Parallel()
	seq := &sequence{answers: []func(http.ResponseWriter){graphJSON(200, `{"value":[]}`)}}
	c := onStub(t, seq, &recordingCred{})
	target, err := c.URL("/users/$count")
	require.NoError(t, err)
	req, err := http.NewRequest("GET", target, nil)
	require.NoError(t, err)
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := c.Send(context.Background(), req)
			if assert.NoError(t, err) {
				resp.Body.Close()
			}
		}()
	}
	wg.Wait()
	assert.Empty(t, req.Header, "no token, Accept or ConsistencyLevel in the caller's request")
	assert.Equal(t, "eventual", seq.headers[0].Get("ConsistencyLevel"), "though they went to Graph")
	assert.NotEmpty(t, seq.headers[0].Get("Authorization"))
}
