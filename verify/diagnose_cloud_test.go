package verify_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/entrakit/entrakit/graphauth"
	"github.com/entrakit/entrakit/graphauth/graphauthtest"
	"github.com/entrakit/entrakit/verify"
)

// A national cloud's administrator gets commands for their cloud: the
// admin consent URL on its authority host, for its Graph, and Graph calls
// to its Graph.
func TestDiagnoseInNamesTheCloudsHosts(t *testing.T) {
	t.Parallel()
	consent := &graphauth.AuthError{Code: "invalid_grant", AADSTS: []int{65001}}
	missingSP := &graphauth.AuthError{Code: "invalid_client", AADSTS: []int{650052}}
	public := verify.Diagnose(consent)
	require.Contains(t, public.Command, "https://login.microsoftonline.com/")
	assert.Equal(t, public, verify.DiagnoseIn(consent, graphauth.Cloud{}), "a zero cloud is the public one")
	assert.Equal(t, public, verify.DiagnoseIn(consent, graphauth.AzurePublic))

	for _, cloud := range []graphauth.Cloud{graphauth.AzureGovernment, graphauth.AzureGovernmentDoD, graphauth.AzureChina} {
		d := verify.DiagnoseIn(consent, cloud)
		assert.Contains(t, d.Command, cloud.AuthorityHost+"/{tenant}/v2.0/adminconsent", cloud.Name)
		assert.Contains(t, d.Command, "scope="+cloud.GraphEndpoint+"/.default", cloud.Name)
		assert.NotContains(t, d.Command, "microsoftonline.com", cloud.Name)
		assert.NotContains(t, d.Command, "graph.microsoft.com", cloud.Name)
		assert.Equal(t, public.Summary, d.Summary, "only the command changes")

		sp := verify.DiagnoseIn(missingSP, cloud)
		assert.True(t, strings.HasPrefix(sp.Command, "POST "+cloud.GraphEndpoint+"/v1.0/servicePrincipals"), sp.Command)
	}
}

// verify.Run writes its diagnoses' commands for the cloud it checked: the
// fake platform's own authority host when the Config names it.
func TestRunSuggestsCommandsForTheCloudItChecked(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	srv.RevokeAppRoles(srv.TenantID, srv.ClientID, "Group.Read.All")
	cfg, cred := secretConfig(srv)
	cfg.AuthorityHost = srv.URL
	r := verify.Run(context.Background(), cred, verify.Requirements{Roles: defaultRoles}, runOpts(srv, cfg))
	c, _ := r.Check(verify.CheckTokenPermissions)
	require.Equal(t, verify.StatusFailed, c.Status, r.Text())
	require.NotNil(t, c.Diagnosis)
	assert.True(t, strings.HasPrefix(c.Diagnosis.Command, "GET "+srv.URL+"/"+srv.TenantID+"/v2.0/adminconsent"), c.Diagnosis.Command)
}

// dodCredential is a credential of the US Government DoD cloud; its
// token, not being a JWT, grants nothing.
type dodCredential struct{}

func (dodCredential) Cloud() graphauth.Cloud { return graphauth.AzureGovernmentDoD }

func (dodCredential) Token(context.Context, graphauth.TokenRequest) (graphauth.Token, error) {
	return graphauth.Token{AccessToken: "not-a-jwt", ExpiresOn: time.Now().Add(time.Hour)}, nil
}

// DoD shares US Government's authority host, so a Config whose
// AuthorityHost is https://login.microsoftonline.us names US Government; a
// credential made for DoD (Options.Cloud) says so, and Run checks DoD's
// Graph: it sent a DoD administrator to consent to graph.microsoft.us,
// and would have called it with a token for dod-graph.
func TestRunTakesTheCredentialsCloudOnASharedAuthorityHost(t *testing.T) {
	t.Parallel()
	cfg := &graphauth.Config{TenantID: "11111111-2222-3333-4444-555555555555", ClientID: "22222222-3333-4444-5555-666666666666",
		ClientSecret: "a-secret-value", AuthorityHost: "https://login.microsoftonline.us"}
	r := verify.Run(context.Background(), dodCredential{}, verify.Requirements{Roles: []string{"User.Read.All"}}, &verify.Options{Config: cfg})
	c, _ := r.Check(verify.CheckTokenPermissions)
	require.NotNil(t, c.Diagnosis, r.Text())
	assert.Contains(t, c.Diagnosis.Command, "scope="+graphauth.AzureGovernmentDoD.DefaultScope(), r.Text())
	assert.Contains(t, c.Diagnosis.Command, graphauth.AzureGovernmentDoD.AuthorityHost+"/")
}
