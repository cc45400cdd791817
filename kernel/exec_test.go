package kernel

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/torchless-go/torchless/kernel/display"
)

func newTestExecutor(t *testing.T) (*Executor, *bytes.Buffer) {
	t.Helper()
	var out bytes.Buffer
	e := NewExecutor(nil)
	e.Stdout, e.Stderr = &out, &out
	if err := e.Reset(); err != nil {
		t.Fatal(err)
	}
	return e, &out
}

func run(t *testing.T, e *Executor, code string) *Result {
	t.Helper()
	r, err := e.Run(code)
	if err != nil {
		t.Fatalf("Run(%q): %v", code, err)
	}
	return r
}

func plain(r *Result) string {
	if r.Value == nil {
		return "<none>"
	}
	s, _ := r.Value.Data[display.MIMEPlain].(string)
	return s
}

func TestExecutorCells(t *testing.T) {
	e, out := newTestExecutor(t)
	cases := []struct{ code, want string }{
		// declarations and statements mixed, in any order
		{"import \"fmt\"\nx := 2\nfunc double(v int) int { return 2 * v }\nfmt.Println(\"hi\")\ndouble(x)", "4"},
		{"x", "2"},                                // variables persist
		{"x = 5", "<none>"},                       // assignment: nothing shown
		{"func noop() {}\nnoop()", "<none>"},      // void call: no stale value
		{"fmt.Println(\"two values\")", "<none>"}, // multi-value call: not shown
		{"s := \"a\"\ns + \"b\"", `"ab"`},         // strings are quoted
		{"type P struct{ X, Y int }\nP{1, 2}", "{X: 1, Y: 2}"},
		{"make([]float32, 100)", "[0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 … (100 items)]"},
		{"var err error\nerr", "<nil>"},                                       // a nil variable is shown
		{"func fails() error { return nil }\nfails()", "<none>"},              // a call returning nil is not
		{"import \"fmt\"\nimport \"strings\"\nstrings.ToUpper(\"a\")", `"A"`}, // re-import is fine
		{"import \"github.com/torchless-go/torchless/kernel/display\"\n1", "1"},
		{"import \"time\"\ntime.Duration(1500) * time.Millisecond", "1.5s"}, // compiled Stringer
		{"(x)", "5"},
		{"// only a comment", "<none>"},
	}
	for _, c := range cases {
		if got := plain(run(t, e, c.code)); got != c.want {
			t.Errorf("%q: got %s, want %s", c.code, got, c.want)
		}
	}
	if !strings.Contains(out.String(), "hi\n") || !strings.Contains(out.String(), "two values\n") {
		t.Errorf("stdout %q", out.String())
	}
}

func TestExecutorDisplay(t *testing.T) {
	e, _ := newTestExecutor(t)
	r := run(t, e, `type H struct{}
func (H) HTML() string { return "<b>h</b>" }
func (H) String() string { return "an H" }
H{}`)
	if r.Value.Data[display.MIMEHTML] != "<b>h</b>" || r.Value.Data[display.MIMEPlain] != "an H" {
		t.Errorf("interpreted type: %v", r.Value.Data)
	}
	r = run(t, e, "import \"image\"\nimage.NewGray(image.Rect(0, 0, 3, 2))")
	if b, ok := r.Value.Data[display.MIMEPNG].([]byte); !ok || !bytes.HasPrefix(b, []byte("\x89PNG")) {
		t.Errorf("image: %v", r.Value.Data[display.MIMEPlain])
	}
	var shown []display.Data
	display.SetPublisher(func(d display.Data, id string, update bool) error { shown = append(shown, d); return nil }, nil)
	defer display.SetPublisher(nil, nil)
	run(t, e, `type S2 struct{ N int }
func (S2) SVG() string { return "<svg/>" }
display.Show(S2{3})
display.Show(H{})`)
	if len(shown) != 2 || shown[0].Data[display.MIMESVG] != "<svg/>" ||
		shown[1].Data[display.MIMEHTML] != "<b>h</b>" {
		t.Errorf("display.Show of cell types: %v", shown)
	}
	r = run(t, e, `display.Markdown("# t")`)
	if r.Value.Data[display.MIMEMarkdown] != "# t" {
		t.Errorf("display.Markdown: %v", r.Value.Data)
	}
}

func TestExecutorErrors(t *testing.T) {
	e, _ := newTestExecutor(t)
	run(t, e, "kept := 7")
	run(t, e, "type R struct{ A int }")
	cases := []struct{ code, name, in string }{
		{"var a []int\na[3] = 1", "Panic", "index out of range"},
		{`panic("boom")`, "Panic", "boom"},
		{"import \"strings\"\nstrings.Repeat(\"x\", -1)", "Panic", "negative"}, // panic in compiled code
		{"undefinedName", "CompileError", "undefined"},
		{"x := ", "SyntaxError", ""},
		{"%nosuchmagic", "Error", "unknown magic"},
		{"min(1, 2)", "CompileError", "no min, max or clear"},
		{"n := 0\nfor i := range 3 {\n\tn += i\n}", "Panic", "three-clause"},
		{"type R struct{ B int }\nR{B: 1}", "CompileError", "%reset"}, // R was declared before
	}
	for _, c := range cases {
		_, err := e.Run(c.code)
		var ce *CellError
		if !errors.As(err, &ce) {
			t.Errorf("%q: error %v is not a CellError", c.code, err)
			continue
		}
		if ce.Name != c.name || !strings.Contains(ce.Value, c.in) || len(ce.Traceback) == 0 {
			t.Errorf("%q: %s %q %q, want %s containing %q", c.code, ce.Name, ce.Value, ce.Traceback, c.name, c.in)
		}
	}
	if got := plain(run(t, e, "kept")); got != "7" {
		t.Errorf("after errors kept = %s", got)
	}
	// Error positions are the cell's lines.
	_, err := e.Run("a := 1\n_ = a\n\nb := undefinedVar")
	if err == nil || !strings.Contains(err.Error(), "4:") {
		t.Errorf("error position: %v", err)
	}
	// A panic in a goroutine started by a cell does not end the process.
	if got := plain(run(t, e, "done := make(chan bool)\ngo func() {\n\tdefer close(done)\n\tpanic(\"in goroutine\")\n}()\n<-done\n\"survived\"")); got != `"survived"` {
		t.Errorf("goroutine panic: %s", got)
	}
}

func TestExecutorInterrupt(t *testing.T) {
	if raceEnabled {
		t.Skip("see raceEnabled")
	}
	e, _ := newTestExecutor(t)
	run(t, e, "kept := 1")
	for _, code := range []string{
		"n := 0\nfor ctx.Err() == nil {\n\tn++\n}", // interpreted loop checking ctx
		"<-ctx.Done()\nfmt := 1\n_ = fmt",          // blocked on the context
		"for {\n}",                                 // a loop that ignores ctx (yaegi stops it)
	} {
		done := make(chan error, 1)
		go func() { _, err := e.Run(code); done <- err }()
		time.Sleep(50 * time.Millisecond)
		e.Interrupt()
		select {
		case err := <-done:
			var ce *CellError
			if !errors.As(err, &ce) || ce.Name != "Interrupt" {
				t.Errorf("%q: %v, want Interrupt", code, err)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("%q: not interrupted", code)
		}
	}
	if got := plain(run(t, e, "kept")); got != "1" {
		t.Errorf("after interrupt kept = %s", got)
	}
	// Compiled code that ignores ctx: the kernel gives up waiting after
	// interruptGrace and goes on.
	old := interruptGrace
	interruptGrace = 100 * time.Millisecond
	defer func() { interruptGrace = old }()
	done := make(chan error, 1)
	go func() { _, err := e.Run("import \"time\"\ntime.Sleep(time.Second)"); done <- err }()
	time.Sleep(50 * time.Millisecond)
	e.Interrupt()
	select {
	case err := <-done:
		var ce *CellError
		if !errors.As(err, &ce) || ce.Name != "Interrupt" {
			t.Errorf("sleep: %v, want Interrupt", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("sleep: not interrupted")
	}
	run(t, e, "ctx := 5\n_ = ctx") // a cell may redeclare ctx; the next gets it back
	if err := run(t, e, "err := ctx.Err()\nerr"); plain(err) != "<nil>" {
		t.Errorf("a new cell gets a fresh context: %s", plain(err))
	}
}

type fakeModel struct{ path string }

func (m *fakeModel) HookNames() []string {
	return []string{"blocks.0.hook_resid_pre", "blocks.0.attn.hook_pattern"}
}
func (m *fakeModel) Summary() string { return "fake model from " + m.path }
func (m *fakeModel) Layers() int     { return 2 }

func TestMagics(t *testing.T) {
	e, out := newTestExecutor(t)
	SetLoader(nil)
	if _, err := e.Run("%load /x/model.gguf"); err == nil || !strings.Contains(err.Error(), "no model loader") {
		t.Errorf("%%load without loader: %v", err)
	}
	SetLoader(func(ctx context.Context, path string) (any, error) {
		if path == "missing" {
			return nil, errors.New("no such file")
		}
		return &fakeModel{path}, nil
	})
	defer SetLoader(nil)
	if r := run(t, e, "%load /x/model.gguf as m\nm.Layers()"); plain(r) != "2" {
		t.Errorf("%%load then call: %s", plain(r))
	}
	if _, err := e.Run("%load missing as m2"); err == nil || !strings.Contains(err.Error(), "no such file") {
		t.Errorf("%%load error: %v", err)
	}
	run(t, e, "%models")
	run(t, e, "%hooks m")
	run(t, e, "%time\ny := 3")
	run(t, e, "%who")
	run(t, e, "%help")
	o := out.String()
	for _, want := range []string{"m = fake model from /x/model.gguf", "blocks.0.attn.hook_pattern", "Wall time:", "y ", "%load PATH"} {
		if !strings.Contains(o, want) {
			t.Errorf("output lacks %q:\n%s", want, o)
		}
	}
	run(t, e, "%reset")
	if _, err := e.Run("y"); err == nil {
		t.Error("y survived %reset")
	}
}

func TestCompleteAndInspect(t *testing.T) {
	e, _ := newTestExecutor(t)
	run(t, e, "import \"strings\"\nvar sb strings.Builder\ncount := 3")
	run(t, e, "import \"github.com/torchless-go/torchless/models/weights\"\nts := &weights.Tensor{}")
	// yaegi's Globals panics after a cell that panicked while declaring.
	e.Run("id := 1")
	e.Run("var a []int\na[3] = 1")
	e.Run("x := 2")
	m, start := e.Complete("fmt.Pri", 7)
	if strings.Join(m, ",") != "Print,Printf,Println" || start != 4 {
		t.Errorf("fmt.Pri: %v at %d", m, start)
	}
	m, _ = e.Complete("sb.Wr", 5)
	if !contains(m, "WriteString") {
		t.Errorf("sb.Wr: %v", m)
	}
	m, _ = e.Complete("x := cou", 8)
	if !contains(m, "count") {
		t.Errorf("cou: %v", m)
	}
	for _, c := range []struct{ code, want string }{
		{"fmt.Println", "Println formats"},
		{"kernels.Add", "func Add("},
		{"display.HTML", "HTML"},
		{"count", "count: int"},
		{"sb.WriteString", "WriteString"},
		{"ts.Validate", "Validate checks that Data holds"}, // a method of a project type, with its doc
	} {
		text, found := e.Inspect(c.code, len(c.code)-1)
		if !found || !strings.Contains(text, c.want) {
			t.Errorf("Inspect(%q) = %v %q", c.code, found, text)
		}
	}
	run(t, e, "// Twice doubles.\nfunc Twice(v int) int { return 2 * v }\ntype Box struct{ N int }\n// Get returns N.\nfunc (b *Box) Get() int { return b.N }\nbox := &Box{3}")
	for _, c := range []struct{ code, want string }{
		{"Twice", "// Twice doubles.\nfunc Twice(v int) int"},
		{"Box", "Box struct{ N int }"},
		{"box.Get", "// Get returns N.\nfunc (b *Box) Get() int"},
	} {
		text, found := e.Inspect(c.code, len(c.code))
		if !found || !strings.Contains(text, c.want) {
			t.Errorf("Inspect(%q) = %v %q", c.code, found, text)
		}
	}
	if m, _ := e.Complete("box.G", 5); strings.Join(m, ",") != "Get" {
		t.Errorf("box.G: %v", m)
	}
	if m, _ := e.Complete("count.G", 7); len(m) != 0 {
		t.Errorf("count.G: %v", m)
	}
	if _, found := e.Inspect("nosuchthing", 3); found {
		t.Error("found nosuchthing")
	}
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}
