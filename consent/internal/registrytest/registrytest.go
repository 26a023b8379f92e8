// Package registrytest is the contract every consent.Registry passes: the
// memory, file and Redis registries run the same tests.
package registrytest

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/entrakit/entrakit/consent"
)

// Run runs the contract against registries that newRegistry makes, each
// empty.
func Run(t *testing.T, newRegistry func(t *testing.T) consent.Registry) {
	t.Run("a record comes back whole", func(t *testing.T) {
		reg, ctx := newRegistry(t), context.Background()
		at := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
		rec := consent.Record{TenantID: "aaaaaaaa-0000-4000-8000-000000000001", ConsentedAt: at, ConsentedBy: "it@contoso.example",
			Roles: []string{"Organization.Read.All", "User.Read.All"}, Missing: []string{"Group.Read.All"}, LastVerified: at.Add(time.Hour),
			Status: consent.StatusFailed, Error: "graphauth: invalid_client (AADSTS7000222)", AppState: "client-record:42"}
		require.NoError(t, reg.Put(ctx, rec))
		got, ok, err := reg.Get(ctx, rec.TenantID)
		require.NoError(t, err)
		require.True(t, ok)
		assert.True(t, got.ConsentedAt.Equal(rec.ConsentedAt))
		assert.True(t, got.LastVerified.Equal(rec.LastVerified))
		got.ConsentedAt, got.LastVerified = rec.ConsentedAt, rec.LastVerified
		assert.Equal(t, rec, got)
	})
	t.Run("tenant IDs match whatever their case", func(t *testing.T) {
		reg, ctx := newRegistry(t), context.Background()
		require.NoError(t, reg.Put(ctx, consent.Record{TenantID: "BBBBBBBB-0000-4000-8000-000000000002", Status: consent.StatusPending}))
		got, ok, err := reg.Get(ctx, "bbbbbbbb-0000-4000-8000-000000000002")
		require.NoError(t, err)
		require.True(t, ok)
		assert.Equal(t, consent.StatusPending, got.Status)
		require.NoError(t, reg.Put(ctx, consent.Record{TenantID: "bbbbbbbb-0000-4000-8000-000000000002", Status: consent.StatusConfirmed}))
		recs, err := reg.List(ctx)
		require.NoError(t, err)
		require.Len(t, recs, 1, "a Put replaces the tenant's record")
		assert.Equal(t, consent.StatusConfirmed, recs[0].Status)
		require.NoError(t, reg.Delete(ctx, "BBBBBBBB-0000-4000-8000-000000000002"))
		_, ok, err = reg.Get(ctx, "bbbbbbbb-0000-4000-8000-000000000002")
		require.NoError(t, err)
		assert.False(t, ok)
	})
	t.Run("missing tenants and bad records", func(t *testing.T) {
		reg, ctx := newRegistry(t), context.Background()
		_, ok, err := reg.Get(ctx, "cccccccc-0000-4000-8000-000000000003")
		require.NoError(t, err)
		assert.False(t, ok)
		assert.NoError(t, reg.Delete(ctx, "cccccccc-0000-4000-8000-000000000003"), "deleting nothing is fine")
		assert.Error(t, reg.Put(ctx, consent.Record{}), "a record needs a tenant")
		recs, err := reg.List(ctx)
		require.NoError(t, err)
		assert.Empty(t, recs)
	})
	t.Run("concurrent writers lose nothing and List is sorted", func(t *testing.T) {
		reg, ctx := newRegistry(t), context.Background()
		var wg sync.WaitGroup
		for i := range 40 {
			wg.Go(func() {
				id := fmt.Sprintf("%08d-0000-4000-8000-000000000000", 39-i)
				assert.NoError(t, reg.Put(ctx, consent.Record{TenantID: id, Status: consent.StatusConfirmed}))
				_, _, err := reg.Get(ctx, id)
				assert.NoError(t, err)
			})
		}
		wg.Wait()
		recs, err := reg.List(ctx)
		require.NoError(t, err)
		require.Len(t, recs, 40, "no write was lost")
		for i := 1; i < len(recs); i++ {
			assert.Less(t, strings.ToLower(recs[i-1].TenantID), strings.ToLower(recs[i].TenantID))
		}
	})
	t.Run("Update reads and writes as one", func(t *testing.T) {
		reg, ctx := newRegistry(t), context.Background()
		u, ok := reg.(consent.Updater)
		require.True(t, ok, "the kit's registries are Updaters")
		const id = "dddddddd-0000-4000-8000-000000000004"
		// Nothing yet: fn sees no record and creates one.
		got, wrote, err := u.Update(ctx, id, func(cur consent.Record, ok bool) (consent.Record, bool) {
			assert.False(t, ok)
			return consent.Record{TenantID: id, Status: consent.StatusPending, AppState: "0"}, true
		})
		require.NoError(t, err)
		assert.True(t, wrote)
		assert.Equal(t, "0", got.AppState)
		// fn declines: nothing changes, the current record comes back.
		got, wrote, err = u.Update(ctx, strings.ToUpper(id), func(cur consent.Record, ok bool) (consent.Record, bool) {
			assert.True(t, ok, "found in any case")
			return consent.Record{}, false
		})
		require.NoError(t, err)
		assert.False(t, wrote)
		assert.Equal(t, consent.StatusPending, got.Status)
		// A successor for another tenant, or for none, is refused.
		for _, other := range []string{"", "eeeeeeee-0000-4000-8000-000000000005"} {
			_, wrote, err = u.Update(ctx, id, func(cur consent.Record, ok bool) (consent.Record, bool) {
				cur.TenantID = other
				return cur, true
			})
			assert.Error(t, err, "successor for %q", other)
			assert.False(t, wrote)
		}
		recs, err := reg.List(ctx)
		require.NoError(t, err)
		require.Len(t, recs, 1)
		assert.Equal(t, id, recs[0].TenantID)
		// Writers racing on one tenant: every increment lands.
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() {
				for range 15 {
					_, _, err := u.Update(ctx, id, func(cur consent.Record, ok bool) (consent.Record, bool) {
						n, _ := strconv.Atoi(cur.AppState)
						cur.AppState = strconv.Itoa(n + 1)
						return cur, true
					})
					assert.NoError(t, err)
				}
			})
		}
		wg.Wait()
		got, _, err = reg.Get(ctx, id)
		require.NoError(t, err)
		assert.Equal(t, "120", got.AppState, "no update was lost")
	})
}
