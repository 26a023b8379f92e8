package graphauth_test

import (
	"context"
	"crypto/x509"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/entrakit/entrakit/graphauth"
	"github.com/entrakit/entrakit/graphauth/graphauthtest"
)

// The fake's clock satisfies the credentials' interface.
var _ graphauth.Clock = (*graphauthtest.Clock)(nil)

func TestAdvancingTheSharedClockExpiresTheCachedToken(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		make func(t *testing.T, srv *graphauthtest.Server) graphauth.TokenCredential
	}{
		{"client secret", func(t *testing.T, srv *graphauthtest.Server) graphauth.TokenCredential {
			return secretCred(t, srv, withClock(srv))
		}},
		{"certificate: the assertion is dated by the shared clock too", func(t *testing.T, srv *graphauthtest.Server) graphauth.TokenCredential {
			c, err := graphauth.NewCertificateCredential(srv.TenantID, srv.ClientID, []*x509.Certificate{srv.ClientCertificate}, srv.ClientKey,
				&graphauth.CertificateOptions{Options: graphauth.Options{AuthorityHost: srv.URL, HTTPClient: srv.Client(), Clock: srv.Clock()}})
			require.NoError(t, err)
			t.Cleanup(func() { _ = c.Close() })
			return c
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := graphauthtest.NewServer(nil)
			defer srv.Close()
			cred := tc.make(t, srv)
			ctx := context.Background()
			first, err := cred.Token(ctx, graphauth.TokenRequest{})
			require.NoError(t, err)
			again, err := cred.Token(ctx, graphauth.TokenRequest{})
			require.NoError(t, err)
			assert.Equal(t, first.AccessToken, again.AccessToken, "a cache hit before any Advance")
			require.Equal(t, 1, srv.Count(graphauthtest.EndpointToken))

			srv.Advance(21 * 24 * time.Hour)
			fresh, err := cred.Token(ctx, graphauth.TokenRequest{})
			require.NoError(t, err)
			assert.Equal(t, 2, srv.Count(graphauthtest.EndpointToken), "the token expired by the shared clock is fetched anew")
			assert.NotEqual(t, first.AccessToken, fresh.AccessToken)
			assert.True(t, fresh.ExpiresOn.After(srv.Now()), "the new token is valid by the shared clock: %v", fresh.ExpiresOn)
			assert.True(t, fresh.ExpiresOn.After(first.ExpiresOn.Add(20*24*time.Hour)))
		})
	}
}

func TestWithoutTheSharedClockACachedTokenOutlivesAdvance(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	cred := secretCred(t, srv, nil)
	ctx := context.Background()
	first, err := cred.Token(ctx, graphauth.TokenRequest{})
	require.NoError(t, err)
	srv.Advance(21 * 24 * time.Hour)
	again, err := cred.Token(ctx, graphauth.TokenRequest{})
	require.NoError(t, err)
	assert.Equal(t, first.AccessToken, again.AccessToken, "the system clock has not moved: the token is still cached")
	assert.Equal(t, 1, srv.Count(graphauthtest.EndpointToken))
}

func TestTheSharedClockWithConcurrentCallers(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	cred := secretCred(t, srv, withClock(srv))
	ctx := context.Background()
	const rounds, callers = 3, 8
	for round := 0; round < rounds; round++ {
		if round > 0 {
			srv.Advance(2 * time.Hour)
		}
		var wg sync.WaitGroup
		for i := 0; i < callers; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				tok, err := cred.Token(ctx, graphauth.TokenRequest{})
				if assert.NoError(t, err) {
					assert.True(t, tok.ExpiresOn.After(srv.Now()), "served token valid by the shared clock")
				}
			}()
		}
		wg.Wait()
	}
	assert.Equal(t, rounds, srv.Count(graphauthtest.EndpointToken), "one request per round: the callers of a round share it")
}

// withClock is the fake's options with its clock shared.
func withClock(srv *graphauthtest.Server) *graphauth.Options {
	o := fakeOpts(srv)
	o.Clock = srv.Clock()
	return o
}

// BenchmarkCachedTokenSharedClock is a cache hit with the fake's clock
// injected: one lock-free clock read more than with the system clock.
func BenchmarkCachedTokenSharedClock(b *testing.B) {
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	o := &graphauth.Options{AuthorityHost: srv.URL, HTTPClient: srv.Client(), Clock: srv.Clock()}
	cred, err := graphauth.NewClientSecretCredential(srv.TenantID, srv.ClientID, graphauth.Secret(srv.Secret), o)
	if err != nil {
		b.Fatal(err)
	}
	defer cred.Close()
	ctx := context.Background()
	if _, err := cred.Token(ctx, graphauth.TokenRequest{}); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := cred.Token(ctx, graphauth.TokenRequest{}); err != nil {
				b.Error(err)
				return
			}
		}
	})
	if n := srv.Count(graphauthtest.EndpointToken); n != 1 {
		b.Fatalf("%d token requests, want 1: every call but the first is a cache hit", n)
	}
}

func TestSignInReadsTheSharedClock(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	s := signIn(t, srv, srv.TenantID, graphauth.ClientAuth{Secret: graphauth.Secret(srv.Secret)}, func(o *graphauth.SignInOptions) {
		o.Clock = srv.Clock()
	})
	srv.Advance(time.Hour) // so that the two clocks are told apart
	before := srv.Now()
	authURL, pending, err := s.AuthCodeURL(graphauth.AuthRequest{LoginHint: "adele@contoso.onmicrosoft.com"})
	require.NoError(t, err)
	after := srv.Now()
	assert.False(t, pending.Created.Before(before) || pending.Created.After(after),
		"the pending sign-in is dated by the shared clock: %v, not in [%v, %v]", pending.Created, before, after)
	callback := browse(t, srv, authURL)

	srv.Advance(11 * time.Minute)
	_, err = s.Complete(context.Background(), pending, callback)
	assert.ErrorIs(t, err, graphauth.ErrLoginExpired, "a sign-in left pending past its lifetime by the shared clock")

	authURL, pending, err = s.AuthCodeURL(graphauth.AuthRequest{LoginHint: "adele@contoso.onmicrosoft.com"})
	require.NoError(t, err)
	user, err := s.Complete(context.Background(), pending, browse(t, srv, authURL))
	require.NoError(t, err, "the ID token, issued by the advanced fake, is valid by the same clock")
	assert.Equal(t, "adele@contoso.onmicrosoft.com", user.Username)
}

func TestSignInTokenObeysTheSharedClock(t *testing.T) {
	t.Parallel()
	for _, withStore := range []bool{false, true} {
		t.Run(map[bool]string{false: "memory", true: "store"}[withStore], func(t *testing.T) {
			t.Parallel()
			srv := graphauthtest.NewServer(nil)
			t.Cleanup(srv.Close)
			s := signIn(t, srv, srv.TenantID, graphauth.ClientAuth{Secret: graphauth.Secret(srv.Secret)}, func(o *graphauth.SignInOptions) {
				o.Clock = srv.Clock()
				if withStore {
					o.Store = graphauth.NewMemoryStore()
				}
			})
			authURL, pending, err := s.AuthCodeURL(graphauth.AuthRequest{LoginHint: "adele@contoso.onmicrosoft.com"})
			require.NoError(t, err)
			user, err := s.Complete(context.Background(), pending, browse(t, srv, authURL))
			require.NoError(t, err)

			first, err := s.Token(context.Background(), user.AccountID, nil)
			require.NoError(t, err)
			again, err := s.Token(context.Background(), user.AccountID, nil)
			require.NoError(t, err)
			assert.Equal(t, first.AccessToken, again.AccessToken, "a cached token serves while the shared clock says it is valid")
			redeemed := tokenRequests(srv, "refresh_token")

			srv.Advance(2 * time.Hour)
			later, err := s.Token(context.Background(), user.AccountID, nil)
			require.NoError(t, err)
			assert.NotEqual(t, first.AccessToken, later.AccessToken, "past its expiry by the shared clock, the token is not served")
			assert.Equal(t, redeemed+1, tokenRequests(srv, "refresh_token"), "the refresh token was redeemed once")
			assert.True(t, later.ExpiresOn.After(srv.Now()), "the new token is valid by the shared clock")
		})
	}
}
