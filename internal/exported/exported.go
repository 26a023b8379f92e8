// Package exported lists the exported types of the module's public
// packages: every package but internal ones, examples and commands. The
// root package's printing test instantiates each of them with canary
// secrets, and its generator (./gen) keeps that test's list of types
// complete; the test compares the list with this package's answer, so a new
// exported type cannot escape it. It reads source with go/build and
// go/parser only, so that it needs nothing beyond the standard library.
package exported

import (
	"bufio"
	"errors"
	"fmt"
	"go/ast"
	"go/build"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
)

// Type is an exported type of a public package.
type Type struct {
	ImportPath string // e.g. "github.com/entrakit/entrakit/graphauth"
	RelPath    string // the package's directory in the module, e.g. "graphauth"; "." for the root
	Package    string // the package name, e.g. "graphauth"
	Name       string // e.g. "Token"
	Generic    bool   // it has type parameters
}

// Key names the type uniquely within the module: "graphauth.Token",
// "graphauth/graphauthtest.Server", ".Foo" for the root package.
func (t Type) Key() string {
	if t.RelPath == "." {
		return "." + t.Name
	}
	return t.RelPath + "." + t.Name
}

// Types returns the exported types of the public packages of the module
// whose go.mod is in root, sorted by Key. Directories named internal,
// examples or testdata, or starting with "." or "_", are skipped, and so
// are main packages and _test.go files.
func Types(root string) ([]Type, error) {
	module, err := modulePath(filepath.Join(root, "go.mod"))
	if err != nil {
		return nil, err
	}
	var out []Type
	err = filepath.WalkDir(root, func(dir string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return err
		}
		if dir != root && skipDir(d.Name()) {
			return filepath.SkipDir
		}
		pkg, err := build.ImportDir(dir, 0)
		var none *build.NoGoError
		if errors.As(err, &none) || (err == nil && pkg.Name == "main") {
			return nil
		}
		if err != nil {
			return fmt.Errorf("exported: %s: %w", dir, err)
		}
		rel, err := filepath.Rel(root, dir)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		types, err := packageTypes(dir, pkg.GoFiles)
		for i := range types {
			types[i].RelPath, types[i].Package = rel, pkg.Name
			types[i].ImportPath = module
			if rel != "." {
				types[i].ImportPath = path.Join(module, rel)
			}
		}
		out = append(out, types...)
		return err
	})
	sort.Slice(out, func(i, j int) bool { return out[i].Key() < out[j].Key() })
	return out, err
}

func skipDir(name string) bool {
	switch name {
	case "internal", "examples", "testdata", "vendor":
		return true
	}
	return strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_")
}

// packageTypes returns the exported type declarations of files in dir.
func packageTypes(dir string, files []string) ([]Type, error) {
	fset := token.NewFileSet()
	var out []Type
	for _, name := range files {
		f, err := parser.ParseFile(fset, filepath.Join(dir, name), nil, parser.SkipObjectResolution)
		if err != nil {
			return nil, fmt.Errorf("exported: %w", err)
		}
		for _, decl := range f.Decls {
			g, ok := decl.(*ast.GenDecl)
			if !ok || g.Tok != token.TYPE {
				continue
			}
			for _, spec := range g.Specs {
				ts := spec.(*ast.TypeSpec)
				if ts.Name.IsExported() {
					out = append(out, Type{Name: ts.Name.Name, Generic: ts.TypeParams != nil && len(ts.TypeParams.List) > 0})
				}
			}
		}
	}
	return out, nil
}

// modulePath reads the module line of a go.mod file.
func modulePath(gomod string) (string, error) {
	f, err := os.Open(gomod)
	if err != nil {
		return "", fmt.Errorf("exported: %w", err)
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(s.Text()), "module "); ok {
			return strings.Trim(strings.TrimSpace(rest), `"`), nil
		}
	}
	return "", fmt.Errorf("exported: no module line in %s", gomod)
}
