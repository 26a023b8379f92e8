package graphauthtest

import (
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"math/big"

	"github.com/golang-jwt/jwt/v5"
)

// signer signs the tokens a Server issues with one RSA key, published in the
// JWKS under kid. Microsoft signs every tenant's tokens with the same few
// keys; so does the fake.
type signer struct {
	key *rsa.PrivateKey
	kid string
}

func newSigner(key *rsa.PrivateKey) *signer {
	sum := sha256.Sum256(key.PublicKey.N.Bytes())
	return &signer{key: key, kid: base64.RawURLEncoding.EncodeToString(sum[:15])}
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

// jwk is one entry of the JSON Web Key Set.
type jwk struct {
	Kty string `json:"kty"`
	Use string `json:"use"`
	Kid string `json:"kid"`
	X5t string `json:"x5t"`
	N   string `json:"n"`
	E   string `json:"e"`
	Iss string `json:"issuer,omitempty"`
}

func (g *signer) jwks(issuer string) map[string][]jwk {
	pub := g.key.PublicKey
	return map[string][]jwk{"keys": {{
		Kty: "RSA", Use: "sig", Kid: g.kid, X5t: g.kid,
		N:   base64.RawURLEncoding.EncodeToString(pub.N.Bytes()),
		E:   base64.RawURLEncoding.EncodeToString(big.NewInt(int64(pub.E)).Bytes()),
		Iss: issuer,
	}}}
}

func sha256Sum(s string) [32]byte { return sha256.Sum256([]byte(s)) }
