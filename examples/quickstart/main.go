// Command quickstart starts the fake Microsoft identity platform in-process,
// gets an app-only token for Microsoft Graph from it with a client secret and
// with a certificate, and calls Graph with the token.
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

	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/confidential"
	"github.com/golang-jwt/jwt/v5"

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

	secret, err := confidential.NewCredFromSecret(srv.Secret)
	if err != nil {
		return err
	}
	cert, err := confidential.NewCredFromCert([]*x509.Certificate{srv.ClientCertificate}, srv.ClientKey)
	if err != nil {
		return err
	}
	for _, c := range []struct {
		name string
		cred confidential.Credential
	}{{"client secret", secret}, {"certificate", cert}} {
		app, err := confidential.New(srv.URL+"/"+srv.TenantID, srv.ClientID, c.cred,
			confidential.WithHTTPClient(srv.Client()), confidential.WithInstanceDiscovery(false))
		if err != nil {
			return err
		}
		res, err := app.AcquireTokenByCredential(ctx, []string{"https://graph.microsoft.com/.default"})
		if err != nil {
			return fmt.Errorf("token with %s: %w", c.name, err)
		}
		fmt.Fprintf(out, "token with %s: roles %s\n", c.name, strings.Join(roles(res.AccessToken), ", "))
		org, err := organization(ctx, srv, res.AccessToken)
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

func organization(ctx context.Context, srv *graphauthtest.Server, token string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/v1.0/organization", nil)
	if err != nil {
		return "", err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := srv.Client().Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var body struct {
		Value []struct {
			DisplayName string `json:"displayName"`
		} `json:"value"`
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("GET /v1.0/organization: %s", resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || len(body.Value) == 0 {
		return "", fmt.Errorf("GET /v1.0/organization: unexpected body")
	}
	return body.Value[0].DisplayName, nil
}
