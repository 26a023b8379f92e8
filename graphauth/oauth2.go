package graphauth

import (
	"context"
	"time"

	"golang.org/x/oauth2"
)

// OAuth2Source adapts a TokenCredential to oauth2.TokenSource for one
// TokenRequest. oauth2.TokenSource has no context, so each Token call gets a
// fresh context that ends after Timeout.
type OAuth2Source struct {
	cred    TokenCredential
	req     TokenRequest
	timeout time.Duration
}

var _ oauth2.TokenSource = (*OAuth2Source)(nil)

// OAuth2 returns the adapter. Its Token calls time out after 30 seconds.
// The credential caches, so there is no need for oauth2.ReuseTokenSource.
func OAuth2(cred TokenCredential, req TokenRequest) *OAuth2Source {
	return &OAuth2Source{cred: cred, req: req, timeout: 30 * time.Second}
}

// Token returns a bearer token. Errors pass through unchanged.
func (s *OAuth2Source) Token() (*oauth2.Token, error) {
	ctx, cancel := context.WithTimeout(context.Background(), s.timeout)
	defer cancel()
	tok, err := s.cred.Token(ctx, s.req)
	if err != nil {
		return nil, err
	}
	return &oauth2.Token{AccessToken: tok.AccessToken, TokenType: "Bearer", Expiry: tok.ExpiresOn}, nil
}
