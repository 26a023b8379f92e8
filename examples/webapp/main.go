// Command webapp is a web app that signs users in with Microsoft Entra ID
// (authorization code with PKCE, through graphauth's handler pair), shows
// who is signed in, and calls Microsoft Graph's /me as them.
//
//	go run ./examples/webapp            # against the fake platform, on http://127.0.0.1:8080
//
// With AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET set, it signs
// in against that tenant; register http://127.0.0.1:8080/callback as a web
// redirect URI, or register another that ends in /callback and pass it as
// -redirect (http://localhost:8080/callback, or the https one of a proxy in
// front), then open the address it prints. In fake
// mode the sign-in page is the fake's, on a self-signed certificate your
// browser will warn about; sign in as admin@contoso.onmicrosoft.com or
// adele@contoso.onmicrosoft.com.
package main

import (
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"time"

	"github.com/entrakit/entrakit/graphauth"
	"github.com/entrakit/entrakit/graphauth/graphauthtest"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "address to listen on")
	redirect := flag.String("redirect", "", "redirect URI registered for the app (default http://<addr>/callback)")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := serve(ctx, *addr, *redirect, os.Stdout); err != nil {
		log.Fatal("webapp: ", err)
	}
}

func serve(ctx context.Context, addr, redirect string, out io.Writer) error {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	if redirect == "" {
		redirect = "http://" + l.Addr().String() + "/callback"
	}
	if err := checkRedirect(redirect); err != nil {
		l.Close()
		return err
	}
	h, cleanup, err := build(redirect)
	if err != nil {
		return err
	}
	defer cleanup()
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() { <-ctx.Done(); srv.Close() }()
	// The app's own address as the browser must spell it: the sign-in's
	// cookies are the redirect URI's host's, so a user who opened
	// 127.0.0.1 came back to localhost without them.
	u, _ := url.Parse(redirect)
	fmt.Fprintf(out, "open %s://%s/\n", u.Scheme, u.Host)
	if err := srv.Serve(l); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// checkRedirect refuses a redirect URI whose path is not the one the app
// serves its callback on: the platform would send the signed-in user to a
// page that answers 404 (a trailing slash is another path).
func checkRedirect(redirect string) error {
	u, err := url.Parse(redirect)
	if err != nil || u.Host == "" || u.Path != "/callback" || u.RawQuery != "" || u.Fragment != "" {
		return fmt.Errorf("-redirect %q: this app serves its callback on /callback: register and pass a redirect URI that ends in /callback, "+
			"such as http://localhost:8080/callback", redirect)
	}
	return nil
}

// build makes the web app for a redirect URI: against the tenant in the
// AZURE_* variables, or against a fake platform it starts.
func build(redirect string) (http.Handler, func(), error) {
	key := make([]byte, 32)
	_, _ = rand.Read(key) // a real app loads its key from its secret store, the same on every replica
	cfg := graphauth.FromEnv()
	if cfg.TenantID != "" {
		s, err := graphauth.NewSignIn(cfg.TenantID, cfg.ClientID, graphauth.ClientAuth{Secret: cfg.ClientSecret},
			&graphauth.SignInOptions{Options: graphauth.Options{AuthorityHost: cfg.AuthorityHost}, RedirectURI: redirect, Scopes: []string{"User.Read"}})
		if err != nil {
			return nil, nil, err
		}
		h, err := newWebApp(s, key, redirect, cfg.GraphEndpoint(), nil)
		if err != nil {
			return nil, nil, err
		}
		return h, func() {}, nil
	}
	fake := graphauthtest.NewServer(&graphauthtest.Options{Interactive: true})
	app := fake.AddApp(graphauthtest.App{DisplayName: "entrakit web app example", Secrets: []graphauthtest.Secret{{}},
		RedirectURIs: []string{redirect}, RequiredScopes: []string{"User.Read"}})
	s, err := graphauth.NewSignIn(fake.TenantID, app.ClientID, graphauth.ClientAuth{Secret: graphauth.Secret(app.Secrets[0].Value)},
		&graphauth.SignInOptions{Options: graphauth.Options{AuthorityHost: fake.URL, HTTPClient: fake.Client()}, RedirectURI: redirect})
	if err != nil {
		fake.Close()
		return nil, nil, err
	}
	h, err := newWebApp(s, key, redirect, fake.URL, fake.Client().Transport)
	if err != nil {
		fake.Close()
		return nil, nil, err
	}
	return h, fake.Close, nil
}
