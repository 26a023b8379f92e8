package verify_test

import (
	"context"
	"crypto/x509"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/entrakit/entrakit/graphauth"
	"github.com/entrakit/entrakit/graphauth/graphauthtest"
	"github.com/entrakit/entrakit/registration"
	"github.com/entrakit/entrakit/verify"
)

func TestAPermissionGrantedAMomentAgoShowsAtOnce(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	srv.RevokeAppRoles(srv.TenantID, srv.ClientID, "Group.Read.All")
	cfg, cred := secretConfig(srv)
	ctx := context.Background()
	// The product has been running: its token, without the role, is cached.
	_, err := cred.Token(ctx, graphauth.TokenRequest{})
	require.NoError(t, err)

	before := verify.Run(ctx, cred, verify.Requirements{Roles: defaultRoles}, runOpts(srv, cfg))
	c, _ := before.Check(verify.CheckTokenPermissions)
	require.Equal(t, verify.StatusFailed, c.Status)

	srv.GrantAppRoles(srv.TenantID, srv.ClientID, "Group.Read.All") // the administrator grants it
	after := verify.Run(ctx, cred, verify.Requirements{Roles: defaultRoles}, runOpts(srv, cfg))
	c, _ = after.Check(verify.CheckTokenPermissions)
	assert.Equal(t, verify.StatusOK, c.Status, after.Text())
	require.Len(t, after.Permissions, 1)
	assert.Empty(t, after.Permissions[0].Missing)
}

func TestTheReportShowsGrantedAgainstNeeded(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	cfg, cred := secretConfig(srv)
	r := verify.Run(context.Background(), cred, verify.Requirements{
		Roles: []string{"User.Read.All", "Group.Read.All"}, OptionalRoles: []string{"Organization.Read.All", "Reports.Read.All"},
	}, runOpts(srv, cfg))
	c, _ := r.Check(verify.CheckTokenPermissions)
	assert.Equal(t, verify.StatusWarning, c.Status, "an optional permission is missing")
	require.NotNil(t, c.Diagnosis)
	assert.Equal(t, "OptionalPermissionsMissing", c.Diagnosis.Code)
	require.Len(t, r.Permissions, 1)
	p := r.Permissions[0]
	assert.Equal(t, "application", p.Kind)
	assert.Equal(t, []string{"Group.Read.All", "Organization.Read.All", "User.Read.All"}, p.Granted)
	assert.Equal(t, []string{"User.Read.All", "Group.Read.All"}, p.Required)
	assert.Empty(t, p.Missing)
	assert.Equal(t, []string{"Reports.Read.All"}, p.OptionalMissing)
	assert.Empty(t, p.Unexpected, "an optional permission held is not unexpected")
	assert.Contains(t, r.Text(), "Permissions, application: needs User.Read.All, Group.Read.All; optional Organization.Read.All, Reports.Read.All")
	data, err := r.JSON()
	require.NoError(t, err)
	assert.Contains(t, string(data), `"optionalMissing": [`)
}

// delegatedToken is a signed-in user's credential whose token carries scp.
type delegatedToken struct{ scp string }

func (d delegatedToken) Token(context.Context, graphauth.TokenRequest) (graphauth.Token, error) {
	tok, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"scp": d.scp, "tid": "11111111-1111-1111-1111-111111111111",
		"appid": "22222222-2222-2222-2222-222222222222", "upn": "adele@contoso.com"}).SignedString([]byte("test-key-not-a-secret"))
	return graphauth.Token{AccessToken: tok, ExpiresOn: time.Now().Add(time.Hour)}, err
}

func TestDelegatedScopesAreCheckedOnAUsersToken(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		scp    string
		req    verify.Requirements
		status verify.Status
	}{
		"every scope consented, offline_access too": {"User.Read Mail.Read", verify.Requirements{Scopes: []string{"User.Read", "offline_access"}, OptionalScopes: []string{"Mail.Read"}}, verify.StatusOK},
		"a scope not consented":                     {"User.Read", verify.Requirements{Scopes: []string{"User.Read", "Group.Read.All"}}, verify.StatusFailed},
		"an optional scope not consented":           {"User.Read", verify.Requirements{Scopes: []string{"User.Read"}, OptionalScopes: []string{"Reports.Read.All"}}, verify.StatusWarning},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			r := verify.Run(context.Background(), delegatedToken{tc.scp}, tc.req, nil)
			c, ok := r.Check(verify.CheckTokenScopes)
			require.True(t, ok, r.Text())
			assert.Equal(t, tc.status, c.Status, r.Text())
			require.Len(t, r.Permissions, 1)
			assert.Equal(t, "delegated", r.Permissions[0].Kind)
			if tc.status == verify.StatusFailed {
				assert.Equal(t, []string{"Group.Read.All"}, c.Diagnosis.Missing)
			}
		})
	}
}

func TestScopesAreNotCheckedOnAnAppOnlyToken(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	cfg, cred := secretConfig(srv)
	r := verify.Run(context.Background(), cred, verify.Requirements{Roles: defaultRoles, Scopes: []string{"User.Read"}}, runOpts(srv, cfg))
	c, _ := r.Check(verify.CheckTokenScopes)
	assert.Equal(t, verify.StatusSkipped, c.Status)
	assert.Contains(t, c.Detail, "app-only")
	assert.False(t, r.Failed(), r.Text())
}

func TestACertificateHeldInMemory(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	cred, err := graphauth.NewCertificateCredential(srv.TenantID, srv.ClientID, []*x509.Certificate{srv.ClientCertificate}, srv.ClientKey,
		&graphauth.CertificateOptions{Options: *opts(srv)})
	require.NoError(t, err)
	o := runOpts(srv, &graphauth.Config{TenantID: srv.TenantID, ClientID: srv.ClientID})
	o.Certificate = srv.ClientCertificate
	r := verify.Run(context.Background(), cred, verify.Requirements{Roles: defaultRoles}, o)
	c, ok := r.Check(verify.CheckCertificate)
	require.True(t, ok, r.Text())
	assert.Equal(t, verify.StatusOK, c.Status)
	thumb := registration.Thumbprint(srv.ClientCertificate)
	assert.Equal(t, strings.ToUpper(thumb), thumb)
	assert.Len(t, thumb, 40, "SHA-1, hex")
	assert.Contains(t, c.Detail, "thumbprint "+thumb)
	assert.False(t, r.Failed(), r.Text())
}

func TestAADSTS700027ShowsTheThumbprintInUse(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	strangerKey, strangerCert := graphauthtest.NewCertificate("CN=generated by the product", srv.Now())
	cred, err := graphauth.NewCertificateCredential(srv.TenantID, srv.ClientID, []*x509.Certificate{strangerCert}, strangerKey,
		&graphauth.CertificateOptions{Options: *opts(srv)})
	require.NoError(t, err)
	o := runOpts(srv, nil)
	o.Certificate = strangerCert
	r := verify.Run(context.Background(), cred, verify.Requirements{Roles: defaultRoles}, o)
	c, _ := r.Check(verify.CheckAuthentication)
	require.Equal(t, verify.StatusFailed, c.Status)
	require.NotNil(t, c.Diagnosis)
	assert.Equal(t, "AADSTS700027", c.Diagnosis.Code)
	assert.Contains(t, c.Detail, registration.Thumbprint(strangerCert))
	assert.Contains(t, c.Diagnosis.Summary, registration.Thumbprint(strangerCert))
}

func TestAProbeForEveryPermissionFamily(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	roles := []string{"User.Read.All", "Group.Read.All", "Domain.Read.All", "Organization.Read.All", "Reports.Read.All", "Application.Read.All"}
	srv.GrantAppRoles(srv.TenantID, srv.ClientID, roles...)
	cfg, cred := secretConfig(srv)
	r := verify.Run(context.Background(), cred, verify.Requirements{Roles: roles, ProbeGraph: true}, runOpts(srv, cfg))
	for id, call := range map[string]string{
		verify.ProbeUsers:         "GET /v1.0/users?$top=1&$select=id answered 200",
		verify.ProbeGroups:        "GET /v1.0/groups?$top=1&$select=id answered 200",
		verify.ProbeDomains:       "GET /v1.0/domains answered 200",
		verify.ProbeOrganization:  "GET /v1.0/organization?$select=id answered 200",
		verify.ProbeSubscribedSKU: "GET /v1.0/subscribedSkus answered 200",
		verify.ProbeReports:       "GET /v1.0/reports/getOffice365ActiveUserDetail(period='D7') answered 200",
		verify.ProbeApplications:  "GET /v1.0/servicePrincipals(appId='" + srv.ClientID + "')?$select=id answered 200",
	} {
		c, ok := r.Check(id)
		require.True(t, ok, "%s in\n%s", id, r.Text())
		assert.Equal(t, verify.StatusOK, c.Status, c.Detail)
		assert.Contains(t, c.Detail, call)
	}
}

func TestAProbeRefusedSaysTheCallTheAnswerAndThePermission(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	cfg, cred := secretConfig(srv)
	r := verify.Run(context.Background(), cred, verify.Requirements{Roles: []string{"User.Read.All"}, OptionalRoles: []string{"Domain.Read.All", "Reports.Read.All"},
		ProbeGraph: true}, runOpts(srv, cfg))
	for _, id := range []string{verify.ProbeDomains, verify.ProbeReports} {
		c, ok := r.Check(id)
		require.True(t, ok, r.Text())
		assert.Equal(t, verify.StatusWarning, c.Status, "only an optional permission asked for it")
		assert.Contains(t, c.Detail, "answered 403 Authorization_RequestDenied")
		assert.Contains(t, c.Detail, "[request-id ")
		require.NotNil(t, c.Diagnosis)
		assert.Equal(t, "HTTP403", c.Diagnosis.Code)
	}
	c, _ := r.Check(verify.ProbeDomains)
	assert.Contains(t, c.Diagnosis.Missing, "Domain.Read.All")
	c, _ = r.Check(verify.ProbeReports)
	assert.Contains(t, c.Diagnosis.Missing, "Reports.Read.All")
}

func TestAPastedV1TokenURLIsAValidTenant(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	cfg := &graphauth.Config{TenantID: srv.URL + "/" + srv.TenantID + "/oauth2/token", ClientID: srv.ClientID,
		ClientSecret: graphauth.Secret(srv.Secret), AuthorityHost: srv.URL}
	cred, err := graphauth.NewCredential(*cfg, &graphauth.Options{HTTPClient: srv.Client()})
	require.NoError(t, err)
	r := verify.Run(context.Background(), cred, verify.Requirements{Roles: defaultRoles}, runOpts(srv, cfg))
	c, _ := r.Check(verify.CheckTenantID)
	assert.Equal(t, verify.StatusOK, c.Status, r.Text())
	assert.Contains(t, c.Detail, srv.TenantID+" (from a pasted token URL, v1 endpoint")
	assert.Equal(t, srv.TenantID, r.TenantID)
	assert.False(t, r.Failed(), r.Text())

	cfg.TenantID = "https://graph.microsoft.com/v1.0/organization"
	r = verify.Run(context.Background(), cred, verify.Requirements{Roles: defaultRoles}, runOpts(srv, cfg))
	c, _ = r.Check(verify.CheckTenantID)
	assert.Equal(t, verify.StatusFailed, c.Status)
	assert.Contains(t, c.Detail, "is Microsoft Graph's address")
}

func TestAProbeRunsOnlyForAPermissionThatAllowsItsCall(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	srv.GrantAppRoles(srv.TenantID, srv.ClientID, "User.Invite.All")
	cfg, cred := secretConfig(srv)
	r := verify.Run(context.Background(), cred, verify.Requirements{Roles: []string{"User.Invite.All"}, ProbeGraph: true}, runOpts(srv, cfg))
	_, probed := r.Check(verify.ProbeUsers)
	assert.False(t, probed, "inviting users does not allow listing them: no probe to fail")
	c, _ := r.Check(verify.CheckGraph)
	assert.Equal(t, verify.StatusSkipped, c.Status)
}

func TestAGraphRefusalOfADelegatedCallSaysDelegated(t *testing.T) {
	t.Parallel()
	d := verify.Diagnose(&registration.GraphError{StatusCode: 403, Code: "Authorization_RequestDenied", Scheme: "DelegatedWork", Required: []string{"GroupMember.Read.All"}})
	assert.Contains(t, d.Action, "delegated permissions")
	assert.Equal(t, []string{"GroupMember.Read.All"}, d.Missing)
	d = verify.Diagnose(&registration.GraphError{StatusCode: 429, Code: "TooManyRequests", RetryAfter: 30 * time.Second})
	assert.Contains(t, d.Summary, "Retry-After 30s")
	assert.True(t, d.Retryable)
}
