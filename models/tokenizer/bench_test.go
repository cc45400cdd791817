package tokenizer

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func benchPath(b *testing.B, name string) string {
	p := filepath.Join(cacheDir(), "tokref", name, "tokenizer.json")
	if _, err := os.Stat(p); err != nil {
		b.Skip(p + " missing")
	}
	return p
}

// BenchmarkLoadGemma3 loads the 262k-token Gemma 3 tokenizer.json.
func BenchmarkLoadGemma3(b *testing.B) {
	p := benchPath(b, "gemma3")
	for b.Loop() {
		if _, err := Load(p); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLoadLlama3 loads Llama 3's tokenizer.json (128k tokens, 280k merges).
func BenchmarkLoadLlama3(b *testing.B) {
	p := benchPath(b, "llama3")
	for b.Loop() {
		if _, err := Load(p); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEncodeLongWord encodes one 20,000-character word with Gemma 3
// (no pre-tokenizer split: the whole input is one BPE word).
func BenchmarkEncodeLongWord(b *testing.B) {
	tk, err := Load(benchPath(b, "gemma3"))
	if err != nil {
		b.Fatal(err)
	}
	text := strings.Repeat("abcdefghij", 2000)
	b.ResetTimer()
	for b.Loop() {
		if _, err := tk.Encode(text, EncodeOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEncodeLlama3 encodes English prose with Llama 3.
func BenchmarkEncodeLlama3(b *testing.B) {
	tk, err := Load(benchPath(b, "llama3"))
	if err != nil {
		b.Fatal(err)
	}
	text := strings.Repeat("The quick brown fox jumps over the lazy dog. ", 100)
	b.ResetTimer()
	for b.Loop() {
		if _, err := tk.Encode(text, EncodeOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}
