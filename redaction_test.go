package entrakit_test

import (
	"bytes"
	"context"
	"crypto/x509"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/entrakit/entrakit/consent"
	"github.com/entrakit/entrakit/graphauth"
	"github.com/entrakit/entrakit/graphauth/graphauthtest"
	"github.com/entrakit/entrakit/registration"
	"github.com/entrakit/entrakit/verify"
)

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// Every flow runs with a debug-level logger; then no secret, key, code,
// verifier or token may be found in the logs, in any error string, or in
// any verb's rendering of the values the flows returned.
func TestNothingSecretLeaks(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	logs := &lockedBuffer{}
	opts := graphauth.Options{AuthorityHost: srv.URL, HTTPClient: srv.Client(),
		Logger: slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))}
	ctx := context.Background()
	var secrets []string // every value that must not show
	var shown []any      // every value a flow returned
	var errs []error

	// App-only, with a secret, a certificate and an assertion; then failures.
	srv.GrantAppRoles(srv.TenantID, srv.ClientID, "Application.ReadWrite.OwnedBy", "AppRoleAssignment.ReadWrite.All", "Application.Read.All")
	secretCred, err := graphauth.NewClientSecretCredential(srv.TenantID, srv.ClientID, graphauth.Secret(srv.Secret), &opts)
	require.NoError(t, err)
	tok, err := secretCred.Token(ctx, graphauth.TokenRequest{})
	require.NoError(t, err)
	secrets = append(secrets, srv.Secret, tok.AccessToken)
	shown = append(shown, tok, secretCred, graphauth.Config{ClientSecret: graphauth.Secret(srv.Secret)}, graphauth.Secret(srv.Secret))

	certCred, err := graphauth.NewCertificateCredential(srv.TenantID, srv.ClientID, []*x509.Certificate{srv.ClientCertificate}, srv.ClientKey,
		&graphauth.CertificateOptions{Options: opts})
	require.NoError(t, err)
	ctok, err := certCred.Token(ctx, graphauth.TokenRequest{})
	require.NoError(t, err)
	secrets = append(secrets, ctok.AccessToken, srv.ClientKey.D.String())
	shown = append(shown, certCred, ctok, graphauth.ClientAuth{Chain: []*x509.Certificate{srv.ClientCertificate}, Key: srv.ClientKey})

	bad, _ := graphauth.NewClientSecretCredential(srv.TenantID, srv.ClientID, "wrong~secret-value-123", &opts)
	_, err = bad.Token(ctx, graphauth.TokenRequest{})
	errs = append(errs, err)
	secrets = append(secrets, "wrong~secret-value-123")

	tokenFile := filepath.Join(t.TempDir(), "token")
	require.NoError(t, os.WriteFile(tokenFile, []byte("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl"), 0o600))
	assertionCred, _ := graphauth.NewClientAssertionCredential(srv.TenantID, srv.ClientID, graphauth.NewTokenFile(tokenFile).Assertion, &opts)
	_, err = assertionCred.Token(ctx, graphauth.TokenRequest{})
	errs = append(errs, err)
	secrets = append(secrets, "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl")

	// Sign-in, including a redeemed-twice failure.
	s, err := graphauth.NewSignIn(srv.TenantID, srv.ClientID, graphauth.ClientAuth{Secret: graphauth.Secret(srv.Secret)},
		&graphauth.SignInOptions{Options: opts, RedirectURI: "http://localhost/callback"})
	require.NoError(t, err)
	authURL, pending, err := s.AuthCodeURL(graphauth.AuthRequest{})
	require.NoError(t, err)
	resp, err := srv.Client().Get(authURL)
	require.NoError(t, err)
	resp.Body.Close()
	back, _ := url.Parse(resp.Header.Get("Location"))
	user, err := s.Complete(ctx, pending, back.Query())
	require.NoError(t, err)
	_, err = s.Complete(ctx, pending, back.Query())
	errs = append(errs, err)
	utok, err := s.Token(ctx, user.AccountID, nil)
	require.NoError(t, err)
	secrets = append(secrets, back.Query().Get("code"), pending.Verifier, user.Token.AccessToken, utok.AccessToken)
	shown = append(shown, user, pending, utok)

	// Registration: a new secret's value and a certificate's key.
	reg, err := registration.NewClient(secretCred, &registration.ClientOptions{GraphEndpoint: srv.URL, HTTPClient: srv.Client()})
	require.NoError(t, err)
	app, err := reg.CreateApp(ctx, registration.App{DisplayName: "redaction"})
	require.NoError(t, err)
	pw, err := reg.AddPassword(ctx, app.ObjectID, "x", time.Time{})
	require.NoError(t, err)
	cert, err := registration.NewSelfSignedCertificate("redaction", nil)
	require.NoError(t, err)
	pemBytes, err := cert.PEM("")
	require.NoError(t, err)
	keyPEM := pemBytes[bytes.Index(pemBytes, []byte("-----BEGIN PRIVATE KEY")):]
	secrets = append(secrets, string(pw.SecretText), strings.Split(string(keyPEM), "\n")[1])
	shown = append(shown, pw, cert, app)
	_, err = registration.NewClient(secretCred, nil)
	require.NoError(t, err)

	// Consent and verify.
	_, err = consent.ParseCallback(url.Values{"state": {"x"}, "code": {"should-not-matter"}}, "y")
	errs = append(errs, err)
	onboard := consent.HandlerOptions{Key: []byte("0123456789abcdef0123456789abcdef"), Credential: secretCred,
		ClientAuth: graphauth.ClientAuth{Secret: graphauth.Secret(srv.Secret)}, Done: func(http.ResponseWriter, *http.Request, consent.Record, error) {}}
	onboarding, err := consent.NewHandler(consent.Config{ClientID: srv.ClientID, RedirectURI: "https://console.example/consent", AuthorityHost: srv.URL}, onboard)
	require.NoError(t, err)
	shown = append(shown, onboard, onboarding, graphauth.HandlerOptions{Key: []byte("0123456789abcdef")})
	secrets = append(secrets, "0123456789abcdef")
	cfg := graphauth.Config{TenantID: srv.TenantID, ClientID: srv.ClientID, ClientSecret: graphauth.Secret(srv.Secret)}
	report := verify.Run(ctx, secretCred, verify.Requirements{Roles: []string{"User.Read.All"}, ProbeGraph: true},
		&verify.Options{Config: &cfg, GraphEndpoint: srv.URL, HTTPClient: srv.Client()})
	jsonReport, err := report.JSON()
	require.NoError(t, err)
	shown = append(shown, report.Text(), string(jsonReport), verify.Diagnose(errs[0]))

	logged := logs.String()
	require.Contains(t, logged, "token acquired", "the debug logger saw the flows")
	for _, secret := range secrets {
		require.NotEmpty(t, secret)
		assert.NotContains(t, logged, secret, "in the logs")
		for _, err := range errs {
			require.Error(t, err)
			assert.NotContains(t, err.Error(), secret, "in an error")
		}
		for _, v := range shown {
			for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q"} {
				assert.NotContains(t, fmt.Sprintf(verb, v), secret, "in %s of %T", verb, v)
			}
		}
	}
	assert.NotRegexp(t, `eyJ[A-Za-z0-9_-]{10,}\.eyJ`, logged, "no JWT of any kind in the logs")
}
