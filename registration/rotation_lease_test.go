package registration_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/entrakit/entrakit/graphauth"
	"github.com/entrakit/entrakit/graphauth/graphauthtest"
	"github.com/entrakit/entrakit/registration"
	"github.com/entrakit/entrakit/tokenstore"
)

// leasingStore is a shared store that is also a lease, as a
// redisstore.Store is.
type leasingStore struct {
	*graphauth.MemoryStore
	*registration.LocalLease
}

// A fleet that seals its shared Redis store with tokenstore.Encrypted and
// leaves RotatorOptions.Lease out shares the lease of the store beneath:
// while another replica holds it, this one leaves the rotation to it
// rather than making a second new secret.
func TestARotatorSharesTheLeaseOfTheStoreItsSealedStoreWraps(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	app, _ := srv.App(srv.ClientID)
	shared := leasingStore{graphauth.NewMemoryStore(), registration.NewLocalLease()}
	sealed, err := tokenstore.Encrypted(shared, tokenstore.Key{ID: "k1", Secret: make([]byte, 32)})
	require.NoError(t, err)
	assert.Equal(t, graphauth.Store(shared), sealed.Unwrap())
	ok, err := shared.TryAcquire(context.Background(), "rotation:secret:"+strings.ToLower(app.ObjectID), "another replica", time.Hour)
	require.NoError(t, err)
	require.True(t, ok)

	slot, err := graphauth.NewSecretSlot(graphauth.Secret(srv.Secret))
	require.NoError(t, err)
	rot, err := registration.NewRotator(admin(t, srv, "Application.ReadWrite.OwnedBy"), slot, registration.RotatorOptions{
		ObjectID: app.ObjectID, Store: sealed,
		Lead: 800 * 24 * time.Hour, Lifetime: 900 * 24 * time.Hour, // the fake's secret is due at once
	})
	require.NoError(t, err)
	done, err := rot.Check(context.Background())
	require.NoError(t, err)
	assert.Equal(t, registration.LeftToOther, done)
	got, _ := srv.App(srv.ClientID)
	assert.Len(t, got.Secrets, len(app.Secrets), "no second new secret")
}
