package main

import (
	"bytes"
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSyncsUsersAndGroupsWithACertificate(t *testing.T) {
	t.Setenv("AZURE_TENANT_ID", "")
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), &out))
	assert.Contains(t, out.String(), "synced 2 users: Megan Admin, Adele Vance\n")
	assert.Contains(t, out.String(), "synced 3 groups: Sales, IT Admins, All Staff\n")
	assert.Regexp(t, `certificate [0-9A-F]{40} `, out.String())
	assert.Contains(t, out.String(), "the guide asks for: User.Read.All, Group.Read.All\n"+
		"the calls made need: GroupMember.Read.All, User.ReadBasic.All\n"+
		"  GET /users: User.ReadBasic.All\n"+
		"  GET /groups: GroupMember.Read.All\n"+
		"  has User.Read.All; the calls made need only User.ReadBasic.All\n"+
		"  has Group.Read.All; the calls made need only GroupMember.Read.All\n"+
		`requiredResourceAccess: [{"resourceAppId":"00000003-0000-0000-c000-000000000000","resourceAccess":[`+
		`{"id":"98830695-27a2-44f7-8c18-0c3ebc9698f6","type":"Role"},{"id":"97235f07-e226-4f63-ace3-39588e11d3a1","type":"Role"}]}]`)
}
