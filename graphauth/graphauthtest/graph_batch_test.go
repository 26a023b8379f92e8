package graphauthtest_test

import (
	"encoding/base64"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/entrakit/entrakit/graphauth/graphauthtest"
)

func batchResponses(t *testing.T, r reply) map[string]map[string]any {
	t.Helper()
	require.Equal(t, 200, r.Status, r.Raw)
	out := map[string]map[string]any{}
	for _, x := range r.Body["responses"].([]any) {
		m := x.(map[string]any)
		out[m["id"].(string)] = m
	}
	return out
}

func TestBatchRunsEachRequest(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	tok := tokenWithRoles(t, srv, "User.ReadWrite.All")
	r := graphDo(t, srv, tok, "POST", "/v1.0/$batch", map[string]any{"requests": []map[string]any{
		{"id": "1", "method": "GET", "url": "/users?$filter=startswith(displayName,'Adele')&$select=displayName"},
		{"id": "2", "method": "GET", "url": "users/$count", "headers": map[string]string{"ConsistencyLevel": "eventual"}},
		{"id": "3", "method": "GET", "url": "/shoes"},
		{"id": "4", "method": "POST", "url": "/users", "headers": map[string]string{"Content-Type": "application/json"},
			"body": map[string]any{"accountEnabled": true, "displayName": "Pradeep Gupta", "mailNickname": "pradeep",
				"userPrincipalName": "pradeep@contoso.onmicrosoft.com", "passwordProfile": map[string]any{"password": "x7!Qa9#pL2"}}},
		{"id": "5", "method": "GET", "url": "/users/pradeep@contoso.onmicrosoft.com?$select=displayName", "dependsOn": []string{"4"}},
		{"id": "6", "method": "GET", "url": "/users/nobody@contoso.onmicrosoft.com"},
		{"id": "7", "method": "GET", "url": "/users/nobody@contoso.onmicrosoft.com/memberOf", "dependsOn": []string{"6"}},
	}})
	got := batchResponses(t, r)
	one := got["1"]["body"].(map[string]any)
	assert.Len(t, one["value"], 1, "$filter is honoured inside a batch")
	assert.EqualValues(t, 200, got["1"]["status"])
	assert.Equal(t, "2", got["2"]["body"], "headers reach the request: ConsistencyLevel allows /$count")
	assert.EqualValues(t, 400, got["3"]["status"], "an unknown route fails alone")
	assert.EqualValues(t, 201, got["4"]["status"])
	assert.EqualValues(t, 200, got["5"]["status"], "dependsOn runs after the create")
	assert.Equal(t, "Pradeep Gupta", got["5"]["body"].(map[string]any)["displayName"])
	assert.EqualValues(t, 404, got["6"]["status"])
	assert.EqualValues(t, 424, got["7"]["status"], "a request whose dependency failed gets 424 Failed Dependency")
}

func TestBatchItemGetsItsOwnThrottling(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	tok := appToken(t, srv)
	srv.Throttle(graphauthtest.Throttle{Path: "/users", Limit: 2, RetryAfter: 7 * time.Second})
	var reqs []map[string]any
	for i := range 3 {
		reqs = append(reqs, map[string]any{"id": strconv.Itoa(i + 1), "method": "GET", "url": "/users?$select=id"})
	}
	reqs = append(reqs, map[string]any{"id": "groups", "method": "GET", "url": "/groups"})
	got := batchResponses(t, graphDo(t, srv, tok, "POST", "/v1.0/$batch", map[string]any{"requests": reqs}))
	assert.EqualValues(t, 200, got["1"]["status"])
	assert.EqualValues(t, 200, got["2"]["status"])
	assert.EqualValues(t, 429, got["3"]["status"], "the batch is 200; the item over the limit is 429")
	assert.Equal(t, "7", got["3"]["headers"].(map[string]any)["Retry-After"], "with its own Retry-After")
	assert.EqualValues(t, 200, got["groups"]["status"])

	srv.Advance(7 * time.Second)
	retry := batchResponses(t, graphDo(t, srv, tok, "POST", "/v1.0/$batch", map[string]any{"requests": []map[string]any{reqs[2]}}))
	assert.EqualValues(t, 200, retry["3"]["status"], "retried after Retry-After, the item is served")
	assert.Zero(t, srv.EarlyRetries())
}

func TestMalformedBatchesAreRefused(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	tok := appToken(t, srv)
	item := func(id string) map[string]any { return map[string]any{"id": id, "method": "GET", "url": "/users"} }
	var tooMany []map[string]any
	for i := range 21 {
		tooMany = append(tooMany, item(strconv.Itoa(i)))
	}
	for _, tc := range []struct {
		name string
		body any
	}{
		{"more than 20 requests", map[string]any{"requests": tooMany}},
		{"no requests property", map[string]any{"calls": []any{item("1")}}},
		{"an empty batch", map[string]any{"requests": []any{}}},
		{"duplicate ids", map[string]any{"requests": []any{item("1"), item("1")}}},
		{"a request without a url", map[string]any{"requests": []any{map[string]any{"id": "1", "method": "GET"}}}},
		{"a body without Content-Type", map[string]any{"requests": []any{map[string]any{"id": "1", "method": "POST", "url": "/groups", "body": map[string]any{}}}}},
		{"dependsOn an unknown request", map[string]any{"requests": []any{map[string]any{"id": "1", "method": "GET", "url": "/users", "dependsOn": []string{"9"}}}}},
		{"not JSON", "requests"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := graphDo(t, srv, tok, "POST", "/v1.0/$batch", tc.body)
			assert.Equal(t, 400, r.Status, r.Raw)
			assert.Equal(t, "BadRequest", r.code())
		})
	}
	twenty := batchResponses(t, graphDo(t, srv, tok, "POST", "/v1.0/$batch", map[string]any{"requests": tooMany[:20]}))
	assert.Len(t, twenty, 20, "20 requests is the limit, inclusive")
	nested := batchResponses(t, graphDo(t, srv, tok, "POST", "/v1.0/$batch", map[string]any{"requests": []any{
		map[string]any{"id": "1", "method": "POST", "url": "/$batch", "headers": map[string]string{"Content-Type": "application/json"}, "body": map[string]any{"requests": []any{}}},
	}}))
	assert.EqualValues(t, 400, nested["1"]["status"], "a batch inside a batch")
}

// TestBatchRefusedItemNamesARequestID: an item refused before it reaches a
// route (an absolute url) used to answer an empty innerError
// client-request-id; Graph fills it with the request-id when none was sent.
func TestBatchRefusedItemNamesARequestID(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	tok := appToken(t, srv)
	got := batchResponses(t, graphDo(t, srv, tok, "POST", "/v1.0/$batch", map[string]any{"requests": []any{
		map[string]any{"id": "1", "method": "GET", "url": "https://graph.microsoft.com/v1.0/users"},
	}}))
	require.EqualValues(t, 400, got["1"]["status"])
	inner := got["1"]["body"].(map[string]any)["error"].(map[string]any)["innerError"].(map[string]any)
	assert.NotEmpty(t, inner["request-id"])
	assert.Equal(t, inner["request-id"], inner["client-request-id"])
}

// TestBatchAnswersOutOfOrderWithEachBodyInItsForm: Graph documents that a
// batch's answers may come in another order than its requests, to be
// matched by id, and carries each body in OData's form: JSON as an object,
// text as a string, anything else base64. The fake answered in order and
// copied any body as a string, so a client that paired answers by position
// or that did not decode a binary body passed here and failed on Graph.
func TestBatchAnswersOutOfOrderWithEachBodyInItsForm(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	tok := tokenWithRoles(t, srv, "User.Read.All", "Group.Read.All")
	srv.InjectFault(graphauthtest.Fault{Endpoint: graphauthtest.EndpointGraph, Path: "/groups", Status: 503, Body: graphauthtest.BodyHTML})
	srv.InjectFault(graphauthtest.Fault{Endpoint: graphauthtest.EndpointGraph, Path: "/domains", Status: 500, Body: graphauthtest.BodyMalformedJSON})
	r := graphDo(t, srv, tok, "POST", "/v1.0/$batch", map[string]any{"requests": []map[string]any{
		{"id": "users", "method": "GET", "url": "/users?$select=id"},
		{"id": "count", "method": "GET", "url": "/users/$count", "headers": map[string]string{"ConsistencyLevel": "eventual"}},
		{"id": "groups", "method": "GET", "url": "/groups"},
		{"id": "domains", "method": "GET", "url": "/domains"},
	}})
	require.Equal(t, 200, r.Status, r.Raw)
	var order []string
	for _, x := range r.Body["responses"].([]any) {
		order = append(order, x.(map[string]any)["id"].(string))
	}
	assert.ElementsMatch(t, []string{"users", "count", "groups", "domains"}, order)
	assert.NotEqual(t, []string{"users", "count", "groups", "domains"}, order, "answers are matched by id, not by position")

	got := batchResponses(t, r)
	users := got["users"]
	assert.IsType(t, map[string]any{}, users["body"], "JSON is carried as JSON")
	h := users["headers"].(map[string]any)
	assert.Equal(t, "no-cache", h["Cache-Control"])
	assert.Equal(t, "4.0", h["OData-Version"])
	assert.IsType(t, "", got["count"]["body"], "text is carried as a string")
	assert.Contains(t, got["groups"]["body"], "<html>", "an HTML page is text too")
	assert.EqualValues(t, 503, got["groups"]["status"])
	enc, ok := got["domains"]["body"].(string)
	require.True(t, ok, "a body that is not JSON or text is a base64 string")
	raw, err := base64.StdEncoding.DecodeString(enc)
	require.NoError(t, err)
	assert.NotEmpty(t, raw)
}

// A batch inside a batch is refused however its url spells $batch: the
// fake refused "$batch" but ran "%24batch", a batch of batches each
// multiplying the requests by 20, which Graph refuses.
func TestABatchInABatchIsRefusedHoweverItIsSpelled(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	tok := tokenWithRoles(t, srv, "User.Read.All")
	inner := map[string]any{"requests": []any{map[string]any{"id": "1", "method": "GET", "url": "/users?$top=1"}}}
	for _, u := range []string{"$batch", "%24batch", "%24BATCH"} {
		r := graphCall(t, srv, tok, "POST", "/v1.0/$batch", map[string]any{"requests": []any{map[string]any{"id": "1", "method": "POST", "url": u,
			"body": inner, "headers": map[string]string{"Content-Type": "application/json"}}}})
		require.Equal(t, 200, r.Status, r.Body)
		item := r.Body["responses"].([]any)[0].(map[string]any)
		assert.EqualValues(t, 400, item["status"], u)
	}
}
