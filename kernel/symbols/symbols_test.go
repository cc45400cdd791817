package symbols

import (
	"bufio"
	"go/ast"
	"go/build"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestTablesUpToDate checks that every exported, non-generic top-level
// identifier of each listed package that has a table is in it: a stale
// table hides new API from notebooks. Fix with go generate ./kernel/symbols.
func TestTablesUpToDate(t *testing.T) {
	f, err := os.Open("packages.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		p := strings.TrimSpace(sc.Text())
		if i := strings.IndexByte(p, '#'); i >= 0 {
			p = strings.TrimSpace(p[:i])
		}
		if p == "" {
			continue
		}
		table, ok := Symbols[p+"/"+filepath.Base(p)]
		if !ok {
			for k, v := range Symbols {
				if strings.HasPrefix(k, p+"/") && !strings.Contains(k[len(p)+1:], "/") {
					table, ok = v, true
				}
			}
		}
		if !ok {
			t.Logf("%s: no table (package missing when generated)", p)
			continue
		}
		bp, err := build.Import(p, ".", 0)
		if err != nil {
			t.Errorf("%s has a table but cannot be found: %v (run go generate ./kernel/symbols)", p, err)
			continue
		}
		fset := token.NewFileSet()
		for _, name := range bp.GoFiles {
			file, err := parser.ParseFile(fset, filepath.Join(bp.Dir, name), nil, parser.SkipObjectResolution)
			if err != nil {
				t.Fatal(err)
			}
			for _, d := range file.Decls {
				for _, id := range exportedNames(d) {
					if _, ok := table[id]; !ok {
						t.Errorf("%s.%s is not in the symbol table: run go generate ./kernel/symbols", p, id)
					}
				}
			}
		}
	}
}

func exportedNames(d ast.Decl) []string {
	var out []string
	switch d := d.(type) {
	case *ast.FuncDecl:
		if d.Recv == nil && d.Name.IsExported() && d.Type.TypeParams == nil {
			out = append(out, d.Name.Name)
		}
	case *ast.GenDecl:
		for _, s := range d.Specs {
			switch s := s.(type) {
			case *ast.TypeSpec:
				if s.Name.IsExported() && s.TypeParams == nil {
					out = append(out, s.Name.Name)
				}
			case *ast.ValueSpec:
				for _, n := range s.Names {
					if n.IsExported() {
						out = append(out, n.Name)
					}
				}
			}
		}
	}
	return out
}
