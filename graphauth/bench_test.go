package graphauth_test

// Benchmarks of entrakit's cache against the libraries our users would pick
// instead, side by side in one run, all against the fake platform. See
// BENCHMARKS.md for the commands and the results.

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/confidential"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/entrakit/entrakit/graphauth"
	"github.com/entrakit/entrakit/graphauth/graphauthtest"
)

const graphDefault = "https://graph.microsoft.com/.default"

// getter is one library's "give me a token for this tenant and these
// scopes"; nil scopes mean Graph's default scope, asked for the way the
// library's users ask for it.
type getter func(ctx context.Context, tenant string, scopes []string) error

var defaultScopes = []string{graphDefault}

func orDefault(scopes []string) []string {
	if scopes == nil {
		return defaultScopes
	}
	return scopes
}

type peer struct {
	name string
	make func(b *testing.B, srv target) getter
}

// target is the fake platform as a peer reaches it: directly, or through a
// slow link (see bench_link_test.go), which changes its URL and client.
type target struct {
	*graphauthtest.Server
	URL    string
	client *http.Client
}

func (t target) Client() *http.Client { return t.client }

func direct(srv *graphauthtest.Server) target { return target{srv, srv.URL, srv.Client()} }

var peers = []peer{
	{"entrakit", func(b *testing.B, srv target) getter {
		opts := fakeOptsB(srv)
		opts.AllowedTenants = []string{"*"}
		cred, err := graphauth.NewClientSecretCredential(srv.TenantID, srv.ClientID, graphauth.Secret(srv.Secret), opts)
		if err != nil {
			b.Fatal(err)
		}
		return func(ctx context.Context, tenant string, scopes []string) error {
			_, err := cred.Token(ctx, graphauth.TokenRequest{TenantID: tenant, Scopes: scopes})
			return err
		}
	}},
	{"msal", func(b *testing.B, srv target) getter {
		secret, _ := confidential.NewCredFromSecret(srv.Secret)
		app, err := confidential.New(srv.URL+"/"+srv.TenantID, srv.ClientID, secret,
			confidential.WithHTTPClient(srv.Client()), confidential.WithInstanceDiscovery(false))
		if err != nil {
			b.Fatal(err)
		}
		return func(ctx context.Context, tenant string, scopes []string) error {
			_, err := app.AcquireTokenByCredential(ctx, orDefault(scopes), confidential.WithTenantID(tenant))
			return err
		}
	}},
	{"azidentity", func(b *testing.B, srv target) getter {
		cred, err := azidentity.NewClientSecretCredential(srv.TenantID, srv.ClientID, srv.Secret, &azidentity.ClientSecretCredentialOptions{
			ClientOptions:              azcore.ClientOptions{Cloud: cloud.Configuration{ActiveDirectoryAuthorityHost: srv.URL}, Transport: srv.Client()},
			DisableInstanceDiscovery:   true,
			AdditionallyAllowedTenants: []string{"*"},
		})
		if err != nil {
			b.Fatal(err)
		}
		return func(ctx context.Context, tenant string, scopes []string) error {
			_, err := cred.GetToken(ctx, policy.TokenRequestOptions{Scopes: orDefault(scopes), TenantID: tenant})
			return err
		}
	}},
	{"x/oauth2", func(b *testing.B, srv target) getter {
		// x/oauth2 has no tenants: one reuse source per (tenant, scope), made
		// on first use under a mutex, as a caller would have to.
		// The home tenant's default scope gets a source of its own, with
		// no map in front, so the single-key numbers are x/oauth2's alone.
		var mu sync.Mutex
		sources := map[string]oauth2.TokenSource{}
		ctx := context.WithValue(context.Background(), oauth2.HTTPClient, srv.Client())
		source := func(tenant, scope string) oauth2.TokenSource {
			cfg := clientcredentials.Config{ClientID: srv.ClientID, ClientSecret: srv.Secret, AuthStyle: oauth2.AuthStyleInParams,
				TokenURL: srv.URL + "/" + tenant + "/oauth2/v2.0/token", Scopes: []string{scope}}
			return oauth2.ReuseTokenSource(nil, cfg.TokenSource(ctx))
		}
		home := source(srv.TenantID, graphDefault)
		return func(_ context.Context, tenant string, scopes []string) error {
			scope := orDefault(scopes)[0]
			if tenant == srv.TenantID && scope == graphDefault {
				_, err := home.Token()
				return err
			}
			key := tenant + " " + scope
			mu.Lock()
			ts, ok := sources[key]
			if !ok {
				ts = source(tenant, scope)
				sources[key] = ts
			}
			mu.Unlock()
			_, err := ts.Token()
			return err
		}
	}},
}

func fakeOptsB(srv target) *graphauth.Options {
	return &graphauth.Options{AuthorityHost: srv.URL, HTTPClient: srv.Client()}
}

// addTenants adds n tenants in which the server's app can get tokens.
func addTenants(srv *graphauthtest.Server, n int) []string {
	ids := make([]string, n)
	for i := range ids {
		t := srv.AddTenant(graphauthtest.Tenant{DisplayName: "bench" + strconv.Itoa(i)})
		srv.AddServicePrincipal(t.ID, srv.ClientID)
		ids[i] = t.ID
	}
	return ids
}

// BenchmarkCachedToken is a cache hit: the same token, again.
func BenchmarkCachedToken(b *testing.B) {
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	ctx := context.Background()
	for _, p := range peers {
		get := p.make(b, direct(srv))
		if err := get(ctx, srv.TenantID, nil); err != nil {
			b.Fatal(err)
		}
		b.Run(p.name+"/serial", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := get(ctx, srv.TenantID, nil); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(p.name+"/parallel", func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if err := get(ctx, srv.TenantID, nil); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}

// mapFloor is not a library but a floor: a bare Go map from tenant to a
// token entrakit fetched, copied out as Token returns it, and nothing else
// (no case folding, scopes, expiry, refresh or allow-list). Beside the
// caches it shows what merely reaching one of n tokens in memory costs on
// the machine the benchmarks run on.
func mapFloor(b *testing.B, srv target) getter {
	opts := fakeOptsB(srv)
	opts.AllowedTenants = []string{"*"}
	cred, err := graphauth.NewClientSecretCredential(srv.TenantID, srv.ClientID, graphauth.Secret(srv.Secret), opts)
	if err != nil {
		b.Fatal(err)
	}
	m := map[string]*graphauth.Token{}
	return func(ctx context.Context, tenant string, scopes []string) error {
		if _, ok := mapToken(m, tenant); ok {
			return nil
		}
		tok, err := cred.Token(ctx, graphauth.TokenRequest{TenantID: tenant, Scopes: scopes})
		if err == nil {
			m[strings.Clone(tenant)] = &tok // a key of its own, as a cache keeps
		}
		return err
	}
}

// mapToken is mapFloor's hit, a call that returns the Token by value as
// Credential.Token does.
//
//go:noinline
func mapToken(m map[string]*graphauth.Token, tenant string) (graphauth.Token, bool) {
	if p := m[tenant]; p != nil {
		return *p, true
	}
	return graphauth.Token{}, false
}

// BenchmarkCachedTokenTenants is a cache hit with tokens for n tenants
// cached, cycling through them.
func BenchmarkCachedTokenTenants(b *testing.B) {
	ctx := context.Background()
	floor := peer{"floor:go-map", mapFloor}
	for _, n := range []int{1, 100, 1000, 10000} {
		srv := graphauthtest.NewServer(nil)
		tenants := addTenants(srv, n)
		for _, p := range append(peers, floor) {
			if n > 1000 && p.name != "entrakit" && p.name != floor.name {
				continue // filling 10,000 tenants takes the peers minutes; see BENCHMARKS.md
			}
			get := p.make(b, direct(srv))
			for _, t := range tenants {
				if err := get(ctx, t, nil); err != nil {
					b.Fatal(err)
				}
			}
			b.Run(fmt.Sprintf("%s/tenants=%d/cycling", p.name, n), func(b *testing.B) {
				b.ReportAllocs()
				i := 0
				for b.Loop() {
					if err := get(ctx, tenants[i%n], nil); err != nil {
						b.Fatal(err)
					}
					i++
				}
			})
			// The same tenants in an order unrelated to the one they were
			// fetched in, as a service's requests come: whatever memory was
			// laid out in fetch order, the CPU's prefetcher cannot follow.
			shuffled := slices.Clone(tenants)
			rand.New(rand.NewPCG(1, 2)).Shuffle(n, func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
			b.Run(fmt.Sprintf("%s/tenants=%d/shuffled", p.name, n), func(b *testing.B) {
				b.ReportAllocs()
				i := 0
				for b.Loop() {
					if err := get(ctx, shuffled[i%n], nil); err != nil {
						b.Fatal(err)
					}
					i++
				}
			})
			// One tenant asked again and again among n cached: the cost of
			// the look-up itself, without the memory traffic of cycling.
			b.Run(fmt.Sprintf("%s/tenants=%d/one-hot", p.name, n), func(b *testing.B) {
				b.ReportAllocs()
				hot := tenants[n/2]
				for b.Loop() {
					if err := get(ctx, hot, nil); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
		srv.Close()
	}
}

// BenchmarkCachedTokenScopes is a cache hit with tokens for 1,000 resources
// (scopes) cached in one tenant.
func BenchmarkCachedTokenScopes(b *testing.B) {
	ctx := context.Background()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	scopes := make([][]string, 1000)
	for i := range scopes {
		a := srv.AddApp(graphauthtest.App{DisplayName: "api" + strconv.Itoa(i)})
		scopes[i] = []string{"api://" + a.ClientID + "/.default"}
	}
	for _, p := range peers {
		get := p.make(b, direct(srv))
		for _, s := range scopes {
			if err := get(ctx, srv.TenantID, s); err != nil {
				b.Fatal(err)
			}
		}
		b.Run(p.name+"/scopes=1000", func(b *testing.B) {
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				if err := get(ctx, srv.TenantID, scopes[i%len(scopes)]); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
}

// rush runs callers goroutines that ask for a first token at once, spread
// over tenants, and returns the token requests the platform saw.
func rush(b *testing.B, srv *graphauthtest.Server, get getter, tenants []string, callers int) int {
	srv.ResetLog()
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range callers {
		wg.Go(func() {
			<-start
			if err := get(context.Background(), tenants[i%len(tenants)], nil); err != nil {
				b.Error(err)
			}
		})
	}
	close(start)
	wg.Wait()
	return srv.Count(graphauthtest.EndpointToken)
}

// BenchmarkStampede: 200 goroutines ask a new credential for its first token
// at once. requests/op is what the platform saw.
func BenchmarkStampede(b *testing.B) {
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	for _, p := range peers {
		b.Run(p.name, func(b *testing.B) {
			total := 0
			for b.Loop() {
				total += rush(b, srv, p.make(b, direct(srv)), []string{srv.TenantID}, 200)
			}
			b.ReportMetric(float64(total)/float64(b.N), "requests/op")
		})
	}
}

// BenchmarkTwentyTenantsSlowEndpoint: 200 goroutines over 20 tenants, with
// a token endpoint that takes 50 ms. ns/op is the wall time of the whole
// rush; requests/op what the platform saw.
func BenchmarkTwentyTenantsSlowEndpoint(b *testing.B) {
	srv := graphauthtest.NewServer(&graphauthtest.Options{TokenLatency: 50 * time.Millisecond})
	defer srv.Close()
	tenants := addTenants(srv, 20)
	for _, p := range peers {
		b.Run(p.name, func(b *testing.B) {
			total := 0
			for b.Loop() {
				get := p.make(b, direct(srv))
				total += rush(b, srv, get, tenants, 200)
			}
			b.ReportMetric(float64(total)/float64(b.N), "requests/op")
		})
	}
}

// BenchmarkDiscoveryThousandTenants: one credential gets its first token in
// each of 1,000 tenants, one after another. discovery/op counts the
// metadata requests (OpenID configuration, instance discovery).
func BenchmarkDiscoveryThousandTenants(b *testing.B) {
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	tenants := addTenants(srv, 1000)
	for _, p := range peers {
		b.Run(p.name, func(b *testing.B) {
			discovery := 0
			for b.Loop() {
				get := p.make(b, direct(srv))
				srv.ResetLog()
				for _, t := range tenants {
					if err := get(context.Background(), t, nil); err != nil {
						b.Fatal(err)
					}
				}
				discovery += srv.Count(graphauthtest.EndpointDiscovery)
			}
			b.ReportMetric(float64(discovery)/float64(b.N), "discovery/op")
		})
	}
}
