package redisstore_test

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/entrakit/entrakit/tokenstore/redisstore"
)

// One replica of a fleet takes the lease and does the job; the others see
// it taken and skip it (registration.Rotator uses it so).
func ExampleStore_TryAcquire() {
	addr, stop, err := startRedisServer()
	if err != nil {
		fmt.Println(err)
		return
	}
	defer stop()
	rdb := redis.NewClient(&redis.Options{Addr: addr})
	defer rdb.Close()
	store := redisstore.New(rdb, "billing")
	ctx := context.Background()

	first, err := store.TryAcquire(ctx, "rotation", "replica-1", 2*time.Minute)
	fmt.Println("replica-1:", first, err)
	second, err := store.TryAcquire(ctx, "rotation", "replica-2", 2*time.Minute)
	fmt.Println("replica-2:", second, err)
	fmt.Println(store.Release(ctx, "rotation", "replica-1"))
	// Output:
	// replica-1: true <nil>
	// replica-2: false <nil>
	// <nil>
}
