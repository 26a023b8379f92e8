// Package sealed keeps small values in cookies that the browser carries but
// cannot read or change: JSON sealed with AES-GCM under the app's key, bound
// to the cookie's name, and a record of the values already used so that a
// cookie serves one request.
package sealed

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"sync"
	"time"
)

// ErrOpen means a sealed value was tampered with, sealed under another key
// or name, or is not a sealed value at all.
var ErrOpen = errors.New("sealed: the value does not open")

// Box seals and opens values under one key. It is safe for concurrent use.
type Box struct{ aead cipher.AEAD }

// New returns a Box for a 16-, 24- or 32-byte key.
func New(key []byte) (*Box, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, errors.New("the key must be 16, 24 or 32 random bytes")
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &Box{aead}, nil
}

// Seal encodes v as JSON and seals it, bound to name.
func (b *Box) Seal(name string, v any) (string, error) {
	plain, err := json.Marshal(v)
	if err != nil {
		return "", err
	}
	nonce := make([]byte, b.aead.NonceSize())
	_, _ = rand.Read(nonce) // crypto/rand.Read does not fail
	return base64.RawURLEncoding.EncodeToString(b.aead.Seal(nonce, nonce, plain, []byte(name))), nil
}

// Open reverses Seal into v. Any failure is ErrOpen.
func (b *Box) Open(name, value string, v any) error {
	sealed, err := base64.RawURLEncoding.DecodeString(value)
	if err != nil || len(sealed) < b.aead.NonceSize() {
		return ErrOpen
	}
	n := b.aead.NonceSize()
	plain, err := b.aead.Open(nil, sealed[:n], sealed[n:], []byte(name))
	if err != nil || json.Unmarshal(plain, v) != nil {
		return ErrOpen
	}
	return nil
}

// maxOnce bounds the values a Once remembers (about 10 MB): a flood of
// round trips then forgets some values early instead of growing without
// end. A value forgotten early can be used once more; the states kept here
// guard a code that the platform redeems only once anyway.
const maxOnce = 100_000

// Once remembers values for a while, to refuse their second use.
type Once struct {
	mu       sync.Mutex
	seen     map[string]time.Time
	lastTrim time.Time
}

// First records v until now+ttl and reports whether it was new.
func (o *Once) First(v string, now time.Time, ttl time.Duration) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.seen == nil {
		o.seen = map[string]time.Time{}
	}
	if now.Sub(o.lastTrim) > time.Minute {
		for k, until := range o.seen {
			if now.After(until) {
				delete(o.seen, k)
			}
		}
		o.lastTrim = now
	}
	if until, ok := o.seen[v]; ok && !now.After(until) {
		return false
	}
	for k := range o.seen {
		if len(o.seen) < maxOnce {
			break
		}
		delete(o.seen, k)
	}
	o.seen[v] = now.Add(ttl)
	return true
}

// Len counts the values remembered.
func (o *Once) Len() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return len(o.seen)
}
