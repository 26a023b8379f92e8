package registration_test

import (
	"context"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/entrakit/entrakit/graphauth"
	"github.com/entrakit/entrakit/graphauth/graphauthtest"
	"github.com/entrakit/entrakit/registration"
)

// lapsingLease grants the lease once; after that, it has passed to
// another replica, as a lease that expired while its holder waited on
// Graph does.
type lapsingLease struct{ taken atomic.Int32 }

func (l *lapsingLease) TryAcquire(context.Context, string, string, time.Duration) (bool, error) {
	return l.taken.Add(1) == 1, nil
}

func (l *lapsingLease) Release(context.Context, string, string) error { return nil }

// A replica whose addPassword outlasted the lease shared its new secret
// all the same, while the replica that took the lease over made one too:
// the later share won, and the other secret stayed on the app, valid and
// never removed. The lease is extended before the share; a replica that
// lost it removes its new secret and leaves the rotation to the other.
func TestARotationThatLostItsLeaseUndoesItsNewSecret(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	clock := &testClock{t: srv.Now()}
	store := graphauth.NewMemoryStore()
	fleet := rotationFleet(t, srv, 1, store, &lapsingLease{}, clock, nil)
	before := secretCount(t, srv)
	got, err := fleet[0].rotator.Check(context.Background())
	require.NoError(t, err)
	assert.Equal(t, registration.LeftToOther, got)
	assert.Equal(t, before, secretCount(t, srv), "the new secret was removed again")
	assert.True(t, graphauth.Secret(srv.Secret) == fleet[0].slot.Secret(), "the old secret stays in use")
	assert.Zero(t, store.Len(), "nothing was shared")
}

// A replica that stopped between addPassword and sharing the new secret
// left it on the app, valid, with a value nobody holds; the next rotation
// made another and said nothing. It now names the orphans in its log (and
// leaves them: another deployment of the app may be using them).
func TestARotationNamesTheSecretsAnEarlierOneLeftBehind(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	clock := &testClock{t: srv.Now()}
	logs := &safeLog{}
	fleet := rotationFleet(t, srv, 1, graphauth.NewMemoryStore(), nil, clock, slog.New(slog.NewTextHandler(logs, nil)))
	app, _ := srv.App(srv.ClientID)
	c := admin(t, srv, "Application.ReadWrite.OwnedBy")
	orphan, err := c.AddPassword(context.Background(), app.ObjectID, "rotated 2026-01-01", time.Time{}) // the crashed replica's
	require.NoError(t, err)
	got, err := fleet[0].rotator.Check(context.Background())
	require.NoError(t, err)
	assert.Equal(t, registration.Rotated, got)
	assert.Contains(t, logs.String(), orphan.KeyID)
	assert.NotContains(t, logs.String(), string(orphan.SecretText))
	after, _ := srv.App(srv.ClientID)
	assert.Len(t, after.Secrets, len(app.Secrets)+2, "the orphan is named, not removed")
}
