// Command msp-onboarding onboards customer tenants into a multi-tenant
// product through admin consent, lists them with their status, and calls
// Microsoft Graph in each.
//
//	go run ./examples/msp-onboarding
//
// With nothing configured it runs on the fake platform: two customer
// administrators (Contoso and Fabrikam) go through the round trip (admin
// consent, then a sign-in at their tenant that proves it), their browser
// played by a Go client, each from the console's page for one of its
// client records, which the round trip carries back. A third customer,
// Newco, has never used Teams: its consent fails with AADSTS650052, the
// console shows the diagnosis, Newco's administrator creates the missing
// Teams service principal with their own delegated token (teams.go), and
// the consent then succeeds. With AZURE_TENANT_ID, AZURE_CLIENT_ID and
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
	"github.com/entrakit/entrakit/verify"
)

var required = []string{"User.Read.All", "Organization.Read.All"}

// customers are the console's client records and their administrators.
var customers = []struct{ client, admin, tenant string }{
	{"client-17", "it@contoso.onmicrosoft.com", "contoso.onmicrosoft.com"},
	{"client-23", "admin@fabrikam.onmicrosoft.com", "fabrikam.onmicrosoft.com"},
	{"client-31", "it@newco.onmicrosoft.com", "newco.onmicrosoft.com"},
}

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

// fakePlatform is the MSP's tenant and three customers; Newco has never
// used Teams, so it lacks the Teams admin API's service principal, which
// the console's app needs.
func fakePlatform() *graphauthtest.Server {
	admin := func(upn string) []graphauthtest.User { return []graphauthtest.User{{UPN: upn, Admin: true}} }
	return graphauthtest.NewServer(&graphauthtest.Options{
		Tenants: []graphauthtest.Tenant{
			{DisplayName: "Northwind MSP", Domain: "northwind.onmicrosoft.com", ServicePrincipals: graphauthtest.FirstPartyApps()},
			{DisplayName: "Contoso", Domain: "contoso.onmicrosoft.com", Users: admin("it@contoso.onmicrosoft.com"), ServicePrincipals: graphauthtest.FirstPartyApps()},
			{DisplayName: "Fabrikam", Domain: "fabrikam.onmicrosoft.com", Users: admin("admin@fabrikam.onmicrosoft.com"), ServicePrincipals: graphauthtest.FirstPartyApps()},
			{DisplayName: "Newco", Domain: "newco.onmicrosoft.com", Users: admin("it@newco.onmicrosoft.com")},
		},
		Apps: []graphauthtest.App{{DisplayName: "Northwind console", MultiTenant: true, Secrets: []graphauthtest.Secret{{}},
			RedirectURIs: []string{"http://127.0.0.1/consent/callback"}, RequiredRoles: required,
			RequiredResources: []string{graphauthtest.TeamsAdminAppID}}},
	})
}

// console is the MSP's web console on the fake platform.
type console struct {
	srv     *graphauthtest.Server
	app     graphauthtest.App
	cred    graphauth.TokenCredential
	h       *consent.Handler
	web     *httptest.Server
	results chan result
}

// result is what Done saw at the end of one round trip.
type result struct {
	rec consent.Record
	err error
}

func newConsole(srv *graphauthtest.Server, out io.Writer) (*console, error) {
	app, _ := srv.App(srv.ClientID)
	c := &console{srv: srv, app: app, results: make(chan result, 1)}
	// The product's credential may get tokens in any tenant that consents.
	cred, err := graphauth.NewClientSecretCredential(srv.TenantID, app.ClientID, graphauth.Secret(app.Secrets[0].Value),
		&graphauth.Options{AuthorityHost: srv.URL, HTTPClient: srv.Client(), AllowedTenants: []string{"*"}})
	if err != nil {
		return nil, err
	}
	c.cred = cred
	mux := http.NewServeMux()
	c.web = httptest.NewServer(mux)
	// The secret also redeems the administrator's sign-in that proves the
	// tenant.
	c.h, err = consent.NewHandler(consent.Config{ClientID: app.ClientID, RedirectURI: c.web.URL + "/consent/callback", AuthorityHost: srv.URL},
		consent.HandlerOptions{Key: newKey(), Credential: cred, Required: required, HTTPClient: srv.Client(),
			ClientAuth: graphauth.ClientAuth{Secret: graphauth.Secret(app.Secrets[0].Value)},
			Done: func(w http.ResponseWriter, _ *http.Request, rec consent.Record, err error) {
				c.results <- result{rec, err}
				if err != nil {
					fmt.Fprintf(out, "consent for %s failed:\n%s\n", rec.AppState, indent(verify.Diagnose(err).String()))
					http.Error(w, verify.Diagnose(err).String(), http.StatusBadRequest)
					return
				}
				fmt.Fprintf(out, "onboarded tenant %s for %s (%s): %s\n", rec.TenantID, rec.AppState, rec.ConsentedBy, rec.Status)
				fmt.Fprintln(w, "Thank you: your tenant is connected.")
			}})
	if err != nil {
		c.web.Close()
		return nil, err
	}
	// The console's page for one client record starts the round trip,
	// carrying the record's ID through it.
	mux.HandleFunc("/clients/{id}/authorise", func(w http.ResponseWriter, r *http.Request) {
		if err := c.h.Redirect(w, r, r.URL.Query().Get("tenant"), r.PathValue("id")); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
		}
	})
	mux.Handle("/consent/callback", c.h.Callback())
	return c, nil
}

func (c *console) Close() {
	c.h.Close()
	c.web.Close()
}

// authorise is a customer's administrator clicking "Authorise" on the
// console's page for their client record, in a browser of their own.
func (c *console) authorise(client, admin, tenant string) result {
	c.srv.SignIn(admin) // the administrator's browser session at the platform
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar, Transport: c.srv.Client().Transport}
	resp, err := browser.Get(c.web.URL + "/clients/" + client + "/authorise?tenant=" + tenant)
	if err != nil {
		return result{err: err}
	}
	resp.Body.Close()
	return <-c.results
}

func demo(ctx context.Context, out io.Writer) error {
	srv := fakePlatform()
	defer srv.Close()
	c, err := newConsole(srv, out)
	if err != nil {
		return err
	}
	defer c.Close()
	for _, cu := range customers {
		res := c.authorise(cu.client, cu.admin, cu.tenant)
		if res.err == nil {
			continue
		}
		// Newco lacks the Teams service principal: its administrator
		// creates it (teams.go), waits for it to replicate, and authorises
		// again.
		if err := fixMissingService(ctx, out, c, cu.admin, cu.tenant, res.err); err != nil {
			return err
		}
		if res = c.authorise(cu.client, cu.admin, cu.tenant); res.err != nil {
			return res.err
		}
	}
	return printTenants(ctx, out, c)
}

// printTenants lists the onboarded tenants with their organization's name,
// read with each tenant's own token.
func printTenants(ctx context.Context, out io.Writer, c *console) error {
	recs, err := c.h.Registry().List(ctx)
	if errors.Is(err, consent.ErrCorruptRecord) {
		// A value the registry cannot read hides no other tenant: list
		// the others and say which needs repair.
		fmt.Fprintln(out, "warning:", err)
	} else if err != nil {
		return err
	}
	fmt.Fprintln(out)
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TENANT\tORGANIZATION\tCLIENT\tROLES\tSTATUS")
	for _, rec := range recs {
		org, err := organization(ctx, c.cred, rec.TenantID, c.srv.URL, c.srv.Client().Transport)
		if err != nil {
			org = "error: " + err.Error()
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", rec.TenantID, org, rec.AppState, strings.Join(rec.Roles, ","), rec.Status)
	}
	return tw.Flush()
}

// indent indents each line of s by four spaces.
func indent(s string) string { return "    " + strings.ReplaceAll(s, "\n", "\n    ") }

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
	h, err := consent.NewHandler(consent.Config{ClientID: cfg.ClientID, RedirectURI: "http://localhost:8080/consent/callback", AuthorityHost: cfg.AuthorityHost},
		consent.HandlerOptions{Key: newKey(), Credential: cred, ClientAuth: auth, Required: required,
			Registry: consent.NewFileRegistry("tenants.json"),
			Done: func(w http.ResponseWriter, _ *http.Request, rec consent.Record, err error) {
				if err != nil {
					// The diagnosis says what the customer's administrator
					// does, such as creating a missing Teams service
					// principal (AADSTS650052).
					http.Error(w, verify.Diagnose(err).String(), http.StatusBadRequest)
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
