package graphauthtest_test

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/entrakit/entrakit/graphauth/graphauthtest"
)

// msp builds a server with a multi-tenant app registered in the vendor's
// tenant and a customer tenant that has not consented yet.
func msp(t *testing.T, opts graphauthtest.Options) (*graphauthtest.Server, graphauthtest.App, graphauthtest.Tenant) {
	t.Helper()
	opts.Tenants = []graphauthtest.Tenant{
		{DisplayName: "Vendor", Users: []graphauthtest.User{{UPN: "dev@vendor.onmicrosoft.com", Admin: true}}},
		{DisplayName: "Customer", Users: []graphauthtest.User{
			{UPN: "it@customer.onmicrosoft.com", Admin: true},
			{UPN: "staff@customer.onmicrosoft.com"},
		}},
	}
	opts.Apps = []graphauthtest.App{{
		DisplayName: "MSP console", MultiTenant: true, Secrets: []graphauthtest.Secret{{}},
		RedirectURIs:   []string{"https://console.example/consent"},
		RequiredRoles:  []string{"User.Read.All", "Organization.Read.All"},
		RequiredScopes: []string{"User.Read"},
	}}
	srv := graphauthtest.NewServer(&opts)
	t.Cleanup(srv.Close)
	app, _ := srv.App(srv.ClientID)
	return srv, app, graphauthtest.Tenant{Domain: "customer.onmicrosoft.com"}
}

func consentParams(app graphauthtest.App) url.Values {
	return url.Values{
		"client_id":    {app.ClientID},
		"redirect_uri": {"https://console.example/consent"},
		"scope":        {"https://graph.microsoft.com/.default"},
		"state":        {"s-1"},
	}
}

func customerToken(t *testing.T, srv *graphauthtest.Server, app graphauthtest.App, tenant string) tokenReply {
	t.Helper()
	return postForm(t, srv, "/"+tenant+"/oauth2/v2.0/token", url.Values{
		"grant_type": {"client_credentials"}, "client_id": {app.ClientID}, "client_secret": {app.Secrets[0].Value},
		"scope": {"https://graph.microsoft.com/.default"},
	})
}

func TestAdminConsentOnboardsACustomerTenant(t *testing.T) {
	t.Parallel()
	srv, app, customer := msp(t, graphauthtest.Options{PropagationDelay: 20 * time.Second})
	before := customerToken(t, srv, app, customer.Domain)
	assert.Equal(t, []int{700016}, before.ErrorCodes, "no service principal in the customer tenant before consent")

	srv.SignIn("it@customer.onmicrosoft.com")
	q, resp, page := authorize(t, srv, "/organizations/v2.0/adminconsent", consentParams(app))
	require.NotNil(t, q, "status %d: %s", resp.StatusCode, page)
	assert.Equal(t, "True", q.Get("admin_consent"))
	assert.Equal(t, "s-1", q.Get("state"))
	assert.Empty(t, q.Get("error"))
	tenantID := q.Get("tenant")
	assert.Len(t, tenantID, 36)

	r := customerToken(t, srv, app, tenantID)
	require.Equal(t, 200, r.Status, r.ErrorDescription)
	assert.Empty(t, rolesOf(verifyWithJWKS(t, srv, r.AccessToken)), "grants propagate after a delay, as in real tenants")
	srv.Advance(21 * time.Second)
	r = customerToken(t, srv, app, tenantID)
	claims := verifyWithJWKS(t, srv, r.AccessToken)
	assert.ElementsMatch(t, []string{"User.Read.All", "Organization.Read.All"}, rolesOf(claims))
	assert.Equal(t, tenantID, claims["tid"])
}

func TestAdminConsentRefusals(t *testing.T) {
	t.Parallel()
	t.Run("a non-administrator comes back as access_denied AADSTS90094 with admin_consent=True", func(t *testing.T) {
		srv, app, _ := msp(t, graphauthtest.Options{})
		srv.SignIn("staff@customer.onmicrosoft.com")
		q, _, _ := authorize(t, srv, "/organizations/v2.0/adminconsent", consentParams(app))
		require.NotNil(t, q)
		assert.Equal(t, "access_denied", q.Get("error"))
		assert.True(t, strings.HasPrefix(q.Get("error_description"), "AADSTS90094:"))
		assert.Equal(t, "True", q.Get("admin_consent"), "the platform says True even on error")
		assert.Empty(t, q.Get("tenant"))
	})
	t.Run("a single-tenant app in another tenant comes back as AADSTS700016", func(t *testing.T) {
		srv := graphauthtest.NewServer(nil)
		defer srv.Close()
		other := srv.AddTenant(graphauthtest.Tenant{DisplayName: "Other", Users: []graphauthtest.User{{UPN: "root@other.onmicrosoft.com", Admin: true}}})
		srv.SignIn("root@other.onmicrosoft.com")
		q, _, page := authorize(t, srv, "/"+other.ID+"/v2.0/adminconsent", url.Values{
			"client_id": {srv.ClientID}, "redirect_uri": {callback}, "scope": {"https://graph.microsoft.com/.default"}})
		require.NotNil(t, q, page)
		assert.True(t, strings.HasPrefix(q.Get("error_description"), "AADSTS700016:"))
	})
	t.Run("a tenant whose policy blocks consent comes back as AADSTS530032", func(t *testing.T) {
		srv := graphauthtest.NewServer(&graphauthtest.Options{Tenants: []graphauthtest.Tenant{{ConsentBlocked: true,
			Domain: "locked.example", Users: []graphauthtest.User{{UPN: "a@locked.example", Admin: true}}}},
			Apps: []graphauthtest.App{{RedirectURIs: []string{callback}}}})
		defer srv.Close()
		q, _, _ := authorize(t, srv, "/"+srv.TenantID+"/v2.0/adminconsent", url.Values{
			"client_id": {srv.ClientID}, "redirect_uri": {callback}, "scope": {"https://graph.microsoft.com/.default"}})
		require.NotNil(t, q)
		assert.True(t, strings.HasPrefix(q.Get("error_description"), "AADSTS530032:"))
	})
	t.Run("a tenant without the Microsoft Graph service principal comes back as AADSTS650052", func(t *testing.T) {
		srv, app, customer := msp(t, graphauthtest.Options{})
		srv.RemoveServicePrincipal(customer.Domain, "00000003-0000-0000-c000-000000000000")
		srv.SignIn("it@customer.onmicrosoft.com")
		q, _, _ := authorize(t, srv, "/organizations/v2.0/adminconsent", consentParams(app))
		require.NotNil(t, q)
		assert.True(t, strings.HasPrefix(q.Get("error_description"), "AADSTS650052:"))
	})
	t.Run("/common is shown on the page with AADSTS90130", func(t *testing.T) {
		srv, app, _ := msp(t, graphauthtest.Options{})
		q, resp, page := authorize(t, srv, "/common/v2.0/adminconsent", consentParams(app))
		assert.Nil(t, q)
		assert.Equal(t, 400, resp.StatusCode)
		assert.Contains(t, page, "AADSTS90130")
	})
	t.Run("an unregistered redirect is shown on the page with AADSTS50011", func(t *testing.T) {
		srv, app, _ := msp(t, graphauthtest.Options{})
		p := consentParams(app)
		p.Set("redirect_uri", "https://attacker.example/")
		_, _, page := authorize(t, srv, "/organizations/v2.0/adminconsent", p)
		assert.Contains(t, page, "AADSTS50011")
	})
}

func TestInteractivePagesSignInAndCancel(t *testing.T) {
	t.Parallel()
	srv, app, _ := msp(t, graphauthtest.Options{Interactive: true})
	path := "/organizations/v2.0/adminconsent"
	_, resp, page := authorize(t, srv, path, consentParams(app))
	require.Equal(t, 200, resp.StatusCode)
	assert.Contains(t, page, `id="accept"`)
	assert.Contains(t, page, "User.Read.All")
	assert.Contains(t, page, `name="client_id" value="`+app.ClientID+`"`)

	accept := consentParams(app)
	accept.Set("login", "it@customer.onmicrosoft.com")
	accept.Set("action", "accept")
	r, err := srv.Client().PostForm(srv.URL+path, accept)
	require.NoError(t, err)
	r.Body.Close()
	loc, _ := url.Parse(r.Header.Get("Location"))
	assert.Equal(t, "True", loc.Query().Get("admin_consent"))
	assert.NotEmpty(t, loc.Query().Get("tenant"))

	cancel := consentParams(app)
	cancel.Set("action", "cancel")
	r, err = srv.Client().PostForm(srv.URL+path, cancel)
	require.NoError(t, err)
	r.Body.Close()
	loc, _ = url.Parse(r.Header.Get("Location"))
	assert.True(t, strings.HasPrefix(loc.Query().Get("error_description"), "AADSTS65004:"))
}

// A customer tenant that never used Teams lacks the Teams admin API's
// service principal: admin consent to an app that needs that API fails
// with AADSTS650052 until an administrator creates it (POST
// /servicePrincipals), and then succeeds.
func TestAdminConsentNeedsTheServicePrincipalOfEachAPI(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(&graphauthtest.Options{
		Tenants: []graphauthtest.Tenant{
			{DisplayName: "Vendor", ServicePrincipals: graphauthtest.FirstPartyApps()},
			{DisplayName: "Newco", Users: []graphauthtest.User{{UPN: "it@newco.onmicrosoft.com", Admin: true}}},
		},
		Apps: []graphauthtest.App{{
			DisplayName: "Teams provisioning", MultiTenant: true, Secrets: []graphauthtest.Secret{{}},
			RedirectURIs: []string{"https://console.example/consent"}, RequiredRoles: []string{"User.Read.All"},
			RequiredResources: []string{graphauthtest.TeamsAdminAppID},
		}},
	})
	defer srv.Close()
	app, _ := srv.App(srv.ClientID)
	srv.SignIn("it@newco.onmicrosoft.com")
	q, resp, page := authorize(t, srv, "/newco.onmicrosoft.com/v2.0/adminconsent", consentParams(app))
	require.NotNil(t, q, "status %d: %s", resp.StatusCode, page)
	assert.Equal(t, "invalid_resource", q.Get("error"))
	assert.True(t, strings.HasPrefix(q.Get("error_description"), "AADSTS650052: The app is trying to access a service '48ac35b8-9aa8-4d74-927d-1f4a14a0b239'(Skype and Teams Tenant Admin API)"), q.Get("error_description"))

	// Newco's administrator creates the service principal with a tool of
	// their own tenant.
	admin := srv.AddApp(graphauthtest.App{DisplayName: "admin tool", HomeTenant: "newco.onmicrosoft.com", Secrets: []graphauthtest.Secret{{}}})
	srv.GrantAppRoles("newco.onmicrosoft.com", admin.ClientID, "Application.ReadWrite.All")
	tok := postForm(t, srv, "/newco.onmicrosoft.com/oauth2/v2.0/token", url.Values{"grant_type": {"client_credentials"}, "client_id": {admin.ClientID},
		"client_secret": {admin.Secrets[0].Value}, "scope": {"https://graph.microsoft.com/.default"}})
	require.Equal(t, 200, tok.Status, tok.ErrorDescription)
	created := graphDo(t, srv, tok.AccessToken, "POST", "/v1.0/servicePrincipals", map[string]string{"appId": graphauthtest.TeamsAdminAppID})
	require.Equal(t, 201, created.Status, created.Raw)
	assert.Equal(t, "Skype and Teams Tenant Admin API", created.Body["displayName"])

	q, _, _ = authorize(t, srv, "/newco.onmicrosoft.com/v2.0/adminconsent", consentParams(app))
	assert.Empty(t, q.Get("error"), q.Get("error_description"))
	assert.Equal(t, "True", q.Get("admin_consent"))
}
