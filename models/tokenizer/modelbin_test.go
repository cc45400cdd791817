package tokenizer

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/torchless-go/torchless/internal/testenv"
	"github.com/torchless-go/torchless/models/modelbin"
)

// model.bin files written with the fixtures' vocab and merges give the
// fixtures' python_tokenization.
func TestModelBin(t *testing.T) {
	for _, c := range []struct{ fixture, modelType string }{{"llama2", "llama"}, {"mistral", "mistral"}, {"qwen2", "qwen2"}, {"llama3", "llama"}, {"phi2", "phi"}} {
		t.Run(c.fixture, func(t *testing.T) {
			dir := testenv.Shared(t, "fixtures", c.fixture)
			data, err := os.ReadFile(filepath.Join(dir, "hf", "tokenizer.json"))
			if err != nil {
				t.Fatal(err)
			}
			var j struct {
				Model struct {
					Vocab  map[string]int    `json:"vocab"`
					Merges []json.RawMessage `json:"merges"`
				} `json:"model"`
				Added []struct {
					ID      int    `json:"id"`
					Content string `json:"content"`
				} `json:"added_tokens"`
			}
			if err := json.Unmarshal(data, &j); err != nil {
				t.Fatal(err)
			}
			tok := &modelbin.Tokenizer{Vocab: j.Model.Vocab}
			for _, a := range j.Added {
				tok.Vocab[a.Content] = a.ID
			}
			for _, m := range j.Model.Merges {
				var s string
				var pair []string
				if json.Unmarshal(m, &s) != nil {
					if err := json.Unmarshal(m, &pair); err != nil {
						t.Fatal(err)
					}
					s = pair[0] + " " + pair[1]
				}
				tok.Merges = append(tok.Merges, s)
			}
			p := filepath.Join(t.TempDir(), "model.bin")
			if err := modelbin.WriteFile(p, map[string]string{"model_type": c.modelType}, nil, tok); err != nil {
				t.Fatal(err)
			}
			tk, err := Load(filepath.Dir(p))
			if err != nil {
				t.Fatal(err)
			}
			var tj tokensJSON
			readJSON(t, filepath.Join(dir, "tokens.json"), &tj)
			ids, err := tk.Encode(tj.Text, EncodeOptions{AddSpecial: tj.AddBOS, ParseSpecial: true})
			if err != nil {
				t.Fatal(err)
			}
			if !equalIDs(ids, tj.IDs) {
				t.Errorf("got %v\nwant %v", ids, tj.IDs)
			}
			if s, _ := tk.Decode(ids, DecodeOptions{SkipSpecial: true}); s != tj.Text {
				t.Errorf("decode %q", s)
			}
		})
	}
}
