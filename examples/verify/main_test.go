package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func clearEnv(t *testing.T) {
	for _, k := range []string{"AZURE_TENANT_ID", "AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET", "AZURE_CLIENT_CERTIFICATE_PATH",
		"AZURE_CLIENT_CERTIFICATE_PASSWORD", "AZURE_FEDERATED_TOKEN_FILE", "AZURE_AUTHORITY_HOST"} {
		t.Setenv(k, "")
	}
}

func TestDemoShowsAPassingAndAFailingRegistration(t *testing.T) {
	clearEnv(t)
	var out bytes.Buffer
	code, err := run(context.Background(), nil, &out)
	require.NoError(t, err)
	assert.Equal(t, 0, code)
	text := out.String()
	assert.Equal(t, 2, strings.Count(text, ": OK\n"), text)
	assert.Equal(t, 1, strings.Count(text, ": FAILED\n"), text)
	assert.Contains(t, text, "[FAIL] Permissions in the token: application: needs User.Read.All, Group.Read.All; granted User.Read.All; missing Group.Read.All")
	after := text[strings.Index(text, "After the administrator grants"):]
	assert.Contains(t, after, "[ok  ] Permissions in the token: application: needs User.Read.All, Group.Read.All; granted Group.Read.All, User.Read.All", "the grant shows at once")
	assert.Contains(t, text, "Fix: Add the permissions to the app and grant admin consent")
}

func TestDemoAsJSON(t *testing.T) {
	clearEnv(t)
	var out bytes.Buffer
	_, err := run(context.Background(), []string{"-json", "-roles", "User.Read.All"}, &out)
	require.NoError(t, err)
	dec := json.NewDecoder(strings.NewReader(out.String()[strings.Index(out.String(), "{"):]))
	var first map[string]any
	require.NoError(t, dec.Decode(&first))
	assert.Equal(t, "ok", first["status"])
}

func TestMisconfiguredEnvironmentExitsOne(t *testing.T) {
	clearEnv(t)
	t.Setenv("AZURE_TENANT_ID", "contoso.onmicrosoft.com")
	t.Setenv("AZURE_CLIENT_ID", "11111111-2222-3333-4444-555555555555")
	t.Setenv("AZURE_CLIENT_SECRET", "1e2d3c4b-5a69-4788-9796-a5b4c3d2e1f0")
	var out bytes.Buffer
	code, err := run(context.Background(), nil, &out)
	require.NoError(t, err)
	assert.Equal(t, 1, code)
	assert.Contains(t, out.String(), "Configuration: ClientSecret looks like a GUID")
	assert.NotContains(t, out.String(), "1e2d3c4b-5a69")
}
