package graphauthtest

import (
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"math/big"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// signer signs the tokens a Server issues with one RSA key, published in the
// JWKS with its self-signed certificate, as Entra publishes its keys: kid
// and x5t are both the base64url SHA-1 thumbprint of the certificate, and
// x5c holds the certificate. Microsoft signs every tenant's tokens with the
// same few keys; so does the fake.
type signer struct {
	key  *rsa.PrivateKey
	cert *x509.Certificate
	kid  string
}

func newSigner(key *rsa.PrivateKey, now time.Time) *signer {
	tmpl := &x509.Certificate{
		SerialNumber: randomSerial(),
		Subject:      pkix.Name{CommonName: "accounts.accesscontrol.windows.net"},
		NotBefore:    now.AddDate(0, 0, -1),
		NotAfter:     now.AddDate(5, 0, 0),
		KeyUsage:     x509.KeyUsageDigitalSignature,
	}
	cert := mustCertificate(tmpl, tmpl, &key.PublicKey, key)
	sum := sha1.Sum(cert.Raw)
	return &signer{key: key, cert: cert, kid: base64.RawURLEncoding.EncodeToString(sum[:])}
}

func (g *signer) sign(claims jwt.MapClaims) string {
	tok := jwt.NewWithClaims(jwt.SigningMethodRS256, claims)
	tok.Header["kid"] = g.kid
	tok.Header["x5t"] = g.kid
	out, err := tok.SignedString(g.key)
	if err != nil {
		// Signing with a valid in-memory RSA key cannot fail.
		panic("graphauthtest: signing a token: " + err.Error())
	}
	return out
}

// parse verifies a token this server issued and returns its claims.
func (g *signer) parse(raw string) (jwt.MapClaims, error) {
	claims := jwt.MapClaims{}
	_, err := jwt.ParseWithClaims(raw, claims, func(t *jwt.Token) (any, error) {
		return &g.key.PublicKey, nil
	}, jwt.WithValidMethods([]string{"RS256"}), jwt.WithoutClaimsValidation())
	return claims, err
}

// jwk is one entry of the JSON Web Key Set, with the members and in the
// order of Entra's keys (RFC 7517 §4).
type jwk struct {
	Kty           string   `json:"kty"`
	Use           string   `json:"use"`
	Kid           string   `json:"kid"`
	X5t           string   `json:"x5t"`
	N             string   `json:"n"`
	E             string   `json:"e"`
	X5c           []string `json:"x5c"`
	CloudInstance string   `json:"cloud_instance_name,omitempty"`
	Iss           string   `json:"issuer,omitempty"`
}

func (g *signer) jwks(issuer, cloudInstance string) map[string][]jwk {
	pub := g.key.PublicKey
	return map[string][]jwk{"keys": {{
		Kty: "RSA", Use: "sig", Kid: g.kid, X5t: g.kid,
		N:             base64.RawURLEncoding.EncodeToString(pub.N.Bytes()),
		E:             base64.RawURLEncoding.EncodeToString(big.NewInt(int64(pub.E)).Bytes()),
		X5c:           []string{base64.StdEncoding.EncodeToString(g.cert.Raw)}, // RFC 7517 §4.7: standard base64, not URL-safe
		CloudInstance: cloudInstance,
		Iss:           issuer,
	}}}
}

func sha256Sum(s string) [32]byte { return sha256.Sum256([]byte(s)) }
