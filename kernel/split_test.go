package kernel

import (
	"reflect"
	"testing"
)

func TestSplitCell(t *testing.T) {
	src := `package main

import "fmt"
import (
	"strings"
)

// a comment
type T struct{ A int }

func (t T) Double() int { return 2 * t.A }
func f(x int) int {
	return x + 1
}
x := f(1); y := T{x} // trailing
var z = 3
const c = 4
func() { fmt.Println(strings.ToUpper("hi")) }()
func(a int) int { return a }(3)
y.Double()`
	want := []struct {
		kind chunkKind
		src  string
	}{
		{chunkImport, `import "fmt"`},
		{chunkImport, "import (\n\t\"strings\"\n)"},
		{chunkDecl, "// a comment\ntype T struct{ A int }"},
		{chunkDecl, `func (t T) Double() int { return 2 * t.A }`},
		{chunkDecl, "func f(x int) int {\n\treturn x + 1\n}"},
		{chunkStmt, `x := f(1)`},
		{chunkStmt, `y := T{x} // trailing`},
		{chunkDecl, `var z = 3`},
		{chunkDecl, `const c = 4`},
		{chunkStmt, `func() { fmt.Println(strings.ToUpper("hi")) }()`},
		{chunkStmt, `func(a int) int { return a }(3)`},
		{chunkStmt, `y.Double()`},
	}
	got := splitCell(src)
	if len(got) != len(want) {
		for _, c := range got {
			t.Logf("%d %q", c.kind, c.src)
		}
		t.Fatalf("%d chunks, want %d", len(got), len(want))
	}
	for i, w := range want {
		if got[i].kind != w.kind || got[i].src != w.src {
			t.Errorf("chunk %d = (%d, %q), want (%d, %q)", i, got[i].kind, got[i].src, w.kind, w.src)
		}
	}
	if e, ok := finalExpr(got[len(got)-1]); !ok || !isCall(e) {
		t.Error("y.Double() should be a final call expression")
	}
	if _, ok := finalExpr(got[5]); ok {
		t.Error("x := f(1) is not an expression")
	}
	if names := declaredNames(got[5]); !reflect.DeepEqual(names, []string{"x"}) {
		t.Errorf("declaredNames = %v", names)
	}
}

func TestCheckComplete(t *testing.T) {
	cases := []struct {
		src, status string
	}{
		{`fmt.Println("hi")`, codeComplete},
		{"x := 1", codeComplete},
		{"", codeComplete},
		{"%time\nx := 1", codeComplete},
		{"func f() {", codeIncomplete},
		{"for i := 0; i < 3; i++ {\n\tfmt.Println(i)", codeIncomplete},
		{"x := []int{1,\n2,", codeIncomplete},
		{"x := 1 +", codeIncomplete},
		{"s := `raw", codeIncomplete},
		{"/* open comment", codeIncomplete},
		{"x := )", codeInvalid},
		{"func f() }", codeInvalid},
		{"x := 1 1", codeInvalid},
		{`x := "unterminated`, codeInvalid},
	}
	for _, c := range cases {
		got, indent := checkComplete(c.src)
		if got != c.status {
			t.Errorf("checkComplete(%q) = %s, want %s", c.src, got, c.status)
		}
		if c.src == "func f() {" && indent != "\t" {
			t.Errorf("indent %q", indent)
		}
	}
}

func TestGlobRegexp(t *testing.T) {
	re := globRegexp("fmt.*(?)")
	if !re.MatchString("fmt.Println(1)") || re.MatchString("xfmt.P(1)") || re.MatchString("fmt.P(12)") {
		t.Error("glob mismatch")
	}
}
