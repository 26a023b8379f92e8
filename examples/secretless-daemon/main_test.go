package main

import (
	"bytes"
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestReadsEveryCustomerTenantWithNoSecret(t *testing.T) {
	t.Setenv("AZURE_CLIENT_ID", "")
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), &out))
	assert.Contains(t, out.String(), `federated credential "msp-daemon": issuer https://login.microsoftonline.com/{tenant}/v2.0, subject the identity's object ID, audience api://AzureADTokenExchange`)
	assert.Regexp(t, `tenant [0-9a-f-]{36}: Fabrikam \(no secret, no certificate\)\n`, out.String())
	assert.Regexp(t, `tenant [0-9a-f-]{36}: Northwind \(no secret, no certificate\)\n`, out.String())
}
