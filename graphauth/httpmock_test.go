package graphauth_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/entrakit/entrakit/graphauth"
	"github.com/entrakit/entrakit/graphauth/graphauthtest"
)

func TestACredentialGetsATokenThroughHTTPMock(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewUnstartedServer(nil)
	defer srv.Close()
	mock := httpmock.NewMockTransport()
	srv.RegisterResponders(mock, "https://login.microsoftonline.com")
	srv.RegisterResponders(mock, "https://graph.microsoft.com")

	cred, err := graphauth.NewClientSecretCredential(srv.TenantID, srv.ClientID, graphauth.Secret(srv.Secret),
		&graphauth.Options{HTTPClient: &http.Client{Transport: mock}, Clock: srv.Clock()})
	require.NoError(t, err)
	defer cred.Close()
	ctx := context.Background()
	tok, err := cred.Token(ctx, graphauth.TokenRequest{})
	require.NoError(t, err)
	assert.NotEmpty(t, tok.AccessToken)
	assert.Equal(t, 1, srv.Count(graphauthtest.EndpointToken))
	assert.Equal(t, 1, mock.GetCallCountInfo()["POST =~^https://login\\.microsoftonline\\.com(/|\\?|$)"], "the token request went through the mock")

	// The token works on the fake's Graph, through the same mock.
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "https://graph.microsoft.com/v1.0/organization", nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	resp, err := (&http.Client{Transport: mock}).Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)

	// Refusals come back typed, as from the real platform.
	bad, err := graphauth.NewClientSecretCredential(srv.TenantID, srv.ClientID, graphauth.Secret("not-the-secret"),
		&graphauth.Options{HTTPClient: &http.Client{Transport: mock}})
	require.NoError(t, err)
	defer bad.Close()
	_, err = bad.Token(ctx, graphauth.TokenRequest{})
	var aerr *graphauth.AuthError
	require.ErrorAs(t, err, &aerr)
	assert.Equal(t, []int{7000215}, aerr.AADSTS)
	assert.NotEmpty(t, aerr.TraceID)
	assert.NotContains(t, aerr.Description, "Trace ID", "the description is the message alone")

	// The shared clock works without a server as well.
	srv.Advance(2 * time.Hour)
	again, err := cred.Token(ctx, graphauth.TokenRequest{})
	require.NoError(t, err)
	assert.NotEqual(t, tok.AccessToken, again.AccessToken)
	assert.Equal(t, 3, srv.Count(graphauthtest.EndpointToken))
}
