package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The README's client sections show the options the tests use: every line
// of each JavaScript, Python and shell snippet stands in the script named
// just before it (the repository's own README test does the same for Go).
func TestREADMEClientSnippetsAreCopiedFromTheScripts(t *testing.T) {
	t.Parallel()
	root := filepath.Join("..", "..", "..")
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	require.NoError(t, err)
	blocks := regexp.MustCompile("(?s)([^\\n]*\\n[^\\n]*\\n[^\\n]*\\n[^\\n]*)\\n```(?:js|python|sh)\\n(.*?)```").FindAllStringSubmatch(string(readme), -1)
	fileRef := regexp.MustCompile("`(graphauth/graphauthtest/fakeentra/testdata/clients/[\\w./-]+)`")
	checked := 0
	for _, b := range blocks {
		refs := fileRef.FindAllStringSubmatch(b[1], -1)
		if len(refs) == 0 {
			continue
		}
		path := refs[len(refs)-1][1]
		src, err := os.ReadFile(filepath.Join(root, path))
		require.NoError(t, err, path)
		lines := map[string]bool{}
		for _, l := range strings.Split(string(src), "\n") {
			lines[strings.TrimSpace(l)] = true
		}
		for _, l := range strings.Split(b[2], "\n") {
			if l = strings.TrimSpace(l); l != "" {
				assert.True(t, lines[l], "README line %q is not in %s", l, path)
			}
		}
		checked++
	}
	assert.Equal(t, 4, checked, "snippets for msal-node, @azure/identity, MSAL Python and curl")
}
