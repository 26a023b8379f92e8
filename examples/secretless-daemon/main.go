// Command secretless-daemon is a multi-tenant daemon, in the shape of an
// MSP tool, with no secret and no certificate: the managed identity of the
// Azure resource it runs on is trusted by the app's federated identity
// credential, and the identity's token for api://AzureADTokenExchange is
// the app's client assertion in every customer tenant. Nothing expires,
// nothing is rotated, nothing can leak from a file.
//
//	go run ./examples/secretless-daemon
//
// In Azure, set AZURE_CLIENT_ID (the multi-tenant app),
// AZURE_TENANT_ID (its home tenant), CUSTOMER_TENANT_IDS (comma-separated
// tenants that consented) and, for a user-assigned identity,
// MANAGED_IDENTITY_CLIENT_ID. The app needs Organization.Read.All in each
// tenant, and a federated identity credential for the identity (this
// program prints the one to add when it runs against the fake). Otherwise
// it runs against the fake platform, with two customer tenants. Against a
// standalone fakeentra, set the same variables with AZURE_AUTHORITY_HOST
// and SSL_CERT_FILE, and App Service's IDENTITY_ENDPOINT and
// IDENTITY_HEADER, which its control API answers when it adds the
// identity (POST /managedIdentities, then /managedIdentities/trust).
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"

	"github.com/entrakit/entrakit/graphauth"
	"github.com/entrakit/entrakit/graphauth/graphauthtest"
	"github.com/entrakit/entrakit/registration"
)

func main() {
	if err := run(context.Background(), os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "secretless-daemon:", err)
		os.Exit(1)
	}
}

// env is where the daemon runs.
type env struct {
	homeTenant, clientID string
	customers            []string
	mi                   graphauth.ManagedIdentityOptions
	opts                 graphauth.Options
	graphURL             string
	httpClient           *http.Client
}

func run(ctx context.Context, out io.Writer) error {
	e, cleanup, err := environment(out)
	if err != nil {
		return err
	}
	defer cleanup()
	opts := e.opts
	opts.AllowedTenants = e.customers
	cred, err := graphauth.NewFallbackCredential(e.homeTenant, e.clientID,
		[]graphauth.ClientCredential{graphauth.ManagedIdentityAssertion("managed identity", &e.mi)},
		&graphauth.FallbackOptions{CertificateOptions: graphauth.CertificateOptions{Options: opts}})
	if err != nil {
		return err
	}
	defer cred.Close()
	for _, tenant := range e.customers {
		client := &http.Client{Transport: &graphauth.Transport{Credential: cred, Base: e.httpClient.Transport,
			AllowedHosts: []string{e.graphURL}, Request: graphauth.TokenRequest{TenantID: tenant}}}
		name, err := organization(ctx, client, e.graphURL)
		if err != nil {
			return fmt.Errorf("tenant %s: %w", tenant, err)
		}
		fmt.Fprintf(out, "tenant %s: %s (no secret, no certificate)\n", tenant, name)
	}
	return nil
}

// organization reads the tenant's display name.
func organization(ctx context.Context, client *http.Client, graphURL string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, graphURL+"/v1.0/organization?$select=displayName", nil)
	if err != nil {
		return "", err
	}
	resp, err := client.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var page struct {
		Value []struct {
			DisplayName string `json:"displayName"`
		} `json:"value"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&page); err != nil || resp.StatusCode != http.StatusOK || len(page.Value) == 0 {
		return "", fmt.Errorf("GET /organization: %s", resp.Status)
	}
	return page.Value[0].DisplayName, nil
}

// environment reads the variables above, or sets up the fake: a
// multi-tenant app consented in two customer tenants, and a managed
// identity it trusts through a federated identity credential added with
// registration.Client, as an administrator's setup script would.
func environment(out io.Writer) (env, func(), error) {
	if clientID := os.Getenv("AZURE_CLIENT_ID"); clientID != "" {
		e := env{homeTenant: os.Getenv("AZURE_TENANT_ID"), clientID: clientID, graphURL: graphauth.FromEnv().GraphEndpoint(),
			opts: graphauth.Options{AuthorityHost: graphauth.FromEnv().AuthorityHost}, httpClient: &http.Client{Transport: http.DefaultTransport}}
		e.customers = strings.Split(os.Getenv("CUSTOMER_TENANT_IDS"), ",")
		e.mi.ClientID = os.Getenv("MANAGED_IDENTITY_CLIENT_ID")
		return e, func() {}, nil
	}
	srv := graphauthtest.NewServer(nil)
	app := srv.AddApp(graphauthtest.App{DisplayName: "MSP tool", MultiTenant: true})
	mi := srv.AddManagedIdentity(graphauthtest.ManagedIdentity{SystemAssigned: true})
	e := env{homeTenant: srv.TenantID, clientID: app.ClientID, graphURL: srv.URL, httpClient: srv.Client(),
		opts: graphauth.Options{AuthorityHost: srv.URL, HTTPClient: srv.Client()},
		mi:   graphauth.ManagedIdentityOptions{IMDSEndpoint: srv.URL + graphauthtest.IMDSPath}}
	for _, name := range []string{"Fabrikam", "Northwind"} {
		t := srv.AddTenant(graphauthtest.Tenant{DisplayName: name})
		srv.AddServicePrincipal(t.ID, app.ClientID)
		srv.GrantAppRoles(t.ID, app.ClientID, "Organization.Read.All")
		e.customers = append(e.customers, t.ID)
	}
	if err := trust(srv, app, mi, out); err != nil {
		srv.Close()
		return env{}, nil, err
	}
	return e, srv.Close, nil
}

// trust adds the federated identity credential through Graph, with the
// fake's default app as the administrator's tool.
func trust(srv *graphauthtest.Server, app graphauthtest.App, mi graphauthtest.ManagedIdentity, out io.Writer) error {
	srv.GrantAppRoles(srv.TenantID, srv.ClientID, "Application.ReadWrite.All")
	admin, err := graphauth.NewClientSecretCredential(srv.TenantID, srv.ClientID, graphauth.Secret(srv.Secret),
		&graphauth.Options{AuthorityHost: srv.URL, HTTPClient: srv.Client()})
	if err != nil {
		return err
	}
	defer admin.Close()
	client, err := registration.NewClient(admin, &registration.ClientOptions{GraphEndpoint: srv.URL, HTTPClient: srv.Client()})
	if err != nil {
		return err
	}
	f := registration.ManagedIdentityFederation("msp-daemon", srv.URL, mi.Tenant, mi.ObjectID, graphauth.TokenExchangeAudience(graphauth.AzurePublic))
	added, err := client.AddFederatedCredential(context.Background(), app.ObjectID, f)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "federated credential %q: issuer %s/{tenant}/v2.0, subject the identity's object ID, audience %s\n",
		added.Name, "https://login.microsoftonline.com", added.Audiences[0])
	return nil
}
