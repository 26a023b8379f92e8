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

// Run twice with one -out, the second run refuses before it registers
// anything: it wrote over the first app's secret and key, whose only copy
// they were. A folder that does not exist yet is made; roles typed with a
// space after the comma are the same roles (" Group.Read.All" was "not a
// Microsoft Graph application permission; did you mean \"Group.Read.All\"").
func TestRegisterTwiceIntoOneFolder(t *testing.T) {
	for _, k := range []string{"AZURE_TENANT_ID", "AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET"} {
		t.Setenv(k, "")
	}
	dir := filepath.Join(t.TempDir(), "creds")
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), []string{"-out", dir, "-roles", "User.Read.All, Group.Read.All"}, &out))
	assert.Contains(t, out.String(), "token roles: User.Read.All, Group.Read.All")
	first, err := os.ReadFile(filepath.Join(dir, "client-secret.txt"))
	require.NoError(t, err)

	out.Reset()
	err = run(context.Background(), []string{"-out", dir}, &out)
	assert.ErrorContains(t, err, dir+" already holds app.pem, an earlier app's credentials: give -out a new folder")
	assert.Empty(t, out.String(), "nothing was registered")
	again, err := os.ReadFile(filepath.Join(dir, "client-secret.txt"))
	require.NoError(t, err)
	assert.Equal(t, first, again)
}
