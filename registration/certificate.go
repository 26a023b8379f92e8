package registration

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/youmark/pkcs8"
	"software.sslmate.com/src/go-pkcs12"

	"github.com/entrakit/entrakit/graphauth"
)

// Certificate is an app's certificate with its private key.
type Certificate struct {
	Chain []*x509.Certificate // leaf first
	Key   crypto.Signer
}

// Format prints the certificate's subject and thumbprint, never its key, for
// every verb. Its receiver is a value so that a Certificate held by value
// prints the same.
func (c Certificate) Format(f fmt.State, _ rune) {
	if len(c.Chain) == 0 || c.Chain[0] == nil {
		fmt.Fprint(f, "registration.Certificate{}")
		return
	}
	fmt.Fprintf(f, "registration.Certificate{Subject: %q, Thumbprint: %s, NotAfter: %s, Key: REDACTED}",
		c.Leaf().Subject.CommonName, Thumbprint(c.Leaf()), c.Leaf().NotAfter.UTC().Format(time.DateOnly))
}

// MarshalJSON writes the certificate's subject, thumbprint and expiry; never
// its key.
func (c Certificate) MarshalJSON() ([]byte, error) {
	if len(c.Chain) == 0 || c.Chain[0] == nil {
		return []byte("{}"), nil
	}
	return json.Marshal(struct {
		Subject    string    `json:"subject"`
		Thumbprint string    `json:"thumbprint"`
		NotAfter   time.Time `json:"notAfter"`
	}{c.Leaf().Subject.CommonName, Thumbprint(c.Leaf()), c.Leaf().NotAfter.UTC()})
}

// Leaf is the certificate registered on the app.
func (c *Certificate) Leaf() *x509.Certificate { return c.Chain[0] }

// LoadCertificate reads a PEM or PFX file with its key; it is
// graphauth.LoadCertificate, with the same errors.
func LoadCertificate(path string, password graphauth.Secret) (*Certificate, error) {
	chain, key, err := graphauth.LoadCertificate(path, password)
	if err != nil {
		return nil, err
	}
	return &Certificate{Chain: chain, Key: key}, nil
}

// SelfSignedOptions shapes a new certificate. Zero values are the defaults.
type SelfSignedOptions struct {
	Validity time.Duration // zero means one year
	KeyBits  int           // zero means 2048; less than 2048 is refused
	Now      time.Time     // start of validity; zero means now
}

// NewSelfSignedCertificate makes an RSA key and a self-signed certificate
// for an app, with the subject as its common name ("CN=" is optional). Upload
// its CER (or KeyCredential) to the app and keep the PEM or PFX.
func NewSelfSignedCertificate(subject string, opts *SelfSignedOptions) (*Certificate, error) {
	var o SelfSignedOptions
	if opts != nil {
		o = *opts
	}
	if o.Validity == 0 {
		o.Validity = 365 * 24 * time.Hour
	}
	if o.KeyBits == 0 {
		o.KeyBits = 2048
	}
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
	cn := strings.TrimSpace(strings.TrimPrefix(subject, "CN="))
	switch {
	case cn == "":
		return nil, fmt.Errorf("registration: the certificate needs a subject")
	case o.KeyBits < 2048:
		return nil, fmt.Errorf("registration: a %d-bit key is too small; use 2048 or more", o.KeyBits)
	case o.Validity < 0:
		return nil, fmt.Errorf("registration: validity must be positive")
	}
	key, err := rsa.GenerateKey(rand.Reader, o.KeyBits)
	if err != nil {
		return nil, fmt.Errorf("registration: generating the key: %w", err)
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, fmt.Errorf("registration: %w", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: cn},
		NotBefore:    o.Now.Add(-5 * time.Minute),
		NotAfter:     o.Now.Add(o.Validity),
		KeyUsage:     x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, fmt.Errorf("registration: creating the certificate: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("registration: %w", err)
	}
	return &Certificate{Chain: []*x509.Certificate{cert}, Key: key}, nil
}

// PEM encodes the chain and the private key (PKCS#8), encrypting the key
// (PBES2, AES-256) when password is not empty. Keep the result secret.
func (c *Certificate) PEM(password graphauth.Secret) ([]byte, error) {
	var b bytes.Buffer
	for _, cert := range c.Chain {
		_ = pem.Encode(&b, &pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw}) // writing to a bytes.Buffer does not fail
	}
	if password == "" {
		der, err := x509.MarshalPKCS8PrivateKey(c.Key)
		if err != nil {
			return nil, fmt.Errorf("registration: the key cannot be exported: %w", err)
		}
		_ = pem.Encode(&b, &pem.Block{Type: "PRIVATE KEY", Bytes: der})
		return b.Bytes(), nil
	}
	der, err := pkcs8.MarshalPrivateKey(c.Key, []byte(password), nil)
	if err != nil {
		return nil, fmt.Errorf("registration: the key cannot be exported: %w", err)
	}
	_ = pem.Encode(&b, &pem.Block{Type: "ENCRYPTED PRIVATE KEY", Bytes: der})
	return b.Bytes(), nil
}

// PFX encodes the chain and key as PKCS#12 with AES-256 encryption, the
// format Windows and Azure Key Vault import.
func (c *Certificate) PFX(password graphauth.Secret) ([]byte, error) {
	out, err := pkcs12.Modern.Encode(c.Key, c.Leaf(), c.Chain[1:], string(password))
	if err != nil {
		return nil, fmt.Errorf("registration: encoding the PFX: %w", err)
	}
	return out, nil
}

// CER is the public certificate alone, DER-encoded: the .cer file to upload
// to the app under Certificates & secrets.
func CER(cert *x509.Certificate) []byte { return append([]byte(nil), cert.Raw...) }

// Thumbprint is the certificate's SHA-1 thumbprint in upper-case hex, as
// the portal shows it.
func Thumbprint(cert *x509.Certificate) string {
	sum := sha1.Sum(cert.Raw)
	return strings.ToUpper(hex.EncodeToString(sum[:]))
}

// X5T is the base64url SHA-1 thumbprint a legacy (RS256) assertion names.
func X5T(cert *x509.Certificate) string {
	sum := sha1.Sum(cert.Raw)
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// X5TS256 is the base64url SHA-256 thumbprint a PS256 assertion names in
// its x5t#S256 header.
func X5TS256(cert *x509.Certificate) string {
	sum := sha256.Sum256(cert.Raw)
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// KeyCredential is a certificate entry of an application's keyCredentials,
// as Microsoft Graph and the manifest hold it.
type KeyCredential struct {
	CustomKeyIdentifier string     `json:"customKeyIdentifier,omitempty"` // base64 SHA-1 thumbprint
	DisplayName         string     `json:"displayName,omitempty"`
	EndDateTime         *time.Time `json:"endDateTime,omitempty"`
	Key                 string     `json:"key,omitempty"` // base64 DER of the public certificate
	KeyID               string     `json:"keyId,omitempty"`
	StartDateTime       *time.Time `json:"startDateTime,omitempty"`
	Type                string     `json:"type"`  // "AsymmetricX509Cert"
	Usage               string     `json:"usage"` // "Verify"
}

// NewKeyCredential makes the keyCredentials entry that registers cert on an
// app. keyID is left empty for Graph to assign.
func NewKeyCredential(cert *x509.Certificate, displayName string) KeyCredential {
	sum := sha1.Sum(cert.Raw)
	start, end := cert.NotBefore.UTC(), cert.NotAfter.UTC()
	if displayName == "" {
		displayName = "CN=" + cert.Subject.CommonName
	}
	return KeyCredential{
		CustomKeyIdentifier: base64.StdEncoding.EncodeToString(sum[:]),
		DisplayName:         displayName,
		StartDateTime:       &start,
		EndDateTime:         &end,
		Key:                 base64.StdEncoding.EncodeToString(cert.Raw),
		Type:                "AsymmetricX509Cert",
		Usage:               "Verify",
	}
}

// Thumbprint is the entry's SHA-1 thumbprint in upper-case hex, from its
// key when present, else from its customKeyIdentifier.
func (k KeyCredential) Thumbprint() string {
	if der, err := base64.StdEncoding.DecodeString(k.Key); err == nil && len(der) > 0 {
		sum := sha1.Sum(der)
		return strings.ToUpper(hex.EncodeToString(sum[:]))
	}
	if id, err := base64.StdEncoding.DecodeString(k.CustomKeyIdentifier); err == nil && len(id) == sha1.Size {
		return strings.ToUpper(hex.EncodeToString(id))
	}
	return ""
}

// MatchRegistered finds the registered entry for a local certificate, by
// thumbprint. ok is false when the certificate was never uploaded (the
// platform would refuse its assertions with AADSTS700027).
func MatchRegistered(cert *x509.Certificate, registered []KeyCredential) (KeyCredential, bool) {
	want := Thumbprint(cert)
	for _, k := range registered {
		if k.Thumbprint() == want {
			return k, true
		}
	}
	return KeyCredential{}, false
}
