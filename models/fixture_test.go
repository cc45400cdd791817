package models_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/torchless-go/torchless/internal/fixture"
	"github.com/torchless-go/torchless/internal/testenv"
	"github.com/torchless-go/torchless/models"
)

func expected(t *testing.T, path string) map[string][]float32 { return fixture.Tensors(t, path) }

func fixtureIDs(t *testing.T, dir string) []int { return fixture.IDs(t, dir) }

func relErr(got, want []float32) float64 { return fixture.RelErr(got, want) }

func argmaxRows(x []float32, cols int) []int {
	var out []int
	for r := 0; r+cols <= len(x); r += cols {
		best := 0
		for j := 1; j < cols; j++ {
			if x[r+j] > x[r+best] {
				best = j
			}
		}
		out = append(out, best)
	}
	return out
}

// loadOpts are the options a fixture needs: the GGUF of mistral_swa has
// no record of its sliding window (llama.cpp ignores Mistral's window),
// so the test supplies it, as a user would.
func loadOpts(variant, file string, lazy bool) models.LoadOptions {
	o := models.LoadOptions{Lazy: lazy}
	if variant == "mistral_swa" && filepath.Ext(file) == ".gguf" {
		o.SlidingWindow = 5
	}
	return o
}

func TestFixturesMatchReference(t *testing.T) {
	for _, variant := range testenv.Fixtures(t) {
		dir := testenv.Shared(t, "fixtures", variant)
		ref := expected(t, filepath.Join(dir, "expected.safetensors"))
		ids := fixtureIDs(t, dir)
		for _, file := range []string{"hf", "model.gguf"} {
			for _, lazy := range []bool{false, true} {
				name := fmt.Sprintf("%s/%s/lazy=%v", variant, file, lazy)
				if lazy && file == "hf" && variant != "llama2" {
					continue // lazy is checked on every GGUF and one HF dir
				}
				t.Run(name, func(t *testing.T) {
					m, err := models.LoadAuto(filepath.Join(dir, file), loadOpts(variant, file, lazy))
					if err != nil {
						t.Fatal(err)
					}
					defer m.Close()
					checkAgainstReference(t, m, ids, ref, 1e-5)
				})
			}
		}
	}
}

func checkAgainstReference(t *testing.T, m models.Model, ids []int, ref map[string][]float32, tol float64) {
	t.Helper()
	cfg := m.Config()
	var names []models.HookName
	names = append(names, models.HookName{Layer: 0, Point: models.HookResidPre},
		models.HookName{Point: models.HookLnFinalNormalized})
	for l := 0; l < cfg.Layers; l++ {
		names = append(names, models.HookName{Layer: l, Point: models.HookResidPost},
			models.HookName{Layer: l, Point: models.HookPattern})
	}
	acts, logits, err := runCapture(context.Background(), m, ids, names)
	if err != nil {
		t.Fatal(err)
	}
	check := func(what string, got, want []float32) {
		t.Helper()
		if want == nil {
			t.Errorf("%s: missing from the reference", what)
			return
		}
		if e := relErr(got, want); !(e <= tol) {
			t.Errorf("%s: relative error %.3g > %.0g", what, e, tol)
		}
	}
	check("logits", logits, ref["logits"])
	V := cfg.VocabSize
	ga, wa := argmaxRows(logits, V), argmaxRows(ref["logits"], V)
	for i := range wa {
		if i < len(ga) && ga[i] != wa[i] {
			t.Errorf("argmax at position %d: %d, reference %d", i, ga[i], wa[i])
		}
	}
	check("embeddings", acts[names[0]].Data, ref["embeddings"])
	check("final_norm", acts[names[1]].Data, ref["final_norm"])
	for l := 0; l < cfg.Layers; l++ {
		check(fmt.Sprintf("residual.%d", l), acts[models.HookName{Layer: l, Point: models.HookResidPost}].Data, ref[fmt.Sprintf("residual.%d", l)])
		check(fmt.Sprintf("attn_probs.%d", l), acts[models.HookName{Layer: l, Point: models.HookPattern}].Data, ref[fmt.Sprintf("attn_probs.%d", l)])
	}
	inv, cos, sin := cfg.RopeTables(len(ids))
	check("rope_inv_freq", inv, ref["rope_inv_freq"])
	half := len(inv)
	// The reference stores cos and sin as cat(f, f): compare both halves.
	wantCos, wantSin := ref["rope_cos"], ref["rope_sin"]
	var gotCos, gotSin []float32
	for p := 0; p < len(ids); p++ {
		c, s := cos[p*half:(p+1)*half], sin[p*half:(p+1)*half]
		gotCos = append(append(gotCos, c...), c...)
		gotSin = append(append(gotSin, s...), s...)
	}
	check("rope_cos", gotCos, wantCos)
	check("rope_sin", gotSin, wantSin)
}

// runCapture runs ids as one batch from a fresh state and returns copies
// of the activations at the given hook names (missing names, such as
// hook_resid_mid on a parallel-residual model, are simply absent). It
// also returns the logits of every position.
func runCapture(ctx context.Context, m models.Model, ids []int, names []models.HookName) (map[models.HookName]*models.Activation, []float32, error) {
	cfg := m.Config()
	hooks := models.NewHooks(cfg.Layers)
	out := make(map[models.HookName]*models.Activation, len(names))
	for _, n := range names {
		if err := hooks.Add(n, func(a *models.Activation) error {
			out[a.Name] = &models.Activation{Name: a.Name, Shape: append([]int(nil), a.Shape...),
				Data: append([]float32(nil), a.Data...), Pos: a.Pos}
			return nil
		}); err != nil {
			return nil, nil, err
		}
	}
	s := m.NewState()
	s.SetHooks(hooks)
	logits, err := m.ForwardBatch(ctx, s, ids)
	if err != nil {
		return nil, nil, err
	}
	return out, append([]float32(nil), logits...), nil
}

// A llama-architecture GGUF run in its stored layout (adjacent RoPE
// pairs, permuted q/k) gives the same logits and patterns, while its
// hook_q is in llama.cpp's order.
func TestKeepGGUFLayout(t *testing.T) {
	for _, variant := range []string{"llama2", "llama3", "mistral"} {
		dir := testenv.Shared(t, "fixtures", variant)
		ref := expected(t, filepath.Join(dir, "expected.safetensors"))
		ids := fixtureIDs(t, dir)
		kept, err := models.LoadAuto(filepath.Join(dir, "model.gguf"), models.LoadOptions{KeepGGUFLayout: true})
		if err != nil {
			t.Fatal(err)
		}
		checkAgainstReference(t, kept, ids, ref, 1e-5)
		hf, err := models.LoadAuto(filepath.Join(dir, "hf"), models.LoadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		q := models.HookName{Layer: 0, Point: models.HookQ}
		a, _, err := runCapture(context.Background(), kept, ids, []models.HookName{q})
		if err != nil {
			t.Fatal(err)
		}
		b, _, err := runCapture(context.Background(), hf, ids, []models.HookName{q})
		if err != nil {
			t.Fatal(err)
		}
		// GGUF's order pairs (2i, 2i+1) what HF pairs (i, i+d/2): element 1
		// of head 0 in the kept layout is HF's element d/2.
		hd := kept.Config().HeadDim
		if relErr(a[q].Data, b[q].Data) < 1e-3 || a[q].Data[1] != b[q].Data[hd/2] {
			t.Errorf("%s: hook_q is not in llama.cpp's order", variant)
		}
	}
}
