package kernel

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"sort"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/traefik/yaegi/interp"

	"github.com/torchless-go/torchless/kernel/display"
)

// LoadFunc opens the model (or anything else) at path for %load; the
// returned value becomes a variable of the notebook. It should honour ctx
// (cancelled on interrupt) and may show progress with display.ShowID and
// display.Update.
type LoadFunc func(ctx context.Context, path string) (any, error)

// HooksFunc lists the hook points of a value loaded by %load, for %hooks.
type HooksFunc func(v any) ([]string, error)

var (
	hookMu     sync.Mutex
	loader     LoadFunc
	hookLister HooksFunc
)

// SetLoader installs the function %load calls (the models package's
// loader; until it is set %load reports that no loader is wired).
func SetLoader(f LoadFunc) {
	hookMu.Lock()
	loader = f
	hookMu.Unlock()
}

// SetHookLister installs the function %hooks calls. Without one, %hooks
// uses the value's own HookNames() []string method if it has one.
func SetHookLister(f HooksFunc) {
	hookMu.Lock()
	hookLister = f
	hookMu.Unlock()
}

// ErrNoLoader is the error of %load before SetLoader is called.
var ErrNoLoader = errors.New("%load: no model loader is wired into this kernel (kernel.SetLoader)")

// loadedPkg is the import path under which %load publishes its values to
// the interpreter.
const loadedPkg = "torchless/loaded"

// MagicHelp documents the magics (shown by %help).
const MagicHelp = `Magics (on the first lines of a cell):
  %load PATH [as NAME]  load a model (HF directory, .gguf, model.bin) into variable NAME (default model)
  %models               list the values loaded by %load
  %hooks NAME           list the hook points of a loaded model
  %time                 time the Go code in the rest of the cell
  %who                  list the variables, functions and types cells have declared
  %reset                forget every declaration (a fresh interpreter)
  %help                 this help

Cells are Go run by the yaegi interpreter: declarations and statements may be
mixed; the value of a final expression is displayed. ctx is the cell's
context, cancelled on interrupt: pass it to long calls. display.HTML/PNG/SVG/
Markdown/JSON/Image build rich outputs; display.Show publishes one now.
Dialect limits: no min/max/clear builtins, no range over integers or
functions, loop variables are shared between iterations (pre-Go 1.22), no
generics in calls to compiled code; redefining a type needs %reset or a
kernel restart.`

func (e *Executor) out() io.Writer {
	if e.Stdout != nil {
		return e.Stdout
	}
	return os.Stdout
}

// runMagics handles the magic lines at the top of code, then runs the rest
// as Go.
func (e *Executor) runMagics(ctx context.Context, code string) (*Result, error) {
	lines := strings.Split(code, "\n")
	i := 0
	for ; i < len(lines); i++ {
		l := strings.TrimSpace(lines[i])
		if l == "" {
			continue
		}
		if !strings.HasPrefix(l, "%") {
			break
		}
		fields := strings.Fields(l[1:])
		if len(fields) == 0 {
			return nil, errors.New("empty magic")
		}
		switch fields[0] {
		case "time":
			start := time.Now()
			res, err := e.runMagics(ctx, strings.Join(append([]string{strings.Join(fields[1:], " ")}, lines[i+1:]...), "\n"))
			fmt.Fprintf(e.out(), "Wall time: %v\n", time.Since(start).Round(time.Microsecond))
			return res, err
		case "help":
			io.WriteString(e.out(), MagicHelp+"\n")
		case "who":
			e.who()
		case "reset":
			if err := e.Reset(); err != nil {
				return nil, err
			}
			fmt.Fprintln(e.out(), "interpreter reset")
		case "models":
			e.listModels()
		case "hooks":
			if len(fields) != 2 {
				return nil, errors.New("usage: %hooks NAME")
			}
			if err := e.hooks(fields[1]); err != nil {
				return nil, err
			}
		case "load":
			if err := e.load(ctx, fields[1:]); err != nil {
				return nil, err
			}
		default:
			return nil, fmt.Errorf("unknown magic %%%s (%%help lists them)", fields[0])
		}
	}
	return e.runGo(ctx, strings.Join(lines[i:], "\n"))
}

func (e *Executor) load(ctx context.Context, args []string) error {
	var path, name string
	switch {
	case len(args) == 1:
		path, name = args[0], "model"
	case len(args) == 3 && args[1] == "as":
		path, name = args[0], args[2]
	default:
		return errors.New("usage: %load PATH [as NAME]")
	}
	if !isIdent(name) {
		return fmt.Errorf("%%load: %q is not a Go identifier", name)
	}
	hookMu.Lock()
	f := loader
	hookMu.Unlock()
	if f == nil {
		return ErrNoLoader
	}
	// Progress, updated in place (ignored outside a kernel).
	id := display.NewID()
	display.ShowID(id, display.Text("loading "+path+" …"))
	start := time.Now()
	v, err := f(ctx, path)
	if err != nil {
		display.Update(id, display.Text("failed to load "+path))
		return fmt.Errorf("%%load %s: %w", path, err)
	}
	display.Update(id, display.Text(fmt.Sprintf("loaded %s in %v", path, time.Since(start).Round(time.Millisecond))))
	return e.bind(name, v, path)
}

// bind makes v the interpreter variable name, with v's own (compiled)
// type.
func (e *Executor) bind(name string, v any, origin string) error {
	if v == nil {
		return fmt.Errorf("%s: nothing to bind", origin)
	}
	if err := e.in.Use(interp.Exports{loadedPkg + "/loaded": {name: reflect.ValueOf(v)}}); err != nil {
		return err
	}
	if len(e.loaded) == 0 {
		if _, err := e.in.Eval(`import __tl_loaded "` + loadedPkg + `"`); err != nil {
			return err
		}
	}
	e.loaded[name] = v
	if _, err := e.in.Eval(name + " := __tl_loaded." + name); err != nil {
		return err
	}
	e.names[name] = true
	fmt.Fprintf(e.out(), "%s = %s\n", name, summary(v))
	return nil
}

func summary(v any) string {
	type summarizer interface{ Summary() string }
	if s, ok := v.(summarizer); ok {
		return s.Summary()
	}
	if s, ok := v.(fmt.Stringer); ok {
		return s.String()
	}
	return fmt.Sprintf("%T", v)
}

func (e *Executor) listModels() {
	if len(e.loaded) == 0 {
		fmt.Fprintln(e.out(), "no models loaded (%load PATH [as NAME])")
		return
	}
	names := make([]string, 0, len(e.loaded))
	for n := range e.loaded {
		names = append(names, n)
	}
	sort.Strings(names)
	tw := tabwriter.NewWriter(e.out(), 0, 4, 2, ' ', 0)
	for _, n := range names {
		fmt.Fprintf(tw, "%s\t%T\t%s\n", n, e.loaded[n], summary(e.loaded[n]))
	}
	tw.Flush()
}

func (e *Executor) hooks(name string) error {
	v, ok := e.loaded[name]
	if !ok {
		return fmt.Errorf("%%hooks: %s was not loaded with %%load", name)
	}
	hookMu.Lock()
	f := hookLister
	hookMu.Unlock()
	var names []string
	var err error
	switch {
	case f != nil:
		names, err = f(v)
	default:
		type hookNamer interface{ HookNames() []string }
		h, ok := v.(hookNamer)
		if !ok {
			return fmt.Errorf("%%hooks: no hook lister is wired (kernel.SetHookLister) and %T has no HookNames method", v)
		}
		names = h.HookNames()
	}
	if err != nil {
		return err
	}
	for _, n := range names {
		fmt.Fprintln(e.out(), n)
	}
	return nil
}

func (e *Executor) who() {
	globals := e.globals()
	tw := tabwriter.NewWriter(e.out(), 0, 4, 2, ' ', 0)
	for _, n := range e.Names() {
		if v, ok := globals[n]; ok && v.IsValid() {
			fmt.Fprintf(tw, "%s\t%s\n", n, v.Type())
		} else {
			fmt.Fprintf(tw, "%s\t(func or type)\n", n)
		}
	}
	tw.Flush()
}

func isIdent(s string) bool {
	if s == "" || s == "_" {
		return false
	}
	for i, r := range s {
		if !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || i > 0 && r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}
