package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRegisterOnTheFakePlatform(t *testing.T) {
	for _, k := range []string{"AZURE_TENANT_ID", "AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET"} {
		t.Setenv(k, "")
	}
	dir := t.TempDir()
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), []string{"-out", dir, "-roles", "User.Read.All,Group.Read.All"}, &out))
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	require.Len(t, lines, 5, out.String())
	assert.Equal(t, `created app "entrakit register example"`, lines[0])
	assert.Contains(t, lines[2], "saved in "+dir)
	assert.Equal(t, "signed in as the new app with its certificate; token roles: User.Read.All, Group.Read.All", lines[4])
	secret, err := os.ReadFile(filepath.Join(dir, "client-secret.txt"))
	require.NoError(t, err)
	assert.NotContains(t, out.String(), strings.TrimSpace(string(secret)), "the secret's value is saved, not printed")
	info, err := os.Stat(filepath.Join(dir, "app.pem"))
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), info.Mode().Perm())
}

func TestRegisterNamesATypoBeforeDoingAnything(t *testing.T) {
	err := run(context.Background(), []string{"-roles", "Group.ReadAll"}, &bytes.Buffer{})
	assert.ErrorContains(t, err, `did you mean "Group.Read.All"`)
}
