package redisstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// TryAcquire takes the lease name for holder until ttl passes, when no
// one else holds it, and reports whether it did: one replica of a fleet
// does a job (such as rotating the app's credential) while the others
// skip it. Taking a lease holder already holds extends it. The lease lives
// under "prefix:lease:name" (SET NX PX), so a replica that dies lets go
// when ttl passes.
func (s *Store) TryAcquire(ctx context.Context, name, holder string, ttl time.Duration) (bool, error) {
	if name == "" || holder == "" || ttl <= 0 {
		return false, errors.New("redisstore: a lease needs a name, a holder and a positive ttl")
	}
	ok, err := s.rdb.SetNX(ctx, s.leaseKey(name), holder, ttl).Result()
	if err != nil {
		return false, fmt.Errorf("redisstore: %w", err)
	}
	if ok {
		return true, nil
	}
	n, err := extendLease.Run(ctx, s.rdb, []string{s.leaseKey(name)}, holder, ttl.Milliseconds()).Int()
	if err != nil {
		return false, fmt.Errorf("redisstore: %w", err)
	}
	return n == 1, nil
}

// Release lets go of the lease name if holder holds it; a lease that
// passed to another holder is left alone.
func (s *Store) Release(ctx context.Context, name, holder string) error {
	if err := releaseLease.Run(ctx, s.rdb, []string{s.leaseKey(name)}, holder).Err(); err != nil && !errors.Is(err, redis.Nil) {
		return fmt.Errorf("redisstore: %w", err)
	}
	return nil
}

func (s *Store) leaseKey(name string) string { return s.prefix + "lease:" + name }

// The scripts compare the holder and act in one step, so that a lease
// that expired and passed to another replica meanwhile is never touched.
var (
	extendLease = redis.NewScript(`if redis.call("GET", KEYS[1]) == ARGV[1] then
  return redis.call("PEXPIRE", KEYS[1], ARGV[2])
end
return 0`)
	releaseLease = redis.NewScript(`if redis.call("GET", KEYS[1]) == ARGV[1] then
  return redis.call("DEL", KEYS[1])
end
return 0`)
)
