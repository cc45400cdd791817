package kernel

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/scanner"
	"go/token"
	"io"
	"os"
	"reflect"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/traefik/yaegi/interp"
	"github.com/traefik/yaegi/stdlib"

	"github.com/torchless-go/torchless/kernel/display"
	"github.com/torchless-go/torchless/kernel/nb"
	"github.com/torchless-go/torchless/kernel/symbols"
)

// resultVar holds the value of a cell's last expression in the
// interpreter.
const resultVar = "__tl_result"

// prelude runs in every new interpreter.
var prelude = []string{
	`import display "github.com/torchless-go/torchless/kernel/display"`,
	`import nb "github.com/torchless-go/torchless/kernel/nb"`,
	`import __tl_nb "github.com/torchless-go/torchless/kernel/nb"`,
	`var ctx = nb.Context()`,
}

// displayMapTypes tells yaegi how to pass values of cell-declared types to
// display.Show, ShowID, Update and Display: wrapped so that their display
// methods are visible to compiled code. yaegi uses the first wrapper whose
// methods the type has all of.
func displayMapTypes() interp.Exports {
	syms := symbols.Symbols["github.com/torchless-go/torchless/kernel/display/display"]
	wrappers := []reflect.Type{
		reflect.TypeOf((*display.MIMEBundler)(nil)).Elem(),
		reflect.TypeOf((*display.Renderer)(nil)).Elem(),
		reflect.TypeOf((*display.HTMLer)(nil)).Elem(),
		reflect.TypeOf((*display.SVGer)(nil)).Elem(),
		reflect.TypeOf((*display.PNGer)(nil)).Elem(),
		reflect.TypeOf((*display.Markdowner)(nil)).Elem(),
		reflect.TypeOf((*display.JPEGer)(nil)).Elem(),
		reflect.TypeOf((*display.Latexer)(nil)).Elem(),
		reflect.TypeOf((*display.JSONer)(nil)).Elem(),
		reflect.TypeOf((*fmt.Stringer)(nil)).Elem(),
	}
	mt := map[reflect.Value][]reflect.Type{}
	for _, f := range []string{"Show", "ShowID", "Update", "Display", "Render"} {
		if v, ok := syms[f]; ok {
			mt[v] = wrappers
		}
	}
	return interp.Exports{".": {"MapTypes": reflect.ValueOf(mt)}}
}

// CellError is a failed cell, reported as a Jupyter error message.
type CellError struct {
	Name      string   // ename: CompileError, Panic, Interrupt, Error
	Value     string   // evalue
	Traceback []string // lines shown to the user
}

// Error returns "Name: Value".
func (e *CellError) Error() string { return e.Name + ": " + e.Value }

// Executor runs notebook cells in a yaegi interpreter that keeps its
// variables from cell to cell.
type Executor struct {
	// Stdout and Stderr receive the output of interpreted code; nil means
	// the process's os.Stdout and os.Stderr (captured by the kernel).
	Stdout, Stderr io.Writer
	// Stdin is what cells read from os.Stdin; nil means an empty input.
	Stdin io.Reader

	mu    sync.Mutex // one cell at a time
	in    *interp.Interpreter
	names map[string]bool // names declared by cells
	// imported records the imports done so far ("name path"): yaegi
	// rejects importing a package twice, which rerunning a cell does.
	imported map[string]bool
	decls    map[string]string // source of cell-declared funcs, methods, types
	loaded   map[string]any    // values of %load, by name

	ctxMu  sync.Mutex
	ctx    context.Context
	cancel context.CancelFunc
}

// NewExecutor returns an executor whose interpreter has the standard
// library and the project's packages (kernel/symbols) available. k may be
// nil (tests); otherwise the executor's output goes through it.
func NewExecutor(k *Kernel) *Executor {
	e := &Executor{}
	if k != nil && k.cap == nil {
		e.Stdout = streamWriter{k, "stdout"}
		e.Stderr = streamWriter{k, "stderr"}
	}
	if k != nil {
		e.Stdin = &inputReader{k: k}
	}
	e.ctx, e.cancel = context.WithCancel(context.Background())
	nb.SetRuntime(e.Context, func(prompt string, password bool) (string, error) {
		if k == nil {
			return "", nb.ErrNoKernel
		}
		return k.input(prompt, password)
	})
	if err := e.Reset(); err != nil {
		panic(fmt.Sprintf("kernel prelude failed: %v", err)) // the prelude is fixed code
	}
	return e
}

// Context returns the running (or last) cell's context.
func (e *Executor) Context() context.Context {
	e.ctxMu.Lock()
	defer e.ctxMu.Unlock()
	return e.ctx
}

// Interrupt cancels the running cell's context.
func (e *Executor) Interrupt() {
	e.ctxMu.Lock()
	e.cancel()
	e.ctxMu.Unlock()
}

// Reset replaces the interpreter by a fresh one: every variable, function
// and type declared by cells is forgotten.
func (e *Executor) Reset() error {
	var stderr io.Writer = os.Stderr
	if e.Stderr != nil {
		stderr = e.Stderr
	}
	opts := interp.Options{Unrestricted: true, Stdout: e.Stdout, Stderr: panicFilter{stderr}, Stdin: e.Stdin}
	if opts.Stdin == nil {
		opts.Stdin = strings.NewReader("")
	}
	in := interp.New(opts)
	if err := in.Use(stdlib.Symbols); err != nil {
		return err
	}
	if err := in.Use(symbols.Symbols); err != nil {
		return err
	}
	if err := in.Use(displayMapTypes()); err != nil {
		return err
	}
	for _, p := range prelude {
		if _, err := in.Eval(p); err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
	}
	e.in = in
	e.names = map[string]bool{}
	e.imported = map[string]bool{}
	e.decls = map[string]string{}
	for _, p := range prelude {
		if strings.HasPrefix(p, "import ") {
			e.imported[strings.TrimPrefix(p, "import ")] = true // "name \"path\""
		}
	}
	e.loaded = map[string]any{}
	return nil
}

// Result is what a cell produced.
type Result struct {
	// Value is the bundle of the cell's last expression, nil if none.
	Value *display.Data
}

// Run executes one cell (Go code, with magics on its first lines).
func (e *Executor) Run(code string) (*Result, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.ctxMu.Lock()
	e.cancel()
	ctx, cancel := context.WithCancel(context.Background())
	e.ctx, e.cancel = ctx, cancel
	e.ctxMu.Unlock()
	e.setCtx()
	res, err := e.runMagics(ctx, code)
	if err != nil {
		ce := toCellError(err)
		if h := dialectHint(code, ce.Value); h != "" {
			ce.Value += " (" + h + ")"
			ce.Traceback = append(ce.Traceback, "hint: "+h)
		}
		return nil, ce
	}
	return res, nil
}

var (
	builtinCall = regexp.MustCompile(`\b(min|max|clear)\s*\(`)
	rangeOver   = regexp.MustCompile(`\brange\b`)
)

// dialectHint explains the errors yaegi gives for the Go features it lacks
// (its own messages do not say so).
func dialectHint(code, msg string) string {
	switch {
	case strings.Contains(msg, "constant definition loop") && builtinCall.MatchString(code):
		return "yaegi has no min, max or clear builtins: write them as functions"
	case msg == "nil type" && rangeOver.MatchString(code):
		return "yaegi cannot range over an integer or a function: use a three-clause for loop"
	case strings.Contains(msg, "unknown field"):
		return "if the type was redefined, it keeps its first definition: run %reset or restart the kernel"
	}
	return ""
}

// setCtx points the predeclared ctx at the new cell's context. If a cell
// redeclared ctx with another type, ctx is declared afresh.
func (e *Executor) setCtx() {
	for _, src := range []string{`ctx = nb.Context()`, `ctx := __tl_nb.Context()`} {
		if _, err := e.eval(context.Background(), src); err == nil {
			return
		}
	}
}

// runGo executes Go source: imports, then declarations, then statements;
// the value of a final expression statement is rendered.
func (e *Executor) runGo(ctx context.Context, src string) (*Result, error) {
	chunks := splitCell(src)
	var imports []string
	var decls, stmts []chunk
	for i, c := range chunks {
		chunks[i].src = guardGoroutines(c)
		switch c.kind {
		case chunkImport:
			imports = append(imports, c.src)
		case chunkDecl:
			decls = append(decls, chunks[i])
		default:
			stmts = append(stmts, chunks[i])
		}
	}
	imports, keys := e.newImports(imports)
	if len(imports) > 0 {
		if _, err := e.eval(ctx, strings.Join(imports, "\n")); err != nil {
			return nil, err
		}
		for _, k := range keys {
			e.imported[k] = true
		}
	}
	if len(decls) > 0 {
		if _, err := e.eval(ctx, joinAt(decls)); err != nil {
			return nil, err
		}
	}
	defer func() {
		for _, c := range chunks {
			for _, n := range declaredNames(c) {
				e.names[n] = true
			}
			for n, d := range declSources(c) {
				e.decls[n] = d
			}
		}
	}()
	if len(stmts) == 0 {
		return &Result{}, nil
	}
	last := stmts[len(stmts)-1]
	expr, isExpr := finalExpr(last)
	if !isExpr {
		_, err := e.eval(ctx, joinAt(stmts))
		return &Result{}, err
	}
	if len(stmts) > 1 {
		if _, err := e.eval(ctx, joinAt(stmts[:len(stmts)-1])); err != nil {
			return nil, err
		}
	}
	pad := strings.Repeat("\n", max(last.line-1, 0))
	if isCall(expr) && e.results(last.src) != 1 {
		_, err := e.eval(ctx, pad+last.src)
		return &Result{}, err
	}
	v, err := e.eval(ctx, pad+resultVar+" := "+last.src)
	if err != nil {
		if id, ok := expr.(*ast.Ident); ok && strings.Contains(err.Error(), "constant definition loop") {
			// yaegi's wording for an undefined name on the right of :=
			return nil, &CellError{Name: "CompileError", Value: "undefined: " + id.Name, Traceback: []string{"CompileError: undefined: " + id.Name}}
		}
		return nil, err
	}
	if !v.IsValid() || (isCall(expr) && isNilValue(v)) {
		return &Result{}, nil // a call returning a nil error is not shown
	}
	d := e.render(v)
	return &Result{Value: &d}, nil
}

func isNilValue(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Interface, reflect.Pointer, reflect.Map, reflect.Slice, reflect.Func, reflect.Chan:
		return v.IsNil()
	}
	return false
}

// newImports drops the import specs already done by earlier cells and
// returns import declarations for the rest.
func (e *Executor) newImports(chunks []string) (out, keys []string) {
	seen := map[string]bool{}
	for _, c := range chunks {
		f, err := parser.ParseFile(token.NewFileSet(), "", "package p\n"+c, parser.ImportsOnly)
		if err != nil {
			out = append(out, c) // let the interpreter report it
			continue
		}
		for _, spec := range f.Imports {
			path, err := strconv.Unquote(spec.Path.Value)
			if err != nil {
				out = append(out, c)
				continue
			}
			name := path[strings.LastIndexByte(path, '/')+1:]
			if spec.Name != nil {
				name = spec.Name.Name
			}
			key := name + " " + spec.Path.Value
			if e.imported[key] || seen[key] {
				continue
			}
			seen[key] = true
			keys = append(keys, key)
			if spec.Name != nil {
				out = append(out, "import "+spec.Name.Name+" "+spec.Path.Value)
			} else {
				out = append(out, "import "+spec.Path.Value)
			}
		}
	}
	return out, keys
}

// joinAt joins chunks keeping each on its line of the cell, so that the
// interpreter's error positions are the cell's.
func joinAt(cs []chunk) string {
	var b strings.Builder
	line := 1
	for i, c := range cs {
		switch {
		case c.line > line:
			b.WriteString(strings.Repeat("\n", c.line-line))
			line = c.line
		case i > 0:
			b.WriteString("; ")
		}
		b.WriteString(c.src)
		line += strings.Count(c.src, "\n")
	}
	return b.String()
}

// goGuard is inserted at the start of the body of a function literal run
// by a go statement: a panic there would otherwise end the kernel.
const goGuard = "defer func() { if r := recover(); r != nil { __tl_nb.GoPanic(r) } }(); "

// guardGoroutines inserts goGuard into the func literals of the go
// statements of a chunk (on the same line, so positions stay right). A go
// statement calling a named function is left alone.
func guardGoroutines(c chunk) string {
	if !strings.Contains(c.src, "go") {
		return c.src
	}
	prefix := "package p\n"
	suffix := ""
	if c.kind == chunkStmt {
		prefix, suffix = "package p\nfunc _() {\n", "\n}"
	}
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "", prefix+c.src+suffix, parser.SkipObjectResolution)
	if err != nil {
		return c.src
	}
	var offs []int
	ast.Inspect(f, func(n ast.Node) bool {
		if g, ok := n.(*ast.GoStmt); ok {
			if lit, ok := g.Call.Fun.(*ast.FuncLit); ok {
				offs = append(offs, fset.Position(lit.Body.Lbrace).Offset+1-len(prefix))
			}
		}
		return true
	})
	src := c.src
	for i := len(offs) - 1; i >= 0; i-- {
		o := offs[i]
		if o < 0 || o > len(src) {
			return c.src
		}
		src = src[:o] + goGuard + src[o:]
	}
	return src
}

var mismatch = regexp.MustCompile(`returns (\d+) value`)

// results returns the number of values of the call expression src, found by
// compiling (not running) an assignment to too many blanks: yaegi reports
// the count in its error. It returns 1 when the count cannot be found.
func (e *Executor) results(src string) int {
	_, err := e.in.Compile(strings.Repeat("_, ", 8) + "_ = " + src)
	if err == nil {
		return 9
	}
	if m := mismatch.FindStringSubmatch(err.Error()); m != nil {
		n, _ := strconv.Atoi(m[1])
		return n
	}
	return 1
}

// eval runs src in the interpreter with ctx; a panic becomes an error.
func (e *Executor) eval(ctx context.Context, src string) (v reflect.Value, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = interp.Panic{Value: r}
		}
	}()
	v, err = e.in.EvalWithContext(ctx, src)
	if err != nil && ctx.Err() != nil {
		waitInterrupted()
		return v, &CellError{Name: "Interrupt", Value: "the cell was interrupted", Traceback: []string{"Interrupt: the cell was interrupted"}}
	}
	return v, err
}

// evalGoroutine is the function of the goroutine yaegi's EvalWithContext
// runs the code in; it goes on after EvalWithContext has returned on
// cancellation, until the interpreted frames notice the stop and compiled
// calls return (they see the cell's cancelled context).
const evalGoroutine = "interp.(*Interpreter).EvalWithContext.func1"

// interruptGrace bounds the wait for an interrupted cell to stop.
var interruptGrace = 10 * time.Second

// waitInterrupted waits until the interrupted cell's goroutine has ended,
// so that the next cell never runs beside it in the same interpreter. If
// compiled code ignores its context past interruptGrace, the kernel goes on
// (and says so on stderr); such a goroutine is not waited for again.
func waitInterrupted() {
	deadline := time.Now().Add(interruptGrace)
	for {
		running := evalGoroutines()
		zombieMu.Lock()
		for id := range zombies {
			delete(running, id)
		}
		zombieMu.Unlock()
		if len(running) == 0 {
			return
		}
		if time.Now().After(deadline) {
			zombieMu.Lock()
			for id := range running {
				zombies[id] = true
			}
			zombieMu.Unlock()
			fmt.Fprintf(os.Stderr, "the interrupted cell is still running compiled code that ignores ctx; going on beside it\n")
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
}

var (
	zombieMu sync.Mutex
	zombies  = map[string]bool{} // ids of eval goroutines given up on
)

// evalGoroutines returns the ids of the goroutines running yaegi evals.
func evalGoroutines() map[string]bool {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	ids := map[string]bool{}
	for _, g := range bytes.Split(buf, []byte("\n\n")) {
		if !bytes.Contains(g, []byte(evalGoroutine)) {
			continue
		}
		f := strings.Fields(string(g))
		if len(f) > 1 && f[0] == "goroutine" {
			ids[f[1]] = true
		}
	}
	return ids
}

// probes are the display methods checked on values of interpreted types,
// with the type each must return.
var probes = []struct{ method, typ, mime string }{
	{"HTML", "string", display.MIMEHTML},
	{"Markdown", "string", display.MIMEMarkdown},
	{"SVG", "string", display.MIMESVG},
	{"PNG", "[]byte", display.MIMEPNG},
	{"JPEG", "[]byte", display.MIMEJPEG},
	{"Latex", "string", display.MIMELatex},
	{"JSON", "map[string]any", display.MIMEJSON},
	{"MIMEBundle", "map[string]any", ""},
	{"String", "string", display.MIMEPlain},
}

// render builds the bundle of the value of resultVar. Compiled values go
// through display.Render; methods of interpreted types are found by
// compiling calls on resultVar (yaegi's values do not carry them).
func (e *Executor) render(v reflect.Value) display.Data {
	var x any
	if v.IsValid() && v.CanInterface() {
		x = v.Interface()
	}
	d := display.Render(x)
	if !v.IsValid() || !interpretedKind(v) {
		return d
	}
	for _, p := range probes {
		call := resultVar + "." + p.method + "()"
		if _, err := e.in.Compile("var _ " + p.typ + " = " + call); err != nil {
			continue
		}
		r, err := e.eval(context.Background(), call)
		if err != nil || !r.IsValid() {
			continue
		}
		val := r.Interface()
		if p.mime == "" {
			if m, ok := val.(map[string]any); ok {
				for k, mv := range m {
					d.Data[k] = mv
				}
			}
			continue
		}
		if p.mime == display.MIMEPlain {
			if _, isStringer := x.(fmt.Stringer); isStringer {
				continue
			}
		}
		d.Data[p.mime] = val
	}
	return d
}

// interpretedKind reports whether v may be of a type declared in a cell
// (whose methods reflection cannot see).
func interpretedKind(v reflect.Value) bool {
	t := v.Type()
	if t.PkgPath() != "" && t.Name() != "" {
		return false // a named compiled type: reflection sees its methods
	}
	switch t.Kind() {
	case reflect.Struct, reflect.Pointer, reflect.Slice, reflect.Map, reflect.Int, reflect.Int64, reflect.Float64, reflect.String, reflect.Func, reflect.Interface:
		return true
	}
	return false
}

// isCompileError reports whether err comes from parsing or compiling
// (nothing ran).
func isCompileError(err error) bool {
	var sl scanner.ErrorList
	return errors.As(err, &sl) || strings.Contains(reflect.TypeOf(err).String(), "cfgError")
}

// userFrames keeps the frames of a panic's stack that are not the
// interpreter's or the runtime's: where compiled code called by a cell
// panicked.
func userFrames(stack string) []string {
	lines := strings.Split(strings.TrimSpace(stack), "\n")
	var out []string
	for i := 1; i+1 < len(lines); i += 2 {
		fn, loc := lines[i], lines[i+1]
		if strings.HasPrefix(fn, "runtime") || strings.HasPrefix(fn, "panic(") || strings.HasPrefix(fn, "reflect.") ||
			strings.HasPrefix(fn, "github.com/traefik/yaegi/") || strings.HasPrefix(fn, "created by ") ||
			strings.HasPrefix(fn, "github.com/torchless-go/torchless/kernel.") {
			continue
		}
		out = append(out, fn, loc)
	}
	return out
}

// toCellError turns an interpreter error into a CellError.
func toCellError(err error) *CellError {
	var ce *CellError
	if errors.As(err, &ce) {
		return ce
	}
	var p interp.Panic
	if errors.As(err, &p) {
		tb := []string{fmt.Sprintf("panic: %v", p.Value)}
		if frames := userFrames(string(p.Stack)); len(frames) > 0 {
			tb = append(tb, "", "in compiled code:")
			tb = append(tb, frames...)
		}
		return &CellError{Name: "Panic", Value: fmt.Sprint(p.Value), Traceback: tb}
	}
	var sl scanner.ErrorList
	if errors.As(err, &sl) {
		var tb []string
		for _, e := range sl {
			tb = append(tb, e.Error())
		}
		return &CellError{Name: "SyntaxError", Value: sl.Error(), Traceback: tb}
	}
	msg := err.Error()
	name := "Error"
	if strings.Contains(reflect.TypeOf(err).String(), "cfgError") {
		name = "CompileError"
	}
	return &CellError{Name: name, Value: msg, Traceback: []string{name + ": " + msg}}
}

// Names returns the names cells have declared, sorted.
func (e *Executor) Names() []string {
	out := make([]string, 0, len(e.names))
	for n := range e.names {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// streamWriter sends writes as stream messages (used when the kernel does
// not capture file descriptors).
type streamWriter struct {
	k    *Kernel
	name string
}

func (w streamWriter) Write(p []byte) (int, error) {
	w.k.publishStream(w.name, string(p))
	return len(p), nil
}

// inputReader is the interpreter's os.Stdin: each read asks the front end
// for a line.
type inputReader struct {
	k   *Kernel
	buf []byte
}

func (r *inputReader) Read(p []byte) (int, error) {
	if len(r.buf) == 0 {
		s, err := r.k.input("", false)
		if err != nil {
			return 0, io.EOF
		}
		r.buf = []byte(s + "\n")
	}
	n := copy(p, r.buf)
	r.buf = r.buf[n:]
	return n, nil
}

// panicFilter drops the "1:28: panic: main(...)" lines yaegi writes to
// its stderr when a cell panics: the kernel reports the panic as the
// cell's error instead.
type panicFilter struct{ w io.Writer }

var yaegiPanicLine = regexp.MustCompile(`^(\S*:)?\d+:\d+: panic: \S*\(\.\.\.\)\n$`)

func (f panicFilter) Write(p []byte) (int, error) {
	if yaegiPanicLine.Match(p) {
		return len(p), nil
	}
	return f.w.Write(p)
}
