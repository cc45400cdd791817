package tokenizer

import (
	"testing"

	"github.com/torchless-go/torchless/models/gguf"
	"github.com/torchless-go/torchless/models/weights"
)

func openGGUF(t testing.TB, path string) *gguf.File {
	t.Helper()
	f, err := gguf.Open(path, weights.Eager)
	if err != nil {
		t.Fatal(err)
	}
	return f
}
