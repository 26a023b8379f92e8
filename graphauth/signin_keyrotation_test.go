package graphauth_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/entrakit/entrakit/graphauth"
	"github.com/entrakit/entrakit/graphauth/graphauthtest"
	"github.com/entrakit/entrakit/tokenstore"
)

// A key rotation rolls out one replica at a time: a replica with the new
// key seals with it while one still on the old key cannot open what it
// sealed. That replica deleted the user's entry as corrupt, which signed
// the user out on every replica; it now passes over it.
func TestARollingKeyRotationSignsNoUserOut(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	ctx := context.Background()
	shared := graphauth.NewMemoryStore()
	oldKey := tokenstore.Key{ID: "2026-10", Secret: bytes.Repeat([]byte{1}, 32)}
	newKey := tokenstore.Key{ID: "2026-11", Secret: bytes.Repeat([]byte{2}, 32)}
	rolled, err := tokenstore.Encrypted(shared, newKey, oldKey)
	require.NoError(t, err)
	notYet, err := tokenstore.Encrypted(shared, oldKey)
	require.NoError(t, err)
	auth := graphauth.ClientAuth{Secret: graphauth.Secret(srv.Secret)}
	a := signIn(t, srv, srv.TenantID, auth, func(o *graphauth.SignInOptions) { o.Store = rolled })
	b := signIn(t, srv, srv.TenantID, auth, func(o *graphauth.SignInOptions) { o.Store = notYet })

	authURL, pending, err := a.AuthCodeURL(graphauth.AuthRequest{})
	require.NoError(t, err)
	user, err := a.Complete(ctx, pending, browse(t, srv, authURL))
	require.NoError(t, err)

	_, err = b.Token(ctx, user.AccountID, nil)
	assert.ErrorIs(t, err, graphauth.ErrNoAccount, "the replica without the new key cannot read the user's tokens")
	fresh := signIn(t, srv, srv.TenantID, auth, func(o *graphauth.SignInOptions) { o.Store = rolled })
	_, err = fresh.Token(ctx, user.AccountID, nil)
	assert.NoError(t, err, "a replica with the new key still can: the entry is still there")
}
