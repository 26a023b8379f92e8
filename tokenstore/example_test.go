package tokenstore_test

import (
	"bytes"
	"context"
	"fmt"
	"os"

	"github.com/entrakit/entrakit/graphauth"
	"github.com/entrakit/entrakit/graphauth/graphauthtest"
	"github.com/entrakit/entrakit/tokenstore"
)

// Three processes on one host share one token through an encrypted folder.
func ExampleEncrypted() {
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	dir, _ := os.MkdirTemp("", "tokens")
	defer os.RemoveAll(dir)
	key := tokenstore.Key{ID: "2026-11", Secret: bytes.Repeat([]byte{42}, 32)} // 32 random bytes from a secret store, in production

	for range 3 {
		files, _ := tokenstore.NewFileStore(dir)
		store, _ := tokenstore.Encrypted(files, key)
		cred, _ := graphauth.NewClientSecretCredential(srv.TenantID, srv.ClientID, graphauth.Secret(srv.Secret),
			&graphauth.Options{AuthorityHost: srv.URL, HTTPClient: srv.Client(), Store: store})
		if _, err := cred.Token(context.Background(), graphauth.TokenRequest{}); err != nil {
			fmt.Println(err)
			return
		}
		cred.Close() // as the process ends: waits for the token to reach the store
	}
	fmt.Println("token requests:", srv.Count(graphauthtest.EndpointToken))
	// Output: token requests: 1
}
