package graphauth

import (
	"encoding/binary"
	"math/bits"
)

// Cache keys: a (tenant, scopes) pair, hashed and compared case-insensitively
// for ASCII letters, as the platform treats tenants and scopes.

// inlineKey is how much of a tenant a key keeps inline: a tenant GUID (36
// bytes) fits, as do most domains.
const inlineKey = 40

// cacheKey is a (tenant, scopes) key as a hit compares it: the tenant's
// bytes inline when they fit, so that comparing reads no other memory.
type cacheKey struct {
	keyLen int32           // len(tenant) if it fits in key, else -1
	key    [inlineKey]byte // the tenant as it was first asked for
	scopes []string        // shared with the credential for its own scopes
	tenant string
}

// hash mixes the tenant's hash with the scopes' (see scopesHash). Tenants
// and scopes are case-insensitive, as the platform treats them: both are
// hashed and compared with ASCII letters folded.
func (c *tokenCache) hash(tenant string, scopesHash uint64) uint64 {
	return c.foldHash(tenant, scopesHash)
}

func (c *tokenCache) scopesHash(scopes []string) uint64 {
	h := uint64(len(scopes))
	for _, s := range scopes {
		h = c.foldHash(s, h)
	}
	return h
}

// mix is one round of a multiply-fold hash (as in wyhash).
func mix(a, b uint64) uint64 {
	hi, lo := bits.Mul64(a^0xa0761d6478bd642f, b^0xe7037ed1a0b428db)
	return hi ^ lo
}

// foldHash hashes s, continuing from h, with the 0x20 bit of every byte
// set. Like wyhash it takes sixteen bytes to a multiplication, here three
// side by side (each with its own constant, so that moving bytes from one
// to another changes the hash), so that a tenant GUID (36 bytes) costs two
// multiplications one after the other. Strings that are equal under ASCII
// case folding differ only in that bit of their letters, so they hash
// alike; other strings that become equal this way ("@" and "`", say) are
// told apart by matches. The last words read may overlap the ones before:
// which bytes are read depends on the length only, which is hashed too.
func (c *tokenCache) foldHash(s string, h uint64) uint64 {
	const fold = 0x2020202020202020
	const k1, k2, k3 = 0x8bb84b93962eacc9, 0x4b33a62ed433d4a3, 0x4d5a2da51de1aa47
	n := len(s)
	h ^= c.seed ^ uint64(n)
	var x, y, z uint64
	switch {
	case n > 48:
		i := 0
		for ; n-i > 48; i += 48 {
			h = mix((le64(s, i)|fold)^c.seed, (le64(s, i+8)|fold)^h) ^ mix((le64(s, i+16)|fold)^k1, (le64(s, i+16+8)|fold)^h) ^ mix((le64(s, i+32)|fold)^k2, (le64(s, i+32+8)|fold)^h)
		}
		x, y, z = mix((le64(s, n-48)|fold)^c.seed, (le64(s, n-40)|fold)^h), mix((le64(s, n-32)|fold)^k1, (le64(s, n-24)|fold)^h), mix((le64(s, n-16)|fold)^k2, (le64(s, n-8)|fold)^h)
	case n > 32:
		x, y, z = mix((le64(s, 0)|fold)^c.seed, (le64(s, 8)|fold)^h), mix((le64(s, 16)|fold)^k1, (le64(s, 24)|fold)^h), mix((le64(s, n-16)|fold)^k2, (le64(s, n-8)|fold)^h)
	case n > 16:
		x, y = mix((le64(s, 0)|fold)^c.seed, (le64(s, 8)|fold)^h), mix((le64(s, n-16)|fold)^k1, (le64(s, n-8)|fold)^h)
	case n >= 8:
		x = mix((le64(s, 0)|fold)^c.seed, (le64(s, n-8)|fold)^h)
	case n >= 4:
		x = mix((le32(s, 0)|fold)^c.seed, (le32(s, n-4)|fold)^h)
	default:
		var a uint64
		for i := 0; i < n; i++ {
			a |= uint64(s[i]) << (8 * i)
		}
		x = mix((a|fold)^c.seed, h)
	}
	return mix(x^y^z^k3, h)
}

// le64 reads the eight bytes of s at i as a little-endian number.
func le64(s string, i int) uint64 {
	s = s[i : i+8]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}

// le32 reads the four bytes of s at i.
func le32(s string, i int) uint64 {
	s = s[i : i+4]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24
}

// matches compares the key with (tenant, scopes), ignoring ASCII case (the
// hash folds no other letters, so neither may the comparison).
func (k *cacheKey) matches(tenant string, scopes []string) bool {
	if len(k.scopes) != len(scopes) {
		return false
	}
	if !k.sameTenant(tenant) {
		if !equalFoldASCII(k.tenant, tenant) {
			return false
		}
	}
	if len(scopes) > 0 && &k.scopes[0] == &scopes[0] { // the credential's own scopes
		return true
	}
	for i, s := range scopes {
		if k.scopes[i] != s && !equalFoldASCII(k.scopes[i], s) {
			return false
		}
	}
	return true
}

// sameTenant reports whether tenant is the inline key, byte for byte. It
// compares eight bytes at a time (the last eight may overlap the ones
// before): for a GUID, five comparisons and no call.
func (k *cacheKey) sameTenant(tenant string) bool {
	n := len(tenant)
	if int(k.keyLen) != n {
		return false
	}
	word := func(i int) uint64 { return le64(tenant, i) ^ binary.LittleEndian.Uint64(k.key[i:]) }
	switch {
	case n > 32: // a GUID
		return word(0)|word(8)|word(16)|word(24)|word(n-8) == 0
	case n > 16:
		return word(0)|word(8)|word(n-16)|word(n-8) == 0
	case n >= 8:
		return word(0)|word(n-8) == 0
	}
	return string(k.key[:n]) == tenant
}

// equalFoldASCII is strings.EqualFold for ASCII letters alone.
func equalFoldASCII(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if x == y {
			continue
		}
		if x|0x20 != y|0x20 || x|0x20 < 'a' || x|0x20 > 'z' {
			return false
		}
	}
	return true
}

func lowerASCII(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 0x20
		}
	}
	return string(b)
}
