package gguf_test

import (
	"io"
	"os"
	"testing"

	"github.com/torchless-go/torchless/internal/testenv"
	"github.com/torchless-go/torchless/models/gguf"
)

// BenchmarkParseVocab parses a 50k-token vocabulary file.
func BenchmarkParseVocab(b *testing.B) {
	data, err := os.ReadFile(testenv.Shared(b, "vocab", "ggml-vocab-gpt-2.gguf"))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := gguf.Parse("vocab.gguf", data); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkWriteVocab writes the same vocabulary back.
func BenchmarkWriteVocab(b *testing.B) {
	data, err := os.ReadFile(testenv.Shared(b, "vocab", "ggml-vocab-gpt-2.gguf"))
	if err != nil {
		b.Fatal(err)
	}
	f, err := gguf.Parse("vocab.gguf", data)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if err := gguf.Write(io.Discard, f.KV, f.Tensors, 0); err != nil {
			b.Fatal(err)
		}
	}
}
