package graphperm

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSpotChecksFromTheDataReadme(t *testing.T) {
	t.Parallel()
	cases := []struct {
		kind  Kind
		value string
		id    string
		admin bool
	}{
		{Application, "User.Read.All", "df021288-bdef-4463-88db-98f22de89214", true},
		{Application, "Directory.Read.All", "7ab1d382-f21e-4acd-a863-ba3e13f7da61", true},
		{Application, "Application.ReadWrite.All", "1bfefb4e-e0b5-418b-a88f-73c46d2cc8e9", true},
		{Application, "AppRoleAssignment.ReadWrite.All", "06b708a9-e830-4db3-a914-8e69da51d44f", true},
		{Application, "Organization.Read.All", "498476ce-e0fe-48b0-b801-37ba7e2685c6", true},
		{Delegated, "User.Read", "e1fe6dd8-ba31-4d61-89e7-88639da4683d", false},
		{Delegated, "openid", "37f7f235-527c-4136-accd-4a02d197296e", false},
		{Delegated, "offline_access", "7427e0e9-2fba-42fe-b0c0-848c9e6a8182", false},
		{Delegated, "User.Read.All", "a154be20-db9c-4678-8ab7-66f6cc099a59", true},
	}
	for _, c := range cases {
		p, ok := ByValue(c.kind, c.value)
		require.True(t, ok, c.value)
		assert.Equal(t, c.id, p.ID, c.value)
		assert.Equal(t, c.admin, p.AdminConsent, c.value)
		assert.Equal(t, c.kind, p.Kind)
		back, ok := ByID(c.kind, c.id)
		require.True(t, ok)
		assert.Equal(t, c.value, back.Value)
	}
}

func TestLookupsIgnoreCaseAndKeyOnKind(t *testing.T) {
	t.Parallel()
	p, ok := ByValue(Application, "user.read.all")
	require.True(t, ok)
	assert.Equal(t, "User.Read.All", p.Value)
	_, ok = ByValue(Application, "User.Read") // delegated only
	assert.False(t, ok)
	_, ok = ByID(Delegated, "DF021288-BDEF-4463-88DB-98F22DE89214") // an app role's ID
	assert.False(t, ok)
	_, ok = ByValue(Delegated, "")
	assert.False(t, ok)
}

func TestEveryEntryIsFoundByValueAndByID(t *testing.T) {
	t.Parallel()
	for _, k := range []Kind{Application, Delegated} {
		all := All(k)
		assert.NotEmpty(t, all)
		for _, p := range all {
			got, ok := ByValue(k, p.Value)
			require.True(t, ok, p.Value)
			assert.Equal(t, p, got)
			got, ok = ByID(k, p.ID)
			require.True(t, ok, p.ID)
			assert.Equal(t, p, got)
		}
	}
	assert.Len(t, All(Application), 716)
	assert.Len(t, All(Delegated), 807)
}
