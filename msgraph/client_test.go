package msgraph_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/entrakit/entrakit/graphauth"
	"github.com/entrakit/entrakit/graphauth/graphauthtest"
	"github.com/entrakit/entrakit/msgraph"
)

// onFake returns a client of the fake's Graph for its default app, holding
// roles and no others.
func onFake(t *testing.T, srv *graphauthtest.Server, opts *msgraph.Options, roles ...string) *msgraph.Client {
	t.Helper()
	srv.RevokeAppRoles(srv.TenantID, srv.ClientID, "User.Read.All", "Group.Read.All", "Organization.Read.All")
	if len(roles) > 0 {
		srv.GrantAppRoles(srv.TenantID, srv.ClientID, roles...)
	}
	cred, err := graphauth.NewClientSecretCredential(srv.TenantID, srv.ClientID, graphauth.Secret(srv.Secret),
		&graphauth.Options{AuthorityHost: srv.URL, HTTPClient: srv.Client()})
	require.NoError(t, err)
	t.Cleanup(func() { _ = cred.Close() })
	o := msgraph.Options{}
	if opts != nil {
		o = *opts
	}
	o.Endpoint, o.HTTPClient = srv.URL, srv.Client()
	o.Retry = graphauth.RetryOptions{MinWait: time.Millisecond, MaxWait: 5 * time.Millisecond}
	c, err := msgraph.NewClient(cred, &o)
	require.NoError(t, err)
	return c
}

type user struct {
	ID                string `json:"id"`
	DisplayName       string `json:"displayName"`
	UserPrincipalName string `json:"userPrincipalName"`
}

func TestAllFollowsNextLinksThroughEveryPage(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	for i := range 7 {
		srv.AddUser(srv.TenantID, graphauthtest.User{UPN: fmt.Sprintf("user%d@contoso.onmicrosoft.com", i), DisplayName: fmt.Sprintf("User %d", i)})
	}
	c := onFake(t, srv, nil, "User.Read.All")
	ctx := context.Background()

	pages := 0
	for page, err := range c.Pages(ctx, "/users?$top=2&$select=id,displayName") {
		require.NoError(t, err)
		pages++
		if page.NextLink != "" {
			assert.True(t, strings.HasPrefix(page.NextLink, srv.URL+"/v1.0/users"), "Graph's nextLink is absolute: %s", page.NextLink)
		}
	}
	var names []string
	for u, err := range msgraph.All[user](ctx, c, "/users?$top=2&$select=id,displayName,userPrincipalName") {
		require.NoError(t, err)
		names = append(names, u.UserPrincipalName)
	}
	assert.GreaterOrEqual(t, pages, 4, "7 users or more, 2 a page")
	for i := range 7 {
		assert.Contains(t, names, fmt.Sprintf("user%d@contoso.onmicrosoft.com", i))
	}
}

func TestAForbiddenCallNamesThePermissionsItNeeds(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	c := onFake(t, srv, nil) // no role granted
	err := c.Get(context.Background(), "/groups?$select=id", nil)
	var ge *msgraph.GraphError
	require.ErrorAs(t, err, &ge)
	assert.Equal(t, http.StatusForbidden, ge.StatusCode)
	assert.Equal(t, "Authorization_RequestDenied", ge.Code)
	assert.Equal(t, "Application", ge.Scheme)
	assert.Contains(t, ge.Required, "Group.Read.All")
	assert.Contains(t, ge.Required, "GroupMember.Read.All")
	assert.NotEmpty(t, ge.RequestID)
	assert.Contains(t, err.Error(), "application permissions")
	assert.Equal(t, "GET", ge.Method)
	assert.Equal(t, "/v1.0/groups", ge.Path)
}

func TestNotFoundIsAGraphError(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	c := onFake(t, srv, nil, "User.Read.All")
	err := c.Get(context.Background(), "/users/nobody@contoso.onmicrosoft.com", nil)
	var ge *msgraph.GraphError
	require.ErrorAs(t, err, &ge)
	assert.True(t, ge.NotFound())
	assert.Equal(t, "Request_ResourceNotFound", ge.Code)
}

func TestThrottlingIsWaitedOutAsGraphAsks(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	c := onFake(t, srv, nil, "User.Read.All")
	srv.Throttle(graphauthtest.Throttle{Path: "/users", Limit: 1, Window: time.Minute, RetryAfter: time.Second})
	ctx := context.Background()
	for range 2 {
		require.NoError(t, c.Get(ctx, "/users?$top=1", nil))
	}
	assert.Zero(t, srv.EarlyRetries(), "the client came back only after Retry-After")
}

func TestARetryAfterBeyondTheDeadlineComesBackAtOnce(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	api := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.Header().Set("Retry-After", "3600")
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusTooManyRequests)
		fmt.Fprint(w, `{"error":{"code":"TooManyRequests","message":"Please retry again later.","innerError":{"date":"2026-11-24T09:00:00","request-id":"r-1","client-request-id":"c-1"}}}`)
	}))
	defer api.Close()
	c := stubClient(t, api)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	err := c.Get(ctx, "/users", nil)
	var ge *msgraph.GraphError
	require.ErrorAs(t, err, &ge)
	assert.True(t, ge.Throttled())
	assert.Equal(t, time.Hour, ge.RetryAfter)
	assert.Equal(t, "r-1", ge.RequestID)
	assert.Equal(t, "c-1", ge.ClientRequestID)
	assert.Equal(t, "2026-11-24T09:00:00", ge.Date)
	assert.Equal(t, int32(1), calls.Load(), "a wait past the deadline is not started")
}

// staticToken is a credential for stub servers.
type staticToken struct{}

func (staticToken) Token(context.Context, graphauth.TokenRequest) (graphauth.Token, error) {
	return graphauth.Token{AccessToken: "stub-token", ExpiresOn: time.Now().Add(time.Hour)}, nil
}

func stubClient(t *testing.T, api *httptest.Server) *msgraph.Client {
	t.Helper()
	c, err := msgraph.NewClient(staticToken{}, &msgraph.Options{Endpoint: api.URL, HTTPClient: api.Client(),
		Retry: graphauth.RetryOptions{MinWait: time.Millisecond, MaxWait: 2 * time.Millisecond}})
	require.NoError(t, err)
	return c
}

func TestANextLinkToAnotherHostIsNotFollowed(t *testing.T) {
	t.Parallel()
	var elsewhere atomic.Int32
	other := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		elsewhere.Add(1)
		fmt.Fprint(w, `{"value":[]}`)
	}))
	defer other.Close()
	api := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `{"value":[{"id":"1"}],"@odata.nextLink":%q}`, other.URL+"/v1.0/users?$skiptoken=x")
	}))
	defer api.Close()
	c := stubClient(t, api)
	var got []user
	var last error
	for u, err := range msgraph.All[user](context.Background(), c, "/users") {
		if err != nil {
			last = err
			break
		}
		got = append(got, u)
	}
	assert.Len(t, got, 1, "the page on Graph's host is read")
	require.ErrorIs(t, last, msgraph.ErrForeignLink)
	assert.Zero(t, elsewhere.Load(), "nothing, and no token, is sent to the other host")
	_, err := c.URL(other.URL + "/v1.0/users")
	assert.ErrorIs(t, err, msgraph.ErrForeignLink)
}

func TestARedirectToAnotherHostGetsNoToken(t *testing.T) {
	t.Parallel()
	var leaked, reached atomic.Bool
	other := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reached.Store(true)
		leaked.Store(r.Header.Get("Authorization") != "")
		fmt.Fprint(w, `{"value":[]}`)
	}))
	defer other.Close()
	api := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+"/v1.0/users", http.StatusFound)
	}))
	defer api.Close()
	c, err := msgraph.NewClient(staticToken{}, &msgraph.Options{Endpoint: api.URL, HTTPClient: &http.Client{Transport: bothTrusted(api, other)}})
	require.NoError(t, err)
	require.NoError(t, c.Get(context.Background(), "/reports/getOffice365ActiveUserDetail(period='D7')", nil))
	assert.True(t, reached.Load(), "a download URL elsewhere is followed")
	assert.False(t, leaked.Load(), "without the token")
}

func TestAPlainHTTPRedirectIsRefused(t *testing.T) {
	t.Parallel()
	api := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://downloads.example/report.csv", http.StatusFound)
	}))
	defer api.Close()
	c := stubClient(t, api)
	err := c.Get(context.Background(), "/users", nil)
	require.ErrorIs(t, err, msgraph.ErrForeignLink)
}

// bothTrusted is a transport trusting the test certificates of a and b.
func bothTrusted(a, b *httptest.Server) http.RoundTripper {
	t := a.Client().Transport.(*http.Transport).Clone()
	t.TLSClientConfig.RootCAs.AddCert(b.Certificate())
	return t
}

func TestALoopingNextLinkEnds(t *testing.T) {
	t.Parallel()
	var api *httptest.Server
	api = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `{"value":[{"id":"1"}],"@odata.nextLink":%q}`, api.URL+"/v1.0/users?$skiptoken=same")
	}))
	defer api.Close()
	c := stubClient(t, api)
	var last error
	n := 0
	for _, err := range c.Pages(context.Background(), "/users") {
		if err != nil {
			last = err
			break
		}
		n++
	}
	assert.Equal(t, 2, n)
	require.Error(t, last)
	assert.Contains(t, last.Error(), "does not end")
}

func TestBadInputIsAClearError(t *testing.T) {
	t.Parallel()
	_, err := msgraph.NewClient(nil, nil)
	assert.Error(t, err)
	for _, endpoint := range []string{"http://graph.microsoft.com", "graph.microsoft.com", "https://graph.microsoft.com/v2", "https://u:p@graph.microsoft.com", "https://graph.microsoft.com?x=1"} {
		_, err := msgraph.NewClient(staticToken{}, &msgraph.Options{Endpoint: endpoint})
		assert.Error(t, err, endpoint)
	}
	_, err = msgraph.NewClient(staticToken{}, &msgraph.Options{Version: "v2"})
	assert.Error(t, err)
	c, err := msgraph.NewClient(staticToken{}, nil)
	require.NoError(t, err)
	assert.Equal(t, "https://graph.microsoft.com", c.Endpoint())
	_, err = c.URL("users")
	assert.Error(t, err)
	u, err := c.URL("/beta/users")
	require.NoError(t, err)
	assert.Equal(t, "https://graph.microsoft.com/beta/users", u)
	beta, err := msgraph.NewClient(staticToken{}, &msgraph.Options{Endpoint: "https://graph.microsoft.com/beta/"})
	require.NoError(t, err)
	u, err = beta.URL("/users")
	require.NoError(t, err)
	assert.Equal(t, "https://graph.microsoft.com/beta/users", u)
	assert.Nil(t, msgraph.ParseGraphError(nil))
}

func TestANonJSONRefusalKeepsNoBody(t *testing.T) {
	t.Parallel()
	api := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusBadGateway)
		fmt.Fprint(w, "<html>gateway said secret-looking things</html>")
	}))
	defer api.Close()
	c := stubClient(t, api)
	err := c.Get(context.Background(), "/users", nil)
	var ge *msgraph.GraphError
	require.ErrorAs(t, err, &ge)
	assert.Equal(t, http.StatusBadGateway, ge.StatusCode)
	assert.NotContains(t, err.Error(), "secret-looking")
	assert.Contains(t, err.Error(), "not Graph's error JSON")
}

func TestConcurrentCallsShareOneClient(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	c := onFake(t, srv, nil, "User.Read.All", "Group.Read.All")
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for i := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			path := "/users?$top=1"
			if i%2 == 1 {
				path = "/groups?$top=1"
			}
			errs <- c.Get(context.Background(), path, nil)
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		assert.NoError(t, err)
	}
}

func TestEachRequestIsASpanWithoutIDsOrTokens(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	u := srv.AddUser(srv.TenantID, graphauthtest.User{UPN: "span.test@contoso.onmicrosoft.com"})
	c := onFake(t, srv, &msgraph.Options{TracerProvider: tp}, "User.Read.All")
	require.NoError(t, c.Get(context.Background(), "/users/"+u.ID+"?$select=id", nil))
	require.Error(t, c.Get(context.Background(), "/groups", nil))
	spans := rec.Ended()
	require.Len(t, spans, 2)
	assert.Equal(t, "GET /users/{id}", spans[0].Name())
	assert.Equal(t, "GET /groups", spans[1].Name())
	for _, s := range spans {
		for _, a := range s.Attributes() {
			v := a.Value.String()
			assert.NotContains(t, v, u.ID, "no ID in %s", a.Key)
			assert.NotContains(t, v, "eyJ", "no token in %s", a.Key)
		}
	}
	assert.Contains(t, fmt.Sprint(spans[1].Attributes()), "403")
}

func TestAnItemOfTheWrongShapeStopsAll(t *testing.T) {
	t.Parallel()
	api := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"value":[{"id":"1"},{"id":2}]}`)
	}))
	defer api.Close()
	c := stubClient(t, api)
	var got int
	var last error
	for _, err := range msgraph.All[user](context.Background(), c, "/users") {
		if err != nil {
			last = err
			break
		}
		got++
	}
	assert.Equal(t, 1, got)
	var ge *msgraph.GraphError
	require.True(t, errors.As(last, &ge))
	assert.Equal(t, "/v1.0/users", ge.Path, "the error names the collection")
}

func TestAV1ResourceTokenServesGraphToo(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	c := onFake(t, srv, &msgraph.Options{Resource: "https://graph.microsoft.com"}, "User.Read.All")
	var page msgraph.Page
	require.NoError(t, c.Get(context.Background(), "/users?$top=1", &page))
	assert.Len(t, page.Value, 1)
	v1 := 0
	for _, r := range srv.Requests() {
		if strings.HasSuffix(r.Path, "/oauth2/token") {
			v1++
		}
	}
	assert.Equal(t, 1, v1, "the token came from the v1 endpoint")
	_, err := msgraph.NewClient(staticToken{}, &msgraph.Options{Resource: "https://graph.microsoft.com", Scopes: []string{"x"}})
	assert.Error(t, err)
}
