package models

import (
	"fmt"
	"strconv"
	"strings"
)

// HookPoint is a place in the forward pass where an activation can be
// read or replaced. Names follow TransformerLens (see HookName.String).
// Shapes use T = tokens in the pass, K = positions attended (cache +
// pass), H = hidden size, nh / nkv = query / key-value heads, d = head dim,
// F = MLP width, V = vocab.
type HookPoint uint8

// The hook points, in the order the forward pass reaches them.
const (
	HookEmbed             HookPoint = iota // hook_embed [T,H] (after any embedding scale)
	HookResidPre                           // blocks.l.hook_resid_pre [T,H]
	HookLn1Scale                           // blocks.l.ln1.hook_scale [T,1]: 1/sqrt(mean(x²)+ε) or 1/σ
	HookLn1Normalized                      // blocks.l.ln1.hook_normalized [T,H] (after the weight)
	HookQ                                  // blocks.l.attn.hook_q [T,nh,d] (before RoPE)
	HookK                                  // blocks.l.attn.hook_k [T,nkv,d]
	HookV                                  // blocks.l.attn.hook_v [T,nkv,d]
	HookRotQ                               // blocks.l.attn.hook_rot_q [T,nh,d]
	HookRotK                               // blocks.l.attn.hook_rot_k [T,nkv,d]
	HookAttnScores                         // blocks.l.attn.hook_attn_scores [nh,T,K] (scaled, capped, masked: −Inf)
	HookPattern                            // blocks.l.attn.hook_pattern [nh,T,K]
	HookZ                                  // blocks.l.attn.hook_z [T,nh,d]
	HookAttnOut                            // blocks.l.hook_attn_out [T,H] (after Gemma 2's post-norm)
	HookLn1PostNormalized                  // blocks.l.ln1_post.hook_normalized [T,H] (Gemma 2)
	HookResidMid                           // blocks.l.hook_resid_mid [T,H] (absent with a parallel residual)
	HookLn2Scale                           // blocks.l.ln2.hook_scale [T,1]
	HookLn2Normalized                      // blocks.l.ln2.hook_normalized [T,H]
	HookMLPPre                             // blocks.l.mlp.hook_pre [T,F] (the gate for gated MLPs, before the activation)
	HookMLPPreLinear                       // blocks.l.mlp.hook_pre_linear [T,F] (the up projection of gated MLPs)
	HookMLPPost                            // blocks.l.mlp.hook_post [T,F] (input of the down projection)
	HookMLPOut                             // blocks.l.hook_mlp_out [T,H] (after Gemma 2's post-norm)
	HookLn2PostNormalized                  // blocks.l.ln2_post.hook_normalized [T,H] (Gemma 2)
	HookResidPost                          // blocks.l.hook_resid_post [T,H]
	HookLnFinalScale                       // ln_final.hook_scale [T,1]
	HookLnFinalNormalized                  // ln_final.hook_normalized [T,H]
	HookLogits                             // logits [T,V] (after soft-capping)
	numHookPoints
)

var hookSuffix = [numHookPoints]string{
	"hook_embed", "hook_resid_pre", "ln1.hook_scale", "ln1.hook_normalized", "attn.hook_q", "attn.hook_k",
	"attn.hook_v", "attn.hook_rot_q", "attn.hook_rot_k", "attn.hook_attn_scores", "attn.hook_pattern",
	"attn.hook_z", "hook_attn_out", "ln1_post.hook_normalized", "hook_resid_mid", "ln2.hook_scale",
	"ln2.hook_normalized", "mlp.hook_pre", "mlp.hook_pre_linear", "mlp.hook_post", "hook_mlp_out",
	"ln2_post.hook_normalized", "hook_resid_post", "ln_final.hook_scale", "ln_final.hook_normalized", "logits",
}

// PerLayer reports whether the point exists once per block.
func (p HookPoint) PerLayer() bool {
	return p != HookEmbed && p != HookLnFinalScale && p != HookLnFinalNormalized && p != HookLogits
}

func (p HookPoint) String() string {
	if p >= numHookPoints {
		return fmt.Sprintf("HookPoint(%d)", int(p))
	}
	return hookSuffix[p]
}

// HookPoints lists every hook point.
func HookPoints() []HookPoint {
	out := make([]HookPoint, numHookPoints)
	for i := range out {
		out[i] = HookPoint(i)
	}
	return out
}

// HookName is a hook point of one layer (Layer is ignored for points
// that are not per layer). String gives the TransformerLens spelling.
type HookName struct {
	Layer int
	Point HookPoint
}

func (n HookName) String() string {
	if !n.Point.PerLayer() {
		return n.Point.String()
	}
	return "blocks." + strconv.Itoa(n.Layer) + "." + n.Point.String()
}

// ParseHookName parses a TransformerLens-style name such as
// "blocks.3.attn.hook_pattern" or "ln_final.hook_normalized".
func ParseHookName(s string) (HookName, error) {
	if rest, ok := strings.CutPrefix(s, "blocks."); ok {
		i := strings.IndexByte(rest, '.')
		if i <= 0 {
			return HookName{}, fmt.Errorf("hook name %q: want blocks.LAYER.POINT", s)
		}
		l, err := strconv.Atoi(rest[:i])
		if err != nil || l < 0 {
			return HookName{}, fmt.Errorf("hook name %q: bad layer %q", s, rest[:i])
		}
		for p := HookPoint(0); p < numHookPoints; p++ {
			if p.PerLayer() && hookSuffix[p] == rest[i+1:] {
				return HookName{Layer: l, Point: p}, nil
			}
		}
		return HookName{}, fmt.Errorf("hook name %q: unknown point %q", s, rest[i+1:])
	}
	for p := HookPoint(0); p < numHookPoints; p++ {
		if !p.PerLayer() && hookSuffix[p] == s {
			return HookName{Point: p}, nil
		}
	}
	return HookName{}, fmt.Errorf("unknown hook name %q", s)
}

// Activation is the value at a hook point during one forward pass. Data
// is the forward pass's own buffer: a hook that changes it changes what
// the rest of the pass sees. It is only valid during the hook call; copy
// it to keep it.
type Activation struct {
	Name  HookName
	Shape []int
	Data  []float32
	// Pos is the position of the first token of the pass (0 for a fresh
	// prompt, the cache length when generating).
	Pos int
}

// HookFunc reads or replaces an activation. Returning an error stops the
// forward pass with that error.
type HookFunc func(a *Activation) error

// Hooks is a table of hook functions by hook name. The zero value and a
// nil *Hooks hook nothing; a forward pass with a nil table does no hook
// work at all.
type Hooks struct {
	layers int
	fns    [][]HookFunc // [layer*numHookPoints+point] (global points use layer 0)
	n      int
	// StopAfterLayer, when ≥ 0, ends the pass after that block (no logits).
	stopAfter int
}

// NewHooks returns an empty table for a model with the given layer count.
func NewHooks(layers int) *Hooks {
	return &Hooks{layers: layers, fns: make([][]HookFunc, (layers+1)*int(numHookPoints)), stopAfter: -1}
}

func (h *Hooks) index(n HookName) (int, error) {
	if n.Point >= numHookPoints {
		return 0, fmt.Errorf("unknown hook point %d", n.Point)
	}
	l := n.Layer
	if !n.Point.PerLayer() {
		l = h.layers
	} else if l < 0 || l >= h.layers {
		return 0, fmt.Errorf("hook %s: layer %d out of range [0, %d)", n, l, h.layers)
	}
	return l*int(numHookPoints) + int(n.Point), nil
}

// Add appends fn to the functions run at n.
func (h *Hooks) Add(n HookName, fn HookFunc) error {
	i, err := h.index(n)
	if err != nil {
		return err
	}
	h.fns[i] = append(h.fns[i], fn)
	h.n++
	return nil
}

// Len is the number of hook functions in the table.
func (h *Hooks) Len() int {
	if h == nil {
		return 0
	}
	return h.n
}

// SetStopAfterLayer ends forward passes after block l (−1: never).
func (h *Hooks) SetStopAfterLayer(l int) { h.stopAfter = l }

// StopAfterLayer returns the layer after which passes stop (−1: never).
func (h *Hooks) StopAfterLayer() int {
	if h == nil {
		return -1
	}
	return h.stopAfter
}

// Has reports whether any function is registered at n.
func (h *Hooks) Has(n HookName) bool {
	if h == nil || h.n == 0 {
		return false
	}
	i, err := h.index(n)
	return err == nil && len(h.fns[i]) > 0
}

// run calls the functions at (layer, p) on data; the caller has checked
// Has. A panicking hook becomes an error naming the hook.
func (h *Hooks) run(layer int, p HookPoint, pos int, data []float32, shape dims) (err error) {
	n := HookName{Layer: layer, Point: p}
	i, _ := h.index(n)
	a := &Activation{Name: n, Shape: shape.slice(), Data: data, Pos: pos}
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("hook %s panicked: %v", n, r)
		}
	}()
	for _, fn := range h.fns[i] {
		if err := fn(a); err != nil {
			return fmt.Errorf("hook %s: %w", n, err)
		}
	}
	return nil
}

// Has reports whether the model's forward pass reaches hook point p:
// a parallel residual has no resid_mid or ln2, only sandwich norms have
// ln1_post/ln2_post, only gated MLPs have hook_pre_linear.
func (a *ArchitectureConfig) Has(p HookPoint) bool {
	switch p {
	case HookResidMid, HookLn2Scale, HookLn2Normalized:
		return !a.ParallelResidual
	case HookLn1PostNormalized, HookLn2PostNormalized:
		return a.SandwichNorms
	case HookMLPPreLinear:
		return a.GatedMLP
	}
	return p < numHookPoints
}

// HookNames lists every hook name the model has, in forward order.
func (d *Decoder) HookNames() []HookName {
	var out []HookName
	out = append(out, HookName{Point: HookEmbed})
	for l := 0; l < d.cfg.Layers; l++ {
		for p := HookResidPre; p <= HookResidPost; p++ {
			if d.desc.Has(p) {
				out = append(out, HookName{Layer: l, Point: p})
			}
		}
	}
	return append(out, HookName{Point: HookLnFinalScale}, HookName{Point: HookLnFinalNormalized}, HookName{Point: HookLogits})
}
