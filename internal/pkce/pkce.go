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

// ValidVerifier reports whether v has the shape RFC 7636 §4.1 gives a code
// verifier: 43 to 128 characters of A-Z, a-z, 0-9, "-", ".", "_" and "~".
func ValidVerifier(v string) bool {
	if len(v) < 43 || len(v) > 128 {
		return false
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~') {
			return false
		}
	}
	return true
}
