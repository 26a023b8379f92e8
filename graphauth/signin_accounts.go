package graphauth

import (
	"context"
	"encoding/json"
	"errors"
	"sort"
	"strings"
	"sync"
)

// Account is a signed-in user whose tokens a SignIn holds.
type Account struct {
	ID       string `json:"id"`       // the User's AccountID: pass it to Token, Credential and SignOut
	TenantID string `json:"tenantId"` // the user's tenant
	Username string `json:"username"` // preferred_username, usually the UPN
}

// maxIndexedAccounts bounds the account index kept in a Store, and
// maxIndexBytes the size of one read back.
const (
	maxIndexedAccounts = 100_000
	maxIndexBytes      = 32 << 20
)

// Accounts lists the signed-in accounts the SignIn holds tokens for, by
// ID. Without a Store, these are the accounts signed in to this process;
// with one, the accounts every replica signed in (through an index entry
// in the Store: two sign-ins on two replicas at the same instant may leave
// one out of the index until that user signs in again; their tokens are
// kept either way). It returns ErrClosed after Close, or the Store's error
// when the index cannot be read.
func (s *SignIn) Accounts(ctx context.Context) ([]Account, error) {
	if _, err := s.clients(); err != nil {
		return nil, err
	}
	if s.users != nil {
		return s.users.accounts(ctx)
	}
	return s.held.list(), nil
}

// accountSet is the accounts signed in to this process, for a SignIn
// without a Store.
type accountSet struct {
	mu    sync.Mutex
	accts map[string]Account
}

func (a *accountSet) put(acct Account, remove bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if remove {
		delete(a.accts, acct.ID)
		return
	}
	if a.accts == nil {
		a.accts = map[string]Account{}
	}
	a.accts[acct.ID] = acct
}

func (a *accountSet) list() []Account {
	a.mu.Lock()
	defer a.mu.Unlock()
	out := make([]Account, 0, len(a.accts))
	for _, x := range a.accts {
		out = append(out, x)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

func (a *accountSet) clear() {
	a.mu.Lock()
	defer a.mu.Unlock()
	clear(a.accts)
}

// noteAccount records a signed-in account, or with remove forgets it, in
// the Store's index or this process's set.
func (s *SignIn) noteAccount(ctx context.Context, a Account, remove bool) {
	if s.users != nil {
		s.users.indexAccount(ctx, a, remove)
		return
	}
	s.held.put(a, remove)
}

// indexKey is the Store key of the account index.
func (m *msalStore) indexKey() string {
	return strings.Replace(m.prefix, "entrakit:user:", "entrakit:users:", 1) + "index"
}

// accounts reads the account index.
func (m *msalStore) accounts(ctx context.Context) ([]Account, error) {
	m.indexMu.Lock()
	defer m.indexMu.Unlock()
	return m.readIndex(ctx)
}

func (m *msalStore) readIndex(ctx context.Context) ([]Account, error) {
	data, err := callStore(ctx, &m.gate, m.gate.budget.read, func(sctx context.Context) ([]byte, error) { return m.store.Get(sctx, m.indexKey()) })
	switch {
	case errors.Is(err, ErrNotFound):
		return nil, nil
	case errors.Is(err, ErrCorruptEntry):
		m.warnFunc("graphauth: dropping a stored account index that cannot be read", err)
		return nil, nil
	case err != nil:
		return nil, err
	}
	accts, ok := parseAccountIndex(data)
	if !ok {
		m.warnFunc("graphauth: dropping a stored account index that cannot be read", ErrCorruptEntry)
	}
	return accts, nil
}

// parseAccountIndex reads an index as stored: a JSON array of accounts,
// each with an ID. A malformed one reads as empty, with ok false.
func parseAccountIndex(data []byte) ([]Account, bool) {
	if len(data) > maxIndexBytes {
		return nil, false
	}
	var accts []Account
	if err := json.Unmarshal(data, &accts); err != nil {
		return nil, false
	}
	out := accts[:0]
	for _, a := range accts {
		if a.ID != "" && len(out) < maxIndexedAccounts {
			out = append(out, a)
		}
	}
	return out, true
}

// indexAccount adds (or, with remove, takes out) an account in the index.
// A Store that fails is logged: the tokens themselves are kept apart.
func (m *msalStore) indexAccount(ctx context.Context, a Account, remove bool) {
	m.indexMu.Lock()
	defer m.indexMu.Unlock()
	accts, err := m.readIndex(ctx)
	if err != nil {
		m.warnFunc("graphauth: the token store failed; the account index is not updated", err)
		return
	}
	kept := accts[:0]
	for _, x := range accts {
		if x.ID != a.ID {
			kept = append(kept, x)
		}
	}
	if !remove {
		kept = append(kept, a)
	}
	sort.Slice(kept, func(i, j int) bool { return kept[i].ID < kept[j].ID })
	if len(kept) > maxIndexedAccounts {
		kept = kept[len(kept)-maxIndexedAccounts:]
	}
	data, _ := json.Marshal(kept)
	_, err = callStore(ctx, &m.gate, m.gate.budget.write, func(sctx context.Context) (struct{}, error) {
		return struct{}{}, m.store.Set(sctx, m.indexKey(), data, userTokenLifetime)
	})
	if err != nil {
		m.warnFunc("graphauth: the token store failed; the account index is not updated", err)
	}
}
