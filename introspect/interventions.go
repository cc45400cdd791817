package introspect

import (
	"context"
	"fmt"
	"math"

	"github.com/torchless-go/torchless/models"
)

// Interventions: each returns a HookSpec to pass to RunWithHooks,
// RunWithCache or Generate (or to install with HookedModel.AddHook).

func zName(layer int) string { return models.HookName{Layer: layer, Point: models.HookZ}.String() }

// headSlices calls fn with head h's [d] slice of every position of a
// [T, nh, d] activation.
func headSlices(a *models.Activation, h int, fn func(t int, v []float32)) error {
	if len(a.Shape) != 3 || h < 0 || h >= a.Shape[1] {
		return fmt.Errorf("head %d out of range for %s %v", h, a.Name, a.Shape)
	}
	T, nh, d := a.Shape[0], a.Shape[1], a.Shape[2]
	for t := 0; t < T; t++ {
		fn(t, a.Data[(t*nh+h)*d:(t*nh+h+1)*d])
	}
	return nil
}

// ZeroAblateHeads sets the outputs (hook_z) of the given heads of a
// layer to zero.
func ZeroAblateHeads(layer int, heads ...int) HookSpec {
	return Hook(zName(layer), func(a *models.Activation) error {
		for _, h := range heads {
			if err := headSlices(a, h, func(_ int, v []float32) { clear(v) }); err != nil {
				return err
			}
		}
		return nil
	})
}

// MeanAblateHeads replaces the outputs of the given heads with their
// mean over the positions of a reference cache (which must hold that
// layer's hook_z).
func MeanAblateHeads(ref *Cache, layer int, heads ...int) (HookSpec, error) {
	z := ref.Get(zName(layer))
	if z == nil {
		return HookSpec{}, fmt.Errorf("mean ablation: the reference cache has no %s", zName(layer))
	}
	T, nh, d := z.Shape[0], z.Shape[1], z.Shape[2]
	means := make([][]float32, nh)
	for _, h := range heads {
		if h < 0 || h >= nh {
			return HookSpec{}, fmt.Errorf("mean ablation: head %d out of range [0, %d)", h, nh)
		}
		m := make([]float32, d)
		for t := 0; t < T; t++ {
			for i := range m {
				m[i] += z.Data[(t*nh+h)*d+i] / float32(T)
			}
		}
		means[h] = m
	}
	return Hook(zName(layer), func(a *models.Activation) error {
		for _, h := range heads {
			if err := headSlices(a, h, func(_ int, v []float32) { copy(v, means[h]) }); err != nil {
				return err
			}
		}
		return nil
	}), nil
}

// AblateNeurons sets MLP neurons (columns of mlp.hook_post) to value
// (0 for zero ablation).
func AblateNeurons(layer int, neurons []int, value float32) HookSpec {
	name := models.HookName{Layer: layer, Point: models.HookMLPPost}.String()
	return Hook(name, func(a *models.Activation) error {
		F := a.Shape[1]
		for t := 0; t < a.Shape[0]; t++ {
			for _, n := range neurons {
				if n < 0 || n >= F {
					return fmt.Errorf("neuron %d out of range [0, %d)", n, F)
				}
				a.Data[t*F+n] = value
			}
		}
		return nil
	})
}

// MeanAblateNeurons sets MLP neurons to their mean over a reference
// cache's positions (which must hold that layer's mlp.hook_post).
func MeanAblateNeurons(ref *Cache, layer int, neurons []int) (HookSpec, error) {
	name := models.HookName{Layer: layer, Point: models.HookMLPPost}.String()
	post := ref.Get(name)
	if post == nil {
		return HookSpec{}, fmt.Errorf("mean ablation: the reference cache has no %s", name)
	}
	T, F := post.Shape[0], post.Shape[1]
	mean := map[int]float32{}
	for _, n := range neurons {
		if n < 0 || n >= F {
			return HookSpec{}, fmt.Errorf("neuron %d out of range [0, %d)", n, F)
		}
		var s float64
		for t := 0; t < T; t++ {
			s += float64(post.Data[t*F+n])
		}
		mean[n] = float32(s / float64(T))
	}
	return Hook(name, func(a *models.Activation) error {
		for t := 0; t < a.Shape[0]; t++ {
			for n, v := range mean {
				a.Data[t*a.Shape[1]+n] = v
			}
		}
		return nil
	}), nil
}

// PatchActivation replaces, at the hooks the pattern matches, the rows of
// the given positions (nil: all) with the same hook's values from a
// source cache (captured on another prompt of the same length, with all
// positions). For attention scores and patterns the positions select
// query rows.
func PatchActivation(pattern string, source *Cache, positions []int) HookSpec {
	return Hook(pattern, func(a *models.Activation) error {
		src := source.Get(a.Name.String())
		if src == nil {
			return fmt.Errorf("patch: the source cache has no %s", a.Name)
		}
		if len(src.Data) != len(a.Data) {
			return fmt.Errorf("patch %s: source shape %v, this run %v (patch prompts of the same length)", a.Name, src.Shape, a.Shape)
		}
		if positions == nil {
			copy(a.Data, src.Data)
			return nil
		}
		if a.Name.Point == models.HookAttnScores || a.Name.Point == models.HookPattern {
			nh, T, K := a.Shape[0], a.Shape[1], a.Shape[2]
			for h := 0; h < nh; h++ {
				for _, p := range positions {
					copy(a.Data[(h*T+p)*K:(h*T+p+1)*K], src.Data[(h*T+p)*K:(h*T+p+1)*K])
				}
			}
			return nil
		}
		row := len(a.Data) / a.Shape[0]
		for _, p := range positions {
			if p < 0 || p >= a.Shape[0] {
				return fmt.Errorf("patch %s: position %d out of range", a.Name, p)
			}
			copy(a.Data[p*row:(p+1)*row], src.Data[p*row:(p+1)*row])
		}
		return nil
	})
}

// PatchHead replaces one head's output (hook_z) with a source cache's,
// at every position.
func PatchHead(source *Cache, layer, head int) HookSpec {
	name := zName(layer)
	return Hook(name, func(a *models.Activation) error {
		src := source.Get(name)
		if src == nil || len(src.Data) != len(a.Data) {
			return fmt.Errorf("patch head: the source cache has no %s of shape %v", name, a.Shape)
		}
		d := a.Shape[2]
		return headSlices(a, head, func(t int, v []float32) {
			off := (t*a.Shape[1] + head) * d
			copy(v, src.Data[off:off+d])
		})
	})
}

// Steer adds scale·direction to every chosen row (nil: all positions) of
// a [T, H] hook such as blocks.5.hook_resid_post.
func Steer(pattern string, direction []float32, scale float32, positions []int) HookSpec {
	return Hook(pattern, func(a *models.Activation) error {
		H := a.Shape[len(a.Shape)-1]
		if len(direction) != H {
			return fmt.Errorf("steer %s: direction has %d values, the activation's rows %d", a.Name, len(direction), H)
		}
		add := func(p int) {
			row := a.Data[p*H : (p+1)*H]
			for i, v := range direction {
				row[i] += scale * v
			}
		}
		if positions == nil {
			for p := 0; p < len(a.Data)/H; p++ {
				add(p)
			}
			return nil
		}
		for _, p := range positions {
			if p < 0 || p >= len(a.Data)/H {
				return fmt.Errorf("steer %s: position %d out of range", a.Name, p)
			}
			add(p)
		}
		return nil
	})
}

// Metric scores a run from its logits [T*V].
type Metric func(logits []float32, T, V int) float64

// LogitDiff is logit[correct] − logit[wrong] at the last position.
func LogitDiff(correct, wrong int) Metric {
	return func(logits []float32, T, V int) float64 {
		row := logits[(T-1)*V : T*V]
		return float64(row[correct]) - float64(row[wrong])
	}
}

// Matrix is a labelled matrix of a metric (layer × position, layer ×
// head, ...), row-major.
type Matrix struct {
	Name       string
	Rows, Cols int
	Data       []float32
	RowLabels  []string
	ColLabels  []string
}

// At returns the value at (r, c).
func (m *Matrix) At(r, c int) float32 { return m.Data[r*m.Cols+c] }

func newMatrix(name string, rows, cols int, rowLabel, colLabel string) *Matrix {
	m := &Matrix{Name: name, Rows: rows, Cols: cols, Data: make([]float32, rows*cols)}
	for r := 0; r < rows; r++ {
		m.RowLabels = append(m.RowLabels, fmt.Sprintf("%s %d", rowLabel, r))
	}
	for c := 0; c < cols; c++ {
		m.ColLabels = append(m.ColLabels, fmt.Sprintf("%s %d", colLabel, c))
	}
	return m
}

func runMetric(ctx context.Context, m models.Model, tokens []int, metric Metric, hooks ...HookSpec) (float64, error) {
	logits, err := RunWithHooks(ctx, m, tokens, hooks...)
	if err != nil {
		return math.NaN(), err
	}
	return metric(logits, len(tokens), len(logits)/len(tokens)), nil
}

// PatchResidualSweep runs the corrupted prompt once per (layer,
// position), each time patching blocks.{layer}.hook_resid_pre at that
// position from the clean cache, and returns the metric as a layer ×
// position matrix. The clean cache must hold every layer's
// hook_resid_pre for a prompt of the same length.
func PatchResidualSweep(ctx context.Context, m models.Model, corrupted []int, clean *Cache, metric Metric) (*Matrix, error) {
	L, T := m.Config().Layers, len(corrupted)
	out := newMatrix("patched resid_pre: metric", L, T, "layer", "pos")
	for l := 0; l < L; l++ {
		name := models.HookName{Layer: l, Point: models.HookResidPre}.String()
		if !clean.Has(name) {
			return nil, fmt.Errorf("patching sweep: the clean cache has no %s", name)
		}
		for p := 0; p < T; p++ {
			v, err := runMetric(ctx, m, corrupted, metric, PatchActivation(name, clean, []int{p}))
			if err != nil {
				return nil, err
			}
			out.Data[l*T+p] = float32(v)
		}
	}
	return out, nil
}

// PatchHeadSweep patches each head's output (hook_z) from the clean cache
// into the corrupted run and returns the metric as a layer × head matrix.
func PatchHeadSweep(ctx context.Context, m models.Model, corrupted []int, clean *Cache, metric Metric) (*Matrix, error) {
	cfg := m.Config()
	out := newMatrix("patched head output: metric", cfg.Layers, cfg.Heads, "layer", "head")
	for l := 0; l < cfg.Layers; l++ {
		for h := 0; h < cfg.Heads; h++ {
			v, err := runMetric(ctx, m, corrupted, metric, PatchHead(clean, l, h))
			if err != nil {
				return nil, err
			}
			out.Data[l*cfg.Heads+h] = float32(v)
		}
	}
	return out, nil
}

// AblateHeadSweep zero-ablates each head in turn and returns the metric
// as a layer × head matrix.
func AblateHeadSweep(ctx context.Context, m models.Model, tokens []int, metric Metric) (*Matrix, error) {
	cfg := m.Config()
	out := newMatrix("zero-ablated head: metric", cfg.Layers, cfg.Heads, "layer", "head")
	for l := 0; l < cfg.Layers; l++ {
		for h := 0; h < cfg.Heads; h++ {
			v, err := runMetric(ctx, m, tokens, metric, ZeroAblateHeads(l, h))
			if err != nil {
				return nil, err
			}
			out.Data[l*cfg.Heads+h] = float32(v)
		}
	}
	return out, nil
}
