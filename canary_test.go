package entrakit_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/stretchr/testify/require"
)

// canaryMark begins every secret the filler makes, so that a secret shows
// however it is rendered: as text, quoted, as bytes in decimal or hex, or
// base64-encoded in JSON.
const canaryMark = "S3CR3T"

// canaries are the secrets a filler plants, and what must never show.
type canaries struct {
	rsa       *rsa.PrivateKey
	ec        *ecdsa.PrivateKey
	ed        ed25519.PrivateKey
	cert      *x509.Certificate
	forbidden []canary // renderings of the canaries, matched exactly
}

func newCanaries(t *testing.T) *canaries {
	t.Helper()
	rk, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	ek, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	seed := []byte(canaryMark + "-ed25519-seed-0123456789abcdef")[:ed25519.SeedSize]
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "canary certificate"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(365 * 24 * time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, rk.Public(), rk)
	require.NoError(t, err)
	cert, err := x509.ParseCertificate(der)
	require.NoError(t, err)
	mark := []byte(canaryMark)
	raw, err := ek.Bytes()
	require.NoError(t, err)
	ecD := new(big.Int).SetBytes(raw) // what fmt and JSON show of the key's D field
	c := &canaries{rsa: rk, ec: ek, ed: ed25519.NewKeyFromSeed(seed), cert: cert}
	c.forbidden = []canary{
		{"a canary as %v of bytes", strings.Trim(fmt.Sprint(mark), "[]")}, // "83 51 67 …"
		{"a canary as %#v of bytes", strings.TrimSuffix(strings.TrimPrefix(fmt.Sprintf("%#v", mark), "[]byte{"), "}")},
		{"a canary in hex", hex.EncodeToString(mark)},
		{"a canary in hex", strings.ToUpper(hex.EncodeToString(mark))},
		{"a canary in base64", base64.StdEncoding.EncodeToString(mark)}, // JSON of []byte
		{"the RSA key's D", rk.D.String()}, {"the RSA key's D", rk.D.Text(16)},
		{"the RSA key's primes", rk.Primes[0].String()}, {"the RSA key's primes", rk.Primes[1].String()},
		{"the ECDSA key's D", ecD.String()}, {"the ECDSA key's D", ecD.Text(16)},
	}
	return c
}

// canary is a rendering of a secret that must not show, and what to call
// it in a failure (never the secret itself).
type canary struct{ label, s string }

// also adds secrets made elsewhere (by the fake platform, say).
func (c *canaries) also(secrets ...string) {
	for _, s := range secrets {
		c.forbidden = append(c.forbidden, canary{"a secret made by the test", s})
	}
}

// leaks names the secret that s shows, or returns "".
func (c *canaries) leaks(s string) string {
	if strings.Contains(strings.ToUpper(s), canaryMark) {
		return "a canary (" + canaryMark + "…)"
	}
	for _, f := range c.forbidden {
		if f.s != "" && strings.Contains(s, f.s) {
			return f.label
		}
	}
	return ""
}

// filler builds values of any type with every field set, unexported ones
// included: strings and byte slices that hold secrets get canaries, keys
// are the canaries' keys, and interfaces hold one of the module's own types
// (filled in turn) that implements them.
type filler struct {
	c      *canaries
	round  int            // picks the key kind and the implementation of an interface
	impls  []reflect.Type // the module's types, candidates for interface fields
	onPath map[reflect.Type]bool
	n      int
}

// maxDepth bounds how deep values nest; deeper pointers stay nil.
const maxDepth = 12

// newValue returns a new *T, filled.
func (f *filler) newValue(t reflect.Type) reflect.Value {
	p := reflect.New(t)
	f.onPath = map[reflect.Type]bool{t: true}
	f.fill(p.Elem(), field{}, 0)
	return p
}

// field says where a value sits: the type that holds it and the field's
// name, which decide whether a string is a secret.
type field struct {
	owner  reflect.Type
	name   string
	secret bool // the value is a secret whatever its name
}

func (f *filler) secretString() string {
	f.n++
	return fmt.Sprintf("%s-%d-canary", canaryMark, f.n)
}

func (f *filler) secretBytes() []byte {
	return []byte(fmt.Sprintf("%-32s", f.secretString()))
}

// special sets the values of types that the filler does not build field by
// field: keys, certificates, times, and the standard library's values that
// a zero or garbage value would break.
func (f *filler) special(v reflect.Value) bool {
	var x any
	switch v.Type() {
	case reflect.TypeFor[time.Time]():
		x = time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	case reflect.TypeFor[*big.Int]():
		x = big.NewInt(1)
	case reflect.TypeFor[*x509.Certificate]():
		x = f.c.cert
	case reflect.TypeFor[*rsa.PrivateKey]():
		x = f.c.rsa
	case reflect.TypeFor[*ecdsa.PrivateKey]():
		x = f.c.ec
	case reflect.TypeFor[ed25519.PrivateKey]():
		x = f.c.ed
	case reflect.TypeFor[*slog.Logger]():
		x = slog.New(slog.DiscardHandler)
	case reflect.TypeFor[*http.Client]():
		x = &http.Client{}
	case reflect.TypeFor[error]():
		x = errors.New("a public error")
	case reflect.TypeFor[crypto.Signer](), reflect.TypeFor[crypto.PrivateKey]():
		x = []crypto.Signer{f.c.rsa, f.c.ec, f.c.ed}[f.round%3]
	case reflect.TypeFor[crypto.Decrypter]():
		x = f.c.rsa
	case reflect.TypeFor[crypto.PublicKey]():
		x = f.c.rsa.Public()
	default:
		return false
	}
	v.Set(reflect.ValueOf(x))
	return true
}

// fill sets v, which must be settable, and everything it holds.
func (f *filler) fill(v reflect.Value, at field, depth int) {
	if depth > maxDepth || f.special(v) {
		return
	}
	t := v.Type()
	switch t.Kind() {
	case reflect.String:
		if at.secret || secretField(at) || (ours(t) && secretName(t.Name())) {
			v.SetString(f.secretString())
		} else {
			f.n++
			v.SetString(fmt.Sprintf("public-%d", f.n))
		}
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(1)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		v.SetUint(1)
	case reflect.Float32, reflect.Float64:
		v.SetFloat(0.5)
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			v.SetBytes(f.secretBytes()) // byte slices hold keys, tokens, sealed values
			return
		}
		s := reflect.MakeSlice(t, 1, 1)
		f.fill(s.Index(0), at, depth+1)
		v.Set(s)
	case reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 {
			reflect.Copy(v, reflect.ValueOf(f.secretBytes()))
			return
		}
		for i := 0; i < v.Len() && i < 4; i++ {
			f.fill(v.Index(i), at, depth+1)
		}
	case reflect.Map:
		m := reflect.MakeMapWithSize(t, 1)
		k, e := reflect.New(t.Key()).Elem(), reflect.New(t.Elem()).Elem()
		f.fill(k, field{owner: at.owner}, depth+1)
		f.fill(e, at, depth+1)
		m.SetMapIndex(k, e)
		v.Set(m)
	case reflect.Pointer:
		if f.onPath[t.Elem()] {
			return
		}
		f.onPath[t.Elem()] = true
		p := reflect.New(t.Elem())
		f.fill(p.Elem(), at, depth+1)
		delete(f.onPath, t.Elem())
		v.Set(p)
	case reflect.Struct:
		if !ours(t) {
			return // another module's internals: left at their zero value
		}
		for i := 0; i < t.NumField(); i++ {
			fv := v.Field(i)
			if !fv.CanSet() {
				fv = reflect.NewAt(fv.Type(), unsafe.Pointer(fv.UnsafeAddr())).Elem()
			}
			f.fill(fv, field{owner: t, name: t.Field(i).Name, secret: at.secret}, depth+1)
		}
	case reflect.Interface:
		f.fillInterface(v, at, depth)
	case reflect.Func:
		f.fillFunc(v, depth)
	}
}

// fillInterface sets v to one of the module's types that implements it, a
// different one each round; an empty interface gets a string.
func (f *filler) fillInterface(v reflect.Value, at field, depth int) {
	t := v.Type()
	if t == reflect.TypeFor[any]() {
		s := reflect.New(reflect.TypeFor[string]()).Elem()
		f.fill(s, at, depth+1)
		v.Set(s)
		return
	}
	var fits []reflect.Type
	for _, c := range f.impls {
		if c.Kind() == reflect.Interface || f.onPath[c] {
			continue
		}
		if reflect.PointerTo(c).Implements(t) || c.Implements(t) {
			fits = append(fits, c)
		}
	}
	if len(fits) == 0 {
		return // a foreign interface (cipher.AEAD, redis.UniversalClient): nil
	}
	c := fits[f.round%len(fits)]
	f.onPath[c] = true
	p := reflect.New(c)
	f.fill(p.Elem(), field{}, depth+1)
	delete(f.onPath, c)
	if reflect.PointerTo(c).Implements(t) {
		v.Set(p)
	} else {
		v.Set(p.Elem())
	}
}

// fillFunc sets v to a function that returns filled values, strings among
// them secrets (an AssertionFunc's assertion): printing must not call it.
func (f *filler) fillFunc(v reflect.Value, depth int) {
	t := v.Type()
	outs := make([]reflect.Value, t.NumOut())
	for i := range outs {
		outs[i] = reflect.New(t.Out(i)).Elem()
		f.fill(outs[i], field{secret: true}, depth+1)
	}
	v.Set(reflect.MakeFunc(t, func([]reflect.Value) []reflect.Value { return outs }))
}

// ours reports whether t is declared in this module.
func ours(t reflect.Type) bool {
	return t.PkgPath() == "github.com/entrakit/entrakit" || strings.HasPrefix(t.PkgPath(), "github.com/entrakit/entrakit/")
}

// typeKey names a type as internal/exported does: "graphauth.Token".
func typeKey(t reflect.Type) string {
	return strings.TrimPrefix(strings.TrimPrefix(t.PkgPath(), "github.com/entrakit/entrakit"), "/") + "." + t.Name()
}

// secretField reports whether the field at holds a secret: by its name
// (secretName), except for the fields whose names do not say what they hold.
func secretField(at field) bool {
	if at.owner == nil {
		return false
	}
	switch typeKey(at.owner) + "." + at.name {
	case "graphauth/graphauthtest.Secret.Value": // the secret itself
		return true
	case "registration.KeyCredential.Key": // the certificate's public DER, base64, as Graph takes it
		return false
	}
	return secretName(at.name)
}

// secretName reports whether a field or type name says it holds a secret:
// it mentions a secret, token, password, verifier, assertion, cookie,
// private key or credential, or ends in "key" — unless it ends like the
// name of something public about it (KeyID, FederatedTokenFile,
// TokenEndpoint).
func secretName(name string) bool {
	n := strings.ToLower(name)
	for _, public := range []string{"id", "ids", "file", "path", "url", "uri", "uris", "endpoint", "host", "name", "hint", "type", "kind"} {
		if strings.HasSuffix(n, public) {
			return false
		}
	}
	for _, word := range []string{"secret", "token", "password", "passphrase", "verifier", "assertion", "cookie", "private", "credential"} {
		if strings.Contains(n, word) {
			return true
		}
	}
	return strings.HasSuffix(n, "key") || strings.HasSuffix(n, "keys")
}

// mustNotCopy reports whether t holds a lock by value (sync.Mutex and the
// like, which have pointer Lock and Unlock methods): go vet refuses to
// copy such a value, so it is only ever printed through a pointer.
func mustNotCopy(t reflect.Type) bool {
	if p := reflect.PointerTo(t); t.Kind() == reflect.Struct {
		if _, ok := p.MethodByName("Lock"); ok {
			if _, ok := p.MethodByName("Unlock"); ok {
				return true
			}
		}
	}
	switch t.Kind() {
	case reflect.Struct:
		for i := 0; i < t.NumField(); i++ {
			if mustNotCopy(t.Field(i).Type) {
				return true
			}
		}
	case reflect.Array:
		return mustNotCopy(t.Elem())
	}
	return false
}
