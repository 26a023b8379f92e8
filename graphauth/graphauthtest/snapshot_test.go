package graphauthtest_test

import (
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/entrakit/entrakit/graphauth/graphauthtest"
)

func TestTenantsListsTheDirectoryAsACopy(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	tenants := srv.Tenants()
	require.Len(t, tenants, 1)
	assert.Equal(t, srv.TenantID, tenants[0].ID)
	require.Len(t, tenants[0].Users, 2)
	assert.Equal(t, "admin@contoso.onmicrosoft.com", tenants[0].Users[0].UPN)
	require.NotEmpty(t, tenants[0].Groups)
	for _, g := range tenants[0].Groups {
		for _, m := range g.Members {
			assert.Len(t, m, 36, "group %s lists members by object ID", g.DisplayName)
		}
	}
	tenants[0].Users[0].UPN = "changed@example.com"
	assert.Equal(t, "admin@contoso.onmicrosoft.com", srv.Tenants()[0].Users[0].UPN, "the copy is the caller's")
	assert.Equal(t, []string{srv.ClientID}, srv.Apps())
}

func TestAddedSecretsAndCertificatesAuthenticate(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	sec := srv.AddSecret(srv.ClientID, graphauthtest.Secret{DisplayName: "rotated"})
	assert.NotEmpty(t, sec.KeyID)
	assert.NotEmpty(t, sec.Value)
	assert.Equal(t, sec.Start.AddDate(2, 0, 0), sec.End)
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {srv.ClientID},
		"client_secret": {sec.Value}, "scope": {"https://graph.microsoft.com/.default"}}
	resp, err := srv.Client().PostForm(srv.URL+"/"+srv.TenantID+"/oauth2/v2.0/token", form)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 200, resp.StatusCode, "the added secret is accepted")

	_, cert := graphauthtest.NewCertificate("CN=added", srv.Now())
	c := srv.AddCertificate(srv.ClientID, graphauthtest.Certificate{Certificate: cert})
	assert.NotEmpty(t, c.KeyID)
	app, ok := srv.App(srv.ClientID)
	require.True(t, ok)
	assert.Len(t, app.Secrets, 2)
	assert.Len(t, app.Certificates, 2)

	assert.PanicsWithValue(t, `graphauthtest: no app "00000000-0000-0000-0000-000000000009"`, func() {
		srv.AddSecret("00000000-0000-0000-0000-000000000009", graphauthtest.Secret{})
	})
	assert.Panics(t, func() { srv.AddCertificate(srv.ClientID, graphauthtest.Certificate{}) })
}
