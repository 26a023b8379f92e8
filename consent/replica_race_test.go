package consent_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/entrakit/entrakit/consent"
	"github.com/entrakit/entrakit/consent/redisregistry"
	"github.com/entrakit/entrakit/graphauth"
	"github.com/entrakit/entrakit/graphauth/graphauthtest"
	"github.com/entrakit/entrakit/internal/redistest"
)

// racingRegistry is a MemoryRegistry (an Updater) on which another
// replica writes once, just after this replica's first read.
type racingRegistry struct {
	*consent.MemoryRegistry
	once  sync.Once
	other func()
}

func (r *racingRegistry) Get(ctx context.Context, id string) (consent.Record, bool, error) {
	rec, ok, err := r.MemoryRegistry.Get(ctx, id)
	r.once.Do(r.other)
	return rec, ok, err
}

func (r *racingRegistry) Update(ctx context.Context, id string, fn func(consent.Record, bool) (consent.Record, bool)) (consent.Record, bool, error) {
	r.once.Do(r.other)
	return r.MemoryRegistry.Update(ctx, id, fn)
}

// Two replicas prove one new tenant at once (an administrator who clicked
// twice): the round trip that writes second keeps when the first recorded
// the consent, with its confirmed status.
func TestARoundTripKeepsTheConsentTimeAnotherReplicaRecorded(t *testing.T) {
	t.Parallel()
	for _, background := range []bool{false, true} {
		t.Run(map[bool]string{false: "confirmed at once", true: "confirmed in the background"}[background], func(t *testing.T) {
			t.Parallel()
			srv, app := msp(t, graphauthtest.Options{})
			first := srv.Now().Add(-time.Minute).UTC()
			reg := &racingRegistry{MemoryRegistry: &consent.MemoryRegistry{}}
			reg.other = func() {
				require.NoError(t, reg.MemoryRegistry.Put(context.Background(), consent.Record{TenantID: victimID, ConsentedAt: first,
					LastVerified: first, Status: consent.StatusConfirmed, Roles: app.RequiredRoles, AppState: "first"}))
			}
			final := make(chan consent.Record, 1)
			web, browser, done, h := onboarding(t, srv, app, func(o *consent.HandlerOptions) {
				o.Registry, o.Background = reg, background
				o.Confirmed = func(rec consent.Record, _ error) { final <- rec }
			})
			defer h.Close()
			srv.SignIn("boss@victim.onmicrosoft.com")
			status, body := get(t, browser, web.URL+"/onboard?tenant="+victimID)
			require.Equal(t, 200, status, body)
			out := <-done
			require.NoError(t, out.err)
			if background {
				<-final
			}
			stored, ok, err := reg.Get(context.Background(), victimID)
			require.NoError(t, err)
			require.True(t, ok)
			assert.True(t, stored.ConsentedAt.Equal(first), "ConsentedAt %s, want the first replica's %s", stored.ConsentedAt, first)
			assert.True(t, out.rec.ConsentedAt.Equal(first), "Done is told what was stored")
			assert.Equal(t, consent.StatusConfirmed, stored.Status)
		})
	}
}

// A Reverify that began while a tenant was pending and found its roles
// not yet in effect does not set it back to pending when another replica
// confirmed it meanwhile: "not yet" is no news about a confirmed tenant.
func TestReverifyDoesNotDemoteATenantConfirmedMeanwhile(t *testing.T) {
	t.Parallel()
	for name, reg := range map[string]consent.Registry{
		"an Updater":                &consent.MemoryRegistry{},
		"a Registry without Update": plainRegistry{&consent.MemoryRegistry{}},
	} {
		t.Run(name, func(t *testing.T) { reverifyDoesNotDemote(t, reg) })
	}
}

func reverifyDoesNotDemote(t *testing.T, reg consent.Registry) {
	ctx := context.Background()
	id := "00000003-0000-4000-8000-000000000000"
	require.NoError(t, reg.Put(ctx, consent.Record{TenantID: id, Status: consent.StatusPending, AppState: "client-3"}))
	var once sync.Once
	cred := credFunc(func(_ context.Context, req graphauth.TokenRequest) (graphauth.Token, error) {
		once.Do(func() { // the Handler's background confirmation, on another replica
			require.NoError(t, reg.Put(ctx, consent.Record{TenantID: id, Status: consent.StatusConfirmed,
				Roles: []string{"User.Read.All"}, AppState: "client-3"}))
		})
		return graphauth.Token{}, nil // a token whose roles have not arrived here yet
	})
	_, err := consent.Reverify(ctx, reg, cred, []string{"User.Read.All"}, &consent.ConfirmOptions{Timeout: time.Millisecond, FirstWait: time.Millisecond})
	require.NoError(t, err)
	rec, ok, err := reg.Get(ctx, id)
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, consent.StatusConfirmed, rec.Status)
	assert.Equal(t, []string{"User.Read.All"}, rec.Roles)
}

// Two replicas, each with its own Redis connection, onboard one tenant at
// once in the background, then two Reverify runs race an offboarding:
// both round trips end on one confirmed record that keeps the first
// consent time, and the deleted tenant stays deleted however the writes
// interleave.
func TestTwoReplicasOverOneRedis(t *testing.T) {
	rdb, _ := redistest.Start(t, redis.Options{DialTimeout: time.Second})
	srv, app := msp(t, graphauthtest.Options{})
	var regs [2]*redisregistry.Registry
	var webs [2]string
	final := make(chan consent.Record, 2)
	var dones [2]chan outcome
	for i := range regs {
		own := redis.NewClient(rdb.Options())
		t.Cleanup(func() { own.Close() })
		regs[i] = redisregistry.New(own, "console")
		web, _, done, h := onboarding(t, srv, app, func(o *consent.HandlerOptions) {
			o.Registry, o.Background = regs[i], true
			o.Confirmed = func(rec consent.Record, _ error) { final <- rec }
		})
		defer h.Close()
		webs[i], dones[i] = web.URL, done
	}
	srv.SignIn("boss@victim.onmicrosoft.com")
	var wg sync.WaitGroup
	for i := range webs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			status, body := get(t, newBrowser(srv), webs[i]+"/onboard?tenant="+victimID)
			assert.Equal(t, 200, status, body)
		}()
	}
	wg.Wait()
	a, b := <-dones[0], <-dones[1]
	require.NoError(t, a.err)
	require.NoError(t, b.err)
	assert.True(t, a.rec.ConsentedAt.Equal(b.rec.ConsentedAt), "one consent time: %s and %s", a.rec.ConsentedAt, b.rec.ConsentedAt)
	<-final
	<-final
	stored, ok, err := regs[0].Get(context.Background(), victimID)
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, consent.StatusConfirmed, stored.Status)
	assert.True(t, stored.ConsentedAt.Equal(a.rec.ConsentedAt))

	cred, err := graphauth.NewClientSecretCredential(srv.TenantID, app.ClientID, graphauth.Secret(app.Secrets[0].Value),
		&graphauth.Options{AuthorityHost: srv.URL, HTTPClient: srv.Client(), AllowedTenants: []string{"*"}})
	require.NoError(t, err)
	defer cred.Close()
	errs := make(chan error, 3)
	for i := range regs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := consent.Reverify(context.Background(), regs[i], cred, app.RequiredRoles, nil)
			errs <- err
		}()
	}
	wg.Add(1)
	go func() { defer wg.Done(); errs <- regs[1].Delete(context.Background(), victimID) }()
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	_, ok, err = regs[0].Get(context.Background(), victimID)
	require.NoError(t, err)
	assert.False(t, ok, "the offboarded tenant stays deleted")
}
