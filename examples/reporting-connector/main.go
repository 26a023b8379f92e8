// Command reporting-connector combines the two kinds of permission a
// reporting connector needs: application permissions for tenant-wide
// reports (app-only tokens), and delegated permissions with offline_access
// for the signed-in analyst, whose refresh token keeps the connector working
// without a prompt. The sign-in comes back to an http://localhost redirect,
// as a desktop or CLI connector's does.
//
//	go run ./examples/reporting-connector
//
// The sign-in asks for offline_access alone, as the connector's guide says
// (it clears User.Read): the analyst consents to nothing but staying signed
// in, and the delegated Graph tokens the refresh token gets later carry the
// delegated permissions an administrator granted the app (Graph's
// .default).
//
// With AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET set (the app
// registers http://localhost as a redirect URI, and has User.Read.All as an
// application permission and User.Read delegated, both granted by an
// administrator), it opens nothing itself: it prints the sign-in URL to open
// in a browser. Otherwise it runs on the fake platform, which signs the
// first user in at once.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/entrakit/entrakit/graphauth"
	"github.com/entrakit/entrakit/graphauth/graphauthtest"
)

func main() {
	if err := run(context.Background(), os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "reporting-connector:", err)
		os.Exit(1)
	}
}

type setup struct {
	cfg      graphauth.Config
	opts     graphauth.Options
	graphURL string
	base     http.RoundTripper
	browse   func(url string) error // opens the sign-in URL
}

func run(ctx context.Context, out io.Writer) error {
	st, cleanup := environment(out)
	defer cleanup()

	// Application permissions: a tenant-wide report.
	app, err := graphauth.NewClientSecretCredential(st.cfg.TenantID, st.cfg.ClientID, st.cfg.ClientSecret, &st.opts)
	if err != nil {
		return err
	}
	var users struct {
		Value []json.RawMessage `json:"value"`
	}
	if err := get(ctx, app, st, "/v1.0/users?$select=id", &users); err != nil {
		return err
	}
	fmt.Fprintf(out, "app-only report: %d users in the tenant\n", len(users.Value))

	// Delegated permissions with offline_access, through a loopback redirect.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	defer l.Close()
	redirect := "http://localhost:" + fmt.Sprint(l.Addr().(*net.TCPAddr).Port) + "/"
	s, err := graphauth.NewSignIn(st.cfg.TenantID, st.cfg.ClientID, graphauth.ClientAuth{Secret: st.cfg.ClientSecret},
		&graphauth.SignInOptions{Options: st.opts, RedirectURI: redirect, Scopes: []string{"offline_access"}})
	if err != nil {
		return err
	}
	user, err := signIn(ctx, s, l, st.browse)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "signed in as %s; their refresh token is kept for offline access\n", user.Username)
	accounts, err := s.Accounts(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "accounts held: %d\n", len(accounts))

	// Later, without a prompt: the refresh token gets new access tokens,
	// through the signed-in account's credential.
	var me struct {
		DisplayName string `json:"displayName"`
	}
	if err := get(ctx, s.Credential(user.AccountID), st, "/v1.0/me", &me); err != nil {
		return err
	}
	fmt.Fprintf(out, "delegated report for %s: ok\n", me.DisplayName)
	return nil
}

// signIn serves the loopback redirect for one sign-in.
func signIn(ctx context.Context, s *graphauth.SignIn, l net.Listener, browse func(string) error) (*graphauth.User, error) {
	authURL, pending, err := s.AuthCodeURL(graphauth.AuthRequest{})
	if err != nil {
		return nil, err
	}
	type result struct {
		u   *graphauth.User
		err error
	}
	done := make(chan result, 1)
	srv := &http.Server{ReadHeaderTimeout: 10 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Only the platform's redirect ends the sign-in: a browser's
		// favicon request, or any other process on this machine calling
		// the port with a state of its own, is answered and ignored.
		q := r.URL.Query()
		if r.URL.Path != "/" || q.Get("state") == "" {
			http.NotFound(w, r)
			return
		}
		u, err := s.Complete(r.Context(), pending, q)
		if errors.Is(err, graphauth.ErrStateMismatch) {
			http.Error(w, "not this sign-in's redirect", http.StatusBadRequest)
			return
		}
		if err != nil {
			http.Error(w, "sign-in failed; see the connector's output", http.StatusBadRequest)
		} else {
			fmt.Fprintln(w, "Signed in. You can close this window.")
		}
		select {
		case done <- result{u, err}:
		default:
		}
	})}
	go func() { _ = srv.Serve(l) }()
	defer srv.Close()
	if err := browse(authURL); err != nil {
		return nil, err
	}
	select {
	case r := <-done:
		return r.u, r.err
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-time.After(5 * time.Minute):
		return nil, errors.New("no sign-in within five minutes")
	}
}

func get(ctx context.Context, cred graphauth.TokenCredential, st setup, path string, out any) error {
	client := &http.Client{Transport: &graphauth.Transport{Credential: cred, Base: st.base, AllowedHosts: []string{st.graphURL}},
		Timeout: 30 * time.Second}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, st.graphURL+path, nil)
	if err != nil {
		return err
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", path, resp.Status)
	}
	return json.NewDecoder(resp.Body).Decode(out)
}

func environment(out io.Writer) (setup, func()) {
	if cfg := graphauth.FromEnv(); cfg.TenantID != "" {
		return setup{cfg: cfg, opts: graphauth.Options{AuthorityHost: cfg.AuthorityHost}, graphURL: cfg.GraphEndpoint(), browse: func(u string) error {
			fmt.Fprintf(out, "open this URL in a browser to sign in:\n%s\n", u)
			return nil
		}}, func() {}
	}
	srv := graphauthtest.NewServer(nil)
	// The administrator's consent to the app's declared delegated
	// permission, which the analyst's offline_access sign-in relies on.
	srv.GrantScopes(srv.TenantID, srv.ClientID, "", "User.Read")
	cfg := graphauth.Config{TenantID: srv.TenantID, ClientID: srv.ClientID, ClientSecret: graphauth.Secret(srv.Secret)}
	// The "browser" follows the fake's redirect to the loopback listener.
	browser := &http.Client{Transport: srv.Client().Transport}
	return setup{cfg: cfg, opts: graphauth.Options{AuthorityHost: srv.URL, HTTPClient: srv.Client()}, graphURL: srv.URL,
		base: srv.Client().Transport, browse: func(u string) error {
			resp, err := browser.Get(u)
			if err != nil {
				return err
			}
			return resp.Body.Close()
		}}, srv.Close
}
