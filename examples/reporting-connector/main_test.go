package main

import (
	"bytes"
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestAppOnlyAndDelegatedReports(t *testing.T) {
	t.Setenv("AZURE_TENANT_ID", "")
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), &out))
	assert.Equal(t, "app-only report: 2 users in the tenant\n"+
		"signed in as admin@contoso.onmicrosoft.com; their refresh token is kept for offline access\n"+
		"delegated report for Megan Admin: ok\n", out.String())
}
