package registration_test

import (
	"go/ast"
	"go/doc"
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// go doc lists Kind's and Scheme's values under their types, where a
// reader looks for them.
func TestGoDocListsTheConstantsUnderTheirTypes(t *testing.T) {
	t.Parallel()
	fset := token.NewFileSet()
	names, err := filepath.Glob("*.go")
	require.NoError(t, err)
	var files []*ast.File
	for _, name := range names {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.ParseComments)
		require.NoError(t, err)
		files = append(files, f)
	}
	p, err := doc.NewFromFiles(fset, files, "github.com/entrakit/entrakit/registration")
	require.NoError(t, err)
	want := map[string][]string{"Kind": {"ApplicationPermission", "DelegatedPermission"},
		"Scheme": {"SchemeApplication", "SchemeDelegatedWork", "SchemeDelegatedPersonal"}}
	for _, typ := range p.Types {
		names, ok := want[typ.Name]
		if !ok {
			continue
		}
		var got []string
		for _, c := range typ.Consts {
			got = append(got, c.Names...)
		}
		assert.ElementsMatch(t, names, got, typ.Name)
		delete(want, typ.Name)
	}
	assert.Empty(t, want, "types not found")
}
