package consent_test

import (
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"

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
	// The administrator declined. Ask again, explaining why the app needs its permissions.
}

// Onboarding on the fake platform: Contoso's administrator consents and
// signs in at Contoso, which proves the tenant; an attacker who edits the
// consent's redirect to name Contoso is sent to sign in there, and fails.
func Example_adminConsent() {
	srv := graphauthtest.NewServer(&graphauthtest.Options{
		Tenants: []graphauthtest.Tenant{{DisplayName: "Northwind MSP"},
			{ID: "22222222-2222-4222-8222-222222222222", DisplayName: "Contoso", Users: []graphauthtest.User{{UPN: "it@contoso.onmicrosoft.com", Admin: true}}},
			{DisplayName: "Fabrikam", Users: []graphauthtest.User{{UPN: "mallory@fabrikam.onmicrosoft.com", Admin: true}}}},
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
			Required: []string{"User.Read.All"}, HTTPClient: srv.Client(),
			Done: func(w http.ResponseWriter, _ *http.Request, rec consent.Record, err error) {
				var ae *graphauth.AuthError
				switch {
				case errorsAs(err, &ae):
					fmt.Printf("refused: AADSTS%d\n", ae.AADSTS[0])
				case err != nil:
					fmt.Println("refused:", err)
				default:
					fmt.Printf("onboarded %s for %s: %s\n", rec.TenantID, rec.ConsentedBy, rec.LastResult)
				}
			}})
	if err != nil {
		fmt.Println(err)
		return
	}
	mux.Handle("/onboard", h.Start())
	mux.Handle("/consent/callback", h.Callback())

	for _, admin := range []string{"it@contoso.onmicrosoft.com", "mallory@fabrikam.onmicrosoft.com"} {
		srv.SignIn(admin) // the administrator's session at the platform
		jar, _ := cookiejar.New(nil)
		browser := &http.Client{Jar: jar, Transport: srv.Client().Transport}
		if strings.HasPrefix(admin, "mallory") {
			browser.CheckRedirect = func(r *http.Request, _ []*http.Request) error {
				if r.URL.Query().Has("admin_consent") { // the attacker names Contoso
					q := r.URL.Query()
					q.Set("tenant", "22222222-2222-4222-8222-222222222222")
					r.URL.RawQuery = q.Encode()
				}
				return nil
			}
		}
		if resp, err := browser.Get(web.URL + "/onboard"); err == nil {
			resp.Body.Close()
		}
	}
	// Output:
	// onboarded 22222222-2222-4222-8222-222222222222 for it@contoso.onmicrosoft.com: confirmed
	// refused: AADSTS50020
}
