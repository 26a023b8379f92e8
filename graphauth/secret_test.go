package graphauth_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/entrakit/entrakit/graphauth"
	"github.com/entrakit/entrakit/graphauth/graphauthtest"
)

func fakeOpts(srv *graphauthtest.Server) *graphauth.Options {
	return &graphauth.Options{AuthorityHost: srv.URL, HTTPClient: srv.Client()}
}

func TestClientSecretCredentialGetsAndCachesATokenQuick(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	cred, err := graphauth.NewClientSecretCredential(srv.TenantID, srv.ClientID, graphauth.Secret(srv.Secret), fakeOpts(srv))
	require.NoError(t, err)
	tok, err := cred.Token(context.Background(), graphauth.TokenRequest{})
	require.NoError(t, err)
	assert.NotEmpty(t, tok.AccessToken)
	tok2, err := cred.Token(context.Background(), graphauth.TokenRequest{})
	require.NoError(t, err)
	assert.Equal(t, tok.AccessToken, tok2.AccessToken)
	assert.Equal(t, 1, srv.Count(graphauthtest.EndpointToken))
	t.Log(tok)
}
