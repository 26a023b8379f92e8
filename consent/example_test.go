package consent_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"time"

	"github.com/entrakit/entrakit/consent"
	"github.com/entrakit/entrakit/graphauth"
	"github.com/entrakit/entrakit/graphauth/graphauthtest"
)

func ExampleURL() {
	u, _ := consent.URL(consent.Config{ClientID: "11111111-2222-3333-4444-555555555555", RedirectURI: "https://console.example/consent"},
		"organizations", "a-fresh-unguessable-state")
	parsed, _ := url.Parse(u)
	fmt.Println(parsed.Host + parsed.Path)
	fmt.Println(parsed.Query().Get("scope"))
	// Output:
	// login.microsoftonline.com/organizations/v2.0/adminconsent
	// https://graph.microsoft.com/.default
}

func ExampleParseCallback() {
	// The platform says admin_consent=True even when the administrator
	// cancelled: the error wins.
	q := url.Values{"admin_consent": {"True"}, "state": {"a-fresh-unguessable-state"}, "error": {"consent_required"},
		"error_description": {"AADSTS65004: User declined to consent to access the app."}}
	_, err := consent.ParseCallback(q, "a-fresh-unguessable-state")
	var ce *consent.Error
	if errorsAs(err, &ce) {
		fmt.Println(ce.Reason)
		fmt.Println(ce.Action)
	}
	// Output:
	// cancelled
	// Ask the administrator again, explaining why the app needs each permission.
}

// Onboarding on the fake platform: Contoso's administrator consents and
// signs in at Contoso, which proves the tenant; an attacker who edits the
// consent's redirect to name Contoso is sent to sign in there, and fails;
// a Tailspin member who is not an administrator, and who skips the consent
// page and forges its redirect, proves Tailspin, where the app has no roles.
func Example_adminConsent() {
	const contoso, tailspin = "22222222-2222-4222-8222-222222222222", "33333333-3333-4333-8333-333333333333"
	srv := graphauthtest.NewServer(&graphauthtest.Options{
		Tenants: []graphauthtest.Tenant{{DisplayName: "Northwind MSP"},
			{ID: contoso, DisplayName: "Contoso", Users: []graphauthtest.User{{UPN: "it@contoso.onmicrosoft.com", Admin: true}}},
			{DisplayName: "Fabrikam", Users: []graphauthtest.User{{UPN: "mallory@fabrikam.onmicrosoft.com", Admin: true}}},
			{ID: tailspin, DisplayName: "Tailspin", Users: []graphauthtest.User{{UPN: "staff@tailspin.onmicrosoft.com"}}}},
		Apps: []graphauthtest.App{{DisplayName: "Northwind console", MultiTenant: true, Secrets: []graphauthtest.Secret{{}},
			RedirectURIs: []string{"http://127.0.0.1/consent/callback"}, RequiredRoles: []string{"User.Read.All"}}},
	})
	defer srv.Close()
	app, _ := srv.App(srv.ClientID)
	secret := graphauth.Secret(app.Secrets[0].Value)
	cred, err := graphauth.NewClientSecretCredential(srv.TenantID, app.ClientID, secret,
		&graphauth.Options{AuthorityHost: srv.URL, HTTPClient: srv.Client(), AllowedTenants: []string{"*"}})
	if err != nil {
		fmt.Println(err)
		return
	}
	mux := http.NewServeMux()
	web := httptest.NewServer(mux)
	defer web.Close()
	h, err := consent.NewHandler(consent.Config{ClientID: app.ClientID, RedirectURI: web.URL + "/consent/callback", AuthorityHost: srv.URL},
		consent.HandlerOptions{Key: make([]byte, 32), ClientAuth: graphauth.ClientAuth{Secret: secret}, Credential: cred,
			Required: []string{"User.Read.All"}, HTTPClient: srv.Client(), Confirm: &consent.ConfirmOptions{Timeout: 100 * time.Millisecond},
			Done: func(w http.ResponseWriter, _ *http.Request, rec consent.Record, err error) {
				var ae *graphauth.AuthError
				var ge *consent.GrantError
				switch {
				case errorsAs(err, &ge):
					fmt.Printf("refused: %s not granted. %s\n", strings.Join(ge.Missing, ", "), ge.Action)
				case errorsAs(err, &ae):
					fmt.Printf("refused: AADSTS%d\n", ae.AADSTS[0])
				case err != nil:
					fmt.Println("refused:", err)
				default:
					fmt.Printf("onboarded %s for %s: %s\n", rec.TenantID, rec.ConsentedBy, rec.Status)
				}
			}})
	if err != nil {
		fmt.Println(err)
		return
	}
	mux.Handle("/onboard", h.Start())
	mux.Handle("/consent/callback", h.Callback())

	for _, c := range []struct {
		user   string
		forged func(r *http.Request) // how the user's browser edits a redirect
	}{
		{"it@contoso.onmicrosoft.com", func(*http.Request) {}},
		{"mallory@fabrikam.onmicrosoft.com", func(r *http.Request) {
			if r.URL.Query().Has("admin_consent") { // the attacker names Contoso
				q := r.URL.Query()
				q.Set("tenant", contoso)
				r.URL.RawQuery = q.Encode()
			}
		}},
		{"staff@tailspin.onmicrosoft.com", func(r *http.Request) {
			if strings.HasSuffix(r.URL.Path, "/adminconsent") { // back to the app as if consent were given
				q := url.Values{"admin_consent": {"True"}, "tenant": {tailspin}, "state": {r.URL.Query().Get("state")}}
				r.URL, _ = url.Parse(web.URL + "/consent/callback?" + q.Encode())
				r.Host = r.URL.Host
			}
		}},
	} {
		srv.SignIn(c.user) // the user's session at the platform
		jar, _ := cookiejar.New(nil)
		browser := &http.Client{Jar: jar, Transport: srv.Client().Transport,
			CheckRedirect: func(r *http.Request, _ []*http.Request) error { c.forged(r); return nil }}
		if resp, err := browser.Get(web.URL + "/onboard"); err == nil {
			resp.Body.Close()
		}
	}
	// Output:
	// onboarded 22222222-2222-4222-8222-222222222222 for it@contoso.onmicrosoft.com: confirmed
	// refused: AADSTS50020
	// refused: User.Read.All not granted. An administrator of the tenant must grant admin consent. If one just did, the grant can take a few minutes to reach tokens: try again.
}

// Reverify checks every onboarded tenant again, several at once: one
// customer removed the app, which shows at once as removed.
func ExampleReverify() {
	const contoso, fabrikam = "22222222-2222-4222-8222-222222222222", "44444444-4444-4444-8444-444444444444"
	srv := graphauthtest.NewServer(&graphauthtest.Options{
		Tenants: []graphauthtest.Tenant{{DisplayName: "Northwind MSP"}, {ID: contoso, DisplayName: "Contoso"}, {ID: fabrikam, DisplayName: "Fabrikam"}},
		Apps:    []graphauthtest.App{{DisplayName: "Northwind console", MultiTenant: true, Secrets: []graphauthtest.Secret{{}}}},
	})
	defer srv.Close()
	app, _ := srv.App(srv.ClientID)
	reg := &consent.MemoryRegistry{}
	for _, tenant := range []string{contoso, fabrikam} {
		srv.AddServicePrincipal(tenant, app.ClientID)
		srv.GrantAppRoles(tenant, app.ClientID, "User.Read.All")
		_ = reg.Put(context.Background(), consent.Record{TenantID: tenant, Status: consent.StatusConfirmed})
	}
	srv.RemoveServicePrincipal(fabrikam, app.ClientID) // Fabrikam's administrator deleted the app
	cred, err := graphauth.NewClientSecretCredential(srv.TenantID, app.ClientID, graphauth.Secret(app.Secrets[0].Value),
		&graphauth.Options{AuthorityHost: srv.URL, HTTPClient: srv.Client(), AllowedTenants: []string{"*"}})
	if err != nil {
		fmt.Println(err)
		return
	}
	recs, err := consent.Reverify(context.Background(), reg, cred, []string{"User.Read.All"}, &consent.ConfirmOptions{Parallel: 4})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, r := range recs {
		fmt.Println(r.TenantID, r.Status)
	}
	// Output:
	// 22222222-2222-4222-8222-222222222222 confirmed
	// 44444444-4444-4444-8444-444444444444 removed
}
