// Command verify runs the checks of a "Verify" button against an app
// registration and prints the report; it exits 1 when a check fails.
//
//	AZURE_TENANT_ID=… AZURE_CLIENT_ID=… AZURE_CLIENT_SECRET=… go run ./examples/verify -roles User.Read.All,Group.Read.All -probe
//
// The credential comes from the standard AZURE_* variables (a secret, a
// certificate or a federated token file). With none set, it runs against the
// fake platform and shows one passing and one failing registration, then
// the failing one again after its administrator grants the missing
// permission (Verify asks for a fresh token, so the grant shows at once),
// and exits 0.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/entrakit/entrakit/graphauth"
	"github.com/entrakit/entrakit/graphauth/graphauthtest"
	"github.com/entrakit/entrakit/verify"
)

func main() {
	code, err := run(context.Background(), os.Args[1:], os.Stdout)
	if err != nil {
		fmt.Fprintln(os.Stderr, "verify:", err)
		os.Exit(2)
	}
	os.Exit(code)
}

func run(ctx context.Context, args []string, out io.Writer) (int, error) {
	fs := flag.NewFlagSet("verify", flag.ContinueOnError)
	roles := fs.String("roles", "User.Read.All,Group.Read.All", "required Microsoft Graph application permissions, comma-separated")
	optional := fs.String("optional", "", "optional application permissions: missing ones warn")
	scopes := fs.String("scopes", "", "required delegated permissions, for a signed-in user's credential")
	probe := fs.Bool("probe", true, "call Graph once per permission family")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	if err := fs.Parse(args); err != nil {
		return 2, err
	}
	req := verify.Requirements{Roles: splitList(*roles), OptionalRoles: splitList(*optional), Scopes: splitList(*scopes), ProbeGraph: *probe}
	print := func(r verify.Report) error {
		if *asJSON {
			data, err := r.JSON()
			if err != nil {
				return err
			}
			_, err = fmt.Fprintln(out, string(data))
			return err
		}
		_, err := fmt.Fprint(out, r.Text())
		return err
	}

	if cfg := graphauth.FromEnv(); cfg.TenantID != "" || cfg.ClientID != "" {
		cred, err := graphauth.NewCredential(cfg, nil)
		if err != nil {
			// A configuration error is a finding too: report it as such.
			fmt.Fprintln(out, verify.Diagnose(err))
			return 1, nil
		}
		report := verify.Run(ctx, cred, req, &verify.Options{Config: &cfg})
		if err := print(report); err != nil {
			return 2, err
		}
		if report.Failed() {
			return 1, nil
		}
		return 0, nil
	}
	return 0, demo(ctx, req, print, out)
}

// demo verifies two registrations on the fake platform: one set up as the
// requirements say, and one whose administrator never granted consent for
// Group.Read.All.
func demo(ctx context.Context, req verify.Requirements, print func(verify.Report) error, out io.Writer) error {
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	good := srv.AddApp(graphauthtest.App{DisplayName: "well configured", Secrets: []graphauthtest.Secret{{}}})
	srv.GrantAppRoles(srv.TenantID, good.ClientID, req.Roles...)
	half := srv.AddApp(graphauthtest.App{DisplayName: "consent missing", Secrets: []graphauthtest.Secret{{}}})
	if len(req.Roles) > 1 {
		srv.GrantAppRoles(srv.TenantID, half.ClientID, req.Roles[:len(req.Roles)-1]...)
	}

	fmt.Fprintln(out, "No AZURE_* variables set: verifying two registrations on the fake platform.")
	for _, app := range []graphauthtest.App{good, half} {
		cfg := graphauth.Config{TenantID: srv.TenantID, ClientID: app.ClientID, ClientSecret: graphauth.Secret(app.Secrets[0].Value)}
		cred, err := graphauth.NewClientSecretCredential(cfg.TenantID, cfg.ClientID, cfg.ClientSecret,
			&graphauth.Options{AuthorityHost: srv.URL, HTTPClient: srv.Client()})
		if err != nil {
			return err
		}
		defer cred.Close()
		opts := &verify.Options{Config: &cfg, GraphEndpoint: srv.URL, HTTPClient: srv.Client()}
		fmt.Fprintln(out)
		report := verify.Run(ctx, cred, req, opts)
		if err := print(report); err != nil {
			return err
		}
		if !report.Failed() {
			continue
		}
		// The administrator grants what was missing and clicks Verify again.
		srv.GrantAppRoles(srv.TenantID, app.ClientID, req.Roles...)
		fmt.Fprintln(out, "\nAfter the administrator grants the missing permissions:")
		if err := print(verify.Run(ctx, cred, req, opts)); err != nil {
			return err
		}
	}
	return nil
}

func splitList(s string) []string {
	var out []string
	for _, x := range strings.Split(s, ",") {
		if x = strings.TrimSpace(x); x != "" {
			out = append(out, x)
		}
	}
	return out
}
