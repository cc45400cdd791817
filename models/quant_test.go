package models_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/torchless-go/torchless/internal/testenv"
	"github.com/torchless-go/torchless/models"
)

// logitsOf runs ids as one batch and returns every position's logits.
func logitsOf(t *testing.T, m models.Model, ids []int) []float32 {
	t.Helper()
	logits, err := m.ForwardBatch(context.Background(), m.NewState(), ids)
	if err != nil {
		t.Fatal(err)
	}
	return logits
}

// The quantized GGUFs of every fixture agree with the reference run on
// their dequantized weights.
func TestQuantizedFixtures(t *testing.T) {
	for _, variant := range testenv.Fixtures(t) {
		dir := testenv.Shared(t, "fixtures", variant)
		ref := expected(t, filepath.Join(dir, "expected.safetensors"))
		ids := fixtureIDs(t, dir)
		for _, q := range []string{"q8_0", "q4_0"} {
			file := "model-" + q + ".gguf"
			t.Run(variant+"/"+q, func(t *testing.T) {
				m, err := models.LoadAuto(filepath.Join(dir, file), loadOpts(variant, file, true))
				if err != nil {
					t.Fatal(err)
				}
				defer m.Close()
				want := ref["ref_dequant_logits_"+q]
				if e := relErr(logitsOf(t, m, ids), want); !(e <= 1e-4) {
					t.Errorf("logits: relative error %.3g > 1e-4", e)
				}
			})
		}
	}
}

// fixtures/quants: one model in every GGUF weight type.
func TestQuantsEveryType(t *testing.T) {
	dir := testenv.Shared(t, "fixtures", "quants")
	ids := fixtureIDs(t, dir)
	for _, typ := range []string{"f32", "f16", "bf16", "q8_0", "q6_k", "q5_k", "q5_1", "q5_0", "q4_k", "q4_1", "q4_0", "q3_k", "q2_k"} {
		t.Run(typ, func(t *testing.T) {
			file, key := "model-"+typ+".gguf", "ref_dequant_logits"
			if typ == "f32" {
				file = "model.gguf" // its expected file's ref_dequant_logits is the f32 reference
			}
			ref := expected(t, filepath.Join(dir, fmt.Sprintf("expected-%s.safetensors", typ)))
			m, err := models.LoadAuto(filepath.Join(dir, file), models.LoadOptions{Lazy: true})
			if err != nil {
				t.Fatal(err)
			}
			defer m.Close()
			tol := 1e-4
			if typ == "f32" {
				tol = 1e-5
			}
			if e := relErr(logitsOf(t, m, ids), ref[key]); !(e <= tol) {
				t.Errorf("%s: relative error %.3g > %g", key, e, tol)
			}
		})
	}
}
