package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDemoOnboardsTwoTenantsAndCallsGraphInEach(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, demo(context.Background(), &out))
	text := out.String()
	assert.Equal(t, 2, strings.Count(text, ": confirmed\n"), text)
	assert.Contains(t, text, " for it@contoso.onmicrosoft.com: confirmed\n", "the administrator's sign-in proved the tenant")
	assert.Contains(t, text, " for admin@fabrikam.onmicrosoft.com: confirmed\n")
	lines := strings.Split(strings.TrimSpace(text), "\n")
	require.GreaterOrEqual(t, len(lines), 5)
	table := strings.Join(lines[len(lines)-2:], "\n")
	assert.Contains(t, table, "Contoso")
	assert.Contains(t, table, "Fabrikam")
	assert.Equal(t, 2, strings.Count(table, "Organization.Read.All,User.Read.All  confirmed"), table)
}
