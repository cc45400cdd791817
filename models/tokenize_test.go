package models_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/torchless-go/torchless/internal/testenv"
	"github.com/torchless-go/torchless/models"
)

// Every fixture's text encodes to its python_tokenization from hf/ and
// from model.gguf, through the model's own Encode.
func TestModelEncodeFixtures(t *testing.T) {
	for _, variant := range testenv.Fixtures(t) {
		dir := testenv.Shared(t, "fixtures", variant)
		data, err := os.ReadFile(filepath.Join(dir, "tokens.json"))
		if err != nil {
			t.Fatal(err)
		}
		var tj struct {
			Text               string `json:"text"`
			PythonTokenization []int  `json:"python_tokenization"`
		}
		if err := json.Unmarshal(data, &tj); err != nil {
			t.Fatal(err)
		}
		for _, file := range []string{"hf", "model.gguf"} {
			m, err := models.LoadAuto(filepath.Join(dir, file), models.LoadOptions{Lazy: true})
			if err != nil {
				t.Fatal(err)
			}
			ids, err := m.Encode(tj.Text)
			if err != nil {
				t.Errorf("%s/%s: %v", variant, file, err)
			} else if !slices.Equal(ids, tj.PythonTokenization) {
				t.Errorf("%s/%s: Encode(%q) = %v, want %v", variant, file, tj.Text, ids, tj.PythonTokenization)
			}
			m.Close()
		}
	}
}

func TestEmbeddedModel(t *testing.T) {
	m, err := models.LoadEmbedded()
	if err != nil {
		t.Fatal(err)
	}
	ids, err := m.Encode("The quick brown fox")
	if err != nil {
		t.Fatal(err)
	}
	text, err := m.Decode(ids)
	if err != nil || text != "<s> The quick brown fox" && text != "<s>The quick brown fox" {
		t.Errorf("Decode(Encode) = %q, %v", text, err)
	}
	// The embedded model is fixtures/llama2: same logits as the file.
	dir := testenv.Shared(t, "fixtures", "llama2")
	ref := expected(t, filepath.Join(dir, "expected.safetensors"))
	if e := relErr(logitsOf(t, m, fixtureIDs(t, dir)), ref["logits"]); !(e <= 1e-5) {
		t.Errorf("embedded logits: relative error %.3g", e)
	}
}
