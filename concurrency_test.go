package entrakit_test

import (
	"context"
	"crypto/x509"
	"fmt"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/entrakit/entrakit/graphauth"
	"github.com/entrakit/entrakit/graphauth/graphauthtest"
)

// 1,000 goroutines across the flows (secret and certificate credentials in
// ten tenants, a signed-in user's tokens) against a fake platform that
// fails: while the token endpoint is down, every caller still gets the
// valid token it had; while it fails intermittently, retries absorb it.
func TestThousandGoroutinesAgainstAFailingPlatform(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	var tenants []string
	for i := range 10 {
		tn := srv.AddTenant(graphauthtest.Tenant{DisplayName: fmt.Sprintf("Load%d", i)})
		srv.GrantAppRoles(tn.ID, srv.ClientID, "User.Read.All")
		tenants = append(tenants, tn.ID)
	}
	opts := graphauth.Options{AuthorityHost: srv.URL, HTTPClient: srv.Client(), AllowedTenants: []string{"*"},
		Retry: graphauth.RetryOptions{MaxRetries: 6, MinWait: time.Millisecond, MaxWait: 5 * time.Millisecond}}
	secretCred, err := graphauth.NewClientSecretCredential(srv.TenantID, srv.ClientID, graphauth.Secret(srv.Secret), &opts)
	require.NoError(t, err)
	certCred, err := graphauth.NewCertificateCredential(srv.TenantID, srv.ClientID, []*x509.Certificate{srv.ClientCertificate}, srv.ClientKey,
		&graphauth.CertificateOptions{Options: opts})
	require.NoError(t, err)
	s, err := graphauth.NewSignIn(srv.TenantID, srv.ClientID, graphauth.ClientAuth{Secret: graphauth.Secret(srv.Secret)},
		&graphauth.SignInOptions{Options: opts, RedirectURI: "http://localhost/callback"})
	require.NoError(t, err)
	authURL, pending, err := s.AuthCodeURL(graphauth.AuthRequest{})
	require.NoError(t, err)
	resp, err := srv.Client().Get(authURL)
	require.NoError(t, err)
	resp.Body.Close()
	back, _ := url.Parse(resp.Header.Get("Location"))
	user, err := s.Complete(context.Background(), pending, back.Query())
	require.NoError(t, err)

	type flow func(ctx context.Context, i int) (string, error)
	flows := []flow{
		func(ctx context.Context, i int) (string, error) {
			tok, err := secretCred.Token(ctx, graphauth.TokenRequest{TenantID: tenants[i%len(tenants)]})
			return tok.AccessToken, err
		},
		func(ctx context.Context, i int) (string, error) {
			tok, err := certCred.Token(ctx, graphauth.TokenRequest{TenantID: tenants[i%len(tenants)]})
			return tok.AccessToken, err
		},
		func(ctx context.Context, _ int) (string, error) {
			tok, err := s.Token(ctx, user.AccountID, nil)
			return tok.AccessToken, err
		},
	}
	warm := map[string]string{}
	key := func(f, i int) string {
		if f == 2 {
			return "user"
		}
		return fmt.Sprint(f, tenants[i%len(tenants)])
	}
	for f, fl := range flows {
		for i := range tenants {
			tok, err := fl(context.Background(), i)
			require.NoError(t, err)
			warm[key(f, i)] = tok
		}
	}

	rush := func(check func(f, i int, tok string, err error)) {
		var wg sync.WaitGroup
		start := make(chan struct{})
		for g := range 1000 {
			wg.Go(func() {
				<-start
				f := g % len(flows)
				tok, err := flows[f](context.Background(), g)
				check(f, g, tok, err)
			})
		}
		close(start)
		wg.Wait()
	}

	srv.InjectFault(graphauthtest.Fault{Endpoint: graphauthtest.EndpointToken, Status: 503, Times: -1})
	before := srv.Count(graphauthtest.EndpointToken)
	rush(func(f, i int, tok string, err error) {
		assert.NoError(t, err)
		assert.Equal(t, warm[key(f, i)], tok, "the valid cached token, not a lost one")
	})
	assert.Equal(t, before, srv.Count(graphauthtest.EndpointToken), "with valid tokens cached nothing was sent")
	srv.ClearFaults()

	// A new credential starts cold in the ten tenants while the platform
	// fails its next six answers (503s and 429s): fewer than the retries
	// one request may make, so no caller may see an error, and one request
	// per tenant gets through.
	cold, err := graphauth.NewClientSecretCredential(srv.TenantID, srv.ClientID, graphauth.Secret(srv.Secret), &opts)
	require.NoError(t, err)
	srv.InjectFault(graphauthtest.Fault{Endpoint: graphauthtest.EndpointToken, Status: 503, Times: 3})
	srv.InjectFault(graphauthtest.Fault{Endpoint: graphauthtest.EndpointToken, Status: 429, RetryAfter: "0", Times: 3})
	srv.ResetLog()
	flows[0] = func(ctx context.Context, i int) (string, error) {
		tok, err := cold.Token(ctx, graphauth.TokenRequest{TenantID: tenants[i%len(tenants)]})
		return tok.AccessToken, err
	}
	rush(func(_, _ int, tok string, err error) {
		assert.NoError(t, err)
		assert.NotEmpty(t, tok)
	})
	assert.Equal(t, len(tenants)+6, srv.Count(graphauthtest.EndpointToken), "one request per tenant, plus the six that failed")
}
