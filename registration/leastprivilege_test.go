package registration_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/entrakit/entrakit/registration"
)

const (
	app      = registration.SchemeApplication
	work     = registration.SchemeDelegatedWork
	personal = registration.SchemeDelegatedPersonal
)

// The calls the seed products make, each checked by hand against
// msgraph-permissions-paths.json (../shared/data): what the map says of the
// (method, path) in the scheme, and so what the answer must be. "marks X"
// means X's path set has least=<scheme> for the path.
func TestLeastPrivilegeOfTheSeedProductsCalls(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name          string
		method, url   string
		scheme        registration.Scheme
		template      string
		least         string
		basis         registration.Basis
		alternativeOf string // another permission that must be among the alternatives
	}{
		// /users GET: the map marks User.ReadBasic.All and User.ReadWrite.All
		// (DelegatedWork,Application); privilegeLevel 3 and 4 in
		// Application: the lower wins.
		{"list users", "GET", "https://graph.microsoft.com/v1.0/users?$select=displayName,userPrincipalName&$top=100", app,
			"/users", "User.ReadBasic.All", registration.BasisMarked, "User.Read.All"},
		// /users/{id} GET: the same two marks; User.Read.All allows it unmarked.
		{"one user", "GET", "/v1.0/users/lee@contoso.onmicrosoft.com", app,
			"/users/{id}", "User.ReadBasic.All", registration.BasisMarked, "Directory.Read.All"},
		// /users/{id} GET in DelegatedPersonal: User.Read and User.ReadWrite
		// are marked least=DelegatedPersonal; levels 2 and 2, User.Read only
		// reads.
		{"a personal account's profile", "GET", "/users/0a1b2c3d", personal,
			"/users/{id}", "User.Read", registration.BasisMarked, "User.ReadWrite"},
		// /users/delta GET: only User.Read.All is marked (DelegatedWork,Application).
		{"user delta", "GET", "/v1.0/users/delta?$deltatoken=abc", app,
			"/users/delta", "User.Read.All", registration.BasisMarked, "Directory.Read.All"},
		// /me GET: User.Read marked least=DelegatedWork,DelegatedPersonal.
		{"the signed-in user", "GET", "/v1.0/me", work,
			"/me", "User.Read", registration.BasisMarked, "User.ReadBasic.All"},
		// /groups GET: the map marks Group-NestingSupport.ReadWrite.All (it
		// writes) and Group.ReadBasic.All (not an app role of Graph's service
		// principal). Read-only ones that allow it, all level 3:
		// GroupMember.Read.All, Group.Read.All, Directory.Read.All;
		// GroupMember.Read.All allows the fewest calls.
		{"list groups", "GET", "/v1.0/groups?$select=id,displayName&$top=100", app,
			"/groups", "GroupMember.Read.All", registration.BasisReadOnly, "Group.Read.All"},
		// /groups/delta GET: the same two marks as /groups.
		{"group delta", "GET", "/beta/groups/delta", app,
			"/groups/delta", "GroupMember.Read.All", registration.BasisReadOnly, "Group.Read.All"},
		// /groups/{id}/members GET: marks only GroupMember.ReadBasic.All,
		// which Graph does not offer; GroupMember.Read.All, Group.Read.All
		// and Directory.Read.All (level 3, read-only) allow it.
		{"group members", "GET", "/v1.0/groups/0a1b2c3d/members?$top=999", app,
			"/groups/{id}/members", "GroupMember.Read.All", registration.BasisUnoffered, "Group.Read.All"},
		// A cast: no template has it, /groups/{id}/members is used.
		{"group members that are users", "GET", "/v1.0/groups/0a1b2c3d/members/microsoft.graph.user", app,
			"/groups/{id}/members", "GroupMember.Read.All", registration.BasisUnoffered, ""},
		// /groups/{id}/transitivemembers GET: as members.
		{"transitive members", "GET", "/v1.0/groups/0a1b2c3d/transitiveMembers", work,
			"/groups/{id}/transitivemembers", "GroupMember.Read.All", registration.BasisUnoffered, "Directory.Read.All"},
		// /groups/{id}/members/{id} DELETE (the map drops $ref):
		// GroupMember.ReadWrite.All marked (DelegatedWork,Application).
		{"remove a member", "DELETE", "/v1.0/groups/0a1b/members/2c3d/$ref", app,
			"/groups/{id}/members/{id}", "GroupMember.ReadWrite.All", registration.BasisMarked, "Group.ReadWrite.All"},
		// /users/{id}/memberof GET: Directory.Read.All is marked
		// least=Application (User.Read is the DelegatedWork one).
		{"a user's groups", "GET", "/v1.0/users/0a1b/memberOf", app,
			"/users/{id}/memberof", "Directory.Read.All", registration.BasisMarked, ""},
		// /domains GET: Domain.Read.All (3) and Domain.ReadWrite.All (4) both marked.
		{"domains", "GET", "/v1.0/domains", app,
			"/domains", "Domain.Read.All", registration.BasisMarked, "Directory.Read.All"},
		// /organization GET: the map marks DeviceManagementServiceConfig.Read.All
		// alone (from Intune's documentation of the resource), level 3;
		// Organization.Read.All allows it unmarked, level 3, and is what
		// Graph's organization-get page lists. An Intune mark outside Intune's
		// resources gives way to the resource's own family.
		{"organization", "GET", "/v1.0/organization", app,
			"/organization", "Organization.Read.All", registration.BasisOwnResource, "DeviceManagementServiceConfig.Read.All"},
		// /subscribedskus GET marks nothing, but /subscribedSkus (another
		// spelling of the same path in the map) marks LicenseAssignment.Read.All;
		// paths compare without case.
		{"subscribed SKUs", "GET", "/v1.0/subscribedSkus", app,
			"/subscribedskus", "LicenseAssignment.Read.All", registration.BasisMarked, "Organization.Read.All"},
		// /reports/getoffice365activeuserdetail(period={value}) GET:
		// Reports.Read.All marked, alone.
		{"an active-user report", "GET", "/v1.0/reports/getOffice365ActiveUserDetail(period='D7')?$format=text/csv", app,
			"/reports/getoffice365activeuserdetail(period={period})", "Reports.Read.All", registration.BasisMarked, ""},
		// /reports/getemailactivityuserdetail(period={value}) GET: the same.
		{"an email report", "GET", "/v1.0/reports/getEmailActivityUserDetail(period='D30')", work,
			"/reports/getemailactivityuserdetail(period={period})", "Reports.Read.All", registration.BasisMarked, ""},
		// /users/{id}/authentication/methods/{id}/resetpassword POST:
		// UserAuthenticationMethod.ReadWrite.All marked least=DelegatedWork,
		// the only one.
		{"password reset", "POST", "/v1.0/users/0a1b/authentication/methods/28c10230-6103-485e-b985-444c60001490/resetPassword", work,
			"/users/{id}/authentication/methods/{id}/resetpassword", "UserAuthenticationMethod.ReadWrite.All", registration.BasisMarked, ""},
		// /users/{id} PATCH (a new passwordProfile): User.ReadWrite.All is
		// marked (DelegatedWork,Application); the map cannot see that the
		// body holds only passwordProfile (User-PasswordProfile.ReadWrite.All).
		{"password profile", "PATCH", "/v1.0/users/0a1b", app,
			"/users/{id}", "User.ReadWrite.All", registration.BasisMarked, "User-PasswordProfile.ReadWrite.All"},
		// /serviceprincipals(appid={value}) GET: marked Application.Read.All
		// (DelegatedWork,Application) and Application.ReadWrite.OwnedBy
		// (Application), both level 3: the read-only one wins.
		{"a service principal by app ID", "GET", "/v1.0/servicePrincipals(appId='00000003-0000-0000-c000-000000000000')", app,
			"/serviceprincipals(appid={appid})", "Application.Read.All", registration.BasisMarked, "Application.ReadWrite.OwnedBy"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			got, err := registration.LeastPrivilege(c.method, c.url, c.scheme)
			require.NoError(t, err)
			assert.Equal(t, c.template, got.Template())
			assert.Equal(t, c.least, got.Least.Value)
			assert.Equal(t, c.basis, got.Basis, got.Basis.String())
			assert.Equal(t, strings.ToUpper(c.method), got.Method)
			assert.Equal(t, c.scheme.Kind(), got.Least.Kind)
			assert.Empty(t, got.AlsoRequires)
			alts := got.Alternatives()
			require.NotEmpty(t, alts)
			assert.Equal(t, c.least, alts[0].Permission.Value, "Least comes first")
			if c.alternativeOf != "" {
				var names []string
				for _, a := range alts {
					names = append(names, a.Permission.Value)
				}
				assert.Contains(t, names, c.alternativeOf)
			}
		})
	}
}

func TestSpellingsOfOneCallGetOneAnswer(t *testing.T) {
	t.Parallel()
	for _, url := range []string{
		"https://graph.microsoft.com/v1.0/users/0a1b2c3d/memberOf",
		"https://graph.microsoft.us/beta/Users/lee%40contoso.com/MEMBEROF?$top=5",
		"/v1.0/users/lee@contoso.com/memberOf/microsoft.graph.group",
		"/users/0a1b2c3d/memberof#fragment",
		"users/0a1b2c3d//memberof/",
	} {
		got, err := registration.LeastPrivilege("get", url, app)
		require.NoError(t, err, url)
		assert.Equal(t, "/users/{id}/memberof", got.Template(), url)
		assert.Equal(t, "Directory.Read.All", got.Least.Value, url)
	}
}

func TestAlsoRequiresComesWithTheLeast(t *testing.T) {
	t.Parallel()
	// /applications/{id}/owners POST: Application.ReadWrite.OwnedBy is
	// marked least=Application with AlsoRequires=Directory.Read.All.
	got, err := registration.LeastPrivilege("POST", "/v1.0/applications/0a1b/owners/$ref", app)
	require.NoError(t, err)
	assert.Equal(t, "Application.ReadWrite.OwnedBy", got.Least.Value)
	require.Len(t, got.AlsoRequires, 1)
	assert.Equal(t, "Directory.Read.All", got.AlsoRequires[0].Value)
	assert.False(t, got.AllowedBy([]string{"Application.ReadWrite.OwnedBy"}), "without what it also requires")
	assert.True(t, got.AllowedBy([]string{"application.readwrite.ownedby", "Directory.Read.All"}))
	assert.Equal(t, "POST /applications/{id}/owners: Application.ReadWrite.OwnedBy and Directory.Read.All", got.String())
}

func TestCallsOutsideTheMapAreNeverGuessed(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, method, url string
		scheme            registration.Scheme
		miss              registration.MapMiss
		text              string
	}{
		{"an unknown path", "GET", "https://graph.microsoft.com/v1.0/no/such/thing?x=1", app, registration.MissPath,
			"registration: GET /v1.0/no/such/thing is not in Microsoft's permission map"},
		{"adding a member, which the map lacks", "POST", "/v1.0/groups/0a1b/members/$ref", app, registration.MissMethod,
			"(the path is, with other methods)"},
		{"a method Graph has not", "HEAD", "/v1.0/users", app, registration.MissMethod, "HEAD /v1.0/users"},
		{"the signed-in user, app-only", "GET", "/v1.0/me", app, registration.MissScheme, "for Application permissions"},
		{"password reset, app-only", "POST", "/v1.0/users/1/authentication/methods/2/resetPassword", app, registration.MissScheme, ""},
		{"too deep to be a call", "GET", strings.Repeat("/users", 40), app, registration.MissPath, ""},
		{"a control character stays off the line", "GET", "/no/such\nline", app, registration.MissPath, "/no/such?line"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			_, err := registration.LeastPrivilege(c.method, c.url, c.scheme)
			var ue *registration.UnknownCallError
			require.True(t, errors.As(err, &ue), "%v", err)
			assert.Equal(t, c.miss, ue.Miss)
			assert.Equal(t, c.scheme, ue.Scheme)
			assert.Contains(t, err.Error(), c.text)
			assert.NotContains(t, err.Error(), "\n")
		})
	}
}

func TestALookupAllocatesNothing(t *testing.T) {
	url := "https://graph.microsoft.com/v1.0/groups/0a1b2c3d-0000-4000-8000-000000000000/members?$select=id&$top=999"
	allocs := testing.AllocsPerRun(200, func() {
		if _, err := registration.LeastPrivilege("GET", url, app); err != nil {
			panic(err)
		}
	})
	assert.Zero(t, allocs)
}
