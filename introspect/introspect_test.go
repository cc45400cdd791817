package introspect_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/torchless-go/torchless/internal/fixture"
	"github.com/torchless-go/torchless/internal/testenv"
	"github.com/torchless-go/torchless/introspect"
	"github.com/torchless-go/torchless/models"
)

var ctx = context.Background()

func load(t testing.TB, variant, file string) (models.Model, []int) {
	t.Helper()
	dir := testenv.Shared(t, "fixtures", variant)
	m, err := models.LoadAuto(filepath.Join(dir, file), models.LoadOptions{Lazy: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m, fixture.IDs(t, dir)
}

func maxDiff(a, b []float32) float64 {
	if len(a) != len(b) {
		return math.Inf(1)
	}
	var d float64
	for i := range a {
		d = math.Max(d, math.Abs(float64(a[i]-b[i])))
	}
	return d
}

func maxAbs(a []float32) float64 {
	var m float64
	for _, v := range a {
		m = math.Max(m, math.Abs(float64(v)))
	}
	return m
}

// On every fixture: captures match the reference; the residual identities
// hold; self-patching reproduces the logits; ablating every head equals
// replacing attn_out by its bias; the lens at the last layer is the
// model's logits; head contributions sum to attn_out.
func TestFixtureIdentities(t *testing.T) {
	for _, variant := range testenv.Fixtures(t) {
		t.Run(variant, func(t *testing.T) {
			m, ids := load(t, variant, "hf")
			cfg := m.Config()
			ref := fixture.Tensors(t, filepath.Join(testenv.Shared(t, "fixtures", variant), "expected.safetensors"))
			c, err := introspect.RunWithCache(ctx, m, ids, introspect.CaptureOptions{Rope: true})
			if err != nil {
				t.Fatal(err)
			}
			check := func(what string, got, want []float32, tol float64) {
				t.Helper()
				if e := fixture.RelErr(got, want); !(e <= tol) {
					t.Errorf("%s: relative error %.3g > %g", what, e, tol)
				}
			}
			check("logits", c.Logits.Data, ref["logits"], 1e-5)
			check("hook_embed", c.Get("hook_embed").Data, ref["embeddings"], 1e-5)
			check("rope.inv_freq", c.Get("rope.inv_freq").Data, ref["rope_inv_freq"], 1e-5)
			for l := 0; l < cfg.Layers; l++ {
				check(fmt.Sprint("resid_post ", l), c.At(l, models.HookResidPost).Data, ref[fmt.Sprint("residual.", l)], 1e-5)
				check(fmt.Sprint("pattern ", l), c.At(l, models.HookPattern).Data, ref[fmt.Sprint("attn_probs.", l)], 1e-5)

				pre, attn, mlp, post := c.At(l, models.HookResidPre), c.At(l, models.HookAttnOut), c.At(l, models.HookMLPOut), c.At(l, models.HookResidPost)
				sum := make([]float32, len(pre.Data))
				for i := range sum {
					sum[i] = pre.Data[i] + attn.Data[i]
				}
				if mid := c.At(l, models.HookResidMid); m.Description().ParallelResidual {
					if mid != nil {
						t.Errorf("parallel residual model has %s", mid.Name)
					}
				} else if d := maxDiff(sum, mid.Data); d > 1e-6*math.Max(1, maxAbs(mid.Data)) {
					t.Errorf("layer %d: resid_pre + attn_out − resid_mid = %.3g", l, d)
				}
				for i := range sum {
					sum[i] += mlp.Data[i]
				}
				if d := maxDiff(sum, post.Data); d > 1e-6*math.Max(1, maxAbs(post.Data)) {
					t.Errorf("layer %d: resid_pre + attn_out + mlp_out − resid_post = %.3g", l, d)
				}

				heads, rest, err := introspect.HeadOutputs(m, c, l)
				if err != nil {
					t.Fatal(err)
				}
				total := append([]float32(nil), rest...)
				for _, h := range heads {
					for i := range total {
						total[i] += h[i]
					}
				}
				if e := fixture.RelErr(total, attn.Data); e > 1e-5 {
					t.Errorf("layer %d: Σ head outputs vs attn_out: %.3g", l, e)
				}
			}

			// Patching every hook_resid_pre and hook_z with the run's own
			// values changes nothing.
			patched, err := introspect.RunWithHooks(ctx, m, ids,
				introspect.PatchActivation("blocks.*.hook_resid_pre", c, nil),
				introspect.PatchActivation("blocks.*.attn.hook_z", c, nil))
			if err != nil {
				t.Fatal(err)
			}
			if d := maxDiff(patched, c.Logits.Data); d != 0 {
				t.Errorf("self-patching changed the logits by %g", d)
			}

			// Zero-ablating every head of layer 0 = replacing its attn_out by
			// what is left without heads (the output bias, post-normed).
			all := make([]int, cfg.Heads)
			for h := range all {
				all[h] = h
			}
			ablated, err := introspect.RunWithHooks(ctx, m, ids, introspect.ZeroAblateHeads(0, all...))
			if err != nil {
				t.Fatal(err)
			}
			_, rest, _ := introspect.HeadOutputs(m, c, 0)
			replaced, err := introspect.RunWithHooks(ctx, m, ids, introspect.Hook("blocks.0.hook_attn_out", func(a *models.Activation) error {
				copy(a.Data, rest)
				return nil
			}))
			if err != nil {
				t.Fatal(err)
			}
			if e := fixture.RelErr(ablated, replaced); e > 1e-6 {
				t.Errorf("ablating all heads vs zeroing attn_out: %.3g", e)
			}

			lens, err := introspect.LogitLens(m, c, 3, true)
			if err != nil {
				t.Fatal(err)
			}
			if e := fixture.RelErr(lens.Logits[cfg.Layers-1], c.Logits.Data); e > 1e-6 {
				t.Errorf("logit lens at the last layer vs logits: %.3g", e)
			}
		})
	}
}

func TestCaptureOptions(t *testing.T) {
	m, ids := load(t, "llama3", "model.gguf")
	full, err := introspect.RunWithCache(ctx, m, ids, introspect.CaptureOptions{Filter: introspect.Names("blocks.1.*")})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range full.Names() {
		if !strings.HasPrefix(n, "blocks.1.") {
			t.Errorf("filter let %s through", n)
		}
	}
	// Positions keep rows (and query rows of patterns).
	pos := []int{2, 5}
	sub, err := introspect.RunWithCache(ctx, m, ids, introspect.CaptureOptions{Filter: introspect.Names("blocks.1.hook_resid_post", "blocks.1.attn.hook_pattern"), Positions: pos})
	if err != nil {
		t.Fatal(err)
	}
	H, T := m.Config().Hidden, len(ids)
	r := sub.Get("blocks.1.hook_resid_post")
	if r.Shape[0] != 2 || maxDiff(r.Data[H:], full.Get("blocks.1.hook_resid_post").Data[5*H:6*H]) != 0 {
		t.Errorf("positions: shape %v", r.Shape)
	}
	p := sub.Get("blocks.1.attn.hook_pattern")
	if p.Shape[1] != 2 || maxDiff(p.Data[:T], full.Get("blocks.1.attn.hook_pattern").Data[2*T:3*T]) != 0 {
		t.Errorf("pattern positions: shape %v", p.Shape)
	}
	// ExpandKV repeats kv heads: 4 query heads over 2 kv heads.
	kv, err := introspect.RunWithCache(ctx, m, ids, introspect.CaptureOptions{Filter: introspect.Names("blocks.0.attn.hook_k"), ExpandKV: true})
	if err != nil {
		t.Fatal(err)
	}
	k := kv.Get("blocks.0.attn.hook_k")
	d := m.Config().HeadDim
	if k.Shape[1] != 4 || maxDiff(k.Data[0:d], k.Data[d:2*d]) != 0 || maxDiff(k.Data[2*d:3*d], k.Data[3*d:4*d]) != 0 {
		t.Errorf("expanded k: %v", k.Shape)
	}
	// The budget refuses before running, naming hooks and bytes.
	plan, _ := introspect.PlanCapture(m, T, introspect.CaptureOptions{})
	_, err = introspect.RunWithCache(ctx, m, ids, introspect.CaptureOptions{MaxBytes: plan.Bytes - 1})
	var be *introspect.BudgetError
	if !errors.As(err, &be) || be.Bytes != plan.Bytes || !strings.Contains(err.Error(), "blocks.") || !strings.Contains(err.Error(), "bytes") {
		t.Errorf("over budget: %v", err)
	}
	c, err := introspect.RunWithCache(ctx, m, ids, introspect.CaptureOptions{MaxBytes: plan.Bytes})
	if err != nil || c.Bytes() != plan.Bytes {
		t.Errorf("at budget: %v, %d vs %d bytes", err, c.Bytes(), plan.Bytes)
	}
	// Save and read back.
	path := filepath.Join(t.TempDir(), "cache.safetensors")
	if err := full.Save(path); err != nil {
		t.Fatal(err)
	}
	back := fixture.Tensors(t, path)
	if len(back) != len(full.Names())+1 || maxDiff(back["blocks.1.hook_resid_post"], full.Get("blocks.1.hook_resid_post").Data) != 0 {
		t.Errorf("saved cache: %d tensors", len(back))
	}
	// Unknown patterns are errors, not silent no-ops.
	if _, err := introspect.RunWithHooks(ctx, m, ids, introspect.Hook("blocks.*.hook_nope", func(*models.Activation) error { return nil })); err == nil {
		t.Error("unknown hook pattern accepted")
	}
}

func TestHooksPanicsCancelAndGeneration(t *testing.T) {
	m, ids := load(t, "qwen2", "model.gguf")
	_, err := introspect.RunWithHooks(ctx, m, ids, introspect.Hook("blocks.1.mlp.hook_post", func(a *models.Activation) error {
		var s []int
		_ = s[3] // panics
		return nil
	}))
	if err == nil || !strings.Contains(err.Error(), "blocks.1.mlp.hook_post") || !strings.Contains(err.Error(), "panic") {
		t.Errorf("panicking hook: %v", err)
	}
	// The model is still usable.
	if _, err := introspect.RunWithHooks(ctx, m, ids); err != nil {
		t.Fatal(err)
	}
	cctx, cancel := context.WithCancel(ctx)
	_, err = introspect.RunWithHooks(cctx, m, ids, introspect.Hook("blocks.0.hook_resid_post", func(a *models.Activation) error {
		cancel()
		return nil
	}))
	if !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled pass: %v", err)
	}
	// Permanent hooks run at every generation step; temporary ones too.
	hm := introspect.Wrap(m)
	steps := 0
	if err := hm.AddHook("blocks.0.hook_resid_pre", func(a *models.Activation) error { steps++; return nil }); err != nil {
		t.Fatal(err)
	}
	var positions []int
	gen, err := hm.Generate(ctx, ids, models.GenerateOptions{MaxTokens: 5, IgnoreEOS: true},
		introspect.Hook("logits", func(a *models.Activation) error { positions = append(positions, a.Pos); return nil }))
	if err != nil {
		t.Fatal(err)
	}
	if steps != 5 || len(gen.GeneratedIDs) != 5 || fmt.Sprint(positions) != fmt.Sprint([]int{0, 12, 13, 14, 15}) {
		t.Errorf("generation hooks: %d steps, positions %v", steps, positions)
	}
	hm.ResetHooks()
	if len(hm.PermanentHooks()) != 0 {
		t.Error("ResetHooks left hooks")
	}
	// Stop at a layer.
	r, err := introspect.RunToLayer(ctx, m, ids, 0)
	c, _ := introspect.RunWithCache(ctx, m, ids, introspect.CaptureOptions{Filter: introspect.Names("blocks.0.hook_resid_post")})
	if err != nil || maxDiff(r.Data, c.Get("blocks.0.hook_resid_post").Data) != 0 {
		t.Errorf("RunToLayer: %v", err)
	}
}

func TestAttributionAndScores(t *testing.T) {
	m, ids := load(t, "llama2", "hf")
	c, err := introspect.RunWithCache(ctx, m, ids, introspect.CaptureOptions{})
	if err != nil {
		t.Fatal(err)
	}
	V, T := m.Config().VocabSize, len(ids)
	a, b := 10, 20
	dir, err := introspect.LogitDirection(m, a, b)
	if err != nil {
		t.Fatal(err)
	}
	attr, err := introspect.DirectLogitAttribution(m, c, dir, T-1)
	if err != nil {
		t.Fatal(err)
	}
	var sum float64
	for _, v := range attr.Values {
		sum += float64(v)
	}
	want := float64(c.Logits.Data[(T-1)*V+a] - c.Logits.Data[(T-1)*V+b])
	if math.Abs(sum-want) > 1e-4*math.Max(1, math.Abs(want)) || len(attr.Values) != 1+2*m.Config().Layers {
		t.Errorf("Σ DLA = %g, logit difference %g", sum, want)
	}
	// Head attributions sum to the attention outputs' attributions
	// (llama has no output bias).
	hm, err := introspect.HeadLogitAttribution(m, c, dir, T-1)
	if err != nil {
		t.Fatal(err)
	}
	for l := 0; l < m.Config().Layers; l++ {
		var s float64
		for h := 0; h < hm.Cols; h++ {
			s += float64(hm.At(l, h))
		}
		if math.Abs(s-float64(attr.Values[1+2*l])) > 1e-4 {
			t.Errorf("layer %d: Σ head DLA %g vs attn_out DLA %g", l, s, attr.Values[1+2*l])
		}
	}
	// Head scores on a repeated sequence: in [0, 1], induction defined.
	rep := introspect.RepeatedTokens([]int{1}, 10, 3, 380, 1)
	rc, err := introspect.RunWithCache(ctx, m, rep, introspect.CaptureOptions{Filter: introspect.Names("blocks.*.attn.hook_pattern")})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []func(models.Model, *introspect.Cache) (*introspect.Matrix, error){
		introspect.PreviousTokenScores, introspect.DuplicateTokenScores, introspect.InductionScores} {
		s, err := f(m, rc)
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range s.Data {
			if !(v >= 0 && v <= 1) {
				t.Errorf("%s: score %g", s.Name, v)
			}
		}
	}
	// A head that attends only to the previous token scores 1.
	prev, _ := introspect.RunWithCache(ctx, m, rep, introspect.CaptureOptions{Filter: introspect.Names("blocks.*.attn.hook_pattern")},
		introspect.Hook("blocks.0.attn.hook_pattern", func(a *models.Activation) error {
			T, K := a.Shape[1], a.Shape[2]
			for i := 0; i < T; i++ {
				row := a.Data[i*K : (i+1)*K] // head 0
				clear(row)
				row[max(i-1, 0)] = 1
			}
			return nil
		}))
	ps, _ := introspect.PreviousTokenScores(m, prev)
	if ps.At(0, 0) != 1 {
		t.Errorf("previous-token score of a previous-token head: %g", ps.At(0, 0))
	}
	// Sweeps: patching a clean run into itself changes nothing.
	metric := introspect.LogitDiff(a, b)
	sw, err := introspect.PatchResidualSweep(ctx, m, ids, c, metric)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range sw.Data {
		if math.Abs(float64(v)-want) > 1e-5 {
			t.Fatalf("self-patch sweep value %g, want %g", v, want)
		}
	}
	corrupt := append([]int(nil), ids...)
	corrupt[3] = 7
	hs, err := introspect.PatchHeadSweep(ctx, m, corrupt, c, metric)
	if err != nil || hs.Rows != m.Config().Layers || hs.Cols != m.Config().Heads {
		t.Fatalf("head sweep: %v", err)
	}
	as, err := introspect.AblateHeadSweep(ctx, m, ids, metric)
	if err != nil || len(as.Data) != hs.Rows*hs.Cols {
		t.Fatalf("ablation sweep: %v", err)
	}
	// Steering by a direction moves the logit difference the right way.
	steered, err := introspect.RunWithHooks(ctx, m, ids, introspect.Steer("blocks.1.hook_resid_post", dir, 5, []int{T - 1}))
	if err != nil || metric(steered, T, V) <= want {
		t.Errorf("steering: %v, %g vs %g", err, metric(steered, T, V), want)
	}
}

func TestCompareFormats(t *testing.T) {
	hf, ids := load(t, "mistral", "hf")
	gg, _ := load(t, "mistral", "model.gguf")
	q4, _ := load(t, "mistral", "model-q4_0.gguf")
	same, err := introspect.Compare(ctx, gg, hf, ids, introspect.CaptureOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if w := same.Worst(); w.RelErr > 1e-5 || len(same.Skipped) != 0 {
		t.Errorf("GGUF vs HF: worst %s %.3g, skipped %v", w.Name, w.RelErr, same.Skipped)
	}
	quant, err := introspect.Compare(ctx, q4, hf, ids, introspect.CaptureOptions{})
	if err != nil {
		t.Fatal(err)
	}
	curve := quant.ByLayer(models.HookResidPost, 2)
	if !(curve[1] > 1e-3) || !(quant.LogitsKL[len(ids)-1] > 0) {
		t.Errorf("q4_0 vs HF: resid_post curve %v, KL %v", curve, quant.LogitsKL)
	}
	// Different families share no same-shaped hooks beyond what fits.
	other, _ := load(t, "phi2", "hf")
	cross, err := introspect.Compare(ctx, hf, other, ids[:4], introspect.CaptureOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(cross.Skipped) == 0 {
		t.Error("mistral vs phi2: nothing skipped")
	}
}

// The int8-activation mode seen through the hooks: the same weights, exact
// versus llama.cpp's rounding of the activations. The embeddings agree
// exactly; the first product already differs (hook_q), and the logits
// move.
func TestCompareInt8Activations(t *testing.T) {
	dir := testenv.Shared(t, "fixtures", "llama2")
	path := filepath.Join(dir, "model-q8_0.gguf")
	exact, ids := load(t, "llama2", "model-q8_0.gguf")
	rounded, err := models.LoadAuto(path, models.LoadOptions{Lazy: true, Int8Activations: true})
	if err != nil {
		t.Fatal(err)
	}
	defer rounded.Close()
	c, err := introspect.Compare(ctx, rounded, exact, ids, introspect.CaptureOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(c.A, "int8 activations") || strings.Contains(c.B, "int8") {
		t.Errorf("descriptions %q and %q do not tell the runs apart", c.A, c.B)
	}
	if e := c.ByLayer(models.HookResidPre, 1)[0]; e != 0 {
		t.Errorf("embeddings differ: %g", e)
	}
	if e := c.ByLayer(models.HookQ, 1)[0]; !(e > 1e-4 && e < 0.1) {
		t.Errorf("hook_q of layer 0: relative error %g, want between 1e-4 and 0.1", e)
	}
	if kl := c.LogitsKL[len(ids)-1]; !(kl > 0) {
		t.Errorf("logits KL %g", kl)
	}
}
