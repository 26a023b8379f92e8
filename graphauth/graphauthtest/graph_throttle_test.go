package graphauthtest_test

import (
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/entrakit/entrakit/graphauth/graphauthtest"
)

// fetchWithRetry is the loop under test: it calls path until it gets
// something other than 429, at most tries times, calling wait with each
// Retry-After before it retries.
func fetchWithRetry(t *testing.T, srv *graphauthtest.Server, tok, path string, tries int, wait func(time.Duration)) reply {
	t.Helper()
	var r reply
	for range tries {
		r = get(t, srv, tok, path)
		if r.Status != 429 {
			return r
		}
		secs, err := strconv.Atoi(r.Header.Get("Retry-After"))
		require.NoError(t, err, "a 429 carries Retry-After in seconds")
		wait(time.Duration(secs) * time.Second)
	}
	return r
}

func TestAClientThatRetriesEarlyIsThrottledAgain(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	tok := appToken(t, srv)
	srv.Throttle(graphauthtest.Throttle{ClientID: srv.ClientID, Limit: 2, Window: 10 * time.Second, RetryAfter: 30 * time.Second})

	assert.Equal(t, 200, get(t, srv, tok, "/v1.0/users").Status)
	assert.Equal(t, 200, get(t, srv, tok, "/v1.0/groups").Status)
	third := get(t, srv, tok, "/v1.0/users")
	require.Equal(t, 429, third.Status)
	assert.Equal(t, "30", third.Header.Get("Retry-After"))
	assert.Equal(t, "TooManyRequests", third.code())
	assert.Equal(t, "Tenant_Application/ReadWrite/"+srv.ClientID+"/"+srv.TenantID, third.Header.Get("x-ms-throttle-scope"))

	// A hasty client retries at once, and ten seconds later: each retry
	// before Retry-After passes is throttled again, with the time left.
	hasty := fetchWithRetry(t, srv, tok, "/v1.0/users", 3, func(time.Duration) { srv.Advance(10 * time.Second) })
	assert.Equal(t, 429, hasty.Status)
	assert.Equal(t, "10", hasty.Header.Get("Retry-After"), "30 s less the 20 s the client waited")
	assert.Equal(t, 3, srv.EarlyRetries())
}

func TestAClientThatHonoursRetryAfterIsServed(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	tok := appToken(t, srv)
	srv.Throttle(graphauthtest.Throttle{Limit: 1, RetryAfter: 5 * time.Second})
	require.Equal(t, 200, get(t, srv, tok, "/v1.0/users").Status)

	var waited []time.Duration
	patient := fetchWithRetry(t, srv, tok, "/v1.0/users", 3, func(d time.Duration) {
		waited = append(waited, d)
		srv.Advance(d) // the fake's clock, not a sleep
	})
	assert.Equal(t, 200, patient.Status)
	assert.Equal(t, []time.Duration{5 * time.Second}, waited)
	assert.Zero(t, srv.EarlyRetries())
}

func TestThrottleScopes(t *testing.T) {
	t.Parallel()
	srv, ids := nestedGroups(t)
	tok := ids["token"]
	srv.Throttle(graphauthtest.Throttle{Path: "/users", Scope: graphauthtest.ScopeMailbox, Limit: 1, Window: time.Minute})
	ana, bo := "/v1.0/users/"+ids["ana@contoso.onmicrosoft.com"], "/v1.0/users/"+ids["bo@contoso.onmicrosoft.com"]
	assert.Equal(t, 200, get(t, srv, tok, ana).Status)
	assert.Equal(t, 200, get(t, srv, tok, bo).Status, "another mailbox has its own budget")
	limited := get(t, srv, tok, ana)
	assert.Equal(t, 429, limited.Status)
	assert.Equal(t, "60", limited.Header.Get("Retry-After"), "without RetryAfter, the rest of the window")
	assert.Equal(t, 200, get(t, srv, tok, "/v1.0/groups").Status, "other paths are not throttled")
	srv.ClearThrottles()
	assert.Equal(t, 200, get(t, srv, tok, ana).Status)
}

func TestFaultsOnGraphPaths(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	tok := appToken(t, srv)
	srv.InjectFault(graphauthtest.Fault{Endpoint: graphauthtest.EndpointGraph, Path: "/groups", Status: 503, Times: 2, RetryAfter: "1"})
	assert.Equal(t, 200, get(t, srv, tok, "/v1.0/users").Status, "a fault on /groups leaves /users alone")
	first := get(t, srv, tok, "/v1.0/groups")
	assert.Equal(t, 503, first.Status)
	assert.Equal(t, "serviceNotAvailable", first.code())
	assert.Equal(t, "1", first.Header.Get("Retry-After"))
	assert.Equal(t, 503, get(t, srv, tok, "/v1.0/groups").Status)
	assert.Equal(t, 200, get(t, srv, tok, "/v1.0/groups").Status, "fails twice, then works")
}
