package entrakit_test

import (
	"context"
	"fmt"

	"github.com/entrakit/entrakit/graphauth"
	"github.com/entrakit/entrakit/graphauth/graphauthtest"
)

// The kit in a few lines: a fake Microsoft Entra ID, an app-only credential
// pointed at it, and a token carrying the app's Graph permissions.
func Example() {
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()

	cred, err := graphauth.NewClientSecretCredential(srv.TenantID, srv.ClientID, graphauth.Secret(srv.Secret),
		&graphauth.Options{AuthorityHost: srv.URL, HTTPClient: srv.Client()})
	if err != nil {
		fmt.Println(err)
		return
	}
	tok, err := cred.Token(context.Background(), graphauth.TokenRequest{})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("got a token for", tok.Scopes[0])
	// Output: got a token for https://graph.microsoft.com/.default
}
