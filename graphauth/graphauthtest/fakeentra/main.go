// Command fakeentra serves the fake Microsoft identity platform of package
// graphauthtest as a standalone process, for tests written in other
// languages. It listens on a loopback port over TLS, writes the server's CA
// certificate to a file, prints one JSON line with its URL and that path, and
// stops on SIGINT or SIGTERM.
//
//	go run ./graphauth/graphauthtest/fakeentra -config directory.json -ca /tmp/fakeentra-ca.pem
//
// Without -config it serves the default directory (one tenant, one app) and
// prints that app's IDs and its fake secret too. The config file is JSON:
//
//	{
//	  "tenants": [{"id": "…", "domain": "contoso.onmicrosoft.com", "displayName": "Contoso",
//	               "users": [{"upn": "admin@contoso.onmicrosoft.com", "admin": true}]}],
//	  "apps": [{"clientId": "…", "displayName": "sync", "homeTenant": "contoso.onmicrosoft.com",
//	            "multiTenant": false, "secrets": [{"value": "…", "end": "2030-01-01T00:00:00Z"}],
//	            "certificates": ["-----BEGIN CERTIFICATE-----…"], "redirectUris": ["http://localhost"],
//	            "requiredRoles": ["User.Read.All"], "grants": {"contoso.onmicrosoft.com": ["User.Read.All"]}}],
//	  "tokenLifetimeSeconds": 3599, "propagationDelaySeconds": 0, "interactive": false
//	}
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "fakeentra:", err)
		os.Exit(2)
	}
}

// run starts the server, announces it on out, and serves until ctx ends.
func run(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("fakeentra", flag.ContinueOnError)
	configPath := fs.String("config", "", "JSON file of tenants and apps (default: one tenant, one app)")
	addr := fs.String("addr", "127.0.0.1:0", "loopback address to listen on")
	caPath := fs.String("ca", "", "file to write the CA certificate to (default: a new file in the temporary directory)")
	interactive := fs.Bool("interactive", false, "serve sign-in and consent pages instead of approving at once")
	if err := fs.Parse(args); err != nil {
		return err
	}
	opts, grants, err := loadConfig(*configPath)
	if err != nil {
		return err
	}
	opts.Addr = *addr
	opts.Interactive = opts.Interactive || *interactive
	srv, err := start(opts, grants)
	if err != nil {
		return err
	}
	defer srv.Close()
	ca, err := writeCA(srv.CA(), *caPath)
	if err != nil {
		return err
	}
	hello := map[string]string{"url": srv.URL, "caFile": ca}
	if *configPath == "" {
		hello["tenantId"], hello["tenantDomain"] = srv.TenantID, srv.TenantDomain
		hello["clientId"], hello["clientSecret"] = srv.ClientID, srv.Secret
	}
	if err := json.NewEncoder(out).Encode(hello); err != nil {
		return err
	}
	<-ctx.Done()
	return nil
}
