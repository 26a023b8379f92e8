package consent

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
)

// Registry stores the onboarded tenants. Implementations must be safe for
// concurrent use. A stored record that cannot be read (a value written by
// hand or by another program) is an error wrapping ErrCorruptRecord: from
// Get for that tenant, and from List beside the records it could read, so
// that one bad value does not hide every tenant.
type Registry interface {
	Put(ctx context.Context, r Record) error
	Get(ctx context.Context, tenantID string) (Record, bool, error)
	List(ctx context.Context) ([]Record, error)
	Delete(ctx context.Context, tenantID string) error
}

// ErrCorruptRecord is wrapped by a Registry's error for a stored value that
// is not a record. List returns it together with the records it could
// read; Reverify checks those and returns it, joined, at the end. Put over
// the tenant (or Delete) repairs the value.
var ErrCorruptRecord = errors.New("consent: a stored value is not a tenant record")

// MemoryRegistry keeps records in memory. The zero value is ready to use.
type MemoryRegistry struct {
	mu      sync.Mutex
	records map[string]Record
}

var (
	_ Registry = (*MemoryRegistry)(nil)
	_ Registry = (*FileRegistry)(nil)
)

// Put stores r, replacing the tenant's record.
func (m *MemoryRegistry) Put(_ context.Context, r Record) error {
	if r.TenantID == "" {
		return fmt.Errorf("consent: a record needs a TenantID")
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.records == nil {
		m.records = map[string]Record{}
	}
	m.records[strings.ToLower(r.TenantID)] = r
	return nil
}

// Get returns the tenant's record.
func (m *MemoryRegistry) Get(_ context.Context, tenantID string) (Record, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r, ok := m.records[strings.ToLower(tenantID)]
	return r, ok, nil
}

// Update changes the tenant's record atomically (see Updater).
func (m *MemoryRegistry) Update(_ context.Context, tenantID string, fn func(cur Record, ok bool) (Record, bool)) (Record, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	cur, ok := m.records[strings.ToLower(tenantID)]
	next, write := fn(cur, ok)
	if !write {
		return cur, false, nil
	}
	if err := checkUpdate(tenantID, next); err != nil {
		return Record{}, false, err
	}
	if m.records == nil {
		m.records = map[string]Record{}
	}
	m.records[strings.ToLower(tenantID)] = next
	return next, true, nil
}

// List returns every record, by tenant ID.
func (m *MemoryRegistry) List(context.Context) ([]Record, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return sorted(m.records), nil
}

// Delete removes the tenant's record.
func (m *MemoryRegistry) Delete(_ context.Context, tenantID string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.records, strings.ToLower(tenantID))
	return nil
}

func sorted(m map[string]Record) []Record {
	out := make([]Record, 0, len(m))
	for _, r := range m {
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].TenantID < out[j].TenantID })
	return out
}

// FileRegistry keeps records in a JSON file, replaced atomically (written to
// a temporary file in the same folder, synced, then renamed) on every
// change. Writers in one process are serialised; it is not meant for several
// processes sharing one file.
type FileRegistry struct {
	path string
	mu   sync.Mutex
}

// NewFileRegistry returns a registry in path, which need not exist yet.
func NewFileRegistry(path string) *FileRegistry { return &FileRegistry{path: path} }

func (f *FileRegistry) load() (map[string]Record, error) {
	data, err := os.ReadFile(f.path)
	if os.IsNotExist(err) {
		return map[string]Record{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("consent: reading the registry: %w", err)
	}
	var list []Record
	if err := json.Unmarshal(data, &list); err != nil {
		return nil, fmt.Errorf("consent: the registry %s is not a JSON list of records: %w", f.path, err)
	}
	m := make(map[string]Record, len(list))
	for _, r := range list {
		m[strings.ToLower(r.TenantID)] = r
	}
	return m, nil
}

func (f *FileRegistry) save(m map[string]Record) error {
	data, err := json.MarshalIndent(sorted(m), "", "  ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(f.path), ".registry-*.json")
	if err != nil {
		return fmt.Errorf("consent: writing the registry: %w", err)
	}
	defer os.Remove(tmp.Name()) // after a successful rename there is nothing to remove
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("consent: writing the registry: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("consent: writing the registry: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("consent: writing the registry: %w", err)
	}
	if err := os.Rename(tmp.Name(), f.path); err != nil {
		return fmt.Errorf("consent: replacing the registry: %w", err)
	}
	return nil
}

func (f *FileRegistry) update(fn func(map[string]Record)) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	m, err := f.load()
	if err != nil {
		return err
	}
	fn(m)
	return f.save(m)
}

// Put stores r, replacing the tenant's record.
func (f *FileRegistry) Put(_ context.Context, r Record) error {
	if r.TenantID == "" {
		return fmt.Errorf("consent: a record needs a TenantID")
	}
	return f.update(func(m map[string]Record) { m[strings.ToLower(r.TenantID)] = r })
}

// Get returns the tenant's record.
func (f *FileRegistry) Get(_ context.Context, tenantID string) (Record, bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	m, err := f.load()
	if err != nil {
		return Record{}, false, err
	}
	r, ok := m[strings.ToLower(tenantID)]
	return r, ok, nil
}

// List returns every record, by tenant ID.
func (f *FileRegistry) List(context.Context) ([]Record, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	m, err := f.load()
	if err != nil {
		return nil, err
	}
	return sorted(m), nil
}

// Update changes the tenant's record atomically among this process's
// writers (see Updater).
func (f *FileRegistry) Update(_ context.Context, tenantID string, fn func(cur Record, ok bool) (Record, bool)) (Record, bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	m, err := f.load()
	if err != nil {
		return Record{}, false, err
	}
	cur, ok := m[strings.ToLower(tenantID)]
	next, write := fn(cur, ok)
	if !write {
		return cur, false, nil
	}
	if err := checkUpdate(tenantID, next); err != nil {
		return Record{}, false, err
	}
	m[strings.ToLower(tenantID)] = next
	if err := f.save(m); err != nil {
		return Record{}, false, err
	}
	return next, true, nil
}

// Delete removes the tenant's record.
func (f *FileRegistry) Delete(_ context.Context, tenantID string) error {
	return f.update(func(m map[string]Record) { delete(m, strings.ToLower(tenantID)) })
}
