package graphauth_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/entrakit/entrakit/graphauth"
	"github.com/entrakit/entrakit/graphauth/graphauthtest"
)

func replica(t *testing.T, srv *graphauthtest.Server, store graphauth.Store, logs *syncWriter) *graphauth.ClientSecretCredential {
	t.Helper()
	opts := fakeOpts(srv)
	opts.Store = store
	opts.AllowedTenants = []string{"*"}
	if logs != nil {
		opts.Logger = newTextLogger(logs)
	}
	return secretCred(t, srv, opts)
}

func TestReplicasShareTokensThroughTheStore(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	store := graphauth.NewMemoryStore()
	a, b := replica(t, srv, store, nil), replica(t, srv, store, nil)
	ta, err := a.Token(context.Background(), graphauth.TokenRequest{})
	require.NoError(t, err)
	waitForStoreWrites(t, store, 1)
	tb, err := b.Token(context.Background(), graphauth.TokenRequest{})
	require.NoError(t, err)
	assert.True(t, ta.AccessToken == tb.AccessToken, "the second replica took the first one's token")
	assert.Equal(t, 1, srv.Count(graphauthtest.EndpointToken))
	fresh, err := b.Token(context.Background(), graphauth.TokenRequest{Fresh: true})
	require.NoError(t, err)
	assert.NotEqual(t, ta.AccessToken, fresh.AccessToken, "Fresh goes to the platform")
}

// failingStore is a Store that is down, or returns garbage.
type failingStore struct {
	mu      sync.Mutex
	garbage bool
	deleted int
}

func (f *failingStore) Get(context.Context, string) ([]byte, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.garbage {
		return []byte("not json"), nil
	}
	return nil, errors.New("dial tcp 127.0.0.1:6379: connection refused")
}

func (f *failingStore) Set(context.Context, string, []byte, time.Duration) error {
	return errors.New("dial tcp 127.0.0.1:6379: connection refused")
}

func (f *failingStore) Delete(context.Context, string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.deleted++
	return nil
}

func TestAStoreThatFailsNeverFailsATokenRequest(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	logs := &syncWriter{w: new(strings.Builder)}
	down := &failingStore{}
	tok, err := replica(t, srv, down, logs).Token(context.Background(), graphauth.TokenRequest{})
	require.NoError(t, err)
	assert.NotEmpty(t, tok.AccessToken)
	assert.Contains(t, logs.String(), "the token store failed")

	garbage := &failingStore{garbage: true}
	_, err = replica(t, srv, garbage, logs).Token(context.Background(), graphauth.TokenRequest{})
	require.NoError(t, err)
	assert.Equal(t, 1, garbage.deleted, "an entry that cannot be read is dropped")
	assert.Contains(t, logs.String(), "dropping a stored token")
}

func TestSignedInUsersSurviveOnAnotherReplica(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	store := graphauth.NewMemoryStore()
	newSignIn := func() *graphauth.SignIn {
		s := signIn(t, srv, srv.TenantID, graphauth.ClientAuth{Secret: graphauth.Secret(srv.Secret)}, func(o *graphauth.SignInOptions) { o.Store = store })
		return s
	}
	a := newSignIn()
	u, p, _ := a.AuthCodeURL(graphauth.AuthRequest{LoginHint: "adele@contoso.onmicrosoft.com"})
	user, err := a.Complete(context.Background(), p, browse(t, srv, u))
	require.NoError(t, err)

	b := newSignIn() // another replica, or the same after a restart
	tok, err := b.Token(context.Background(), user.AccountID, nil)
	require.NoError(t, err, "the user's tokens were in the store")
	assert.NotEmpty(t, tok.AccessToken)
	require.NoError(t, b.SignOut(context.Background(), user.AccountID))
	_, err = a.Token(context.Background(), user.AccountID, nil)
	assert.ErrorIs(t, err, graphauth.ErrNoAccount, "signing out on one replica signs out everywhere")
}

func TestSignInCarriesOnWhenTheStoreFails(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	logs := &syncWriter{w: new(strings.Builder)}
	s := signIn(t, srv, srv.TenantID, graphauth.ClientAuth{Secret: graphauth.Secret(srv.Secret)}, func(o *graphauth.SignInOptions) {
		o.Store, o.Logger = &failingStore{}, newTextLogger(logs)
	})
	u, p, _ := s.AuthCodeURL(graphauth.AuthRequest{})
	user, err := s.Complete(context.Background(), p, browse(t, srv, u))
	require.NoError(t, err, "a store that is down does not fail the sign-in")
	tok, err := s.Token(context.Background(), user.AccountID, nil)
	require.NoError(t, err, "this process's copy serves the user")
	assert.NotEmpty(t, tok.AccessToken)
	assert.Contains(t, logs.String(), "the token store failed")
}

// slowWriteStore is a MemoryStore whose writes take as long as an fsync on
// a loaded machine can: longer than a read may.
type slowWriteStore struct {
	*graphauth.MemoryStore
	delay time.Duration
}

func (s slowWriteStore) Set(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	select {
	case <-time.After(s.delay):
	case <-ctx.Done():
		return ctx.Err()
	}
	return s.MemoryStore.Set(ctx, key, value, ttl)
}

// A write runs after the callers have their token, so it is given longer
// than a read: a store whose writes take 600 ms still receives the token,
// and the next replica takes it from there instead of from the platform.
func TestASlowStoreWriteStillLands(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	store := slowWriteStore{graphauth.NewMemoryStore(), 600 * time.Millisecond}
	a := replica(t, srv, store, nil)
	ta, err := a.Token(context.Background(), graphauth.TokenRequest{})
	require.NoError(t, err)
	require.NoError(t, a.Close()) // waits for the write under way
	assert.Equal(t, 1, store.Len(), "the write landed")
	tb, err := replica(t, srv, store, nil).Token(context.Background(), graphauth.TokenRequest{})
	require.NoError(t, err)
	assert.True(t, ta.AccessToken == tb.AccessToken, "the second replica took the stored token")
	assert.Equal(t, 1, srv.Count(graphauthtest.EndpointToken))
}

// slowReadStore is a MemoryStore whose reads take delay, as a Redis across
// a slow link does.
type slowReadStore struct {
	*graphauth.MemoryStore
	delay time.Duration
}

func (s slowReadStore) Get(ctx context.Context, key string) ([]byte, error) {
	select {
	case <-time.After(s.delay):
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	return s.MemoryStore.Get(ctx, key)
}

// Options.StoreTimeout lets a token request wait longer for a slow store:
// with the default 300 ms a 500 ms read is given up and the token fetched
// from the platform; with 2 s the replica takes the stored token.
func TestStoreTimeoutBoundsTheRead(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	store := slowReadStore{graphauth.NewMemoryStore(), 500 * time.Millisecond}
	first := replica(t, srv, store, nil)
	_, err := first.Token(context.Background(), graphauth.TokenRequest{})
	require.NoError(t, err)
	require.NoError(t, first.Close())
	require.Equal(t, 1, store.Len())

	logs := &syncWriter{w: new(strings.Builder)}
	_, err = replica(t, srv, store, logs).Token(context.Background(), graphauth.TokenRequest{})
	require.NoError(t, err)
	assert.Equal(t, 2, srv.Count(graphauthtest.EndpointToken), "the default budget gave the read up")
	assert.Contains(t, logs.String(), "did not answer within 300ms (Options.StoreTimeout)")

	opts := fakeOpts(srv)
	opts.Store, opts.StoreTimeout = store, 2*time.Second
	_, err = secretCred(t, srv, opts).Token(context.Background(), graphauth.TokenRequest{})
	require.NoError(t, err)
	assert.Equal(t, 2, srv.Count(graphauthtest.EndpointToken), "a longer budget waits for the stored token")
}
