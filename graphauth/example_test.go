package graphauth_test

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"net/url"

	"github.com/entrakit/entrakit/graphauth"
	"github.com/entrakit/entrakit/graphauth/graphauthtest"
)

func ExampleNewClientSecretCredential() {
	srv := graphauthtest.NewServer(nil) // a fake Microsoft Entra ID
	defer srv.Close()

	cred, err := graphauth.NewClientSecretCredential(srv.TenantID, srv.ClientID, graphauth.Secret(srv.Secret),
		&graphauth.Options{AuthorityHost: srv.URL, HTTPClient: srv.Client()})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer cred.Close() // stops background refresh when the program is done with it
	tok, err := cred.Token(context.Background(), graphauth.TokenRequest{})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(tok.Scopes, tok.TenantID == srv.TenantID)
	// Output: [https://graph.microsoft.com/.default] true
}

func ExampleNewCertificateCredential() {
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	// In production: chain, key, err := graphauth.LoadCertificate("app.pfx", password)
	chain, key := srv.ClientCertificate, srv.ClientKey

	cred, err := graphauth.NewCertificateCredential(srv.TenantID, srv.ClientID, []*x509.Certificate{chain}, key,
		&graphauth.CertificateOptions{Options: graphauth.Options{AuthorityHost: srv.URL, HTTPClient: srv.Client()}})
	if err != nil {
		fmt.Println(err)
		return
	}
	_, err = cred.Token(context.Background(), graphauth.TokenRequest{})
	fmt.Println("token:", err == nil)
	// Output: token: true
}

func ExampleAuthError() {
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	cred, _ := graphauth.NewClientSecretCredential(srv.TenantID, srv.ClientID, "an-old~secret",
		&graphauth.Options{AuthorityHost: srv.URL, HTTPClient: srv.Client()})

	_, err := cred.Token(context.Background(), graphauth.TokenRequest{})
	var ae *graphauth.AuthError
	if errors.As(err, &ae) {
		fmt.Println(ae.StatusCode, ae.Code, ae.AADSTS, "retry:", ae.Retryable())
	}
	// Output: 401 invalid_client [7000215] retry: false
}

func ExampleNewCredential() {
	// cfg := graphauth.FromEnv() reads AZURE_TENANT_ID, AZURE_CLIENT_ID, ...
	cfg := graphauth.Config{
		TenantID:           "contoso.onmicrosoft.com",
		ClientID:           "11111111-2222-3333-4444-555555555555",
		ClientSecret:       "one~secret",
		FederatedTokenFile: "/var/run/secrets/azure/tokens/azure-identity-token",
	}
	_, err := graphauth.NewCredential(cfg, nil)
	fmt.Println(err)
	// Output: graphauth: ClientSecret (AZURE_CLIENT_SECRET) and FederatedTokenFile (AZURE_FEDERATED_TOKEN_FILE): more than one credential is set: unset all but one, or choose with Flow
}

func ExampleTransport() {
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	cred, _ := graphauth.NewClientSecretCredential(srv.TenantID, srv.ClientID, graphauth.Secret(srv.Secret),
		&graphauth.Options{AuthorityHost: srv.URL, HTTPClient: srv.Client()})

	// Tokens go only to AllowedHosts: nil means the Graph of the
	// credential's cloud (https://graph.microsoft.com); here, the fake's.
	client := &http.Client{Transport: &graphauth.Transport{Credential: cred, Base: srv.Client().Transport,
		AllowedHosts: []string{srv.URL}}}
	resp, err := client.Get(srv.URL + "/v1.0/organization")
	if err != nil {
		fmt.Println(err)
		return
	}
	resp.Body.Close()
	fmt.Println(resp.Status)
	// Output: 200 OK
}

func ExampleNewSignIn() {
	srv := graphauthtest.NewServer(nil) // signs the first user in at once; Options.Interactive shows a page
	defer srv.Close()
	s, err := graphauth.NewSignIn(srv.TenantID, srv.ClientID, graphauth.ClientAuth{Secret: graphauth.Secret(srv.Secret)},
		&graphauth.SignInOptions{
			Options:     graphauth.Options{AuthorityHost: srv.URL, HTTPClient: srv.Client()},
			RedirectURI: "http://localhost/callback",
		})
	if err != nil {
		fmt.Println(err)
		return
	}
	authURL, pending, _ := s.AuthCodeURL(graphauth.AuthRequest{LoginHint: "adele@contoso.onmicrosoft.com"})

	// The browser goes to authURL and comes back to the redirect URI; here
	// the fake's client plays the browser.
	resp, err := srv.Client().Get(authURL)
	if err != nil {
		fmt.Println(err)
		return
	}
	resp.Body.Close()
	back, _ := url.Parse(resp.Header.Get("Location"))

	user, err := s.Complete(context.Background(), pending, back.Query())
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(user.Name, user.Username)
	// Output: Adele Vance adele@contoso.onmicrosoft.com
}
