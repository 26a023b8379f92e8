//go:build unix

package tokenstore_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/entrakit/entrakit/graphauth"
	"github.com/entrakit/entrakit/graphauth/graphauthtest"
	"github.com/entrakit/entrakit/tokenstore"
)

// holdLock takes key's write lock as another process would, and keeps it
// until the test ends.
func holdLock(t *testing.T, dir, key string) {
	t.Helper()
	sum := sha256.Sum256([]byte(key))
	f, err := os.OpenFile(filepath.Join(dir, hex.EncodeToString(sum[:16]))+".lock", os.O_CREATE|os.O_RDWR, 0o600)
	require.NoError(t, err)
	t.Cleanup(func() { f.Close() })
	// A second descriptor of the same file conflicts with the store's, as
	// another process's would.
	require.NoError(t, syscall.Flock(int(f.Fd()), syscall.LOCK_EX))
}

func TestAHeldFileLockGivesUpWithTheContext(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	store, err := tokenstore.NewFileStore(dir)
	require.NoError(t, err)
	holdLock(t, dir, "k")
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	err = store.Set(ctx, "k", []byte("v"), time.Minute)
	assert.ErrorIs(t, err, context.DeadlineExceeded, "the write gives up instead of blocking in flock")
	_, err = store.Get(context.Background(), "k")
	assert.ErrorIs(t, err, graphauth.ErrNotFound, "nothing half-written")
}

// A lock held by a hung process never blocks token requests: the write
// happens after the caller has its token, and gives up at its deadline.
func TestAHeldFileLockNeverBlocksTokenRequests(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	dir := t.TempDir()
	files, err := tokenstore.NewFileStore(dir)
	require.NoError(t, err)
	// The credential's key for its own tenant and Graph's default scope.
	for _, e := range lockCandidates(srv) {
		holdLock(t, dir, e)
	}
	cred, err := graphauth.NewClientSecretCredential(srv.TenantID, srv.ClientID, graphauth.Secret(srv.Secret),
		&graphauth.Options{AuthorityHost: srv.URL, HTTPClient: srv.Client(), Store: files})
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err = cred.Token(ctx, graphauth.TokenRequest{})
	require.NoError(t, err)
	require.NoError(t, cred.Close(), "Close returns although the write could not take the lock")
	_, err = files.Get(context.Background(), lockCandidates(srv)[0])
	assert.ErrorIs(t, err, graphauth.ErrNotFound, "the write gave up")

	// The same run without the lock held writes that very key.
	free, err := tokenstore.NewFileStore(t.TempDir())
	require.NoError(t, err)
	cred, err = graphauth.NewClientSecretCredential(srv.TenantID, srv.ClientID, graphauth.Secret(srv.Secret),
		&graphauth.Options{AuthorityHost: srv.URL, HTTPClient: srv.Client(), Store: free})
	require.NoError(t, err)
	_, err = cred.Token(ctx, graphauth.TokenRequest{})
	require.NoError(t, err)
	require.NoError(t, cred.Close())
	_, err = free.Get(context.Background(), lockCandidates(srv)[0])
	assert.NoError(t, err)
}

// lockCandidates is the store key a credential uses for its default token:
// "entrakit:token:{client}:{tenant}:{hash of the scopes}".
func lockCandidates(srv *graphauthtest.Server) []string {
	sum := sha256.Sum256([]byte(strings.ToLower(graphauth.AzurePublic.DefaultScope())))
	return []string{"entrakit:token:" + strings.ToLower(srv.ClientID) + ":" + strings.ToLower(srv.TenantID) + ":" + hex.EncodeToString(sum[:12])}
}
