// Package redisstore is a graphauth.Store in Redis, for a fleet of replicas
// that share tokens. Wrap it in tokenstore.Encrypted: Redis then holds only
// sealed values, each with a TTL from its token's expiry. TryAcquire and
// Release make it a lease too, so that one replica does a job such as
// rotating the app's credential (registration.Rotator).
package redisstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/entrakit/entrakit/graphauth"
)

// Store keeps values in Redis under a prefix.
type Store struct {
	rdb    redis.UniversalClient
	prefix string
}

var _ graphauth.Store = (*Store)(nil)

// New returns a Store that keeps its keys under "prefix:" in the Redis that
// rdb talks to (a client, a cluster or a ring). Give each app its own prefix.
func New(rdb redis.UniversalClient, prefix string) *Store {
	return &Store{rdb: rdb, prefix: prefix + ":"}
}

// Get returns the value of key, graphauth.ErrNotFound when Redis has none.
func (s *Store) Get(ctx context.Context, key string) ([]byte, error) {
	v, err := s.rdb.Get(ctx, s.prefix+key).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, graphauth.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("redisstore: %w", err)
	}
	return v, nil
}

// Set stores value under key with a TTL. A ttl of zero or less is a value
// that has expired already: the key is deleted, as the other Stores read
// such a value as not found. (Redis would keep it for ever for a zero
// ttl, and with the earlier value's TTL for -1, redis.KeepTTL.)
func (s *Store) Set(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	if ttl <= 0 {
		return s.Delete(ctx, key)
	}
	if err := s.rdb.Set(ctx, s.prefix+key, value, ttl).Err(); err != nil {
		return fmt.Errorf("redisstore: %w", err)
	}
	return nil
}

// Delete removes key.
func (s *Store) Delete(ctx context.Context, key string) error {
	if err := s.rdb.Del(ctx, s.prefix+key).Err(); err != nil {
		return fmt.Errorf("redisstore: %w", err)
	}
	return nil
}
