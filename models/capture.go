package models

import "context"

// RunCapture runs ids as one batch from a fresh state and returns copies
// of the activations at the given hook names (missing names, such as
// hook_resid_mid on a parallel-residual model, are simply absent). It
// also returns the logits of every position.
func RunCapture(ctx context.Context, m Model, ids []int, names []HookName) (map[HookName]*Activation, []float32, error) {
	cfg := m.Config()
	hooks := NewHooks(cfg.Layers)
	out := make(map[HookName]*Activation, len(names))
	for _, n := range names {
		if err := hooks.Add(n, func(a *Activation) error {
			out[a.Name] = &Activation{Name: a.Name, Shape: append([]int(nil), a.Shape...),
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

// RopeTables returns the RoPE tables a pass of n tokens from position 0
// uses: inverse frequencies [rot/2] and cos, sin [n, rot/2] (including
// any attention factor, as HF's rotary embedding returns them).
func (c *Config) RopeTables(n int) (invFreq, cos, sin []float32) {
	f, _ := c.RopeFrequencies(n)
	invFreq = make([]float32, len(f))
	for i, v := range f {
		invFreq[i] = float32(v)
	}
	t := c.ropeFor(0, n)
	return invFreq, t.cos, t.sin
}
