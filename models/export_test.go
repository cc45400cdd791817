package models_test

import (
	"path/filepath"
	"testing"

	"github.com/torchless-go/torchless/internal/testenv"
	"github.com/torchless-go/torchless/models"
	"github.com/torchless-go/torchless/models/weights"
)

// A model.bin written from a fixture's HF weights gives the HF numbers:
// exactly in f32, within int8's quantization error in int8.
func TestModelBinFromHF(t *testing.T) {
	for _, variant := range []string{"llama2", "mistral_swa", "qwen2", "gemma2", "phi2"} {
		dir := testenv.Shared(t, "fixtures", variant)
		ref := expected(t, filepath.Join(dir, "expected.safetensors"))
		ids := fixtureIDs(t, dir)
		for _, int8 := range []bool{false, true} {
			src, err := models.Open(filepath.Join(dir, "hf"), weights.Eager)
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(t.TempDir(), "model.bin")
			if err := models.ExportModelBin(src, path, int8); err != nil {
				t.Fatal(err)
			}
			src.Close()
			m, err := models.LoadAuto(path, models.LoadOptions{Lazy: int8})
			if err != nil {
				t.Fatalf("%s int8=%v: %v", variant, int8, err)
			}
			if m.Architecture() != models.Architecture(variantArch[variant]) {
				t.Errorf("%s: detected %s", variant, m.Architecture())
			}
			if !int8 {
				checkAgainstReference(t, m, ids, ref, 1e-5)
			} else if e := relErr(logitsOf(t, m, ids), ref["logits"]); !(e <= 0.1) { // 8-bit weights through up to 26 layers
				t.Errorf("%s int8: logits relative error %.3g > 0.1", variant, e)
			}
			m.Close()
		}
	}
}

var variantArch = map[string]string{"llama2": "llama", "mistral_swa": "mistral", "qwen2": "qwen2", "gemma2": "gemma2", "phi2": "phi2"}
