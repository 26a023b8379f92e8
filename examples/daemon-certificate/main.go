// Command daemon-certificate is the single-sign-on product's group and user
// sync daemon, which calls Microsoft Graph as itself with a certificate: it
// loads the certificate (PEM or PFX), gets app-only tokens, and pages
// through /users and /groups with the kit's Graph client (msgraph).
//
//	go run ./examples/daemon-certificate
//
// With AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_CERTIFICATE_PATH
// (and AZURE_CLIENT_CERTIFICATE_PASSWORD for an encrypted file) set, it syncs
// that tenant; the app needs User.Read.All and Group.Read.All. Otherwise it
// runs against the fake platform.
//
// Its Graph calls go through a registration.Recorder: the run ends with the
// permissions they need, from Microsoft's permission map, next to the ones
// the guide asks for, and the requiredResourceAccess of the manifest that
// would ask for exactly those.
package main

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"github.com/entrakit/entrakit/graphauth"
	"github.com/entrakit/entrakit/graphauth/graphauthtest"
	"github.com/entrakit/entrakit/msgraph"
	"github.com/entrakit/entrakit/registration"
	"github.com/entrakit/entrakit/verify"
)

// guide is what the product's setup guide asks the administrator to grant.
var guide = []string{"User.Read.All", "Group.Read.All"}

func main() {
	if err := run(context.Background(), os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "daemon-certificate:", err)
		os.Exit(1)
	}
}

// env is where the daemon runs: its configuration, and how to reach Graph.
type env struct {
	cfg      graphauth.Config
	opts     *graphauth.Options
	graphURL string
	base     http.RoundTripper
}

func run(ctx context.Context, out io.Writer) error {
	e, cleanup, err := environment()
	if err != nil {
		return err
	}
	defer cleanup()
	chain, key, err := graphauth.LoadCertificate(e.cfg.CertificatePath, e.cfg.CertificatePassword)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "certificate %s (thumbprint as the portal shows it)\n", registration.Thumbprint(chain[0]))
	cred, err := graphauth.NewCertificateCredential(e.cfg.TenantID, e.cfg.ClientID, chain, key, &graphauth.CertificateOptions{Options: *e.opts})
	if err != nil {
		return err
	}
	rec := &registration.Recorder{Base: e.base}
	client, err := msgraph.NewClient(cred, &msgraph.Options{Cloud: e.cfg.Cloud(), Endpoint: e.graphURL, HTTPClient: &http.Client{Transport: rec}})
	if err != nil {
		return err
	}
	for _, what := range []string{"users", "groups"} {
		names, err := list(ctx, client, "/"+what+"?$select=id,displayName&$top=100")
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "synced %d %s: %s\n", len(names), what, strings.Join(names, ", "))
	}
	return permissions(out, rec)
}

// permissions prints the least privileged permissions the calls made need,
// next to what the guide asks for, and the manifest entry for them.
func permissions(out io.Writer, rec *registration.Recorder) error {
	set, err := rec.Permissions(registration.SchemeApplication)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "the guide asks for: %s\n", strings.Join(guide, ", "))
	fmt.Fprintf(out, "the calls made need: %s\n", strings.Join(set.Names(), ", "))
	for _, c := range set.Calls {
		fmt.Fprintf(out, "  %s\n", c)
	}
	for _, w := range verify.ComparePermissions(set, guide).Warnings() {
		fmt.Fprintf(out, "  %s\n", w)
	}
	manifest, err := json.Marshal(set.RequiredResourceAccess())
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "requiredResourceAccess: %s\n", manifest)
	return nil
}

// list pages through a Graph collection by its @odata.nextLink, through
// the kit's Graph client: a nextLink to another host is refused, Graph's
// Retry-After is honoured, and a refusal names the permission it needs.
func list(ctx context.Context, client *msgraph.Client, path string) ([]string, error) {
	type object struct {
		DisplayName string `json:"displayName"`
	}
	var names []string
	for o, err := range msgraph.All[object](ctx, client, path) {
		if err != nil {
			return nil, err
		}
		names = append(names, o.DisplayName)
	}
	return names, nil
}

// environment reads AZURE_*, or starts the fake platform and writes its
// app's certificate to a PEM file, as an administrator would hand one over.
func environment() (env, func(), error) {
	if cfg := graphauth.FromEnv(); cfg.TenantID != "" {
		return env{cfg: cfg, opts: &graphauth.Options{AuthorityHost: cfg.AuthorityHost}, graphURL: cfg.GraphEndpoint()}, func() {}, nil
	}
	srv := graphauthtest.NewServer(nil)
	dir, err := os.MkdirTemp("", "daemon-certificate")
	if err != nil {
		srv.Close()
		return env{}, nil, err
	}
	cleanup := func() { srv.Close(); os.RemoveAll(dir) }
	pemBytes, err := (&registration.Certificate{Chain: []*x509.Certificate{srv.ClientCertificate}, Key: srv.ClientKey}).PEM("")
	if err == nil {
		err = os.WriteFile(filepath.Join(dir, "app.pem"), pemBytes, 0o600)
	}
	if err != nil {
		cleanup()
		return env{}, nil, err
	}
	cfg := graphauth.Config{TenantID: srv.TenantID, ClientID: srv.ClientID, CertificatePath: filepath.Join(dir, "app.pem")}
	return env{cfg: cfg, opts: &graphauth.Options{AuthorityHost: srv.URL, HTTPClient: srv.Client()}, graphURL: srv.URL, base: srv.Client().Transport}, cleanup, nil
}
