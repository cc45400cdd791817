package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/torchless-go/torchless/internal/testenv"
)

func tokenize(t *testing.T, stdin string, args ...string) string {
	t.Helper()
	var out bytes.Buffer
	if err := tokenizeMain(context.Background(), args, strings.NewReader(stdin), &out); err != nil {
		t.Fatalf("tokenize %v: %v", args, err)
	}
	return out.String()
}

// --inp on llama.cpp's vocab test files reproduces their .out files.
func TestTokenizeInp(t *testing.T) {
	for _, name := range []string{"llama-spm", "phi-3", "gpt-2"} {
		dir := testenv.Shared(t, "vocab")
		gguf := filepath.Join(dir, "ggml-vocab-"+name+".gguf")
		want, err := os.ReadFile(gguf + ".out")
		if err != nil {
			t.Fatal(err)
		}
		got := tokenize(t, "", "--model", gguf, "--inp", gguf+".inp")
		if strings.TrimRight(got, "\n") != strings.TrimRight(string(want), "\n") {
			t.Errorf("%s: --inp output differs from .out", name)
		}
	}
}

func TestTokenizeRoundTrip(t *testing.T) {
	dir := filepath.Join(testenv.Shared(t, "models", "stories260K"), "hf")
	ids := strings.TrimSpace(tokenize(t, "", "--model", dir, "--text", "Once upon a time", "--add-special"))
	if ids != "1 403 407 261 378" {
		t.Errorf("ids %q", ids)
	}
	text := tokenize(t, "", "--model", dir, "--decode", "403,407,261,378")
	if strings.TrimSpace(text) != "Once upon a time" {
		t.Errorf("decode %q", text)
	}
	// stdin, and special text kept literal with --parse-special=false.
	with := strings.TrimSpace(tokenize(t, "<s>Once", "--model", dir))
	without := strings.TrimSpace(tokenize(t, "<s>Once", "--model", dir, "--parse-special=false"))
	if !strings.HasPrefix(with, "1 ") || strings.HasPrefix(without, "1 ") {
		t.Errorf("parse-special: %q vs %q", with, without)
	}
}
