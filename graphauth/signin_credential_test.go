package graphauth_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/entrakit/entrakit/graphauth"
	"github.com/entrakit/entrakit/graphauth/graphauthtest"
)

// A signed-in user's Credential drives the same adapters as an app-only
// credential: Transport calls Graph as the user, AzCore and OAuth2 hand
// out the user's token.
func TestUserCredentialWorksWithTheAdapters(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	s := signIn(t, srv, srv.TenantID, graphauth.ClientAuth{Secret: graphauth.Secret(srv.Secret)}, nil)
	user := signInAs(t, srv, s, "adele@contoso.onmicrosoft.com")
	cred := s.Credential(user.AccountID)
	assert.Equal(t, user.AccountID, cred.AccountID())

	client := &http.Client{Transport: &graphauth.Transport{Credential: cred, Base: srv.Client().Transport,
		Request: graphauth.TokenRequest{Scopes: []string{"User.Read"}}, AllowedHosts: []string{srv.URL}}}
	resp, err := client.Get(srv.URL + "/v1.0/me")
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	var me struct {
		UserPrincipalName string `json:"userPrincipalName"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&me))
	assert.Equal(t, "adele@contoso.onmicrosoft.com", me.UserPrincipalName)

	az, err := graphauth.AzCore(cred).GetToken(context.Background(), policy.TokenRequestOptions{Scopes: []string{"https://graph.microsoft.com/User.Read"}})
	require.NoError(t, err)
	assert.Equal(t, user.Token.AccessToken, az.Token, "the user's cached token")

	o2, err := graphauth.OAuth2(cred, graphauth.TokenRequest{}).Token()
	require.NoError(t, err)
	assert.Equal(t, user.Token.AccessToken, o2.AccessToken)
}

func TestUserCredentialRefusals(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	s := signIn(t, srv, srv.TenantID, graphauth.ClientAuth{Secret: graphauth.Secret(srv.Secret)}, nil)
	user := signInAs(t, srv, s, "adele@contoso.onmicrosoft.com")
	ctx := context.Background()
	var ce *graphauth.ConfigError

	_, err := s.Credential(user.AccountID).Token(ctx, graphauth.TokenRequest{Fresh: true})
	require.ErrorAs(t, err, &ce, "Fresh is not offered for a user")
	assert.Equal(t, "Fresh", ce.Field)

	_, err = s.Credential(user.AccountID).Token(ctx, graphauth.TokenRequest{TenantID: "72f988bf-86f1-41af-91ab-2d7cd011db47"})
	require.ErrorAs(t, err, &ce, "another tenant than the user's")
	assert.Equal(t, "TenantID", ce.Field)
	_, err = s.Credential(user.AccountID).Token(ctx, graphauth.TokenRequest{TenantID: srv.TenantID})
	assert.NoError(t, err, "the user's own tenant")

	_, err = s.Credential("nobody.nowhere").Token(ctx, graphauth.TokenRequest{})
	assert.ErrorIs(t, err, graphauth.ErrNoAccount)

	var ae *graphauth.AuthError
	_, err = s.Credential(user.AccountID).Token(ctx, graphauth.TokenRequest{Claims: `{"access_token":{"nbf":{"essential":true,"value":"1"}}}`})
	require.ErrorAs(t, err, &ae, "a claims challenge for a web app's user needs a new sign-in")
	assert.Equal(t, "interaction_required", ae.Code)

	for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
		assert.Equal(t, fmt.Sprintf("graphauth.UserCredential{AccountID: %q}", user.AccountID), fmt.Sprintf(verb, s.Credential(user.AccountID)))
	}
}

func TestUserCredentialIsSafeForConcurrentUse(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	s := signIn(t, srv, srv.TenantID, graphauth.ClientAuth{Secret: graphauth.Secret(srv.Secret)}, func(o *graphauth.SignInOptions) {
		o.Scopes = []string{"User.Read", armScope}
	})
	user := signInAs(t, srv, s, "admin@contoso.onmicrosoft.com")
	cred := s.Credential(user.AccountID)
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for i := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			scopes := []string{"User.Read"}
			if i%2 == 1 {
				scopes = []string{armScope}
			}
			tok, err := cred.Token(context.Background(), graphauth.TokenRequest{Scopes: scopes})
			if err == nil && tok.AccessToken == "" {
				err = fmt.Errorf("empty token for %v", scopes)
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		assert.NoError(t, err)
	}
}

// Accounts lists the users signed in, with or without a Store; a user
// signed out is no longer listed; replicas sharing a Store list the same.
func TestAccountsListsTheSignedInUsers(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	ctx := context.Background()
	auth := graphauth.ClientAuth{Secret: graphauth.Secret(srv.Secret)}
	store := graphauth.NewMemoryStore()
	for name, mutate := range map[string]func(*graphauth.SignInOptions){
		"in this process": nil,
		"in a Store":      func(o *graphauth.SignInOptions) { o.Store = store },
	} {
		t.Run(name, func(t *testing.T) {
			s := signIn(t, srv, srv.TenantID, auth, mutate)
			defer s.Close()
			none, err := s.Accounts(ctx)
			require.NoError(t, err)
			assert.Empty(t, none)
			adele := signInAs(t, srv, s, "adele@contoso.onmicrosoft.com")
			admin := signInAs(t, srv, s, "admin@contoso.onmicrosoft.com")
			accts, err := s.Accounts(ctx)
			require.NoError(t, err)
			require.Len(t, accts, 2)
			byName := map[string]graphauth.Account{}
			for _, a := range accts {
				byName[a.Username] = a
			}
			assert.Equal(t, adele.AccountID, byName["adele@contoso.onmicrosoft.com"].ID)
			assert.Equal(t, srv.TenantID, byName["admin@contoso.onmicrosoft.com"].TenantID)
			if mutate != nil {
				replica := signIn(t, srv, srv.TenantID, auth, mutate)
				defer replica.Close()
				seen, err := replica.Accounts(ctx)
				require.NoError(t, err)
				assert.ElementsMatch(t, accts, seen, "another replica lists the same accounts")
				_, err = replica.Token(ctx, admin.AccountID, nil)
				assert.NoError(t, err, "and holds their tokens")
			}
			require.NoError(t, s.SignOut(ctx, adele.AccountID))
			accts, err = s.Accounts(ctx)
			require.NoError(t, err)
			require.Len(t, accts, 1)
			assert.Equal(t, admin.AccountID, accts[0].ID)
		})
	}
	s := signIn(t, srv, srv.TenantID, auth, nil)
	require.NoError(t, s.Close())
	_, err := s.Accounts(ctx)
	assert.ErrorIs(t, err, graphauth.ErrClosed)
}

// FuzzAccountIndex feeds the account index a Store holds (another
// replica's, or damaged) through Accounts and a sign-in that updates it:
// never a panic, never an account without an ID.
func FuzzAccountIndex(f *testing.F) {
	srv := graphauthtest.NewServer(nil)
	f.Cleanup(srv.Close)
	f.Add([]byte(`[{"id":"a.b","tenantId":"b","username":"u"}]`))
	f.Add([]byte(`[{"id":""},{"id":"x"}]`))
	f.Add([]byte(`{"id":"a"}`))
	f.Add([]byte(`[null, 1, "x"]`))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		store := graphauth.NewMemoryStore()
		key := "entrakit:users:" + strings.ToLower(srv.ClientID) + ":index"
		require.NoError(t, store.Set(context.Background(), key, data, time.Hour))
		var logs syncBuffer
		s := signIn(t, srv, srv.TenantID, graphauth.ClientAuth{Secret: graphauth.Secret(srv.Secret)}, func(o *graphauth.SignInOptions) {
			o.Store = store
			o.Logger = slog.New(slog.NewTextHandler(&logs, nil))
		})
		defer s.Close()
		accts, err := s.Accounts(context.Background())
		if errors.Is(err, context.DeadlineExceeded) {
			return // the memory store outran its deadline on a loaded machine: nothing was read
		}
		require.NoError(t, err)
		for _, a := range accts {
			assert.NotEmpty(t, a.ID)
		}
		user := signInAs(t, srv, s, "adele@contoso.onmicrosoft.com")
		accts, err = s.Accounts(context.Background())
		if errors.Is(err, context.DeadlineExceeded) {
			return
		}
		require.NoError(t, err)
		found := false
		for _, a := range accts {
			assert.NotEmpty(t, a.ID)
			found = found || a.ID == user.AccountID
		}
		notUpdated := strings.Contains(logs.String(), "the account index is not updated") // the Store outran its deadline on a loaded machine
		assert.True(t, found || len(accts) == 0 || notUpdated, "the new sign-in is listed, unless the index could not be written (and the log says so)")
	})
}

// A native app (public client) answers a resource's claims challenge with
// its refresh token, sending the claims; its accounts are listed too.
func TestPublicClientCredentialSendsAClaimsChallenge(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	pub := srv.AddApp(graphauthtest.App{PublicClient: true, RedirectURIs: []string{"http://localhost"}})
	o := &graphauth.SignInOptions{Options: *fakeOpts(srv), RedirectURI: "http://localhost:8400/", Scopes: []string{"User.Read", armScope}}
	s, err := graphauth.NewSignIn(srv.TenantID, pub.ClientID, graphauth.ClientAuth{}, o)
	require.NoError(t, err)
	defer s.Close()
	authURL, pending, err := s.AuthCodeURL(graphauth.AuthRequest{})
	require.NoError(t, err)
	resp, err := srv.Client().Get(authURL)
	require.NoError(t, err)
	resp.Body.Close()
	loc, _ := url.Parse(resp.Header.Get("Location"))
	user, err := s.Complete(context.Background(), pending, loc.Query())
	require.NoError(t, err)

	tok, err := s.Credential(user.AccountID).Token(context.Background(), graphauth.TokenRequest{
		Scopes: []string{"User.Read"}, Claims: `{"access_token":{"nbf":{"essential":true,"value":"1"}}}`})
	require.NoError(t, err)
	assert.NotEqual(t, user.Token.AccessToken, tok.AccessToken, "a new token, not the cached one")
	reqs := srv.Requests()
	last := reqs[len(reqs)-1]
	assert.Equal(t, "refresh_token", last.GrantType)
	assert.True(t, last.Claims, "the claims went with the refresh token")

	arm, err := s.Credential(user.AccountID).Token(context.Background(), graphauth.TokenRequest{Scopes: []string{armScope}})
	require.NoError(t, err)
	assert.Equal(t, []string{armScope}, arm.Scopes)
	accts, err := s.Accounts(context.Background())
	require.NoError(t, err)
	require.Len(t, accts, 1)
	assert.Equal(t, user.AccountID, accts[0].ID)
}
