package graphauth

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
)

// SecretSlot holds a client secret that is replaced while in use, by a
// rotator (see package registration's Rotator) or by the application. Set
// makes a new secret the one requests are sent with, at once, in every
// credential built from the slot; the secret it replaces stays as a
// fallback for one refusal (a new secret can take a moment to reach every
// Microsoft Entra ID replica) until Retire or the next Set. It is safe for
// concurrent use and prints no secret.
type SecretSlot struct {
	mu      sync.Mutex
	value   Secret
	prev    Secret
	sources []*slotSource // the credentials built from the slot
}

// NewSecretSlot returns a slot that holds secret. It returns a
// *ConfigError for an empty secret or a secret ID given for a secret.
func NewSecretSlot(secret Secret) (*SecretSlot, error) {
	if err := checkSecret(string(secret)); err != nil {
		return nil, err
	}
	return &SecretSlot{value: secret}, nil
}

// Secret returns the secret in use, for a rotator that stores it.
func (s *SecretSlot) Secret() Secret {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.value
}

// Set makes secret the one in use, keeping the one it replaces as the
// fallback. Setting the secret in use does nothing. It returns a
// *ConfigError, and changes nothing, for a malformed secret.
func (s *SecretSlot) Set(secret Secret) error {
	if err := checkSecret(string(secret)); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if secret == s.value {
		return nil
	}
	built := make([]*msalSource, len(s.sources))
	for i, src := range s.sources {
		b, err := src.env.secretSource(secret)
		if err != nil {
			return err
		}
		built[i] = b
	}
	for i, src := range s.sources {
		src.prev.Store(src.cur.Load())
		src.cur.Store(built[i])
	}
	s.prev, s.value = s.value, secret
	return nil
}

// Retire forgets the fallback secret, once it has been removed from the
// app.
func (s *SecretSlot) Retire() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.prev = ""
	for _, src := range s.sources {
		src.prev.Store(nil)
	}
}

// String says what the slot is, never its secrets.
func (s *SecretSlot) String() string { return "graphauth.SecretSlot{REDACTED}" }

// Format prints String for every verb.
func (s *SecretSlot) Format(f fmt.State, _ rune) { fmt.Fprint(f, s.String()) }

// RotatedSecret is the secret a slot holds, as an entry of a
// [FallbackCredential]'s list.
func RotatedSecret(name string, slot *SecretSlot) ClientCredential {
	return ClientCredential{name: name, kind: "rotated secret", slot: slot}
}

// bind builds a source for the credential env describes, which Set keeps
// current.
func (s *SecretSlot) bind(env *memberEnv) (*slotSource, error) {
	if s == nil {
		return nil, &ConfigError{Field: "SecretSlot", Reason: "is nil: make one with NewSecretSlot"}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	cur, err := env.secretSource(s.value)
	if err != nil {
		return nil, err
	}
	src := &slotSource{env: env}
	src.cur.Store(cur)
	if s.prev != "" {
		if prev, err := env.secretSource(s.prev); err == nil {
			src.prev.Store(prev)
		}
	}
	s.sources = append(s.sources, src)
	return src, nil
}

// unbind forgets src, the source of a credential that was closed, so that
// a slot outliving many credentials (one per customer tenant, built and
// closed again) neither keeps them in memory nor rebuilds them on Set.
func unbind(mu *sync.Mutex, sources *[]*slotSource, src *slotSource) {
	mu.Lock()
	defer mu.Unlock()
	for i, s := range *sources {
		if s == src {
			*sources = append((*sources)[:i:i], (*sources)[i+1:]...)
			return
		}
	}
}

// slotSource sends requests with the slot's secret, and once with the one
// before it when the platform refuses the new one.
type slotSource struct {
	env  *memberEnv
	cur  atomic.Pointer[msalSource]
	prev atomic.Pointer[msalSource]
}

func (s *slotSource) token(ctx context.Context, q tokenQuery) (issued, error) {
	got, err := s.cur.Load().token(ctx, q)
	if err != nil && IsCredentialRefusal(err) {
		if prev := s.prev.Load(); prev != nil {
			return prev.token(ctx, q)
		}
	}
	return got, err
}
