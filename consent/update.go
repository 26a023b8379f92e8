package consent

import (
	"context"
	"fmt"
	"strings"
)

// Updater is a Registry that changes one tenant's record atomically: no
// write by another replica can land between reading the record and writing
// its successor. Update calls fn with the tenant's current record (ok is
// false when there is none); fn returns the record to store and whether to
// store it. fn may be called more than once (when another write lands
// first, it runs again on the newer record), so it must do nothing but
// compute. Update returns the record stored, or the current one when fn
// wrote nothing, and whether it wrote.
//
// MemoryRegistry, FileRegistry and redisregistry.Registry are Updaters. The
// Handler and Reverify write results through Update when the Registry has
// it; with another Registry they read and then write, and a write by
// another replica in between is lost.
type Updater interface {
	Update(ctx context.Context, tenantID string, fn func(cur Record, ok bool) (next Record, write bool)) (Record, bool, error)
}

var (
	_ Updater = (*MemoryRegistry)(nil)
	_ Updater = (*FileRegistry)(nil)
)

// update changes the tenant's record through reg's Update, or by a Get and
// a Put when reg is not an Updater.
func update(ctx context.Context, reg Registry, tenantID string, fn func(cur Record, ok bool) (Record, bool)) (Record, bool, error) {
	if u, ok := reg.(Updater); ok {
		return u.Update(ctx, tenantID, fn)
	}
	cur, ok, err := reg.Get(ctx, tenantID)
	if err != nil {
		return Record{}, false, err
	}
	next, write := fn(cur, ok)
	if !write {
		return cur, false, nil
	}
	if err := reg.Put(ctx, next); err != nil {
		return Record{}, false, err
	}
	return next, true, nil
}

// checkUpdate refuses a successor record that names no tenant or another
// tenant than the one updated.
func checkUpdate(tenantID string, next Record) error {
	if next.TenantID == "" {
		return fmt.Errorf("consent: a record needs a TenantID")
	}
	if !strings.EqualFold(next.TenantID, tenantID) {
		return fmt.Errorf("consent: an update of %s returned a record of %s", tenantID, next.TenantID)
	}
	return nil
}
