package redisstore_test

import (
	"bytes"
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/entrakit/entrakit/graphauth"
	"github.com/entrakit/entrakit/graphauth/graphauthtest"
	"github.com/entrakit/entrakit/registration"
	"github.com/entrakit/entrakit/tokenstore"
	"github.com/entrakit/entrakit/tokenstore/redisstore"
)

func TestLeaseIsHeldByOneHolderAtATime(t *testing.T) {
	t.Parallel()
	rdb, _ := redisServer(t)
	ctx := context.Background()
	s := redisstore.New(rdb, "app")
	ok, err := s.TryAcquire(ctx, "rotation", "a", time.Minute)
	require.NoError(t, err)
	assert.True(t, ok)
	ok, err = s.TryAcquire(ctx, "rotation", "b", time.Minute)
	require.NoError(t, err)
	assert.False(t, ok, "b waits while a holds it")
	ok, err = s.TryAcquire(ctx, "rotation", "a", time.Minute)
	require.NoError(t, err)
	assert.True(t, ok, "a extends its own lease")
	require.NoError(t, s.Release(ctx, "rotation", "b"), "b cannot release a's lease")
	ok, _ = s.TryAcquire(ctx, "rotation", "b", time.Minute)
	assert.False(t, ok)
	require.NoError(t, s.Release(ctx, "rotation", "a"))
	ok, err = s.TryAcquire(ctx, "rotation", "b", time.Minute)
	require.NoError(t, err)
	assert.True(t, ok)
	_, err = s.TryAcquire(ctx, "", "b", time.Minute)
	assert.Error(t, err)
}

// Two replicas, each with its own Redis connection, rotate the app's
// secret: one rotates, the other picks the new secret up, one removes the
// old secret after the overlap.
func TestRotationWithTwoReplicasSharingRedis(t *testing.T) {
	t.Parallel()
	rdb, _ := redisServer(t)
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	srv.GrantAppRoles(srv.TenantID, srv.ClientID, "Application.ReadWrite.OwnedBy")
	app, _ := srv.App(srv.ClientID)
	var mu sync.Mutex
	now := srv.Now()
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	type replica struct {
		slot *graphauth.SecretSlot
		cred *graphauth.FallbackCredential
		rot  *registration.Rotator
	}
	var fleet [2]replica
	for i := range fleet {
		conn := redis.NewClient(&redis.Options{Addr: rdb.Options().Addr})
		t.Cleanup(func() { conn.Close() })
		shared := redisstore.New(conn, "fleet")
		store, err := tokenstore.Encrypted(shared, tokenstore.Key{ID: "k1", Secret: bytes.Repeat([]byte{7}, 32)})
		require.NoError(t, err)
		slot, err := graphauth.NewSecretSlot(graphauth.Secret(srv.Secret))
		require.NoError(t, err)
		cred, err := graphauth.NewFallbackCredential(srv.TenantID, srv.ClientID, []graphauth.ClientCredential{graphauth.RotatedSecret("live", slot)},
			&graphauth.FallbackOptions{CertificateOptions: graphauth.CertificateOptions{Options: graphauth.Options{AuthorityHost: srv.URL, HTTPClient: srv.Client()}}})
		require.NoError(t, err)
		t.Cleanup(func() { cred.Close() })
		c, err := registration.NewClient(cred, &registration.ClientOptions{GraphEndpoint: srv.URL, HTTPClient: srv.Client()})
		require.NoError(t, err)
		rot, err := registration.NewRotator(c, slot, registration.RotatorOptions{ObjectID: app.ObjectID, Store: store, Lease: shared,
			Lead: 800 * 24 * time.Hour, Lifetime: 900 * 24 * time.Hour, Overlap: time.Hour, Now: clock})
		require.NoError(t, err)
		fleet[i] = replica{slot, cred, rot}
	}
	ctx := context.Background()
	var wg sync.WaitGroup
	results := make([]registration.Rotation, 2)
	for i := range fleet {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := fleet[i].rot.Check(ctx)
			assert.NoError(t, err)
			results[i] = r
		}()
	}
	wg.Wait()
	assert.Contains(t, results, registration.Rotated, fmt.Sprint(results))
	for i := range fleet {
		_, err := fleet[i].rot.Check(ctx)
		require.NoError(t, err)
	}
	require.True(t, fleet[0].slot.Secret() == fleet[1].slot.Secret(), "both replicas use the new secret")
	got, _ := srv.App(srv.ClientID)
	assert.Len(t, got.Secrets, 2)

	mu.Lock()
	now = now.Add(2 * time.Hour)
	mu.Unlock()
	for i := range fleet {
		_, err := fleet[i].rot.Check(ctx)
		require.NoError(t, err)
		_, err = fleet[i].cred.Token(ctx, graphauth.TokenRequest{Fresh: true})
		require.NoError(t, err)
	}
	got, _ = srv.App(srv.ClientID)
	require.Len(t, got.Secrets, 1)
	assert.True(t, got.Secrets[0].Value == string(fleet[0].slot.Secret()), "the new secret is the one left")
	keys, err := rdb.Keys(ctx, "fleet:*").Result()
	require.NoError(t, err)
	for _, k := range keys {
		v, _ := rdb.Get(ctx, k).Bytes()
		assert.NotContains(t, string(v), got.Secrets[0].Value, "Redis holds the secret sealed")
	}
}

// A replica that dies holding the lease (it never releases it) holds up
// the others only until the lease's time runs out.
func TestLeaseOfAHolderThatDiedPassesOnWhenItExpires(t *testing.T) {
	t.Parallel()
	rdb, _ := redisServer(t)
	ctx := context.Background()
	s := redisstore.New(rdb, "app")
	ok, err := s.TryAcquire(ctx, "rotation", "dead", 200*time.Millisecond)
	require.NoError(t, err)
	require.True(t, ok)
	ok, err = s.TryAcquire(ctx, "rotation", "alive", time.Minute)
	require.NoError(t, err)
	require.False(t, ok)
	require.Eventually(t, func() bool {
		ok, err := s.TryAcquire(ctx, "rotation", "alive", time.Minute)
		return err == nil && ok
	}, 10*time.Second, 20*time.Millisecond)
	require.NoError(t, s.Release(ctx, "rotation", "dead"), "the dead holder's late release is harmless")
	ok, err = s.TryAcquire(ctx, "rotation", "other", time.Minute)
	require.NoError(t, err)
	assert.False(t, ok, "and leaves the new holder's lease alone")
}
