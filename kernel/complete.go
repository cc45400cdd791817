package kernel

import (
	"fmt"
	"go/ast"
	"go/doc"
	"go/parser"
	"go/printer"
	"go/token"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"sort"
	"strings"
	"sync"

	"github.com/traefik/yaegi/stdlib"

	"github.com/torchless-go/torchless/kernel/display"
	"github.com/torchless-go/torchless/kernel/symbols"
)

var goKeywords = []string{"break", "case", "chan", "const", "continue", "default", "defer", "else", "fallthrough",
	"for", "func", "go", "goto", "if", "import", "interface", "map", "package", "range", "return", "select",
	"struct", "switch", "type", "var"}

var goBuiltins = []string{"append", "cap", "close", "complex", "copy", "delete", "imag", "len", "make", "new",
	"panic", "print", "println", "real", "recover", "bool", "byte", "complex128", "complex64", "error",
	"float32", "float64", "int", "int16", "int32", "int64", "int8", "rune", "string", "uint", "uint16",
	"uint32", "uint64", "uint8", "uintptr", "any", "true", "false", "nil", "iota"}

// packageIndex maps a package name (and the path's last element) to the
// import paths of the packages with symbol tables.
var packageIndex = sync.OnceValue(func() map[string][]string {
	idx := map[string][]string{}
	for _, tables := range []map[string]map[string]reflect.Value{stdlib.Symbols, symbols.Symbols} {
		for key := range tables {
			i := strings.LastIndexByte(key, '/')
			if i < 0 {
				continue
			}
			path, name := key[:i], key[i+1:]
			idx[name] = append(idx[name], path)
		}
	}
	for _, v := range idx {
		sort.Slice(v, func(i, j int) bool { return len(v[i]) < len(v[j]) || len(v[i]) == len(v[j]) && v[i] < v[j] })
	}
	return idx
})

// packageSymbols returns the symbol table of import path p.
func packageSymbols(p string) map[string]reflect.Value {
	for _, tables := range []map[string]map[string]reflect.Value{stdlib.Symbols, symbols.Symbols} {
		for key, syms := range tables {
			if strings.HasPrefix(key, p+"/") && !strings.Contains(key[len(p)+1:], "/") {
				return syms
			}
		}
	}
	return nil
}

func isIdentByte(b byte) bool {
	return b == '_' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || b >= 0x80
}

// dottedBefore returns the selector chain ending at off ("fmt.Pri" ->
// base "fmt", partial "Pri") and the offset where partial starts.
func dottedBefore(code string, off int) (base, partial string, start int) {
	i := off
	for i > 0 && isIdentByte(code[i-1]) {
		i--
	}
	partial = code[i:off]
	start = i
	if i > 0 && code[i-1] == '.' {
		j := i - 1
		for j > 0 && (isIdentByte(code[j-1]) || code[j-1] == '.') {
			j--
		}
		base = code[j : i-1]
	}
	return base, partial, start
}

// Complete returns the completions of the identifier before byte offset
// off in code, and the byte offset where the completed text starts.
func (e *Executor) Complete(code string, off int) ([]string, int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if off > len(code) {
		off = len(code)
	}
	base, partial, start := dottedBefore(code, off)
	set := map[string]bool{}
	if base != "" {
		for _, n := range e.members(base) {
			set[n] = true
		}
	} else {
		for _, l := range [][]string{goKeywords, goBuiltins, e.Names(), {"ctx", "display", "nb"}} {
			for _, n := range l {
				set[n] = true
			}
		}
		for n := range e.globals() {
			if !strings.HasPrefix(n, "__") {
				set[n] = true
			}
		}
		for name := range packageIndex() {
			set[name] = true
		}
	}
	var out []string
	for n := range set {
		if strings.HasPrefix(n, partial) && n != "" {
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out, start
}

// members lists what can follow "base.": a package's exported symbols, or
// the fields and methods of a variable's type.
func (e *Executor) members(base string) []string {
	var out []string
	if !strings.Contains(base, ".") {
		if v, ok := e.globals()[base]; ok && v.IsValid() {
			return append(typeMembers(v.Type()), e.cellMethods(base)...)
		}
		for _, p := range packageIndex()[base] {
			for n := range packageSymbols(p) {
				if !strings.HasPrefix(n, "_") {
					out = append(out, n)
				}
			}
		}
		return out
	}
	// a.b.c: evaluate the chain's type by compiling it.
	v, err := e.evalQuiet(base)
	if err == nil && v.IsValid() {
		return typeMembers(v.Type())
	}
	return nil
}

// cellMethods returns the methods of the cell-declared type of variable
// name (reflection does not see them): the types are tried by compiling an
// assignment of the variable to each.
func (e *Executor) cellMethods(name string) []string {
	methods := map[string][]string{}
	for k := range e.decls {
		if t, m, ok := strings.Cut(k, "."); ok {
			methods[t] = append(methods[t], m)
		}
	}
	var out []string
	for t, ms := range methods {
		for _, typ := range []string{t, "*" + t} {
			if _, err := e.in.Compile("var _ " + typ + " = " + name); err == nil {
				out = append(out, ms...)
				break
			}
		}
	}
	return out
}

// evalQuiet evaluates a side-effect-free selector chain.
func (e *Executor) evalQuiet(expr string) (v reflect.Value, err error) {
	for _, r := range expr {
		if !(r == '.' || r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r >= 0x80) {
			return reflect.Value{}, fmt.Errorf("not a selector chain")
		}
	}
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%v", r)
		}
	}()
	return e.in.Eval(expr)
}

func typeMembers(t reflect.Type) []string {
	set := map[string]bool{}
	for _, tt := range []reflect.Type{t, reflect.PointerTo(t)} {
		for i := 0; i < tt.NumMethod(); i++ {
			set[tt.Method(i).Name] = true
		}
	}
	st := t
	if st.Kind() == reflect.Pointer {
		st = st.Elem()
	}
	if st.Kind() == reflect.Struct {
		for i := 0; i < st.NumField(); i++ {
			if f := st.Field(i); f.IsExported() {
				set[f.Name] = true
			}
		}
	}
	out := make([]string, 0, len(set))
	for n := range set {
		out = append(out, n)
	}
	return out
}

// Inspect returns documentation for the identifier at byte offset off:
// the project's API and the standard library by their doc comments, a
// variable by its type and value.
func (e *Executor) Inspect(code string, off int) (string, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if off > len(code) {
		off = len(code)
	}
	end := off
	for end < len(code) && isIdentByte(code[end]) {
		end++
	}
	base, name, _ := dottedBefore(code, end)
	if name == "" {
		return "", false
	}
	if base == "" {
		if d, ok := e.decls[name]; ok {
			return d, true
		}
		if v, ok := e.globals()[name]; ok && v.IsValid() {
			return describeValue(name, v), true
		}
		if paths := packageIndex()[name]; len(paths) > 0 {
			if d, ok := docFor(paths[0], ""); ok {
				return d, true
			}
		}
		return "", false
	}
	if !strings.Contains(base, ".") {
		if v, ok := e.globals()[base]; ok && v.IsValid() {
			if d, ok := methodDoc(v.Type(), name); ok {
				return d, true
			}
		}
	}
	for _, p := range packageIndex()[base] {
		if d, ok := docFor(p, name); ok {
			return d, true
		}
		if sym, ok := packageSymbols(p)[name]; ok {
			return fmt.Sprintf("%s.%s: %s", base, name, sym.Type()), true
		}
	}
	if v, err := e.evalQuiet(base); err == nil && v.IsValid() {
		if d, ok := methodDoc(v.Type(), name); ok {
			return d, true
		}
	}
	// A method of a cell-declared type (reflection does not see those).
	var found []string
	for k, d := range e.decls {
		if strings.HasSuffix(k, "."+name) {
			found = append(found, d)
		}
	}
	if len(found) > 0 {
		sort.Strings(found)
		return strings.Join(found, "\n\n"), true
	}
	return "", false
}

func describeValue(name string, v reflect.Value) string {
	var x any
	if v.CanInterface() {
		x = v.Interface()
	}
	p := display.Plain(x)
	if len(p) > 2000 {
		p = p[:2000] + "…"
	}
	return fmt.Sprintf("%s: %s\n\n%s", name, v.Type(), p)
}

func methodDoc(t reflect.Type, name string) (string, bool) {
	tt := t
	if tt.Kind() == reflect.Pointer {
		tt = tt.Elem()
	}
	if tt.PkgPath() != "" {
		if d, ok := docFor(tt.PkgPath(), tt.Name()+"."+name); ok {
			return d, true
		}
	}
	for _, x := range []reflect.Type{t, reflect.PointerTo(t)} {
		if m, ok := x.MethodByName(name); ok {
			return fmt.Sprintf("%s.%s: %s", t, name, m.Type), true
		}
	}
	if tt.Kind() == reflect.Struct {
		if f, ok := tt.FieldByName(name); ok {
			return fmt.Sprintf("%s.%s: field of type %s", t, name, f.Type), true
		}
	}
	return "", false
}

// docFor returns the documentation of symbol sym ("" for the package) of
// import path p: from the generated tables for the project's packages, from
// the Go source tree for the standard library.
func docFor(p, sym string) (string, bool) {
	if d, ok := symbols.Docs[p]; ok {
		s, ok := d[sym]
		return s, ok
	}
	d := stdDocs(p)
	if d == nil {
		return "", false
	}
	s, ok := d[sym]
	return s, ok
}

var (
	stdDocMu    sync.Mutex
	stdDocCache = map[string]map[string]string{}
)

// stdDocs parses the documentation of a standard library package from
// GOROOT/src, if the source is there.
func stdDocs(p string) map[string]string {
	stdDocMu.Lock()
	defer stdDocMu.Unlock()
	if d, ok := stdDocCache[p]; ok {
		return d
	}
	stdDocCache[p] = nil
	dir := filepath.Join(runtime.GOROOT(), "src", filepath.FromSlash(p))
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	fset := token.NewFileSet()
	var files []*ast.File
	for _, e := range ents {
		n := e.Name()
		if !strings.HasSuffix(n, ".go") || strings.HasSuffix(n, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, filepath.Join(dir, n), nil, parser.ParseComments)
		if err != nil {
			continue
		}
		files = append(files, f)
	}
	pkg, err := doc.NewFromFiles(fset, files, p)
	if err != nil {
		return nil
	}
	out := map[string]string{"": "package " + pkg.Name + " // import \"" + p + "\"\n\n" + pkg.Doc}
	sig := func(n ast.Node) string {
		switch d := n.(type) {
		case *ast.FuncDecl:
			return nodeString(fset, &ast.FuncDecl{Recv: d.Recv, Name: d.Name, Type: d.Type})
		case *ast.GenDecl:
			d2 := *d
			d2.Doc = nil
			s := nodeString(fset, &d2)
			if len(s) > 3000 {
				s = s[:3000] + "\n..."
			}
			return s
		}
		return ""
	}
	for _, f := range pkg.Funcs {
		out[f.Name] = sig(f.Decl) + "\n\n" + f.Doc
	}
	for _, t := range pkg.Types {
		out[t.Name] = sig(t.Decl) + "\n\n" + t.Doc
		for _, f := range t.Funcs {
			out[f.Name] = sig(f.Decl) + "\n\n" + f.Doc
		}
		for _, m := range t.Methods {
			out[t.Name+"."+m.Name] = sig(m.Decl) + "\n\n" + m.Doc
		}
	}
	for _, vs := range [][]*doc.Value{pkg.Consts, pkg.Vars} {
		for _, v := range vs {
			for _, n := range v.Names {
				out[n] = sig(v.Decl) + "\n\n" + v.Doc
			}
		}
	}
	stdDocCache[p] = out
	return out
}

func nodeString(fset *token.FileSet, n ast.Node) string {
	var b strings.Builder
	if err := printer.Fprint(&b, fset, n); err != nil {
		return ""
	}
	return b.String()
}

// globals returns the interpreter's global variables. yaegi's Globals
// panics after some failed cells (its frame is shorter than its symbol
// table); then the names cells declared are evaluated one by one.
func (e *Executor) globals() (g map[string]reflect.Value) {
	defer func() {
		if r := recover(); r != nil {
			g = map[string]reflect.Value{}
			for n := range e.names {
				if v, err := e.evalQuiet(n); err == nil && v.IsValid() && v.Kind() != reflect.Func {
					g[n] = v
				}
			}
		}
	}()
	return e.in.Globals()
}
