package graphauth_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"runtime"
	"runtime/pprof"
	"strconv"
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

func TestATokenCallAfterCloseIsRefused(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	cred := secretCred(t, srv, nil)
	_, err := cred.Token(context.Background(), graphauth.TokenRequest{})
	require.NoError(t, err)
	require.NoError(t, cred.Close())
	require.NoError(t, cred.Close(), "idempotent")
	_, err = cred.Token(context.Background(), graphauth.TokenRequest{})
	assert.ErrorIs(t, err, graphauth.ErrClosed, "the cached token was forgotten")
	assert.Equal(t, 1, srv.Count(graphauthtest.EndpointToken))
}

func TestCloseCancelsARequestUnderWay(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	sent := make(chan struct{})
	cred := behindProxy(t, srv, &proxy{answer: func(req *http.Request) (*http.Response, error) {
		close(sent)
		<-req.Context().Done() // an answer that takes forever
		return nil, req.Context().Err()
	}})
	errc := make(chan error, 1)
	go func() {
		_, err := cred.Token(context.Background(), graphauth.TokenRequest{})
		errc <- err
	}()
	<-sent
	require.NoError(t, cred.Close())
	err := <-errc
	assert.ErrorIs(t, err, context.Canceled, "the never-ending request ended with Close")
	assert.ErrorIs(t, err, graphauth.ErrClosed)
}

// openFiles counts this process's file descriptors (Linux).
func openFiles(t *testing.T) int {
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skip("no /proc/self/fd on this system")
	}
	return len(entries)
}

func heapInUse() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// Creating and closing 10,000 credentials, each with a token and a
// refresh timer, leaves goroutines, open files and the heap as they were.
// Not parallel: it counts the process's goroutines.
func TestTenThousandCredentialsCreatedAndClosedLeaveNothingBehind(t *testing.T) {
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	// A proxy answers the token requests, and repeats the fake's discovery
	// document, so that the test measures the credentials rather than the
	// fake (whose request log grows with every request).
	p := &proxy{base: &repeatGets{base: srv.Client().Transport}, answer: jsonAnswer(http.StatusOK,
		`{"token_type":"Bearer","expires_in":3599,"ext_expires_in":3599,"access_token":"`+goodAccess+`"}`)}
	client := &http.Client{Transport: p}
	churn := func(n int) {
		for range n {
			cred, err := graphauth.NewClientSecretCredential(srv.TenantID, srv.ClientID, graphauth.Secret(srv.Secret),
				&graphauth.Options{AuthorityHost: srv.URL, HTTPClient: client})
			require.NoError(t, err)
			_, err = cred.Token(context.Background(), graphauth.TokenRequest{})
			require.NoError(t, err)
			require.NoError(t, cred.Close())
		}
	}
	churn(100) // warm the connection pool and the runtime
	time.Sleep(50 * time.Millisecond)
	goroutines, files, heap := runtime.NumGoroutine(), openFiles(t), heapInUse()

	churn(10_000)
	// Polled here: testify's Eventually runs goroutines of its own.
	for deadline := time.Now().Add(5 * time.Second); runtime.NumGoroutine() > goroutines && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	if !assert.LessOrEqual(t, runtime.NumGoroutine(), goroutines, "goroutines back to the baseline") {
		var buf strings.Builder
		_ = pprof.Lookup("goroutine").WriteTo(&buf, 1)
		t.Log(buf.String())
	}
	assert.LessOrEqual(t, openFiles(t), files, "open files")
	growth := int64(heapInUse()) - int64(heap)
	t.Logf("10,000 credentials: heap growth %d bytes, %d goroutines, %d files", growth, runtime.NumGoroutine(), openFiles(t))
	assert.Less(t, growth, int64(1<<20), "heap growth under 1 MiB")
}

// Tenants whose token requests fail leave nothing behind: 5,000 refused
// tenants leave one cache key (the credential's own) and a heap within
// 256 KiB of where it was (before: ~750 bytes a tenant, never released).
// Not parallel: it measures the heap.
func TestFailingTenantsDoNotGrowTheCache(t *testing.T) {
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	p := &proxy{base: &repeatGets{base: srv.Client().Transport}, answer: jsonAnswer(http.StatusBadRequest,
		`{"error":"unauthorized_client","error_description":"AADSTS700016: Application not found in the directory.","error_codes":[700016]}`)}
	opts := fakeOpts(srv)
	opts.HTTPClient = &http.Client{Transport: p}
	opts.AllowedTenants = []string{"*"}
	opts.Retry.MaxRetries = -1
	cred := secretCred(t, srv, opts)
	eng := graphauth.EngineOf(cred)
	tenant := func(i int) string { return "00000000-0000-4000-8000-" + leftPad(strconv.Itoa(i), 12) }
	_, _ = cred.Token(context.Background(), graphauth.TokenRequest{}) // learns the tenants' discovery document
	for i := range 100 {                                              // the runtime's and the pool's first allocations
		_, _ = cred.Token(context.Background(), graphauth.TokenRequest{TenantID: tenant(i)})
	}
	heap := heapInUse()
	for i := range 5000 {
		_, err := cred.Token(context.Background(), graphauth.TokenRequest{TenantID: tenant(100 + i)})
		require.Error(t, err)
	}
	growth := int64(heapInUse()) - int64(heap)
	t.Logf("5,000 failing tenants: heap growth %d bytes", growth)
	assert.Less(t, growth, int64(256<<10))
	assert.Equal(t, 1, eng.CachedKeys(), "only the credential's own key")
	assert.Zero(t, eng.Throttled())
}

func leftPad(s string, n int) string {
	for len(s) < n {
		s = "0" + s
	}
	return s
}

// hungStore never answers, and ignores its context, as a store behind a
// dead connection without deadlines would.
type hungStore struct{ block chan struct{} }

func (h hungStore) Get(context.Context, string) ([]byte, error) {
	<-h.block
	return nil, graphauth.ErrNotFound
}
func (h hungStore) Set(context.Context, string, []byte, time.Duration) error {
	<-h.block
	return nil
}
func (h hungStore) Delete(context.Context, string) error { <-h.block; return nil }

func TestAHungStoreNeverHoldsATokenRequest(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	store := hungStore{block: make(chan struct{})}
	defer close(store.block)
	opts := fakeOpts(srv)
	opts.Store = store
	cred := secretCred(t, srv, opts)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := cred.Token(ctx, graphauth.TokenRequest{})
	require.NoError(t, err, "the read gave up at its timeout although the store ignored its context")
	_, err = cred.Token(ctx, graphauth.TokenRequest{Fresh: true})
	require.NoError(t, err, "a second write is not queued behind the hung one")
	require.NoError(t, cred.Close(), "Close waits for the hung write only up to its timeout")
	assert.NoError(t, ctx.Err())
}

// A token another replica stored is not served by a replica whose clock is
// behind, once it is within the clock-skew margin of its expiry.
func TestAStoredTokenIsServedOnlyWithAClockSkewMargin(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	store := graphauth.NewMemoryStore()
	writer := replica(t, srv, store, nil)
	written, err := writer.Token(context.Background(), graphauth.TokenRequest{})
	require.NoError(t, err)
	waitForStoreWrites(t, store, 1)

	keys := graphauth.StoreKeysForTest(store)
	require.Len(t, keys, 1)
	value, err := store.Get(context.Background(), keys[0])
	require.NoError(t, err)
	for name, tc := range map[string]struct {
		left   time.Duration // what the reader's clock says is left of the stored token
		served bool
	}{
		"an hour left":                      {time.Hour, true},
		"five minutes left":                 {5 * time.Minute, true},
		"inside safety plus skew (150 s)":   {150 * time.Second, false},
		"expired by the writer's clock":     {-time.Minute, false},
		"expiry a month away (a forgery?)":  {30 * 24 * time.Hour, false},
		"just inside the margin (2 min 59)": {2*time.Minute + 59*time.Second, false},
	} {
		t.Run(name, func(t *testing.T) {
			own := graphauth.NewMemoryStore() // the written token, alone
			require.NoError(t, own.Set(context.Background(), keys[0], value, time.Hour))
			reader := replica(t, srv, own, nil)
			now := written.ExpiresOn.Add(-tc.left)
			graphauth.EngineOf(reader).SetNow(func() time.Time { return now })
			before := srv.Count(graphauthtest.EndpointToken)
			tok, err := reader.Token(context.Background(), graphauth.TokenRequest{})
			require.NoError(t, err)
			took := tok.AccessToken == written.AccessToken
			assert.Equal(t, tc.served, took)
			assert.Equal(t, !tc.served, srv.Count(graphauthtest.EndpointToken) > before)
		})
	}
}

// A stored value that is not a token is dropped, not served.
func TestACorruptStoredTokenIsDropped(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	store := graphauth.NewMemoryStore()
	writer := replica(t, srv, store, nil)
	_, err := writer.Token(context.Background(), graphauth.TokenRequest{})
	require.NoError(t, err)
	waitForStoreWrites(t, store, 1)
	keys := graphauth.StoreKeysForTest(store)
	require.Len(t, keys, 1)
	bad, _ := json.Marshal(map[string]any{"t": "", "e": 1})
	require.NoError(t, store.Set(context.Background(), keys[0], bad, time.Hour))
	reader := replica(t, srv, store, nil)
	_, err = reader.Token(context.Background(), graphauth.TokenRequest{})
	require.NoError(t, err)
	assert.Equal(t, 2, srv.Count(graphauthtest.EndpointToken))
}

// repeatGets answers each GET URL with the first answer it got for it.
type repeatGets struct {
	base    http.RoundTripper
	mu      sync.Mutex
	answers map[string][]byte
}

func (r *repeatGets) RoundTrip(req *http.Request) (*http.Response, error) {
	r.mu.Lock()
	body, ok := r.answers[req.URL.String()]
	r.mu.Unlock()
	if !ok {
		resp, err := r.base.RoundTrip(req)
		if err != nil || resp.StatusCode != http.StatusOK {
			return resp, err
		}
		body, err = io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return nil, err
		}
		r.mu.Lock()
		if r.answers == nil {
			r.answers = map[string][]byte{}
		}
		r.answers[req.URL.String()] = body
		r.mu.Unlock()
	}
	return jsonAnswer(http.StatusOK, string(body))(req)
}

// A Store that hangs for good keeps at most a few goroutines, however many
// misses there are, and the misses after those stop waiting for it.
// Not parallel: it counts the process's goroutines.
func TestAHungStoreKeepsABoundedNumberOfGoroutines(t *testing.T) {
	store := hungStore{block: make(chan struct{})}
	defer close(store.block)
	var requests atomic.Int64
	eng, err := graphauth.NewEngineForTest("11111111-1111-4111-8111-111111111111", "22222222-2222-4222-8222-222222222222",
		func(context.Context, string, []string, string) (string, int64, int64, error) {
			requests.Add(1)
			return "", 0, 0, &graphauth.AuthError{StatusCode: 400, Code: "invalid_request"}
		}, &graphauth.Options{Store: store, AllowedTenants: []string{"*"}})
	require.NoError(t, err)
	before := runtime.NumGoroutine()
	for i := range 40 {
		_, err := eng.Token(context.Background(), graphauth.TokenRequest{TenantID: "00000000-0000-4000-8000-" + leftPad(strconv.Itoa(i), 12)})
		require.Error(t, err)
	}
	require.NoError(t, eng.Close())
	assert.EqualValues(t, 40, requests.Load(), "every miss still reached the platform")
	// Goroutines of earlier tests may still be ending: wait for them.
	for deadline := time.Now().Add(2 * time.Second); runtime.NumGoroutine()-before > 4 && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	if !assert.LessOrEqual(t, runtime.NumGoroutine()-before, 4, "at most four calls left hanging in the store") {
		var buf strings.Builder
		_ = pprof.Lookup("goroutine").WriteTo(&buf, 1)
		t.Log(buf.String())
	}
}

// Concurrent misses against a Store that hangs leave a bounded number of
// goroutines behind too: calls are counted from their start, not only
// once their timeout has passed. Not parallel: it counts goroutines.
func TestConcurrentMissesAgainstAHungStoreAreBounded(t *testing.T) {
	store := hungStore{block: make(chan struct{})}
	defer close(store.block)
	eng, err := graphauth.NewEngineForTest("11111111-1111-4111-8111-111111111111", "22222222-2222-4222-8222-222222222222",
		func(context.Context, string, []string, string) (string, int64, int64, error) {
			return "", 0, 0, &graphauth.AuthError{StatusCode: 400, Code: "invalid_request"}
		}, &graphauth.Options{Store: store, AllowedTenants: []string{"*"}})
	require.NoError(t, err)
	before := runtime.NumGoroutine()
	var wg sync.WaitGroup
	for i := range 200 {
		wg.Go(func() {
			_, _ = eng.Token(context.Background(), graphauth.TokenRequest{TenantID: "33333333-3333-4333-8333-" + leftPad(strconv.Itoa(i), 12)})
		})
	}
	wg.Wait()
	require.NoError(t, eng.Close())
	for deadline := time.Now().Add(2 * time.Second); runtime.NumGoroutine()-before > 32 && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	assert.LessOrEqual(t, runtime.NumGoroutine()-before, 32, "at most 32 calls left hanging in the store")
}
