package main

import (
	"bytes"
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestWarnsBeforeTheSecretExpires(t *testing.T) {
	t.Setenv("AZURE_TENANT_ID", "")
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), &out))
	assert.Regexp(t, `WARNING: secret "automation" \(...…\) expires in 20 days, on \d{4}-\d{2}-\d{2}: add its successor now`, out.String())
	assert.Contains(t, out.String(), "working in Contoso\n")
}
