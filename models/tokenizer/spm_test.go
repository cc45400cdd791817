package tokenizer

import (
	"encoding/base64"
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/torchless-go/torchless/internal/testenv"
)

// protobuf writer helpers for building tokenizer.model files in tests.
func pbKey(b []byte, field, wt int) []byte { return binary.AppendUvarint(b, uint64(field<<3|wt)) }

func pbBytes(b []byte, field int, p []byte) []byte {
	b = pbKey(b, field, 2)
	b = binary.AppendUvarint(b, uint64(len(p)))
	return append(b, p...)
}

func pbVarint(b []byte, field int, v uint64) []byte {
	return binary.AppendUvarint(pbKey(b, field, 0), v)
}

// writeSentencePiece encodes a SentencePiece ModelProto (BPE).
func writeSentencePiece(pieces []string, scores []float32, types []int32, addDummyPrefix bool) []byte {
	var out []byte
	for i, p := range pieces {
		var sp []byte
		sp = pbBytes(sp, 1, []byte(p))
		sp = pbKey(sp, 2, 5)
		sp = binary.LittleEndian.AppendUint32(sp, math.Float32bits(scores[i]))
		sp = pbVarint(sp, 3, uint64(types[i]))
		out = pbBytes(out, 1, sp)
	}
	var tr []byte
	tr = pbVarint(tr, 3, 2)  // BPE
	tr = pbVarint(tr, 35, 1) // byte_fallback
	tr = pbVarint(tr, 40, 0)
	tr = pbVarint(tr, 43, uint64(0xFFFFFFFFFFFFFFFF)) // pad_id -1
	out = pbBytes(out, 2, tr)
	var ns []byte
	ns = pbBytes(ns, 1, []byte("identity"))
	d := uint64(0)
	if addDummyPrefix {
		d = 1
	}
	ns = pbVarint(ns, 3, d)
	return pbBytes(out, 3, ns)
}

// tokenizer.model files made from the fixtures' GGUF vocabularies give the
// fixtures' python_tokenization.
func TestSentencePieceModelFixtures(t *testing.T) {
	for _, v := range []string{"llama2", "gemma", "phi3", "mistral"} {
		t.Run(v, func(t *testing.T) {
			dir := testenv.Shared(t, "fixtures", v)
			f := openGGUF(t, filepath.Join(dir, "model.gguf"))
			defer f.Close()
			toks, _ := f.GetStrings("tokenizer.ggml.tokens")
			scores, _ := f.GetFloat32s("tokenizer.ggml.scores")
			types, _ := f.GetInt32s("tokenizer.ggml.token_type")
			prefix := true
			if b, ok := f.GetBool("tokenizer.ggml.add_space_prefix"); ok {
				prefix = b
			}
			tmp := t.TempDir()
			if err := os.WriteFile(filepath.Join(tmp, "tokenizer.model"), writeSentencePiece(toks, scores, types, prefix), 0o644); err != nil {
				t.Fatal(err)
			}
			cfg, err := os.ReadFile(filepath.Join(dir, "hf", "tokenizer_config.json"))
			if err != nil {
				t.Fatal(err)
			}
			os.WriteFile(filepath.Join(tmp, "tokenizer_config.json"), cfg, 0o644)
			tk, err := Load(tmp)
			if err != nil {
				t.Fatal(err)
			}
			if tk.Source() != "tokenizer.model" {
				t.Errorf("Source() = %q", tk.Source())
			}
			var tj tokensJSON
			readJSON(t, filepath.Join(dir, "tokens.json"), &tj)
			got, err := tk.EncodeDefault(tj.Text)
			if err != nil {
				t.Fatal(err)
			}
			if !equalIDs(got, tj.IDs) {
				t.Errorf("got %v\nwant %v", got, tj.IDs)
			}
			if text, _ := tk.Decode(got, DecodeOptions{SkipSpecial: true}); text != tj.Text {
				t.Errorf("decode %q", text)
			}
		})
	}
}

// The llama-spm vocabulary as a tokenizer.model reproduces llama.cpp's
// vectors (SentencePiece's own algorithm: merges by piece score).
func TestSentencePieceModelLlamaVectors(t *testing.T) {
	g := testenv.Shared(t, "vocab", "ggml-vocab-llama-spm.gguf")
	f := openGGUF(t, g)
	defer f.Close()
	toks, _ := f.GetStrings("tokenizer.ggml.tokens")
	scores, _ := f.GetFloat32s("tokenizer.ggml.scores")
	types, _ := f.GetInt32s("tokenizer.ggml.token_type")
	tk, err := ParseSentencePiece(writeSentencePiece(toks, scores, types, true), nil)
	if err != nil {
		t.Fatal(err)
	}
	if tk.BOS() != 1 || tk.EOS() != 2 || tk.UNK() != 0 || tk.PAD() != -1 || !tk.AddBOS() {
		t.Errorf("specials: bos %d eos %d unk %d pad %d addBOS %v", tk.BOS(), tk.EOS(), tk.UNK(), tk.PAD(), tk.AddBOS())
	}
	compareVectors(t, tk, g+".inp", g+".out", false)
}

func TestSentencePieceModelErrors(t *testing.T) {
	good := writeSentencePiece([]string{"<unk>", "a"}, []float32{0, -1}, []int32{2, 1}, true)
	if _, err := ParseSentencePiece(good, nil); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < len(good); i++ {
		// every truncation either parses (a shorter valid message) or errors; never panics
		_, _ = ParseSentencePiece(good[:i], nil)
	}
	unigram := pbBytes(pbBytes(nil, 1, pbBytes(nil, 1, []byte("a"))), 2, pbVarint(nil, 3, 1))
	if _, err := ParseSentencePiece(unigram, nil); err == nil || !strings.Contains(err.Error(), "UNIGRAM") {
		t.Errorf("unigram: %v", err)
	}
	badLen := []byte{0x0a, 0xff, 0xff, 0xff, 0x0f}
	if _, err := ParseSentencePiece(badLen, nil); err == nil || !strings.Contains(err.Error(), "exceeds") {
		t.Errorf("bad length: %v", err)
	}
	badType := pbBytes(nil, 1, pbVarint(pbBytes(nil, 1, []byte("a")), 3, 9))
	if _, err := ParseSentencePiece(badType, nil); err == nil || !strings.Contains(err.Error(), "unknown type") {
		t.Errorf("bad type: %v", err)
	}
	group := []byte{0x0b}
	if _, err := ParseSentencePiece(group, nil); err == nil || !strings.Contains(err.Error(), "wire type") {
		t.Errorf("group: %v", err)
	}
}

// writeTiktoken writes a qwen.tiktoken file from a byte-level vocabulary.
func writeTiktoken(t *testing.T, path string, tk *Tokenizer, n int) {
	t.Helper()
	var sb strings.Builder
	ids := make([]int, 0, n)
	for id := 0; id < n; id++ {
		ids = append(ids, id)
	}
	sort.Ints(ids)
	for _, id := range ids {
		raw := byteLevelDecode(nil, tk.Token(id))
		sb.WriteString(base64.StdEncoding.EncodeToString(raw) + " " + strconv.Itoa(id) + "\n")
	}
	if err := os.WriteFile(path, []byte(sb.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

// Qwen 1's tiktoken path: the qwen1 fixture's vocabulary as qwen.tiktoken
// gives its python_tokenization, and Qwen 3's vocabulary as qwen.tiktoken
// gives llama.cpp's qwen2 vectors.
func TestTiktoken(t *testing.T) {
	t.Run("qwen1", func(t *testing.T) {
		dir := testenv.Shared(t, "fixtures", "qwen1")
		ref := loadOnce(t, filepath.Join(dir, "hf"))
		tmp := t.TempDir()
		writeTiktoken(t, filepath.Join(tmp, "qwen.tiktoken"), ref, 381)
		tk, err := Load(tmp)
		if err != nil {
			t.Fatal(err)
		}
		if tk.Source() != "tiktoken" || tk.EOS() != 381 || tk.BOS() != -1 {
			t.Errorf("source %q eos %d bos %d", tk.Source(), tk.EOS(), tk.BOS())
		}
		if id, _ := tk.ID("<|im_end|>"); id != 383 || !tk.IsSpecial(383) {
			t.Errorf("<|im_end|> = %d", id)
		}
		var tj tokensJSON
		readJSON(t, filepath.Join(dir, "tokens.json"), &tj)
		got, err := tk.EncodeDefault(tj.Text)
		if err != nil {
			t.Fatal(err)
		}
		if !equalIDs(got, tj.IDs) {
			t.Errorf("got %v\nwant %v", got, tj.IDs)
		}
		if got, _ := tk.EncodeDefault("<|im_start|>user"); len(got) == 0 || got[0] != 382 {
			t.Errorf("special text: %v", got)
		}
	})
	t.Run("qwen3-vocab", func(t *testing.T) {
		ref := tokrefTokenizer(t, "qwen3")
		tmp := t.TempDir()
		writeTiktoken(t, filepath.Join(tmp, "qwen.tiktoken"), ref, 151643)
		tk, err := Load(filepath.Join(tmp, "qwen.tiktoken"))
		if err != nil {
			t.Fatal(err)
		}
		inp := testenv.Shared(t, "vocab", "ggml-vocab-qwen2.gguf.inp")
		compareVectors(t, tk, inp, strings.TrimSuffix(inp, ".inp")+".out", false)
	})
}

// With legacy=false in tokenizer_config.json, "▁" is prepended only at the
// start of the input, not after special tokens.
func TestSentencePieceLegacyFalse(t *testing.T) {
	g := testenv.Shared(t, "vocab", "ggml-vocab-llama-spm.gguf")
	f := openGGUF(t, g)
	defer f.Close()
	toks, _ := f.GetStrings("tokenizer.ggml.tokens")
	scores, _ := f.GetFloat32s("tokenizer.ggml.scores")
	types, _ := f.GetInt32s("tokenizer.ggml.token_type")
	model := writeSentencePiece(toks, scores, types, true)
	legacy, err := ParseSentencePiece(model, []byte(`{"legacy": true}`))
	if err != nil {
		t.Fatal(err)
	}
	modern, err := ParseSentencePiece(model, []byte(`{"legacy": false}`))
	if err != nil {
		t.Fatal(err)
	}
	hello, _ := legacy.ID("▁Hello")
	a, _ := legacy.Encode("<s>Hello", EncodeOptions{ParseSpecial: true})
	b, _ := modern.Encode("<s>Hello", EncodeOptions{ParseSpecial: true})
	if !equalIDs(a, []int{1, hello}) {
		t.Errorf("legacy: %v", a)
	}
	if len(b) < 2 || b[0] != 1 || b[1] == hello {
		t.Errorf("legacy=false: %v (no ▁ after <s>)", b)
	}
	c, _ := modern.Encode("Hello", EncodeOptions{})
	if !equalIDs(c, []int{hello}) {
		t.Errorf("legacy=false at the start: %v", c)
	}
}
