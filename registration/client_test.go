package registration_test

import (
	"context"
	"crypto/x509"
	"errors"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/entrakit/entrakit/graphauth"
	"github.com/entrakit/entrakit/graphauth/graphauthtest"
	"github.com/entrakit/entrakit/registration"
)

// admin is the registration tool's own credential on the fake, with the
// given Graph application permissions.
func admin(t *testing.T, srv *graphauthtest.Server, roles ...string) *registration.Client {
	t.Helper()
	srv.GrantAppRoles(srv.TenantID, srv.ClientID, roles...)
	cred, err := graphauth.NewClientSecretCredential(srv.TenantID, srv.ClientID, graphauth.Secret(srv.Secret),
		&graphauth.Options{AuthorityHost: srv.URL, HTTPClient: srv.Client()})
	require.NoError(t, err)
	c, err := registration.NewClient(cred, &registration.ClientOptions{GraphEndpoint: srv.URL, HTTPClient: srv.Client(),
		Retry: graphauth.RetryOptions{MinWait: time.Millisecond, MaxWait: 5 * time.Millisecond}})
	require.NoError(t, err)
	return c
}

func roles(t *testing.T, token string) []string {
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

func TestRegisterConfigureAndConsentAnApp(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	c := admin(t, srv, "Application.ReadWrite.OwnedBy", "AppRoleAssignment.ReadWrite.All", "Application.Read.All")
	ctx := context.Background()

	perms, err := registration.ResolveGraphPermissions([]string{"User.Read.All", "Group.Read.All"}, nil)
	require.NoError(t, err)
	app, err := c.CreateApp(ctx, registration.App{DisplayName: "group sync", Permissions: perms})
	require.NoError(t, err)
	require.Len(t, app.AppID, 36)
	sp, created, err := c.EnsureServicePrincipal(ctx, app.AppID)
	require.NoError(t, err)
	assert.True(t, created)
	again, created, err := c.EnsureServicePrincipal(ctx, app.AppID)
	require.NoError(t, err)
	assert.False(t, created)
	assert.Equal(t, sp.ID, again.ID)

	secret, err := c.AddPassword(ctx, app.ObjectID, "ci", srv.Now().Add(30*24*time.Hour))
	require.NoError(t, err)
	assert.NotEmpty(t, secret.SecretText)
	assert.Equal(t, string(secret.SecretText)[:3], secret.Hint)

	first, err := registration.NewSelfSignedCertificate("group sync 1", nil)
	require.NoError(t, err)
	second, err := registration.NewSelfSignedCertificate("group sync 2", nil)
	require.NoError(t, err)
	_, err = c.AddCertificate(ctx, app.ObjectID, first.Leaf(), "")
	require.NoError(t, err)
	_, err = c.AddCertificate(ctx, app.ObjectID, second.Leaf(), "")
	require.NoError(t, err)
	_, err = c.AddCertificate(ctx, app.ObjectID, second.Leaf(), "")
	require.NoError(t, err, "adding a registered certificate again does nothing")
	registered, _ := srv.App(app.AppID)
	require.Len(t, registered.Certificates, 2, "the first certificate was kept")

	require.NoError(t, c.GrantAppRoles(ctx, app.AppID, registration.MicrosoftGraphAppID, "User.Read.All", "Group.Read.All"))
	require.NoError(t, c.GrantAppRoles(ctx, app.AppID, registration.MicrosoftGraphAppID, "User.Read.All"), "granting twice is harmless")
	assigned, err := c.AppRoleAssignments(ctx, app.AppID)
	require.NoError(t, err)
	assert.Len(t, assigned, 2)

	creds, err := c.Credentials(ctx, app.ObjectID)
	require.NoError(t, err)
	require.Len(t, creds, 3)
	assert.Equal(t, "secret", creds[0].Kind)
	assert.True(t, creds[0].ExpiresWithin(srv.Now(), 31*24*time.Hour))
	assert.False(t, creds[0].Expired(srv.Now()))
	assert.Equal(t, registration.Thumbprint(first.Leaf()), creds[1].Thumbprint)

	for name, cred := range map[string]func() (graphauth.TokenCredential, error){
		"secret": func() (graphauth.TokenCredential, error) {
			return graphauth.NewClientSecretCredential(srv.TenantID, app.AppID, secret.SecretText, &graphauth.Options{AuthorityHost: srv.URL, HTTPClient: srv.Client()})
		},
		"certificate": func() (graphauth.TokenCredential, error) {
			return graphauth.NewCertificateCredential(srv.TenantID, app.AppID, []*x509.Certificate{first.Leaf()}, first.Key,
				&graphauth.CertificateOptions{Options: graphauth.Options{AuthorityHost: srv.URL, HTTPClient: srv.Client()}})
		},
	} {
		cr, err := cred()
		require.NoError(t, err, name)
		tok, err := cr.Token(ctx, graphauth.TokenRequest{})
		require.NoError(t, err, name)
		assert.ElementsMatch(t, []string{"User.Read.All", "Group.Read.All"}, roles(t, tok.AccessToken), name)
	}
}

func TestGraphErrorsSayWhatIsMissing(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	c := admin(t, srv) // only the default grants: no Application.* permissions
	_, err := c.CreateApp(context.Background(), registration.App{DisplayName: "x"})
	var ge *registration.GraphError
	require.ErrorAs(t, err, &ge)
	assert.Equal(t, 403, ge.StatusCode)
	assert.Equal(t, "Authorization_RequestDenied", ge.Code)
	assert.Equal(t, []string{"Application.ReadWrite.OwnedBy", "Application.ReadWrite.All"}, ge.Required)
	assert.NotEmpty(t, ge.RequestID)
	assert.Contains(t, err.Error(), "needs one of these application permissions: Application.ReadWrite.OwnedBy, Application.ReadWrite.All")

	c = admin(t, srv, "Application.Read.All")
	_, err = c.Application(context.Background(), "11111111-1111-1111-1111-111111111111")
	require.ErrorAs(t, err, &ge)
	assert.True(t, ge.NotFound())

	err = c.GrantAppRoles(context.Background(), srv.ClientID, registration.MicrosoftGraphAppID, "Group.ReadAll")
	var ue *registration.UnknownPermissionError
	require.True(t, errors.As(err, &ue), "a typo is caught before any write: %v", err)
	assert.Equal(t, "Group.Read.All", ue.Suggestions[0])

	srv.InjectFault(graphauthtest.Fault{Endpoint: graphauthtest.EndpointGraph, Status: 502, Body: graphauthtest.BodyHTML, Times: -1})
	_, err = c.Application(context.Background(), "11111111-1111-1111-1111-111111111111")
	require.ErrorAs(t, err, &ge)
	assert.Equal(t, 502, ge.StatusCode)
	assert.ErrorContains(t, err, "not Graph's error JSON")
	srv.ClearFaults()
}

func TestGraphCallsAreRetriedWhenSafe(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	c := admin(t, srv, "Application.ReadWrite.All", "Application.Read.All")
	ctx := context.Background()
	app, err := c.CreateApp(ctx, registration.App{DisplayName: "retry"})
	require.NoError(t, err)

	srv.InjectFault(graphauthtest.Fault{Endpoint: graphauthtest.EndpointGraph, Status: 503, Times: 2})
	_, err = c.Application(ctx, app.ObjectID)
	require.NoError(t, err, "a read is retried after 503s")

	srv.InjectFault(graphauthtest.Fault{Endpoint: graphauthtest.EndpointGraph, Status: 503})
	_, err = c.AddPassword(ctx, app.ObjectID, "once", time.Time{})
	var ge *registration.GraphError
	require.ErrorAs(t, err, &ge, "a write is not repeated after a 5xx: it may have been applied")
	registered, _ := srv.App(app.AppID)
	assert.Empty(t, registered.Secrets)

	srv.InjectFault(graphauthtest.Fault{Endpoint: graphauthtest.EndpointGraph, Status: 429, RetryAfter: "0"})
	_, err = c.AddPassword(ctx, app.ObjectID, "after throttling", time.Time{})
	require.NoError(t, err, "after a 429 the write was not processed: it is sent again")
	registered, _ = srv.App(app.AppID)
	assert.Len(t, registered.Secrets, 1)
}

// A tenant that lacks a resource's service principal (AADSTS500011 for
// Exchange Online, say) is fixed by creating it.
func TestEnsureServicePrincipalFixesAMissingResource(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	c := admin(t, srv, "Application.ReadWrite.All", "Application.Read.All")
	sp, created, err := c.EnsureServicePrincipal(context.Background(), registration.ExchangeOnlineAppID)
	require.NoError(t, err)
	assert.True(t, created)
	assert.Equal(t, "Office 365 Exchange Online", sp.DisplayName)

}

func TestGrantDelegated(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	c := admin(t, srv, "DelegatedPermissionGrant.ReadWrite.All", "Application.ReadWrite.All", "Application.Read.All")
	ctx := context.Background()
	require.NoError(t, c.GrantDelegated(ctx, srv.ClientID, registration.MicrosoftGraphAppID, "", "Mail.Send", "User.Read"))
	err := c.GrantDelegated(ctx, srv.ClientID, registration.MicrosoftGraphAppID, "", "Mail.Sned")
	var ue *registration.UnknownPermissionError
	assert.ErrorAs(t, err, &ue)
}
