package graphauth

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/cache"
)

// userTokenLifetime is how long a signed-in user's cache entry is kept in
// the Store: as long as an unused refresh token lives.
const userTokenLifetime = 90 * 24 * time.Hour

// msalStore is MSAL's cache hook over a Store, partitioned by user: MSAL
// asks for one partition (the account's home ID) at a time, so each user's
// tokens are one Store entry. A copy of each partition is kept in memory,
// so that a Store that is down degrades to this process's cache.
type msalStore struct {
	store    Store
	gate     storeGate
	closed   atomic.Bool // set by SignIn.Close: nothing is kept in local after it
	prefix   string
	mu       sync.Mutex
	local    map[string][]byte
	indexMu  sync.Mutex // serialises this process's updates of the account index
	warnFunc func(msg string, err error)
}

func newMSALStore(s Store, clientID string, budget storeBudget, warn func(string, error)) *msalStore {
	m := &msalStore{store: s, prefix: "entrakit:user:" + strings.ToLower(clientID) + ":", local: map[string][]byte{}, warnFunc: warn}
	m.gate.budget = budget
	return m
}

// Replace loads the partition MSAL is about to read.
func (m *msalStore) Replace(ctx context.Context, u cache.Unmarshaler, hints cache.ReplaceHints) error {
	key := m.prefix + hints.PartitionKey
	data, err := callStore(ctx, &m.gate, m.gate.budget.read, func(sctx context.Context) ([]byte, error) { return m.store.Get(sctx, key) })
	switch {
	// An entry this process cannot read is passed over, not deleted: it
	// may be another replica's, sealed under a key this one does not have
	// yet (a key rotation rolling out) or written by a newer version, and
	// deleting it would sign the user out on every replica. The next
	// write for the user replaces it.
	case err == nil:
		if u.Unmarshal(data) == nil {
			return nil
		}
		m.warnFunc("graphauth: passing over a stored user cache entry that cannot be read", ErrCorruptEntry)
	case errors.Is(err, ErrNotFound):
		// Signed out, maybe on another replica: this process's copy must
		// not bring the user back while the Store is down.
		m.mu.Lock()
		delete(m.local, hints.PartitionKey)
		m.mu.Unlock()
	case errors.Is(err, ErrCorruptEntry):
		m.warnFunc("graphauth: passing over a stored user cache entry that cannot be read", err)
	default:
		m.warnFunc("graphauth: the token store failed; using this process's copy", err)
		m.mu.Lock()
		local := m.local[hints.PartitionKey]
		m.mu.Unlock()
		if local != nil {
			return u.Unmarshal(local)
		}
	}
	return u.Unmarshal([]byte("{}"))
}

// Export saves the partition MSAL has just written.
func (m *msalStore) Export(ctx context.Context, mr cache.Marshaler, hints cache.ExportHints) error {
	data, err := mr.Marshal()
	if err != nil {
		return err
	}
	m.mu.Lock()
	if !m.closed.Load() {
		m.local[hints.PartitionKey] = data
	}
	m.mu.Unlock()
	_, err = callStore(ctx, &m.gate, m.gate.budget.write, func(sctx context.Context) (struct{}, error) {
		return struct{}{}, m.store.Set(sctx, m.prefix+hints.PartitionKey, data, userTokenLifetime)
	})
	if err != nil {
		m.warnFunc("graphauth: the token store failed; the user's tokens are kept in this process only", err)
	}
	return nil
}

// forget deletes a user's partition: MSAL's RemoveAccount writes a
// partition of its own and leaves the user's entry in place.
func (m *msalStore) forget(ctx context.Context, accountID string) error {
	m.mu.Lock()
	delete(m.local, accountID)
	m.mu.Unlock()
	return m.delete(ctx, m.prefix+accountID)
}

func (m *msalStore) delete(ctx context.Context, key string) error {
	_, err := callStore(ctx, &m.gate, m.gate.budget.read, func(sctx context.Context) (struct{}, error) { return struct{}{}, m.store.Delete(sctx, key) })
	return err
}

// onePartition keeps a public client's cache as one partition. MSAL's
// public client writes the tokens a sign-in redeems to partition "" and
// reads them, for a silent token, from the account's partition, where
// they never are: with a Store or a Clock, a public client's user could
// not get a token after signing in. A public client is a native app on
// the user's machine, whose cache MSAL keeps whole; so is this one.
type onePartition struct{ inner cache.ExportReplace }

// Replace loads the one partition.
func (o onePartition) Replace(ctx context.Context, u cache.Unmarshaler, _ cache.ReplaceHints) error {
	return o.inner.Replace(ctx, u, cache.ReplaceHints{})
}

// Export saves the one partition.
func (o onePartition) Export(ctx context.Context, m cache.Marshaler, _ cache.ExportHints) error {
	return o.inner.Export(ctx, m, cache.ExportHints{})
}
