// Package pkce makes the values of Proof Key for Code Exchange (RFC 7636)
// and of the other one-time parameters of a sign-in: state and nonce.
package pkce

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
)

// Random returns n random bytes as unpadded base64url.
func Random(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read does not fail
	return base64.RawURLEncoding.EncodeToString(b)
}

// Verifier returns a code verifier: 32 random bytes, 43 characters of
// base64url (RFC 7636 §4.1).
func Verifier() string { return Random(32) }

// Challenge is the S256 code challenge of a verifier (RFC 7636 §4.2).
func Challenge(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}
