package graphauth_test

import (
	"context"
	"testing"

	"github.com/entrakit/entrakit/graphauth"
	"github.com/entrakit/entrakit/graphauth/graphauthtest"
)

// BenchmarkCachedV1Token is a cached v1 (resource) token, beside the
// cached v2 one of BenchmarkCachedToken.
func BenchmarkCachedV1Token(b *testing.B) {
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	cred, err := graphauth.NewClientSecretCredential(srv.TenantID, srv.ClientID, graphauth.Secret(srv.Secret), fakeOptsB(direct(srv)))
	if err != nil {
		b.Fatal(err)
	}
	defer cred.Close()
	ctx := context.Background()
	req := graphauth.TokenRequest{Resource: "https://graph.microsoft.com"}
	if _, err := cred.Token(ctx, req); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := cred.Token(ctx, req); err != nil {
			b.Fatal(err)
		}
	}
}
