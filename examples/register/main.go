// Command register creates an app registration end to end through Microsoft
// Graph: the app with its required permissions, its service principal, a
// client secret and a certificate, and admin consent for its application
// permissions; then it proves the result by getting a token as the new app.
//
//	go run ./examples/register -roles User.Read.All,Group.Read.All
//
// With nothing configured it runs against the fake platform. With the
// standard AZURE_* variables set it works in that tenant, as that app, which
// needs Application.ReadWrite.OwnedBy (or .All), AppRoleAssignment.ReadWrite.All
// and Application.Read.All.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/entrakit/entrakit/graphauth"
	"github.com/entrakit/entrakit/graphauth/graphauthtest"
	"github.com/entrakit/entrakit/registration"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "register:", err)
		os.Exit(1)
	}
}

// target is where the example works: a tenant, a credential for the tool
// itself, and how to reach Graph and the identity platform.
type target struct {
	tenantID string
	client   *registration.Client
	authOpts graphauth.Options // for the new app's credential
}

func run(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("register", flag.ContinueOnError)
	name := fs.String("name", "entrakit register example", "display name of the new app")
	rolesFlag := fs.String("roles", "User.Read.All,Group.Read.All", "Microsoft Graph application permissions, comma-separated")
	dir := fs.String("out", "", "folder for the new app's certificate (PEM with key) and secret; default: a new temporary folder")
	if err := fs.Parse(args); err != nil {
		return err
	}
	roles := strings.Split(*rolesFlag, ",")
	for i := range roles {
		roles[i] = strings.TrimSpace(roles[i]) // "User.Read.All, Group.Read.All" as a person types it
	}
	perms, err := registration.ResolveGraphPermissions(roles, nil)
	if err != nil {
		return err // names the typo and the closest real permission
	}
	if err := checkOut(*dir); err != nil {
		return err // before the app exists, whose secret would have nowhere to go
	}
	tg, cleanup, err := pickTarget()
	if err != nil {
		return err
	}
	defer cleanup()

	app, err := tg.client.CreateApp(ctx, registration.App{DisplayName: *name, Permissions: perms})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "created app %q\n", app.DisplayName)
	if _, _, err := tg.client.EnsureServicePrincipal(ctx, app.AppID); err != nil {
		return err
	}
	fmt.Fprintln(out, "created its service principal")
	secret, err := tg.client.AddPassword(ctx, app.ObjectID, "created by entrakit", time.Now().AddDate(0, 6, 0))
	if err != nil {
		return err
	}
	cert, err := registration.NewSelfSignedCertificate(*name, nil)
	if err != nil {
		return err
	}
	if _, err := tg.client.AddCertificate(ctx, app.ObjectID, cert.Leaf(), ""); err != nil {
		return err
	}
	folder, err := save(*dir, cert, secret.SecretText)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "added a secret (hint %s…, expires %s) and certificate %s; both saved in %s\n",
		secret.Hint, secret.EndDateTime.Format(time.DateOnly), registration.Thumbprint(cert.Leaf()), folder)
	if err := tg.client.GrantAppRoles(ctx, app.AppID, registration.MicrosoftGraphAppID, roles...); err != nil {
		return err
	}
	fmt.Fprintf(out, "granted admin consent for %s\n", strings.Join(roles, ", "))

	newCred, err := graphauth.NewCertificateCredential(tg.tenantID, app.AppID, cert.Chain, cert.Key,
		&graphauth.CertificateOptions{Options: tg.authOpts})
	if err != nil {
		return err
	}
	tok, err := tokenWithRetry(ctx, newCred)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "signed in as the new app with its certificate; token roles: %s\n", strings.Join(tokenRoles(tok.AccessToken), ", "))
	return nil
}

// tokenWithRetry allows for the directory's replication lag: a new app or
// credential can be refused (AADSTS700016, 700027) for some seconds.
func tokenWithRetry(ctx context.Context, cred graphauth.TokenCredential) (graphauth.Token, error) {
	var last error
	for attempt := 0; attempt < 6; attempt++ {
		tok, err := cred.Token(ctx, graphauth.TokenRequest{})
		var ae *graphauth.AuthError
		if err == nil || !errors.As(err, &ae) || !(ae.HasCode(700016) || ae.HasCode(700027)) {
			return tok, err
		}
		last = err
		time.Sleep(time.Duration(attempt+1) * 5 * time.Second)
	}
	return graphauth.Token{}, last
}

func pickTarget() (target, func(), error) {
	if cfg := graphauth.FromEnv(); cfg.TenantID != "" {
		cred, err := graphauth.NewCredential(cfg, nil)
		if err != nil {
			return target{}, nil, err
		}
		client, err := registration.NewClient(cred, &registration.ClientOptions{Cloud: cfg.Cloud(), GraphEndpoint: cfg.GraphEndpoint()})
		return target{tenantID: cfg.TenantID, client: client, authOpts: graphauth.Options{AuthorityHost: cfg.AuthorityHost}}, func() {}, err
	}
	srv := graphauthtest.NewServer(nil)
	// The fake's own app plays the registration tool, with the permissions
	// an administrator would grant it.
	srv.GrantAppRoles(srv.TenantID, srv.ClientID, "Application.ReadWrite.OwnedBy", "AppRoleAssignment.ReadWrite.All", "Application.Read.All")
	opts := graphauth.Options{AuthorityHost: srv.URL, HTTPClient: srv.Client()}
	cred, err := graphauth.NewClientSecretCredential(srv.TenantID, srv.ClientID, graphauth.Secret(srv.Secret), &opts)
	if err != nil {
		srv.Close()
		return target{}, nil, err
	}
	client, err := registration.NewClient(cred, &registration.ClientOptions{GraphEndpoint: srv.URL, HTTPClient: srv.Client()})
	return target{tenantID: srv.TenantID, client: client, authOpts: opts}, srv.Close, err
}

// outFiles are the files save writes in the -out folder.
var outFiles = []string{"app.pem", "client-secret.txt"}

// checkOut makes the -out folder if it is missing and refuses one that
// already holds an app's credentials: writing over them would lose the
// only copy of the earlier app's secret and key.
func checkOut(dir string) error {
	if dir == "" {
		return nil
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	for _, f := range outFiles {
		if _, err := os.Lstat(filepath.Join(dir, f)); err == nil {
			return fmt.Errorf("%s already holds %s, an earlier app's credentials: give -out a new folder", dir, f)
		}
	}
	return nil
}

// writeNew writes a file that must not exist yet, readable by the owner
// only.
func writeNew(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// save writes the certificate with its key and the secret, readable by the
// owner only, never over an earlier app's.
func save(dir string, cert *registration.Certificate, secret graphauth.Secret) (string, error) {
	if dir == "" {
		var err error
		if dir, err = os.MkdirTemp("", "entrakit-register"); err != nil {
			return "", err
		}
	}
	pemBytes, err := cert.PEM("")
	if err != nil {
		return "", err
	}
	if err := writeNew(filepath.Join(dir, outFiles[0]), pemBytes); err != nil {
		return "", err
	}
	return dir, writeNew(filepath.Join(dir, outFiles[1]), []byte(string(secret)+"\n"))
}

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
