package graphauth_test

import (
	"context"
	"fmt"
	"time"

	"github.com/entrakit/entrakit/graphauth"
	"github.com/entrakit/entrakit/graphauth/graphauthtest"
)

// A test hands the fake platform's clock to the credential, so that moving
// the fake's time on expires the credential's cached token as well.
func ExampleClock() {
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	cred, err := graphauth.NewClientSecretCredential(srv.TenantID, srv.ClientID, graphauth.Secret(srv.Secret),
		&graphauth.Options{AuthorityHost: srv.URL, HTTPClient: srv.Client(), Clock: srv.Clock()})
	if err != nil {
		fmt.Println("error:", err)
		return
	}
	defer cred.Close()
	ctx := context.Background()
	for _, wait := range []time.Duration{0, time.Minute, 2 * time.Hour} {
		srv.Advance(wait)
		if _, err := cred.Token(ctx, graphauth.TokenRequest{}); err != nil {
			fmt.Println("error:", err)
			return
		}
		fmt.Printf("after %v: %d token request(s)\n", wait, srv.Count(graphauthtest.EndpointToken))
	}
	// Output:
	// after 0s: 1 token request(s)
	// after 1m0s: 1 token request(s)
	// after 2h0m0s: 2 token request(s)
}
