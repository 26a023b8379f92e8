package graphauth_test

import (
	"crypto/sha1" //nolint:gosec // Service Fabric names its certificate by SHA-1 thumbprint
	"encoding/hex"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/entrakit/entrakit/graphauth"
)

// serviceFabric starts an endpoint that answers as Service Fabric's managed
// identity endpoint does: over HTTPS with a self-signed certificate, a
// token for a GET carrying the Secret header, with expires_on a number,
// after answering the first failures requests 503.
// It sets the environment Service Fabric gives a process, naming the
// certificate by thumbprint (the real one unless thumbprint is given).
func serviceFabric(t *testing.T, thumbprint string, failures int32) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var tokens, calls atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		if calls.Add(1) <= failures {
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = io.WriteString(w, `{"error":{"code":"ServiceUnavailable","message":"The service is busy."}}`)
			return
		}
		if r.Header.Get("Secret") != "sf-secret" || r.URL.Query().Get("api-version") == "" {
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = io.WriteString(w, `{"error":{"correlationId":"7f1c2bde-5e5c-4b8c-9c56-2a3e6a0c1d2e","code":"SecretHeaderNotFound","message":"Secret is not found in the request headers."}}`)
			return
		}
		tokens.Add(1)
		exp := strconv.FormatInt(time.Now().Add(time.Hour).Unix(), 10)
		_, _ = io.WriteString(w, `{"token_type":"Bearer","access_token":"redacted","expires_on":`+exp+`,"resource":"https://graph.microsoft.com"}`)
	}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshake of a wrong thumbprint
	srv.StartTLS()
	t.Cleanup(srv.Close)
	if thumbprint == "" {
		sum := sha1.Sum(srv.Certificate().Raw) //nolint:gosec // the thumbprint Service Fabric publishes
		thumbprint = hex.EncodeToString(sum[:])
	}
	for _, k := range []string{"MSI_ENDPOINT", "MSI_SECRET", "IMDS_ENDPOINT"} {
		t.Setenv(k, "")
	}
	t.Setenv("IDENTITY_ENDPOINT", srv.URL+"/metadata/identity/oauth2/token")
	t.Setenv("IDENTITY_HEADER", "sf-secret")
	t.Setenv("IDENTITY_SERVER_THUMBPRINT", thumbprint)
	return srv, &tokens
}

// On Service Fabric MSAL pins the endpoint's certificate in a client it
// derives from the caller's; a credential whose client MSAL could not
// derive from was refused outright, so a managed identity on Service
// Fabric could get no token at all.
func TestServiceFabricManagedIdentityGetsATokenFromThePinnedEndpoint(t *testing.T) {
	_, tokens := serviceFabric(t, "", 0)
	cred, err := graphauth.NewManagedIdentityCredential(&graphauth.ManagedIdentityOptions{Options: graphauth.Options{Retry: graphauth.RetryOptions{MaxRetries: -1}}})
	require.NoError(t, err)
	t.Cleanup(func() { cred.Close() })
	before := time.Now()
	tok, err := cred.Token(t.Context(), graphauth.TokenRequest{})
	require.NoError(t, err)
	assert.Equal(t, "redacted", tok.AccessToken)
	assert.WithinDuration(t, before.Add(time.Hour), tok.ExpiresOn, 5*time.Second)
	_, err = cred.Token(t.Context(), graphauth.TokenRequest{})
	require.NoError(t, err)
	assert.EqualValues(t, 1, tokens.Load(), "the second call is a cache hit")
}

// The derived client keeps the caller's retry policy around it.
func TestServiceFabricManagedIdentityRetriesThroughThePinnedClient(t *testing.T) {
	_, tokens := serviceFabric(t, "", 1)
	cred, err := graphauth.NewManagedIdentityCredential(&graphauth.ManagedIdentityOptions{Options: graphauth.Options{Retry: graphauth.RetryOptions{MaxRetries: 2, MinWait: time.Millisecond, MaxWait: time.Millisecond}}})
	require.NoError(t, err)
	t.Cleanup(func() { cred.Close() })
	_, err = cred.Token(t.Context(), graphauth.TokenRequest{})
	require.NoError(t, err)
	assert.EqualValues(t, 1, tokens.Load())
}

// An endpoint whose certificate is not the one Service Fabric named gets
// no request with the secret, and the caller gets an error.
func TestServiceFabricManagedIdentityRefusesAnotherCertificate(t *testing.T) {
	_, tokens := serviceFabric(t, "00112233445566778899aabbccddeeff00112233", 0)
	cred, err := graphauth.NewManagedIdentityCredential(&graphauth.ManagedIdentityOptions{Options: graphauth.Options{Retry: graphauth.RetryOptions{MaxRetries: -1}}})
	require.NoError(t, err)
	t.Cleanup(func() { cred.Close() })
	_, err = cred.Token(t.Context(), graphauth.TokenRequest{})
	var aerr *graphauth.AuthError
	require.ErrorAs(t, err, &aerr)
	assert.Contains(t, err.Error(), "thumbprint")
	assert.NotContains(t, err.Error(), "sf-secret")
	assert.Zero(t, tokens.Load())
}

// A caller's client whose transport MSAL cannot pin a certificate in is
// refused when the credential is made, not at its first token.
func TestServiceFabricManagedIdentityRefusesAnUnpinnableClient(t *testing.T) {
	serviceFabric(t, "", 0)
	_, err := graphauth.NewManagedIdentityCredential(&graphauth.ManagedIdentityOptions{Options: graphauth.Options{
		HTTPClient: &http.Client{Transport: unpinnable{}}}})
	var cerr *graphauth.ConfigError
	require.ErrorAs(t, err, &cerr)
	assert.Contains(t, err.Error(), "Service Fabric")
}

// unpinnable is a transport that is not an *http.Transport.
type unpinnable struct{}

func (unpinnable) RoundTrip(*http.Request) (*http.Response, error) { return nil, io.EOF }
