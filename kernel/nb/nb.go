// Package nb gives notebook cells what the torchless kernel provides at
// run time: the cell's context (cancelled when the user interrupts the
// kernel) and input from the front end.
//
// In a cell, ctx is predeclared as nb.Context(), so a long call reads
//
//	logits, err := m.Forward(ctx, ids)
//
// and stops within a second of an interrupt.
package nb

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
)

// ContextFunc returns the running cell's context.
type ContextFunc func() context.Context

// InputFunc asks the front end for a line of input.
type InputFunc func(prompt string, password bool) (string, error)

var (
	mu      sync.Mutex
	ctxFunc ContextFunc
	inFunc  InputFunc
)

// ErrNoKernel is returned by Input outside a kernel.
var ErrNoKernel = errors.New("nb: not running in the torchless kernel")

// SetRuntime installs the kernel's functions. The kernel calls it;
// notebooks never need to.
func SetRuntime(c ContextFunc, in InputFunc) {
	mu.Lock()
	ctxFunc, inFunc = c, in
	mu.Unlock()
}

// Context returns the running cell's context, cancelled on interrupt.
// Outside a kernel it returns context.Background().
func Context() context.Context {
	mu.Lock()
	f := ctxFunc
	mu.Unlock()
	if f == nil {
		return context.Background()
	}
	return f()
}

// Input asks the user for a line of text (without its newline).
func Input(prompt string) (string, error) { return input(prompt, false) }

// Password asks the user for a secret; the front end hides what is typed.
func Password(prompt string) (string, error) { return input(prompt, true) }

func input(prompt string, password bool) (string, error) {
	mu.Lock()
	f := inFunc
	mu.Unlock()
	if f == nil {
		return "", ErrNoKernel
	}
	return f(prompt, password)
}

// GoPanic reports a panic recovered in a goroutine started by a cell. The
// kernel guards the func literals of a cell's go statements with it, so
// that such a panic is shown (on standard error) instead of ending the
// kernel.
func GoPanic(v any) {
	fmt.Fprintf(os.Stderr, "panic in a goroutine started by a cell: %v\n", v)
}
