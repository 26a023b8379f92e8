// Command service-account is a workflow-automation "service account": an
// app with a client secret. Before its work it checks, through Microsoft
// Graph, when its own secrets expire, and warns in time.
//
//	go run ./examples/service-account
//
// With AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET set it runs
// as that app (which needs Application.Read.All to read its registration,
// and Organization.Read.All for its work). Otherwise it runs on the fake
// platform with a secret that ends in 20 days.
package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"

	"github.com/entrakit/entrakit/graphauth"
	"github.com/entrakit/entrakit/graphauth/graphauthtest"
	"github.com/entrakit/entrakit/registration"
)

// warnWithin is how early an expiring secret is reported.
const warnWithin = 30 * 24 * time.Hour

func main() {
	if err := run(context.Background(), os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "service-account:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, out io.Writer) error {
	cfg, opts, graph, cleanup := environment()
	defer cleanup()
	// NewCredential reads the settings as the administrator pasted them
	// (a Token URL as the tenant, say) and names the one at fault.
	cred, err := graphauth.NewCredential(cfg, opts)
	if err != nil {
		return err // a *ConfigError: a GUID-shaped secret is its ID, pasted by mistake
	}
	if c, ok := cred.(io.Closer); ok {
		defer c.Close()
	}
	client, err := registration.NewClient(cred, graph)
	if err != nil {
		return err
	}
	if err := checkSecrets(ctx, client, cfg.ClientID, time.Now(), out); err != nil {
		return err
	}
	var org struct {
		Value []struct {
			DisplayName string `json:"displayName"`
		} `json:"value"`
	}
	if err := client.Get(ctx, "/organization", &org, "Organization.Read.All"); err != nil {
		return err
	}
	if len(org.Value) > 0 {
		fmt.Fprintf(out, "working in %s\n", org.Value[0].DisplayName)
	}
	return nil
}

// checkSecrets reads the app's own registration and reports, for each of
// its secrets and certificates, whether it is expired, expires within
// warnWithin, or is fine.
func checkSecrets(ctx context.Context, client *registration.Client, clientID string, now time.Time, out io.Writer) error {
	app, err := client.ApplicationByAppID(ctx, clientID)
	if err != nil {
		return fmt.Errorf("reading the app's own registration: %w", err)
	}
	creds, err := client.Credentials(ctx, app.ObjectID)
	if err != nil {
		return err
	}
	for _, c := range creds {
		days := int(c.End.Sub(now).Hours() / 24)
		switch {
		case c.Expired(now):
			fmt.Fprintf(out, "EXPIRED: %s %q ended %s\n", c.Kind, c.DisplayName, c.End.Format(time.DateOnly))
		case c.ExpiresWithin(now, warnWithin):
			fmt.Fprintf(out, "WARNING: %s %q (%s…) expires in %d days, on %s: add its successor now\n", c.Kind, c.DisplayName, c.Hint, days, c.End.Format(time.DateOnly))
		default:
			fmt.Fprintf(out, "ok: %s %q valid for %d more days\n", c.Kind, c.DisplayName, days)
		}
	}
	return nil
}

// environment reads AZURE_*, or sets up the fake platform with a service
// account whose secret ends in 20 days.
func environment() (graphauth.Config, *graphauth.Options, *registration.ClientOptions, func()) {
	if cfg := graphauth.FromEnv(); cfg.TenantID != "" {
		return cfg, &graphauth.Options{AuthorityHost: cfg.AuthorityHost}, &registration.ClientOptions{Cloud: cfg.Cloud(), GraphEndpoint: cfg.GraphEndpoint()}, func() {}
	}
	srv := graphauthtest.NewServer(nil)
	app := srv.AddApp(graphauthtest.App{DisplayName: "workflow service account",
		Secrets: []graphauthtest.Secret{{DisplayName: "automation", End: time.Now().Add(20*24*time.Hour + time.Hour)}}})
	srv.GrantAppRoles(srv.TenantID, app.ClientID, "Application.Read.All", "Organization.Read.All")
	cfg := graphauth.Config{TenantID: srv.TenantID, ClientID: app.ClientID, ClientSecret: graphauth.Secret(app.Secrets[0].Value)}
	return cfg, &graphauth.Options{AuthorityHost: srv.URL, HTTPClient: srv.Client()},
		&registration.ClientOptions{GraphEndpoint: srv.URL, HTTPClient: &http.Client{Transport: srv.Client().Transport}}, srv.Close
}
