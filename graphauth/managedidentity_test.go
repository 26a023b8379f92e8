package graphauth_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/entrakit/entrakit/graphauth"
	"github.com/entrakit/entrakit/graphauth/graphauthtest"
)

// miOpts points a managed identity credential at the fake's IMDS.
func miOpts(srv *graphauthtest.Server) *graphauth.ManagedIdentityOptions {
	return &graphauth.ManagedIdentityOptions{Options: *fakeOpts(srv), IMDSEndpoint: srv.URL + graphauthtest.IMDSPath}
}

func TestManagedIdentityThroughIMDSGetsAndCachesAToken(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	mi := srv.AddManagedIdentity(graphauthtest.ManagedIdentity{SystemAssigned: true})
	cred, err := graphauth.NewManagedIdentityCredential(miOpts(srv))
	require.NoError(t, err)
	defer cred.Close()

	tok, err := cred.Token(context.Background(), graphauth.TokenRequest{})
	require.NoError(t, err)
	claims := claimsOf(t, tok.AccessToken)
	assert.Equal(t, mi.ObjectID, claims["oid"])
	assert.Equal(t, mi.ClientID, claims["appid"], "a v1.0 token names its client appid")
	assert.Equal(t, "https://graph.microsoft.com", claims["aud"])
	assert.WithinDuration(t, srv.Now().Add(3599*time.Second), tok.ExpiresOn, 5*time.Second)

	again, err := cred.Token(context.Background(), graphauth.TokenRequest{})
	require.NoError(t, err)
	assert.Equal(t, tok.AccessToken, again.AccessToken)
	assert.Equal(t, 1, srv.Count(graphauthtest.EndpointManagedIdentity), "the second call is served from the cache")

	fresh, err := cred.Token(context.Background(), graphauth.TokenRequest{Fresh: true})
	require.NoError(t, err)
	assert.NotEqual(t, tok.AccessToken, fresh.AccessToken, "Fresh reaches the endpoint, not MSAL's process-wide cache")
	assert.Equal(t, 2, srv.Count(graphauthtest.EndpointManagedIdentity))
}

func TestManagedIdentitySelectsAUserAssignedIdentity(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	srv.AddManagedIdentity(graphauthtest.ManagedIdentity{SystemAssigned: true})
	mi := srv.AddManagedIdentity(graphauthtest.ManagedIdentity{})
	for name, sel := range map[string]func(*graphauth.ManagedIdentityOptions){
		"by client ID":   func(o *graphauth.ManagedIdentityOptions) { o.ClientID = mi.ClientID },
		"by object ID":   func(o *graphauth.ManagedIdentityOptions) { o.ObjectID = mi.ObjectID },
		"by resource ID": func(o *graphauth.ManagedIdentityOptions) { o.ResourceID = mi.ResourceID },
	} {
		t.Run(name, func(t *testing.T) {
			o := miOpts(srv)
			sel(o)
			cred, err := graphauth.NewManagedIdentityCredential(o)
			require.NoError(t, err)
			defer cred.Close()
			tok, err := cred.Token(context.Background(), graphauth.TokenRequest{Scopes: []string{"https://graph.microsoft.com/.default"}})
			require.NoError(t, err)
			assert.Equal(t, mi.ObjectID, claimsOf(t, tok.AccessToken)["oid"])
		})
	}
}

func TestManagedIdentityRefusalsAreTypedErrors(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	srv.AddManagedIdentity(graphauthtest.ManagedIdentity{SystemAssigned: true})
	cases := []struct {
		name   string
		opts   func(*graphauth.ManagedIdentityOptions)
		scopes []string
		code   string
		status int
	}{
		{"an identity the resource does not have", func(o *graphauth.ManagedIdentityOptions) { o.ClientID = "11111111-2222-3333-4444-555555555555" }, nil, "invalid_request", 400},
		{"a resource the tenant does not know", nil, []string{"https://unknown.example.com/.default"}, "invalid_resource", 400},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			o := miOpts(srv)
			if tc.opts != nil {
				tc.opts(o)
			}
			cred, err := graphauth.NewManagedIdentityCredential(o)
			require.NoError(t, err)
			defer cred.Close()
			_, err = cred.Token(context.Background(), graphauth.TokenRequest{Scopes: tc.scopes})
			var aerr *graphauth.AuthError
			require.True(t, errors.As(err, &aerr), "got %v", err)
			assert.Equal(t, tc.code, aerr.Code)
			assert.Equal(t, tc.status, aerr.StatusCode)
			assert.NotContains(t, err.Error(), "eyJ")
		})
	}
}

func TestManagedIdentityRetriesTheEndpointsTransientFailures(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	srv.AddManagedIdentity(graphauthtest.ManagedIdentity{SystemAssigned: true})
	srv.InjectFault(graphauthtest.Fault{Endpoint: graphauthtest.EndpointManagedIdentity, Status: 503, Times: 2})
	cred, err := graphauth.NewManagedIdentityCredential(miOpts(srv))
	require.NoError(t, err)
	defer cred.Close()
	_, err = cred.Token(context.Background(), graphauth.TokenRequest{})
	require.NoError(t, err)
	assert.Equal(t, 3, srv.Count(graphauthtest.EndpointManagedIdentity))
}

func TestManagedIdentityMangledAnswersAreUnexpectedResponses(t *testing.T) {
	t.Parallel()
	for _, body := range []graphauthtest.FaultBody{graphauthtest.BodyHTML, graphauthtest.BodyMalformedJSON, graphauthtest.BodyEmpty, graphauthtest.BodyTruncatedJSON} {
		t.Run(fmt.Sprint(body), func(t *testing.T) {
			t.Parallel()
			srv := graphauthtest.NewServer(nil)
			defer srv.Close()
			srv.AddManagedIdentity(graphauthtest.ManagedIdentity{SystemAssigned: true})
			srv.InjectFault(graphauthtest.Fault{Endpoint: graphauthtest.EndpointManagedIdentity, Status: 200, Body: body})
			cred, err := graphauth.NewManagedIdentityCredential(miOpts(srv))
			require.NoError(t, err)
			defer cred.Close()
			_, err = cred.Token(context.Background(), graphauth.TokenRequest{})
			var aerr *graphauth.AuthError
			require.True(t, errors.As(err, &aerr), "got %v", err)
		})
	}
}

func TestManagedIdentityBadInputIsAConfigError(t *testing.T) {
	t.Parallel()
	for name, o := range map[string]graphauth.ManagedIdentityOptions{
		"two identities":            {ClientID: "11111111-2222-3333-4444-555555555555", ObjectID: "11111111-2222-3333-4444-555555555555"},
		"a client ID that is not":   {ClientID: "not-a-guid"},
		"an object ID that is not":  {ObjectID: "x"},
		"a resource ID that is not": {ResourceID: "userAssignedIdentities/x"},
		"IMDS off this machine":     {IMDSEndpoint: "http://169.254.169.254/metadata/identity/oauth2/token"},
		"IMDS with a query":         {IMDSEndpoint: "http://127.0.0.1:1/x?y=z"},
		"other tenants":             {Options: graphauth.Options{AllowedTenants: []string{"*"}}},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			_, err := graphauth.NewManagedIdentityCredential(&o)
			var cerr *graphauth.ConfigError
			assert.True(t, errors.As(err, &cerr), "got %v", err)
		})
	}
}

func TestManagedIdentityRefusesOtherTenantsAndSeveralResources(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	srv.AddManagedIdentity(graphauthtest.ManagedIdentity{SystemAssigned: true})
	cred, err := graphauth.NewManagedIdentityCredential(miOpts(srv))
	require.NoError(t, err)
	defer cred.Close()
	_, err = cred.Token(context.Background(), graphauth.TokenRequest{TenantID: srv.TenantID})
	assert.ErrorIs(t, err, graphauth.ErrTenantNotAllowed)
	_, err = cred.Token(context.Background(), graphauth.TokenRequest{Scopes: []string{"https://graph.microsoft.com/.default", "https://vault.azure.net/.default"}})
	var cerr *graphauth.ConfigError
	assert.True(t, errors.As(err, &cerr), "got %v", err)
	assert.Equal(t, 0, srv.Count(graphauthtest.EndpointManagedIdentity))
}

func TestManagedIdentityConcurrentCallersShareOneRequest(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(&graphauthtest.Options{TokenLatency: 20 * time.Millisecond})
	defer srv.Close()
	srv.AddManagedIdentity(graphauthtest.ManagedIdentity{SystemAssigned: true})
	cred, err := graphauth.NewManagedIdentityCredential(miOpts(srv))
	require.NoError(t, err)
	defer cred.Close()
	var wg sync.WaitGroup
	errs := make(chan error, 50)
	for range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := cred.Token(context.Background(), graphauth.TokenRequest{})
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	assert.LessOrEqual(t, srv.Count(graphauthtest.EndpointManagedIdentity), 2)
}

// App Service hands the endpoint and its secret header to the process in
// IDENTITY_ENDPOINT and IDENTITY_HEADER, which MSAL reads: these tests set
// the environment, so they cannot run in parallel.
func TestManagedIdentityThroughAppServiceEndpoint(t *testing.T) {
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	mi := srv.AddManagedIdentity(graphauthtest.ManagedIdentity{SystemAssigned: true})
	t.Setenv("IDENTITY_ENDPOINT", srv.URL+graphauthtest.IdentityEndpointPath)
	t.Setenv("IDENTITY_HEADER", srv.IdentityHeader())
	cred, err := graphauth.NewManagedIdentityCredential(&graphauth.ManagedIdentityOptions{Options: *fakeOpts(srv)})
	require.NoError(t, err)
	defer cred.Close()
	tok, err := cred.Token(context.Background(), graphauth.TokenRequest{})
	require.NoError(t, err)
	assert.Equal(t, mi.ObjectID, claimsOf(t, tok.AccessToken)["oid"])
	assert.WithinDuration(t, srv.Now().Add(3599*time.Second), tok.ExpiresOn, 5*time.Second)
	reqs := srv.Requests()
	require.NotEmpty(t, reqs)
	assert.Equal(t, graphauthtest.IdentityEndpointPath, reqs[len(reqs)-1].Path)
}

// The managed identity flow of a Config, as a service reads it from its
// environment: system-assigned when AZURE_CLIENT_ID is unset, else the
// user-assigned identity it names; secrets beside it are left unused.
func TestNewCredentialBuildsTheManagedIdentity(t *testing.T) {
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	system := srv.AddManagedIdentity(graphauthtest.ManagedIdentity{SystemAssigned: true})
	user := srv.AddManagedIdentity(graphauthtest.ManagedIdentity{})
	t.Setenv("IDENTITY_ENDPOINT", srv.URL+graphauthtest.IdentityEndpointPath)
	t.Setenv("IDENTITY_HEADER", srv.IdentityHeader())
	for name, c := range map[string]struct {
		cfg graphauth.Config
		oid string
	}{
		"system-assigned":              {graphauth.Config{Flow: graphauth.FlowManagedIdentity}, system.ObjectID},
		"named as people write it":     {graphauth.Config{Flow: "Managed_Identity"}, system.ObjectID},
		"user-assigned by client ID":   {graphauth.Config{Flow: graphauth.FlowManagedIdentity, ClientID: user.ClientID}, user.ObjectID},
		"a secret beside it is unused": {graphauth.Config{Flow: graphauth.FlowManagedIdentity, ClientSecret: "x~unused"}, system.ObjectID},
	} {
		cred, err := graphauth.NewCredential(c.cfg, fakeOpts(srv))
		require.NoError(t, err, name)
		require.IsType(t, &graphauth.ManagedIdentityCredential{}, cred, name)
		tok, err := cred.Token(context.Background(), graphauth.TokenRequest{})
		require.NoError(t, err, name)
		assert.Equal(t, c.oid, claimsOf(t, tok.AccessToken)["oid"], name)
		require.NoError(t, cred.(io.Closer).Close())
	}
	_, err := graphauth.NewCredential(graphauth.Config{Flow: graphauth.FlowManagedIdentity, ClientID: "my-identity"}, fakeOpts(srv))
	var ce *graphauth.ConfigError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, "ClientID (AZURE_CLIENT_ID)", ce.Field)
	assert.Contains(t, ce.Reason, "user-assigned")
}

func TestManagedIdentityAppServiceRefusesAWrongHeader(t *testing.T) {
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	srv.AddManagedIdentity(graphauthtest.ManagedIdentity{SystemAssigned: true})
	t.Setenv("IDENTITY_ENDPOINT", srv.URL+graphauthtest.IdentityEndpointPath)
	t.Setenv("IDENTITY_HEADER", "not-the-header")
	cred, err := graphauth.NewManagedIdentityCredential(&graphauth.ManagedIdentityOptions{Options: *fakeOpts(srv)})
	require.NoError(t, err)
	defer cred.Close()
	_, err = cred.Token(context.Background(), graphauth.TokenRequest{})
	var aerr *graphauth.AuthError
	require.True(t, errors.As(err, &aerr), "got %v", err)
	assert.Equal(t, 401, aerr.StatusCode)
	assert.Equal(t, "managed_identity_error", aerr.Code)
	assert.NotContains(t, err.Error(), "not-the-header")
}

func TestManagedIdentityDoesNotFollowARedirect(t *testing.T) {
	t.Parallel()
	var sent []string
	var mu sync.Mutex
	hc := &http.Client{Transport: roundTripperFunc(func(r *http.Request) (*http.Response, error) {
		mu.Lock()
		sent = append(sent, r.URL.Host)
		mu.Unlock()
		return &http.Response{StatusCode: http.StatusTemporaryRedirect, Header: http.Header{"Location": {"https://evil.example.com/steal"}},
			Body: http.NoBody, Request: r}, nil
	})}
	cred, err := graphauth.NewManagedIdentityCredential(&graphauth.ManagedIdentityOptions{
		Options: graphauth.Options{HTTPClient: hc}, IMDSEndpoint: "http://127.0.0.1:1/metadata/identity/oauth2/token"})
	require.NoError(t, err)
	defer cred.Close()
	_, err = cred.Token(context.Background(), graphauth.TokenRequest{})
	var aerr *graphauth.AuthError
	require.True(t, errors.As(err, &aerr), "got %v", err)
	mu.Lock()
	defer mu.Unlock()
	for _, h := range sent {
		assert.Equal(t, "127.0.0.1:1", h, "nothing is sent to the redirect's host")
	}
}

func TestManagedIdentityWaitsForIMDSWhileItIsUpdated(t *testing.T) {
	t.Parallel()
	for _, status := range []int{404, 410} {
		t.Run(fmt.Sprint(status), func(t *testing.T) {
			t.Parallel()
			srv := graphauthtest.NewServer(nil)
			defer srv.Close()
			srv.AddManagedIdentity(graphauthtest.ManagedIdentity{SystemAssigned: true})
			srv.InjectFault(graphauthtest.Fault{Endpoint: graphauthtest.EndpointManagedIdentity, Status: status, Error: "not_found"})
			cred, err := graphauth.NewManagedIdentityCredential(miOpts(srv))
			require.NoError(t, err)
			defer cred.Close()
			_, err = cred.Token(context.Background(), graphauth.TokenRequest{})
			require.NoError(t, err)
			assert.Equal(t, 2, srv.Count(graphauthtest.EndpointManagedIdentity))
		})
	}
}

// IMDS answers 410 while it is upgraded, for up to 70 seconds: the first
// token of a process started meanwhile waits for it rather than failing
// after two retries. (404 keeps its two.)
func TestManagedIdentityWaitsThroughAnIMDSUpgrade(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	srv.AddManagedIdentity(graphauthtest.ManagedIdentity{SystemAssigned: true})
	srv.InjectFault(graphauthtest.Fault{Endpoint: graphauthtest.EndpointManagedIdentity, Status: 410, Error: "gone", Times: 3})
	cred, err := graphauth.NewManagedIdentityCredential(miOpts(srv))
	require.NoError(t, err)
	defer cred.Close()
	_, err = cred.Token(context.Background(), graphauth.TokenRequest{})
	require.NoError(t, err)
	assert.Equal(t, 4, srv.Count(graphauthtest.EndpointManagedIdentity))
}

// The managed identity flow of a Config whose TenantID is set, as
// AZURE_TENANT_ID often is beside AZURE_CLIENT_ID: a pasted Token URL of
// the identity's tenant is read, something that is no tenant is refused
// with what to paste, and another tenant is refused when the token shows
// it, rather than serving the identity's own directory in its place.
// These tests set the environment, so they cannot run in parallel.
func TestNewCredentialManagedIdentityChecksTheConfiguredTenant(t *testing.T) {
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	other := srv.AddTenant(graphauthtest.Tenant{DisplayName: "Another customer"})
	mi := srv.AddManagedIdentity(graphauthtest.ManagedIdentity{SystemAssigned: true})
	t.Setenv("IDENTITY_ENDPOINT", srv.URL+graphauthtest.IdentityEndpointPath)
	t.Setenv("IDENTITY_HEADER", srv.IdentityHeader())
	flow := graphauth.FlowManagedIdentity

	for _, tenant := range []string{mi.Tenant, strings.ToUpper(mi.Tenant), "https://login.microsoftonline.com/" + mi.Tenant + "/oauth2/v2.0/token", "contoso.onmicrosoft.com"} {
		cred, err := graphauth.NewCredential(graphauth.Config{Flow: flow, TenantID: tenant}, fakeOpts(srv))
		require.NoError(t, err, tenant)
		tok, err := cred.Token(context.Background(), graphauth.TokenRequest{})
		require.NoError(t, err, tenant)
		assert.Equal(t, mi.ObjectID, claimsOf(t, tok.AccessToken)["oid"], tenant)
		require.NoError(t, cred.(io.Closer).Close())
	}

	_, err := graphauth.NewCredential(graphauth.Config{Flow: flow, TenantID: "https://graph.microsoft.com/v1.0/"}, fakeOpts(srv))
	var ce *graphauth.ConfigError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, "TenantID (AZURE_TENANT_ID)", ce.Field)
	assert.Contains(t, ce.Reason, "Microsoft Graph's address")

	cred, err := graphauth.NewCredential(graphauth.Config{Flow: flow, TenantID: other.ID}, fakeOpts(srv))
	require.NoError(t, err)
	defer cred.(io.Closer).Close()
	tok, err := cred.Token(context.Background(), graphauth.TokenRequest{})
	assert.Empty(t, tok.AccessToken)
	var aerr *graphauth.AuthError
	require.ErrorAs(t, err, &aerr)
	assert.Equal(t, "wrong_tenant", aerr.Code)
	assert.False(t, aerr.Retryable())
	require.ErrorAs(t, err, &ce)
	assert.Contains(t, ce.Reason, "the managed identity is in tenant "+mi.Tenant+", not "+other.ID)

	_, err = graphauth.NewCredential(graphauth.Config{Flow: flow, ClientID: "/subscriptions/" + mi.Tenant + "/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id"}, fakeOpts(srv))
	require.ErrorAs(t, err, &ce)
	assert.Contains(t, ce.Reason, "resource ID")

	_, err = graphauth.NewManagedIdentityCredential(&graphauth.ManagedIdentityOptions{TenantID: "contoso.onmicrosoft.com"})
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, "TenantID", ce.Field)
}
