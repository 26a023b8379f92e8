package exported_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/entrakit/entrakit/internal/exported"
)

func write(t *testing.T, root string, files map[string]string) {
	t.Helper()
	for name, src := range files {
		p := filepath.Join(root, filepath.FromSlash(name))
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(src), 0o644))
	}
}

func TestTypesListsThePublicPackagesExportedTypesOnly(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	write(t, root, map[string]string{
		"go.mod":              "module example.com/kit\n\ngo 1.26\n",
		"doc.go":              "package kit\n\ntype Root struct{}\n",
		"auth/auth.go":        "package auth\n\ntype (\n\tToken struct{}\n\tsecret string\n)\n\ntype List[T any] []T\n\ntype Alias = Token\n",
		"auth/auth_test.go":   "package auth\n\ntype TestOnly struct{}\n",
		"auth/sub/sub.go":     "package sub\n\ntype Sub int\n",
		"internal/x/x.go":     "package x\n\ntype Hidden struct{}\n",
		"examples/app/app.go": "package main\n\ntype Example struct{}\n",
		"cmd/tool/main.go":    "package main\n\ntype Command struct{}\n",
		"testdata/t.go":       "package t\n\ntype Data struct{}\n",
	})
	types, err := exported.Types(root)
	require.NoError(t, err)
	var keys []string
	for _, ty := range types {
		keys = append(keys, ty.Key())
	}
	assert.Equal(t, []string{".Root", "auth.Alias", "auth.List", "auth.Token", "auth/sub.Sub"}, keys)
	assert.Equal(t, exported.Type{ImportPath: "example.com/kit/auth", RelPath: "auth", Package: "auth", Name: "List", Generic: true}, types[2])
	assert.Equal(t, "example.com/kit", types[0].ImportPath)
}

func TestTypesNeedsAModule(t *testing.T) {
	t.Parallel()
	_, err := exported.Types(t.TempDir())
	assert.ErrorContains(t, err, "exported:")
}
