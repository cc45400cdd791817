package models

import (
	"context"
	"fmt"
	"math"

	"github.com/torchless-go/torchless/kernels"
	"github.com/torchless-go/torchless/models/tokenizer"
	"github.com/torchless-go/torchless/models/weights"
)

// linear is y = W·x (+ b). b is nil when the layer has no bias.
type linear struct {
	w kernels.Mat
	b []float32
}

// apply computes dst [n,Rows] = x [n,Cols] · Wᵀ (+ b).
func (l *linear) apply(dst, x []float32, n int) {
	kernels.MatMul(dst[:n*l.w.Rows], l.w, x[:n*l.w.Cols], n)
	l.addBias(dst, n)
}

// addBias adds b to each of the n rows of dst (a no-op without a bias).
func (l *linear) addBias(dst []float32, n int) {
	if l.b == nil {
		return
	}
	for i := 0; i < n; i++ {
		kernels.Add(dst[i*l.w.Rows:(i+1)*l.w.Rows], l.b)
	}
}

// applyGroup computes several projections of one input in a single
// dispatch to the worker pool: dst[j] = x · ls[j].Wᵀ (+ b). The state
// keeps the argument arrays, so the call does not allocate.
func (s *InferenceState) applyGroup(x []float32, n int, ls []*linear, dst ...[]float32) {
	g := &s.buf.group
	ws, ds := g.w[:len(ls)], g.dst[:len(ls)]
	for j, l := range ls {
		ws[j] = l.w
		ds[j] = dst[j][:n*l.w.Rows]
	}
	kernels.MatMulGroup(ds, ws, x[:n*ls[0].w.Cols], n)
	for j, l := range ls {
		l.addBias(ds[j], n)
	}
	clear(ds) // drop references to the buffers
}

// norm is an RMSNorm or LayerNorm weight (with the config's offset
// already added) and optional bias.
type norm struct {
	w, b []float32
}

// block is one transformer layer's weights. Fields a family does not
// use are zero.
type block struct {
	attnNorm     norm
	q, k, v, qkv linear
	o            linear
	postAttnNorm norm
	ffnNorm      norm
	gate, up     linear
	gateUp       linear
	down         linear
	postFFNNorm  norm
}

// Decoder is the one decoder-only transformer implementation; an
// ArchitectureConfig and a Config say which variant of it runs.
type Decoder struct {
	cfg     Config
	desc    ArchitectureConfig
	embed   *weights.Tensor
	blocks  []block
	outNorm norm
	output  linear
	// permutedQK: q and k rows are in GGUF's llama order ([hd/2][2] per
	// head); they are put back in HF order right after the projection,
	// so every hook sees the HF layout.
	permutedQK bool
	// ropePairing is the pairing of q and k as the decoder holds them.
	ropePairing RopePairing

	source       *Source
	unusedConfig []string
	// invFreq and attnFactor are the RoPE frequencies of methods that do
	// not depend on the pass length.
	invFreq    []float64
	attnFactor float64
	// kvHalf: new states keep their KV cache in float16.
	kvHalf bool
	// int8Act: Q4_0/Q8_0 products round their input to 8 bits
	// (LoadOptions.Int8Activations).
	int8Act bool

	tok    *tokenizer.Tokenizer // nil when the files have none (tokErr says why)
	tokErr error
}

// Config returns the model's resolved configuration.
func (d *Decoder) Config() Config { return d.cfg }

// Description returns the architecture description the decoder runs.
func (d *Decoder) Description() ArchitectureConfig { return d.desc }

// InferenceState is one sequence being processed: its KV cache, its
// position, its hooks and its working buffers. It is not safe for
// concurrent use.
type InferenceState struct {
	pos      int
	capacity int          // positions the cache holds
	k        []keyCache   // per layer [nkv·d, ≥ capacity]
	v        []valueCache // per layer [capacity, nkv·d]
	kvHalf   bool         // the cache holds float16
	hooks    *Hooks
	buf      scratch
}

// NewState returns an empty state. Its KV cache grows as needed.
func (d *Decoder) NewState() *InferenceState {
	return &InferenceState{k: make([]keyCache, d.cfg.Layers), v: make([]valueCache, d.cfg.Layers), kvHalf: d.kvHalf}
}

// Pos returns the number of positions processed so far.
func (s *InferenceState) Pos() int { return s.pos }

// Reset empties the cache (keeping its memory) and sets the position to 0.
func (s *InferenceState) Reset() { s.pos = 0 }

// Truncate drops the cached positions from n on (n ≤ Pos()).
func (s *InferenceState) Truncate(n int) {
	if n >= 0 && n < s.pos {
		s.pos = n
	}
}

// SetHooks installs a hook table (nil for none) used by later passes.
func (s *InferenceState) SetHooks(h *Hooks) { s.hooks = h }

// Hooks returns the installed hook table.
func (s *InferenceState) Hooks() *Hooks { return s.hooks }

// scratch holds the working buffers of a pass, reused between passes.
type scratch struct {
	x, h, attnOut, mlpOut []float32
	q, k, v, qkv, z       []float32
	gate, up, gateUp      []float32
	scores                []float32
	kvRows                []float32 // per-head buffers for widening float16 cache rows
	group                 struct {  // applyGroup's arguments
		w   [3]kernels.Mat
		dst [3][]float32
		ls  [3]*linear
	}
	att      attender // the attention work of the current layer
	logits   []float32
	rowScale []float32
	rope     ropeTable
}

func grow(b *[]float32, n int) []float32 {
	if cap(*b) < n {
		*b = make([]float32, n)
	}
	*b = (*b)[:n]
	return *b
}

func (s *InferenceState) ensureCache(layers, kvDim, need int) {
	if need <= s.capacity {
		return
	}
	c := max(need, 2*s.capacity, 16)
	for l := 0; l < layers; l++ {
		s.k[l].resize(kvDim, c, s.pos, s.kvHalf)
		s.v[l].resize(c*kvDim, s.pos*kvDim, s.kvHalf)
	}
	s.capacity = c
}

// Forward runs one token at the state's position and returns the logits
// (a buffer of the state, valid until the next call).
func (d *Decoder) Forward(ctx context.Context, s *InferenceState, token int) ([]float32, error) {
	return d.run(ctx, s, []int{token}, true)
}

// ForwardBatch runs tokens as one batch from the state's position and
// returns the logits of every position ([len(tokens), vocab], a buffer of
// the state).
func (d *Decoder) ForwardBatch(ctx context.Context, s *InferenceState, tokens []int) ([]float32, error) {
	return d.run(ctx, s, tokens, false)
}

// FastForward runs tokens as one batch and returns only the logits of the
// last one: the prompt pass of generation.
func (d *Decoder) FastForward(ctx context.Context, s *InferenceState, tokens []int) ([]float32, error) {
	return d.run(ctx, s, tokens, true)
}

// run is the forward pass over T tokens starting at s.pos.
func (d *Decoder) run(ctx context.Context, s *InferenceState, tokens []int, lastOnly bool) (logits []float32, err error) {
	c := &d.cfg
	T := len(tokens)
	if T == 0 {
		return nil, fmt.Errorf("forward: no tokens")
	}
	for _, t := range tokens {
		if t < 0 || t >= c.VocabSize {
			return nil, fmt.Errorf("forward: token id %d out of range [0, %d)", t, c.VocabSize)
		}
	}
	// Panics raised by hooks on worker goroutines come back here.
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("forward: %v", r)
		}
	}()
	H := c.Hidden
	kvDim := c.KVHeads * c.HeadDim
	s.ensureCache(c.Layers, kvDim, s.pos+T)
	hk := s.hooks
	if hk.Len() == 0 {
		hk = nil
	}
	b := &s.buf
	x := grow(&b.x, T*H)
	for i, t := range tokens {
		row := x[i*H : (i+1)*H]
		d.embed.DequantizeRow(t, row)
		if c.EmbedScale != 1 {
			kernels.Scale(row, c.EmbedScale)
		}
	}
	if err := d.hook(hk, s, 0, HookEmbed, x, dims{T, H}); err != nil {
		return nil, err
	}
	rope := &s.buf.rope
	if c.RopeScaling.dynamic() {
		inv, attn := c.RopeFrequencies(s.pos + T)
		rope.fill(inv, attn, s.pos, T)
	} else {
		rope.fill(d.invFreq, d.attnFactor, s.pos, T)
	}
	stop := hk.StopAfterLayer()
	for l := range d.blocks {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if err := d.layer(s, hk, l, x, T, rope); err != nil {
			return nil, err
		}
		if stop == l {
			s.pos += T
			return nil, nil
		}
	}
	// Hooks below still report the pass's first position.
	defer func() { s.pos += T }()

	// Final norm and logits, for every position or just the last.
	rows, from := T, 0
	if lastOnly && (hk == nil || !(hk.Has(HookName{Point: HookLogits}) || hk.Has(HookName{Point: HookLnFinalNormalized}) || hk.Has(HookName{Point: HookLnFinalScale}))) {
		rows, from = 1, T-1
	}
	h := grow(&b.h, rows*H)
	if err := d.applyNorm(hk, s, 0, HookLnFinalScale, HookLnFinalNormalized, d.outNorm, h, x[from*H:], rows); err != nil {
		return nil, err
	}
	V := c.VocabSize
	logits = grow(&b.logits, rows*V)
	d.output.apply(logits, h, rows)
	if c.FinalSoftcap > 0 {
		kernels.SoftCap(logits, float32(c.FinalSoftcap))
	}
	if err := d.hook(hk, s, 0, HookLogits, logits, dims{rows, V}); err != nil {
		return nil, err
	}
	if lastOnly && rows > 1 {
		return logits[(rows-1)*V:], nil
	}
	return logits, nil
}

// hook runs the hooks at (l, p) if there are any. The activation's
// position is that of the pass (s.pos before it is advanced).
func (d *Decoder) hook(hk *Hooks, s *InferenceState, l int, p HookPoint, data []float32, shape dims) error {
	if hk == nil || !hk.Has(HookName{Layer: l, Point: p}) {
		return nil
	}
	return hk.run(l, p, s.pos, data, shape)
}

// dims is an activation's shape, unused trailing entries 0. A fixed-size
// array passed by value keeps the no-hook path free of allocations.
type dims [3]int

func (d dims) slice() []int {
	n := len(d)
	for n > 0 && d[n-1] == 0 {
		n--
	}
	return append([]int(nil), d[:n]...)
}

// noHook stands for "no hook point" where a norm has no scale hook.
const noHook = numHookPoints

// applyNorm writes norm(x) for n rows into dst (which may be x), running
// the hooks at scaleHook ([n,1]) and normHook ([n,H]).
func (d *Decoder) applyNorm(hk *Hooks, s *InferenceState, l int, scaleHook, normHook HookPoint, nw norm, dst, x []float32, n int) error {
	H := d.cfg.Hidden
	eps := float32(d.cfg.NormEps)
	wantScale := hk.Has(HookName{Layer: l, Point: scaleHook})
	var scales []float32
	if wantScale {
		scales = grow(&s.buf.rowScale, n)
	}
	for i := 0; i < n; i++ {
		xi, di := x[i*H:(i+1)*H], dst[i*H:(i+1)*H]
		if wantScale {
			scales[i] = normScale(d.desc.Norm, xi, eps)
		}
		if d.desc.Norm == LayerNorm {
			kernels.LayerNorm(di, xi, nw.w, nw.b, eps)
		} else {
			kernels.RMSNorm(di, xi, nw.w, eps, 0)
		}
	}
	if wantScale {
		if err := hk.run(l, scaleHook, s.pos, scales, dims{n, 1}); err != nil {
			return err
		}
	}
	return d.hook(hk, s, l, normHook, dst[:n*H], dims{n, H})
}

// normScale is the factor a norm multiplies the (centred) input by.
func normScale(t NormType, x []float32, eps float32) float32 {
	var mean, sq float64
	if t == LayerNorm {
		for _, v := range x {
			mean += float64(v)
		}
		mean /= float64(len(x))
	}
	for _, v := range x {
		dv := float64(v) - mean
		sq += dv * dv
	}
	return float32(1 / math.Sqrt(sq/float64(len(x))+float64(eps)))
}

// layer runs block l over x [T,H] in place.
func (d *Decoder) layer(s *InferenceState, hk *Hooks, l int, x []float32, T int, rope *ropeTable) error {
	c := &d.cfg
	bl := &d.blocks[l]
	H := c.Hidden
	b := &s.buf
	if err := d.hook(hk, s, l, HookResidPre, x, dims{T, H}); err != nil {
		return err
	}
	h := grow(&b.h, T*H)
	if err := d.applyNorm(hk, s, l, HookLn1Scale, HookLn1Normalized, bl.attnNorm, h, x, T); err != nil {
		return err
	}
	attnOut := grow(&b.attnOut, T*H)
	if err := d.attention(s, hk, l, h, attnOut, T, rope); err != nil {
		return err
	}
	if d.desc.SandwichNorms {
		if err := d.applyNorm(hk, s, l, noHook, HookLn1PostNormalized, bl.postAttnNorm, attnOut, attnOut, T); err != nil {
			return err
		}
	}
	if err := d.hook(hk, s, l, HookAttnOut, attnOut, dims{T, H}); err != nil {
		return err
	}
	mlpOut := grow(&b.mlpOut, T*H)
	if d.desc.ParallelResidual {
		// x + attn(LN(x)) + mlp(LN(x)): the MLP reads the same normalized x.
		if err := d.mlp(s, hk, l, h, mlpOut, T); err != nil {
			return err
		}
		if err := d.hook(hk, s, l, HookMLPOut, mlpOut, dims{T, H}); err != nil {
			return err
		}
		kernels.Add(x, attnOut)
		kernels.Add(x, mlpOut)
	} else {
		kernels.Add(x, attnOut)
		if err := d.hook(hk, s, l, HookResidMid, x, dims{T, H}); err != nil {
			return err
		}
		if err := d.applyNorm(hk, s, l, HookLn2Scale, HookLn2Normalized, bl.ffnNorm, h, x, T); err != nil {
			return err
		}
		if err := d.mlp(s, hk, l, h, mlpOut, T); err != nil {
			return err
		}
		if d.desc.SandwichNorms {
			if err := d.applyNorm(hk, s, l, noHook, HookLn2PostNormalized, bl.postFFNNorm, mlpOut, mlpOut, T); err != nil {
				return err
			}
		}
		if err := d.hook(hk, s, l, HookMLPOut, mlpOut, dims{T, H}); err != nil {
			return err
		}
		kernels.Add(x, mlpOut)
	}
	return d.hook(hk, s, l, HookResidPost, x, dims{T, H})
}

// mlp computes out [T,H] from the normalized input h [T,H].
func (d *Decoder) mlp(s *InferenceState, hk *Hooks, l int, h, out []float32, T int) error {
	bl := &d.blocks[l]
	F := d.cfg.FFN
	b := &s.buf
	act := kernels.SiLU
	if d.desc.Activation == GELUTanh {
		act = kernels.GELUTanh
	}
	if !d.desc.GatedMLP {
		up := grow(&b.up, T*F)
		bl.up.apply(up, h, T)
		if err := d.hook(hk, s, l, HookMLPPre, up, dims{T, F}); err != nil {
			return err
		}
		act(up)
		if err := d.hook(hk, s, l, HookMLPPost, up, dims{T, F}); err != nil {
			return err
		}
		bl.down.apply(out, up, T)
		return nil
	}
	gate, up := grow(&b.gate, T*F), grow(&b.up, T*F)
	if d.desc.FusedGateUp {
		gu := grow(&b.gateUp, T*2*F)
		bl.gateUp.apply(gu, h, T)
		for i := 0; i < T; i++ {
			copy(gate[i*F:(i+1)*F], gu[i*2*F:i*2*F+F])
			copy(up[i*F:(i+1)*F], gu[i*2*F+F:(i+1)*2*F])
		}
	} else {
		ls := b.group.ls[:2]
		ls[0], ls[1] = &bl.gate, &bl.up
		s.applyGroup(h, T, ls, gate, up)
	}
	if err := d.hook(hk, s, l, HookMLPPre, gate, dims{T, F}); err != nil {
		return err
	}
	if err := d.hook(hk, s, l, HookMLPPreLinear, up, dims{T, F}); err != nil {
		return err
	}
	act(gate)
	kernels.Mul(gate, up)
	if err := d.hook(hk, s, l, HookMLPPost, gate, dims{T, F}); err != nil {
		return err
	}
	bl.down.apply(out, gate, T)
	return nil
}
