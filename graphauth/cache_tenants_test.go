package graphauth_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/entrakit/entrakit/graphauth"
	"github.com/entrakit/entrakit/graphauth/graphauthtest"
)

// With AllowedTenants "*" the tenant of a request is often outside input
// (a customer's ID from a URL or a header). One that cannot name a tenant
// is refused before anything is sent and before it takes a cache key: a
// NUL or a "/" would otherwise reach the authority URL, and share the
// one-request-per-key and throttle keys of another tenant's requests
// ("t\x00\x00v1" asking for scope "R" is spelled like tenant "t" asking
// for v1 resource "R").
func TestTenantsThatCannotBeATenantAreRefusedBeforeAnyRequest(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	opts := fakeOpts(srv)
	opts.AllowedTenants = []string{"*"}
	cred := secretCred(t, srv, opts)
	ctx := context.Background()
	_, err := cred.Token(ctx, graphauth.TokenRequest{})
	require.NoError(t, err)
	eng := graphauth.EngineOf(cred)
	srv.ResetLog()
	for _, tenant := range []string{
		srv.TenantID + "\x00\x00v1",
		srv.TenantID + "/../" + srv.TenantID,
		"../" + srv.TenantID,
		"common", "organizations", "consumers",
		"contoso.com\n",
		" " + srv.TenantID,
		"\u212aontoso.com", // the Kelvin sign, which Unicode folds to k
		"é.example",
		strings.Repeat("a", 1<<20) + ".com",
		"x",
	} {
		tok, err := cred.Token(ctx, graphauth.TokenRequest{TenantID: tenant})
		var cerr *graphauth.ConfigError
		require.True(t, errors.As(err, &cerr), "%q: %v", truncated(tenant), err)
		assert.Empty(t, tok.AccessToken)
		assert.Less(t, len(err.Error()), 1000, "the error does not repeat a huge tenant")
		assert.NotContains(t, err.Error(), "\n", "nor a line break of it")
	}
	assert.Zero(t, srv.Count(""), "nothing was sent")
	assert.Equal(t, 1, eng.CachedKeys(), "and no key was made")
}

// The allow-list folds ASCII case only, as the cache and the platform do:
// a spelling that Unicode alone folds to an allowed tenant is refused.
func TestTheAllowListFoldsASCIICaseOnly(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	opts := fakeOpts(srv)
	opts.AllowedTenants = []string{"kontoso.onmicrosoft.com", "stark.example"}
	cred := secretCred(t, srv, opts)
	for _, tenant := range []string{"\u212aontoso.onmicrosoft.com", "\u017ftark.example"} {
		_, err := cred.Token(context.Background(), graphauth.TokenRequest{TenantID: tenant})
		assert.ErrorIs(t, err, graphauth.ErrTenantNotAllowed, "%q", tenant)
	}
	assert.Zero(t, srv.Count(""), "nothing was sent")
}

// A caller that writes into a token's Scopes changes neither the key nor
// which token the next call is served.
func TestATokensScopesAreNotTheCacheKey(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	cred := secretCred(t, srv, nil)
	ctx := context.Background()
	req := graphauth.TokenRequest{Scopes: []string{"https://graph.microsoft.com/.default"}}
	first, err := cred.Token(ctx, req)
	require.NoError(t, err)
	first.Scopes[0] = "api://elsewhere/.default"
	req.Scopes[0] = "api://elsewhere/.default"
	again, err := cred.Token(ctx, graphauth.TokenRequest{})
	require.NoError(t, err)
	assert.Equal(t, first.AccessToken, again.AccessToken)
	assert.Equal(t, 1, srv.Count(graphauthtest.EndpointToken), "served from the cache")
}
