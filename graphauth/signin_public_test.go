package graphauth_test

import (
	"context"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/entrakit/entrakit/graphauth"
	"github.com/entrakit/entrakit/graphauth/graphauthtest"
)

// MSAL's public client writes the tokens a sign-in redeems to cache
// partition "" and looks for them, for a silent token, in the account's
// partition: behind a Store (or a Clock, which also wraps MSAL's cache) a
// native app's user signed in and then had no account, on the replica
// that signed them in as on any other. The public client's cache is kept
// as one partition, as MSAL keeps a desktop app's.
func TestAPublicClientWithAStoreOrAClockGetsTokensAfterSignIn(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	pub := srv.AddApp(graphauthtest.App{PublicClient: true, RedirectURIs: []string{"http://localhost"}})
	for name, mutate := range map[string]func(*graphauth.SignInOptions, graphauth.Store){
		"store": func(o *graphauth.SignInOptions, s graphauth.Store) { o.Store = s },
		"clock": func(o *graphauth.SignInOptions, _ graphauth.Store) { o.Clock = srv.Clock() },
	} {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			store := graphauth.NewMemoryStore()
			replica := func() *graphauth.SignIn {
				o := &graphauth.SignInOptions{Options: *fakeOpts(srv), RedirectURI: "http://localhost:8400/"}
				mutate(o, store)
				s, err := graphauth.NewSignIn(srv.TenantID, pub.ClientID, graphauth.ClientAuth{}, o)
				require.NoError(t, err)
				t.Cleanup(func() { s.Close() })
				return s
			}
			s := replica()
			authURL, pending, err := s.AuthCodeURL(graphauth.AuthRequest{})
			require.NoError(t, err)
			resp, err := srv.Client().Get(authURL)
			require.NoError(t, err)
			resp.Body.Close()
			loc, err := url.Parse(resp.Header.Get("Location"))
			require.NoError(t, err)
			user, err := s.Complete(ctx, pending, loc.Query())
			require.NoError(t, err)

			tok, err := s.Token(ctx, user.AccountID, nil)
			require.NoError(t, err, "the replica that signed the user in")
			assert.NotEmpty(t, tok.AccessToken)
			if name == "store" {
				_, err = replica().Token(ctx, user.AccountID, nil)
				require.NoError(t, err, "another replica, through the Store")
			}
			require.NoError(t, s.SignOut(ctx, user.AccountID))
			_, err = s.Token(ctx, user.AccountID, nil)
			assert.ErrorIs(t, err, graphauth.ErrNoAccount, "signed out")
			if name == "store" {
				_, err = replica().Token(ctx, user.AccountID, nil)
				assert.ErrorIs(t, err, graphauth.ErrNoAccount, "signed out on every replica")
			}
		})
	}
}
