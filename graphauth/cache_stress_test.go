package graphauth_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/entrakit/entrakit/graphauth"
	"github.com/entrakit/entrakit/graphauth/graphauthtest"
)

// Many callers over many tenants, each asked for in four spellings (ID and
// domain, either case) and five shapes (the default scope, the same scope
// spelt in capitals, the v1 resource, Fresh, a claims challenge), while short-lived tokens are
// refreshed and expire, and Close lands in the middle: every token served
// is the asked tenant's (its tid claim) and of the asked kind, a slot
// always holds its entry's token (CachedTokens panics otherwise), and once
// Close has returned nothing is served. Run with -race.
func TestManyTenantsWhileTokensExpireAndTheCredentialCloses(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(&graphauthtest.Options{TokenLifetime: 3 * time.Second})
	defer srv.Close()
	type tenant struct{ id, domain string }
	var tenants []tenant
	for i := range 12 {
		tn := srv.AddTenant(graphauthtest.Tenant{DisplayName: "Stress" + string(rune('A'+i))})
		srv.AddServicePrincipal(tn.ID, srv.ClientID)
		tenants = append(tenants, tenant{tn.ID, tn.Domain})
	}
	opts := fakeOpts(srv)
	opts.AllowedTenants = []string{"*"}
	cred := secretCred(t, srv, opts)
	eng := graphauth.EngineOf(cred)

	var closed atomic.Bool
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := range 6 {
		wg.Go(func() {
			for i := w; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				tn := tenants[i%len(tenants)]
				spelling := []string{tn.id, strings.ToUpper(tn.id), tn.domain, strings.ToUpper(tn.domain)}[i/len(tenants)%4]
				req := graphauth.TokenRequest{TenantID: spelling}
				switch i / (4 * len(tenants)) % 5 {
				case 1:
					req.Scopes = []string{"HTTPS://GRAPH.MICROSOFT.COM/.default"}
				case 2:
					req.Resource = "https://graph.microsoft.com"
				case 3:
					req.Fresh = i%7 == 0
				case 4:
					if i%11 == 0 {
						req.Claims = `{"access_token":{"nbf":{"essential":true,"value":"1700000000"}}}`
					}
				}
				wasClosed := closed.Load()
				tok, err := cred.Token(context.Background(), req)
				if wasClosed {
					if !errors.Is(err, graphauth.ErrClosed) {
						t.Errorf("%s: served after Close returned (err %v)", spelling, err)
					}
					return
				}
				if err != nil {
					// A loaded machine can take longer than a short lifetime
					// to answer: the token is then refused, rightly.
					if !errors.Is(err, graphauth.ErrClosed) && !errors.Is(err, graphauth.ErrUnexpectedResponse) {
						t.Errorf("%s: %v", spelling, err)
					}
					continue
				}
				if tid := claimsOf(t, tok.AccessToken)["tid"]; tid != tn.id {
					t.Errorf("asked for %s, served a token of tenant %v", spelling, tid)
				}
				if (req.Resource != "") != (tok.Resource != "") {
					t.Errorf("%s: asked for resource %q, served one for %q (scopes %v)", spelling, req.Resource, tok.Resource, tok.Scopes)
				}
			}
		})
	}
	// Tokens are refreshed at about 1.5 s and expire at three: let
	// several generations pass, checking the slots as they go.
	for range 25 {
		time.Sleep(200 * time.Millisecond)
		_ = eng.CachedTokens()
	}
	require.NoError(t, cred.Close())
	closed.Store(true)
	time.Sleep(100 * time.Millisecond)
	close(stop)
	wg.Wait()
	assert.Zero(t, eng.CachedTokens(), "Close forgot every token")
}
