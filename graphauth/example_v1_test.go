package graphauth_test

import (
	"context"
	"fmt"

	"github.com/entrakit/entrakit/graphauth"
	"github.com/entrakit/entrakit/graphauth/graphauthtest"
)

// Read what an administrator pasted where the tenant is asked for.
func ExampleParseAuthority() {
	for _, pasted := range []string{
		"https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/token",
		"https://login.microsoftonline.us/72f988bf-86f1-41af-91ab-2d7cd011db47/oauth2/v2.0/token",
		"contoso.onmicrosoft.com",
		"https://graph.microsoft.com/v1.0/organization",
	} {
		a, err := graphauth.ParseAuthority(pasted)
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Printf("cloud %q, tenant %s, %s endpoint %q\n", a.Cloud.Name, a.TenantID, a.Version, a.Endpoint)
	}
	// Output:
	// cloud "AzurePublic", tenant contoso.onmicrosoft.com, v1 endpoint "token"
	// cloud "AzureGovernment", tenant 72f988bf-86f1-41af-91ab-2d7cd011db47, v2 endpoint "token"
	// cloud "", tenant contoso.onmicrosoft.com, unspecified endpoint ""
	// graphauth: TenantID: is Microsoft Graph's address, where tokens are used, not the identity platform's, where they come from: paste the Directory (tenant) ID from the app's Overview page, or its Token URL (Endpoints, on the same page)
}

// Ask the v1 token endpoint for a Graph token with resource=, as tools set
// up with a v1 Token URL do.
func ExampleTokenRequest_resource() {
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	cred, err := graphauth.NewClientSecretCredential(srv.TenantID, srv.ClientID, graphauth.Secret(srv.Secret),
		&graphauth.Options{AuthorityHost: srv.URL, HTTPClient: srv.Client()})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer cred.Close()
	tok, err := cred.Token(context.Background(), graphauth.TokenRequest{Resource: "https://graph.microsoft.com"})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(tok.Resource, tok.Scopes == nil)
	// Output: https://graph.microsoft.com true
}
