// Package introspect looks inside a running model: it captures
// activations at TransformerLens-named hook points, replaces or ablates
// them, patches runs into each other, applies the logit lens, attributes
// logits to layers and heads, scores heads, and compares runs and models.
//
// Everything here is built on the hook points of package models: a
// capture or intervention is a set of models.HookFunc installed for one
// forward pass. Names may be exact ("blocks.3.attn.hook_pattern") or
// path.Match globs ("blocks.*.hook_resid_post").
package introspect

import (
	"context"
	"fmt"
	"path"
	"sort"
	"strings"

	"github.com/torchless-go/torchless/models"
	"github.com/torchless-go/torchless/models/safetensors"
)

// Tensor is a captured activation: float32 values in row-major order.
type Tensor struct {
	Name  string
	Shape []int
	Data  []float32
}

// Bytes is the memory the values take.
func (t *Tensor) Bytes() int64 { return 4 * int64(len(t.Data)) }

// Row returns the i-th slice along the first dimension.
func (t *Tensor) Row(i int) []float32 {
	n := len(t.Data) / t.Shape[0]
	return t.Data[i*n : (i+1)*n]
}

// String describes the tensor.
func (t *Tensor) String() string { return fmt.Sprintf("%s %v", t.Name, t.Shape) }

// NameFilter chooses hook names.
type NameFilter func(name models.HookName) bool

// Names chooses the hooks with these names; each may be a glob.
func Names(patterns ...string) NameFilter {
	return func(n models.HookName) bool {
		s := n.String()
		for _, p := range patterns {
			if ok, _ := path.Match(p, s); ok || p == s {
				return true
			}
		}
		return false
	}
}

// AllHooks chooses every hook.
func AllHooks() NameFilter { return func(models.HookName) bool { return true } }

// Resolve returns the model's hook names that the patterns match, in
// forward order; a pattern that matches nothing is an error naming it.
func Resolve(m models.Model, patterns ...string) ([]models.HookName, error) {
	all := m.HookNames()
	var out []models.HookName
	seen := map[models.HookName]bool{}
	for _, p := range patterns {
		if _, err := path.Match(p, ""); err != nil {
			return nil, fmt.Errorf("hook pattern %q: %w", p, err)
		}
		found := false
		for _, n := range all {
			if ok, _ := path.Match(p, n.String()); ok {
				found = true
				if !seen[n] {
					seen[n] = true
					out = append(out, n)
				}
			}
		}
		if !found {
			return nil, fmt.Errorf("no hook of this %s model matches %q (see HookNames)", m.Architecture(), p)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return hookOrder(all, out[i]) < hookOrder(all, out[j]) })
	return out, nil
}

func hookOrder(all []models.HookName, n models.HookName) int {
	for i, a := range all {
		if a == n {
			return i
		}
	}
	return len(all)
}

// DefaultBudget is the capture size CaptureOptions.MaxBytes = 0 allows.
const DefaultBudget = 1 << 30

// CaptureOptions chooses what RunWithCache keeps.
type CaptureOptions struct {
	// Filter chooses the hooks (nil: every hook).
	Filter NameFilter
	// Positions keeps only these token positions (nil: all). For
	// attention scores and patterns they select query rows.
	Positions []int
	// MaxBytes refuses, before running, a capture that needs more
	// (0: DefaultBudget; negative: no limit).
	MaxBytes int64
	// ExpandKV repeats the key/value heads of grouped-query attention so
	// hook_k, hook_v and hook_rot_k have one entry per query head.
	ExpandKV bool
	// Rope adds the RoPE tables the pass used: rope.inv_freq [rot/2],
	// rope.cos and rope.sin [T, rot/2] (with any attention factor). Every
	// layer of the supported families uses the same tables.
	Rope bool
}

// Cache holds the activations of one run, by hook name.
type Cache struct {
	Tokens []int
	Logits *Tensor // [T, V]
	acts   map[string]*Tensor
	order  []string
	// Positions is the capture's position selection (nil: all).
	Positions []int
}

// Get returns the activation called name, or nil.
func (c *Cache) Get(name string) *Tensor { return c.acts[name] }

// Has reports whether the cache holds name.
func (c *Cache) Has(name string) bool { return c.acts[name] != nil }

// At returns the activation of hook point p at layer l, or nil.
func (c *Cache) At(l int, p models.HookPoint) *Tensor {
	return c.acts[models.HookName{Layer: l, Point: p}.String()]
}

// Names returns the hook names held, in forward order.
func (c *Cache) Names() []string { return append([]string(nil), c.order...) }

// Bytes is the memory the activations take.
func (c *Cache) Bytes() int64 {
	var n int64
	for _, t := range c.acts {
		n += t.Bytes()
	}
	return n
}

// String summarises the cache.
func (c *Cache) String() string {
	return fmt.Sprintf("Cache(%d tokens, %d hooks, %d bytes)", len(c.Tokens), len(c.order), c.Bytes())
}

func (c *Cache) put(t *Tensor) {
	if c.acts == nil {
		c.acts = map[string]*Tensor{}
	}
	if c.acts[t.Name] == nil {
		c.order = append(c.order, t.Name)
	}
	c.acts[t.Name] = t
}

// Save writes the cache (and its logits) as float32 safetensors keyed by
// hook name, readable with numpy or torch; the metadata holds the tokens.
func (c *Cache) Save(path string) error {
	ts := make([]safetensors.F32Tensor, 0, len(c.order)+1)
	for _, n := range c.order {
		t := c.acts[n]
		ts = append(ts, safetensors.F32Tensor{Name: n, Shape: t.Shape, Data: t.Data})
	}
	if c.Logits != nil {
		ts = append(ts, safetensors.F32Tensor{Name: "logits", Shape: c.Logits.Shape, Data: c.Logits.Data})
	}
	meta := map[string]string{"tokens": fmt.Sprint(c.Tokens)}
	if c.Positions != nil {
		meta["positions"] = fmt.Sprint(c.Positions)
	}
	return safetensors.WriteF32File(path, ts, meta)
}

// Plan is what a capture would hold: each hook's shape and bytes.
type Plan struct {
	Names  []models.HookName
	Shapes [][]int
	Bytes  int64
}

// PlanCapture computes the hooks, shapes and bytes a capture of T tokens
// with opts would take, without running anything.
func PlanCapture(m models.Model, T int, opts CaptureOptions) (*Plan, error) {
	for _, p := range opts.Positions {
		if p < 0 || p >= T {
			return nil, fmt.Errorf("capture position %d out of range [0, %d)", p, T)
		}
	}
	filter := opts.Filter
	if filter == nil {
		filter = AllHooks()
	}
	plan := &Plan{}
	for _, n := range m.HookNames() {
		if !filter(n) {
			continue
		}
		shape := capturedShape(m, n, T, opts)
		size := int64(4)
		for _, d := range shape {
			size *= int64(d)
		}
		plan.Names = append(plan.Names, n)
		plan.Shapes = append(plan.Shapes, shape)
		plan.Bytes += size
	}
	return plan, nil
}

func capturedShape(m models.Model, n models.HookName, T int, opts CaptureOptions) []int {
	shape := append([]int(nil), m.HookShape(n, T, T)...)
	if opts.Positions != nil {
		if n.Point == models.HookAttnScores || n.Point == models.HookPattern {
			shape[1] = len(opts.Positions)
		} else {
			shape[0] = len(opts.Positions)
		}
	}
	if opts.ExpandKV && isKV(n.Point) {
		shape[1] = m.Config().Heads
	}
	return shape
}

func isKV(p models.HookPoint) bool {
	return p == models.HookK || p == models.HookV || p == models.HookRotK
}

// BudgetError is returned when a capture would exceed its budget.
type BudgetError struct {
	Bytes, Budget int64
	Largest       []string // the biggest hooks, with their sizes
}

func (e *BudgetError) Error() string {
	return fmt.Sprintf("capture refused: it needs %d bytes, over the budget of %d (largest: %s); "+
		"narrow the filter, capture fewer positions, or raise CaptureOptions.MaxBytes",
		e.Bytes, e.Budget, strings.Join(e.Largest, ", "))
}

func (p *Plan) check(budget int64) error {
	if budget == 0 {
		budget = DefaultBudget
	}
	if budget < 0 || p.Bytes <= budget {
		return nil
	}
	idx := make([]int, len(p.Names))
	size := func(i int) int64 {
		s := int64(4)
		for _, d := range p.Shapes[i] {
			s *= int64(d)
		}
		return s
	}
	for i := range idx {
		idx[i] = i
	}
	sort.Slice(idx, func(a, b int) bool { return size(idx[a]) > size(idx[b]) })
	var largest []string
	for _, i := range idx[:min(3, len(idx))] {
		largest = append(largest, fmt.Sprintf("%s %v = %d bytes", p.Names[i], p.Shapes[i], size(i)))
	}
	return &BudgetError{Bytes: p.Bytes, Budget: budget, Largest: largest}
}

// RunWithCache runs tokens through m from a fresh state and returns the
// chosen activations. It checks the capture's size against the budget
// before running. Extra hooks (interventions) run too, before capture at
// the same point, so the cache holds what the rest of the pass saw.
func RunWithCache(ctx context.Context, m models.Model, tokens []int, opts CaptureOptions, extra ...HookSpec) (*Cache, error) {
	plan, err := PlanCapture(m, len(tokens), opts)
	if err != nil {
		return nil, err
	}
	if err := plan.check(opts.MaxBytes); err != nil {
		return nil, err
	}
	hooks, err := buildHooks(m, extra)
	if err != nil {
		return nil, err
	}
	cache := &Cache{Tokens: append([]int(nil), tokens...), Positions: opts.Positions}
	heads := m.Config().Heads
	for i, n := range plan.Names {
		shape := plan.Shapes[i]
		if err := hooks.Add(n, func(a *models.Activation) error {
			cache.put(&Tensor{Name: a.Name.String(), Shape: shape, Data: captureData(a, opts, heads)})
			return nil
		}); err != nil {
			return nil, err
		}
	}
	s := m.NewState()
	s.SetHooks(hooks)
	logits, err := m.ForwardBatch(ctx, s, tokens)
	if err != nil {
		return nil, err
	}
	if opts.Rope {
		cfg := m.Config()
		inv, cos, sin := cfg.RopeTables(len(tokens))
		half := len(inv)
		cache.put(&Tensor{Name: "rope.inv_freq", Shape: []int{half}, Data: inv})
		cache.put(&Tensor{Name: "rope.cos", Shape: []int{len(tokens), half}, Data: cos})
		cache.put(&Tensor{Name: "rope.sin", Shape: []int{len(tokens), half}, Data: sin})
	}
	V := len(logits) / len(tokens)
	cache.Logits = &Tensor{Name: "logits", Shape: []int{len(tokens), V}, Data: append([]float32(nil), logits...)}
	return cache, nil
}

// captureData copies an activation, keeping the chosen positions and
// expanding KV heads if asked.
func captureData(a *models.Activation, opts CaptureOptions, heads int) []float32 {
	data, shape := a.Data, a.Shape
	if opts.ExpandKV && isKV(a.Name.Point) && shape[1] != heads {
		T, kv, d := shape[0], shape[1], shape[2]
		group := heads / kv
		out := make([]float32, T*heads*d)
		for t := 0; t < T; t++ {
			for h := 0; h < heads; h++ {
				copy(out[(t*heads+h)*d:(t*heads+h+1)*d], data[(t*kv+h/group)*d:(t*kv+h/group+1)*d])
			}
		}
		data, shape = out, []int{T, heads, d}
	}
	if opts.Positions == nil {
		if len(data) > 0 && &data[0] == &a.Data[0] {
			return append([]float32(nil), data...)
		}
		return data
	}
	if a.Name.Point == models.HookAttnScores || a.Name.Point == models.HookPattern {
		nh, T, K := shape[0], shape[1], shape[2]
		out := make([]float32, 0, nh*len(opts.Positions)*K)
		for h := 0; h < nh; h++ {
			for _, p := range opts.Positions {
				out = append(out, data[(h*T+p)*K:(h*T+p+1)*K]...)
			}
		}
		return out
	}
	row := len(data) / shape[0]
	out := make([]float32, 0, row*len(opts.Positions))
	for _, p := range opts.Positions {
		out = append(out, data[p*row:(p+1)*row]...)
	}
	return out
}
