package graphauth_test

import (
	"context"
	"encoding/base64"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/entrakit/entrakit/graphauth"
	"github.com/entrakit/entrakit/graphauth/graphauthtest"
)

const orgPath = "/v1.0/organization"

func TestAzCoreAdapterInTheRealPipeline(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	pipeline := func(cred graphauth.TokenCredential) runtime.Pipeline {
		return runtime.NewPipeline("entrakit-test", "v0", runtime.PipelineOptions{
			PerRetry: []policy.Policy{runtime.NewBearerTokenPolicy(graphauth.AzCore(cred), []string{"https://graph.microsoft.com/.default"}, nil)},
		}, &policy.ClientOptions{Transport: srv.Client(), Retry: policy.RetryOptions{MaxRetries: -1}})
	}
	req, err := runtime.NewRequest(context.Background(), http.MethodGet, srv.URL+orgPath)
	require.NoError(t, err)
	resp, err := pipeline(secretCred(t, srv, nil)).Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	assert.Equal(t, 200, resp.StatusCode)

	bad, err := graphauth.NewClientSecretCredential(srv.TenantID, srv.ClientID, "wrong~secret", fakeOpts(srv))
	require.NoError(t, err)
	req, err = runtime.NewRequest(context.Background(), http.MethodGet, srv.URL+orgPath)
	require.NoError(t, err)
	_, err = pipeline(bad).Do(req)
	var ae *graphauth.AuthError
	require.ErrorAs(t, err, &ae, "errors.As reaches the AuthError through azcore")
	assert.True(t, ae.HasCode(7000215))
	var _ azcore.TokenCredential = graphauth.AzCore(bad)
}

func TestOAuth2AdapterWithTheOAuth2Client(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	ctx := context.WithValue(context.Background(), oauth2.HTTPClient, srv.Client())
	client := oauth2.NewClient(ctx, graphauth.OAuth2(secretCred(t, srv, nil), graphauth.TokenRequest{}))
	resp, err := client.Get(srv.URL + orgPath)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 200, resp.StatusCode)

	bad, err := graphauth.NewClientSecretCredential(srv.TenantID, srv.ClientID, "wrong~secret", fakeOpts(srv))
	require.NoError(t, err)
	_, err = oauth2.NewClient(ctx, graphauth.OAuth2(bad, graphauth.TokenRequest{})).Get(srv.URL + orgPath)
	var ae *graphauth.AuthError
	require.ErrorAs(t, err, &ae, "errors.As reaches the AuthError through oauth2's client")
	tok, err := graphauth.OAuth2(secretCred(t, srv, nil), graphauth.TokenRequest{}).Token()
	require.NoError(t, err)
	assert.Equal(t, "Bearer", tok.TokenType)
	assert.True(t, tok.Valid())
}

func TestTransportAnswersAClaimsChallengeOnceReplayingTheBody(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	srv.GrantAppRoles(srv.TenantID, srv.ClientID, "Application.ReadWrite.All")
	client := &http.Client{Transport: &graphauth.Transport{Credential: secretCred(t, srv, nil), Base: srv.Client().Transport,
		AllowedHosts: []string{srv.URL}}}

	srv.InjectFault(graphauthtest.Fault{Endpoint: graphauthtest.EndpointGraph, Status: 401,
		Claims: `{"access_token":{"nbf":{"essential":true,"value":"1700000000"}}}`})
	resp, err := client.Post(srv.URL+"/v1.0/applications", "application/json", strings.NewReader(`{"displayName":"made after a challenge"}`))
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, 201, resp.StatusCode, string(body))
	assert.Contains(t, string(body), "made after a challenge", "the body was replayed")
	var claimsRequests int
	for _, r := range srv.Requests() {
		if r.Claims {
			claimsRequests++
		}
	}
	assert.Equal(t, 1, claimsRequests, "one token request carried the claims")

	srv.InjectFault(graphauthtest.Fault{Endpoint: graphauthtest.EndpointGraph, Status: 401, Times: 2, Claims: `{"access_token":{}}`})
	resp, err = client.Get(srv.URL + orgPath)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 401, resp.StatusCode, "retried once only")

	srv.InjectFault(graphauthtest.Fault{Endpoint: graphauthtest.EndpointGraph, Status: 401, Claims: `{"access_token":{}}`})
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/v1.0/applications", io.NopCloser(strings.NewReader(`{"displayName":"x"}`)))
	resp, err = client.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 401, resp.StatusCode, "a body that cannot be replayed is not sent twice")

	srv.InjectFault(graphauthtest.Fault{Endpoint: graphauthtest.EndpointGraph, Status: 401})
	resp, err = client.Get(srv.URL + orgPath)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 401, resp.StatusCode, "a plain 401 is returned as it is")
}

func TestTransportRefusesPlainHTTPToOtherHosts(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	client := &http.Client{Transport: &graphauth.Transport{Credential: secretCred(t, srv, nil)}}
	_, err := client.Get("http://graph.example.com/v1.0/me")
	assert.ErrorIs(t, err, graphauth.ErrHostNotAllowed)
	assert.ErrorContains(t, err, "refusing to send a bearer token over http")
	assert.Zero(t, srv.Count(graphauthtest.EndpointToken))
}

func TestClaimsChallengeParsing(t *testing.T) {
	t.Parallel()
	cases := []struct {
		header string
		claims string
		ok     bool
	}{
		{`Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", error="insufficient_claims", claims="eyJhY2Nlc3NfdG9rZW4iOnt9fQ=="`, `{"access_token":{}}`, true},
		{`Bearer error="insufficient_claims", claims="{\"access_token\":{}}"`, `{"access_token":{}}`, true},
		{`Bearer realm="", error="invalid_token"`, "", false},
		{`Basic realm="x"`, "", false},
		{`Bearer error="insufficient_claims", claims="%%%"`, "", false},
		{`Bearer error=insufficient_claims, claims=eyJhY2Nlc3NfdG9rZW4iOnt9fQ`, `{"access_token":{}}`, true},
		// not JSON, or too long to be a challenge: a hostile resource's
		// would be relayed to the token endpoint
		{`Bearer error="insufficient_claims", claims="{not json"`, "", false},
		{`Bearer error="insufficient_claims", claims="` + base64.StdEncoding.EncodeToString([]byte(`{"a":"`+strings.Repeat("x", 9000)+`"}`)) + `"`, "", false},
		{`Bearer error="insufficient_claims", claims="` + base64.StdEncoding.EncodeToString([]byte(`{"a":`)) + `"`, "", false},
	}
	for _, c := range cases {
		h := http.Header{}
		h.Add("WWW-Authenticate", c.header)
		got, ok := graphauth.ClaimsChallenge(h)
		assert.Equal(t, c.ok, ok, c.header)
		assert.Equal(t, c.claims, got, c.header)
	}
}

func FuzzClaimsChallenge(f *testing.F) {
	f.Add(`Bearer realm="", error="insufficient_claims", claims="eyJhY2Nlc3NfdG9rZW4iOnt9fQ=="`)
	f.Add(`Bearer error="insufficient_claims", claims="\"`)
	f.Add(`Bearer a=b,,,c="d\\"e"`)
	f.Fuzz(func(t *testing.T, v string) {
		h := http.Header{}
		h.Add("WWW-Authenticate", v)
		claims, ok := graphauth.ClaimsChallenge(h)
		if ok {
			assert.True(t, strings.HasPrefix(strings.TrimSpace(claims), "{"))
		}
	})
}

// userLikeCred serves an expired token and refuses Fresh, as a
// UserCredential does.
type userLikeCred struct{}

func (userLikeCred) Token(_ context.Context, req graphauth.TokenRequest) (graphauth.Token, error) {
	if req.Fresh {
		return graphauth.Token{}, &graphauth.ConfigError{Field: "Fresh", Reason: "is not offered for a signed-in user's tokens"}
	}
	return graphauth.Token{AccessToken: "expired", ExpiresOn: time.Now().Add(-time.Minute)}, nil
}

// A 401 for a signed-in user's token past its end stays the resource's
// 401: the Transport asked for a fresh token, which a UserCredential
// refuses, and the caller got a ConfigError about Fresh, an option it
// never set.
func TestTransportKeepsThe401WhenNoFreshTokenIsOffered(t *testing.T) {
	t.Parallel()
	api := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusUnauthorized)
	}))
	defer api.Close()
	client := &http.Client{Transport: &graphauth.Transport{Credential: userLikeCred{}, Base: api.Client().Transport, AllowedHosts: []string{api.URL}}}
	resp, err := client.Get(api.URL + "/v1.0/me")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
}
