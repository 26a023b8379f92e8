package registration

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/entrakit/entrakit/graphauth"
)

// live is the credential a Rotator renews: a secret in a SecretSlot or a
// certificate in a CertificateSlot. Its value, as the replicas share it,
// is the secret itself or the certificate and key in PEM.
type live interface {
	kind() string // "secret" or "certificate"
	// matches reports whether a registered credential is the one in use.
	matches(ci CredentialInfo) bool
	value() (graphauth.Secret, error)
	set(v graphauth.Secret) error
	retire()
	// add registers a new credential valid until end, and returns it.
	add(ctx context.Context, c *Client, objectID string, now, end time.Time) (keyID string, v graphauth.Secret, ends time.Time, err error)
	remove(ctx context.Context, c *Client, objectID, keyID string) error
}

// secretLive renews a client secret with addPassword and removePassword.
type secretLive struct{ slot *graphauth.SecretSlot }

func (secretLive) kind() string { return "secret" }

func (l secretLive) matches(ci CredentialInfo) bool {
	return ci.Kind == "secret" && ci.Hint != "" && strings.HasPrefix(string(l.slot.Secret()), ci.Hint)
}

func (l secretLive) value() (graphauth.Secret, error) { return l.slot.Secret(), nil }

func (l secretLive) set(v graphauth.Secret) error {
	if err := CheckSecret(string(v)); err != nil {
		return err
	}
	return l.slot.Set(v)
}

func (l secretLive) retire() { l.slot.Retire() }

func (secretLive) add(ctx context.Context, c *Client, objectID string, now, end time.Time) (string, graphauth.Secret, time.Time, error) {
	pc, err := c.AddPassword(ctx, objectID, rotatedPrefix+now.UTC().Format(time.DateOnly), end)
	if err != nil {
		return "", "", time.Time{}, err
	}
	if !pc.EndDateTime.IsZero() {
		end = pc.EndDateTime
	}
	return pc.KeyID, pc.SecretText, end, nil
}

func (secretLive) remove(ctx context.Context, c *Client, objectID, keyID string) error {
	return c.RemovePassword(ctx, objectID, keyID)
}

// certificateLive renews a certificate with addKey and removeKey, each
// proven with the certificate in use.
type certificateLive struct {
	slot    *graphauth.CertificateSlot
	subject string
}

func (certificateLive) kind() string { return "certificate" }

func (l certificateLive) current() *Certificate {
	chain, key := l.slot.Certificate()
	return &Certificate{Chain: chain, Key: key}
}

func (l certificateLive) matches(ci CredentialInfo) bool {
	return ci.Kind == "certificate" && strings.EqualFold(ci.Thumbprint, Thumbprint(l.current().Leaf()))
}

func (l certificateLive) value() (graphauth.Secret, error) {
	pem, err := l.current().PEM("")
	return graphauth.Secret(pem), err
}

func (l certificateLive) set(v graphauth.Secret) error {
	chain, key, err := graphauth.ParseCertificate([]byte(v), "")
	if err != nil {
		return err
	}
	return l.slot.Set(chain, key)
}

func (l certificateLive) retire() { l.slot.Retire() }

func (l certificateLive) add(ctx context.Context, c *Client, objectID string, now, end time.Time) (string, graphauth.Secret, time.Time, error) {
	subject := l.subject
	if subject == "" {
		subject = l.current().Leaf().Subject.CommonName
	}
	next, err := NewSelfSignedCertificate(subject, &SelfSignedOptions{Now: now, Validity: end.Sub(now)})
	if err != nil {
		return "", "", time.Time{}, err
	}
	kc, err := c.AddKey(ctx, objectID, next, rotatedPrefix+now.UTC().Format(time.DateOnly), l.current())
	if err != nil {
		return "", "", time.Time{}, err
	}
	if kc.KeyID == "" {
		return "", "", time.Time{}, errors.New("registration: Graph answered addKey without the key's keyId")
	}
	pem, err := next.PEM("")
	return kc.KeyID, graphauth.Secret(pem), next.Leaf().NotAfter, err
}

func (l certificateLive) remove(ctx context.Context, c *Client, objectID, keyID string) error {
	return c.RemoveKey(ctx, objectID, keyID, l.current())
}

// NewCertificateRotator returns a Rotator that renews the certificate in
// slot the same way NewRotator renews a secret: a new self-signed
// certificate (with the live one's subject) registered with addKey, proven
// by the live certificate; the old one removed with removeKey after the
// overlap. The Store then holds the certificate's private key: it must
// seal its values. Errors are NewRotator's.
func NewCertificateRotator(c *Client, slot *graphauth.CertificateSlot, opts RotatorOptions) (*Rotator, error) {
	if slot == nil {
		return nil, errors.New("registration: NewCertificateRotator needs a CertificateSlot")
	}
	return newRotator(c, certificateLive{slot: slot}, opts)
}

// leafOf parses a shared certificate value, for validation.
func leafOf(v graphauth.Secret) (*x509.Certificate, error) {
	chain, _, err := graphauth.ParseCertificate([]byte(v), "")
	if err != nil {
		return nil, fmt.Errorf("registration: the shared certificate: %w", err)
	}
	return chain[0], nil
}
