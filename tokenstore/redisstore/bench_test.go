package redisstore_test

// Benchmarks of the shared cache in Redis, side by side with MSAL Go's own
// persistence hook (cache.ExportReplace) storing its whole cache as one
// Redis value, as its documentation shows. See BENCHMARKS.md.

import (
	"bytes"
	"context"
	"fmt"
	"testing"

	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/cache"
	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/confidential"
	"github.com/redis/go-redis/v9"

	"github.com/entrakit/entrakit/graphauth"
	"github.com/entrakit/entrakit/graphauth/graphauthtest"
	"github.com/entrakit/entrakit/tokenstore"
	"github.com/entrakit/entrakit/tokenstore/redisstore"
)

func fleetServer(b *testing.B, n int) (*graphauthtest.Server, []string) {
	srv := graphauthtest.NewServer(nil)
	var tenants []string
	for i := range n {
		tn := srv.AddTenant(graphauthtest.Tenant{DisplayName: fmt.Sprintf("bench%d", i)})
		srv.AddServicePrincipal(tn.ID, srv.ClientID)
		tenants = append(tenants, tn.ID)
	}
	return srv, tenants
}

func entrakitReplica(b *testing.B, srv *graphauthtest.Server, store graphauth.Store) *graphauth.ClientSecretCredential {
	cred, err := graphauth.NewClientSecretCredential(srv.TenantID, srv.ClientID, graphauth.Secret(srv.Secret),
		&graphauth.Options{AuthorityHost: srv.URL, HTTPClient: srv.Client(), Store: store, AllowedTenants: []string{"*"}})
	if err != nil {
		b.Fatal(err)
	}
	return cred
}

// BenchmarkSharedStore: one replica fills 1,000 tenants (platform, then
// Redis); a cold replica then takes all 1,000 from Redis ("cold-replica",
// per 1,000); "hit" is one shared-cache hit: an in-process miss answered by
// Redis (GET, decrypt, decode).
func BenchmarkSharedStore(b *testing.B) {
	rdb, _ := redisServer(b)
	srv, tenants := fleetServer(b, 1000)
	defer srv.Close()
	store, err := tokenstore.Encrypted(redisstore.New(rdb, "bench"), tokenstore.Key{ID: "k", Secret: bytes.Repeat([]byte{1}, 32)})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.Run("fill-1000-tenants", func(b *testing.B) {
		for b.Loop() {
			rdb.FlushAll(ctx)
			r := entrakitReplica(b, srv, store)
			for _, tn := range tenants {
				if _, err := r.Token(ctx, graphauth.TokenRequest{TenantID: tn}); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
	b.Run("cold-replica-1000-from-redis", func(b *testing.B) {
		srv.ResetLog()
		for b.Loop() {
			r := entrakitReplica(b, srv, store)
			for _, tn := range tenants {
				if _, err := r.Token(ctx, graphauth.TokenRequest{TenantID: tn}); err != nil {
					b.Fatal(err)
				}
			}
		}
		b.ReportMetric(float64(srv.CountGrant("client_credentials"))/float64(b.N), "requests/op")
	})
	b.Run("hit", func(b *testing.B) {
		b.ReportAllocs()
		var r *graphauth.ClientSecretCredential
		i := 0
		for b.Loop() {
			if i%len(tenants) == 0 {
				b.StopTimer()
				r = entrakitReplica(b, srv, store) // a cold in-process cache
				b.StartTimer()
			}
			if _, err := r.Token(ctx, graphauth.TokenRequest{TenantID: tenants[i%len(tenants)]}); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
	b.Run("in-process-hit-with-store", func(b *testing.B) {
		r := entrakitReplica(b, srv, store)
		if _, err := r.Token(ctx, graphauth.TokenRequest{}); err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			if _, err := r.Token(ctx, graphauth.TokenRequest{}); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// blobCache is MSAL's persistence hook keeping the whole cache as one Redis
// value: Replace reads and decodes all of it before every call, Export
// encodes and writes all of it after every write.
type blobCache struct{ rdb *redis.Client }

func (c blobCache) Replace(ctx context.Context, u cache.Unmarshaler, _ cache.ReplaceHints) error {
	data, err := c.rdb.Get(ctx, "msal-blob").Bytes()
	if err == redis.Nil {
		return u.Unmarshal([]byte("{}"))
	}
	if err != nil {
		return err
	}
	return u.Unmarshal(data)
}

func (c blobCache) Export(ctx context.Context, m cache.Marshaler, _ cache.ExportHints) error {
	data, err := m.Marshal()
	if err != nil {
		return err
	}
	return c.rdb.Set(ctx, "msal-blob", data, 0).Err()
}

// BenchmarkMSALPersistence: the same fill and cached read with MSAL Go's
// hook over Redis.
func BenchmarkMSALPersistence(b *testing.B) {
	rdb, _ := redisServer(b)
	srv, tenants := fleetServer(b, 1000)
	defer srv.Close()
	ctx := context.Background()
	newApp := func() confidential.Client {
		cred, _ := confidential.NewCredFromSecret(srv.Secret)
		app, err := confidential.New(srv.URL+"/"+srv.TenantID, srv.ClientID, cred, confidential.WithHTTPClient(srv.Client()),
			confidential.WithInstanceDiscovery(false), confidential.WithCache(blobCache{rdb}))
		if err != nil {
			b.Fatal(err)
		}
		return app
	}
	b.Run("fill-1000-tenants", func(b *testing.B) {
		for b.Loop() {
			rdb.FlushAll(ctx)
			app := newApp()
			for _, tn := range tenants {
				if _, err := app.AcquireTokenByCredential(ctx, []string{"https://graph.microsoft.com/.default"}, confidential.WithTenantID(tn)); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
	b.Run("cached-read", func(b *testing.B) {
		app := newApp()
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			if _, err := app.AcquireTokenByCredential(ctx, []string{"https://graph.microsoft.com/.default"}, confidential.WithTenantID(tenants[i%len(tenants)])); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
}
