package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPagesThroughUsersWithBothTokenForms(t *testing.T) {
	t.Setenv("AZURE_TENANT_ID", "")
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), 2, &out))
	text := out.String()
	assert.Contains(t, text, "v2 token (scope): roles User.Read.All, Group.Read.All, Organization.Read.All\n")
	assert.Contains(t, text, "v1 token (resource): roles User.Read.All, Group.Read.All, Organization.Read.All\n")
	assert.Contains(t, text, "page 1: Megan Admin, Adele Vance\npage 2: Lee Gu\n3 users in all\n")
	assert.True(t, strings.HasSuffix(text, "the guide asks for: User.Read.All\n"+
		"the calls made need: User.ReadBasic.All\n"+
		"  GET /users: User.ReadBasic.All\n"+
		"  has User.Read.All; the calls made need only User.ReadBasic.All\n"), text)
}
