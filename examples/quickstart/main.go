// Command quickstart tours the kit on the fake Microsoft identity platform,
// in-process and in a few seconds: it registers an app through Graph, gets
// app-only tokens with a client secret and with a certificate, signs a user
// in (the fake approves without a browser), onboards a customer tenant
// through admin consent proven by its administrator's sign-in, and prints a
// verify report.
//
//	go run ./examples/quickstart
package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/entrakit/entrakit/consent"
	"github.com/entrakit/entrakit/graphauth"
	"github.com/entrakit/entrakit/graphauth/graphauthtest"
	"github.com/entrakit/entrakit/registration"
	"github.com/entrakit/entrakit/verify"
)

func main() {
	if err := run(context.Background(), os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
}

const redirect = "http://localhost/callback"

var roles = []string{"User.Read.All", "Organization.Read.All"}

func run(ctx context.Context, out io.Writer) error {
	srv := graphauthtest.NewServer(nil) // tenant contoso.onmicrosoft.com, and an admin tool app
	defer srv.Close()
	customer := srv.AddTenant(graphauthtest.Tenant{DisplayName: "Fabrikam", Users: []graphauthtest.User{{UPN: "it@fabrikam.onmicrosoft.com", Admin: true}}})
	opts := graphauth.Options{AuthorityHost: srv.URL, HTTPClient: srv.Client()}
	fmt.Fprintf(out, "1. fake platform up: tenant %s\n", srv.TenantDomain)

	// 2. Register a multi-tenant app through Graph, as an admin tool would.
	srv.GrantAppRoles(srv.TenantID, srv.ClientID, "Application.ReadWrite.OwnedBy", "AppRoleAssignment.ReadWrite.All", "Application.Read.All")
	tool, err := graphauth.NewClientSecretCredential(srv.TenantID, srv.ClientID, graphauth.Secret(srv.Secret), &opts)
	if err != nil {
		return err
	}
	reg, err := registration.NewClient(tool, &registration.ClientOptions{GraphEndpoint: srv.URL, HTTPClient: srv.Client()})
	if err != nil {
		return err
	}
	perms, err := registration.ResolveGraphPermissions(roles, []string{"User.Read"})
	if err != nil {
		return err
	}
	app, err := reg.CreateApp(ctx, registration.App{DisplayName: "quickstart", SignInAudience: registration.AudienceMultipleOrgs,
		WebRedirectURIs: []string{redirect}, Permissions: perms})
	if err != nil {
		return err
	}
	secret, err := reg.AddPassword(ctx, app.ObjectID, "quickstart", time.Time{})
	if err != nil {
		return err
	}
	cert, err := registration.NewSelfSignedCertificate("quickstart", nil)
	if err != nil {
		return err
	}
	if _, err := reg.AddCertificate(ctx, app.ObjectID, cert.Leaf(), ""); err != nil {
		return err
	}
	if err := reg.GrantAppRoles(ctx, app.AppID, registration.MicrosoftGraphAppID, roles...); err != nil {
		return err
	}
	fmt.Fprintf(out, "2. registered app %q with a secret, certificate %s and admin consent for %s\n",
		app.DisplayName, registration.Thumbprint(cert.Leaf())[:8]+"…", strings.Join(roles, ", "))

	// 3. App-only tokens, with the secret and with the certificate.
	multi := opts
	multi.AllowedTenants = []string{"*"}
	withSecret, err := graphauth.NewClientSecretCredential(srv.TenantID, app.AppID, secret.SecretText, &multi)
	if err != nil {
		return err
	}
	withCert, err := graphauth.NewCertificateCredential(srv.TenantID, app.AppID, cert.Chain, cert.Key, &graphauth.CertificateOptions{Options: opts})
	if err != nil {
		return err
	}
	for _, c := range []struct {
		name string
		cred graphauth.TokenCredential
	}{{"client secret", withSecret}, {"certificate", withCert}} {
		tok, err := c.cred.Token(ctx, graphauth.TokenRequest{})
		if err != nil {
			return fmt.Errorf("token with %s: %w", c.name, err)
		}
		fmt.Fprintf(out, "3. app-only token with the %s: roles %s\n", c.name, strings.Join(tokenRoles(tok.AccessToken), ", "))
	}

	// 4. Sign a user in (the fake approves at once; a browser would show a page).
	s, err := graphauth.NewSignIn(srv.TenantID, app.AppID, graphauth.ClientAuth{Secret: secret.SecretText},
		&graphauth.SignInOptions{Options: opts, RedirectURI: redirect})
	if err != nil {
		return err
	}
	authURL, pending, err := s.AuthCodeURL(graphauth.AuthRequest{LoginHint: "adele@contoso.onmicrosoft.com"})
	if err != nil {
		return err
	}
	back, err := follow(srv.Client(), authURL)
	if err != nil {
		return err
	}
	user, err := s.Complete(ctx, pending, back)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "4. signed in %s (%s)\n", user.Name, user.Username)

	// 5. Onboard a customer tenant through admin consent, and prove it.
	srv.SignIn("it@fabrikam.onmicrosoft.com")
	admin, confirmed, err := onboard(ctx, consent.Config{ClientID: app.AppID, RedirectURI: redirect, AuthorityHost: srv.URL},
		graphauth.ClientAuth{Secret: secret.SecretText}, opts, withSecret)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "5. onboarded tenant Fabrikam (%t), proven by %s: roles %s confirmed=%t\n",
		admin.TenantID == customer.ID, admin.Username, strings.Join(confirmed.Roles, ", "), confirmed.Confirmed())

	// 6. Verify the registration as a "Verify" button would.
	cfg := graphauth.Config{TenantID: srv.TenantID, ClientID: app.AppID, ClientSecret: secret.SecretText}
	report := verify.Run(ctx, withSecret, verify.Requirements{Roles: roles, ProbeGraph: true},
		&verify.Options{Config: &cfg, GraphEndpoint: srv.URL, HTTPClient: srv.Client()})
	fmt.Fprintf(out, "6. %s", report.Text())
	return nil
}

// onboard runs admin consent for the tenant of the administrator signed in
// at the platform. The redirect's tenant is only a claim, so the
// administrator then signs in at that tenant, and only an ID token from it
// proves the claim; the grant's roles are confirmed last. consent.Handler
// does all of this for a web app.
func onboard(ctx context.Context, cfg consent.Config, auth graphauth.ClientAuth, opts graphauth.Options, cred graphauth.TokenCredential) (*graphauth.User, consent.Confirmation, error) {
	state := "quickstart-state-0123456789"
	consentURL, err := consent.URL(cfg, "organizations", state)
	if err != nil {
		return nil, consent.Confirmation{}, err
	}
	back, err := follow(opts.HTTPClient, consentURL)
	if err != nil {
		return nil, consent.Confirmation{}, err
	}
	res, err := consent.ParseCallback(back, state)
	if err != nil {
		return nil, consent.Confirmation{}, err
	}
	proof, err := graphauth.NewSignIn(res.TenantID, cfg.ClientID, auth, &graphauth.SignInOptions{Options: opts, RedirectURI: cfg.RedirectURI})
	if err != nil {
		return nil, consent.Confirmation{}, err
	}
	authURL, pending, err := proof.AuthCodeURL(graphauth.AuthRequest{})
	if err != nil {
		return nil, consent.Confirmation{}, err
	}
	if back, err = follow(opts.HTTPClient, authURL); err != nil {
		return nil, consent.Confirmation{}, err
	}
	admin, err := proof.Complete(ctx, pending, back) // validates the ID token, whose tid must be res.TenantID
	if err != nil {
		return nil, consent.Confirmation{}, err
	}
	if !strings.EqualFold(admin.TenantID, res.TenantID) {
		return nil, consent.Confirmation{}, consent.ErrTenantMismatch
	}
	confirmed, err := consent.Confirm(ctx, cred, res.TenantID, roles, nil)
	return admin, confirmed, err
}

// follow plays the browser: it follows the platform's redirect back to the
// app and returns the callback's parameters.
func follow(client *http.Client, u string) (url.Values, error) {
	resp, err := client.Get(u)
	if err != nil {
		return nil, err
	}
	resp.Body.Close()
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || resp.StatusCode != http.StatusFound {
		return nil, fmt.Errorf("no redirect back to the app (HTTP %d)", resp.StatusCode)
	}
	return loc.Query(), nil
}

// tokenRoles reads the roles claim, for display; Graph verifies tokens.
func tokenRoles(token string) []string {
	claims := jwt.MapClaims{}
	if _, _, err := jwt.NewParser().ParseUnverified(token, claims); err != nil {
		return nil
	}
	var out []string
	list, _ := claims["roles"].([]any)
	for _, r := range list {
		if s, ok := r.(string); ok {
			out = append(out, s)
		}
	}
	return out
}
