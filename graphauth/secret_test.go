package graphauth_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/entrakit/entrakit/graphauth"
	"github.com/entrakit/entrakit/graphauth/graphauthtest"
)

// fakeOpts points a credential at the fake, with retries that wait
// milliseconds rather than seconds.
func fakeOpts(srv *graphauthtest.Server) *graphauth.Options {
	return &graphauth.Options{AuthorityHost: srv.URL, HTTPClient: srv.Client(),
		Retry: graphauth.RetryOptions{MinWait: time.Millisecond, MaxWait: 5 * time.Millisecond}}
}

func secretCred(t *testing.T, srv *graphauthtest.Server, opts *graphauth.Options) *graphauth.ClientSecretCredential {
	t.Helper()
	if opts == nil {
		opts = fakeOpts(srv)
	}
	cred, err := graphauth.NewClientSecretCredential(srv.TenantID, srv.ClientID, graphauth.Secret(srv.Secret), opts)
	require.NoError(t, err)
	return cred
}

func rolesOf(t *testing.T, token string) []string {
	t.Helper()
	claims := jwt.MapClaims{}
	_, _, err := jwt.NewParser().ParseUnverified(token, claims)
	require.NoError(t, err)
	var out []string
	list, _ := claims["roles"].([]any)
	for _, r := range list {
		out = append(out, r.(string))
	}
	return out
}

func TestClientSecretCredentialGetsAndCachesAToken(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	cred := secretCred(t, srv, nil)
	ctx := context.Background()
	tok, err := cred.Token(ctx, graphauth.TokenRequest{})
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{"User.Read.All", "Group.Read.All", "Organization.Read.All"}, rolesOf(t, tok.AccessToken))
	assert.Equal(t, srv.TenantID, tok.TenantID)
	assert.Equal(t, []string{"https://graph.microsoft.com/.default"}, tok.Scopes)
	assert.WithinDuration(t, srv.Now().Add(3599e9), tok.ExpiresOn, 5e9)
	assert.True(t, tok.RefreshOn.Before(tok.ExpiresOn))
	for range 5 {
		again, err := cred.Token(ctx, graphauth.TokenRequest{})
		require.NoError(t, err)
		assert.Equal(t, tok.AccessToken, again.AccessToken)
	}
	assert.Equal(t, 1, srv.Count(graphauthtest.EndpointToken), "one token request; the rest come from the cache")
}

func TestClientSecretCredentialRefusals(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	app, _ := srv.App(srv.ClientID)
	cases := []struct {
		name      string
		tenant    string
		secret    string
		aadsts    int
		code      string
		retryable bool
	}{
		{"wrong secret is refused with AADSTS7000215", srv.TenantID, "wrong-value~abc", 7000215, "invalid_client", false},
		{"unknown tenant is refused with AADSTS90002", "nosuch.onmicrosoft.com", srv.Secret, 90002, "invalid_tenant", false},
		{"an app unknown in the tenant is refused with AADSTS700016", srv.AddTenant(graphauthtest.Tenant{DisplayName: "Other"}).ID, srv.Secret, 700016, "unauthorized_client", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cred, err := graphauth.NewClientSecretCredential(c.tenant, srv.ClientID, graphauth.Secret(c.secret), fakeOpts(srv))
			require.NoError(t, err)
			_, err = cred.Token(context.Background(), graphauth.TokenRequest{})
			var ae *graphauth.AuthError
			require.ErrorAs(t, err, &ae)
			assert.Equal(t, c.code, ae.Code)
			assert.True(t, ae.HasCode(c.aadsts), ae.AADSTS)
			assert.Equal(t, c.retryable, ae.Retryable())
			assert.NotEmpty(t, ae.TraceID)
			assert.NotEmpty(t, ae.CorrelationID)
			assert.False(t, ae.Timestamp.IsZero())
			assert.Contains(t, err.Error(), fmt.Sprintf("(AADSTS%d)", c.aadsts))
			assert.NotContains(t, err.Error(), "\n")
			assert.NotContains(t, err.Error(), c.secret)
		})
	}
	t.Run("the secret's ID is refused before any request", func(t *testing.T) {
		_, err := graphauth.NewClientSecretCredential(srv.TenantID, srv.ClientID, graphauth.Secret(app.Secrets[0].KeyID), fakeOpts(srv))
		var ce *graphauth.ConfigError
		require.ErrorAs(t, err, &ce)
		assert.Contains(t, ce.Reason, "secret's ID")
	})
	t.Run("an expired secret is refused with AADSTS7000222", func(t *testing.T) {
		srv := graphauthtest.NewServer(nil)
		defer srv.Close()
		srv.Advance(3 * 365 * 24 * 3600e9)
		_, err := secretCred(t, srv, nil).Token(context.Background(), graphauth.TokenRequest{})
		var ae *graphauth.AuthError
		require.ErrorAs(t, err, &ae)
		assert.True(t, ae.HasCode(7000222))
	})
}

func TestConstructorsRefuseMalformedInput(t *testing.T) {
	t.Parallel()
	good := "11111111-2222-3333-4444-555555555555"
	cases := []struct {
		name, tenant, client, secret string
		opts                         *graphauth.Options
		field                        string
	}{
		{"empty tenant", "", good, "s~x", nil, "TenantID"},
		{"common tenant", "common", good, "s~x", nil, "TenantID"},
		{"tenant with a slash", "contoso/evil", good, "s~x", nil, "TenantID"},
		{"client not a GUID", good, "my-app", "s~x", nil, "ClientID"},
		{"empty secret", good, good, "", nil, "ClientSecret"},
		{"secret with a trailing newline", good, good, "abc~def\n", nil, "ClientSecret"},
		{"http authority", good, good, "s~x", &graphauth.Options{AuthorityHost: "http://login.example.com"}, "AuthorityHost"},
		{"authority with a path", good, good, "s~x", &graphauth.Options{AuthorityHost: "https://login.example.com/tenant"}, "AuthorityHost"},
		{"allow-list entry malformed", good, good, "s~x", &graphauth.Options{AllowedTenants: []string{"not a tenant"}}, "AllowedTenants"},
		{"refresh share out of range", good, good, "s~x", &graphauth.Options{RefreshShare: 1.5}, "RefreshShare"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := graphauth.NewClientSecretCredential(c.tenant, c.client, graphauth.Secret(c.secret), c.opts)
			var ce *graphauth.ConfigError
			require.ErrorAs(t, err, &ce)
			assert.Equal(t, c.field, ce.Field)
		})
	}
}

func TestTenantAllowList(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	customer := srv.AddTenant(graphauthtest.Tenant{DisplayName: "Customer"})
	srv.GrantAppRoles(customer.ID, srv.ClientID, "User.Read.All")
	opts := fakeOpts(srv)
	opts.AllowedTenants = []string{customer.ID}
	cred := secretCred(t, srv, opts)
	tok, err := cred.Token(context.Background(), graphauth.TokenRequest{TenantID: customer.ID})
	require.NoError(t, err)
	assert.Equal(t, customer.ID, tok.TenantID)
	assert.Equal(t, []string{"User.Read.All"}, rolesOf(t, tok.AccessToken))

	srv.ResetLog()
	_, err = cred.Token(context.Background(), graphauth.TokenRequest{TenantID: "99999999-9999-9999-9999-999999999999"})
	assert.ErrorIs(t, err, graphauth.ErrTenantNotAllowed)
	assert.Zero(t, srv.Count(""), "refused before any request")

	opts.AllowedTenants = []string{"*"}
	anyCred := secretCred(t, srv, opts)
	_, err = anyCred.Token(context.Background(), graphauth.TokenRequest{TenantID: customer.Domain})
	assert.NoError(t, err)
}

func TestLogsNeverHoldSecrets(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	var buf bytes.Buffer
	opts := fakeOpts(srv)
	opts.Logger = slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	cred := secretCred(t, srv, opts)
	tok, err := cred.Token(context.Background(), graphauth.TokenRequest{})
	require.NoError(t, err)
	bad, err := graphauth.NewClientSecretCredential(srv.TenantID, srv.ClientID, "wrong~secret-value", opts)
	require.NoError(t, err)
	_, err = bad.Token(context.Background(), graphauth.TokenRequest{})
	require.Error(t, err)
	logs := buf.String()
	assert.Contains(t, logs, "token acquired")
	assert.Contains(t, logs, "token request failed")
	assert.Contains(t, logs, "AADSTS7000215")
	for _, secret := range []string{srv.Secret, "wrong~secret-value", tok.AccessToken} {
		assert.NotContains(t, logs, secret)
		assert.NotContains(t, err.Error(), secret)
	}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q"} {
		assert.NotContains(t, fmt.Sprintf(verb, tok), tok.AccessToken, verb)
		assert.NotContains(t, fmt.Sprintf(verb, graphauth.Secret(srv.Secret)), srv.Secret, verb)
		assert.NotContains(t, fmt.Sprintf(verb, graphauth.Config{ClientSecret: graphauth.Secret(srv.Secret)}), srv.Secret, verb)
		assert.NotContains(t, fmt.Sprintf(verb, cred), srv.Secret, verb)
	}
}
