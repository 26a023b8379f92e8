package redisregistry_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/entrakit/entrakit/consent"
	"github.com/entrakit/entrakit/consent/internal/registrytest"
	"github.com/entrakit/entrakit/consent/redisregistry"
	"github.com/entrakit/entrakit/internal/redistest"
)

// redisServer starts a redis-server for one test (internal/redistest).
func redisServer(t *testing.T) *redis.Client {
	t.Helper()
	rdb, _ := redistest.Start(t, redis.Options{DialTimeout: time.Second, MaxRetries: -1})
	return rdb
}

func TestRedisRegistryKeepsTheContract(t *testing.T) {
	rdb := redisServer(t)
	n := 0
	registrytest.Run(t, func(*testing.T) consent.Registry {
		n++
		return redisregistry.New(rdb, fmt.Sprintf("app%d", n)) // each test its own, empty
	})
}

// Two replicas, each with its own connection, see one registry.
func TestReplicasShareOneRegistry(t *testing.T) {
	rdb := redisServer(t)
	other := redis.NewClient(rdb.Options())
	t.Cleanup(func() { other.Close() })
	a, b := redisregistry.New(rdb, "console"), redisregistry.New(other, "console")
	ctx := context.Background()
	require.NoError(t, a.Put(ctx, consent.Record{TenantID: "aaaaaaaa-0000-4000-8000-000000000001", Status: consent.StatusPending}))
	got, ok, err := b.Get(ctx, "aaaaaaaa-0000-4000-8000-000000000001")
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, consent.StatusPending, got.Status)
	require.NoError(t, b.Put(ctx, consent.Record{TenantID: "aaaaaaaa-0000-4000-8000-000000000001", Status: consent.StatusConfirmed}))
	got, _, _ = a.Get(ctx, "aaaaaaaa-0000-4000-8000-000000000001")
	assert.Equal(t, consent.StatusConfirmed, got.Status)
	recs, err := redisregistry.New(rdb, "another-app").List(ctx)
	require.NoError(t, err)
	assert.Empty(t, recs, "prefixes keep apps apart")
}

func TestRedisRegistryFailures(t *testing.T) {
	rdb := redisServer(t)
	ctx := context.Background()
	reg := redisregistry.New(rdb, "console")
	require.NoError(t, reg.Put(ctx, consent.Record{TenantID: "aaaaaaaa-0000-4000-8000-000000000001", Status: consent.StatusConfirmed}))
	require.NoError(t, rdb.HSet(ctx, "console:tenants", "bbbbbbbb-0000-4000-8000-000000000002", "{not json").Err())
	require.NoError(t, rdb.HSet(ctx, "console:tenants", "x\x1b[2j"+strings.Repeat("y", 500), "[]").Err())
	_, _, err := reg.Get(ctx, "bbbbbbbb-0000-4000-8000-000000000002")
	assert.ErrorIs(t, err, consent.ErrCorruptRecord)
	// One bad value hides no other tenant: List returns the readable
	// records beside an error naming the bad fields, escaped and cut.
	recs, err := reg.List(ctx)
	assert.ErrorIs(t, err, consent.ErrCorruptRecord)
	assert.ErrorContains(t, err, "2 values in console:tenants")
	assert.ErrorContains(t, err, `"bbbbbbbb-0000-4000-8000-000000000002"`)
	assert.NotContains(t, err.Error(), "\x1b")
	assert.Less(t, len(err.Error()), 400)
	require.Len(t, recs, 1)
	assert.Equal(t, "aaaaaaaa-0000-4000-8000-000000000001", recs[0].TenantID)
	// Put repairs the value.
	require.NoError(t, reg.Put(ctx, consent.Record{TenantID: "bbbbbbbb-0000-4000-8000-000000000002", Status: consent.StatusPending}))
	require.NoError(t, reg.Delete(ctx, "x\x1b[2j"+strings.Repeat("y", 500)))
	recs, err = reg.List(ctx)
	require.NoError(t, err)
	assert.Len(t, recs, 2)

	down := redisregistry.New(redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", DialTimeout: 100 * time.Millisecond, MaxRetries: -1}), "console")
	assert.ErrorContains(t, down.Put(ctx, consent.Record{TenantID: "cccccccc-0000-4000-8000-000000000003"}), "redisregistry:")
	_, _, err = down.Get(ctx, "cccccccc-0000-4000-8000-000000000003")
	assert.Error(t, err)
	_, err = down.List(ctx)
	assert.Error(t, err)
	assert.Error(t, down.Delete(ctx, "x"))

	assert.Equal(t, "redisregistry.Registry{Redis: REDACTED}", fmt.Sprintf("%+v", reg))
}

// A field holding a record that is not its own tenant's (copied from
// another field, written under an upper-case field, or naming no tenant)
// is a corrupt value: listed, it would show a tenant twice, or the
// credential's home tenant (an empty TenantID) as a customer for Reverify
// to check, and Get, Update and Delete never reach an upper-case field.
func TestRedisRegistryFieldMustBeItsTenants(t *testing.T) {
	rdb := redisServer(t)
	ctx := context.Background()
	reg := redisregistry.New(rdb, "console")
	a, b := "aaaaaaaa-0000-4000-8000-000000000001", "bbbbbbbb-0000-4000-8000-000000000002"
	require.NoError(t, reg.Put(ctx, consent.Record{TenantID: a, Status: consent.StatusConfirmed}))
	require.NoError(t, rdb.HSet(ctx, "console:tenants", b, `{"tenantId":"`+a+`","status":"confirmed"}`).Err())
	require.NoError(t, rdb.HSet(ctx, "console:tenants", "CCCCCCCC-0000-4000-8000-000000000003", `{"tenantId":"CCCCCCCC-0000-4000-8000-000000000003"}`).Err())
	require.NoError(t, rdb.HSet(ctx, "console:tenants", "dddddddd-0000-4000-8000-000000000004", `{}`).Err())
	require.NoError(t, rdb.HSet(ctx, "console:tenants", "", `null`).Err())

	_, ok, err := reg.Get(ctx, b)
	assert.ErrorIs(t, err, consent.ErrCorruptRecord, "b's field holds a's record")
	assert.False(t, ok)
	recs, err := reg.List(ctx)
	assert.ErrorIs(t, err, consent.ErrCorruptRecord)
	assert.ErrorContains(t, err, "4 values in console:tenants")
	require.Len(t, recs, 1, "a once, and no record without a tenant")
	assert.Equal(t, a, recs[0].TenantID)

	require.NoError(t, reg.Put(ctx, consent.Record{TenantID: b, Status: consent.StatusPending}))
	got, ok, err := reg.Get(ctx, b)
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, b, got.TenantID, "Put repairs the field")
}

// A value whose date does not parse is named in an error of bounded
// length: the decoder's text quotes the date, which may be a megabyte.
func TestRedisRegistryBoundsADecodersError(t *testing.T) {
	rdb := redisServer(t)
	ctx := context.Background()
	reg := redisregistry.New(rdb, "console")
	a := "aaaaaaaa-0000-4000-8000-000000000001"
	require.NoError(t, rdb.HSet(ctx, "console:tenants", a, `{"tenantId":"`+a+`","consentedAt":"\u001b[2J`+strings.Repeat("A", 1<<20)+`"}`).Err())
	_, _, err := reg.Get(ctx, a)
	require.ErrorIs(t, err, consent.ErrCorruptRecord)
	assert.Less(t, len(err.Error()), 400, "%.400s", err)
	assert.NotContains(t, err.Error(), "\x1b")
}

// A Redis hash value an attacker or another program wrote never panics the
// decoder.
func FuzzRecordDecoding(f *testing.F) {
	f.Add(`{"tenantId":"a","status":"confirmed"}`)
	f.Add(`{"tenantId":"a","lastResult":"error: x"}`)
	f.Add(`[]`)
	f.Fuzz(func(t *testing.T, data string) {
		var rec consent.Record
		_ = rec.UnmarshalJSON([]byte(data))
	})
}

// An MSP's registry of thousands of tenants is read in batches; every
// tenant comes back once, in order, beside the one corrupt value.
func TestRedisRegistryListsThousandsOfTenants(t *testing.T) {
	rdb := redisServer(t)
	ctx := context.Background()
	reg := redisregistry.New(rdb, "msp")
	const n = 2500 // five batches
	pipe := rdb.Pipeline()
	for i := range n {
		tenant := fmt.Sprintf("%08x-0000-4000-8000-000000000000", i)
		pipe.HSet(ctx, "msp:tenants", tenant, fmt.Sprintf(`{"tenantId":%q,"status":"confirmed"}`, tenant))
	}
	pipe.HSet(ctx, "msp:tenants", "not-a-tenant", "{")
	_, err := pipe.Exec(ctx)
	require.NoError(t, err)
	recs, err := reg.List(ctx)
	require.ErrorIs(t, err, consent.ErrCorruptRecord)
	assert.Contains(t, err.Error(), "not-a-tenant")
	require.Len(t, recs, n)
	for i, rec := range recs {
		require.Equal(t, fmt.Sprintf("%08x-0000-4000-8000-000000000000", i), rec.TenantID)
		require.Equal(t, consent.StatusConfirmed, rec.Status)
	}
}
