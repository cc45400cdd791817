package introspect

import (
	"context"
	"fmt"
	"math"
	"slices"

	"github.com/torchless-go/torchless/models"
)

// Divergence measures how far one activation is from another.
type Divergence struct {
	Name   string
	Layer  int // −1 for hooks that are not per layer
	Point  models.HookPoint
	RelErr float64 // max |a − b| / max |b|
	Cosine float64 // of the flattened tensors
	MaxAbs float64 // max |a − b|
}

// Comparison is the result of running two models on the same tokens.
type Comparison struct {
	A, B   string // the models' descriptions
	Tokens []int
	// Hooks lists the divergence of every hook both models have with the
	// same shape, in forward order.
	Hooks []Divergence
	// Skipped names hooks present in only one model or with different
	// shapes (two families of different sizes share few).
	Skipped []string
	// LogitsKL is KL(A ‖ B) of the next-token distributions per position
	// (nil when the vocabularies differ).
	LogitsKL []float64
}

// ByLayer returns the per-layer curve of one hook point's relative error
// (NaN where the point was not compared).
func (c *Comparison) ByLayer(p models.HookPoint, layers int) []float64 {
	out := make([]float64, layers)
	for i := range out {
		out[i] = math.NaN()
	}
	for _, d := range c.Hooks {
		if d.Point == p && d.Layer >= 0 && d.Layer < layers {
			out[d.Layer] = d.RelErr
		}
	}
	return out
}

// Worst returns the compared hook with the largest relative error.
func (c *Comparison) Worst() Divergence {
	var w Divergence
	for _, d := range c.Hooks {
		if d.RelErr > w.RelErr || w.Name == "" {
			w = d
		}
	}
	return w
}

func divergence(name string, a, b []float32) Divergence {
	var md, mb, dot, na, nb float64
	for i := range a {
		x, y := float64(a[i]), float64(b[i])
		md = math.Max(md, math.Abs(x-y))
		mb = math.Max(mb, math.Abs(y))
		dot += x * y
		na += x * x
		nb += y * y
	}
	d := Divergence{Name: name, MaxAbs: md, RelErr: md, Cosine: 1}
	if mb > 0 {
		d.RelErr = md / mb
	}
	if na > 0 && nb > 0 {
		d.Cosine = dot / math.Sqrt(na*nb)
	}
	return d
}

// Compare runs a and b on the same tokens, capturing the hooks the
// filter chooses (nil: every hook) within the budget, and reports the
// divergence of each hook they share and the KL divergence of their
// next-token distributions. Use it on the same model in two formats
// (f32 and a quantized GGUF) to see where quantization hurts.
func Compare(ctx context.Context, a, b models.Model, tokens []int, opts CaptureOptions) (*Comparison, error) {
	ca, err := RunWithCache(ctx, a, tokens, opts)
	if err != nil {
		return nil, fmt.Errorf("model A: %w", err)
	}
	cb, err := RunWithCache(ctx, b, tokens, opts)
	if err != nil {
		return nil, fmt.Errorf("model B: %w", err)
	}
	cmp := &Comparison{A: describe(a), B: describe(b), Tokens: append([]int(nil), tokens...)}
	for _, name := range ca.Names() {
		ta, tb := ca.Get(name), cb.Get(name)
		if tb == nil || !slices.Equal(ta.Shape, tb.Shape) {
			cmp.Skipped = append(cmp.Skipped, name)
			continue
		}
		n, _ := models.ParseHookName(name)
		d := divergence(name, ta.Data, tb.Data)
		d.Point, d.Layer = n.Point, n.Layer
		if !n.Point.PerLayer() {
			d.Layer = -1
		}
		cmp.Hooks = append(cmp.Hooks, d)
	}
	for _, name := range cb.Names() {
		if ca.Get(name) == nil {
			cmp.Skipped = append(cmp.Skipped, name)
		}
	}
	if slices.Equal(ca.Logits.Shape, cb.Logits.Shape) {
		T, V := ca.Logits.Shape[0], ca.Logits.Shape[1]
		for p := 0; p < T; p++ {
			cmp.LogitsKL = append(cmp.LogitsKL, kl(ca.Logits.Data[p*V:(p+1)*V], cb.Logits.Data[p*V:(p+1)*V]))
		}
	}
	return cmp, nil
}

func describe(m models.Model) string {
	d := fmt.Sprintf("%s (%s)", m.Architecture(), m.Source().Path)
	if r, ok := m.(interface{ Int8Activations() bool }); ok && r.Int8Activations() {
		d += " with int8 activations"
	}
	return d
}

// kl is KL(softmax(a) ‖ softmax(b)).
func kl(a, b []float32) float64 {
	la, lb := LogSoftmax(a), LogSoftmax(b)
	var s float64
	for i := range la {
		s += math.Exp(la[i]) * (la[i] - lb[i])
	}
	return s
}

// LogSoftmax returns log softmax(x), computed stably in float64.
func LogSoftmax(x []float32) []float64 {
	m := math.Inf(-1)
	for _, v := range x {
		m = math.Max(m, float64(v))
	}
	var sum float64
	for _, v := range x {
		sum += math.Exp(float64(v) - m)
	}
	lse := m + math.Log(sum)
	out := make([]float64, len(x))
	for i, v := range x {
		out[i] = float64(v) - lse
	}
	return out
}
