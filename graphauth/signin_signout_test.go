package graphauth_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/entrakit/entrakit/graphauth"
	"github.com/entrakit/entrakit/graphauth/graphauthtest"
)

// switchStore is a MemoryStore that can be taken down.
type switchStore struct {
	*graphauth.MemoryStore
	down atomic.Bool
}

var errStoreDown = errors.New("dial tcp 127.0.0.1:6379: connection refused")

func (s *switchStore) Get(ctx context.Context, key string) ([]byte, error) {
	if s.down.Load() {
		return nil, errStoreDown
	}
	return s.MemoryStore.Get(ctx, key)
}

func (s *switchStore) Set(ctx context.Context, key string, v []byte, ttl time.Duration) error {
	if s.down.Load() {
		return errStoreDown
	}
	return s.MemoryStore.Set(ctx, key, v, ttl)
}

// A replica keeps a copy of each user's tokens for when the Store is down.
// A user who signed out on another replica was brought back by that copy at
// the Store's next outage, however long after the replica had read that the
// user's entry was gone; the copy goes once the Store says so.
func TestASignOutElsewhereIsNotUndoneByAnOutage(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	ctx := context.Background()
	store := &switchStore{MemoryStore: graphauth.NewMemoryStore()}
	withStore := func(o *graphauth.SignInOptions) { o.Store = store }
	auth := graphauth.ClientAuth{Secret: graphauth.Secret(srv.Secret)}
	a, b := signIn(t, srv, srv.TenantID, auth, withStore), signIn(t, srv, srv.TenantID, auth, withStore)

	authURL, pending, err := b.AuthCodeURL(graphauth.AuthRequest{})
	require.NoError(t, err)
	user, err := b.Complete(ctx, pending, browse(t, srv, authURL))
	require.NoError(t, err)
	require.NoError(t, a.SignOut(ctx, user.AccountID), "signed out on replica A")

	_, err = b.Token(ctx, user.AccountID, nil)
	require.ErrorIs(t, err, graphauth.ErrNoAccount, "replica B reads that the user is gone")
	store.down.Store(true)
	tok, err := b.Token(ctx, user.AccountID, nil)
	assert.ErrorIs(t, err, graphauth.ErrNoAccount, "the Store is down: replica B's old copy served a token: %t", tok.AccessToken != "")
}
