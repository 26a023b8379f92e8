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
