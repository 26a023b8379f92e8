package graphauthtest_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/confidential"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/entrakit/entrakit/graphauth/graphauthtest"
)

func rawToken(t *testing.T, srv *graphauthtest.Server) (*http.Response, string) {
	t.Helper()
	resp, err := srv.Client().PostForm(srv.URL+"/"+srv.TenantID+"/oauth2/v2.0/token", secretForm(srv))
	require.NoError(t, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func TestInjectedFaults(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name        string
		fault       graphauthtest.Fault
		status      int
		contentType string
		body        string
		header      [2]string
	}{
		{"429 with Retry-After", graphauthtest.Fault{Endpoint: graphauthtest.EndpointToken, Status: 429, RetryAfter: "7"},
			429, "application/json", `"error":"temporarily_unavailable"`, [2]string{"Retry-After", "7"}},
		{"503 with an HTTP-date Retry-After", graphauthtest.Fault{Status: 503, RetryAfter: "Wed, 21 Oct 2026 07:28:00 GMT"},
			503, "application/json", `"error_codes":[50033]`, [2]string{"Retry-After", "Wed, 21 Oct 2026 07:28:00 GMT"}},
		{"an AADSTS error", graphauthtest.Fault{Endpoint: graphauthtest.EndpointToken, Status: 400, Error: "invalid_grant", AADSTS: 50196},
			400, "application/json", `"error_codes":[50196]`, [2]string{}},
		{"a malformed body", graphauthtest.Fault{Endpoint: graphauthtest.EndpointToken, Status: 200, Body: graphauthtest.BodyMalformedJSON},
			200, "application/json", `"error_description": AADSTS`, [2]string{}},
		{"a truncated token response", graphauthtest.Fault{Status: 200, Body: graphauthtest.BodyTruncatedJSON},
			200, "application/json", `"access_token":"eyJ0eXAiOiJKV1Qi`, [2]string{}},
		{"an HTML error page", graphauthtest.Fault{Status: 502, Body: graphauthtest.BodyHTML},
			502, "text/html; charset=utf-8", "<html>", [2]string{}},
		{"an empty body", graphauthtest.Fault{Status: 500, Body: graphauthtest.BodyEmpty}, 500, "", "", [2]string{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			srv := graphauthtest.NewServer(nil)
			defer srv.Close()
			srv.InjectFault(c.fault)
			resp, body := rawToken(t, srv)
			assert.Equal(t, c.status, resp.StatusCode)
			assert.True(t, strings.HasPrefix(resp.Header.Get("Content-Type"), c.contentType), resp.Header.Get("Content-Type"))
			assert.Contains(t, body, c.body)
			if c.header[0] != "" {
				assert.Equal(t, c.header[1], resp.Header.Get(c.header[0]))
			}
			resp, _ = rawToken(t, srv)
			assert.Equal(t, 200, resp.StatusCode, "a fault answers one request by default")
			log := srv.Requests()
			require.Len(t, log, 2)
			assert.True(t, log[0].Faulted)
			assert.False(t, log[1].Faulted)
		})
	}
}

func TestFaultTimesAndEndpoints(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	srv.InjectFault(graphauthtest.Fault{Endpoint: graphauthtest.EndpointGraph, Status: 429, RetryAfter: "1", Times: 2})
	resp, _ := rawToken(t, srv)
	assert.Equal(t, 200, resp.StatusCode, "a Graph fault leaves the token endpoint alone")
	tok := appToken(t, srv)
	r1 := graphCall(t, srv, tok, "GET", "/v1.0/organization", nil)
	r2 := graphCall(t, srv, tok, "GET", "/v1.0/organization", nil)
	r3 := graphCall(t, srv, tok, "GET", "/v1.0/organization", nil)
	assert.Equal(t, []int{429, 429, 200}, []int{r1.Status, r2.Status, r3.Status})
	assert.Equal(t, "TooManyRequests", r1.errorCode())

	srv.InjectFault(graphauthtest.Fault{Endpoint: graphauthtest.EndpointToken, Status: 503, Times: -1})
	for range 3 {
		resp, _ := rawToken(t, srv)
		assert.Equal(t, 503, resp.StatusCode, "a negative Times faults until cleared")
	}
	srv.ClearFaults()
	resp, _ = rawToken(t, srv)
	assert.Equal(t, 200, resp.StatusCode)
}

func TestLatencyFaultHonoursTheClientsDeadline(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	srv.InjectFault(graphauthtest.Fault{Endpoint: graphauthtest.EndpointToken, Latency: 5 * time.Second})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, srv.URL+"/"+srv.TenantID+"/oauth2/v2.0/token", strings.NewReader(secretForm(srv).Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	_, err := srv.Client().Do(req)
	require.ErrorIs(t, err, context.DeadlineExceeded)

	srv.InjectFault(graphauthtest.Fault{Endpoint: graphauthtest.EndpointToken, Latency: 10 * time.Millisecond})
	resp, _ := rawToken(t, srv)
	assert.Equal(t, 200, resp.StatusCode, "latency alone delays and then serves")
}

func TestRequestLogCountsWhatClientsDid(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	cred, err := confidential.NewCredFromSecret(srv.Secret)
	require.NoError(t, err)
	app := msalClient(t, srv, cred)
	for range 3 {
		_, err := app.AcquireTokenByCredential(context.Background(), []string{graphDefault})
		require.NoError(t, err)
	}
	assert.Equal(t, 1, srv.Count(graphauthtest.EndpointToken), "MSAL caches: exactly one token request")
	assert.Equal(t, 1, srv.CountGrant("client_credentials"))
	assert.Equal(t, 1, srv.Count(graphauthtest.EndpointDiscovery), "one OpenID configuration request")
	for _, r := range srv.Requests() {
		assert.NotContains(t, r.Path+r.ClientID+r.Error, srv.Secret, "the log holds no secrets")
		if r.Endpoint == graphauthtest.EndpointToken {
			assert.Equal(t, srv.ClientID, r.ClientID)
			assert.Equal(t, srv.TenantID, r.Tenant)
			assert.Equal(t, 200, r.Status)
		}
	}
	srv.ResetLog()
	assert.Zero(t, srv.Count(""))
}

// Many servers run side by side in one test binary with no shared state.
func TestServersAreIndependent(t *testing.T) {
	t.Parallel()
	var wg sync.WaitGroup
	servers := make([]*graphauthtest.Server, 6)
	for i := range servers {
		wg.Go(func() { servers[i] = graphauthtest.NewServer(nil) })
	}
	wg.Wait()
	for _, srv := range servers {
		defer srv.Close()
	}
	for i, srv := range servers {
		wg.Go(func() {
			for range 20 {
				resp, _ := rawToken(t, srv)
				assert.Equal(t, 200, resp.StatusCode)
			}
			if i == 0 {
				srv.Advance(1e12)
			}
		})
	}
	wg.Wait()
	for i, srv := range servers {
		assert.Equal(t, 20, srv.Count(graphauthtest.EndpointToken))
		assert.NotEqual(t, servers[(i+1)%len(servers)].TenantID, srv.TenantID)
	}
	assert.True(t, servers[0].Now().After(servers[1].Now().Add(900*time.Second)), "Advance moves one server's clock only")
}

func TestConcurrentTokenRequestsUnderRace(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Go(func() {
			if i%10 == 0 {
				srv.GrantAppRoles(srv.TenantID, srv.ClientID, "Directory.Read.All")
			}
			resp, body := rawToken(t, srv)
			assert.Equal(t, 200, resp.StatusCode, body)
		})
	}
	wg.Wait()
	assert.Equal(t, 50, srv.Count(graphauthtest.EndpointToken))
}
