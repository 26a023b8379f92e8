package tokenstore

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"fmt"
	"time"

	"github.com/entrakit/entrakit/graphauth"
)

// Key is an encryption key with a short name that is stored with each
// value, so that values sealed under an older key still open after a
// rotation.
type Key struct {
	ID     string // 1 to 32 characters, no NUL; e.g. "2026-11"
	Secret []byte // 32 random bytes (AES-256)
}

// EncryptedStore seals values before they reach the Store beneath it.
type EncryptedStore struct {
	inner graphauth.Store
	seal  keyAEAD
	open  map[string]cipher.AEAD
}

type keyAEAD struct {
	id   string
	aead cipher.AEAD
}

var _ graphauth.ConfidentialStore = (*EncryptedStore)(nil)

// Confidential reports true for a store made by Encrypted: every value is
// sealed before it reaches the Store beneath. An EncryptedStore not made by
// Encrypted (a zero value) seals nothing, reports false and refuses every
// call.
func (e *EncryptedStore) Confidential() bool { return e.ready() == nil }

// ready refuses an EncryptedStore that Encrypted did not make.
func (e *EncryptedStore) ready() error {
	if e == nil || e.inner == nil || e.seal.aead == nil {
		return errors.New("tokenstore: an EncryptedStore must be made by Encrypted")
	}
	return nil
}

// Encrypted wraps store so that every value is sealed with AES-256-GCM under
// the first key, bound to its store key (a value cannot be moved to another
// key), and opened with whichever key sealed it. Give the new key first and
// keep the old ones until the values they sealed have expired. Across a
// fleet, roll a new key out in two steps, first second on every replica,
// then first: a replica without it cannot open what it seals. A value that
// no key opens reads as graphauth.ErrCorruptEntry.
func Encrypted(store graphauth.Store, keys ...Key) (*EncryptedStore, error) {
	if store == nil || len(keys) == 0 {
		return nil, errors.New("tokenstore: Encrypted needs a store and at least one key")
	}
	e := &EncryptedStore{inner: store, open: map[string]cipher.AEAD{}}
	for i, k := range keys {
		if k.ID == "" || len(k.ID) > 32 || bytes.IndexByte([]byte(k.ID), 0) >= 0 {
			return nil, fmt.Errorf("tokenstore: key %d: the ID must be 1 to 32 characters without NUL", i)
		}
		if len(k.Secret) != 32 {
			return nil, fmt.Errorf("tokenstore: key %q: the secret must be 32 random bytes", k.ID)
		}
		if _, dup := e.open[k.ID]; dup {
			return nil, fmt.Errorf("tokenstore: key ID %q is used twice", k.ID)
		}
		block, _ := aes.NewCipher(k.Secret) // 32 bytes cannot fail
		aead, _ := cipher.NewGCM(block)
		e.open[k.ID] = aead
		if i == 0 {
			e.seal = keyAEAD{k.ID, aead}
		}
	}
	return e, nil
}

// Get opens the value of key.
func (e *EncryptedStore) Get(ctx context.Context, key string) ([]byte, error) {
	if err := e.ready(); err != nil {
		return nil, err
	}
	sealed, err := e.inner.Get(ctx, key)
	if err != nil {
		return nil, err
	}
	id, rest, ok := bytes.Cut(sealed, []byte{0})
	aead := e.open[string(id)]
	if !ok || aead == nil || len(rest) < aead.NonceSize() {
		return nil, fmt.Errorf("%w: sealed under an unknown key", graphauth.ErrCorruptEntry)
	}
	plain, err := aead.Open(nil, rest[:aead.NonceSize()], rest[aead.NonceSize():], []byte(key))
	if err != nil {
		return nil, fmt.Errorf("%w: it does not open", graphauth.ErrCorruptEntry)
	}
	return plain, nil
}

// Set seals value under the first key.
func (e *EncryptedStore) Set(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	if err := e.ready(); err != nil {
		return err
	}
	nonce := make([]byte, e.seal.aead.NonceSize())
	_, _ = rand.Read(nonce) // crypto/rand.Read does not fail
	out := append([]byte(e.seal.id), 0)
	out = append(out, nonce...)
	out = e.seal.aead.Seal(out, nonce, value, []byte(key))
	return e.inner.Set(ctx, key, out, ttl)
}

// Unwrap returns the Store beneath, which holds the sealed values: what a
// wrapper's user looks for there, such as the lease of a
// redisstore.Store that registration.NewRotator shares between replicas.
func (e *EncryptedStore) Unwrap() graphauth.Store {
	if e == nil {
		return nil
	}
	return e.inner
}

// Delete removes key.
func (e *EncryptedStore) Delete(ctx context.Context, key string) error {
	if err := e.ready(); err != nil {
		return err
	}
	return e.inner.Delete(ctx, key)
}
