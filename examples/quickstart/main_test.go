package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestQuickstartTour(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), &out))
	text := out.String()
	for _, want := range []string{
		"1. fake platform up: tenant contoso.onmicrosoft.com\n",
		"2. registered app \"quickstart\" with a secret, certificate ",
		"and admin consent for User.Read.All, Organization.Read.All\n",
		"3. app-only token with the client secret: roles User.Read.All, Organization.Read.All\n",
		"3. app-only token with the certificate: roles User.Read.All, Organization.Read.All\n",
		"4. signed in Adele Vance (adele@contoso.onmicrosoft.com)\n",
		"5. onboarded tenant Fabrikam (true), proven by it@fabrikam.onmicrosoft.com: roles Organization.Read.All, User.Read.All confirmed=true\n",
		": OK\n",
	} {
		assert.Contains(t, text, want)
	}
	assert.NotContains(t, text, "FAIL")
	assert.True(t, strings.HasPrefix(text, "1. "))
}
