package graphauth_test

import (
	"bytes"
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/entrakit/entrakit/graphauth"
	"github.com/entrakit/entrakit/graphauth/graphauthtest"
)

func fallbackOpts(srv *graphauthtest.Server) *graphauth.FallbackOptions {
	return &graphauth.FallbackOptions{CertificateOptions: graphauth.CertificateOptions{Options: *fakeOpts(srv)}}
}

// secretAndCertificate is the default app's two credentials, secret first.
func secretAndCertificate(srv *graphauthtest.Server) []graphauth.ClientCredential {
	return []graphauth.ClientCredential{
		graphauth.SecretValue("secret", graphauth.Secret(srv.Secret)),
		graphauth.Certificate("certificate", []*x509.Certificate{srv.ClientCertificate}, srv.ClientKey),
	}
}

func TestFallbackMovesToTheNextCredentialOnEachCredentialRefusal(t *testing.T) {
	t.Parallel()
	for _, code := range []int{7000215, 7000222, 700027, 700024, 7000214, 1000502, 7000274, 7000277} {
		t.Run("AADSTS"+strconv.Itoa(code), func(t *testing.T) {
			t.Parallel()
			srv := graphauthtest.NewServer(nil)
			defer srv.Close()
			var logs bytes.Buffer
			opts := fallbackOpts(srv)
			opts.Logger = slog.New(slog.NewTextHandler(&logs, nil))
			cred, err := graphauth.NewFallbackCredential(srv.TenantID, srv.ClientID, secretAndCertificate(srv), opts)
			require.NoError(t, err)
			defer cred.Close()
			srv.InjectFault(graphauthtest.Fault{Endpoint: graphauthtest.EndpointToken, Status: 401, Error: "invalid_client", AADSTS: code})

			tok, err := cred.Token(context.Background(), graphauth.TokenRequest{})
			require.NoError(t, err)
			assert.NotEmpty(t, tok.AccessToken)
			assert.Equal(t, "certificate", cred.Active(), "the outcome says which credential served")
			assert.Equal(t, "certificate", tok.CredentialName, "and so does the token")
			assert.Contains(t, tok.String(), `CredentialName: "certificate"`)
			assert.Equal(t, 2, srv.Count(graphauthtest.EndpointToken), "the next credential is tried once")
			assert.Contains(t, logs.String(), "trying the next one")
			assert.NotContains(t, logs.String(), srv.Secret)

			_, err = cred.Token(context.Background(), graphauth.TokenRequest{Fresh: true})
			require.NoError(t, err)
			assert.Equal(t, 3, srv.Count(graphauthtest.EndpointToken), "the credential that served keeps serving")
		})
	}
}

func TestFallbackAfterTheRealPlatformRefusesAWrongSecret(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	creds := secretAndCertificate(srv)
	creds[0] = graphauth.SecretValue("old secret", "an~old~secret~that~was~removed")
	cred, err := graphauth.NewFallbackCredential(srv.TenantID, srv.ClientID, creds, fallbackOpts(srv))
	require.NoError(t, err)
	defer cred.Close()
	_, err = cred.Token(context.Background(), graphauth.TokenRequest{})
	require.NoError(t, err)
	assert.Equal(t, "certificate", cred.Active())
	st := cred.Status()
	require.Len(t, st, 2)
	assert.False(t, st[0].Active)
	assert.True(t, st[1].Active)
	assert.Equal(t, srv.ClientCertificate.NotAfter, st[1].Expires)
}

func TestFallbackDoesNotRetryRefusalsNoCredentialCanFix(t *testing.T) {
	t.Parallel()
	for name, fault := range map[string]graphauthtest.Fault{
		"tenant not found (AADSTS90002)":        {Status: 400, Error: "invalid_request", AADSTS: 90002},
		"app not in tenant (AADSTS700016)":      {Status: 400, Error: "unauthorized_client", AADSTS: 700016},
		"consent missing (AADSTS65001)":         {Status: 400, Error: "invalid_grant", AADSTS: 65001},
		"throttled (429)":                       {Status: 429, RetryAfter: "120"},
		"resource not in tenant (AADSTS500011)": {Status: 400, Error: "invalid_resource", AADSTS: 500011},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			srv := graphauthtest.NewServer(nil)
			defer srv.Close()
			opts := fallbackOpts(srv)
			opts.Retry.MaxRetries = -1
			cred, err := graphauth.NewFallbackCredential(srv.TenantID, srv.ClientID, secretAndCertificate(srv), opts)
			require.NoError(t, err)
			defer cred.Close()
			fault.Endpoint = graphauthtest.EndpointToken
			srv.InjectFault(fault)
			_, err = cred.Token(context.Background(), graphauth.TokenRequest{})
			var aerr *graphauth.AuthError
			require.True(t, errors.As(err, &aerr), "got %v", err)
			assert.False(t, graphauth.IsCredentialRefusal(err))
			assert.Equal(t, 1, srv.Count(graphauthtest.EndpointToken))
			assert.Equal(t, "secret", cred.Active())
		})
	}
}

func TestFallbackReturnsTheLastRefusalWhenEveryCredentialIsRefused(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	cred, err := graphauth.NewFallbackCredential(srv.TenantID, srv.ClientID, secretAndCertificate(srv), fallbackOpts(srv))
	require.NoError(t, err)
	defer cred.Close()
	srv.InjectFault(graphauthtest.Fault{Endpoint: graphauthtest.EndpointToken, Status: 401, Error: "invalid_client", AADSTS: 7000215})
	srv.InjectFault(graphauthtest.Fault{Endpoint: graphauthtest.EndpointToken, Status: 401, Error: "invalid_client", AADSTS: 700027})
	_, err = cred.Token(context.Background(), graphauth.TokenRequest{})
	var aerr *graphauth.AuthError
	require.True(t, errors.As(err, &aerr), "got %v", err)
	assert.True(t, aerr.HasCode(700027))
	assert.Equal(t, 2, srv.Count(graphauthtest.EndpointToken), "each credential once, no more")
	assert.Equal(t, "secret", cred.Active())
}

func TestFallbackWrapsAroundFromTheLastCredential(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	cred, err := graphauth.NewFallbackCredential(srv.TenantID, srv.ClientID, secretAndCertificate(srv), fallbackOpts(srv))
	require.NoError(t, err)
	defer cred.Close()
	refuse := graphauthtest.Fault{Endpoint: graphauthtest.EndpointToken, Status: 401, Error: "invalid_client", AADSTS: 7000222}
	srv.InjectFault(refuse)
	_, err = cred.Token(context.Background(), graphauth.TokenRequest{})
	require.NoError(t, err)
	require.Equal(t, "certificate", cred.Active())
	srv.InjectFault(refuse)
	_, err = cred.Token(context.Background(), graphauth.TokenRequest{Fresh: true})
	require.NoError(t, err)
	assert.Equal(t, "secret", cred.Active())
}

func TestFallbackMovesOnWhenAnAssertionSourceFails(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	broken := func(context.Context) (string, error) { return "", errors.New("token file is gone") }
	creds := []graphauth.ClientCredential{graphauth.Assertion("workload identity", broken), graphauth.SecretValue("secret", graphauth.Secret(srv.Secret))}
	cred, err := graphauth.NewFallbackCredential(srv.TenantID, srv.ClientID, creds, fallbackOpts(srv))
	require.NoError(t, err)
	defer cred.Close()
	_, err = cred.Token(context.Background(), graphauth.TokenRequest{})
	require.NoError(t, err)
	assert.Equal(t, "secret", cred.Active())
	assert.Equal(t, 1, srv.Count(graphauthtest.EndpointToken), "an assertion that could not be made is never sent")
}

func TestFallbackBadInputIsAConfigError(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	t.Cleanup(srv.Close) // the subtests run after this function returns
	good := graphauth.SecretValue("a", graphauth.Secret(srv.Secret))
	for name, creds := range map[string][]graphauth.ClientCredential{
		"no credentials":            nil,
		"a zero credential":         {{}},
		"no name":                   {graphauth.SecretValue(" ", "x~y")},
		"a name twice":              {good, good},
		"an empty secret":           {graphauth.SecretValue("s", "")},
		"a secret ID for a secret":  {graphauth.SecretValue("s", "11111111-2222-3333-4444-555555555555")},
		"a certificate without key": {graphauth.Certificate("c", []*x509.Certificate{srv.ClientCertificate}, nil)},
		"a nil assertion source":    {graphauth.Assertion("a", nil)},
		"a missing secret file":     {graphauth.SecretFile("f", "/nonexistent/secret")},
		"a missing certificate":     {graphauth.CertificateFile("f", "/nonexistent/cert.pem", "")},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			_, err := graphauth.NewFallbackCredential(srv.TenantID, srv.ClientID, creds, fallbackOpts(srv))
			var cerr *graphauth.ConfigError
			require.True(t, errors.As(err, &cerr), "got %v", err)
			assert.NotContains(t, err.Error(), srv.Secret)
		})
	}
	_, err := graphauth.NewFallbackCredential("not a tenant", srv.ClientID, []graphauth.ClientCredential{good}, nil)
	var cerr *graphauth.ConfigError
	assert.True(t, errors.As(err, &cerr))
	_, err = graphauth.NewFallbackCredential(srv.TenantID, srv.ClientID, []graphauth.ClientCredential{good}, &graphauth.FallbackOptions{ReloadInterval: -1})
	assert.True(t, errors.As(err, &cerr))
}

func TestFallbackPrintsNoSecret(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	creds := secretAndCertificate(srv)
	cred, err := graphauth.NewFallbackCredential(srv.TenantID, srv.ClientID, creds, fallbackOpts(srv))
	require.NoError(t, err)
	defer cred.Close()
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x"} {
		out := fmt.Sprintf(verb, creds) + fmt.Sprintf(verb, cred) + fmt.Sprintf(verb, cred.Status())
		assert.NotContains(t, out, srv.Secret)
		assert.NotContains(t, out, fmt.Sprintf("%x", srv.Secret))
	}
}

func TestSecretlessMultiTenantAppGetsTokensInTwoTenants(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	customer := srv.AddTenant(graphauthtest.Tenant{DisplayName: "Fabrikam"})
	app := srv.AddApp(graphauthtest.App{DisplayName: "MSP tool", MultiTenant: true})
	srv.GrantAppRoles(srv.TenantID, app.ClientID, "User.Read.All")
	srv.AddServicePrincipal(customer.ID, app.ClientID)
	srv.GrantAppRoles(customer.ID, app.ClientID, "User.Read.All")
	mi := srv.AddManagedIdentity(graphauthtest.ManagedIdentity{SystemAssigned: true})
	srv.TrustManagedIdentity(app.ClientID, mi)

	opts := fallbackOpts(srv)
	opts.AllowedTenants = []string{"*"}
	creds := []graphauth.ClientCredential{graphauth.ManagedIdentityAssertion("managed identity", &graphauth.ManagedIdentityOptions{IMDSEndpoint: srv.URL + graphauthtest.IMDSPath})}
	cred, err := graphauth.NewFallbackCredential(srv.TenantID, app.ClientID, creds, opts)
	require.NoError(t, err)
	defer cred.Close()
	for _, tenant := range []string{srv.TenantID, customer.ID} {
		tok, err := cred.Token(context.Background(), graphauth.TokenRequest{TenantID: tenant})
		require.NoError(t, err, tenant)
		claims := claimsOf(t, tok.AccessToken)
		assert.Equal(t, tenant, claims["tid"])
		assert.Equal(t, app.ClientID, claims["appid"])
		assert.Equal(t, []string{"User.Read.All"}, rolesOf(t, tok.AccessToken))
	}
	assert.Equal(t, 1, srv.Count(graphauthtest.EndpointManagedIdentity), "the identity's token is cached and serves both tenants")
}

func TestFederatedAssertionFromAnUntrustedIdentityIsRefused(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	trusted := srv.AddManagedIdentity(graphauthtest.ManagedIdentity{})
	other := srv.AddManagedIdentity(graphauthtest.ManagedIdentity{})
	srv.TrustManagedIdentity(srv.ClientID, trusted)
	creds := []graphauth.ClientCredential{graphauth.ManagedIdentityAssertion("mi", &graphauth.ManagedIdentityOptions{
		ClientID: other.ClientID, IMDSEndpoint: srv.URL + graphauthtest.IMDSPath})}
	cred, err := graphauth.NewFallbackCredential(srv.TenantID, srv.ClientID, creds, fallbackOpts(srv))
	require.NoError(t, err)
	defer cred.Close()
	_, err = cred.Token(context.Background(), graphauth.TokenRequest{})
	var aerr *graphauth.AuthError
	require.True(t, errors.As(err, &aerr), "got %v", err)
	assert.True(t, aerr.HasCode(70021), "no federated credential matches subject %s: %v", other.ObjectID, err)
}

func TestFallbackLeavesOutACredentialThatCannotBeUsedNow(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	key, expired := graphauthtest.NewCertificate("expired", srv.Now().AddDate(-2, 0, 0))
	var logs bytes.Buffer
	opts := fallbackOpts(srv)
	opts.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	cred, err := graphauth.NewFallbackCredential(srv.TenantID, srv.ClientID, []graphauth.ClientCredential{
		graphauth.Certificate("expired certificate", []*x509.Certificate{expired}, key),
		graphauth.SecretFile("missing file", "/nonexistent/secret"),
		graphauth.SecretValue("secret", graphauth.Secret(srv.Secret)),
	}, opts)
	require.NoError(t, err)
	defer cred.Close()
	assert.Equal(t, "secret", cred.Active())
	require.Len(t, cred.Status(), 2, "the file stays, watched")
	assert.Equal(t, "missing file", cred.Status()[0].Name)
	assert.False(t, cred.Status()[0].Active)
	assert.Equal(t, 1, strings.Count(logs.String(), "credential not usable; left out"))
	assert.Equal(t, 1, strings.Count(logs.String(), "credential file not usable yet; watching it"))
	_, err = cred.Token(context.Background(), graphauth.TokenRequest{})
	require.NoError(t, err)
}

func TestFallbackUnderConcurrentCallersSwitchesOnce(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	creds := secretAndCertificate(srv)
	creds[0] = graphauth.SecretValue("old secret", "an~old~secret~that~was~removed")
	cred, err := graphauth.NewFallbackCredential(srv.TenantID, srv.ClientID, creds, fallbackOpts(srv))
	require.NoError(t, err)
	defer cred.Close()
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for i := range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := cred.Token(context.Background(), graphauth.TokenRequest{Fresh: i%2 == 0})
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	assert.Equal(t, "certificate", cred.Active())
	refusals := 0
	for _, r := range srv.Requests() {
		if r.AADSTS == 7000215 {
			refusals++
		}
	}
	assert.LessOrEqual(t, refusals, 2, "once switched, the refused secret is not sent again")
}

func TestAForgedManagedIdentityTokenIsRefused(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	mi := srv.AddManagedIdentity(graphauthtest.ManagedIdentity{SystemAssigned: true})
	fic := srv.TrustManagedIdentity(srv.ClientID, mi)
	forger, _ := graphauthtest.NewCertificate("forger", srv.Now())
	forged := func(context.Context) (string, error) {
		now := time.Now()
		tok := jwt.NewWithClaims(jwt.SigningMethodRS256, jwt.MapClaims{"iss": fic.Issuer, "sub": mi.ObjectID,
			"aud": "fb60f99c-7a34-4190-8149-302f77469936", "iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(time.Hour).Unix()})
		return tok.SignedString(forger)
	}
	cred, err := graphauth.NewFallbackCredential(srv.TenantID, srv.ClientID, []graphauth.ClientCredential{graphauth.Assertion("forged", forged)}, fallbackOpts(srv))
	require.NoError(t, err)
	defer cred.Close()
	_, err = cred.Token(context.Background(), graphauth.TokenRequest{})
	var aerr *graphauth.AuthError
	require.True(t, errors.As(err, &aerr), "got %v", err)
	assert.True(t, aerr.HasCode(700027), "the signature does not verify: %v", err)
}

// Two dead credentials ahead of a good one: a secret that was removed and a
// secret that expired. Each is tried once and the third serves, for this
// request and the ones after it; the product is not down while one of its
// credentials works.
func TestFallbackReachesTheThirdCredentialWhenTheFirstTwoAreRefused(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	creds := []graphauth.ClientCredential{
		graphauth.SecretValue("removed secret", "a~removed~secret~that~no~longer~works"),
		graphauth.SecretValue("expired secret", "an~expired~secret~that~no~longer~works"),
		graphauth.Certificate("certificate", []*x509.Certificate{srv.ClientCertificate}, srv.ClientKey),
	}
	cred, err := graphauth.NewFallbackCredential(srv.TenantID, srv.ClientID, creds, fallbackOpts(srv))
	require.NoError(t, err)
	defer cred.Close()
	tok, err := cred.Token(context.Background(), graphauth.TokenRequest{})
	require.NoError(t, err)
	assert.Equal(t, "certificate", tok.CredentialName)
	assert.Equal(t, "certificate", cred.Active())
	assert.Equal(t, 3, srv.Count(graphauthtest.EndpointToken), "each credential once")

	_, err = cred.Token(context.Background(), graphauth.TokenRequest{Fresh: true})
	require.NoError(t, err)
	assert.Equal(t, 4, srv.Count(graphauthtest.EndpointToken), "the credential that served keeps serving")
}

// When every credential is refused, the error says what the platform said,
// not that a watched file further down the list is not there yet.
func TestFallbackReportsThePlatformsRefusalOverAMissingFile(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	creds := []graphauth.ClientCredential{
		graphauth.SecretValue("removed secret", "a~removed~secret~that~no~longer~works"),
		graphauth.CertificateFile("not yet written", "/nonexistent/cert.pem", ""),
	}
	cred, err := graphauth.NewFallbackCredential(srv.TenantID, srv.ClientID, creds, fallbackOpts(srv))
	require.NoError(t, err)
	defer cred.Close()
	_, err = cred.Token(context.Background(), graphauth.TokenRequest{})
	var aerr *graphauth.AuthError
	require.True(t, errors.As(err, &aerr), "got %v", err)
	assert.True(t, aerr.HasCode(7000215), "got %v", err)
	assert.Equal(t, "removed secret", cred.Active())
}

// A managed identity assertion first, a secret after it: off Azure (IMDS
// unreachable) or with an identity not assigned to the resource (IMDS
// answers 400), the managed identity cannot give its token, and the
// secret serves. Before, the managed identity's own error was taken for
// the platform's answer and came back, with no fallback.
func TestFallbackMovesOnWhenTheManagedIdentityCannotGiveItsToken(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	srv.AddManagedIdentity(graphauthtest.ManagedIdentity{SystemAssigned: true})
	for name, mi := range map[string]*graphauth.ManagedIdentityOptions{
		"identity not assigned": {ClientID: "00000000-0000-0000-0000-00000000abcd", IMDSEndpoint: srv.URL + graphauthtest.IMDSPath},
		"IMDS unreachable":      {IMDSEndpoint: "http://127.0.0.1:1" + graphauthtest.IMDSPath},
	} {
		t.Run(name, func(t *testing.T) {
			creds := []graphauth.ClientCredential{
				graphauth.ManagedIdentityAssertion("managed identity", mi),
				graphauth.SecretValue("secret", graphauth.Secret(srv.Secret)),
			}
			cred, err := graphauth.NewFallbackCredential(srv.TenantID, srv.ClientID, creds, fallbackOpts(srv))
			require.NoError(t, err)
			defer cred.Close()
			tok, err := cred.Token(context.Background(), graphauth.TokenRequest{})
			require.NoError(t, err)
			assert.Equal(t, "secret", tok.CredentialName)
			assert.Equal(t, "secret", cred.Active())
		})
	}
}

// The secretless app on a clock that moves (the fake platform's): once the
// managed identity's token has expired by that clock, a new one is the
// assertion, not the cached one the platform refuses as expired.
func TestSecretlessAppAfterTheManagedIdentityTokenExpired(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	app := srv.AddApp(graphauthtest.App{DisplayName: "MSP tool", MultiTenant: true})
	srv.GrantAppRoles(srv.TenantID, app.ClientID, "User.Read.All")
	mi := srv.AddManagedIdentity(graphauthtest.ManagedIdentity{SystemAssigned: true})
	srv.TrustManagedIdentity(app.ClientID, mi)
	opts := fallbackOpts(srv)
	opts.Clock = srv.Clock()
	creds := []graphauth.ClientCredential{graphauth.ManagedIdentityAssertion("managed identity", &graphauth.ManagedIdentityOptions{IMDSEndpoint: srv.URL + graphauthtest.IMDSPath})}
	cred, err := graphauth.NewFallbackCredential(srv.TenantID, app.ClientID, creds, opts)
	require.NoError(t, err)
	defer cred.Close()
	_, err = cred.Token(context.Background(), graphauth.TokenRequest{})
	require.NoError(t, err)
	srv.Advance(3 * time.Hour)
	_, err = cred.Token(context.Background(), graphauth.TokenRequest{})
	require.NoError(t, err)
	assert.Equal(t, 2, srv.Count(graphauthtest.EndpointManagedIdentity), "a new identity token for the new assertion")
}
