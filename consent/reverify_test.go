package consent_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/entrakit/entrakit/consent"
	"github.com/entrakit/entrakit/graphauth"
	"github.com/entrakit/entrakit/graphauth/graphauthtest"
)

// Reverify checks tenants in parallel; one that removed the app becomes
// removed at once, without two minutes of retries.
func TestReverifyMarksARemovedAppAtOnce(t *testing.T) {
	t.Parallel()
	t.Run("registry with Update", func(t *testing.T) { reverifyMarksARemovedApp(t, &consent.MemoryRegistry{}) })
	// A Registry of the application's own, without Update: results are
	// written by a Get and a Put.
	t.Run("registry without Update", func(t *testing.T) {
		reverifyMarksARemovedApp(t, plainRegistry{&consent.MemoryRegistry{}})
	})
}

// appCredential is the MSP app's credential, for any tenant.
func appCredential(t *testing.T, srv *graphauthtest.Server, app graphauthtest.App) *graphauth.ClientSecretCredential {
	t.Helper()
	cred, err := graphauth.NewClientSecretCredential(srv.TenantID, app.ClientID, graphauth.Secret(app.Secrets[0].Value),
		&graphauth.Options{AuthorityHost: srv.URL, HTTPClient: srv.Client(), AllowedTenants: []string{"*"}})
	require.NoError(t, err)
	return cred
}

// grantedTenants adds n tenants that granted the app its roles, recorded
// in reg with status.
func grantedTenants(t *testing.T, srv *graphauthtest.Server, app graphauthtest.App, reg consent.Registry, n int, status consent.Status) []string {
	t.Helper()
	var tenants []string
	for i := range n {
		ten := srv.AddTenant(graphauthtest.Tenant{DisplayName: "T" + string(rune('a'+i))})
		srv.AddServicePrincipal(ten.ID, app.ClientID)
		srv.GrantAppRoles(ten.ID, app.ClientID, app.RequiredRoles...)
		require.NoError(t, reg.Put(context.Background(), consent.Record{TenantID: ten.ID, Status: status}))
		tenants = append(tenants, ten.ID)
	}
	return tenants
}

// plainRegistry has the four Registry methods and nothing else.
type plainRegistry struct{ r consent.Registry }

func (p plainRegistry) Put(ctx context.Context, r consent.Record) error { return p.r.Put(ctx, r) }
func (p plainRegistry) Get(ctx context.Context, id string) (consent.Record, bool, error) {
	return p.r.Get(ctx, id)
}
func (p plainRegistry) List(ctx context.Context) ([]consent.Record, error) { return p.r.List(ctx) }
func (p plainRegistry) Delete(ctx context.Context, id string) error        { return p.r.Delete(ctx, id) }

func reverifyMarksARemovedApp(t *testing.T, reg consent.Registry) {
	t.Parallel()
	srv, app := msp(t, graphauthtest.Options{})
	cred := appCredential(t, srv, app)
	tenants := grantedTenants(t, srv, app, reg, 12, consent.StatusConfirmed)
	ctx := context.Background()
	gone, pendingGone, lost := tenants[0], tenants[1], tenants[2]
	require.NoError(t, reg.Put(ctx, consent.Record{TenantID: pendingGone, Status: consent.StatusPending}))
	srv.RemoveServicePrincipal(gone, app.ClientID)
	srv.RemoveServicePrincipal(pendingGone, app.ClientID)
	srv.RevokeAppRoles(lost, app.ClientID, "User.Read.All")
	srv.Advance(30 * 24 * time.Hour) // the records take the injected clock

	recs, err := consent.Reverify(ctx, reg, cred, app.RequiredRoles,
		&consent.ConfirmOptions{Timeout: 400 * time.Millisecond, FirstWait: 50 * time.Millisecond, Parallel: 4, Now: srv.Now})
	require.NoError(t, err)
	require.Len(t, recs, len(tenants))
	by := map[string]consent.Record{}
	for _, r := range recs {
		by[r.TenantID] = r
	}
	assert.Equal(t, consent.StatusRemoved, by[gone].Status)
	assert.Contains(t, by[gone].Error, "AADSTS700016")
	assert.Equal(t, consent.StatusFailed, by[pendingGone].Status, "a tenant never confirmed is retried, then fails")
	assert.Equal(t, consent.StatusFailed, by[lost].Status)
	assert.Equal(t, []string{"User.Read.All"}, by[lost].Missing)
	for _, id := range tenants[3:] {
		assert.Equal(t, consent.StatusConfirmed, by[id].Status, id)
	}
	for _, r := range recs {
		assert.False(t, r.LastVerified.IsZero(), "every tenant was checked")
		assert.True(t, r.LastVerified.After(time.Now().Add(29*24*time.Hour)), "on the injected clock")
	}
	// The removed and the revoked tenants cost one token request each; the
	// never-confirmed one several.
	assert.Equal(t, 1, countTokenRequests(srv, gone))
	assert.Equal(t, 1, countTokenRequests(srv, lost))
	assert.Greater(t, countTokenRequests(srv, pendingGone), 1)
	stored, _, _ := reg.Get(ctx, gone)
	assert.Equal(t, consent.StatusRemoved, stored.Status)
}

func countTokenRequests(srv *graphauthtest.Server, tenant string) int {
	n := 0
	for _, r := range srv.Requests() {
		if r.Endpoint == graphauthtest.EndpointToken && strings.EqualFold(r.Tenant, tenant) {
			n++
		}
	}
	return n
}

// gate is a credential that holds every token request until released, and
// counts how many it holds at once.
type gate struct {
	mu      sync.Mutex
	held    int
	peak    int
	release chan struct{}
}

func (g *gate) Token(ctx context.Context, _ graphauth.TokenRequest) (graphauth.Token, error) {
	g.mu.Lock()
	g.held++
	g.peak = max(g.peak, g.held)
	g.mu.Unlock()
	defer func() { g.mu.Lock(); g.held--; g.mu.Unlock() }()
	select {
	case <-g.release:
	case <-ctx.Done():
	}
	return graphauth.Token{}, &graphauth.AuthError{StatusCode: 401, Code: "invalid_client", AADSTS: []int{7000222}}
}

func (g *gate) holding() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.held
}

func TestReverifyRunsAtMostParallelAtOnce(t *testing.T) {
	t.Parallel()
	reg := &consent.MemoryRegistry{}
	ctx := context.Background()
	for i := range 10 {
		require.NoError(t, reg.Put(ctx, consent.Record{TenantID: fmt.Sprintf("%08d-0000-4000-8000-000000000000", i), Status: consent.StatusConfirmed}))
	}
	g := &gate{release: make(chan struct{})}
	result := make(chan []consent.Record, 1)
	go func() {
		recs, err := consent.Reverify(ctx, reg, g, []string{"User.Read.All"}, &consent.ConfirmOptions{Parallel: 3})
		assert.NoError(t, err)
		result <- recs
	}()
	require.Eventually(t, func() bool { return g.holding() == 3 }, 10*time.Second, time.Millisecond)
	close(g.release)
	recs := <-result
	assert.Equal(t, 3, g.peak, "never more than Parallel at once")
	require.Len(t, recs, 10)
	for _, r := range recs {
		assert.Equal(t, consent.StatusFailed, r.Status, "an expired secret fails at once, without retries")
		assert.Contains(t, r.Error, "AADSTS7000222")
	}
}

// corruptListRegistry is a registry holding, besides its records, a value
// it cannot read, as redisregistry does when something else wrote into its
// hash: List returns the readable records beside ErrCorruptRecord.
type corruptListRegistry struct{ *consent.MemoryRegistry }

func (c corruptListRegistry) List(ctx context.Context) ([]consent.Record, error) {
	recs, err := c.MemoryRegistry.List(ctx)
	if err != nil {
		return nil, err
	}
	return recs, fmt.Errorf("test: 1 value is not a tenant record: %w", consent.ErrCorruptRecord)
}

// One unreadable value does not stop Reverify: every readable tenant is
// checked and stored, and the error names the unreadable value at the end.
func TestReverifyChecksTheReadableRecordsBesideACorruptOne(t *testing.T) {
	t.Parallel()
	srv, app := msp(t, graphauthtest.Options{})
	reg := corruptListRegistry{&consent.MemoryRegistry{}}
	tenants := grantedTenants(t, srv, app, reg, 3, consent.StatusPending)
	ctx := context.Background()
	recs, err := consent.Reverify(ctx, reg, appCredential(t, srv, app), app.RequiredRoles,
		&consent.ConfirmOptions{Timeout: 2 * time.Second, FirstWait: 50 * time.Millisecond, Now: srv.Now})
	require.ErrorIs(t, err, consent.ErrCorruptRecord)
	require.Len(t, recs, 3)
	for _, id := range tenants {
		got, ok, err := reg.Get(ctx, id)
		require.NoError(t, err)
		require.True(t, ok)
		assert.Equal(t, consent.StatusConfirmed, got.Status, "%s was checked and stored", id)
	}
}
