package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/entrakit/entrakit/consent"
	"github.com/entrakit/entrakit/graphauth/graphauthtest"
	"github.com/entrakit/entrakit/registration"
	"github.com/entrakit/entrakit/verify"
)

func TestDemoOnboardsThreeTenantsAndCallsGraphInEach(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, demo(context.Background(), &out))
	text := out.String()
	assert.Equal(t, 3, strings.Count(text, ": confirmed\n"), text)
	assert.Contains(t, text, " for client-17 (it@contoso.onmicrosoft.com): confirmed\n", "the administrator's sign-in proved the tenant")
	assert.Contains(t, text, " for client-23 (admin@fabrikam.onmicrosoft.com): confirmed\n")
	assert.Contains(t, text, "consent for client-31 failed:\n    AADSTS650052:")
	assert.Contains(t, text, " for client-31 (it@newco.onmicrosoft.com): confirmed\n")
	lines := strings.Split(strings.TrimSpace(text), "\n")
	table := strings.Join(lines[len(lines)-3:], "\n")
	for _, org := range []string{"Contoso", "Fabrikam", "Newco"} {
		assert.Contains(t, table, org)
	}
	assert.Equal(t, 3, strings.Count(table, "Organization.Read.All,User.Read.All  confirmed"), table)
}

// The MSP tool's guide, "Troubleshooting: a new customer tenant fails with
// AADSTS650052", followed step by step on the fake platform.
func TestGuideTeamsFixStepByStep(t *testing.T) {
	ctx := context.Background()
	srv := fakePlatform()
	defer srv.Close()
	var log bytes.Buffer
	c, err := newConsole(srv, &log)
	require.NoError(t, err)
	defer c.Close()

	// Step 1: "The customer's administrator opens the client record in the
	// console and clicks Authorise."
	first := c.authorise("client-31", "it@newco.onmicrosoft.com", "newco.onmicrosoft.com")
	require.Error(t, first.err)
	assert.Equal(t, "client-31", first.rec.AppState, "the console knows which client record failed")

	// Step 2: "The console shows AADSTS650052 and names the missing
	// service: Skype and Teams Tenant Admin API,
	// 48ac35b8-9aa8-4d74-927d-1f4a14a0b239."
	var ce *consent.Error
	require.ErrorAs(t, first.err, &ce)
	assert.Equal(t, consent.MissingServiceSetup, ce.Reason)
	d := verify.Diagnose(first.err)
	assert.Equal(t, "AADSTS650052", d.Code)
	assert.Equal(t, graphauthtest.TeamsAdminAppID, d.ResourceAppID)
	assert.Equal(t, "Skype and Teams Tenant Admin API", d.ResourceName)
	assert.Equal(t, ce.Action, d.Action, "the diagnosis keeps the consent's own remedy")

	// Step 3: "Create the service principal: run `az ad sp create --id
	// 48ac35b8-9aa8-4d74-927d-1f4a14a0b239`, or POST /servicePrincipals
	// with that appId, or let the console do it with your sign-in."
	assert.Equal(t, "az ad sp create --id 48ac35b8-9aa8-4d74-927d-1f4a14a0b239", d.CLI)
	assert.Equal(t, `POST https://graph.microsoft.com/v1.0/servicePrincipals {"appId": "48ac35b8-9aa8-4d74-927d-1f4a14a0b239"}`, d.Command)
	cred, err := signInAdministrator(ctx, c, "newco.onmicrosoft.com", "Application.ReadWrite.All")
	require.NoError(t, err)
	client, err := registration.NewClient(cred, &registration.ClientOptions{GraphEndpoint: srv.URL, HTTPClient: srv.Client()})
	require.NoError(t, err)
	sp, created, err := client.CreateMissingServicePrincipal(ctx, first.err)
	require.NoError(t, err)
	assert.True(t, created)
	assert.Equal(t, graphauthtest.TeamsAdminAppID, sp.AppID)

	// Step 4: "Wait about five minutes for it to replicate."
	assert.Contains(t, d.Action, "5 minutes")
	srv.Advance(d.Wait)

	// Step 5: "Click Authorise again": the tenant is onboarded for the
	// same client record.
	again := c.authorise("client-31", "it@newco.onmicrosoft.com", "newco.onmicrosoft.com")
	require.NoError(t, again.err)
	assert.Equal(t, consent.StatusConfirmed, again.rec.Status)
	assert.Equal(t, "client-31", again.rec.AppState)
	assert.ElementsMatch(t, required, again.rec.Roles)
}
