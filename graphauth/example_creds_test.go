package graphauth_test

import (
	"context"
	"crypto/x509"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/entrakit/entrakit/graphauth"
	"github.com/entrakit/entrakit/graphauth/graphauthtest"
)

func ExampleNewFallbackCredential() {
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()

	// The secret comes first; the certificate takes over if the platform
	// refuses it (expired, deleted, mistyped).
	creds := []graphauth.ClientCredential{
		graphauth.SecretValue("secret", "an~old~secret~that~was~deleted"),
		graphauth.Certificate("certificate", []*x509.Certificate{srv.ClientCertificate}, srv.ClientKey),
	}
	cred, err := graphauth.NewFallbackCredential(srv.TenantID, srv.ClientID, creds,
		&graphauth.FallbackOptions{CertificateOptions: graphauth.CertificateOptions{Options: graphauth.Options{AuthorityHost: srv.URL, HTTPClient: srv.Client()}}})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer cred.Close()
	_, err = cred.Token(context.Background(), graphauth.TokenRequest{})
	fmt.Println("token:", err == nil, "served by:", cred.Active())
	// Output: token: true served by: certificate
}

func ExampleSecretFile() {
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	// A secret mounted from Kubernetes or written by a Key Vault agent.
	path := filepath.Join(os.TempDir(), fmt.Sprintf("entrakit-example-%d", time.Now().UnixNano()))
	defer os.Remove(path)
	if err := os.WriteFile(path, []byte(srv.Secret+"\n"), 0o600); err != nil {
		fmt.Println(err)
		return
	}

	// The file is read again when it changes: a replaced secret is used for
	// the next token within a second, with no restart.
	cred, err := graphauth.NewFallbackCredential(srv.TenantID, srv.ClientID,
		[]graphauth.ClientCredential{graphauth.SecretFile("mounted secret", path)},
		&graphauth.FallbackOptions{CertificateOptions: graphauth.CertificateOptions{Options: graphauth.Options{AuthorityHost: srv.URL, HTTPClient: srv.Client()}}})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer cred.Close()
	_, err = cred.Token(context.Background(), graphauth.TokenRequest{})
	fmt.Println("token:", err == nil)
	// Output: token: true
}

func ExampleNewManagedIdentityCredential() {
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	srv.AddManagedIdentity(graphauthtest.ManagedIdentity{SystemAssigned: true})

	// On an Azure VM or AKS node, leave IMDSEndpoint empty; on App Service
	// and Functions, MSAL finds IDENTITY_ENDPOINT in the environment.
	cred, err := graphauth.NewManagedIdentityCredential(&graphauth.ManagedIdentityOptions{
		Options:      graphauth.Options{HTTPClient: srv.Client()},
		IMDSEndpoint: srv.URL + graphauthtest.IMDSPath,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer cred.Close()
	tok, err := cred.Token(context.Background(), graphauth.TokenRequest{Scopes: []string{"https://graph.microsoft.com/.default"}})
	fmt.Println("token:", err == nil, tok.Scopes)
	// Output: token: true [https://graph.microsoft.com/.default]
}

// A multi-tenant app with no secret and no certificate: the managed
// identity of the Azure resource it runs on is trusted by the app's
// federated identity credential, and its token is the app's client
// assertion in every customer tenant.
func ExampleManagedIdentityAssertion() {
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	customer := srv.AddTenant(graphauthtest.Tenant{DisplayName: "Fabrikam"})
	app := srv.AddApp(graphauthtest.App{DisplayName: "MSP tool", MultiTenant: true})
	srv.AddServicePrincipal(customer.ID, app.ClientID) // the customer's admin consented
	mi := srv.AddManagedIdentity(graphauthtest.ManagedIdentity{SystemAssigned: true})
	srv.TrustManagedIdentity(app.ClientID, mi) // registration.Client.AddFederatedCredential in production

	cred, err := graphauth.NewFallbackCredential(srv.TenantID, app.ClientID,
		[]graphauth.ClientCredential{graphauth.ManagedIdentityAssertion("managed identity",
			&graphauth.ManagedIdentityOptions{IMDSEndpoint: srv.URL + graphauthtest.IMDSPath})},
		&graphauth.FallbackOptions{CertificateOptions: graphauth.CertificateOptions{Options: graphauth.Options{
			AuthorityHost: srv.URL, HTTPClient: srv.Client(), AllowedTenants: []string{"*"}}}})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer cred.Close()
	tok, err := cred.Token(context.Background(), graphauth.TokenRequest{TenantID: customer.ID})
	fmt.Println("token in the customer's tenant:", err == nil && tok.TenantID == customer.ID)
	// Output: token in the customer's tenant: true
}
