package msgraph_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/entrakit/entrakit/msgraph"
)

// graphAnswer is a recorded Graph 403, as Graph writes it.
const graphAnswer = `{"error":{"code":"Authorization_RequestDenied","message":"Insufficient privileges to complete the operation.",` +
	`"innerError":{"date":"2026-11-24T09:12:03","request-id":"5f1a2b3c-0000-4000-8000-000000000001","client-request-id":"5f1a2b3c-0000-4000-8000-000000000002"}}}`

func forbidden(t *testing.T, claims jwt.MapClaims, method, rawURL string) *http.Response {
	t.Helper()
	tok, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString([]byte("test-key-not-a-secret"))
	require.NoError(t, err)
	u, err := url.Parse(rawURL)
	require.NoError(t, err)
	req := &http.Request{Method: method, URL: u, Header: http.Header{"Authorization": {"Bearer " + tok}}}
	return &http.Response{StatusCode: http.StatusForbidden, Request: req, Header: http.Header{"Content-Type": {"application/json"}},
		Body: io.NopCloser(strings.NewReader(graphAnswer))}
}

func TestParseGraphErrorReadsGraphsBody(t *testing.T) {
	t.Parallel()
	ge := msgraph.ParseGraphError(forbidden(t, jwt.MapClaims{"roles": []string{"User.Read.All"}}, "GET", "https://graph.microsoft.com/v1.0/groups/1/members?$select=id"))
	require.NotNil(t, ge)
	assert.Equal(t, 403, ge.StatusCode)
	assert.Equal(t, "Authorization_RequestDenied", ge.Code)
	assert.Equal(t, "Insufficient privileges to complete the operation.", ge.Message)
	assert.Equal(t, "5f1a2b3c-0000-4000-8000-000000000001", ge.RequestID)
	assert.Equal(t, "5f1a2b3c-0000-4000-8000-000000000002", ge.ClientRequestID)
	assert.Equal(t, "2026-11-24T09:12:03", ge.Date)
	assert.Equal(t, "Application", ge.Scheme)
	assert.Equal(t, "GroupMember.Read.All", ge.Required[0], "least privileged first")
	assert.Equal(t, "/v1.0/groups/1/members", ge.Path, "no query")
	assert.NotContains(t, ge.Error(), "eyJ")
}

func TestAForbiddenDelegatedCallNamesDelegatedPermissions(t *testing.T) {
	t.Parallel()
	// Mail.Read: User.Read would allow /me/memberOf, and a 403 with it is
	// about the object (TestA403ForAPermissionTheTokenHasIsAboutTheObject).
	ge := msgraph.ParseGraphError(forbidden(t, jwt.MapClaims{"scp": "Mail.Read"}, "GET", "https://graph.microsoft.com/v1.0/me/memberOf"))
	require.NotNil(t, ge)
	assert.Equal(t, "DelegatedWork", ge.Scheme)
	assert.Contains(t, ge.Required, "GroupMember.Read.All")
	assert.Equal(t, []string{"Mail.Read"}, ge.Granted)
	assert.Contains(t, ge.Error(), "delegated permissions")
}

func TestA503WithRetryAfterIsSentAgain(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	api := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		fmt.Fprint(w, `{"value":[{"id":"1"}]}`)
	}))
	defer api.Close()
	c := stubClient(t, api)
	var page msgraph.Page
	require.NoError(t, c.Get(context.Background(), "/users", &page))
	assert.Len(t, page.Value, 1)
	assert.Equal(t, int32(2), calls.Load())
}

func TestAWriteIsNotRepeatedAfterA5xx(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	api := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.WriteHeader(http.StatusBadGateway)
	}))
	defer api.Close()
	c := stubClient(t, api)
	err := c.Do(context.Background(), http.MethodPost, "/groups", map[string]string{"displayName": "x"}, nil)
	var ge *msgraph.GraphError
	require.ErrorAs(t, err, &ge)
	assert.Equal(t, http.StatusBadGateway, ge.StatusCode)
	assert.Equal(t, int32(1), calls.Load(), "a POST may have been applied")
}

// A Graph message that echoes text with a line separator, a C1 next-line
// or a right-to-left override (say a display name in "Resource '…' does
// not exist") stays on one line that reads as written.
func TestAGraphMessageCannotForgeALogLine(t *testing.T) {
	t.Parallel()
	body := `{"error":{"code":"Request_ResourceNotFound","message":"Resource 'a\u2028level=ERROR b\u0085c \u202egnp.exe' does not exist."}}`
	ge := msgraph.ParseGraphError(&http.Response{StatusCode: 404, Header: http.Header{}, Body: io.NopCloser(strings.NewReader(body))})
	require.NotNil(t, ge)
	for _, r := range []string{"\u2028", "\u0085", "\u202e"} {
		assert.NotContains(t, ge.Error(), r)
	}
	assert.Contains(t, ge.Message, "level=ERROR")
}

// A Retry-After too large to mean anything reads as such, not as
// 2562047h47m16.854775807s.
func TestAnAbsurdRetryAfterReadsAsOverADay(t *testing.T) {
	t.Parallel()
	ge := msgraph.ParseGraphError(&http.Response{StatusCode: 429, Header: http.Header{"Retry-After": {"99999999999999999999"}},
		Body: io.NopCloser(strings.NewReader(`{"error":{"code":"TooManyRequests","message":"Too many requests."}}`))})
	require.NotNil(t, ge)
	assert.True(t, ge.Throttled())
	assert.Contains(t, ge.Error(), "(retry after over a day)")
	ge = msgraph.ParseGraphError(&http.Response{StatusCode: 429, Header: http.Header{"Retry-After": {"30"}}, Body: io.NopCloser(strings.NewReader(`{}`))})
	assert.Contains(t, ge.Error(), "(retry after 30s)")
}
