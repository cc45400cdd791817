package tokenizer

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/torchless-go/torchless/internal/testenv"
)

// llama.cpp's vectors with their own vocab-only GGUF files.
func TestLlamaCppVocabGGUF(t *testing.T) {
	for _, name := range []string{"llama-spm", "gpt-2", "phi-3"} {
		t.Run(name, func(t *testing.T) {
			g := testenv.Shared(t, "vocab", "ggml-vocab-"+name+".gguf")
			tk := loadOnce(t, g)
			compareVectors(t, tk, g+".inp", g+".out", false)
		})
	}
}

// llama.cpp's llama-bpe and qwen2 vectors with the tokref tokenizer.json
// files of Llama 3 and Qwen 3.
func TestLlamaCppVectorsTokenizerJSON(t *testing.T) {
	for _, c := range []struct{ tok, vec string }{{"llama3", "llama-bpe"}, {"qwen3", "qwen2"}} {
		t.Run(c.vec, func(t *testing.T) {
			tk := tokrefTokenizer(t, c.tok)
			inp := testenv.Shared(t, "vocab", "ggml-vocab-"+c.vec+".gguf.inp")
			out := testenv.Shared(t, "vocab", "ggml-vocab-"+c.vec+".gguf.out")
			compareVectors(t, tk, inp, out, false)
		})
	}
}

type tokensJSON struct {
	Text   string `json:"text"`
	AddBOS bool   `json:"add_bos"`
	IDs    []int  `json:"python_tokenization"`
}

// Each fixture's tokens.json from hf/ (tokenizer.json + config) and from
// model.gguf, plus stories260K.
func TestFixtureTokens(t *testing.T) {
	dirs := map[string]string{}
	for _, v := range testenv.Fixtures(t) {
		dirs[v] = testenv.Shared(t, "fixtures", v)
	}
	dirs["quants"] = testenv.Shared(t, "fixtures", "quants")
	dirs["stories260K"] = testenv.Shared(t, "models", "stories260K")
	for v, dir := range dirs {
		t.Run(v, func(t *testing.T) {
			var tj tokensJSON
			readJSON(t, filepath.Join(dir, "tokens.json"), &tj)
			if len(tj.IDs) == 0 {
				t.Fatal("empty python_tokenization")
			}
			srcs := []string{filepath.Join(dir, "hf"), filepath.Join(dir, "model.gguf")}
			for _, src := range srcs {
				if _, err := os.Stat(src); err != nil {
					if src == srcs[0] || testenv.Required() {
						t.Errorf("%s missing", src)
					}
					continue
				}
				tk, err := Load(src)
				if err != nil {
					t.Errorf("Load(%s): %v", src, err)
					continue
				}
				if tk.AddBOS() != tj.AddBOS {
					t.Errorf("%s: AddBOS() = %v, tokens.json add_bos = %v", src, tk.AddBOS(), tj.AddBOS)
				}
				got, err := tk.EncodeDefault(tj.Text)
				if err != nil {
					t.Fatal(err)
				}
				if !equalIDs(got, tj.IDs) {
					t.Errorf("%s:\n got %v\nwant %v", src, got, tj.IDs)
				}
				// and back
				text, err := tk.Decode(got, DecodeOptions{SkipSpecial: true})
				if err != nil {
					t.Fatal(err)
				}
				if text != tj.Text {
					t.Errorf("%s: decode = %q, want %q", src, text, tj.Text)
				}
			}
		})
	}
}

// stories260K's greedy continuation: the prompt encodes to prompt_ids and
// the ids decode (whole and streamed) to the recorded text, from hf/ and
// from model.gguf.
func TestStories260KGreedyText(t *testing.T) {
	dir := testenv.Shared(t, "models", "stories260K")
	var g struct {
		Prompt        string `json:"prompt"`
		PromptIDs     []int  `json:"prompt_ids"`
		GeneratedIDs  []int  `json:"generated_ids"`
		GeneratedText string `json:"generated_text"`
		FullText      string `json:"full_text"`
	}
	readJSON(t, filepath.Join(dir, "greedy.json"), &g)
	for _, src := range []string{filepath.Join(dir, "hf"), filepath.Join(dir, "model.gguf")} {
		tk := loadOnce(t, src)
		ids, err := tk.EncodeDefault(g.Prompt)
		if err != nil {
			t.Fatal(err)
		}
		if !equalIDs(ids, g.PromptIDs) {
			t.Errorf("%s: prompt ids %v, want %v", src, ids, g.PromptIDs)
		}
		all := append(append([]int(nil), g.PromptIDs...), g.GeneratedIDs...)
		full, err := tk.Decode(all, DecodeOptions{SkipSpecial: true})
		if err != nil {
			t.Fatal(err)
		}
		if full != g.FullText {
			t.Errorf("%s: full text %q, want %q", src, full, g.FullText)
		}
		// streaming the generated ids after the prompt gives generated_text
		sd := tk.NewStreamDecoderOptions(DecodeOptions{SkipSpecial: true})
		for _, id := range g.PromptIDs {
			sd.Add(id)
		}
		var sb strings.Builder
		for _, id := range g.GeneratedIDs {
			sb.WriteString(sd.Add(id))
		}
		sb.WriteString(sd.Flush())
		if sb.String() != g.GeneratedText {
			t.Errorf("%s: streamed %q, want %q", src, sb.String(), g.GeneratedText)
		}
	}
}
