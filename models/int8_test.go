package models_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/torchless-go/torchless/internal/testenv"
	"github.com/torchless-go/torchless/models"
)

// geluFixtures use GELU, which llama.cpp rounds through a float16 table
// (shared/README.md), so its logits differ from any exact GELU by ~1e-3.
var geluFixtures = map[string]bool{"gemma": true, "gemma2": true, "phi2": true}

// With LoadOptions.Int8Activations the quantized GGUFs of every fixture
// compute what llama.cpp computes: its logits (llamacpp_logits_*) to float
// rounding, about 1e-2 away from the exact product of the dequantized
// weights. mistral_swa runs without its window here, as llama.cpp does.
func TestInt8ActivationsMatchLlamaCpp(t *testing.T) {
	for _, variant := range testenv.Fixtures(t) {
		dir := testenv.Shared(t, "fixtures", variant)
		ref := expected(t, filepath.Join(dir, "expected.safetensors"))
		ids := fixtureIDs(t, dir)
		for _, q := range []string{"q8_0", "q4_0"} {
			t.Run(variant+"/"+q, func(t *testing.T) {
				checkInt8Logits(t, filepath.Join(dir, "model-"+q+".gguf"), ids,
					ref["llamacpp_logits_"+q], ref["ref_dequant_logits_"+q], geluFixtures[variant],
					variant != "phi3_longrope") // LongRoPE picks its factors by pass length
			})
		}
	}
	dir := testenv.Shared(t, "fixtures", "quants")
	ids := fixtureIDs(t, dir)
	for _, q := range []string{"q8_0", "q4_0", "q4_k", "q5_k"} {
		t.Run("quants/"+q, func(t *testing.T) {
			ref := expected(t, filepath.Join(dir, "expected-"+q+".safetensors"))
			checkInt8Logits(t, filepath.Join(dir, "model-"+q+".gguf"), ids, ref["llamacpp_logits"], ref["ref_dequant_logits"], false, true)
		})
	}
}

// checkInt8Logits compares the int8 run of path with llama.cpp's logits:
// to float rounding, or for GELU models within twice llama.cpp's own
// distance from the exact run; steps also checks a token-by-token pass.
func checkInt8Logits(t *testing.T, path string, ids []int, llamacpp, exact []float32, gelu, steps bool) {
	t.Helper()
	m, err := models.LoadAuto(path, models.LoadOptions{Lazy: true, Int8Activations: true})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	got := logitsOf(t, m, ids)
	tol := 1e-6
	if gelu {
		tol = 2 * relErr(llamacpp, exact) // llama.cpp's float16 GELU (see geluFixtures)
	}
	if e := relErr(got, llamacpp); !(e <= tol) {
		t.Errorf("batch: relative error %.3g against llama.cpp's logits > %g", e, tol)
	}
	if e := relErr(got, exact); !(e > 1e-3) {
		t.Errorf("batch: relative error %.3g against the exact dequantized run: the activations were not rounded", e)
	}
	if !steps {
		return
	}
	// One token at a time (MatVec rather than MatMul): the last position.
	s := m.NewState()
	var last []float32
	for _, id := range ids {
		if last, err = m.Forward(context.Background(), s, id); err != nil {
			t.Fatal(err)
		}
	}
	V := len(got) / len(ids)
	if e := relErr(last, llamacpp[len(llamacpp)-V:]); !(e <= tol) {
		t.Errorf("step by step: relative error %.3g against llama.cpp's last logits > %g", e, tol)
	}
}
