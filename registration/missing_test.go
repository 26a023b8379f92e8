package registration_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/entrakit/entrakit/graphauth"
	"github.com/entrakit/entrakit/graphauth/graphauthtest"
	"github.com/entrakit/entrakit/registration"
)

// delegated gets a signed-in user's tokens from a SignIn, for a Client:
// for the scopes the user signed in with, whatever the Client asks (it
// asks for Graph's /.default, which MSAL reports as declined for a
// delegated token whose scope lists the permissions themselves).
type delegated struct {
	s       *graphauth.SignIn
	account string
	scopes  []string
}

func (d delegated) Token(ctx context.Context, _ graphauth.TokenRequest) (graphauth.Token, error) {
	return d.s.Token(ctx, d.account, d.scopes)
}

// newcoWithoutTeams is a vendor's multi-tenant app that needs the Teams
// admin API, and a new customer tenant that has never used Teams.
func newcoWithoutTeams(t *testing.T) (*graphauthtest.Server, graphauthtest.App) {
	t.Helper()
	srv := graphauthtest.NewServer(&graphauthtest.Options{
		Tenants: []graphauthtest.Tenant{
			{DisplayName: "Vendor", ServicePrincipals: graphauthtest.FirstPartyApps()},
			{DisplayName: "Newco", Domain: "newco.onmicrosoft.com", Users: []graphauthtest.User{{UPN: "it@newco.onmicrosoft.com", Admin: true}}},
		},
		Apps: []graphauthtest.App{{
			DisplayName: "Teams provisioning", MultiTenant: true, Secrets: []graphauthtest.Secret{{}},
			RedirectURIs: []string{"http://localhost/callback"}, RequiredRoles: []string{"User.Read.All"},
			RequiredResources: []string{graphauthtest.TeamsAdminAppID},
		}},
	})
	t.Cleanup(srv.Close)
	app, _ := srv.App(srv.ClientID)
	return srv, app
}

// adminConsentError runs admin consent in the tenant and returns the
// redirect's refusal.
func adminConsentError(t *testing.T, srv *graphauthtest.Server, app graphauthtest.App, tenant string) error {
	t.Helper()
	q := url.Values{"client_id": {app.ClientID}, "redirect_uri": {"http://localhost/callback"}, "scope": {"https://graph.microsoft.com/.default"}, "state": {"0123456789abcdef"}}
	client := srv.Client()
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := client.Get(srv.URL + "/" + tenant + "/v2.0/adminconsent?" + q.Encode())
	require.NoError(t, err)
	resp.Body.Close()
	loc, err := url.Parse(resp.Header.Get("Location"))
	require.NoError(t, err)
	if loc.Query().Get("error") == "" {
		return nil
	}
	return graphauth.ParseCallbackError(loc.Query().Get("error"), loc.Query().Get("error_description"))
}

// signInAdmin signs the tenant's administrator in to the app with scopes,
// and returns a credential for their delegated tokens.
func signInAdmin(t *testing.T, srv *graphauthtest.Server, app graphauthtest.App, tenant string, scopes ...string) delegated {
	t.Helper()
	s, err := graphauth.NewSignIn(tenant, app.ClientID, graphauth.ClientAuth{Secret: graphauth.Secret(app.Secrets[0].Value)},
		&graphauth.SignInOptions{Options: graphauth.Options{AuthorityHost: srv.URL, HTTPClient: srv.Client()}, RedirectURI: "http://localhost/callback"})
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	u, p, err := s.AuthCodeURL(graphauth.AuthRequest{Scopes: scopes})
	require.NoError(t, err)
	client := srv.Client()
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := client.Get(u)
	require.NoError(t, err)
	resp.Body.Close()
	back, err := url.Parse(resp.Header.Get("Location"))
	require.NoError(t, err)
	user, err := s.Complete(context.Background(), p, back.Query())
	require.NoError(t, err)
	return delegated{s: s, account: user.AccountID, scopes: scopes}
}

func TestCreateMissingServicePrincipalWithTheAdministratorsToken(t *testing.T) {
	t.Parallel()
	srv, app := newcoWithoutTeams(t)
	srv.SignIn("it@newco.onmicrosoft.com")
	refusal := adminConsentError(t, srv, app, "newco.onmicrosoft.com")
	require.Error(t, refusal)
	var ae *graphauth.AuthError
	require.ErrorAs(t, refusal, &ae)
	require.True(t, ae.HasCode(650052), refusal.Error())

	cred := signInAdmin(t, srv, app, "newco.onmicrosoft.com", "Application.ReadWrite.All")
	c, err := registration.NewClient(cred, &registration.ClientOptions{GraphEndpoint: srv.URL, HTTPClient: srv.Client()})
	require.NoError(t, err)
	ctx := context.Background()
	sp, created, err := c.CreateMissingServicePrincipal(ctx, refusal)
	require.NoError(t, err)
	assert.True(t, created)
	assert.Equal(t, graphauthtest.TeamsAdminAppID, sp.AppID)
	assert.Equal(t, "Skype and Teams Tenant Admin API", sp.DisplayName)

	_, created, err = c.CreateMissingServicePrincipal(ctx, refusal)
	require.NoError(t, err)
	assert.False(t, created, "a second run finds it")

	assert.NoError(t, adminConsentError(t, srv, app, "newco.onmicrosoft.com"), "the consent now succeeds")
}

func TestCreateMissingServicePrincipalRefusesOtherErrors(t *testing.T) {
	t.Parallel()
	srv, app := newcoWithoutTeams(t)
	srv.SignIn("it@newco.onmicrosoft.com")
	cred := signInAdmin(t, srv, app, "newco.onmicrosoft.com", "User.Read")
	c, err := registration.NewClient(cred, &registration.ClientOptions{GraphEndpoint: srv.URL, HTTPClient: srv.Client()})
	require.NoError(t, err)
	ctx := context.Background()
	for name, e := range map[string]error{
		"nil":                  nil,
		"a plain error":        errors.New("boom"),
		"another AADSTS code":  &graphauth.AuthError{AADSTS: []int{7000215}},
		"650052 without an ID": &graphauth.AuthError{AADSTS: []int{650052}, Description: "AADSTS650052: The app needs access to a service ('https://unknown.example') that your organization 'x' has not subscribed to or enabled."},
	} {
		_, _, err := c.CreateMissingServicePrincipal(ctx, e)
		assert.ErrorIs(t, err, registration.ErrNoMissingService, name)
	}
	// Without Application.ReadWrite.All the Graph call is refused, and the
	// error says which permission is needed.
	refusal := adminConsentError(t, srv, app, "newco.onmicrosoft.com")
	_, _, err = c.CreateMissingServicePrincipal(ctx, refusal)
	var ge *registration.GraphError
	require.ErrorAs(t, err, &ge)
	assert.Equal(t, http.StatusForbidden, ge.StatusCode)
	assert.Contains(t, ge.Required, "Application.ReadWrite.All")
}
