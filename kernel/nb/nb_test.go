package nb

import (
	"context"
	"errors"
	"testing"
)

func TestRuntime(t *testing.T) {
	SetRuntime(nil, nil)
	if Context() != context.Background() {
		t.Error("outside a kernel Context must be Background")
	}
	if _, err := Input("x"); !errors.Is(err, ErrNoKernel) {
		t.Errorf("Input outside a kernel: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var gotPassword bool
	SetRuntime(func() context.Context { return ctx }, func(prompt string, password bool) (string, error) {
		gotPassword = password
		return "answer to " + prompt, nil
	})
	defer SetRuntime(nil, nil)
	if Context() != ctx {
		t.Error("Context is not the runtime's")
	}
	if s, err := Password("p"); err != nil || s != "answer to p" || !gotPassword {
		t.Errorf("Password = %q, %v, %v", s, err, gotPassword)
	}
}
