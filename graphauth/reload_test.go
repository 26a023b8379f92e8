package graphauth_test

import (
	"bytes"
	"context"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/entrakit/entrakit/graphauth"
	"github.com/entrakit/entrakit/graphauth/graphauthtest"
)

// syncBuffer is a log sink that tests read while the watcher writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func (s *syncBuffer) count(sub string) int { return strings.Count(s.String(), sub) }

// replaceFile writes data beside path and renames it into place, as
// Kubernetes and careful deploy tools do.
func replaceFile(t testing.TB, path string, data []byte) {
	t.Helper()
	tmp := path + ".new"
	require.NoError(t, os.WriteFile(tmp, data, 0o600))
	require.NoError(t, os.Rename(tmp, path))
}

func certPEM(cert *x509.Certificate, key *rsa.PrivateKey) []byte {
	return append(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw}),
		pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})...)
}

// rotatingApp registers an app with two secrets and two certificates, all
// valid, with a Graph role.
type rotatingApp struct {
	app          graphauthtest.App
	keys         [2]*rsa.PrivateKey
	certificates [2]*x509.Certificate
}

func newRotatingApp(srv *graphauthtest.Server) rotatingApp {
	var r rotatingApp
	a := graphauthtest.App{DisplayName: "rotating", Secrets: []graphauthtest.Secret{{DisplayName: "one"}, {DisplayName: "two"}}}
	for i := range r.keys {
		r.keys[i], r.certificates[i] = graphauthtest.NewCertificate("rotating", srv.Now())
		a.Certificates = append(a.Certificates, graphauthtest.Certificate{Certificate: r.certificates[i]})
	}
	r.app = srv.AddApp(a)
	srv.GrantAppRoles(srv.TenantID, r.app.ClientID, "User.Read.All")
	return r
}

func watchedCredential(t *testing.T, srv *graphauthtest.Server, clientID string, cc graphauth.ClientCredential, logs *syncBuffer) *graphauth.FallbackCredential {
	t.Helper()
	opts := fallbackOpts(srv)
	opts.ReloadInterval = 10 * time.Millisecond
	opts.Logger = slog.New(slog.NewTextHandler(logs, nil))
	cred, err := graphauth.NewFallbackCredential(srv.TenantID, clientID, []graphauth.ClientCredential{cc}, opts)
	require.NoError(t, err)
	t.Cleanup(func() { cred.Close() })
	return cred
}

func TestReloadReplacedSecretFileIsUsedForTheNextToken(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	r := newRotatingApp(srv)
	path := filepath.Join(t.TempDir(), "secret")
	require.NoError(t, os.WriteFile(path, []byte(r.app.Secrets[0].Value+"\n"), 0o600))
	logs := &syncBuffer{}
	cred := watchedCredential(t, srv, r.app.ClientID, graphauth.SecretFile("mounted secret", path), logs)
	ctx := context.Background()
	_, err := cred.Token(ctx, graphauth.TokenRequest{})
	require.NoError(t, err)

	// A well-formed secret the app does not have: once it is in use, the
	// platform refuses the next token.
	replaceFile(t, path, []byte("not~a~secret~of~this~app"))
	require.Eventually(t, func() bool { return logs.count("credential file reloaded") == 1 }, 10*time.Second, 5*time.Millisecond)
	_, err = cred.Token(ctx, graphauth.TokenRequest{Fresh: true})
	var aerr *graphauth.AuthError
	require.True(t, errors.As(err, &aerr), "got %v", err)
	assert.True(t, aerr.HasCode(7000215))

	replaceFile(t, path, []byte(r.app.Secrets[1].Value))
	require.Eventually(t, func() bool { return logs.count("credential file reloaded") == 2 }, 10*time.Second, 5*time.Millisecond)
	_, err = cred.Token(ctx, graphauth.TokenRequest{Fresh: true})
	require.NoError(t, err)
	for _, s := range r.app.Secrets {
		assert.NotContains(t, logs.String(), s.Value)
	}
}

func TestReloadKeepsThePreviousCredentialWhenTheFileIsBroken(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	t.Cleanup(srv.Close) // the subtests run after this function returns
	r := newRotatingApp(srv)
	good := certPEM(r.certificates[0], r.keys[0])
	for name, tc := range map[string]struct {
		mutate func(path string) error
		log    string
	}{
		"truncated to nothing":   {func(p string) error { return os.WriteFile(p, nil, 0o600) }, "not usable"},
		"half-written":           {func(p string) error { return os.WriteFile(p, good[:len(good)/2], 0o600) }, "not usable"},
		"garbage":                {func(p string) error { return os.WriteFile(p, []byte("\x00\x01garbage"), 0o600) }, "not usable"},
		"deleted":                {os.Remove, "unreadable"},
		"unreadable (directory)": {func(p string) error { os.Remove(p); return os.Mkdir(p, 0o700) }, "unreadable"},
		"expired certificate": {func(p string) error {
			key, cert := graphauthtest.NewCertificate("old", srv.Now().AddDate(-2, 0, 0))
			return os.WriteFile(p, certPEM(cert, key), 0o600)
		}, "not usable"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "cert.pem")
			require.NoError(t, os.WriteFile(path, good, 0o600))
			logs := &syncBuffer{}
			cred := watchedCredential(t, srv, r.app.ClientID, graphauth.CertificateFile("mounted certificate", path, ""), logs)
			require.NoError(t, tc.mutate(path))
			require.Eventually(t, func() bool { return logs.count("keeping the previous credential") >= 1 }, 10*time.Second, 5*time.Millisecond)
			assert.Contains(t, logs.String(), tc.log)
			_, err := cred.Token(context.Background(), graphauth.TokenRequest{Fresh: true})
			require.NoError(t, err, "the previous certificate still serves")
			assert.Equal(t, r.certificates[0].NotAfter, cred.Status()[0].Expires)
			assert.NotContains(t, logs.String(), "PRIVATE KEY")
		})
	}
}

func TestReloadSwitchesToAReplacedCertificate(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	r := newRotatingApp(srv)
	path := filepath.Join(t.TempDir(), "cert.pem")
	require.NoError(t, os.WriteFile(path, certPEM(r.certificates[0], r.keys[0]), 0o600))
	logs := &syncBuffer{}
	cred := watchedCredential(t, srv, r.app.ClientID, graphauth.CertificateFile("mounted certificate", path, ""), logs)
	replaceFile(t, path, certPEM(r.certificates[1], r.keys[1]))
	require.Eventually(t, func() bool { return cred.Status()[0].Expires.Equal(r.certificates[1].NotAfter) }, 10*time.Second, 5*time.Millisecond)
	_, err := cred.Token(context.Background(), graphauth.TokenRequest{Fresh: true})
	require.NoError(t, err)
	// The record follows the switch.
	require.Eventually(t, func() bool { return logs.count("credential file reloaded") == 1 }, 10*time.Second, 5*time.Millisecond)
	assert.Contains(t, logs.String(), "version=2")
}

func TestReloadPrefersTheFirstCredentialAgainOnceItsFileIsFixed(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	r := newRotatingApp(srv)
	path := filepath.Join(t.TempDir(), "secret")
	require.NoError(t, os.WriteFile(path, []byte("an~expired~secret~value"), 0o600))
	opts := fallbackOpts(srv)
	opts.ReloadInterval = 10 * time.Millisecond
	creds := []graphauth.ClientCredential{
		graphauth.SecretFile("file", path),
		graphauth.Certificate("certificate", []*x509.Certificate{r.certificates[0]}, r.keys[0]),
	}
	cred, err := graphauth.NewFallbackCredential(srv.TenantID, r.app.ClientID, creds, opts)
	require.NoError(t, err)
	defer cred.Close()
	_, err = cred.Token(context.Background(), graphauth.TokenRequest{})
	require.NoError(t, err)
	require.Equal(t, "certificate", cred.Active())
	replaceFile(t, path, []byte(r.app.Secrets[0].Value))
	require.Eventually(t, func() bool { return cred.Active() == "file" }, 10*time.Second, 5*time.Millisecond)
	_, err = cred.Token(context.Background(), graphauth.TokenRequest{Fresh: true})
	require.NoError(t, err)
}

// TestReloadUnderLoadFailsNoCall replaces the file (old and new secret both
// valid, as during a rotation) while callers keep asking for new tokens.
func TestReloadUnderLoadFailsNoCall(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	r := newRotatingApp(srv)
	path := filepath.Join(t.TempDir(), "secret")
	require.NoError(t, os.WriteFile(path, []byte(r.app.Secrets[0].Value), 0o600))
	logs := &syncBuffer{}
	cred := watchedCredential(t, srv, r.app.ClientID, graphauth.SecretFile("mounted secret", path), logs)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var mu sync.Mutex
	var calls, failed int
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				_, err := cred.Token(context.Background(), graphauth.TokenRequest{Fresh: true})
				mu.Lock()
				calls++
				if err != nil {
					failed++
				}
				mu.Unlock()
			}
		}()
	}
	replaceFile(t, path, []byte(r.app.Secrets[1].Value))
	require.Eventually(t, func() bool { return logs.count("credential file reloaded") == 1 }, 10*time.Second, 5*time.Millisecond)
	mu.Lock()
	before := calls
	mu.Unlock()
	require.Eventually(t, func() bool { mu.Lock(); defer mu.Unlock(); return calls > before+20 }, 10*time.Second, 5*time.Millisecond)
	close(stop)
	wg.Wait()
	assert.Zero(t, failed, "of %d calls", calls)
}

func TestTokenFileKeepsThePreviousTokenWhileTheFileIsReplaced(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "token")
	const first = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhIn0.c2ln"
	require.NoError(t, os.WriteFile(path, []byte(first+"\n"), 0o600))
	f := graphauth.NewTokenFile(path)
	tok, err := f.Assertion(context.Background())
	require.NoError(t, err)
	require.Equal(t, first, tok)
	later := time.Now()
	for name, mutate := range map[string]func() error{
		"half-written": func() error { return os.WriteFile(path, []byte(first[:20]), 0o600) },
		"emptied":      func() error { return os.WriteFile(path, nil, 0o600) },
		"deleted":      func() error { return os.Remove(path) },
	} {
		require.NoError(t, mutate(), name)
		later = later.Add(time.Minute)
		_ = os.Chtimes(path, later, later)
		tok, err := f.Assertion(context.Background())
		require.NoError(t, err, name)
		assert.Equal(t, first, tok, name)
	}
	const second = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJiIn0.c2ln"
	require.NoError(t, os.WriteFile(path, []byte(second), 0o600))
	tok, err = f.Assertion(context.Background())
	require.NoError(t, err)
	assert.Equal(t, second, tok)
}

// A tool that rewrites a file in place empties it first: the file then
// holds again the credential in use, which the platform had refused. That
// is no reload, and the credential that serves keeps serving, with no
// extra refused request.
func TestReloadOfTheSameContentAfterATruncationChangesNothing(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	r := newRotatingApp(srv)
	path := filepath.Join(t.TempDir(), "secret")
	refused := []byte("a~secret~that~was~removed~from~the~app")
	require.NoError(t, os.WriteFile(path, refused, 0o600))
	logs := &syncBuffer{}
	opts := fallbackOpts(srv)
	opts.ReloadInterval = 10 * time.Millisecond
	opts.Logger = slog.New(slog.NewTextHandler(logs, nil))
	creds := []graphauth.ClientCredential{
		graphauth.SecretFile("file", path),
		graphauth.Certificate("certificate", []*x509.Certificate{r.certificates[0]}, r.keys[0]),
	}
	cred, err := graphauth.NewFallbackCredential(srv.TenantID, r.app.ClientID, creds, opts)
	require.NoError(t, err)
	defer cred.Close()
	_, err = cred.Token(context.Background(), graphauth.TokenRequest{})
	require.NoError(t, err)
	require.Equal(t, "certificate", cred.Active())
	requests := srv.Count(graphauthtest.EndpointToken)

	require.NoError(t, os.WriteFile(path, nil, 0o600)) // truncate...
	require.Eventually(t, func() bool { return logs.count("not usable") == 1 }, 10*time.Second, 5*time.Millisecond)
	require.NoError(t, os.WriteFile(path, refused, 0o600)) // ...then write
	require.Eventually(t, func() bool { return logs.count("credential file restored") == 1 }, 10*time.Second, 5*time.Millisecond)
	assert.Zero(t, logs.count("credential file reloaded"))
	assert.Equal(t, "certificate", cred.Active())
	tok, err := cred.Token(context.Background(), graphauth.TokenRequest{Fresh: true})
	require.NoError(t, err)
	assert.Equal(t, "certificate", tok.CredentialName)
	assert.Equal(t, requests+1, srv.Count(graphauthtest.EndpointToken), "no request with the refused secret")
	assert.NotContains(t, logs.String(), string(refused))
}

// The only credential is a secret file whose secret the platform refuses,
// and the file already holds the new one, not yet read by the watcher (it
// runs once an hour here): the refused request reads the file, twice as
// for any new secret, and goes out again with the new secret instead of
// failing.
func TestReloadARefusedRequestTakesTheNewSecretFileAtOnce(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	r := newRotatingApp(srv)
	path := filepath.Join(t.TempDir(), "secret")
	require.NoError(t, os.WriteFile(path, []byte("a~secret~that~was~removed~from~the~app"), 0o600))
	logs := &syncBuffer{}
	opts := fallbackOpts(srv)
	opts.ReloadInterval = time.Hour
	opts.Logger = slog.New(slog.NewTextHandler(logs, nil))
	cred, err := graphauth.NewFallbackCredential(srv.TenantID, r.app.ClientID, []graphauth.ClientCredential{graphauth.SecretFile("file", path)}, opts)
	require.NoError(t, err)
	defer cred.Close()
	replaceFile(t, path, []byte(r.app.Secrets[0].Value))
	tok, err := cred.Token(context.Background(), graphauth.TokenRequest{})
	require.NoError(t, err)
	assert.Equal(t, "file", tok.CredentialName)
	assert.Equal(t, 1, logs.count("credential file reloaded"))
	assert.NotContains(t, logs.String(), r.app.Secrets[0].Value)
}

// A certificate issued a moment ahead of this machine's clock is not valid
// yet when its file lands: it is refused then, and taken once it is valid,
// though the file does not change again. (Before, it was never looked at
// again, and the old certificate served until it expired.)
func TestReloadTakesACertificateOnceItBecomesValid(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	oldKey, oldCert := graphauthtest.NewCertificate("current", srv.Now())
	newKey, newCert := graphauthtest.NewCertificate("next", srv.Now().Add(time.Hour+time.Minute)) // valid a minute from now
	app := srv.AddApp(graphauthtest.App{DisplayName: "ahead", Certificates: []graphauthtest.Certificate{{Certificate: oldCert}, {Certificate: newCert}}})
	srv.GrantAppRoles(srv.TenantID, app.ClientID, "User.Read.All")
	path := filepath.Join(t.TempDir(), "cert.pem")
	require.NoError(t, os.WriteFile(path, certPEM(oldCert, oldKey), 0o600))
	logs := &syncBuffer{}
	opts := fallbackOpts(srv)
	opts.ReloadInterval = 10 * time.Millisecond
	opts.Clock = srv.Clock()
	opts.Logger = slog.New(slog.NewTextHandler(logs, nil))
	cred, err := graphauth.NewFallbackCredential(srv.TenantID, app.ClientID, []graphauth.ClientCredential{graphauth.CertificateFile("file", path, "")}, opts)
	require.NoError(t, err)
	defer cred.Close()

	replaceFile(t, path, certPEM(newCert, newKey))
	require.Eventually(t, func() bool { return logs.count("not valid before") == 1 }, 10*time.Second, 5*time.Millisecond)
	assert.Equal(t, oldCert.NotAfter, cred.Status()[0].Expires, "not valid yet: the old one serves")
	srv.Advance(2 * time.Minute)
	require.Eventually(t, func() bool { return logs.count("credential file reloaded") == 1 }, 10*time.Second, 5*time.Millisecond)
	assert.Equal(t, newCert.NotAfter, cred.Status()[0].Expires)
	assert.Equal(t, 1, logs.count("not valid before"), "said once")
	_, err = cred.Token(context.Background(), graphauth.TokenRequest{Fresh: true})
	require.NoError(t, err)
}

// A sidecar (a Key Vault agent, a cert-manager volume) writes the
// certificate file after the process starts: the file, missing when the
// credential was built, is used once it appears, and preferred over the
// secret after it in the list, without a restart.
func TestReloadUsesAFileThatAppearsAfterTheStart(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	r := newRotatingApp(srv)
	path := filepath.Join(t.TempDir(), "cert.pem")
	logs := &syncBuffer{}
	opts := fallbackOpts(srv)
	opts.ReloadInterval = 10 * time.Millisecond
	opts.Logger = slog.New(slog.NewTextHandler(logs, nil))
	creds := []graphauth.ClientCredential{
		graphauth.CertificateFile("file", path, ""),
		graphauth.SecretValue("secret", graphauth.Secret(r.app.Secrets[0].Value)),
	}
	cred, err := graphauth.NewFallbackCredential(srv.TenantID, r.app.ClientID, creds, opts)
	require.NoError(t, err)
	defer cred.Close()
	assert.Equal(t, "secret", cred.Active())
	tok, err := cred.Token(context.Background(), graphauth.TokenRequest{})
	require.NoError(t, err)
	assert.Equal(t, "secret", tok.CredentialName)

	replaceFile(t, path, certPEM(r.certificates[0], r.keys[0]))
	require.Eventually(t, func() bool { return cred.Active() == "file" }, 10*time.Second, 5*time.Millisecond)
	tok, err = cred.Token(context.Background(), graphauth.TokenRequest{Fresh: true})
	require.NoError(t, err)
	assert.Equal(t, "file", tok.CredentialName)
	assert.Equal(t, r.certificates[0].NotAfter, cred.Status()[0].Expires)

	// With every credential a file not there yet, the constructor still
	// says why.
	_, err = graphauth.NewFallbackCredential(srv.TenantID, r.app.ClientID,
		[]graphauth.ClientCredential{graphauth.SecretFile("nowhere", filepath.Join(t.TempDir(), "none"))}, opts)
	var cerr *graphauth.ConfigError
	require.ErrorAs(t, err, &cerr)
}

// A secret file saved by a Windows editor starts with a UTF-8 byte order
// mark and ends with CRLF: neither is part of the secret.
func TestSecretFileWithAByteOrderMarkAndCRLF(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	path := filepath.Join(t.TempDir(), "secret.txt")
	require.NoError(t, os.WriteFile(path, []byte("\ufeff"+srv.Secret+"\r\n"), 0o600))
	cred, err := graphauth.NewFallbackCredential(srv.TenantID, srv.ClientID, []graphauth.ClientCredential{graphauth.SecretFile("file", path)}, fallbackOpts(srv))
	require.NoError(t, err)
	defer cred.Close()
	_, err = cred.Token(context.Background(), graphauth.TokenRequest{})
	require.NoError(t, err)
}
