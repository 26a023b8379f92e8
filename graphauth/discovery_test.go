package graphauth

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// testClock is a clock that moves only when told to.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func newTestClock() *testClock { return &testClock{t: time.Unix(1_800_000_000, 0)} }

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// keyServer is a JWKS endpoint whose answers the test scripts: a status and
// the key IDs it publishes, given at once or held back until released. It
// counts the requests that reach it.
type keyServer struct {
	mu      sync.Mutex
	gate    chan struct{} // requests wait for it to close; nil answers at once
	status  int
	kids    []string
	started chan struct{} // one value per request that arrived
	count   atomic.Int32
}

func newKeyServer(status int, kids ...string) *keyServer {
	return &keyServer{status: status, kids: kids, started: make(chan struct{}, 64)}
}

// hold makes the next requests wait until release.
func (k *keyServer) hold() {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.gate = make(chan struct{})
}

// release answers the waiting requests, and later ones, with status and kids.
func (k *keyServer) release(status int, kids ...string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.status, k.kids = status, kids
	if k.gate != nil {
		close(k.gate)
		k.gate = nil
	}
}

func (k *keyServer) RoundTrip(req *http.Request) (*http.Response, error) {
	k.count.Add(1)
	k.started <- struct{}{}
	k.mu.Lock()
	gate := k.gate
	k.mu.Unlock()
	if gate != nil {
		select {
		case <-gate:
		case <-req.Context().Done():
			return nil, req.Context().Err()
		}
	}
	k.mu.Lock()
	status, kids := k.status, k.kids
	k.mu.Unlock()
	body := []byte(`{"error":"temporarily_unavailable","error_description":"AADSTS90033: down","error_codes":[90033]}`)
	if status == http.StatusOK {
		body = jwksOf(kids...)
	}
	return &http.Response{StatusCode: status, Header: http.Header{"Content-Type": {"application/json"}},
		Body: io.NopCloser(bytes.NewReader(body)), Request: req}, nil
}

// jwksOf is a key set publishing a (dummy) RSA key under each kid.
func jwksOf(kids ...string) []byte {
	keys := []map[string]string{}
	for _, kid := range kids {
		keys = append(keys, map[string]string{"kty": "RSA", "kid": kid,
			"n": base64.RawURLEncoding.EncodeToString(bytes.Repeat([]byte{0xc5}, 256)), "e": "AQAB"})
	}
	b, _ := json.Marshal(map[string]any{"keys": keys})
	return b
}

// returns reports that done closes; it fails the test if done never closes,
// which would mean a caller is stuck behind the held fetch. It is a guard
// against a hang, not a measure of time.
func returns(t *testing.T, done <-chan struct{}, what string) bool {
	t.Helper()
	select {
	case <-done:
		return true
	case <-time.After(time.Minute):
		t.Errorf("%s: still waiting while the key fetch is held", what)
		return false
	}
}

func TestSigningKeysAreFetchedOnceForAllWaiters(t *testing.T) {
	t.Parallel()
	clk := newTestClock()
	srv := newKeyServer(http.StatusOK, "k1")
	srv.hold()
	ks := newKeySet("https://login.example/common/discovery/v2.0/keys", &http.Client{Transport: srv}, clk.Now)

	const waiters = 5
	errs := make([]error, waiters)
	var wg sync.WaitGroup
	for i := range waiters {
		wg.Go(func() { _, errs[i] = ks.key(context.Background(), "k1") })
	}
	<-srv.started
	srv.release(http.StatusServiceUnavailable)
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	require.True(t, returns(t, done, "the waiters"))
	assert.Equal(t, int32(1), srv.count.Load(), "one fetch for every waiter, its failure shared")
	for _, err := range errs {
		var ae *AuthError
		if assert.ErrorAs(t, err, &ae) {
			assert.Equal(t, http.StatusServiceUnavailable, ae.StatusCode)
			assert.True(t, ae.HasCode(90033))
		}
	}

	clk.Advance(metadataFailureTTL - time.Second)
	_, err := ks.key(context.Background(), "k1")
	assert.Error(t, err, "the failure is remembered")
	assert.Equal(t, int32(1), srv.count.Load(), "no request while the failure is remembered")

	srv.release(http.StatusOK, "k1")
	clk.Advance(time.Second)
	key, err := ks.key(context.Background(), "k1")
	require.NoError(t, err, "fetched again once the failure is forgotten")
	assert.NotNil(t, key)
	assert.Equal(t, int32(2), srv.count.Load())
}

func TestOldSigningKeysServeWhileNewOnesAreFetched(t *testing.T) {
	t.Parallel()
	clk := newTestClock()
	srv := newKeyServer(http.StatusOK, "k1")
	ks := newKeySet("https://login.example/common/discovery/v2.0/keys", &http.Client{Transport: srv}, clk.Now)
	_, err := ks.key(context.Background(), "k1")
	require.NoError(t, err)
	<-srv.started

	clk.Advance(metadataRefetchInterval)
	srv.hold()
	rotated := make(chan error, 1)
	go func() { _, err := ks.key(context.Background(), "k2"); rotated <- err }()
	<-srv.started // the refetch for k2 is under way, and held

	known := make(chan struct{})
	go func() {
		defer close(known)
		_, err := ks.key(context.Background(), "k1")
		assert.NoError(t, err, "a known key is served while the refetch is held")
	}()
	returns(t, known, "a token signed with a known key")

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	gaveUp := make(chan struct{})
	go func() {
		defer close(gaveUp)
		_, err := ks.key(ctx, "k2")
		assert.ErrorIs(t, err, context.Canceled, "a caller whose context ends stops waiting")
	}()
	returns(t, gaveUp, "a caller whose context has ended")

	srv.release(http.StatusServiceUnavailable)
	var ae *AuthError
	assert.ErrorAs(t, <-rotated, &ae, "the held fetch's failure")
	_, err = ks.key(context.Background(), "k1")
	assert.NoError(t, err, "the old keys still serve after a failed refetch")
	assert.Equal(t, int32(2), srv.count.Load())
}

func TestUnknownKeyIDsRefetchAtMostOncePerInterval(t *testing.T) {
	t.Parallel()
	clk := newTestClock()
	srv := newKeyServer(http.StatusOK, "k1")
	ks := newKeySet("https://login.example/common/discovery/v2.0/keys", &http.Client{Transport: srv}, clk.Now)
	_, err := ks.key(context.Background(), "k1")
	require.NoError(t, err)

	for _, kid := range []string{"k2", "k3", "k4", "k5"} {
		_, err := ks.key(context.Background(), kid)
		assert.ErrorContains(t, err, "no signing key", kid)
	}
	assert.Equal(t, int32(1), srv.count.Load(), "tokens naming unknown keys do not each cause a fetch")

	srv.release(http.StatusOK, "k1", "k2")
	clk.Advance(metadataRefetchInterval)
	_, err = ks.key(context.Background(), "k2")
	require.NoError(t, err, "a rotated key is found by one refetch")
	for _, kid := range []string{"k3", "k4", "k5", "k6"} {
		_, err := ks.key(context.Background(), kid)
		assert.Error(t, err, kid)
	}
	assert.Equal(t, int32(2), srv.count.Load())
}

// bodyOf answers every request with body.
type bodyOf []byte

func (b bodyOf) RoundTrip(req *http.Request) (*http.Response, error) {
	return &http.Response{StatusCode: http.StatusOK, Header: http.Header{"Content-Type": {"application/json"}},
		Body: io.NopCloser(bytes.NewReader(b)), Request: req}, nil
}

// Whatever the platform publishes as its signing keys or a tenant's OpenID
// configuration, reading them and checking an ID token against them gives
// a key, a tenant ID or a typed error, and never panics.
func FuzzSignInMetadata(f *testing.F) {
	f.Add(jwksOf("k1"), []byte(`{"issuer":"https://login.example/11111111-1111-1111-1111-111111111111/v2.0"}`))
	f.Add([]byte(`{"keys":[{"kty":"RSA","kid":"k1","n":"AQ","e":"AAAAAAAA"}]}`), []byte(`{"token_endpoint":"https://login.example/x/oauth2/v2.0/token"}`))
	f.Add([]byte(`{"keys":[{"kty":"RSA","kid":"k1","n":"","e":""}]}`), []byte(`{"issuer":"https://evil.example/11111111-1111-1111-1111-111111111111/v2.0"}`))
	f.Add([]byte(`{"keys":[{"kty":"RSA","kid":"k1","n":"xQ","e":"AA"}]}`), []byte(`<html>`))
	f.Add([]byte(`<html>`), []byte(`{"issuer":7}`))
	const token = "eyJhbGciOiJSUzI1NiIsImtpZCI6ImsxIn0.eyJhdWQiOiJhcHAifQ.c2lnbmF0dXJl"
	f.Fuzz(func(t *testing.T, jwks, config []byte) {
		now := func() time.Time { return time.Unix(1_800_000_000, 0) }
		ks := newKeySet("https://login.example/common/discovery/v2.0/keys", &http.Client{Transport: bodyOf(jwks)}, now)
		_, err := validateIDToken(context.Background(), ks, token, idTokenCheck{authority: "https://login.example", clientID: "app",
			nonce: "n", now: now(), allowed: func(string) bool { return true }})
		var ie *IDTokenError
		if !assert.ErrorAs(t, err, &ie, "no key set makes a forged signature good") {
			return
		}
		id, err := fetchTenantID(context.Background(), &http.Client{Transport: bodyOf(config)}, "https://login.example", "contoso.onmicrosoft.com")
		var ae *AuthError
		if err != nil {
			assert.ErrorAs(t, err, &ae)
		} else {
			assert.Len(t, id, 36)
		}
	})
}
