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
}
