package registration_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/entrakit/entrakit/registration"
)

func TestGraphPermissionLookups(t *testing.T) {
	t.Parallel()
	p, err := registration.GraphPermission(registration.ApplicationPermission, "user.read.all")
	require.NoError(t, err)
	assert.Equal(t, "User.Read.All", p.Value)
	assert.Equal(t, "df021288-bdef-4463-88db-98f22de89214", p.ID)
	assert.True(t, p.AdminConsent)
	d, err := registration.GraphPermission(registration.DelegatedPermission, "User.Read")
	require.NoError(t, err)
	assert.False(t, d.AdminConsent, "users may consent to User.Read themselves")
	back, ok := registration.GraphPermissionByID(registration.DelegatedPermission, d.ID)
	require.True(t, ok)
	assert.Equal(t, "User.Read", back.Value)
	assert.Len(t, registration.GraphPermissions(registration.ApplicationPermission), 716)
}

func TestUnknownPermissionsSuggestTheClosestNames(t *testing.T) {
	t.Parallel()
	cases := []struct {
		kind    registration.Kind
		name    string
		suggest string
	}{
		{registration.ApplicationPermission, "Group.ReadAll", "Group.Read.All"},
		{registration.ApplicationPermission, "group_read_all", "Group.Read.All"},
		{registration.ApplicationPermission, "User.Raed.All", "User.Read.All"},
		{registration.DelegatedPermission, "Mail.Sned", "Mail.Send"},
	}
	for _, c := range cases {
		_, err := registration.GraphPermission(c.kind, c.name)
		var ue *registration.UnknownPermissionError
		require.True(t, errors.As(err, &ue), c.name)
		require.NotEmpty(t, ue.Suggestions, c.name)
		assert.Equal(t, c.suggest, ue.Suggestions[0], c.name)
		assert.Contains(t, err.Error(), `did you mean "`+c.suggest+`"`)
	}
	_, err := registration.GraphPermission(registration.ApplicationPermission, "User.Read")
	var ue *registration.UnknownPermissionError
	require.ErrorAs(t, err, &ue)
	assert.True(t, ue.OtherKind)
	assert.Contains(t, err.Error(), "delegated permission, not an application one")
	_, err = registration.GraphPermission(registration.ApplicationPermission, "Completely.Different.Thing.Here")
	require.ErrorAs(t, err, &ue)
	assert.Empty(t, ue.Suggestions)
}

func TestKnownResources(t *testing.T) {
	t.Parallel()
	r, ok := registration.ResourceByAppID("00000002-0000-0FF1-CE00-000000000000")
	require.True(t, ok)
	assert.Equal(t, "Office 365 Exchange Online", r.Name)
	assert.Equal(t, "https://outlook.office365.com/.default", r.DefaultScope())
	sp, _ := registration.ResourceByAppID(registration.SharePointOnlineAppID)
	assert.Equal(t, registration.SharePointOnlineAppID+"/.default", sp.DefaultScope())
	_, ok = registration.ResourceByAppID("11111111-1111-1111-1111-111111111111")
	assert.False(t, ok)
}

func TestIDAndSecretChecks(t *testing.T) {
	t.Parallel()
	assert.NoError(t, registration.CheckTenantID("contoso.onmicrosoft.com"))
	assert.NoError(t, registration.CheckTenantID("72f988bf-86f1-41af-91ab-2d7cd011db47"))
	assert.Error(t, registration.CheckTenantID("organizations"))
	assert.Error(t, registration.CheckTenantID("not a tenant"))
	assert.NoError(t, registration.CheckClientID("72f988bf-86f1-41af-91ab-2d7cd011db47"))
	assert.Error(t, registration.CheckClientID("api://my-app"))
	assert.NoError(t, registration.CheckSecret("Abc8Q~0123456789abcdefghijklmnopqrstuvwx"))
	err := registration.CheckSecret("1e2d3c4b-5a69-4788-9796-a5b4c3d2e1f0")
	var ie *registration.IDError
	require.ErrorAs(t, err, &ie)
	assert.Equal(t, "ClientSecret", ie.Field)
	assert.Contains(t, err.Error(), "secret's ID")
	assert.NotContains(t, err.Error(), "1e2d3c4b", "the error does not repeat the secret")
	assert.Error(t, registration.CheckSecret(" padded "))
}
