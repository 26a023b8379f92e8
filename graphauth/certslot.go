package graphauth

import (
	"crypto"
	"crypto/x509"
	"fmt"
	"sync"
)

// CertificateSlot holds a certificate and its key that are replaced while
// in use, as SecretSlot holds a secret: Set switches every credential built
// from the slot at once, keeping the certificate it replaces as a fallback
// for one refusal until Retire or the next Set. It is safe for concurrent
// use and prints no key.
type CertificateSlot struct {
	mu        sync.Mutex
	chain     []*x509.Certificate
	key       crypto.Signer
	prevChain []*x509.Certificate
	prevKey   crypto.Signer
	sources   []*slotSource
}

// NewCertificateSlot returns a slot that holds chain (leaf first) and its
// key. It returns a *ConfigError when the key does not match the leaf.
func NewCertificateSlot(chain []*x509.Certificate, key crypto.Signer) (*CertificateSlot, error) {
	if err := checkPair(chain, key); err != nil {
		return nil, err
	}
	return &CertificateSlot{chain: chain, key: key}, nil
}

func checkPair(chain []*x509.Certificate, key crypto.Signer) error {
	if len(chain) == 0 || chain[0] == nil || key == nil {
		return &ConfigError{Field: "ClientCertificate", Reason: "a certificate and its private key are required"}
	}
	_, _, err := orderChain(chain[:1], key)
	return err
}

// Certificate returns the chain and key in use, for a rotator that stores
// them and signs proofs with them.
func (s *CertificateSlot) Certificate() ([]*x509.Certificate, crypto.Signer) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.chain, s.key
}

// Set makes chain and key the ones in use, keeping the ones they replace
// as the fallback. It returns a *ConfigError, and changes nothing, for a
// key that does not match or a certificate outside its validity.
func (s *CertificateSlot) Set(chain []*x509.Certificate, key crypto.Signer) error {
	if err := checkPair(chain, key); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.chain[0].Equal(chain[0]) {
		return nil
	}
	built := make([]*msalSource, len(s.sources))
	for i, src := range s.sources {
		b, _, err := src.env.certificateSource(chain, key)
		if err != nil {
			return err
		}
		built[i] = b
	}
	for i, src := range s.sources {
		src.prev.Store(src.cur.Load())
		src.cur.Store(built[i])
	}
	s.prevChain, s.prevKey, s.chain, s.key = s.chain, s.key, chain, key
	return nil
}

// Retire forgets the fallback certificate, once it has been removed from
// the app.
func (s *CertificateSlot) Retire() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.prevChain, s.prevKey = nil, nil
	for _, src := range s.sources {
		src.prev.Store(nil)
	}
}

// String names the certificate in use by its subject; never the key.
func (s *CertificateSlot) String() string {
	if s == nil {
		return "graphauth.CertificateSlot{}"
	}
	chain, _ := s.Certificate()
	if len(chain) == 0 {
		return "graphauth.CertificateSlot{}"
	}
	return fmt.Sprintf("graphauth.CertificateSlot{Subject: %q, Key: REDACTED}", chain[0].Subject.CommonName)
}

// Format prints String for every verb.
func (s *CertificateSlot) Format(f fmt.State, _ rune) { fmt.Fprint(f, s.String()) }

// RotatedCertificate is the certificate a slot holds, as an entry of a
// [FallbackCredential]'s list.
func RotatedCertificate(name string, slot *CertificateSlot) ClientCredential {
	return ClientCredential{name: name, kind: "rotated certificate", certSlot: slot}
}

// bind builds a source for the credential env describes, which Set keeps
// current.
func (s *CertificateSlot) bind(env *memberEnv) (*slotSource, error) {
	if s == nil {
		return nil, &ConfigError{Field: "CertificateSlot", Reason: "is nil: make one with NewCertificateSlot"}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	cur, _, err := env.certificateSource(s.chain, s.key)
	if err != nil {
		return nil, err
	}
	src := &slotSource{env: env}
	src.cur.Store(cur)
	if s.prevChain != nil {
		if prev, _, err := env.certificateSource(s.prevChain, s.prevKey); err == nil {
			src.prev.Store(prev)
		}
	}
	s.sources = append(s.sources, src)
	return src, nil
}
