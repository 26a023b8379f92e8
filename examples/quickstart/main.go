// Command quickstart starts the fake Microsoft identity platform in-process,
// gets app-only tokens for Microsoft Graph from it with a client secret and
// with a certificate, and calls Graph with each.
//
//	go run ./examples/quickstart
package main

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"

	"github.com/golang-jwt/jwt/v5"

	"github.com/entrakit/entrakit/graphauth"
	"github.com/entrakit/entrakit/graphauth/graphauthtest"
)

func main() {
	if err := run(context.Background(), os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, out io.Writer) error {
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	fmt.Fprintf(out, "fake platform: tenant %s (%s), app %s\n", srv.TenantDomain, srv.TenantID, srv.ClientID)
	opts := graphauth.Options{AuthorityHost: srv.URL, HTTPClient: srv.Client()}

	secret, err := graphauth.NewClientSecretCredential(srv.TenantID, srv.ClientID, graphauth.Secret(srv.Secret), &opts)
	if err != nil {
		return err
	}
	cert, err := graphauth.NewCertificateCredential(srv.TenantID, srv.ClientID,
		[]*x509.Certificate{srv.ClientCertificate}, srv.ClientKey, &graphauth.CertificateOptions{Options: opts})
	if err != nil {
		return err
	}
	for _, c := range []struct {
		name string
		cred graphauth.TokenCredential
	}{{"client secret", secret}, {"certificate", cert}} {
		tok, err := c.cred.Token(ctx, graphauth.TokenRequest{})
		if err != nil {
			return fmt.Errorf("token with %s: %w", c.name, err)
		}
		fmt.Fprintf(out, "token with %s: roles %s\n", c.name, strings.Join(roles(tok.AccessToken), ", "))
		client := &http.Client{Transport: &graphauth.Transport{Credential: c.cred, Base: srv.Client().Transport}}
		org, err := organization(ctx, client, srv.URL)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "GET /v1.0/organization: %s\n", org)
	}
	return nil
}

// roles reads the roles claim; the token is not verified here (Graph does).
func roles(token string) []string {
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

// organization calls Graph; graphURL is https://graph.microsoft.com in
// production and the fake's URL here.
func organization(ctx context.Context, client *http.Client, graphURL string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, graphURL+"/v1.0/organization", nil)
	if err != nil {
		return "", err
	}
	resp, err := client.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("GET /v1.0/organization: %s", resp.Status)
	}
	var body struct {
		Value []struct {
			DisplayName string `json:"displayName"`
		} `json:"value"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || len(body.Value) == 0 {
		return "", fmt.Errorf("GET /v1.0/organization: unexpected body")
	}
	return body.Value[0].DisplayName, nil
}
