package tokenizer

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/torchless-go/torchless/models/gguf"
)

const tinyJSON = `{"model": {"type": "BPE", "vocab": {"a": 0, "b": 1, "ab": 2, "<s>": 3}, "merges": ["a b"]},
 "added_tokens": [{"id": 3, "content": "<s>", "special": true}],
 "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": false, "use_regex": false},
 "decoder": {"type": "ByteLevel"}}`

func TestBadInput(t *testing.T) {
	tk, err := ParseTokenizerJSON([]byte(tinyJSON), nil)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := tk.Encode("ab<s>a", EncodeOptions{ParseSpecial: true}); err != nil || !equalIDs(got, []int{2, 3, 0}) {
		t.Fatalf("Encode = %v, %v; want [2 3 0]", got, err)
	}
	for _, s := range []string{"\xff", "ok\xc3", "a\xed\xa0\x80b"} {
		if _, err := tk.Encode(s, EncodeOptions{}); !errors.Is(err, ErrInvalidUTF8) {
			t.Errorf("Encode(%q): err = %v, want ErrInvalidUTF8", s, err)
		}
	}
	for _, ids := range [][]int{{-1}, {4}, {0, 1 << 40}} {
		if _, err := tk.Decode(ids, DecodeOptions{}); err == nil || !strings.Contains(err.Error(), "out of range") {
			t.Errorf("Decode(%v): err = %v, want out of range", ids, err)
		}
	}
	sd := tk.NewStreamDecoder()
	if s := sd.Add(99); s != "" || sd.Err() == nil {
		t.Errorf("stream Add(99) = %q, err %v; want an error", s, sd.Err())
	}
	if tk.Token(-1) != "" || tk.Token(99) != "" || tk.IsSpecial(99) || !tk.IsSpecial(3) {
		t.Error("accessors out of range")
	}

	bad := []struct{ name, json, want string }{
		{"unknown model type", `{"model": {"type": "Foo", "vocab": {}}}`, `unknown model.type "Foo"`},
		{"unsupported model type", `{"model": {"type": "Unigram", "vocab": []}}`, `not supported`},
		{"missing merge token", `{"model": {"type": "BPE", "vocab": {"a": 0, "b": 1, "ab": 2}, "merges": ["a c"]}}`, `"c" is not in the vocabulary`},
		{"missing merged token", `{"model": {"type": "BPE", "vocab": {"a": 0, "b": 1}, "merges": [["a", "b"]]}}`, `merged token "ab" is not in the vocabulary`},
		{"bad merge string", `{"model": {"type": "BPE", "vocab": {"a": 0}, "merges": ["a"]}}`, `merges[0]`},
		{"negative id", `{"model": {"type": "BPE", "vocab": {"a": -1}, "merges": []}}`, `out of range`},
		{"huge id", `{"model": {"type": "BPE", "vocab": {"a": 999999999999}, "merges": []}}`, `out of range`},
		{"sparse ids", `{"model": {"type": "BPE", "vocab": {"a": 9999999}, "merges": []}}`, `too sparse`},
		{"no model", `{"normalizer": null}`, `no model`},
		{"truncated", `{"model": {"type": "BPE", "vocab": {"a": 0`, `malformed`},
		{"unknown normalizer", `{"model": {"type": "BPE", "vocab": {}}, "normalizer": {"type": "Precompiled", "precompiled_charsmap": "AAAA"}}`, `normalizer type "Precompiled"`},
		{"unknown pre-tokenizer", `{"model": {"type": "BPE", "vocab": {}}, "pre_tokenizer": {"type": "UnicodeScripts"}}`, `pre_tokenizer type "UnicodeScripts"`},
		{"unknown decoder", `{"model": {"type": "BPE", "vocab": {}}, "decoder": {"type": "CTC"}}`, `decoder type "CTC"`},
		{"bad regex", `{"model": {"type": "BPE", "vocab": {}}, "pre_tokenizer": {"type": "Split", "pattern": {"Regex": "("}, "behavior": "Isolated"}}`, `regex`},
		{"bad template id", `{"model": {"type": "BPE", "vocab": {"a": 0}}, "post_processor": {"type": "TemplateProcessing", "single": [{"SpecialToken": {"id": "x"}}], "special_tokens": {"x": {"ids": [7]}}}}`, `out of range`},
	}
	for _, c := range bad {
		_, err := ParseTokenizerJSON([]byte(c.json), nil)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want it to mention %q", c.name, err, c.want)
		}
	}

	// files
	dir := t.TempDir()
	if _, err := Load(filepath.Join(dir, "nope")); err == nil {
		t.Error("Load(missing): no error")
	}
	if _, err := Load(dir); err == nil || !strings.Contains(err.Error(), "no tokenizer.json") {
		t.Errorf("Load(empty dir): %v", err)
	}
	p := filepath.Join(dir, "tokenizer.json")
	os.WriteFile(p, []byte(`{"model": {"type": "WordPiece", "vocab": {}}}`), 0o644)
	if _, err := Load(dir); err == nil || !strings.Contains(err.Error(), p) {
		t.Errorf("Load(WordPiece): err %v should name %s", err, p)
	}
	os.WriteFile(filepath.Join(dir, "x.model"), []byte{0x0a, 0xff}, 0o644)
	if _, err := Load(filepath.Join(dir, "x.model")); err == nil {
		t.Error("Load(bad tokenizer.model): no error")
	}
	os.WriteFile(filepath.Join(dir, "x.gguf"), []byte("GGUF\x03\x00\x00\x00"), 0o644)
	if _, err := Load(filepath.Join(dir, "x.gguf")); err == nil {
		t.Error("Load(truncated gguf): no error")
	}
	// a model GGUF without a vocabulary is refused clearly
	os.WriteFile(filepath.Join(dir, "x.txt"), []byte("hello"), 0o644)
	if _, err := Load(filepath.Join(dir, "x.txt")); err == nil || !strings.Contains(err.Error(), "unknown tokenizer file") {
		t.Errorf("Load(x.txt): %v", err)
	}
}

// GGUF vocabularies with bad metadata are refused with the key named.
func TestGGUFBadVocab(t *testing.T) {
	toks := gguf.Strings([]string{"a", "b", "ab"})
	cases := []struct {
		name string
		kv   []gguf.KeyValue
		want string
	}{
		{"missing merge token", []gguf.KeyValue{{Key: "tokenizer.ggml.model", Value: gguf.String("gpt2")},
			{Key: "tokenizer.ggml.tokens", Value: toks}, {Key: "tokenizer.ggml.merges", Value: gguf.Strings([]string{"a c"})}},
			`"c" is not in the vocabulary`},
		{"unknown model", []gguf.KeyValue{{Key: "tokenizer.ggml.model", Value: gguf.String("bert")},
			{Key: "tokenizer.ggml.tokens", Value: toks}}, `tokenizer.ggml.model "bert" is not supported`},
		{"unknown pre", []gguf.KeyValue{{Key: "tokenizer.ggml.model", Value: gguf.String("gpt2")},
			{Key: "tokenizer.ggml.pre", Value: gguf.String("mystery")},
			{Key: "tokenizer.ggml.tokens", Value: toks}, {Key: "tokenizer.ggml.merges", Value: gguf.Strings(nil)}},
			`tokenizer.ggml.pre "mystery"`},
		{"scores count", []gguf.KeyValue{{Key: "tokenizer.ggml.model", Value: gguf.String("llama")},
			{Key: "tokenizer.ggml.tokens", Value: toks}, {Key: "tokenizer.ggml.scores", Value: gguf.Float32s([]float32{1})}},
			`tokenizer.ggml.scores has 1 entries for 3 tokens`},
		{"types count", []gguf.KeyValue{{Key: "tokenizer.ggml.model", Value: gguf.String("llama")},
			{Key: "tokenizer.ggml.tokens", Value: toks}, {Key: "tokenizer.ggml.token_type", Value: gguf.Int32s([]int32{1})}},
			`token_type has 1 entries`},
		{"no vocab", []gguf.KeyValue{{Key: "general.architecture", Value: gguf.String("llama")}}, `no tokenizer.ggml.model`},
	}
	for _, c := range cases {
		var buf bytes.Buffer
		if err := gguf.Write(&buf, c.kv, nil, 0); err != nil {
			t.Fatal(err)
		}
		f, err := gguf.Parse(c.name+".gguf", buf.Bytes())
		if err != nil {
			t.Fatal(err)
		}
		_, err = FromGGUF(f)
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), c.name+".gguf") {
			t.Errorf("%s: err = %v, want the file and %q", c.name, err, c.want)
		}
	}
}
