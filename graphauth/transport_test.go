package graphauth_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/entrakit/entrakit/graphauth"
	"github.com/entrakit/entrakit/graphauth/graphauthtest"
)

// bearer is the token staticCred hands out; a test fails if it is seen where
// it must not go.
const bearer = "Bearer transport-test-token"

// staticCred hands out one token and counts the calls.
type staticCred struct{ calls atomic.Int32 }

func (c *staticCred) Token(context.Context, graphauth.TokenRequest) (graphauth.Token, error) {
	c.calls.Add(1)
	return graphauth.Token{AccessToken: bearer[len("Bearer "):]}, nil
}

// recorder is a Base that answers 204 and records what it was asked to send.
type recorder struct {
	mu   sync.Mutex
	sent []*http.Request
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.sent = append(r.sent, req)
	return &http.Response{StatusCode: http.StatusNoContent, Body: http.NoBody, Request: req}, nil
}

func TestTransportSendsTokensOnlyToAllowedHosts(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		url     string
		host    string // the request's Host, when it differs from the URL's
		allowed bool
	}{
		{name: "the Graph host", url: "https://graph.microsoft.com/v1.0/me", allowed: true},
		{name: "the Graph host in mixed case", url: "https://GRAPH.Microsoft.COM/v1.0/me", allowed: true},
		{name: "the Graph host with a trailing dot", url: "https://graph.microsoft.com./v1.0/me", allowed: true},
		{name: "the Graph host with its explicit port 443", url: "https://graph.microsoft.com:443/v1.0/me", allowed: true},
		{name: "an @ in the fragment does not change the host", url: "https://graph.microsoft.com/v1.0/me#@evil.example", allowed: true},
		{name: "another port of the Graph host", url: "https://graph.microsoft.com:8443/v1.0/me"},
		{name: "user information naming Graph before another host", url: "https://graph.microsoft.com@evil.example/v1.0/me"},
		{name: "user information before the Graph host", url: "https://user:pass@graph.microsoft.com/v1.0/me"},
		{name: "the Graph host as a prefix of another", url: "https://graph.microsoft.com.evil.example/v1.0/me"},
		{name: "two trailing dots", url: "https://graph.microsoft.com../v1.0/me"},
		{name: "a subdomain of the Graph host", url: "https://eu.graph.microsoft.com/v1.0/me"},
		{name: "a host ending like the Graph host", url: "https://evilgraph.microsoft.com/v1.0/me"},
		{name: "another host", url: "https://evil.example/v1.0/me"},
		{name: "plain http to the Graph host", url: "http://graph.microsoft.com/v1.0/me"},
		{name: "plain http to a loopback host not on the list", url: "http://127.0.0.1:8080/v1.0/me"},
		{name: "another scheme", url: "ftp://graph.microsoft.com/v1.0/me"},
		{name: "a Cyrillic а lookalike", url: "https://grаph.microsoft.com/v1.0/me"},
		{name: "a dotted capital İ that Unicode lower-cases to i", url: "https://graph.mİcrosoft.com/v1.0/me"},
		{name: "an ideographic full stop that IDNA maps to a dot", url: "https://graph.microsoft。com/v1.0/me"},
		{name: "the punycode of a lookalike", url: "https://xn--grph-8cd.microsoft.com/v1.0/me"},
		{name: "a Host header for another host", url: "https://graph.microsoft.com/v1.0/me", host: "evil.example"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			cred, base := &staticCred{}, &recorder{}
			client := &http.Client{Transport: &graphauth.Transport{Credential: cred, Base: base}}
			req, err := http.NewRequest(http.MethodGet, c.url, nil)
			require.NoError(t, err)
			if c.host != "" {
				req.Host = c.host
			}
			resp, err := client.Do(req)
			if c.allowed {
				require.NoError(t, err)
				resp.Body.Close()
				require.Len(t, base.sent, 1)
				assert.Equal(t, bearer, base.sent[0].Header.Get("Authorization"))
				return
			}
			require.ErrorIs(t, err, graphauth.ErrHostNotAllowed)
			assert.NotContains(t, err.Error(), bearer[len("Bearer "):])
			assert.Empty(t, base.sent, "nothing is sent, not even without the token")
			assert.Zero(t, cred.calls.Load(), "no token is asked for")
		})
	}
}

// hosts serves TLS servers under names in example.com (which httptest's
// certificate covers) and gives a client that reaches them by those names.
type hosts struct {
	names map[string]string // "name:port" → listener address
	base  *http.Transport
}

func newHosts(t *testing.T, servers map[string]*httptest.Server) *hosts {
	h := &hosts{names: map[string]string{}}
	for name, srv := range servers {
		_, port, err := net.SplitHostPort(srv.Listener.Addr().String())
		require.NoError(t, err)
		h.names[net.JoinHostPort(name, port)] = srv.Listener.Addr().String()
		if h.base == nil {
			h.base = srv.Client().Transport.(*http.Transport).Clone()
		}
	}
	dial := h.base.DialContext
	if dial == nil {
		dial = (&net.Dialer{}).DialContext
	}
	h.base.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		if real, ok := h.names[addr]; ok {
			addr = real
		}
		return dial(ctx, network, addr)
	}
	return h
}

// url is the base URL of srv under name.
func (h *hosts) url(name string, srv *httptest.Server) string {
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	return "https://" + net.JoinHostPort(name, port)
}

func TestTransportNeverFollowsARedirectToAnotherHostWithTheToken(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var stolen []string // the Authorization headers the attacker received
	attacker := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		stolen = append(stolen, r.Header.Get("Authorization"))
		mu.Unlock()
	}))
	defer attacker.Close()
	plainAttacker := httptest.NewServer(attacker.Config.Handler)
	defer plainAttacker.Close()
	var graphURL string
	var graphAuth []string
	graph := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		graphAuth = append(graphAuth, r.Header.Get("Authorization"))
		mu.Unlock()
		switch r.URL.Path {
		case "/v1.0/me":
			w.WriteHeader(http.StatusOK)
		case "/moved":
			http.Redirect(w, r, graphURL+"/v1.0/me", http.StatusFound)
		default:
			http.Redirect(w, r, r.URL.Query().Get("to"), http.StatusTemporaryRedirect)
		}
	}))
	defer graph.Close()
	h := newHosts(t, map[string]*httptest.Server{"graph.example.com": graph, "attacker.example.com": attacker})
	graphURL = h.url("graph.example.com", graph)
	attackerURL := h.url("attacker.example.com", attacker)

	cases := []struct {
		name, to string
		also     []string // allowed besides Graph
	}{
		{name: "to another host", to: attackerURL + "/steal"},
		{name: "to another port of the same IP address, where net/http keeps Authorization", to: attacker.URL + "/steal"},
		{name: "to plain http on loopback", to: plainAttacker.URL + "/steal"},
		{name: "to other hosts that are on the allow-list too", to: attackerURL + "/allowed",
			also: []string{attackerURL, attacker.URL, plainAttacker.URL}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			client := &http.Client{Transport: &graphauth.Transport{Credential: &staticCred{}, Base: h.base,
				AllowedHosts: append([]string{graphURL}, c.also...)}}
			_, err := client.Get(graphURL + "/redirect?to=" + url.QueryEscape(c.to))
			require.ErrorIs(t, err, graphauth.ErrHostNotAllowed)
			var ue *url.Error
			assert.ErrorAs(t, err, &ue, "the http.Client wraps the refusal in a *url.Error")
			assert.NotContains(t, err.Error(), bearer[len("Bearer "):])
		})
	}
	mu.Lock()
	assert.Empty(t, stolen, "the attacker received no request at all")
	for _, a := range graphAuth {
		assert.Equal(t, bearer, a, "Graph got the token")
	}
	mu.Unlock()

	client := &http.Client{Transport: &graphauth.Transport{Credential: &staticCred{}, Base: h.base, AllowedHosts: []string{graphURL}}}
	resp, err := client.Get(graphURL + "/moved")
	require.NoError(t, err, "a redirect within the host keeps the token")
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	mu.Lock()
	assert.Equal(t, []string{bearer, bearer}, graphAuth[len(graphAuth)-2:])
	mu.Unlock()
}

// redirector answers every request for graph.microsoft.com with a redirect
// to evil.example, without setting Response.Request, as a hand-written
// RoundTripper may not.
type redirector struct{ recorder }

func (r *redirector) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, _ := r.recorder.RoundTrip(req)
	resp.Request = nil
	if req.URL.Host == "graph.microsoft.com" {
		resp.StatusCode, resp.Header = http.StatusFound, http.Header{"Location": {"https://evil.example/steal"}}
	}
	return resp, nil
}

func TestTransportRefusesARedirectEvenWhenBaseDoesNotLinkIt(t *testing.T) {
	t.Parallel()
	base := &redirector{}
	client := &http.Client{Transport: &graphauth.Transport{Credential: &staticCred{}, Base: base,
		AllowedHosts: []string{"graph.microsoft.com", "evil.example"}}}
	_, err := client.Get("https://graph.microsoft.com/v1.0/me")
	require.ErrorIs(t, err, graphauth.ErrHostNotAllowed)
	require.Len(t, base.sent, 1, "only the first request went out")
	assert.Equal(t, "graph.microsoft.com", base.sent[0].URL.Host)
}

func TestTransportCallsTheFakeGraphOnlyWhenItIsAllowed(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	cred := secretCred(t, srv, nil)

	client := &http.Client{Transport: &graphauth.Transport{Credential: cred, Base: srv.Client().Transport}}
	_, err := client.Get(srv.URL + orgPath)
	require.ErrorIs(t, err, graphauth.ErrHostNotAllowed, "by default only graph.microsoft.com")
	assert.Zero(t, srv.Count(graphauthtest.EndpointToken), "no token was asked for")

	client.Transport = &graphauth.Transport{Credential: cred, Base: srv.Client().Transport, AllowedHosts: []string{srv.URL}}
	resp, err := client.Get(srv.URL + orgPath)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
}

func TestTransportAllowsTheGraphHostOfTheCredentialsCloudByDefault(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	opts := fakeOpts(srv)
	opts.Cloud = graphauth.AzureChina
	base := &recorder{}
	// The fake knows the public cloud's Graph only: ask for its scope, so
	// that the host check is the only thing the cloud changes.
	client := &http.Client{Transport: &graphauth.Transport{Credential: secretCred(t, srv, opts), Base: base,
		Request: graphauth.TokenRequest{Scopes: []string{graphauth.AzurePublic.DefaultScope()}}}}

	_, err := client.Get(graphauth.AzurePublic.GraphEndpoint + "/v1.0/me")
	require.ErrorIs(t, err, graphauth.ErrHostNotAllowed, "the public cloud's Graph is not the credential's")
	resp, err := client.Get(graphauth.AzureChina.GraphEndpoint + "/v1.0/me")
	require.NoError(t, err)
	resp.Body.Close()
	require.Len(t, base.sent, 1)
	assert.Equal(t, "microsoftgraph.chinacloudapi.cn", base.sent[0].URL.Host)
}

func TestTransportAllowedHostsEntries(t *testing.T) {
	t.Parallel()
	cases := []struct {
		entry string
		url   string
		ok    bool
	}{
		{"graph.microsoft.com", "https://graph.microsoft.com/v1.0/me", true},
		{"Graph.Microsoft.Com.", "https://graph.microsoft.com/v1.0/me", true},
		{"https://graph.microsoft.com", "https://graph.microsoft.com:443/v1.0/me", true},
		{"https://graph.microsoft.com/", "https://graph.microsoft.com/v1.0/me", true},
		{"127.0.0.1:8443", "https://127.0.0.1:8443/v1.0/me", true},
		{"http://127.0.0.1:8080", "http://127.0.0.1:8080/v1.0/me", true},
		{"[::1]:8443", "https://[::1]:8443/v1.0/me", true},
		{"localhost", "http://localhost/v1.0/me", true},
		{"127.0.0.1:8443", "https://127.0.0.1:9443/v1.0/me", false},
		{"graph.microsoft.com:8443", "https://graph.microsoft.com/v1.0/me", false},
		{"microsoft.com", "https://graph.microsoft.com/v1.0/me", false},
	}
	for _, c := range cases {
		base := &recorder{}
		client := &http.Client{Transport: &graphauth.Transport{Credential: &staticCred{}, Base: base, AllowedHosts: []string{c.entry}}}
		resp, err := client.Get(c.url)
		if c.ok {
			if assert.NoError(t, err, "%s allows %s", c.entry, c.url) {
				resp.Body.Close()
			}
			continue
		}
		assert.ErrorIs(t, err, graphauth.ErrHostNotAllowed, "%s refuses %s", c.entry, c.url)
		assert.Empty(t, base.sent)
	}

	for _, bad := range []string{"https://graph.microsoft.com/v1.0", "https://user@graph.microsoft.com", "ftp://graph.microsoft.com", "gräph.example", "graph.microsoft.com:x", ""} {
		client := &http.Client{Transport: &graphauth.Transport{Credential: &staticCred{}, Base: &recorder{}, AllowedHosts: []string{bad}}}
		_, err := client.Get("https://graph.microsoft.com/v1.0/me")
		var ce *graphauth.ConfigError
		require.ErrorAs(t, err, &ce, "entry %q", bad)
		assert.Equal(t, "Transport.AllowedHosts", ce.Field)
		assert.ErrorIs(t, err, graphauth.ErrHostNotAllowed)
	}
}

// suspendedCred serves, from its cache, a token whose end passed while the
// machine slept (its timers stood still), and a good one when asked Fresh.
type suspendedCred struct{ fresh atomic.Int32 }

func (c *suspendedCred) Token(_ context.Context, req graphauth.TokenRequest) (graphauth.Token, error) {
	if req.Fresh {
		c.fresh.Add(1)
		return graphauth.Token{AccessToken: "fresh", ExpiresOn: time.Now().Add(time.Hour)}, nil
	}
	return graphauth.Token{AccessToken: "stale", ExpiresOn: time.Now().Add(-time.Minute)}, nil
}

// After a suspend, the 401 for a token expired by the wall clock is retried
// once with a fresh token, the body replayed; a 401 for a token still valid
// by the wall clock is returned as it is, with no token request.
func TestTransportRetriesATokenThatExpiredWhileTheMachineSlept(t *testing.T) {
	t.Parallel()
	var bodies []string
	var mu sync.Mutex
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		bodies = append(bodies, r.Header.Get("Authorization")+" "+string(b))
		mu.Unlock()
		if r.Header.Get("Authorization") != "Bearer fresh" {
			w.Header().Set("WWW-Authenticate", `Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000"`)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		w.WriteHeader(http.StatusOK)
	}))
	defer api.Close()
	cred := &suspendedCred{}
	client := &http.Client{Transport: &graphauth.Transport{Credential: cred, AllowedHosts: []string{api.URL}}}
	resp, err := client.Post(api.URL+"/v1.0/users", "application/json", strings.NewReader(`{"a":1}`))
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, int32(1), cred.fresh.Load())
	assert.Equal(t, []string{`Bearer stale {"a":1}`, `Bearer fresh {"a":1}`}, bodies)

	// A token the wall clock still calls valid: its 401 is the resource's
	// word, not a stale cache, and comes back without a token request.
	valid := &staticCred{}
	client = &http.Client{Transport: &graphauth.Transport{Credential: valid, AllowedHosts: []string{api.URL}}}
	resp, err = client.Get(api.URL + "/v1.0/me")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	assert.Equal(t, int32(1), valid.calls.Load())
}

// govCred is a credential of the application's own that tells its cloud.
type govCred struct{}

func (govCred) Cloud() graphauth.Cloud { return graphauth.AzureGovernment }
func (govCred) Token(context.Context, graphauth.TokenRequest) (graphauth.Token, error) {
	return graphauth.Token{AccessToken: "t", ExpiresOn: time.Now().Add(time.Hour)}, nil
}

// Transport reads the cloud through CloudOf, as the Graph clients do, so a
// credential of the application's own that tells its cloud gets that
// cloud's Graph by default, not the public one.
func TestTransportTakesTheCloudACredentialTells(t *testing.T) {
	t.Parallel()
	base := &recorder{}
	client := &http.Client{Transport: &graphauth.Transport{Credential: govCred{}, Base: base}}
	_, err := client.Get(graphauth.AzurePublic.GraphEndpoint + "/v1.0/me")
	require.ErrorIs(t, err, graphauth.ErrHostNotAllowed)
	resp, err := client.Get(graphauth.AzureGovernment.GraphEndpoint + "/v1.0/me")
	require.NoError(t, err)
	resp.Body.Close()
	require.Len(t, base.sent, 1)
	assert.Equal(t, "graph.microsoft.us", base.sent[0].URL.Host)
}
