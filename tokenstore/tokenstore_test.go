package tokenstore_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/entrakit/entrakit/graphauth"
	"github.com/entrakit/entrakit/graphauth/graphauthtest"
	"github.com/entrakit/entrakit/tokenstore"
)

func key(id string, b byte) tokenstore.Key {
	return tokenstore.Key{ID: id, Secret: bytes.Repeat([]byte{b}, 32)}
}

func TestEncryptedSealsAndRotates(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	inner := graphauth.NewMemoryStore()
	old, err := tokenstore.Encrypted(inner, key("2026-10", 1))
	require.NoError(t, err)
	require.NoError(t, old.Set(ctx, "k", []byte("an access token"), time.Hour))
	raw, err := inner.Get(ctx, "k")
	require.NoError(t, err)
	assert.NotContains(t, string(raw), "an access token", "no plaintext reaches the store beneath")

	rotated, err := tokenstore.Encrypted(inner, key("2026-11", 2), key("2026-10", 1))
	require.NoError(t, err)
	v, err := rotated.Get(ctx, "k")
	require.NoError(t, err, "the old key still opens what it sealed")
	assert.Equal(t, "an access token", string(v))
	require.NoError(t, rotated.Set(ctx, "k2", []byte("new"), time.Hour))
	_, err = old.Get(ctx, "k2")
	assert.ErrorIs(t, err, graphauth.ErrCorruptEntry, "the old configuration does not know the new key")

	moved, _ := inner.Get(ctx, "k")
	require.NoError(t, inner.Set(ctx, "other", moved, time.Hour))
	_, err = rotated.Get(ctx, "other")
	assert.ErrorIs(t, err, graphauth.ErrCorruptEntry, "a value is bound to its key")
	_, err = rotated.Get(ctx, "missing")
	assert.ErrorIs(t, err, graphauth.ErrNotFound)

	for name, keys := range map[string][]tokenstore.Key{
		"no key": nil, "short secret": {{ID: "a", Secret: []byte("short")}}, "no ID": {key("", 1)}, "twice": {key("a", 1), key("a", 2)},
	} {
		_, err := tokenstore.Encrypted(inner, keys...)
		assert.Error(t, err, name)
	}
}

func TestFileStore(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "tokens")
	a, err := tokenstore.NewFileStore(dir)
	require.NoError(t, err)
	b, err := tokenstore.NewFileStore(dir) // another process on the host
	require.NoError(t, err)
	require.NoError(t, a.Set(ctx, "k", []byte("v1"), time.Hour))
	v, err := b.Get(ctx, "k")
	require.NoError(t, err)
	assert.Equal(t, "v1", string(v))

	var wg sync.WaitGroup
	for i := range 50 {
		wg.Go(func() {
			s := a
			if i%2 == 1 {
				s = b
			}
			assert.NoError(t, s.Set(ctx, "contended", []byte(fmt.Sprintf("value %02d", i)), time.Hour))
			got, err := s.Get(ctx, "contended")
			assert.NoError(t, err)
			assert.Len(t, got, len("value 00"), "never half a value")
		})
	}
	wg.Wait()

	require.NoError(t, a.Set(ctx, "short", []byte("x"), time.Nanosecond))
	time.Sleep(time.Millisecond) // let the nanosecond pass; no timing is asserted
	_, err = a.Get(ctx, "short")
	assert.ErrorIs(t, err, graphauth.ErrNotFound, "expired")
	require.NoError(t, a.Delete(ctx, "k"))
	_, err = b.Get(ctx, "k")
	assert.ErrorIs(t, err, graphauth.ErrNotFound)
	require.NoError(t, a.Delete(ctx, "never-there"))

	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		info, _ := e.Info()
		assert.Equal(t, os.FileMode(0o600), info.Mode().Perm()&0o600, e.Name())
	}
}

// Replicas on one host share tokens through an encrypted file store.
func TestReplicasShareThroughAnEncryptedFileStore(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	dir := t.TempDir()
	var tokens []string
	for range 3 {
		files, err := tokenstore.NewFileStore(dir)
		require.NoError(t, err)
		store, err := tokenstore.Encrypted(files, key("k1", 7))
		require.NoError(t, err)
		cred, err := graphauth.NewClientSecretCredential(srv.TenantID, srv.ClientID, graphauth.Secret(srv.Secret),
			// A generous budget: the test is about what the files keep, on a
			// machine that may be fsyncing for every other test at once.
			&graphauth.Options{AuthorityHost: srv.URL, HTTPClient: srv.Client(), Store: store, StoreTimeout: 10 * time.Second})
		require.NoError(t, err)
		tok, err := cred.Token(context.Background(), graphauth.TokenRequest{})
		require.NoError(t, err)
		tokens = append(tokens, tok.AccessToken)
		require.NoError(t, cred.Close(), "waits for the store write")
	}
	assert.Equal(t, tokens[0], tokens[1])
	assert.Equal(t, tokens[0], tokens[2])
	assert.Equal(t, 1, srv.Count(graphauthtest.EndpointToken))
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		data, _ := os.ReadFile(filepath.Join(dir, e.Name()))
		assert.NotContains(t, string(data), tokens[0][:40], "no plaintext token on disk")
	}
}

// An EncryptedStore declared rather than made by Encrypted has no key: it
// is not confidential (a Rotator refuses it) and refuses every call
// instead of panicking.
func TestAnEncryptedStoreNotMadeByEncryptedIsNotConfidential(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	var zero tokenstore.EncryptedStore
	assert.False(t, graphauth.IsConfidential(&zero))
	assert.ErrorContains(t, zero.Set(ctx, "k", []byte("secret value"), time.Minute), "made by Encrypted")
	_, err := zero.Get(ctx, "k")
	assert.Error(t, err)
	assert.Error(t, zero.Delete(ctx, "k"))
	made, err := tokenstore.Encrypted(graphauth.NewMemoryStore(), key("k1", 1))
	require.NoError(t, err)
	assert.True(t, graphauth.IsConfidential(made))
}
