package graphauth_test

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/entrakit/entrakit/graphauth"
	"github.com/entrakit/entrakit/graphauth/graphauthtest"
)

// FuzzManagedIdentityAnswerThroughCredential feeds any answer of the
// managed identity endpoint through a whole ManagedIdentityCredential:
// never a panic; a token that comes back has a lifetime that makes sense;
// an error is an *AuthError that holds no token.
func FuzzManagedIdentityAnswerThroughCredential(f *testing.F) {
	for _, s := range []struct {
		status int
		body   string
	}{
		{200, `{"access_token":"` + goodAccess + `","client_id":"c","expires_in":"86399","expires_on":"1760000000","ext_expires_in":"86399","not_before":"1759913300","resource":"https://graph.microsoft.com","token_type":"Bearer"}`},
		{200, `{"access_token":"` + goodAccess + `","expires_on":"99999999999","resource":"r","token_type":"Bearer"}`},
		{200, `{"access_token":"` + goodAccess + `","expires_in":3599}`},
		// The 2017 API's dates (Azure ML, older App Service hosts), which
		// are rewritten to epoch seconds before MSAL reads them.
		{200, `{"access_token":"` + goodAccess + `","expires_on":"11/24/2031 16:16:04 +00:00","resource":"r","token_type":"Bearer"}`},
		{200, `{"access_token":"` + goodAccess + `","expires_on":"1/2/2031 4:16:04 PM -07:00","token_type":"Bearer"}`},
		{200, `{"access_token":"` + goodAccess + `","expires_on":"13/45/2031 99:16:04 +99:00"}`},
		{200, `{"access_token":"` + goodAccess + `","expires_in":"-1"}`},
		{200, `{"access_token":"","expires_in":"3599"}`},
		{200, `<html>`},
		{400, `{"error":"invalid_request","error_description":"Identity not found"}`},
		{400, `{"statusCode":400,"message":"` + goodAccess + `"}`},
		{500, `{"error":{"code":"x","message":"y"}}`},
		{503, ``},
	} {
		f.Add(s.status, []byte(s.body))
	}
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		answer := fuzzAnswer(status, "", body)
		hc := &http.Client{Transport: roundTripperFunc(answer)}
		cred, err := graphauth.NewManagedIdentityCredential(&graphauth.ManagedIdentityOptions{
			Options:      graphauth.Options{HTTPClient: hc, Retry: graphauth.RetryOptions{MaxRetries: -1}},
			IMDSEndpoint: "http://127.0.0.1:1/metadata/identity/oauth2/token",
		})
		if err != nil {
			t.Fatal(err)
		}
		defer cred.Close()
		// Two seconds: enough for any answer here, and short enough that an
		// answer IMDS asks to be retried (404, 410) ends with its own error.
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		tok, err := cred.Token(ctx, graphauth.TokenRequest{})
		if err != nil {
			var aerr *graphauth.AuthError
			if !errors.As(err, &aerr) {
				t.Fatalf("not an *AuthError: %T %v", err, err)
			}
			if strings.Contains(err.Error(), goodAccess) {
				t.Fatalf("the error shows the token: %v", err)
			}
			return
		}
		if tok.AccessToken == "" || !tok.ExpiresOn.After(time.Now()) || tok.ExpiresOn.After(time.Now().Add(49*time.Hour)) {
			t.Fatalf("a token with a lifetime that makes no sense: %v", tok)
		}
	})
}

// FuzzCredentialFileThroughCredential writes any content into a watched
// certificate file: the credential keeps serving with the certificate it
// had, whatever the file holds, and never panics.
func FuzzCredentialFileThroughCredential(f *testing.F) {
	srv := graphauthtest.NewServer(nil)
	f.Cleanup(srv.Close)
	good := certPEM(srv.ClientCertificate, srv.ClientKey)
	f.Add(good)
	f.Add(good[:len(good)/2])
	f.Add([]byte("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"))
	f.Add([]byte{0x30, 0x82, 0x01})
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, content []byte) {
		path := filepath.Join(t.TempDir(), "cert.pem")
		if err := os.WriteFile(path, good, 0o600); err != nil {
			t.Fatal(err)
		}
		logs := &syncBuffer{}
		opts := fallbackOpts(srv)
		opts.ReloadInterval = time.Millisecond
		opts.Logger = slog.New(slog.NewTextHandler(logs, nil))
		cred, err := graphauth.NewFallbackCredential(srv.TenantID, srv.ClientID, []graphauth.ClientCredential{graphauth.CertificateFile("c", path, "")}, opts)
		if err != nil {
			t.Fatal(err)
		}
		defer cred.Close()
		if err := os.WriteFile(path, content, 0o600); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(5 * time.Second)
		for logs.count("graphauth") == 0 && string(content) != string(good) && time.Now().Before(deadline) {
			time.Sleep(time.Millisecond)
		}
		if st := cred.Status()[0]; st.Expires.IsZero() {
			t.Fatalf("the credential lost its certificate: %+v", st)
		}
	})
}

// FuzzTokenAnswerThroughFallback feeds any token endpoint answer to a
// FallbackCredential of two credentials: never a panic, an *AuthError
// without either credential's value, and at most two requests per call
// (the next credential once).
func FuzzTokenAnswerThroughFallback(f *testing.F) {
	tokenAnswerSeeds(f)
	srv := graphauthtest.NewServer(nil)
	f.Cleanup(srv.Close)
	f.Fuzz(func(t *testing.T, status int, retryAfter string, body []byte) {
		p := &proxy{answer: fuzzAnswer(status, retryAfter, body), base: srv.Client().Transport}
		opts := fallbackOpts(srv)
		opts.HTTPClient = &http.Client{Transport: p}
		opts.Retry.MaxRetries = -1
		cred, err := graphauth.NewFallbackCredential(srv.TenantID, srv.ClientID, secretAndCertificate(srv), opts)
		if err != nil {
			t.Fatal(err)
		}
		defer cred.Close()
		tok, err := cred.Token(context.Background(), graphauth.TokenRequest{})
		checkOutcome(t, srv, tok, err)
		if n := p.tokens.Load(); n > 2 {
			t.Fatalf("%d token requests for one call", n)
		}
	})
}
