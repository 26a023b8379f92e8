package registration_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/entrakit/entrakit/registration"
)

func TestRequiredResourceAccessRendersAsTheManifestHoldsIt(t *testing.T) {
	t.Parallel()
	perms, err := registration.ResolveGraphPermissions([]string{"User.Read.All", "Group.Read.All"}, []string{"offline_access"})
	require.NoError(t, err)
	app := registration.App{DisplayName: "reporting", Permissions: perms, OtherAccess: []registration.RequiredResourceAccess{{
		ResourceAppID:  registration.ExchangeOnlineAppID,
		ResourceAccess: []registration.ResourceAccess{{ID: "dc50a0fb-09a3-484d-be87-e023b12c6440", Type: "Role"}},
	}}}
	got, err := json.Marshal(app.RequiredResourceAccess())
	require.NoError(t, err)
	assert.JSONEq(t, `[
	  {"resourceAppId": "00000003-0000-0000-c000-000000000000", "resourceAccess": [
	    {"id": "df021288-bdef-4463-88db-98f22de89214", "type": "Role"},
	    {"id": "5b567255-7703-4780-807c-7be8301ae99b", "type": "Role"},
	    {"id": "7427e0e9-2fba-42fe-b0c0-848c9e6a8182", "type": "Scope"}]},
	  {"resourceAppId": "00000002-0000-0ff1-ce00-000000000000", "resourceAccess": [
	    {"id": "dc50a0fb-09a3-484d-be87-e023b12c6440", "type": "Role"}]}]`, string(got))

	graph, other, err := registration.ParseRequiredResourceAccess(got)
	require.NoError(t, err)
	assert.Equal(t, perms, graph)
	assert.Equal(t, app.OtherAccess, other)
}

func TestParseRequiredResourceAccessRefusesWhatGraphWould(t *testing.T) {
	t.Parallel()
	for name, in := range map[string]string{
		"not JSON":          `{`,
		"resource not GUID": `[{"resourceAppId":"graph","resourceAccess":[]}]`,
		"bad type":          `[{"resourceAppId":"00000003-0000-0000-c000-000000000000","resourceAccess":[{"id":"df021288-bdef-4463-88db-98f22de89214","type":"Application"}]}]`,
		"role ID as scope":  `[{"resourceAppId":"00000003-0000-0000-c000-000000000000","resourceAccess":[{"id":"df021288-bdef-4463-88db-98f22de89214","type":"Scope"}]}]`,
	} {
		_, _, err := registration.ParseRequiredResourceAccess([]byte(in))
		assert.Error(t, err, name)
	}
}

func TestAppValidate(t *testing.T) {
	t.Parallel()
	ok := registration.App{DisplayName: "x", WebRedirectURIs: []string{"https://app.example/cb", "http://localhost:8080/cb"},
		PublicClientRedirectURIs: []string{"ms-appx-web://microsoft.aad.brokerplugin/abc", "http://localhost"}}
	assert.NoError(t, ok.Validate())
	bad := map[string]registration.App{
		"no name":              {},
		"unknown audience":     {DisplayName: "x", SignInAudience: "Everyone"},
		"http web redirect":    {DisplayName: "x", WebRedirectURIs: []string{"http://app.example/cb"}},
		"relative redirect":    {DisplayName: "x", SPARedirectURIs: []string{"/cb"}},
		"fragment in redirect": {DisplayName: "x", WebRedirectURIs: []string{"https://app.example/cb#x"}},
	}
	for name, app := range bad {
		assert.Error(t, app.Validate(), name)
	}
	disabled := registration.App{DisplayName: "x"}
	for _, p := range registration.GraphPermissions(registration.ApplicationPermission) {
		if !p.Enabled {
			disabled.Permissions = append(disabled.Permissions, p)
			break
		}
	}
	require.NotEmpty(t, disabled.Permissions)
	assert.ErrorContains(t, disabled.Validate(), "disabled")
}

func FuzzParseRequiredResourceAccess(f *testing.F) {
	f.Add([]byte(`[{"resourceAppId":"00000003-0000-0000-c000-000000000000","resourceAccess":[{"id":"df021288-bdef-4463-88db-98f22de89214","type":"Role"}]}]`))
	f.Add([]byte(`[{"resourceAppId":null}]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		graph, _, err := registration.ParseRequiredResourceAccess(data)
		if err == nil {
			for _, p := range graph {
				assert.NotEmpty(t, p.Value)
			}
		}
	})
}
