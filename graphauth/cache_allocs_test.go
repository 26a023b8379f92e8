package graphauth_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/entrakit/entrakit/graphauth"
	"github.com/entrakit/entrakit/graphauth/graphauthtest"
)

// A cache hit allocates nothing, whichever way the key is asked for: the
// credential's own tenant, another in any spelling, explicit scopes, a v1
// resource. (Not parallel: AllocsPerRun counts the whole process.)
func TestCacheHitsAllocateNothing(t *testing.T) {
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	tn := srv.AddTenant(graphauthtest.Tenant{DisplayName: "Allocs"})
	srv.AddServicePrincipal(tn.ID, srv.ClientID)
	opts := fakeOpts(srv)
	opts.AllowedTenants = []string{"*"}
	cred := secretCred(t, srv, opts)
	ctx := context.Background()
	scopes := []string{"https://graph.microsoft.com/.default"}
	for name, req := range map[string]graphauth.TokenRequest{
		"home":                {},
		"home by name":        {TenantID: srv.TenantID},
		"home in capitals":    {TenantID: strings.ToUpper(srv.TenantID)},
		"other tenant":        {TenantID: tn.ID},
		"other in capitals":   {TenantID: strings.ToUpper(tn.ID)},
		"other by domain":     {TenantID: tn.Domain},
		"explicit scopes":     {TenantID: tn.ID, Scopes: scopes},
		"v1 resource":         {TenantID: tn.ID, Resource: "https://graph.microsoft.com"},
		"v1 resource at home": {Resource: "https://graph.microsoft.com"},
	} {
		first, err := cred.Token(ctx, req)
		require.NoError(t, err, name)
		before := srv.Count(graphauthtest.EndpointToken)
		allocs := testing.AllocsPerRun(100, func() {
			tok, err := cred.Token(ctx, req)
			if err != nil || tok.AccessToken != first.AccessToken {
				t.Errorf("%s: not the cached token (%v)", name, err)
			}
		})
		assert.Zero(t, allocs, name)
		assert.Equal(t, before, srv.Count(graphauthtest.EndpointToken), "%s: served from the cache", name)
	}
}
