package registration_test

import (
	"context"
	"errors"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/entrakit/entrakit/graphauth"
	"github.com/entrakit/entrakit/graphauth/graphauthtest"
)

// landsThenTimesOut is a store whose first write lands but reports a
// failure, as a Redis SET whose reply is lost to a timeout does.
type landsThenTimesOut struct {
	graphauth.Store
	failed atomic.Bool
}

// Confidential is the wrapped store's: a wrapper keeps what it wraps.
func (s *landsThenTimesOut) Confidential() bool { return graphauth.IsConfidential(s.Store) }

func (s *landsThenTimesOut) Set(ctx context.Context, key string, v []byte, ttl time.Duration) error {
	if err := s.Store.Set(ctx, key, v, ttl); err != nil {
		return err
	}
	if s.failed.CompareAndSwap(false, true) {
		return errors.New("i/o timeout")
	}
	return nil
}

// The store took the new secret though it said it did not: the other
// replicas pick it up, so it must stay on the app. Removing it (the undo
// of a failed share) would take every replica that picked it up down.
func TestRotationKeepsANewSecretTheStoreTookDespiteAnError(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	clock := &testClock{t: srv.Now()}
	fleet := rotationFleet(t, srv, 2, &landsThenTimesOut{Store: graphauth.NewMemoryStore()}, nil, clock, nil)
	ctx := context.Background()
	_, _ = fleet[0].rotator.Check(ctx) // rotates; the share's reply is lost
	_, err := fleet[1].rotator.Check(ctx)
	require.NoError(t, err)
	_, err = fleet[0].rotator.Check(ctx)
	require.NoError(t, err)
	for i, r := range fleet {
		_, err := r.cred.Token(ctx, graphauth.TokenRequest{Fresh: true})
		require.NoError(t, err, "replica %d", i)
		assert.True(t, r.slot.Secret() == fleet[0].slot.Secret(), "both replicas use one secret")
	}
	assert.Equal(t, 2, secretCount(t, srv), "the old and the new secret, nothing undone")

	// After the overlap the old secret goes, and the new one serves.
	clock.Advance(2 * time.Hour)
	for _, r := range fleet {
		_, err := r.rotator.Check(ctx)
		require.NoError(t, err)
	}
	assert.Equal(t, 1, secretCount(t, srv))
	for i, r := range fleet {
		_, err := r.cred.Token(ctx, graphauth.TokenRequest{Fresh: true})
		require.NoError(t, err, "replica %d after the overlap", i)
	}
}

// cutOffAtFirstWrite is a store that is cut off as the rotator first
// writes: that write, and every read after it, fail.
type cutOffAtFirstWrite struct {
	graphauth.Store
	down atomic.Bool
}

func (s *cutOffAtFirstWrite) Confidential() bool { return graphauth.IsConfidential(s.Store) }

func (s *cutOffAtFirstWrite) Get(ctx context.Context, key string) ([]byte, error) {
	if s.down.Load() {
		return nil, errors.New("connection refused")
	}
	return s.Store.Get(ctx, key)
}

func (s *cutOffAtFirstWrite) Set(context.Context, string, []byte, time.Duration) error {
	s.down.Store(true)
	return errors.New("i/o timeout")
}

// When the Store can tell neither way whether the new secret was shared,
// the new secret is left on the app (replicas may have it) and the old one
// stays in use here.
func TestRotationLeavesANewSecretWhoseShareIsUnknown(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	clock := &testClock{t: srv.Now()}
	logs := &safeLog{}
	fleet := rotationFleet(t, srv, 1, &cutOffAtFirstWrite{Store: graphauth.NewMemoryStore()}, nil, clock, slog.New(slog.NewTextHandler(logs, nil)))
	_, err := fleet[0].rotator.Check(context.Background())
	require.Error(t, err)
	assert.Equal(t, 2, secretCount(t, srv), "the new secret stays on the app")
	assert.True(t, graphauth.Secret(srv.Secret) == fleet[0].slot.Secret(), "the old secret stays in use")
	assert.Contains(t, logs.String(), "cannot tell whether the new secret was shared")
	assert.NotContains(t, logs.String(), srv.Secret)
}
