package redisregistry_test

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"testing"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/entrakit/entrakit/consent"
	"github.com/entrakit/entrakit/consent/redisregistry"
)

// Two replicas, each with its own connection, update many tenants at once:
// every increment of every tenant lands, however many other tenants are
// written meanwhile.
func TestReplicasUpdatingManyTenantsLoseNoWrite(t *testing.T) {
	rdb := redisServer(t)
	other := redis.NewClient(rdb.Options())
	t.Cleanup(func() { other.Close() })
	regs := []*redisregistry.Registry{redisregistry.New(rdb, "console"), redisregistry.New(other, "console")}
	const tenants, workers, rounds = 32, 32, 8
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, len(regs)*workers*rounds)
	for _, reg := range regs {
		for w := 0; w < workers; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for r := 0; r < rounds; r++ {
					id := fmt.Sprintf("aaaaaaaa-0000-4000-8000-%012d", (w+r)%tenants)
					_, _, err := reg.Update(ctx, id, func(cur consent.Record, ok bool) (consent.Record, bool) {
						n, _ := strconv.Atoi(cur.AppState)
						cur.TenantID, cur.AppState = id, strconv.Itoa(n+1)
						return cur, true
					})
					errs <- err
				}
			}()
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	recs, err := regs[0].List(ctx)
	require.NoError(t, err)
	total := 0
	for _, r := range recs {
		n, _ := strconv.Atoi(r.AppState)
		total += n
	}
	assert.Equal(t, len(regs)*workers*rounds, total)
}

// An Update that other writers keep overtaking ends with its context, and a
// value replaced by one that is not a record's JSON between the read and
// the write ends it with an error, writing nothing.
func TestUpdateOvertakenEndsWithItsContextOrTheBadValue(t *testing.T) {
	rdb := redisServer(t)
	other := redis.NewClient(rdb.Options())
	t.Cleanup(func() { other.Close() })
	reg := redisregistry.New(rdb, "console")
	id := "bbbbbbbb-0000-4000-8000-000000000002"
	ctx, cancel := context.WithCancel(context.Background())
	calls := 0
	_, _, err := reg.Update(ctx, id, func(cur consent.Record, ok bool) (consent.Record, bool) {
		calls++
		if calls == 3 {
			cancel()
		}
		require.NoError(t, other.HSet(context.Background(), "console:tenants", "another-tenant", fmt.Sprint(calls)).Err())
		return consent.Record{TenantID: id, Status: consent.StatusConfirmed}, true
	})
	assert.ErrorIs(t, err, context.Canceled)
	assert.LessOrEqual(t, calls, 4)
	_, ok, err := reg.Get(context.Background(), id)
	require.NoError(t, err)
	assert.False(t, ok, "nothing written")

	calls = 0
	_, _, err = reg.Update(context.Background(), id, func(cur consent.Record, ok bool) (consent.Record, bool) {
		calls++
		require.NoError(t, other.HSet(context.Background(), "console:tenants", id, "{not json").Err())
		return consent.Record{TenantID: id, Status: consent.StatusConfirmed}, true
	})
	assert.ErrorIs(t, err, consent.ErrCorruptRecord)
	assert.Equal(t, 1, calls)
	raw, err := rdb.HGet(context.Background(), "console:tenants", id).Result()
	require.NoError(t, err)
	assert.Equal(t, "{not json", raw, "the bad value is not overwritten unseen")
}
