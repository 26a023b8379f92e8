package entrakit_test

//go:generate go run ./internal/exported/gen

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/entrakit/entrakit/consent"
	"github.com/entrakit/entrakit/graphauth"
	"github.com/entrakit/entrakit/graphauth/graphauthtest"
	"github.com/entrakit/entrakit/internal/exported"
	"github.com/entrakit/entrakit/registration"
	"github.com/entrakit/entrakit/tokenstore"
	"github.com/entrakit/entrakit/verify"
)

// The printing test reaches every exported type of every public package: a
// new type fails this test until `go generate` in the module root adds it
// to exportedTypes.
func TestEveryExportedTypeIsInThePrintingTest(t *testing.T) {
	t.Parallel()
	types, err := exported.Types(".")
	require.NoError(t, err)
	var want []string
	for _, ty := range types {
		want = append(want, ty.Key())
	}
	require.NotEmpty(t, want)
	assert.Equal(t, want, slices.Sorted(maps.Keys(exportedTypes())),
		"exported_types_test.go is out of date: run go generate in the module root")
}

// Every exported type, built with every field set (unexported ones too,
// through unsafe) to canary secrets, keys and implementations of its
// interfaces, prints with every verb, marshals to JSON and logs through
// slog's handlers without showing a secret. Byte slices, keys and
// graphauth.Secret values are always canaries; a string is one when its
// field's name says it holds a secret (secretName in canary_test.go, with
// secretField for the names that do not tell). The value and the pointer
// are both printed, except for types that hold a lock, which vet refuses
// to copy.
func TestNoExportedValuePrintsASecret(t *testing.T) {
	t.Parallel()
	c := newCanaries(t)
	all := exportedTypes()
	keys := slices.Sorted(maps.Keys(all))
	var impls []reflect.Type
	for _, k := range keys {
		impls = append(impls, all[k])
	}
	for round := range rounds(impls) {
		for _, key := range keys {
			typ := all[key]
			if typ.Kind() == reflect.Interface {
				continue // its implementations are filled into the others' fields
			}
			p := (&filler{c: c, round: round, impls: impls}).newValue(typ)
			values := []any{p.Interface()}
			if !mustNotCopy(typ) {
				values = append(values, p.Elem().Interface())
			}
			for _, v := range values {
				for _, r := range renderings(v) {
					if leak := c.leaks(r.out); leak != "" {
						t.Errorf("round %d: %s of %T shows %s", round, r.how, v, leak)
					}
					if strings.Contains(r.out, "PANIC=") {
						t.Errorf("round %d: %s of %T panics", round, r.how, v)
					}
				}
			}
		}
	}
}

// rounds is how many times every type is filled: enough for each key kind
// (RSA, ECDSA, Ed25519) and each implementation of every interface to take
// its turn in the fields that hold one.
func rounds(types []reflect.Type) int {
	n := 3
	for _, i := range append(slices.Clone(types), reflect.TypeFor[http.RoundTripper](), reflect.TypeFor[http.Handler]()) {
		if i.Kind() != reflect.Interface {
			continue
		}
		fits := 0
		for _, c := range types {
			if c.Kind() != reflect.Interface && (c.Implements(i) || reflect.PointerTo(c).Implements(i)) {
				fits++
			}
		}
		n = max(n, fits)
	}
	return n
}

type rendering struct{ how, out string }

// renderings are the ways a value reaches a log or a screen: the fmt verbs,
// encoding/json, and slog's text and JSON handlers.
func renderings(v any) []rendering {
	var out []rendering
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q"} {
		out = append(out, rendering{verb, fmt.Sprintf(verb, v)})
	}
	if reason := jsonIsStorage(reflect.TypeOf(v)); reason == "" {
		b, err := json.Marshal(v)
		if err != nil {
			b = []byte(err.Error()) // a value that cannot be encoded shows nothing
		}
		out = append(out, rendering{"json.Marshal", string(b)})
	}
	var text, js bytes.Buffer
	slog.New(slog.NewTextHandler(&text, nil)).Info("printing", "value", v)
	slog.New(slog.NewJSONHandler(&js, nil)).Info("printing", "value", v)
	return append(out, rendering{"slog text", text.String()}, rendering{"slog JSON", js.String()})
}

// jsonIsStorage gives the reason why a type's JSON form must hold its
// secret, or "" for every other type.
func jsonIsStorage(t reflect.Type) string {
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == reflect.TypeFor[graphauth.Pending]() {
		// Logging it is safe all the same: it is an slog.LogValuer, and it
		// prints redacted.
		return "SignInHandler seals its JSON in the sign-in cookie (AES-GCM); apps that keep a Pending elsewhere store that JSON"
	}
	return ""
}

// Values built the way applications build them, through the constructors,
// holding real secrets, keys and tokens: none shows.
func TestConstructedValuesPrintNoSecret(t *testing.T) {
	t.Parallel()
	c := newCanaries(t)
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	srv.AddApp(graphauthtest.App{DisplayName: "printing", HomeTenant: srv.TenantID,
		Secrets: []graphauthtest.Secret{{Value: canaryMark + "-fake-app-secret"}}})
	c.also(srv.Secret, srv.ClientKey.D.String())
	ctx := context.Background()
	key := []byte(canaryMark + "-cookie-key-0123456789abcdef")[:32]
	opts := graphauth.Options{AuthorityHost: srv.URL, HTTPClient: srv.Client(), Store: graphauth.NewMemoryStore()}
	secret := graphauth.Secret(canaryMark + "-client-secret")

	secretCred, err := graphauth.NewClientSecretCredential(srv.TenantID, srv.ClientID, secret, &opts)
	require.NoError(t, err)
	certCred, err := graphauth.NewCertificateCredential(srv.TenantID, srv.ClientID, []*x509.Certificate{c.cert}, c.rsa,
		&graphauth.CertificateOptions{Options: opts})
	require.NoError(t, err)
	tokenPath := filepath.Join(t.TempDir(), "token")
	require.NoError(t, os.WriteFile(tokenPath, []byte(canaryMark+"-federated.token.value"), 0o600))
	tokenFile := graphauth.NewTokenFile(tokenPath)
	_, err = tokenFile.Assertion(ctx)
	require.NoError(t, err)
	assertionCred, err := graphauth.NewClientAssertionCredential(srv.TenantID, srv.ClientID, tokenFile.Assertion, &opts)
	require.NoError(t, err)

	store := graphauth.NewMemoryStore()
	require.NoError(t, store.Set(ctx, "tokens", []byte(canaryMark+"-stored-token"), time.Hour))
	encrypted, err := tokenstore.Encrypted(store, tokenstore.Key{ID: "2026-11", Secret: key})
	require.NoError(t, err)

	auth := graphauth.ClientAuth{Secret: secret}
	signIn, err := graphauth.NewSignIn(srv.TenantID, srv.ClientID, auth,
		&graphauth.SignInOptions{Options: opts, RedirectURI: "http://localhost/callback", Store: store})
	require.NoError(t, err)
	signInHandler, err := signIn.Handler(graphauth.HandlerOptions{Key: key, OnSignIn: func(http.ResponseWriter, *http.Request, *graphauth.User) {}})
	require.NoError(t, err)
	_, pending, err := signIn.AuthCodeURL(graphauth.AuthRequest{})
	require.NoError(t, err)
	c.also(pending.Verifier)
	consentHandler, err := consent.NewHandler(consent.Config{ClientID: srv.ClientID, RedirectURI: "http://localhost/consent", AuthorityHost: srv.URL},
		consent.HandlerOptions{Key: key, ClientAuth: auth, Credential: secretCred, Done: func(http.ResponseWriter, *http.Request, consent.Record, error) {}})
	require.NoError(t, err)

	generated, err := registration.NewSelfSignedCertificate("printing", nil)
	require.NoError(t, err)
	reg, err := registration.NewClient(certCred, &registration.ClientOptions{GraphEndpoint: srv.URL, HTTPClient: srv.Client()})
	require.NoError(t, err)
	cfg := graphauth.Config{TenantID: srv.TenantID, ClientID: srv.ClientID, ClientSecret: secret, CertificatePassword: secret}

	values := []any{
		secretCred, certCred, assertionCred, tokenFile, store, encrypted, signIn, signInHandler, pending, consentHandler,
		auth, graphauth.ClientAuth{Chain: []*x509.Certificate{c.cert}, Key: c.rsa}, graphauth.ClientAuth{Key: c.ed},
		graphauth.HandlerOptions{Key: key}, consent.HandlerOptions{Key: key, Credential: secretCred},
		tokenstore.Key{ID: "2026-11", Secret: key}, []tokenstore.Key{{ID: "2026-11", Secret: key}},
		generated, *generated, &registration.Certificate{Chain: []*x509.Certificate{c.cert}, Key: c.ed},
		registration.Certificate{Chain: []*x509.Certificate{c.cert}, Key: c.ec}, reg, cfg, &cfg,
		&graphauth.Transport{Credential: secretCred}, graphauth.AzCore(certCred), graphauth.OAuth2(assertionCred, graphauth.TokenRequest{}),
		verify.Options{Config: &cfg}, srv,
		graphauthtest.Options{SigningKey: c.rsa, Apps: []graphauthtest.App{{Secrets: []graphauthtest.Secret{{Value: canaryMark + "-app-secret"}}}}},
		map[string]any{"key": tokenstore.Key{ID: "k", Secret: key}}, []any{tokenstore.Key{ID: "k", Secret: key}},
	}
	for _, v := range values {
		for _, r := range renderings(v) {
			if leak := c.leaks(r.out); leak != "" {
				t.Errorf("%s of %T shows %s", r.how, v, leak)
			}
		}
	}
}
