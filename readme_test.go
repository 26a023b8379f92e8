package entrakit_test

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Every Go snippet in the README names, just before it, the file it was
// copied from; each of its lines must stand in that file, so that the README
// shows only code that compiles and runs (the file's own tests run it).
func TestREADMESnippetsAreCopiedFromCode(t *testing.T) {
	t.Parallel()
	readme, err := os.ReadFile("README.md")
	require.NoError(t, err)
	blocks := regexp.MustCompile("(?s)([^\\n]*\\n[^\\n]*\\n[^\\n]*\\n[^\\n]*)\\n```go\\n(.*?)```").FindAllStringSubmatch(string(readme), -1)
	require.GreaterOrEqual(t, len(blocks), 7, "the README's snippets")
	fileRef := regexp.MustCompile("`([\\w./-]+\\.go)`")
	for _, b := range blocks {
		refs := fileRef.FindAllStringSubmatch(b[1], -1)
		require.NotEmpty(t, refs, "a snippet without its source file: %q", b[2])
		path := refs[len(refs)-1][1]
		src, err := os.ReadFile(path)
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
	}
}
