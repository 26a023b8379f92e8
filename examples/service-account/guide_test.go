package main

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/entrakit/entrakit/graphauth"
	"github.com/entrakit/entrakit/graphauth/graphauthtest"
	"github.com/entrakit/entrakit/msgraph"
	"github.com/entrakit/entrakit/registration"
	"github.com/entrakit/entrakit/verify"
)

// The workflow product's setup guide, step by step, on the fake platform:
// the administrator creates the service account's secret, pastes what the
// guide says (and, first, what administrators often paste instead), grants
// the permissions, and is warned before the secret runs out.
func TestGuideServiceAccountStepByStep(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv := graphauthtest.NewServer(nil)
	t.Cleanup(srv.Close)
	opts := &graphauth.Options{AuthorityHost: srv.URL, HTTPClient: srv.Client(), Clock: srv.Clock()}
	graph := &registration.ClientOptions{GraphEndpoint: srv.URL, HTTPClient: &http.Client{Transport: srv.Client().Transport}}

	// Step 1: "Register an app, open Certificates & secrets, add a client
	// secret that ends in 20 days."
	app := srv.AddApp(graphauthtest.App{DisplayName: "workflow service account",
		Secrets: []graphauthtest.Secret{{DisplayName: "automation", End: srv.Now().Add(20*24*time.Hour + time.Hour)}}})
	secret := app.Secrets[0]

	// Step 2: "Paste the secret into the product." Pasting the Secret ID
	// (a GUID) is refused before any request, saying what to copy instead.
	_, err := graphauth.NewClientSecretCredential(srv.TenantID, app.ClientID, graphauth.Secret(secret.KeyID), opts)
	var cerr *graphauth.ConfigError
	require.ErrorAs(t, err, &cerr, "the Secret ID is not a secret")
	assert.Contains(t, cerr.Error(), "Value")
	assert.Zero(t, srv.Count(graphauthtest.EndpointToken), "nothing was sent for a pasted ID")

	// Pasting the Value works.
	cred, err := graphauth.NewClientSecretCredential(srv.TenantID, app.ClientID, graphauth.Secret(secret.Value), opts)
	require.NoError(t, err)
	t.Cleanup(func() { cred.Close() })

	// Step 3: "Grant Application.Read.All and Organization.Read.All." Before
	// the grant, the product's first Graph call names the permission.
	client, err := registration.NewClient(cred, graph)
	require.NoError(t, err)
	_, err = client.ApplicationByAppID(ctx, app.ClientID)
	var gerr *msgraph.GraphError
	require.ErrorAs(t, err, &gerr)
	assert.Equal(t, 403, gerr.StatusCode)
	assert.Contains(t, gerr.Required, "Application.Read.All", "the 403 names the permission to grant")

	srv.GrantAppRoles(srv.TenantID, app.ClientID, "Application.Read.All", "Organization.Read.All")
	report := verify.Run(ctx, cred, verify.Requirements{Roles: []string{"Application.Read.All", "Organization.Read.All"}},
		&verify.Options{GraphEndpoint: srv.URL, HTTPClient: &http.Client{Transport: srv.Client().Transport}, Now: srv.Now})
	assert.False(t, report.Failed(), "Verify sees the grant at once (a fresh token):\n%s", report.Text())

	// Step 4: "The product warns you 30 days before the secret expires."
	var out bytes.Buffer
	require.NoError(t, checkSecrets(ctx, client, app.ClientID, srv.Now(), &out))
	assert.Contains(t, out.String(), "WARNING")
	assert.Contains(t, out.String(), "expires in 20 days")

	// Step 5: "If the secret has expired, the product says so and what to
	// do." 21 days later the platform refuses it with AADSTS7000222.
	srv.Advance(21 * 24 * time.Hour)
	_, err = cred.Token(ctx, graphauth.TokenRequest{})
	var aerr *graphauth.AuthError
	require.ErrorAs(t, err, &aerr, "the cached token is not served past its expiry on the shared clock")
	assert.True(t, aerr.HasCode(7000222), "AADSTS7000222: %v", err)
	d := verify.Diagnose(err)
	assert.Contains(t, d.Action, "new client secret")
	assert.False(t, errors.Is(err, graphauth.ErrUnexpectedResponse))
}
