package verify_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/entrakit/entrakit/graphauth/graphauthtest"
	"github.com/entrakit/entrakit/registration"
	"github.com/entrakit/entrakit/verify"
)

func needOf(t *testing.T, scheme registration.Scheme, calls ...string) registration.PermissionSet {
	t.Helper()
	var cs []registration.Call
	for i := 0; i < len(calls); i += 2 {
		cs = append(cs, registration.Call{Method: calls[i], URL: calls[i+1]})
	}
	set, err := registration.LeastPrivilegeSet(cs, scheme)
	require.NoError(t, err)
	return set
}

func TestComparingGrantsWithWhatTheCallsNeed(t *testing.T) {
	t.Parallel()
	sync := needOf(t, registration.SchemeApplication, "GET", "/v1.0/users", "GET", "/v1.0/groups", "GET", "/v1.0/groups/1/members")
	require.Equal(t, []string{"GroupMember.Read.All", "User.ReadBasic.All"}, sync.Names())
	cases := []struct {
		name     string
		need     registration.PermissionSet
		granted  []string
		warnings []string
	}{
		{"exactly what the calls need", sync, []string{"User.ReadBasic.All", "groupmember.read.all"}, nil},
		{"a permission missing, with the calls that need it", sync, []string{"User.ReadBasic.All"},
			[]string{"missing GroupMember.Read.All, which GET /groups, GET /groups/{id}/members need"}},
		{"what a sync guide asks for: more than it uses", sync, []string{"User.Read.All", "Group.ReadWrite.All", "Mail.Send"},
			[]string{
				"has User.Read.All; the calls made need only User.ReadBasic.All",
				"has Group.ReadWrite.All; the calls made need only GroupMember.Read.All",
				"has Mail.Send; no call made needs it",
			}},
		{"Directory.ReadWrite.All where User.Read.All would do",
			needOf(t, registration.SchemeApplication, "GET", "/v1.0/users/delta"), []string{"Directory.ReadWrite.All"},
			[]string{"has Directory.ReadWrite.All; the calls made need only User.Read.All"}},
		// GET /organization: the map marks DeviceManagementServiceConfig.Read.All;
		// Organization.Read.All, as privileged and narrower, is another
		// acceptable choice: neither missing nor excess.
		{"an alternative as narrow as the set's", needOf(t, registration.SchemeApplication, "GET", "/v1.0/organization"),
			[]string{"Organization.Read.All"}, nil},
		{"a delegated set against scopes", needOf(t, registration.SchemeDelegatedWork, "GET", "/v1.0/me",
			"POST", "/v1.0/users/1/authentication/methods/2/resetPassword"), []string{"User.Read", "User.ReadWrite.All"},
			[]string{
				"missing UserAuthenticationMethod.ReadWrite.All, which POST /users/{id}/authentication/methods/{id}/resetpassword needs",
				"has User.ReadWrite.All; the calls made need only User.Read",
			}},
		{"a name that is no permission", sync, []string{"User.ReadBasic.All", "GroupMember.Read.All", "Not.A.Permission"},
			[]string{"has Not.A.Permission; no call made needs it"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			rep := verify.ComparePermissions(c.need, c.granted)
			assert.Equal(t, c.warnings, rep.Warnings())
			assert.Equal(t, len(c.warnings) == 0, rep.OK())
		})
	}
}

func TestThePrivilegeReportHasStableJSON(t *testing.T) {
	t.Parallel()
	need := needOf(t, registration.SchemeApplication, "GET", "/v1.0/groups")
	data, err := json.Marshal(verify.ComparePermissions(need, []string{"Group.ReadWrite.All", "User.Read.All"}))
	require.NoError(t, err)
	assert.JSONEq(t, `{"scheme":"Application","excess":[
		{"permission":"Group.ReadWrite.All","instead":["GroupMember.Read.All"],"calls":["GET /groups"]},
		{"permission":"User.Read.All"}]}`, string(data))
}

func TestRunComparesTheTokenWithTheCallsNeeds(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil) // the app holds User.Read.All, Group.Read.All, Organization.Read.All
	defer srv.Close()
	cfg, cred := secretConfig(srv)
	need := needOf(t, registration.SchemeApplication, "GET", "/v1.0/users/delta", "GET", "/v1.0/groups")

	r := verify.Run(context.Background(), cred, verify.Requirements{LeastPrivilege: need}, runOpts(srv, cfg))
	check, ok := r.Check("token.least_privilege")
	require.True(t, ok, r.Text())
	assert.Equal(t, verify.StatusWarning, check.Status)
	assert.Equal(t, "has Group.Read.All; the calls made need only GroupMember.Read.All; has Organization.Read.All; no call made needs it", check.Detail)
	require.NotNil(t, check.Diagnosis)
	assert.Equal(t, "PermissionsExcess", check.Diagnosis.Code)
	require.NotNil(t, check.Diagnosis.Privilege)
	assert.Len(t, check.Diagnosis.Privilege.Excess, 2)
	assert.Equal(t, verify.StatusWarning, r.Status)

	srv.RevokeAppRoles(srv.TenantID, srv.ClientID, "Group.Read.All")
	_, cred = secretConfig(srv) // a new credential: a new token
	r = verify.Run(context.Background(), cred, verify.Requirements{LeastPrivilege: need}, runOpts(srv, cfg))
	check, _ = r.Check("token.least_privilege")
	assert.Equal(t, verify.StatusFailed, check.Status, r.Text())
	assert.Equal(t, []string{"GroupMember.Read.All"}, check.Diagnosis.Missing)
	assert.Contains(t, r.Text(), "missing GroupMember.Read.All, which GET /groups needs")
}

func TestRunSkipsTheComparisonWithoutAToken(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	cfg, _ := secretConfig(srv)
	_, cred := secretConfig(srv)
	srv.RemoveServicePrincipal(srv.TenantID, srv.ClientID)
	need := needOf(t, registration.SchemeApplication, "GET", "/v1.0/users")
	r := verify.Run(context.Background(), cred, verify.Requirements{LeastPrivilege: need}, runOpts(srv, cfg))
	assert.Equal(t, verify.StatusSkipped, statuses(r)["token.least_privilege"], r.Text())
	r = verify.Run(context.Background(), cred, verify.Requirements{}, runOpts(srv, cfg))
	_, ok := r.Check("token.least_privilege")
	assert.False(t, ok, "not asked for")
}
