package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/entrakit/entrakit/graphauth/graphauthtest"
	"github.com/entrakit/entrakit/internal/exampletest"
)

// TestMain runs main in the process exampletest.Run starts.
func TestMain(m *testing.M) { exampletest.Main(m, main) }

// The real-tenant mode, run as its doc comment says against a standalone
// fake: a rotation, then the two mistakes an administrator makes with its
// settings, each told what to set. A second STATE_KEY was "the stored
// entry cannot be read: it does not open" after "check: nothing"; the
// client ID in APP_OBJECT_ID was Graph's bare 404.
func TestAgainstAStandaloneFakeThroughTheEnvironment(t *testing.T) {
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	app := srv.AddApp(graphauthtest.App{DisplayName: "workflow service account",
		Secrets: []graphauthtest.Secret{{End: srv.Now().Add(5 * 24 * time.Hour)}}})
	srv.GrantAppRoles(srv.TenantID, app.ClientID, "Application.ReadWrite.OwnedBy")
	state := filepath.Join(t.TempDir(), "state")
	require.NoError(t, os.Mkdir(state, 0o700))

	run := func(objectID, key string) (string, error) {
		return exampletest.Run(t, srv, []string{"AZURE_TENANT_ID=" + srv.TenantID, "AZURE_CLIENT_ID=" + app.ClientID,
			"AZURE_CLIENT_SECRET=" + app.Secrets[0].Value, "APP_OBJECT_ID=" + objectID, "STATE_DIR=" + state, "STATE_KEY=" + key})
	}
	key := strings.Repeat("1f", 32)
	out, err := run(app.ObjectID, key)
	require.NoError(t, err, out)
	assert.Equal(t, "check: rotated\n", out)

	out, err = run(app.ObjectID, strings.Repeat("2e", 32))
	require.Error(t, err)
	assert.NotContains(t, out, "check:")
	assert.Contains(t, out, "the secret kept in STATE_DIR does not open with STATE_KEY: set the key it was sealed with")

	out, err = run(app.ClientID, key)
	require.Error(t, err)
	assert.Contains(t, out, app.ClientID+" is the Application (client) ID of app \"workflow service account\", not its Object ID, which is "+app.ObjectID)
}

// A setting left out is named as the variable to set: an empty STATE_DIR
// was "tokenstore: mkdir : no such file or directory", and an empty
// APP_OBJECT_ID named RotatorOptions.ObjectID, a field the administrator
// never sees.
func TestAMissingSettingNamesItsVariable(t *testing.T) {
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	app := srv.AddApp(graphauthtest.App{DisplayName: "workflow service account", Secrets: []graphauthtest.Secret{{}}})
	state := filepath.Join(t.TempDir(), "state")
	key := strings.Repeat("1f", 32)
	for name, env := range map[string][]string{
		"APP_OBJECT_ID": {"APP_OBJECT_ID=", "STATE_DIR=" + state, "STATE_KEY=" + key},
		"STATE_DIR":     {"APP_OBJECT_ID=" + app.ObjectID, "STATE_DIR=", "STATE_KEY=" + key},
	} {
		out, err := exampletest.Run(t, srv, append([]string{"AZURE_TENANT_ID=" + srv.TenantID, "AZURE_CLIENT_ID=" + app.ClientID,
			"AZURE_CLIENT_SECRET=" + app.Secrets[0].Value}, env...))
		require.Error(t, err, name)
		assert.Contains(t, out, "set "+name+" too", name)
	}
}
