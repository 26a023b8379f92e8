package tokenstore_test

import (
	"bytes"
	"context"
	"fmt"

	"github.com/entrakit/entrakit/graphauth"
	"github.com/entrakit/entrakit/graphauth/graphauthtest"
	"github.com/entrakit/entrakit/tokenstore"
)

// Three replicas share one token through a store that sees only sealed
// values. The store beneath is in memory here, so that the example runs the
// same on a loaded machine; tokenstore.NewFileStore(dir) in its place shares
// the token between processes on one host (the FileStore tests do), and
// redisstore.New between hosts.
func ExampleEncrypted() {
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	key := tokenstore.Key{ID: "2026-11", Secret: bytes.Repeat([]byte{42}, 32)} // 32 random bytes from a secret store, in production
	shared := graphauth.NewMemoryStore()

	for range 3 {
		store, _ := tokenstore.Encrypted(shared, key)
		cred, _ := graphauth.NewClientSecretCredential(srv.TenantID, srv.ClientID, graphauth.Secret(srv.Secret),
			&graphauth.Options{AuthorityHost: srv.URL, HTTPClient: srv.Client(), Store: store})
		if _, err := cred.Token(context.Background(), graphauth.TokenRequest{}); err != nil {
			fmt.Println(err)
			return
		}
		cred.Close() // as a replica stops: waits for the token to reach the store
	}
	fmt.Println("token requests:", srv.Count(graphauthtest.EndpointToken))
	// Output: token requests: 1
}
