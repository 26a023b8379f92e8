// Command msp-onboarding onboards customer tenants into a multi-tenant
// product through admin consent, lists them with their status, and calls
// Microsoft Graph in each.
//
//	go run ./examples/msp-onboarding
//
// With nothing configured it runs on the fake platform: two customer
// administrators (Contoso and Fabrikam) go through the round trip (admin
// consent, then a sign-in at their tenant that proves it), their browser
// played by a Go client. With AZURE_TENANT_ID, AZURE_CLIENT_ID and
// AZURE_CLIENT_SECRET (or AZURE_CLIENT_CERTIFICATE_PATH) set (a
// multi-tenant app with http://localhost:8080/consent/callback registered),
// it serves the onboarding pages on localhost:8080 until interrupted.
package main

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"os"
	"os/signal"
	"strings"
	"text/tabwriter"

	"github.com/entrakit/entrakit/consent"
	"github.com/entrakit/entrakit/graphauth"
	"github.com/entrakit/entrakit/graphauth/graphauthtest"
)

var required = []string{"User.Read.All", "Organization.Read.All"}

func main() {
	var err error
	if cfg := graphauth.FromEnv(); cfg.TenantID != "" {
		err = serveReal(cfg)
	} else {
		err = demo(context.Background(), os.Stdout)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "msp-onboarding:", err)
		os.Exit(1)
	}
}

func newKey() []byte {
	k := make([]byte, 32)
	_, _ = rand.Read(k) // a real product loads its key from its secret store
	return k
}

func demo(ctx context.Context, out io.Writer) error {
	srv := graphauthtest.NewServer(&graphauthtest.Options{
		Tenants: []graphauthtest.Tenant{
			{DisplayName: "Northwind MSP", Domain: "northwind.onmicrosoft.com"},
			{DisplayName: "Contoso", Domain: "contoso.onmicrosoft.com", Users: []graphauthtest.User{{UPN: "it@contoso.onmicrosoft.com", Admin: true}}},
			{DisplayName: "Fabrikam", Domain: "fabrikam.onmicrosoft.com", Users: []graphauthtest.User{{UPN: "admin@fabrikam.onmicrosoft.com", Admin: true}}},
		},
		Apps: []graphauthtest.App{{DisplayName: "Northwind console", MultiTenant: true, Secrets: []graphauthtest.Secret{{}},
			RedirectURIs: []string{"http://127.0.0.1/consent/callback"}, RequiredRoles: required}},
	})
	defer srv.Close()
	app, _ := srv.App(srv.ClientID)

	// The product's credential may get tokens in any tenant that consents.
	cred, err := graphauth.NewClientSecretCredential(srv.TenantID, app.ClientID, graphauth.Secret(app.Secrets[0].Value),
		&graphauth.Options{AuthorityHost: srv.URL, HTTPClient: srv.Client(), AllowedTenants: []string{"*"}})
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	web := httptest.NewServer(mux)
	defer web.Close()
	// The secret also redeems the administrator's sign-in that proves the
	// tenant.
	h, err := consent.NewHandler(consent.Config{ClientID: app.ClientID, RedirectURI: web.URL + "/consent/callback", AuthorityHost: srv.URL},
		consent.HandlerOptions{Key: newKey(), Credential: cred, Required: required, HTTPClient: srv.Client(),
			ClientAuth: graphauth.ClientAuth{Secret: graphauth.Secret(app.Secrets[0].Value)},
			Done: func(w http.ResponseWriter, _ *http.Request, rec consent.Record, err error) {
				if err != nil {
					fmt.Fprintf(out, "consent failed: %v\n", err)
					http.Error(w, "consent failed", http.StatusBadRequest)
					return
				}
				fmt.Fprintf(out, "onboarded tenant %s for %s: %s\n", rec.TenantID, rec.ConsentedBy, rec.Status)
				fmt.Fprintln(w, "Thank you: your tenant is connected.")
			}})
	if err != nil {
		return err
	}
	mux.Handle("/onboard", h.Start())
	mux.Handle("/consent/callback", h.Callback())

	for _, admin := range []string{"it@contoso.onmicrosoft.com", "admin@fabrikam.onmicrosoft.com"} {
		srv.SignIn(admin) // the administrator's browser session at the platform
		jar, _ := cookiejar.New(nil)
		browser := &http.Client{Jar: jar, Transport: srv.Client().Transport}
		resp, err := browser.Get(web.URL + "/onboard")
		if err != nil {
			return err
		}
		resp.Body.Close()
	}

	recs, err := h.Registry().List(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintln(out)
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TENANT\tORGANIZATION\tROLES\tSTATUS")
	for _, rec := range recs {
		org, err := organization(ctx, cred, rec.TenantID, srv.URL, srv.Client().Transport)
		if err != nil {
			org = "error: " + err.Error()
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", rec.TenantID, org, strings.Join(rec.Roles, ","), rec.Status)
	}
	return tw.Flush()
}

// organization calls GET /v1.0/organization in a customer tenant, as the
// product does with the tenant's own token.
func organization(ctx context.Context, cred graphauth.TokenCredential, tenant, graphURL string, base http.RoundTripper) (string, error) {
	client := &http.Client{Transport: &graphauth.Transport{Credential: cred, Request: graphauth.TokenRequest{TenantID: tenant}, Base: base,
		AllowedHosts: []string{graphURL}}}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, graphURL+"/v1.0/organization", nil)
	if err != nil {
		return "", err
	}
	resp, err := client.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var body struct {
		Value []struct {
			DisplayName string `json:"displayName"`
		} `json:"value"`
	}
	if resp.StatusCode != http.StatusOK || json.NewDecoder(resp.Body).Decode(&body) != nil || len(body.Value) == 0 {
		return "", fmt.Errorf("GET /organization: %s", resp.Status)
	}
	return body.Value[0].DisplayName, nil
}

// serveReal serves the onboarding pages for a real multi-tenant app.
func serveReal(cfg graphauth.Config) error {
	cred, err := graphauth.NewCredential(cfg, &graphauth.Options{AllowedTenants: []string{"*"}})
	if err != nil {
		return err
	}
	auth, err := clientAuth(cfg)
	if err != nil {
		return err
	}
	h, err := consent.NewHandler(consent.Config{ClientID: cfg.ClientID, RedirectURI: "http://localhost:8080/consent/callback"},
		consent.HandlerOptions{Key: newKey(), Credential: cred, ClientAuth: auth, Required: required,
			Registry: consent.NewFileRegistry("tenants.json"),
			Done: func(w http.ResponseWriter, _ *http.Request, rec consent.Record, err error) {
				if err != nil {
					http.Error(w, err.Error(), http.StatusBadRequest)
					return
				}
				fmt.Fprintf(w, "Tenant %s: %s\n", rec.TenantID, rec.Status)
			}})
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.Handle("/onboard", h.Start())
	mux.Handle("/consent/callback", h.Callback())
	srv := &http.Server{Addr: "localhost:8080", Handler: mux}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	go func() { <-ctx.Done(); srv.Close() }()
	fmt.Println("send customer administrators to http://localhost:8080/onboard (records go to tenants.json)")
	if err := srv.ListenAndServe(); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// clientAuth is the app's secret or certificate from the environment, with
// which the handler redeems the sign-in that proves each tenant.
func clientAuth(cfg graphauth.Config) (graphauth.ClientAuth, error) {
	if cfg.ClientSecret != "" {
		return graphauth.ClientAuth{Secret: cfg.ClientSecret}, nil
	}
	if cfg.CertificatePath == "" {
		return graphauth.ClientAuth{}, errors.New("set AZURE_CLIENT_SECRET or AZURE_CLIENT_CERTIFICATE_PATH: the sign-in that proves a tenant needs one")
	}
	chain, key, err := graphauth.LoadCertificate(cfg.CertificatePath, cfg.CertificatePassword)
	if err != nil {
		return graphauth.ClientAuth{}, err
	}
	return graphauth.ClientAuth{Chain: chain, Key: key}, nil
}
