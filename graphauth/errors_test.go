package graphauth_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/entrakit/entrakit/graphauth"
	"github.com/entrakit/entrakit/graphauth/graphauthtest"
)

func TestPlatformFailuresBecomeTypedErrors(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name       string
		fault      graphauthtest.Fault
		status     int
		retryable  bool
		unexpected bool
		retryAfter time.Duration
		aadsts     int
	}{
		{"throttled with Retry-After", graphauthtest.Fault{Status: 429, RetryAfter: "60"}, 429, true, false, time.Minute, 90055},
		{"service unavailable", graphauthtest.Fault{Status: 503}, 503, true, false, 0, 50033},
		{"a transient AADSTS code", graphauthtest.Fault{Status: 400, Error: "invalid_request", AADSTS: 90033}, 400, true, false, 0, 90033},
		{"a loop detected", graphauthtest.Fault{Status: 400, Error: "invalid_grant", AADSTS: 50196}, 400, false, false, 0, 50196},
		{"an HTML page from a proxy", graphauthtest.Fault{Status: 502, Body: graphauthtest.BodyHTML}, 502, true, true, 0, 0},
		{"a truncated token response", graphauthtest.Fault{Status: 200, Body: graphauthtest.BodyTruncatedJSON}, 200, false, true, 0, 0},
		{"an empty error", graphauthtest.Fault{Status: 500, Body: graphauthtest.BodyEmpty}, 500, true, true, 0, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			srv := graphauthtest.NewServer(nil)
			defer srv.Close()
			c.fault.Endpoint, c.fault.Times = graphauthtest.EndpointToken, -1 // every retry fails too
			srv.InjectFault(c.fault)
			_, err := secretCred(t, srv, nil).Token(context.Background(), graphauth.TokenRequest{})
			var ae *graphauth.AuthError
			require.ErrorAs(t, err, &ae)
			assert.Equal(t, c.status, ae.StatusCode)
			assert.Equal(t, c.retryable, ae.Retryable())
			assert.Equal(t, c.unexpected, errors.Is(err, graphauth.ErrUnexpectedResponse))
			assert.Equal(t, c.retryAfter, ae.RetryAfter)
			if c.aadsts != 0 {
				assert.True(t, ae.HasCode(c.aadsts), ae.AADSTS)
			}
			assert.NotContains(t, err.Error(), "\n")
		})
	}
}

func TestTransientFailuresAreRetried(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	srv.InjectFault(graphauthtest.Fault{Endpoint: graphauthtest.EndpointToken, Status: 503, Times: 2})
	_, err := secretCred(t, srv, nil).Token(context.Background(), graphauth.TokenRequest{})
	require.NoError(t, err, "two 503s, then a token")
	assert.Equal(t, 3, srv.Count(graphauthtest.EndpointToken))

	srv.ResetLog()
	srv.InjectFault(graphauthtest.Fault{Endpoint: graphauthtest.EndpointToken, Status: 429, RetryAfter: "120", Times: -1})
	_, err = secretCred(t, srv, nil).Token(context.Background(), graphauth.TokenRequest{})
	var ae *graphauth.AuthError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, 2*time.Minute, ae.RetryAfter, "a Retry-After past the ceiling goes back to the caller")
	assert.Equal(t, 1, srv.Count(graphauthtest.EndpointToken))
	srv.ClearFaults()

	srv.ResetLog()
	srv.InjectFault(graphauthtest.Fault{Endpoint: graphauthtest.EndpointToken, Status: 400, Error: "invalid_client", AADSTS: 7000215, Times: -1})
	_, err = secretCred(t, srv, nil).Token(context.Background(), graphauth.TokenRequest{})
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, 1, srv.Count(graphauthtest.EndpointToken), "a refusal is not retried")
}

func TestContextDeadlineIsHonoured(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	srv.InjectFault(graphauthtest.Fault{Endpoint: graphauthtest.EndpointToken, Latency: time.Minute})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := secretCred(t, srv, nil).Token(ctx, graphauth.TokenRequest{})
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	require.Eventually(t, func() bool { return srv.Count(graphauthtest.EndpointToken) == 1 }, 10*time.Second, 10*time.Millisecond,
		"with no caller left waiting, the request is cancelled rather than left running")
}

func TestCloudsGiveTheirGraphScope(t *testing.T) {
	t.Parallel()
	for name, want := range map[string]string{
		"public": "https://graph.microsoft.com/.default", "usgov": "https://graph.microsoft.us/.default",
		"dod": "https://dod-graph.microsoft.us/.default", "china": "https://microsoftgraph.chinacloudapi.cn/.default",
	} {
		c, ok := graphauth.CloudByName(name)
		require.True(t, ok, name)
		assert.Equal(t, want, c.DefaultScope())
	}
	_, ok := graphauth.CloudByName("germany")
	assert.False(t, ok, "Microsoft Cloud Deutschland closed in 2021")

	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	opts := fakeOpts(srv)
	opts.Cloud = graphauth.AzureChina
	_, err := secretCred(t, srv, opts).Token(context.Background(), graphauth.TokenRequest{})
	var ae *graphauth.AuthError
	require.ErrorAs(t, err, &ae, "the fake is a public-cloud platform: China's Graph is not a resource there")
	assert.True(t, ae.HasCode(500011))
}
