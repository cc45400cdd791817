package introspect

import (
	"context"
	"fmt"

	"github.com/torchless-go/torchless/models"
)

// HookSpec is a hook function for the hook names a pattern matches.
type HookSpec struct {
	// Pattern is a hook name or a path.Match glob over hook names.
	Pattern string
	Fn      models.HookFunc
}

// Hook returns a HookSpec.
func Hook(pattern string, fn models.HookFunc) HookSpec { return HookSpec{Pattern: pattern, Fn: fn} }

// buildHooks makes a hook table of specs for m.
func buildHooks(m models.Model, specs []HookSpec) (*models.Hooks, error) {
	h := models.NewHooks(m.Config().Layers)
	for _, s := range specs {
		if s.Fn == nil {
			return nil, fmt.Errorf("hook %q: nil function", s.Pattern)
		}
		names, err := Resolve(m, s.Pattern)
		if err != nil {
			return nil, err
		}
		for _, n := range names {
			if err := h.Add(n, s.Fn); err != nil {
				return nil, err
			}
		}
	}
	return h, nil
}

// RunWithHooks runs tokens from a fresh state with the hooks installed
// for this pass only, and returns every position's logits [T*V].
func RunWithHooks(ctx context.Context, m models.Model, tokens []int, hooks ...HookSpec) ([]float32, error) {
	h, err := buildHooks(m, hooks)
	if err != nil {
		return nil, err
	}
	s := m.NewState()
	s.SetHooks(h)
	logits, err := m.ForwardBatch(ctx, s, tokens)
	if err != nil {
		return nil, err
	}
	return append([]float32(nil), logits...), nil
}

// HookedModel is a model with permanent hooks: they run on every pass
// made through it (RunWithHooks, RunWithCache, Generate), before the
// hooks given to a single call.
type HookedModel struct {
	models.Model
	permanent []HookSpec
}

// Wrap returns m with no permanent hooks.
func Wrap(m models.Model) *HookedModel { return &HookedModel{Model: m} }

// AddHook adds a permanent hook; the pattern must match a hook.
func (hm *HookedModel) AddHook(pattern string, fn models.HookFunc) error {
	if _, err := Resolve(hm.Model, pattern); err != nil {
		return err
	}
	hm.permanent = append(hm.permanent, HookSpec{pattern, fn})
	return nil
}

// ResetHooks removes every permanent hook.
func (hm *HookedModel) ResetHooks() { hm.permanent = nil }

// PermanentHooks lists the permanent hooks.
func (hm *HookedModel) PermanentHooks() []HookSpec { return append([]HookSpec(nil), hm.permanent...) }

func (hm *HookedModel) with(extra []HookSpec) []HookSpec {
	return append(append([]HookSpec(nil), hm.permanent...), extra...)
}

// RunWithHooks runs tokens with the permanent hooks and these.
func (hm *HookedModel) RunWithHooks(ctx context.Context, tokens []int, hooks ...HookSpec) ([]float32, error) {
	return RunWithHooks(ctx, hm.Model, tokens, hm.with(hooks)...)
}

// RunWithCache captures a run with the permanent hooks and these.
func (hm *HookedModel) RunWithCache(ctx context.Context, tokens []int, opts CaptureOptions, hooks ...HookSpec) (*Cache, error) {
	return RunWithCache(ctx, hm.Model, tokens, opts, hm.with(hooks)...)
}

// Generate generates from prompt with the permanent hooks and these
// running at every step (the prompt pass, then each token).
func (hm *HookedModel) Generate(ctx context.Context, prompt []int, opts models.GenerateOptions, hooks ...HookSpec) (*models.Generation, error) {
	h, err := buildHooks(hm.Model, hm.with(hooks))
	if err != nil {
		return nil, err
	}
	s := hm.NewState()
	s.SetHooks(h)
	return models.Generate(ctx, hm.Model, s, prompt, opts)
}

// RunToLayer runs tokens through blocks 0…layer only and returns that
// block's resid_post [T,H]: later blocks and the unembedding are skipped.
func RunToLayer(ctx context.Context, m models.Model, tokens []int, layer int, hooks ...HookSpec) (*Tensor, error) {
	cfg := m.Config()
	if layer < 0 || layer >= cfg.Layers {
		return nil, fmt.Errorf("layer %d out of range [0, %d)", layer, cfg.Layers)
	}
	h, err := buildHooks(m, hooks)
	if err != nil {
		return nil, err
	}
	var out *Tensor
	name := models.HookName{Layer: layer, Point: models.HookResidPost}
	if err := h.Add(name, func(a *models.Activation) error {
		out = &Tensor{Name: name.String(), Shape: append([]int(nil), a.Shape...), Data: append([]float32(nil), a.Data...)}
		return nil
	}); err != nil {
		return nil, err
	}
	h.SetStopAfterLayer(layer)
	s := m.NewState()
	s.SetHooks(h)
	if _, err := m.ForwardBatch(ctx, s, tokens); err != nil {
		return nil, err
	}
	return out, nil
}
