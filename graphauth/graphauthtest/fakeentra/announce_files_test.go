package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestOutputFilesCannotBePlantedByOthers is the regression test for -dir
// /tmp/fakeentra (the README's example) writing the default app's private
// key into whatever another user had put there first: a directory others
// can write to is now refused, and every file is written through a new file
// renamed into place, so a planted symbolic link is replaced, not followed,
// and a planted world-readable file does not keep its mode.
func TestOutputFilesCannotBePlantedByOthers(t *testing.T) {
	t.Parallel()
	open := filepath.Join(t.TempDir(), "shared")
	require.NoError(t, os.Mkdir(open, 0o700))
	require.NoError(t, os.Chmod(open, 0o777))
	_, err := outputDir(open)
	assert.ErrorContains(t, err, "can be written by other users")

	dir, err := outputDir(filepath.Join(t.TempDir(), "new", "dir"))
	require.NoError(t, err)
	fi, err := os.Stat(dir)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o700), fi.Mode().Perm())

	victim := filepath.Join(t.TempDir(), "victim")
	require.NoError(t, os.WriteFile(victim, []byte("keep me"), 0o644))
	link := filepath.Join(dir, "ca.pem")
	require.NoError(t, os.Symlink(victim, link))
	require.NoError(t, writeFile(link, []byte("cert"), 0o644))
	kept, err := os.ReadFile(victim)
	require.NoError(t, err)
	assert.Equal(t, "keep me", string(kept), "the link's target is not overwritten")
	lfi, err := os.Lstat(link)
	require.NoError(t, err)
	assert.True(t, lfi.Mode().IsRegular(), "the link is replaced by the file")

	key := filepath.Join(dir, "client-key.pem")
	require.NoError(t, os.WriteFile(key, nil, 0o666))
	require.NoError(t, writeFile(key, []byte("key"), 0o600))
	kfi, err := os.Stat(key)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), kfi.Mode().Perm(), "a planted file's mode is not kept")
	leftovers, err := filepath.Glob(filepath.Join(dir, ".fakeentra-*"))
	require.NoError(t, err)
	assert.Empty(t, leftovers)
}
