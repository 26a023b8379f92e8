// Package redisregistry is a consent.Registry in Redis, for a fleet of
// replicas that onboard customer tenants and show them on one dashboard:
// every replica's Handler records into it and Reverify reads it, with no
// file to share.
//
//	reg := redisregistry.New(rdb, "console")  // rdb: a *redis.Client, cluster or ring
//	h, err := consent.NewHandler(cfg, consent.HandlerOptions{Registry: reg, ...})
//
// The records live in one Redis hash, "{prefix}:tenants", one field per
// tenant (its lower-case ID) holding the record's JSON. Each Put, Get and
// Delete is one Redis command; the last Put of a tenant wins. Update (the
// Handler's and Reverify's writes) reads and writes in one optimistic
// transaction (WATCH, then MULTI/EXEC), run again when another replica
// wrote in between, so that no replica's result overwrites a newer one
// unseen. Records hold no secret.
package redisregistry

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/entrakit/entrakit/consent"
)

// Registry keeps consent records in a Redis hash. It is safe for
// concurrent use, from any number of processes.
type Registry struct {
	rdb redis.UniversalClient
	key string
}

var (
	_ consent.Registry = (*Registry)(nil)
	_ consent.Updater  = (*Registry)(nil)
)

// New returns a Registry that keeps its records under "prefix:tenants" in
// the Redis that rdb talks to. Give each app its own prefix.
func New(rdb redis.UniversalClient, prefix string) *Registry {
	return &Registry{rdb: rdb, key: prefix + ":tenants"}
}

// String shows neither the connection (whose options may hold Redis's
// password) nor the records.
func (r Registry) String() string { return "redisregistry.Registry{Redis: REDACTED}" }

// Format prints String for every verb.
func (r Registry) Format(f fmt.State, _ rune) { fmt.Fprint(f, r.String()) }

// Put stores rec, replacing the tenant's record. It returns an error for a
// record without a TenantID, or Redis's.
func (r *Registry) Put(ctx context.Context, rec consent.Record) error {
	if rec.TenantID == "" {
		return errors.New("redisregistry: a record needs a TenantID")
	}
	data, err := json.Marshal(rec)
	if err != nil {
		return fmt.Errorf("redisregistry: %w", err)
	}
	if err := r.rdb.HSet(ctx, r.key, strings.ToLower(rec.TenantID), data).Err(); err != nil {
		return fmt.Errorf("redisregistry: %w", err)
	}
	return nil
}

// Get returns the tenant's record; ok is false when there is none.
func (r *Registry) Get(ctx context.Context, tenantID string) (consent.Record, bool, error) {
	rec, ok, err := r.read(ctx, r.rdb, strings.ToLower(tenantID))
	if err != nil {
		return consent.Record{}, false, fmt.Errorf("redisregistry: %w", err)
	}
	return rec, ok, nil
}

// updateAttempts bounds the transactions one Update runs while other
// replicas keep writing the hash first.
const updateAttempts = 64

// Update changes the tenant's record atomically (see consent.Updater): it
// watches the hash, reads the record, and writes fn's successor in a
// transaction that fails if any replica wrote the hash meanwhile; it then
// runs again, after a short random pause. fn may run more than once.
func (r *Registry) Update(ctx context.Context, tenantID string, fn func(cur consent.Record, ok bool) (consent.Record, bool)) (consent.Record, bool, error) {
	field := strings.ToLower(tenantID)
	for attempt := 0; attempt < updateAttempts; attempt++ {
		var out consent.Record
		var wrote bool
		err := r.rdb.Watch(ctx, func(tx *redis.Tx) error {
			cur, ok, err := r.read(ctx, tx, field)
			if err != nil {
				return err
			}
			next, write := fn(cur, ok)
			if !write {
				out = cur
				return nil
			}
			if next.TenantID == "" || !strings.EqualFold(next.TenantID, tenantID) {
				return fmt.Errorf("an update of %s returned a record of %q", tenantID, next.TenantID)
			}
			data, err := json.Marshal(next)
			if err != nil {
				return err
			}
			if _, err := tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
				p.HSet(ctx, r.key, field, data)
				return nil
			}); err != nil {
				return err
			}
			out, wrote = next, true
			return nil
		}, r.key)
		if errors.Is(err, redis.TxFailedErr) {
			pause := time.Duration(rand.Int64N(int64(time.Millisecond) << min(attempt, 5)))
			select {
			case <-time.After(pause):
				continue
			case <-ctx.Done():
				return consent.Record{}, false, fmt.Errorf("redisregistry: %w", ctx.Err())
			}
		}
		if err != nil {
			return consent.Record{}, false, fmt.Errorf("redisregistry: %w", err)
		}
		return out, wrote, nil
	}
	return consent.Record{}, false, fmt.Errorf("redisregistry: %d transactions on %s failed, each overtaken by another replica's write", updateAttempts, r.key)
}

// hgetter is a connection or a transaction.
type hgetter interface {
	HGet(ctx context.Context, key, field string) *redis.StringCmd
}

// read returns the record in field, through a connection or a transaction.
func (r *Registry) read(ctx context.Context, c hgetter, field string) (consent.Record, bool, error) {
	data, err := c.HGet(ctx, r.key, field).Bytes()
	if errors.Is(err, redis.Nil) {
		return consent.Record{}, false, nil
	}
	if err != nil {
		return consent.Record{}, false, err
	}
	rec, err := decode(field, data)
	return rec, err == nil, err
}

// listBatch is how many fields List asks Redis for at a time.
const listBatch = 500

// List returns every record, by tenant ID. Values that are not records
// are left out, and named in an error wrapping consent.ErrCorruptRecord
// returned beside the records that could be read.
//
// The hash is read in batches (HSCAN), so that an MSP's thousands of
// tenants never hold Redis up for one reply; a tenant added or removed
// while List runs may or may not be in its result.
func (r *Registry) List(ctx context.Context) ([]consent.Record, error) {
	seen := map[string]bool{} // HSCAN may return a field twice
	var out []consent.Record
	var bad []string
	for cursor := uint64(0); ; {
		kv, next, err := r.rdb.HScan(ctx, r.key, cursor, "", listBatch).Result()
		if err != nil {
			return nil, fmt.Errorf("redisregistry: %w", err)
		}
		for i := 0; i+1 < len(kv); i += 2 {
			field := kv[i]
			if seen[field] {
				continue
			}
			seen[field] = true
			rec, err := decode(field, []byte(kv[i+1]))
			if err != nil {
				bad = append(bad, field)
				continue
			}
			out = append(out, rec)
		}
		if cursor = next; cursor == 0 {
			break
		}
	}
	sort.Slice(out, func(i, j int) bool { return strings.ToLower(out[i].TenantID) < strings.ToLower(out[j].TenantID) })
	if len(bad) > 0 {
		return out, corrupt(r.key, bad)
	}
	return out, nil
}

// corrupt names the fields of key whose values are not records, cut to a
// bounded length: a field was written by something else and may be long
// or hold control characters.
func corrupt(key string, fields []string) error {
	sort.Strings(fields)
	names := make([]string, 0, min(len(fields), 5))
	for _, f := range fields[:min(len(fields), 5)] {
		if len(f) > 64 {
			f = f[:64] + "…"
		}
		names = append(names, strconv.Quote(f))
	}
	more := ""
	if len(fields) > 5 {
		more = fmt.Sprintf(" and %d more", len(fields)-5)
	}
	what := "values in %s are not tenant records (fields"
	if len(fields) == 1 {
		what = "value in %s is not a tenant record (field"
	}
	return fmt.Errorf("redisregistry: %d "+what+" %s%s; Put or Delete the tenant, or HDEL the field, to repair): %w",
		len(fields), key, strings.Join(names, ", "), more, consent.ErrCorruptRecord)
}

// Delete removes the tenant's record; removing none is not an error.
func (r *Registry) Delete(ctx context.Context, tenantID string) error {
	if err := r.rdb.HDel(ctx, r.key, strings.ToLower(tenantID)).Err(); err != nil {
		return fmt.Errorf("redisregistry: %w", err)
	}
	return nil
}

// decode reads the record stored in field; a value that is not a record's
// JSON (a key written by something else) is an error naming the hash, not
// a panic. So is a record that is not the field's tenant's: one copied
// from another field, or "{}" or "null" (no tenant at all), would list
// that tenant twice, or the credential's home tenant as a customer's, and
// a field that is not lower case is one Get, Update and Delete never
// reach.
func decode(field string, data []byte) (consent.Record, error) {
	var rec consent.Record
	if err := json.Unmarshal(data, &rec); err != nil {
		// The decoder's text can quote the value (a date that does not
		// parse), which anything may have written at any length: cut it.
		why := err.Error()
		if len(why) > 120 {
			why = strings.ToValidUTF8(why[:120], "") + "…"
		}
		return consent.Record{}, fmt.Errorf("%w (%d bytes): %s", consent.ErrCorruptRecord, len(data), strconv.QuoteToASCII(why))
	}
	if rec.TenantID == "" || strings.ToLower(rec.TenantID) != field {
		return consent.Record{}, fmt.Errorf("%w: its field is not its tenant's ID in lower case", consent.ErrCorruptRecord)
	}
	return rec, nil
}
