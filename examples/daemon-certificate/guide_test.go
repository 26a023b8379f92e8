package main

import (
	"context"
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

// TestTheSSOGuideStepByStep follows the single-sign-on product's setup
// guide in its words: the product generates the certificate and keeps it
// in memory; the administrator uploads its .cer and clicks Verify.
func TestTheSSOGuideStepByStep(t *testing.T) {
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	ctx := context.Background()
	fake := &graphauth.Options{AuthorityHost: srv.URL, HTTPClient: srv.Client()}
	// "1. Register an application; under API permissions add User.Read.All
	// and Group.Read.All (application) and grant admin consent."
	app := srv.AddApp(graphauthtest.App{DisplayName: "SSO sync", Secrets: []graphauthtest.Secret{{}}})
	srv.GrantAppRoles(srv.TenantID, app.ClientID, "User.Read.All", "Group.Read.All")

	// "2. In the product, enter the tenant ID and client ID, and click
	// Generate certificate."
	cert, err := registration.NewSelfSignedCertificate("CN=SSO sync", nil)
	require.NoError(t, err)
	cred, err := graphauth.NewCertificateCredential(srv.TenantID, app.ClientID, cert.Chain, cert.Key, &graphauth.CertificateOptions{Options: *fake})
	require.NoError(t, err)
	defer cred.Close()
	verifyOpts := &verify.Options{Config: &graphauth.Config{TenantID: srv.TenantID, ClientID: app.ClientID},
		Certificate: cert.Leaf(), GraphEndpoint: srv.URL, HTTPClient: srv.Client()}
	req := verify.Requirements{Roles: []string{"User.Read.All", "Group.Read.All"}, ProbeGraph: true}

	// Clicking Verify before the upload names the certificate the platform
	// does not know, by the thumbprint the portal will show.
	before := verify.Run(ctx, cred, req, verifyOpts)
	auth, _ := before.Check(verify.CheckAuthentication)
	require.Equal(t, verify.StatusFailed, auth.Status, before.Text())
	assert.Equal(t, "AADSTS700027", auth.Diagnosis.Code)
	assert.Contains(t, auth.Detail, registration.Thumbprint(cert.Leaf()))

	// "3. Download the .cer and upload it under Certificates & secrets >
	// Certificates." (Through Graph, as the portal does.)
	admin, err := graphauth.NewClientSecretCredential(srv.TenantID, app.ClientID, graphauth.Secret(app.Secrets[0].Value), fake)
	require.NoError(t, err)
	defer admin.Close()
	srv.GrantAppRoles(srv.TenantID, app.ClientID, "Application.ReadWrite.All")
	reg, err := registration.NewClient(admin, &registration.ClientOptions{GraphEndpoint: srv.URL, HTTPClient: srv.Client(),
		Retry: graphauth.RetryOptions{MinWait: time.Millisecond, MaxWait: 5 * time.Millisecond}})
	require.NoError(t, err)
	_, err = reg.AddCertificate(ctx, app.ObjectID, cert.Leaf(), "SSO sync")
	require.NoError(t, err)

	// "4. Click Verify."
	after := verify.Run(ctx, cred, verify.Requirements{Roles: []string{"User.Read.All", "Group.Read.All"}, OptionalRoles: []string{"Application.ReadWrite.All"},
		ProbeGraph: true}, verifyOpts)
	assert.False(t, after.Failed(), after.Text())
	c, _ := after.Check(verify.CheckCertificate)
	assert.Contains(t, c.Detail, "thumbprint "+registration.Thumbprint(cert.Leaf()))
	for _, id := range []string{verify.ProbeUsers, verify.ProbeGroups} {
		p, _ := after.Check(id)
		assert.Equal(t, verify.StatusOK, p.Status, p.Detail)
	}

	// "5. Save: the product syncs users and groups."
	client, err := msgraph.NewClient(cred, &msgraph.Options{Endpoint: srv.URL, HTTPClient: srv.Client()})
	require.NoError(t, err)
	users, err := list(ctx, client, "/users?$select=id,displayName&$top=1")
	require.NoError(t, err)
	assert.Equal(t, []string{"Megan Admin", "Adele Vance"}, users, "every page")
	groups, err := list(ctx, client, "/groups?$select=id,displayName&$top=2")
	require.NoError(t, err)
	assert.Len(t, groups, 3)
}
