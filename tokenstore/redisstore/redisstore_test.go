package redisstore_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/entrakit/entrakit/graphauth"
	"github.com/entrakit/entrakit/graphauth/graphauthtest"
	"github.com/entrakit/entrakit/internal/redistest"
	"github.com/entrakit/entrakit/tokenstore"
	"github.com/entrakit/entrakit/tokenstore/redisstore"
)

// redisServer starts a redis-server for one test (internal/redistest). The
// client's timeouts are generous, so that a loaded machine does not time
// out a read the test counts on; a Redis that went away refuses
// connections at once, and a credential gives every Store call 300 ms.
func redisServer(t testing.TB) (*redis.Client, func()) {
	t.Helper()
	// Generous timeouts: the tests are about what Redis keeps and shares,
	// on a machine that may be running every other test at once.
	return redistest.Start(t, redis.Options{DialTimeout: 10 * time.Second,
		ReadTimeout: 10 * time.Second, WriteTimeout: 10 * time.Second, MaxRetries: -1})
}

func TestStoreOperations(t *testing.T) {
	t.Parallel()
	rdb, _ := redisServer(t)
	ctx := context.Background()
	s := redisstore.New(rdb, "app1")
	require.NoError(t, s.Set(ctx, "k", []byte("v"), time.Minute))
	v, err := s.Get(ctx, "k")
	require.NoError(t, err)
	assert.Equal(t, "v", string(v))
	ttl, err := rdb.TTL(ctx, "app1:k").Result()
	require.NoError(t, err)
	assert.True(t, ttl > 0 && ttl <= time.Minute, "the TTL comes from the token's expiry: %s", ttl)
	require.NoError(t, s.Delete(ctx, "k"))
	_, err = s.Get(ctx, "k")
	assert.ErrorIs(t, err, graphauth.ErrNotFound)
}

// Eight credentials stand in for eight replicas sharing one Redis.
func TestReplicasShareTokensThroughRedis(t *testing.T) {
	t.Parallel()
	rdb, stop := redisServer(t)
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	var tenants []string
	for i := range 5 {
		tn := srv.AddTenant(graphauthtest.Tenant{DisplayName: fmt.Sprintf("Redis%d", i)})
		srv.AddServicePrincipal(tn.ID, srv.ClientID)
		tenants = append(tenants, tn.ID)
	}
	store, err := tokenstore.Encrypted(redisstore.New(rdb, "fleet"), tokenstore.Key{ID: "k1", Secret: bytes.Repeat([]byte{9}, 32)})
	require.NoError(t, err)
	var logs safeBuffer
	replicas := make([]*graphauth.ClientSecretCredential, 8)
	for i := range replicas {
		replicas[i], err = graphauth.NewClientSecretCredential(srv.TenantID, srv.ClientID, graphauth.Secret(srv.Secret), &graphauth.Options{
			AuthorityHost: srv.URL, HTTPClient: srv.Client(), Store: store, AllowedTenants: []string{"*"},
			Logger: newLogger(&logs), StoreTimeout: 10 * time.Second}) // the test is about sharing, on a machine that may be busy
		require.NoError(t, err)
	}
	var first sync.Map
	for i, r := range replicas { // one after the other: each finds the others' tokens
		for _, tn := range tenants {
			tok, err := r.Token(context.Background(), graphauth.TokenRequest{TenantID: tn})
			require.NoError(t, err)
			if prev, loaded := first.LoadOrStore(tn, tok.AccessToken); loaded {
				assert.True(t, prev == tok.AccessToken, "replica %d took the shared token of %s; the log:\n%s", i, tn, logs.String())
			}
		}
		if i == 0 { // tokens reach the store after their callers have them
			require.Eventually(t, func() bool {
				keys, _ := rdb.Keys(context.Background(), "fleet:*").Result()
				return len(keys) == len(tenants)
			}, 5*time.Second, 5*time.Millisecond)
		}
	}
	assert.Equal(t, len(tenants), srv.Count(graphauthtest.EndpointToken), "one request per tenant for the whole fleet")

	keys, err := rdb.Keys(context.Background(), "fleet:*").Result()
	require.NoError(t, err)
	require.Len(t, keys, len(tenants))
	for _, k := range keys {
		raw, _ := rdb.Get(context.Background(), k).Bytes()
		first.Range(func(_, tok any) bool {
			assert.NotContains(t, string(raw), tok.(string)[:40], "Redis holds no plaintext token")
			return true
		})
	}

	// Redis goes down: a new replica still gets its tokens, from the platform.
	stop()
	late, err := graphauth.NewClientSecretCredential(srv.TenantID, srv.ClientID, graphauth.Secret(srv.Secret), &graphauth.Options{
		AuthorityHost: srv.URL, HTTPClient: srv.Client(), Store: store, AllowedTenants: []string{"*"}, Logger: newLogger(&logs)})
	require.NoError(t, err)
	_, err = late.Token(context.Background(), graphauth.TokenRequest{TenantID: tenants[0]})
	require.NoError(t, err, "a store that is down never fails a token request")
	assert.True(t, strings.Contains(logs.String(), "the token store failed"), logs.String())
}

// A signed-in user's tokens live in Redis, so another replica serves them.
func TestUserTokensInRedis(t *testing.T) {
	t.Parallel()
	rdb, _ := redisServer(t)
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	store, err := tokenstore.Encrypted(redisstore.New(rdb, "web"), tokenstore.Key{ID: "k1", Secret: bytes.Repeat([]byte{3}, 32)})
	require.NoError(t, err)
	newSignIn := func() *graphauth.SignIn {
		s, err := graphauth.NewSignIn(srv.TenantID, srv.ClientID, graphauth.ClientAuth{Secret: graphauth.Secret(srv.Secret)},
			// A generous budget: the test is about what Redis keeps, on a
			// machine that may be running every other test at once.
			&graphauth.SignInOptions{Options: graphauth.Options{AuthorityHost: srv.URL, HTTPClient: srv.Client(), StoreTimeout: 10 * time.Second},
				RedirectURI: "http://localhost/callback", Store: store})
		require.NoError(t, err)
		return s
	}
	a := newSignIn()
	u, p, _ := a.AuthCodeURL(graphauth.AuthRequest{})
	user, err := a.Complete(context.Background(), p, follow(t, srv, u))
	require.NoError(t, err)
	tok, err := newSignIn().Token(context.Background(), user.AccountID, nil)
	require.NoError(t, err)
	assert.NotEmpty(t, tok.AccessToken)
}

// A value set with a ttl of zero or less has expired, as MemoryStore and
// FileStore read it: Redis kept it for ever (no PX for zero) or with the
// earlier value's TTL (KEEPTTL for -1), so a token written with a lifetime
// spent on the way lived on in Redis alone.
func TestAValueSetWithoutATTLHasExpired(t *testing.T) {
	t.Parallel()
	rdb, _ := redisServer(t)
	ctx := context.Background()
	s := redisstore.New(rdb, "app1")
	for _, ttl := range []time.Duration{0, redis.KeepTTL, -time.Minute} {
		require.NoError(t, s.Set(ctx, "k", []byte("earlier"), time.Hour))
		require.NoError(t, s.Set(ctx, "k", []byte("expired"), ttl), ttl)
		v, err := s.Get(ctx, "k")
		assert.ErrorIs(t, err, graphauth.ErrNotFound, "ttl %s: got %q", ttl, v)
		n, err := rdb.Exists(ctx, "app1:k").Result()
		require.NoError(t, err)
		assert.Zero(t, n, "ttl %s: nothing left in Redis", ttl)
	}
}
