package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"

	"github.com/entrakit/entrakit/graphauth"
	"github.com/entrakit/entrakit/registration"
	"github.com/entrakit/entrakit/verify"
)

// fixMissingService is what the customer's administrator does when the
// consent fails with AADSTS650052 (the tenant lacks the service principal
// of an API the app needs, here the Teams admin API): sign in to the
// console with their own account, asking for Application.ReadWrite.All,
// and create the service principal with that delegated token, which is
// what the diagnosis's Graph call and `az ad sp create --id …` do. Then
// wait for it to replicate before consenting again.
func fixMissingService(ctx context.Context, out io.Writer, c *console, admin, tenant string, refusal error) error {
	d := verify.Diagnose(refusal)
	if d.ResourceAppID == "" {
		return refusal // not a missing service principal
	}
	cred, err := signInAdministrator(ctx, c, tenant, "Application.ReadWrite.All")
	if err != nil {
		return err
	}
	client, err := registration.NewClient(cred, &registration.ClientOptions{GraphEndpoint: c.srv.URL, HTTPClient: c.srv.Client()})
	if err != nil {
		return err
	}
	sp, created, err := client.CreateMissingServicePrincipal(ctx, refusal)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "%s created the service principal of %s (%s) in %s: %v\n", admin, sp.DisplayName, sp.AppID, tenant, created)
	// A real tenant needs a few minutes for the new service principal to
	// reach every replica; the fake platform has it at once.
	fmt.Fprintf(out, "waiting %s for it to replicate, then authorising again\n", d.Wait)
	c.srv.Advance(d.Wait)
	return nil
}

// delegatedCredential is a signed-in administrator's tokens, for the
// registration client: always for the scopes they signed in with.
type delegatedCredential struct {
	s       *graphauth.SignIn
	account string
	scopes  []string
}

// Token returns the administrator's delegated token.
func (d delegatedCredential) Token(ctx context.Context, _ graphauth.TokenRequest) (graphauth.Token, error) {
	return d.s.Token(ctx, d.account, d.scopes)
}

// signInAdministrator signs the tenant's administrator in to the console's
// app, asking for scopes (the administrator consents for themselves), in
// the browser session the platform already has for them.
func signInAdministrator(ctx context.Context, c *console, tenant string, scopes ...string) (delegatedCredential, error) {
	s, err := graphauth.NewSignIn(tenant, c.app.ClientID, graphauth.ClientAuth{Secret: graphauth.Secret(c.app.Secrets[0].Value)},
		&graphauth.SignInOptions{Options: graphauth.Options{AuthorityHost: c.srv.URL, HTTPClient: c.srv.Client()},
			RedirectURI: c.web.URL + "/consent/callback"})
	if err != nil {
		return delegatedCredential{}, err
	}
	authURL, p, err := s.AuthCodeURL(graphauth.AuthRequest{Scopes: scopes})
	if err != nil {
		return delegatedCredential{}, err
	}
	browser := c.srv.Client()
	browser.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := browser.Get(authURL)
	if err != nil {
		return delegatedCredential{}, err
	}
	resp.Body.Close()
	back, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		return delegatedCredential{}, err
	}
	u, err := s.Complete(ctx, p, back.Query())
	if err != nil {
		return delegatedCredential{}, err
	}
	return delegatedCredential{s: s, account: u.AccountID, scopes: scopes}, nil
}
