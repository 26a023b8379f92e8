package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestQuickstartPrintsTokensAndAGraphCall(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), &out))
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	require.Len(t, lines, 5)
	assert.Contains(t, lines[0], "fake platform: tenant contoso.onmicrosoft.com")
	assert.Equal(t, "token with client secret: roles User.Read.All, Group.Read.All, Organization.Read.All", lines[1])
	assert.Equal(t, "GET /v1.0/organization: Contoso", lines[2])
	assert.Equal(t, "token with certificate: roles User.Read.All, Group.Read.All, Organization.Read.All", lines[3])
	assert.Equal(t, "GET /v1.0/organization: Contoso", lines[4])
}
