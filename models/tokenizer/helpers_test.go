package tokenizer

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/torchless-go/torchless/internal/testenv"
)

// cacheDir is where .ci/fetch-tokenizers puts the tokref tokenizer files.
func cacheDir() string {
	if c := os.Getenv("TORCHLESS_CACHE"); c != "" {
		return c
	}
	home, _ := os.UserHomeDir()
	return filepath.Join(home, ".cache", "torchless")
}

var (
	loadMu    sync.Mutex
	loadCache = map[string]*Tokenizer{}
)

// loadOnce loads the tokenizer at path once per test binary.
func loadOnce(t testing.TB, path string) *Tokenizer {
	t.Helper()
	loadMu.Lock()
	defer loadMu.Unlock()
	if tk, ok := loadCache[path]; ok {
		return tk
	}
	tk, err := Load(path)
	if err != nil {
		t.Fatalf("Load(%s): %v", path, err)
	}
	loadCache[path] = tk
	return tk
}

// tokrefTokenizer returns the tokenizer of a tokref name: the npm files in
// the cache, or the llama-spm vocab GGUF.
func tokrefTokenizer(t testing.TB, name string) *Tokenizer {
	t.Helper()
	if name == "llama-spm" {
		return loadOnce(t, testenv.Shared(t, "vocab", "ggml-vocab-llama-spm.gguf"))
	}
	p := filepath.Join(cacheDir(), "tokref", name, "tokenizer.json")
	if _, err := os.Stat(p); err != nil {
		if testenv.Required() {
			t.Fatalf("%s missing (run .ci/fetch-tokenizers); TORCHLESS_REQUIRE_FIXTURES=1", p)
		}
		t.Skipf("%s missing (run .ci/fetch-tokenizers)", p)
	}
	return loadOnce(t, p)
}

// readInp splits a llama.cpp-format test file into its strings.
func readInp(t testing.TB, path string) []string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(string(data), "\n__ggml_vocab_test__\n")
	if len(parts) > 0 && parts[len(parts)-1] == "" {
		parts = parts[:len(parts)-1]
	}
	return parts
}

// readOut reads one line of ids per string.
func readOut(t testing.TB, path string) [][]int {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(data), "\n")
	if len(lines) > 0 && lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	out := make([][]int, len(lines))
	for i, l := range lines {
		out[i] = []int{}
		for _, f := range strings.Fields(l) {
			v, err := strconv.Atoi(f)
			if err != nil {
				t.Fatalf("%s line %d: %v", path, i+1, err)
			}
			out[i] = append(out[i], v)
		}
	}
	return out
}

func readJSON(t testing.TB, path string, v any) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	d := json.NewDecoder(bytes.NewReader(data))
	if err := d.Decode(v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

func equalIDs(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func sprintf(format string, args ...any) string { return fmt.Sprintf(format, args...) }
