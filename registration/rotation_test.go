package registration_test

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/entrakit/entrakit/graphauth"
	"github.com/entrakit/entrakit/graphauth/graphauthtest"
	"github.com/entrakit/entrakit/registration"
	"github.com/entrakit/entrakit/tokenstore"
)

// testClock is a clock the test moves.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

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

// replica is one process of a fleet: its live secret, its credential and
// its rotator.
type replica struct {
	slot    *graphauth.SecretSlot
	cred    *graphauth.FallbackCredential
	rotator *registration.Rotator
}

// rotationFleet returns n replicas of the default app, all rotating its
// secret through the shared store and lease, on clock.
func rotationFleet(t testing.TB, srv *graphauthtest.Server, n int, store graphauth.Store, lease registration.Lease, clock *testClock, logger *slog.Logger) []replica {
	t.Helper()
	srv.GrantAppRoles(srv.TenantID, srv.ClientID, "Application.ReadWrite.OwnedBy")
	app, ok := srv.App(srv.ClientID)
	require.True(t, ok)
	out := make([]replica, n)
	for i := range out {
		slot, err := graphauth.NewSecretSlot(graphauth.Secret(srv.Secret))
		require.NoError(t, err)
		cred, err := graphauth.NewFallbackCredential(srv.TenantID, srv.ClientID, []graphauth.ClientCredential{graphauth.RotatedSecret("live", slot)},
			&graphauth.FallbackOptions{CertificateOptions: graphauth.CertificateOptions{Options: graphauth.Options{AuthorityHost: srv.URL, HTTPClient: srv.Client()}}})
		require.NoError(t, err)
		t.Cleanup(func() { cred.Close() })
		c, err := registration.NewClient(cred, &registration.ClientOptions{GraphEndpoint: srv.URL, HTTPClient: srv.Client(),
			Retry: graphauth.RetryOptions{MinWait: time.Millisecond, MaxWait: 5 * time.Millisecond}})
		require.NoError(t, err)
		rot, err := registration.NewRotator(c, slot, registration.RotatorOptions{
			ObjectID: app.ObjectID, Store: store, Lease: lease, Logger: logger,
			Lead: 800 * 24 * time.Hour, Lifetime: 900 * 24 * time.Hour, Overlap: time.Hour, Now: clock.Now,
		})
		require.NoError(t, err)
		out[i] = replica{slot, cred, rot}
	}
	return out
}

func secretCount(t testing.TB, srv *graphauthtest.Server) int {
	app, ok := srv.App(srv.ClientID)
	require.True(t, ok)
	return len(app.Secrets)
}

func TestRotationWithTwoReplicas(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	clock := &testClock{t: srv.Now()}
	logs := &safeLog{}
	fleet := rotationFleet(t, srv, 2, graphauth.NewMemoryStore(), registration.NewLocalLease(), clock, slog.New(slog.NewTextHandler(logs, nil)))
	ctx := context.Background()
	old := srv.Secret

	var wg sync.WaitGroup
	outcomes := make([]registration.Rotation, 2)
	for i := range fleet {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var err error
			outcomes[i], err = fleet[i].rotator.Check(ctx)
			assert.NoError(t, err)
		}()
	}
	wg.Wait()
	assert.Equal(t, 2, secretCount(t, srv), "one replica added one secret")
	assert.Contains(t, outcomes, registration.Rotated)
	for i := range fleet {
		if outcomes[i] != registration.Rotated {
			got, err := fleet[i].rotator.Check(ctx)
			require.NoError(t, err)
			assert.Contains(t, []registration.Rotation{registration.PickedUp, registration.Nothing}, got)
		}
	}
	require.True(t, fleet[0].slot.Secret() == fleet[1].slot.Secret(), "both replicas use the new secret")
	require.True(t, graphauth.Secret(old) != fleet[0].slot.Secret(), "the secret changed")
	for _, r := range fleet {
		_, err := r.cred.Token(ctx, graphauth.TokenRequest{Fresh: true})
		require.NoError(t, err)
	}

	// Within the overlap the old secret stays; after it, it is removed once.
	for _, r := range fleet {
		got, err := r.rotator.Check(ctx)
		require.NoError(t, err)
		assert.Equal(t, registration.Nothing, got)
	}
	assert.Equal(t, 2, secretCount(t, srv))
	clock.Advance(2 * time.Hour)
	for _, r := range fleet {
		_, err := r.rotator.Check(ctx)
		require.NoError(t, err)
	}
	assert.Equal(t, 1, secretCount(t, srv))
	_, err := graphauth.NewClientSecretCredential(srv.TenantID, srv.ClientID, graphauth.Secret(old), nil)
	require.NoError(t, err)
	oldCred, err := graphauth.NewClientSecretCredential(srv.TenantID, srv.ClientID, graphauth.Secret(old), &graphauth.Options{AuthorityHost: srv.URL, HTTPClient: srv.Client()})
	require.NoError(t, err)
	_, err = oldCred.Token(ctx, graphauth.TokenRequest{})
	var aerr *graphauth.AuthError
	require.True(t, errors.As(err, &aerr))
	assert.True(t, aerr.HasCode(7000215), "the old secret is gone")
	for _, r := range fleet {
		_, err := r.cred.Token(ctx, graphauth.TokenRequest{Fresh: true})
		require.NoError(t, err)
	}
	for _, step := range []string{"adding a new one", "rotated: the new secret is in use", "removed the old secret"} {
		assert.Contains(t, logs.String(), step)
	}
	assert.NotContains(t, logs.String(), old)
	assert.NotContains(t, logs.String(), string(fleet[0].slot.Secret()))
}

func TestRotationFailureKeepsTheOldSecret(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	clock := &testClock{t: srv.Now()}
	fleet := rotationFleet(t, srv, 1, graphauth.NewMemoryStore(), nil, clock, nil)
	srv.InjectFault(graphauthtest.Fault{Endpoint: graphauthtest.EndpointGraph, Path: "/applications/", Status: 403, Error: "Authorization_RequestDenied", Times: -1})
	_, err := fleet[0].rotator.Check(context.Background())
	require.Error(t, err)
	assert.True(t, graphauth.Secret(srv.Secret) == fleet[0].slot.Secret(), "the old secret stays in use")
	_, err = fleet[0].cred.Token(context.Background(), graphauth.TokenRequest{Fresh: true})
	require.NoError(t, err)
}

func TestRotationUndoesANewSecretItCouldNotShare(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	clock := &testClock{t: srv.Now()}
	fleet := rotationFleet(t, srv, 1, failingSets{graphauth.NewMemoryStore()}, nil, clock, nil)
	_, err := fleet[0].rotator.Check(context.Background())
	require.Error(t, err)
	assert.Equal(t, 1, secretCount(t, srv), "the new secret was removed again")
	assert.True(t, graphauth.Secret(srv.Secret) == fleet[0].slot.Secret(), "the old secret stays in use")
}

func TestRotatorBadInput(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	c := admin(t, srv)
	slot, err := graphauth.NewSecretSlot(graphauth.Secret(srv.Secret))
	require.NoError(t, err)
	store := graphauth.NewMemoryStore()
	for name, o := range map[string]registration.RotatorOptions{
		"no object ID":               {Store: store},
		"no store":                   {ObjectID: "x"},
		"negative lead":              {ObjectID: "x", Store: store, Lead: -1},
		"lifetime shorter than lead": {ObjectID: "x", Store: store, Lead: 48 * time.Hour, Lifetime: 24 * time.Hour},
		// A replica picks the new secret up at its next check: an old
		// secret removed before then took the replicas still on it down.
		"overlap shorter than interval": {ObjectID: "x", Store: store, Overlap: time.Hour, Interval: 2 * time.Hour},
	} {
		_, err := registration.NewRotator(c, slot, o)
		assert.Error(t, err, name)
	}
	_, err = registration.NewRotator(c, slot, registration.RotatorOptions{ObjectID: "x", Store: store, Interval: 2 * time.Hour})
	assert.NoError(t, err, "a zero Overlap follows a long Interval")
	_, err = registration.NewRotator(c, nil, registration.RotatorOptions{ObjectID: "x", Store: store})
	assert.Error(t, err)
	// A shared store that would keep the secret readable (a plain Redis,
	// say) is refused; the same store sealed is taken.
	_, err = registration.NewRotator(c, slot, registration.RotatorOptions{ObjectID: "x", Store: plainStore{store}})
	assert.ErrorContains(t, err, "tokenstore.Encrypted")
	sealed, err := tokenstore.Encrypted(plainStore{store}, tokenstore.Key{ID: "k1", Secret: make([]byte, 32)})
	require.NoError(t, err)
	_, err = registration.NewRotator(c, slot, registration.RotatorOptions{ObjectID: "x", Store: sealed})
	assert.NoError(t, err)
	_, err = graphauth.NewSecretSlot("")
	assert.Error(t, err)
}

// plainStore hides that the store it wraps is confidential, as a store that
// leaves the process (Redis) would be.
type plainStore struct{ graphauth.Store }

// failingSets is a store whose writes fail.
type failingSets struct{ graphauth.Store }

func (f failingSets) Confidential() bool { return graphauth.IsConfidential(f.Store) }

func (failingSets) Set(context.Context, string, []byte, time.Duration) error {
	return errors.New("store unavailable")
}

type safeLog struct {
	mu sync.Mutex
	b  []byte
}

func (s *safeLog) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.b = append(s.b, p...)
	return len(p), nil
}

func (s *safeLog) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return string(s.b)
}

func TestRotationRefusesACorruptSharedState(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	store := graphauth.NewMemoryStore()
	app, _ := srv.App(srv.ClientID)
	require.NoError(t, store.Set(context.Background(), "rotation:secret:"+app.ObjectID, []byte(`{"keyId":"x","value":"","kind":"secret"}`), time.Hour))
	fleet := rotationFleet(t, srv, 1, store, nil, &testClock{t: srv.Now()}, nil)
	_, err := fleet[0].rotator.Check(context.Background())
	assert.ErrorIs(t, err, graphauth.ErrCorruptEntry)
	assert.True(t, graphauth.Secret(srv.Secret) == fleet[0].slot.Secret(), "the secret in use is unchanged")
}

func TestRotatorRunChecksUntilItsContextEnds(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	clock := &testClock{t: srv.Now()}
	slot, err := graphauth.NewSecretSlot(graphauth.Secret(srv.Secret))
	require.NoError(t, err)
	srv.GrantAppRoles(srv.TenantID, srv.ClientID, "Application.ReadWrite.OwnedBy")
	app, _ := srv.App(srv.ClientID)
	cred, err := graphauth.NewFallbackCredential(srv.TenantID, srv.ClientID, []graphauth.ClientCredential{graphauth.RotatedSecret("live", slot)},
		&graphauth.FallbackOptions{CertificateOptions: graphauth.CertificateOptions{Options: graphauth.Options{AuthorityHost: srv.URL, HTTPClient: srv.Client()}}})
	require.NoError(t, err)
	defer cred.Close()
	c, err := registration.NewClient(cred, &registration.ClientOptions{GraphEndpoint: srv.URL, HTTPClient: srv.Client()})
	require.NoError(t, err)
	rot, err := registration.NewRotator(c, slot, registration.RotatorOptions{ObjectID: app.ObjectID, Store: graphauth.NewMemoryStore(),
		Lead: 800 * 24 * time.Hour, Lifetime: 900 * 24 * time.Hour, Interval: 5 * time.Millisecond, Now: clock.Now})
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- rot.Run(ctx) }()
	require.Eventually(t, func() bool { return slot.Secret() != graphauth.Secret(srv.Secret) }, 10*time.Second, 5*time.Millisecond)
	cancel()
	assert.ErrorIs(t, <-done, context.Canceled)
	assert.Equal(t, 2, secretCount(t, srv), "one rotation, however many checks")
}

// FuzzRotatorSharedState puts anything in the Store where the replicas
// share the live secret: Check never panics, and the slot only ever takes
// a well-formed secret.
func FuzzRotatorSharedState(f *testing.F) {
	srv := graphauthtest.NewServer(nil)
	f.Cleanup(srv.Close)
	app, _ := srv.App(srv.ClientID)
	f.Add([]byte(`{"keyId":"k","value":"abc~def~ghi","kind":"secret","end":"2030-01-01T00:00:00Z"}`))
	f.Add([]byte(`{"keyId":"k","value":"11111111-2222-3333-4444-555555555555","kind":"secret"}`))
	f.Add([]byte(`{"keyId":"k","value":"x","kind":"certificate"}`))
	f.Add([]byte(`not json`))
	f.Fuzz(func(t *testing.T, data []byte) {
		store := graphauth.NewMemoryStore()
		if err := store.Set(context.Background(), "rotation:secret:"+app.ObjectID, data, time.Hour); err != nil {
			t.Skip("the store refuses this value")
		}
		fleet := rotationFleet(t, srv, 1, store, nil, &testClock{t: srv.Now()}, nil)
		_, _ = fleet[0].rotator.Check(context.Background())
		if s := fleet[0].slot.Secret(); registration.CheckSecret(string(s)) != nil {
			t.Fatalf("the slot took a malformed secret")
		}
	})
}
