// Package jwtsign builds the client assertion a confidential client sends
// instead of a secret: a JWT signed by the app's certificate key, through
// golang-jwt, with a signing method that takes any crypto.Signer so that keys
// in an HSM or a key vault work as well as keys in memory.
package jwtsign

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Alg is the signature algorithm of an assertion.
type Alg string

const (
	// PS256 is RSASSA-PSS with SHA-256, the platform's recommendation since
	// 2024, sent with an x5t#S256 thumbprint.
	PS256 Alg = "PS256"
	// RS256 is RSASSA-PKCS1-v1_5 with SHA-256, sent with an x5t (SHA-1)
	// thumbprint: the legacy form that ADFS and older stacks need.
	RS256 Alg = "RS256"
)

// signerMethod is a jwt.SigningMethod over a crypto.Signer.
type signerMethod struct {
	alg  Alg
	opts crypto.SignerOpts
}

func (m signerMethod) Alg() string { return string(m.alg) }

func (m signerMethod) Verify(string, []byte, any) error {
	return errors.New("jwtsign: verification is not supported")
}

func (m signerMethod) Sign(signingString string, key any) ([]byte, error) {
	s, ok := key.(crypto.Signer)
	if !ok {
		return nil, errors.New("jwtsign: key is not a crypto.Signer")
	}
	sum := sha256.Sum256([]byte(signingString))
	return s.Sign(rand.Reader, sum[:], m.opts)
}

func method(alg Alg) (signerMethod, error) {
	switch alg {
	case PS256:
		return signerMethod{alg, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash, Hash: crypto.SHA256}}, nil
	case RS256:
		return signerMethod{alg, crypto.SHA256}, nil
	}
	return signerMethod{}, fmt.Errorf("jwtsign: unsupported algorithm %q (use PS256 or RS256)", alg)
}

// Assertion describes one client assertion.
type Assertion struct {
	ClientID string              // iss and sub
	Audience string              // the token endpoint the assertion is sent to
	Chain    []*x509.Certificate // leaf first
	Signer   crypto.Signer       // the leaf's private key
	Alg      Alg
	SendX5C  bool // include the chain as x5c, for subject name/issuer authentication
	Now      time.Time
	Lifetime time.Duration // zero means 10 minutes
	JTI      string        // unique ID; required
}

// Sign returns the signed compact JWT.
func Sign(a Assertion) (string, error) {
	m, err := method(a.Alg)
	if err != nil {
		return "", err
	}
	if len(a.Chain) == 0 || a.Signer == nil {
		return "", errors.New("jwtsign: a certificate and its key are required")
	}
	pub, ok := a.Signer.Public().(*rsa.PublicKey)
	if !ok || !pub.Equal(a.Chain[0].PublicKey) {
		return "", errors.New("jwtsign: the key is not the RSA key of the first certificate")
	}
	life := a.Lifetime
	if life == 0 {
		life = 10 * time.Minute
	}
	tok := jwt.NewWithClaims(m, jwt.MapClaims{
		"aud": a.Audience,
		"iss": a.ClientID,
		"sub": a.ClientID,
		"jti": a.JTI,
		"nbf": a.Now.Unix(),
		"iat": a.Now.Unix(),
		"exp": a.Now.Add(life).Unix(),
	})
	leaf := a.Chain[0].Raw
	tok.Header = map[string]any{"alg": m.Alg(), "typ": "JWT"}
	if a.Alg == PS256 {
		sum := sha256.Sum256(leaf)
		tok.Header["x5t#S256"] = base64.RawURLEncoding.EncodeToString(sum[:])
	} else {
		sum := sha1.Sum(leaf)
		tok.Header["x5t"] = base64.RawURLEncoding.EncodeToString(sum[:])
	}
	if a.SendX5C {
		x5c := make([]string, len(a.Chain))
		for i, c := range a.Chain {
			x5c[i] = base64.StdEncoding.EncodeToString(c.Raw)
		}
		tok.Header["x5c"] = x5c
	}
	return tok.SignedString(a.Signer)
}
