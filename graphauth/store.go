package graphauth

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Store is a shared cache of tokens behind a credential's in-process cache,
// so that the replicas of a service share one token per (app, tenant,
// scopes) and a signed-in user's tokens survive a restart. A cached Token
// call never touches the Store: it is read on an in-process miss, and
// written in the background after every token the platform issues, once the
// callers waiting for it have it (Close waits for writes under way). A read
// gives up after 300 ms (Options.StoreTimeout) and a write after 1 s, even
// if the Store ignores its context: a write holds no caller up, and a
// store that fsyncs on a loaded machine should still get the token.
//
// Implementations must be safe for concurrent use. Get returns an error
// wrapping ErrNotFound for a missing or expired key, and one wrapping
// ErrCorruptEntry for a value that cannot be used (an app-only token is
// then deleted and fetched again; a signed-in user's entry is passed over,
// as it may be sealed under a key this process does not have yet, and
// replaced at the user's next write). Any other error — a store that is down or slow —
// is logged and the credential carries on without the Store: a token request
// never fails because of it. Values hold tokens: wrap a store that leaves
// the process with tokenstore.Encrypted.
type Store interface {
	Get(ctx context.Context, key string) ([]byte, error)
	Set(ctx context.Context, key string, value []byte, ttl time.Duration) error
	Delete(ctx context.Context, key string) error
}

// ConfidentialStore is a Store that keeps what it holds from anyone outside
// this process: MemoryStore (the process's memory) and
// tokenstore.EncryptedStore (sealed before it leaves) are. A Store that
// holds secrets and not only tokens, such as the live client secret a
// registration.Rotator shares between replicas, must be one; a wrapper of
// another Store reports what the Store it wraps does.
type ConfidentialStore interface {
	Store
	// Confidential reports whether every value stays unreadable outside
	// this process.
	Confidential() bool
}

// IsConfidential reports whether s is a ConfidentialStore that says so.
func IsConfidential(s Store) bool {
	c, ok := s.(ConfidentialStore)
	return ok && c.Confidential()
}

// Errors a Store returns.
var (
	ErrNotFound     = errors.New("graphauth: not in the store")
	ErrCorruptEntry = errors.New("graphauth: the stored entry cannot be read")
)

// MemoryStore is a Store in this process's memory: what a single replica
// needs, and a stand-in for a shared store in tests. It is a
// ConfidentialStore. The zero value is not ready; use NewMemoryStore.
type MemoryStore struct {
	mu      sync.Mutex
	entries map[string]memoryEntry
	now     func() time.Time
}

type memoryEntry struct {
	value   []byte
	expires time.Time
}

// NewMemoryStore returns an empty MemoryStore.
func NewMemoryStore() *MemoryStore {
	return &MemoryStore{entries: map[string]memoryEntry{}, now: time.Now}
}

// Confidential reports true: the values never leave the process.
func (m *MemoryStore) Confidential() bool { return true }

// Get returns the value of key, or ErrNotFound.
func (m *MemoryStore) Get(_ context.Context, key string) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	e, ok := m.entries[key]
	if !ok || !m.now().Before(e.expires) {
		delete(m.entries, key)
		return nil, ErrNotFound
	}
	return append([]byte(nil), e.value...), nil
}

// Set stores value under key for ttl.
func (m *MemoryStore) Set(_ context.Context, key string, value []byte, ttl time.Duration) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.entries[key] = memoryEntry{value: append([]byte(nil), value...), expires: m.now().Add(ttl)}
	return nil
}

// Len counts the values that have not expired.
func (m *MemoryStore) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	for _, e := range m.entries {
		if m.now().Before(e.expires) {
			n++
		}
	}
	return n
}

// Delete removes key.
func (m *MemoryStore) Delete(_ context.Context, key string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.entries, key)
	return nil
}

// storeTimeout bounds each Store call a caller waits for by default
// (Options.StoreTimeout), so that a slow store degrades to the platform
// instead of holding callers up; a write made after the callers have their
// token gets at least storeWriteTimeout.
const (
	storeTimeout      = 300 * time.Millisecond
	storeWriteTimeout = time.Second
)

// storeBudget is how long a credential's Store calls may take: reads,
// which callers wait for, and writes.
type storeBudget struct{ read, write time.Duration }

// budgetFor reads Options.StoreTimeout.
func budgetFor(timeout time.Duration) storeBudget {
	if timeout <= 0 {
		timeout = storeTimeout
	}
	return storeBudget{read: timeout, write: max(timeout, storeWriteTimeout)}
}

// errStoreStuck is what a Store call returns, at once, while too many
// earlier calls are still running.
var errStoreStuck = errors.New("graphauth: earlier calls to the store have not returned; not waiting for it")

// Bounds on the Store calls of one credential that have not returned: all
// of them, and those past their timeout. A Store that ignores its context
// keeps a goroutine per such call, so their number is bounded: beyond
// either bound the Store is not called at all until calls return.
const (
	maxRunningStoreCalls = 32
	maxStuckStoreCalls   = 4
)

// storeGate counts the running and stuck Store calls of one credential,
// and holds their budget.
type storeGate struct {
	running, stuck atomic.Int32
	budget         storeBudget
}

// callStore runs one Store call under timeout, and returns at the
// timeout even when the Store ignores its context (a file lock held by a
// hung process, a network call without a deadline): the call is left to end
// on its own and its result is dropped.
func callStore[T any](ctx context.Context, g *storeGate, timeout time.Duration, call func(context.Context) (T, error)) (T, error) {
	var zero T
	if g.stuck.Load() >= maxStuckStoreCalls {
		return zero, errStoreStuck
	}
	if g.running.Add(1) > maxRunningStoreCalls {
		g.running.Add(-1)
		return zero, errStoreStuck
	}
	if timeout <= 0 {
		timeout = storeTimeout // a gate without a budget
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), timeout)
	type result struct {
		v   T
		err error
	}
	ch := make(chan result, 1)
	var settled atomic.Bool // set by whichever of the call and the timeout comes first
	go func() {
		defer cancel()
		v, err := call(sctx)
		g.running.Add(-1)
		if !settled.CompareAndSwap(false, true) {
			g.stuck.Add(-1) // the timeout came first and counted this call
		}
		ch <- result{v, err}
	}()
	var r result
	select {
	case r = <-ch:
	case <-sctx.Done():
		// The call's goroutine also ends sctx as it returns, so Done may
		// be ready beside an answer; whoever settles first decides.
		if settled.CompareAndSwap(false, true) {
			g.stuck.Add(1)
			return zero, overdue(timeout)
		}
		r = <-ch // the call answered first
	}
	if r.err != nil && errors.Is(r.err, context.DeadlineExceeded) && errors.Is(sctx.Err(), context.DeadlineExceeded) {
		return zero, overdue(timeout) // a Store that gave up at the budget says only "deadline exceeded"
	}
	return r.v, r.err
}

// overdue is the error of a Store call that outlasted its budget.
func overdue(timeout time.Duration) error {
	return fmt.Errorf("graphauth: the store did not answer within %s (Options.StoreTimeout): %w", timeout, context.DeadlineExceeded)
}

// storeWrites runs Store writes in the background, after the callers
// waiting for a token have it, and lets Close wait for those under way.
type storeWrites struct {
	mu     sync.Mutex
	closed bool
	wg     sync.WaitGroup
}

// start runs write in the background, unless close has been called.
func (w *storeWrites) start(write func()) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return
	}
	w.wg.Add(1)
	go func() {
		defer w.wg.Done()
		write()
	}()
}

// close refuses new writes and waits for those under way; each ends within
// storeWriteTimeout.
func (w *storeWrites) close() {
	w.mu.Lock()
	w.closed = true
	w.mu.Unlock()
	w.wg.Wait()
}

// storedToken is a Store value for an app-only token.
type storedToken struct {
	AccessToken string `json:"t"`
	ExpiresOn   int64  `json:"e"`
	RefreshOn   int64  `json:"r"`
}

// storeKey partitions the Store by app, tenant and scopes. Case is folded
// for ASCII letters alone, as the in-process cache folds it: with Unicode
// folding, a scope spelt with a Kelvin sign would share the key of one
// spelt with a k, which the cache (and the platform) keep apart.
func storeKey(clientID, tenant string, scopes []string) string {
	sum := sha256.Sum256([]byte(lowerASCII(strings.Join(scopes, " "))))
	return "entrakit:token:" + lowerASCII(clientID) + ":" + lowerASCII(tenant) + ":" + hex.EncodeToString(sum[:12])
}

// fromStore reads a token another replica cached. ok is false on a miss, a
// corrupt entry (deleted) or a store failure (logged).
func (c *credential) fromStore(ctx context.Context, e *entry) (Token, bool) {
	if c.store == nil {
		return Token{}, false
	}
	key := storeKey(c.clientID, e.tenant, e.scopes)
	began := time.Now()
	data, err := callStore(ctx, &c.gate, c.gate.budget.read, func(sctx context.Context) ([]byte, error) { return c.store.Get(sctx, key) })
	c.tel.storeCall(ctx, "get", time.Since(began), err)
	var st storedToken
	switch {
	case errors.Is(err, ErrNotFound):
		return Token{}, false
	case err == nil && json.Unmarshal(data, &st) == nil && st.AccessToken != "":
	case err == nil || errors.Is(err, ErrCorruptEntry):
		c.opts.log.LogAttrs(ctx, levelWarn, "graphauth: dropping a stored token that cannot be read", logAttrs(c, e)...)
		_, _ = callStore(ctx, &c.gate, c.gate.budget.read, func(sctx context.Context) (struct{}, error) { return struct{}{}, c.store.Delete(sctx, key) })
		return Token{}, false
	default:
		c.opts.log.LogAttrs(ctx, levelWarn, "graphauth: the token store failed; carrying on without it", logAttrs(c, e, "error", firstLine(err.Error()))...)
		return Token{}, false
	}
	return withScopes(Token{AccessToken: st.AccessToken, ExpiresOn: time.Unix(st.ExpiresOn, 0), RefreshOn: time.Unix(st.RefreshOn, 0),
		TenantID: e.tenant}, e.scopes), true
}

// toStore shares a token the platform issued. It runs after the callers
// waiting for the token have it, one write per key at a time: while a
// write hangs, later tokens for that key are not written.
func (c *credential) toStore(e *entry, tok Token) {
	if c.store == nil || !e.writing.CompareAndSwap(false, true) {
		return
	}
	defer e.writing.Store(false)
	ttl := tok.ExpiresOn.Sub(c.now())
	if ttl <= 0 {
		return
	}
	data, _ := json.Marshal(storedToken{AccessToken: tok.AccessToken, ExpiresOn: tok.ExpiresOn.Unix(), RefreshOn: tok.RefreshOn.Unix()})
	key := storeKey(c.clientID, e.tenant, e.scopes)
	began := time.Now()
	_, err := callStore(context.Background(), &c.gate, c.gate.budget.write, func(sctx context.Context) (struct{}, error) {
		return struct{}{}, c.store.Set(sctx, key, data, ttl)
	})
	c.tel.storeCall(context.Background(), "set", time.Since(began), err)
	if err != nil {
		c.opts.log.LogAttrs(context.Background(), levelWarn, "graphauth: the token store failed; the token is cached in this process only", logAttrs(c, e, "error", firstLine(err.Error()))...)
	}
}
