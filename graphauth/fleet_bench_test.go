package graphauth_test

import (
	"context"
	"testing"
	"time"

	"github.com/entrakit/entrakit/graphauth"
	"github.com/entrakit/entrakit/graphauth/graphauthtest"
)

// settle waits until the replica's background refreshes have finished, so
// that the clock moves on only once their tokens are in the Store.
func settle(cred *graphauth.ClientSecretCredential) {
	for graphauth.EngineOf(cred).Refreshes() > 0 {
		time.Sleep(5 * time.Millisecond)
	}
}

// BenchmarkFleetHour: 8 replicas of a service each ask for a token in each
// of 1,000 tenants every 5 minutes for a simulated hour (tokens live an
// hour and are refreshed from half their life), without and with a shared
// Store.
// requests/op counts the token requests the platform saw.
func BenchmarkFleetHour(b *testing.B) {
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	tenants := addTenants(srv, 1000)
	for _, shared := range []bool{false, true} {
		name := "in-process-only"
		if shared {
			name = "shared-store"
		}
		b.Run(name, func(b *testing.B) {
			total := 0
			for b.Loop() {
				var store graphauth.Store
				if shared {
					store = graphauth.NewMemoryStore()
				}
				replicas := make([]*graphauth.ClientSecretCredential, 8)
				for i := range replicas {
					opts := fakeOptsB(direct(srv))
					opts.AllowedTenants, opts.Store = []string{"*"}, store
					cred, err := graphauth.NewClientSecretCredential(srv.TenantID, srv.ClientID, graphauth.Secret(srv.Secret), opts)
					if err != nil {
						b.Fatal(err)
					}
					graphauth.EngineOf(cred).SetNow(srv.Now)
					replicas[i] = cred
				}
				srv.ResetLog()
				// Each replica's round comes 5/8 of a minute after the
				// previous one's: the fleet's calls are spread over time,
				// as they are in production.
				for minute := 0; minute <= 60; minute += 5 {
					for _, r := range replicas {
						for _, tn := range tenants {
							if _, err := r.Token(context.Background(), graphauth.TokenRequest{TenantID: tn}); err != nil {
								b.Fatal(err)
							}
						}
						settle(r)
						srv.Advance(5 * time.Minute / 8)
					}
				}
				total += srv.CountGrant("client_credentials")
			}
			b.ReportMetric(float64(total)/float64(b.N), "requests/op")
		})
	}
}

// BenchmarkCachedTokenWithStore: the in-process hit with a Store
// configured, which it never touches.
func BenchmarkCachedTokenWithStore(b *testing.B) {
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	opts := fakeOptsB(direct(srv))
	opts.Store = graphauth.NewMemoryStore()
	cred, err := graphauth.NewClientSecretCredential(srv.TenantID, srv.ClientID, graphauth.Secret(srv.Secret), opts)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	if _, err := cred.Token(ctx, graphauth.TokenRequest{}); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := cred.Token(ctx, graphauth.TokenRequest{}); err != nil {
			b.Fatal(err)
		}
	}
}
