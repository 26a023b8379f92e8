package consent_test

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/entrakit/entrakit/consent"
	"github.com/entrakit/entrakit/graphauth"
	"github.com/entrakit/entrakit/graphauth/graphauthtest"
)

func errorsAs(err error, target any) bool { return errors.As(err, target) }

// The tenants of msp, by ID.
const (
	vendorID   = "10000000-0000-4000-8000-000000000001"
	customerID = "20000000-0000-4000-8000-000000000002"
	victimID   = "30000000-0000-4000-8000-000000000003"
	bannedID   = "40000000-0000-4000-8000-000000000004"
)

// msp is a vendor tenant with a multi-tenant app, a customer tenant that
// has not consented yet, a victim tenant (another customer, which consented
// earlier; in effect unless o.PropagationDelay) and a banned one.
func msp(t *testing.T, o graphauthtest.Options) (*graphauthtest.Server, graphauthtest.App) {
	t.Helper()
	o.Tenants = []graphauthtest.Tenant{
		{ID: vendorID, DisplayName: "Vendor", Users: []graphauthtest.User{{UPN: "dev@vendor.onmicrosoft.com", Admin: true}}},
		{ID: customerID, DisplayName: "Customer", Users: []graphauthtest.User{{UPN: "it@customer.onmicrosoft.com", Admin: true}, {UPN: "staff@customer.onmicrosoft.com"}}},
		{ID: victimID, DisplayName: "Victim", Users: []graphauthtest.User{{UPN: "boss@victim.onmicrosoft.com", Admin: true}}},
		{ID: bannedID, DisplayName: "Banned", Users: []graphauthtest.User{{UPN: "root@banned.onmicrosoft.com", Admin: true}}},
	}
	o.Apps = []graphauthtest.App{{DisplayName: "MSP console", MultiTenant: true, Secrets: []graphauthtest.Secret{{}},
		RedirectURIs: []string{"http://127.0.0.1/consent/callback"}, RequiredRoles: []string{"User.Read.All", "Organization.Read.All"}}}
	srv := graphauthtest.NewServer(&o)
	t.Cleanup(srv.Close)
	app, _ := srv.App(srv.ClientID)
	srv.AddServicePrincipal(victimID, app.ClientID)
	srv.GrantAppRoles(victimID, app.ClientID, app.RequiredRoles...)
	return srv, app
}

type outcome struct {
	rec consent.Record
	err error
}

// onboarding mounts the handler on a loopback server; each round trip's
// outcome arrives on the channel.
func onboarding(t *testing.T, srv *graphauthtest.Server, app graphauthtest.App, mutate func(*consent.HandlerOptions)) (*httptest.Server, *http.Client, chan outcome, *consent.Handler) {
	t.Helper()
	mux := http.NewServeMux()
	web := httptest.NewServer(mux)
	t.Cleanup(web.Close)
	cred, err := graphauth.NewClientSecretCredential(srv.TenantID, app.ClientID, graphauth.Secret(app.Secrets[0].Value),
		&graphauth.Options{AuthorityHost: srv.URL, HTTPClient: srv.Client(), AllowedTenants: []string{"*"}})
	require.NoError(t, err)
	done := make(chan outcome, 256)
	o := consent.HandlerOptions{Key: make([]byte, 32), Credential: cred, Required: app.RequiredRoles,
		ClientAuth: graphauth.ClientAuth{Secret: graphauth.Secret(app.Secrets[0].Value)}, HTTPClient: srv.Client(),
		Confirm: &consent.ConfirmOptions{Timeout: 5 * time.Second, FirstWait: 50 * time.Millisecond},
		Done: func(w http.ResponseWriter, _ *http.Request, rec consent.Record, err error) {
			done <- outcome{rec, err}
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			fmt.Fprintf(w, "onboarded %s", rec.TenantID)
		}}
	if mutate != nil {
		mutate(&o)
	}
	h, err := consent.NewHandler(consent.Config{ClientID: app.ClientID, RedirectURI: web.URL + "/consent/callback", AuthorityHost: srv.URL}, o)
	require.NoError(t, err)
	mux.Handle("/onboard", h.Start())
	mux.Handle("/consent/callback", h.Callback())
	return web, newBrowser(srv), done, h
}

// newBrowser is a browser with its own cookies, trusting the fake.
func newBrowser(srv *graphauthtest.Server) *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, Transport: srv.Client().Transport}
}

func get(t *testing.T, c *http.Client, u string) (int, string) {
	t.Helper()
	resp, err := c.Get(u)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func httptestRecorder() *httptest.ResponseRecorder { return httptest.NewRecorder() }

func httpRequest(t *testing.T, u string) *http.Request {
	t.Helper()
	r, err := http.NewRequest(http.MethodGet, u, nil)
	require.NoError(t, err)
	return r
}
