package models

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/torchless-go/torchless/kernels"
	"github.com/torchless-go/torchless/models/weights"
)

// LoadOptions changes how a model is loaded. The zero value loads
// eagerly with the file's own configuration.
type LoadOptions struct {
	// Lazy memory-maps the weights instead of reading them into memory.
	Lazy bool
	// KeepGGUFLayout runs llama-architecture GGUF files in their stored
	// layout: q and k rows stay permuted and RoPE rotates adjacent pairs,
	// which skips a per-token shuffle but leaves hook_q, hook_k and their
	// rotated forms in llama.cpp's order instead of HF's. Logits and
	// attention patterns are the same either way.
	KeepGGUFLayout bool
	// KVCacheF16 keeps the KV cache of new states in float16, halving its
	// memory at the cost of rounding keys and values to 11 bits.
	KVCacheF16 bool
	// QueryPreAttnScalar, when > 0, sets the attention scale to
	// QueryPreAttnScalar^-½. GGUF files of Gemma 2 do not record it; the
	// loader then uses head_dim, which is right for every Gemma 2 but the
	// 27B (which needs hidden_size / num_heads = 144).
	QueryPreAttnScalar float64
	// SlidingWindow, when > 0, sets the sliding window (on the layers the
	// family's rule says). GGUF files of Mistral models do not record
	// their window; pass it here to reproduce the HF model.
	SlidingWindow int
	// Int8Activations multiplies Q4_0, Q8_0, Q4_K and Q5_K weights by
	// activations rounded to 8 bits, in integers, as llama.cpp does
	// (see kernels.Mat.Int8Input): decoding and prompts run faster, and
	// the logits move by about 1e-2 relative — they then agree with
	// llama.cpp's instead of the exact product of the dequantized
	// weights. Other weight types stay exact. Off by default: hooks then
	// see the activations of the exact computation.
	Int8Activations bool
}

func (o LoadOptions) mode() weights.Mode {
	if o.Lazy {
		return weights.Lazy
	}
	return weights.Eager
}

// Build makes a decoder of architecture arch from an opened source. The
// decoder takes ownership of the source's files.
func Build(src *Source, arch Architecture, opts LoadOptions) (*Decoder, error) {
	desc, err := Describe(arch)
	if err != nil {
		return nil, err
	}
	var cfg Config
	var names func(r Role, layer int) string
	var unused []string
	switch src.Format {
	case FormatGGUF:
		cfg, err = configFromGGUF(src, arch, desc)
		names = func(r Role, l int) string { return fmtName(ggufName(r), l) }
	default:
		if err := src.hf.adjustDescription(&desc); err != nil {
			return nil, fmt.Errorf("%s: config: %w", src.Path, err)
		}
		cfg, err = configFromHF(src.hf, arch, desc)
		unused = src.hf.unused()
		names = func(r Role, l int) string {
			n, ok := desc.HFNames[r]
			if !ok {
				return ""
			}
			return fmtName(n, l)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("%s: config: %w", src.Path, err)
	}
	if opts.SlidingWindow > 0 {
		cfg.SlidingWindow = opts.SlidingWindow
		cfg.SlidingLayers = make([]bool, cfg.Layers)
		for l := range cfg.SlidingLayers {
			cfg.SlidingLayers[l] = desc.Sliding.slides(l, 0)
		}
	}
	if opts.QueryPreAttnScalar > 0 {
		cfg.AttnScale = 1 / math.Sqrt(opts.QueryPreAttnScalar)
	}
	b := &builder{src: src, names: names, int8: opts.Int8Activations}
	d := &Decoder{cfg: cfg, desc: desc, source: src, unusedConfig: unused, kvHalf: opts.KVCacheF16,
		int8Act: opts.Int8Activations, ropePairing: desc.RopePairing}
	if src.Format == FormatGGUF && desc.GGUFPermutedQK {
		if opts.KeepGGUFLayout {
			d.ropePairing = RopeAdjacent
		} else {
			d.permutedQK = true
		}
	}
	if err := b.fill(d); err != nil {
		return nil, fmt.Errorf("%s: %w", src.Path, err)
	}
	if err := d.cfg.Validate(); err != nil {
		return nil, fmt.Errorf("%s: config: %w", src.Path, err)
	}
	d.invFreq, d.attnFactor = d.cfg.RopeFrequencies(0)
	d.tok, d.tokErr = src.loadTokenizer()
	if d.tok != nil && d.tok.VocabSize() > d.cfg.VocabSize {
		return nil, fmt.Errorf("%s: the tokenizer has %d tokens, the model's vocabulary only %d", src.Path, d.tok.VocabSize(), d.cfg.VocabSize)
	}
	return d, nil
}

func fmtName(pattern string, layer int) string {
	if strings.Contains(pattern, "%d") {
		return fmt.Sprintf(pattern, layer)
	}
	return pattern
}

// builder looks tensors up by role and checks their shapes.
type builder struct {
	src   *Source
	names func(r Role, layer int) string
	errs  []error
	int8  bool // LoadOptions.Int8Activations
}

// tensor returns the tensor of role r in layer l, checking its shape;
// a missing required tensor or a wrong shape is recorded as an error.
func (b *builder) tensor(r Role, l int, required bool, why string, shape ...int) *weights.Tensor {
	name := b.names(r, l)
	var t *weights.Tensor
	if name != "" {
		t = b.src.Set.Get(name)
	}
	if t == nil {
		if required {
			if name == "" {
				name = r.String()
			}
			b.errs = append(b.errs, fmt.Errorf("missing tensor %q (%s)", name, r))
		}
		return nil
	}
	if !slices.Equal(t.Shape, shape) {
		b.errs = append(b.errs, fmt.Errorf("tensor %q: shape %v, the config expects %v (%s)", name, t.Shape, shape, why))
		return nil
	}
	if !t.DType.IsWeight() {
		b.errs = append(b.errs, fmt.Errorf("tensor %q: dtype %s is not a weight type", name, t.DType))
		return nil
	}
	return t
}

func (b *builder) vector(r Role, l int, required bool, n int, offset float32, why string) []float32 {
	t := b.tensor(r, l, required, why, n)
	if t == nil {
		return nil
	}
	v, err := t.Float32()
	if err != nil {
		b.errs = append(b.errs, err)
		return nil
	}
	if offset != 0 {
		for i := range v {
			v[i] += offset
		}
	}
	return v
}

func (b *builder) linear(w, bias Role, l int, hasBias bool, rows, cols int, why string) linear {
	t := b.tensor(w, l, true, why, rows, cols)
	var out linear
	if t != nil {
		out.w = kernels.Mat{DType: t.DType, Rows: rows, Cols: cols, Data: t.Data, Scales: t.Scales, Int8Input: b.int8}
	}
	if hasBias {
		out.b = b.vector(bias, l, true, rows, 0, why+" bias")
	}
	return out
}

func (b *builder) fill(d *Decoder) error {
	c := &d.cfg
	desc := &d.desc
	// The vocabulary and MLP width come from the tensors when the config
	// leaves them out; a config that states them must agree.
	if emb := b.src.Set.Get(b.names(RoleTokenEmbd, 0)); emb != nil && len(emb.Shape) == 2 && c.VocabSize == 0 {
		c.VocabSize = emb.Shape[0]
	}
	H, V := c.Hidden, c.VocabSize
	qDim, kvDim := c.Heads*c.HeadDim, c.KVHeads*c.HeadDim
	dims := fmt.Sprintf("hidden_size %d, heads %d × head_dim %d, kv heads %d", H, c.Heads, c.HeadDim, c.KVHeads)
	d.embed = b.tensor(RoleTokenEmbd, 0, true, fmt.Sprintf("vocab_size %d × hidden_size %d", V, H), V, H)
	normW := func(r Role, l int) norm {
		return norm{w: b.vector(r, l, true, H, c.NormOffset, "hidden_size"),
			b: func() []float32 {
				if desc.NormBias {
					return b.vector(r+1, l, true, H, 0, "hidden_size")
				}
				return nil
			}()}
	}
	d.outNorm = normW(RoleOutputNorm, 0)
	// GGUF files of tied models simply have no output matrix.
	if c.TiedEmbeddings && !desc.LMHeadBias {
		if d.embed != nil {
			d.output = linear{w: kernels.Mat{DType: d.embed.DType, Rows: V, Cols: H, Data: d.embed.Data, Scales: d.embed.Scales, Int8Input: b.int8}}
		}
	} else {
		d.output = b.linear(RoleOutput, RoleOutputBias, 0, desc.LMHeadBias, V, H, fmt.Sprintf("vocab_size %d × hidden_size %d", V, H))
	}
	F := c.FFN
	ffn := fmt.Sprintf("intermediate_size %d, hidden_size %d", F, H)
	d.blocks = make([]block, c.Layers)
	for l := range d.blocks {
		bl := &d.blocks[l]
		bl.attnNorm = normW(RoleAttnNorm, l)
		if desc.FusedQKV {
			bl.qkv = b.linear(RoleAttnQKV, RoleAttnQKVBias, l, desc.QKVBias, qDim+2*kvDim, H, dims)
		} else {
			bl.q = b.linear(RoleAttnQ, RoleAttnQBias, l, desc.QKVBias, qDim, H, dims)
			bl.k = b.linear(RoleAttnK, RoleAttnKBias, l, desc.QKVBias, kvDim, H, dims)
			bl.v = b.linear(RoleAttnV, RoleAttnVBias, l, desc.QKVBias, kvDim, H, dims)
		}
		bl.o = b.linear(RoleAttnOut, RoleAttnOutBias, l, desc.OutBias, H, qDim, dims)
		if desc.SandwichNorms {
			bl.postAttnNorm = normW(RolePostAttnNorm, l)
			bl.postFFNNorm = normW(RolePostFFNNorm, l)
		}
		if !desc.ParallelResidual {
			bl.ffnNorm = normW(RoleFFNNorm, l)
		}
		switch {
		case desc.FusedGateUp:
			bl.gateUp = b.linear(RoleFFNGateUp, 0, l, false, 2*F, H, ffn)
		case desc.GatedMLP:
			bl.gate = b.linear(RoleFFNGate, 0, l, false, F, H, ffn)
			bl.up = b.linear(RoleFFNUp, 0, l, false, F, H, ffn)
		default:
			bl.up = b.linear(RoleFFNUp, RoleFFNUpBias, l, desc.MLPBias, F, H, ffn)
		}
		bl.down = b.linear(RoleFFNDown, RoleFFNDownBias, l, desc.MLPBias, H, F, ffn)
	}
	// GGUF RoPE frequency tensors.
	if b.src.Format == FormatGGUF {
		half := c.RotaryDim / 2
		if t := b.src.Set.Get(ggufName(RoleRopeFreqs)); t != nil {
			c.RopeScaling.FreqFactors = f64(b.vector(RoleRopeFreqs, 0, true, half, 0, "rotary_dim/2"))
			if c.RopeScaling.Kind == RopeNone {
				c.RopeScaling.Kind = RopeLlama3
			}
		}
		if b.src.Set.Get(ggufName(RoleRopeFactorsLong)) != nil {
			c.RopeScaling.Kind = RopeLongRoPE
			c.RopeScaling.LongFactor = f64(b.vector(RoleRopeFactorsLong, 0, true, half, 0, "rotary_dim/2"))
			c.RopeScaling.ShortFactor = f64(b.vector(RoleRopeFactorsShort, 0, true, half, 0, "rotary_dim/2"))
		}
	}
	return errors.Join(b.errs...)
}

func f64(v []float32) []float64 {
	if v == nil {
		return nil
	}
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = float64(x)
	}
	return out
}

// configFromGGUF resolves a GGUF file's metadata (llama.cpp's keys,
// prefixed with general.architecture).
func configFromGGUF(src *Source, arch Architecture, desc ArchitectureConfig) (Config, error) {
	f := src.gguf
	p := f.Architecture() + "."
	var errs []error
	getInt := func(key string, def int) int {
		if v, ok := f.GetUint(p + key); ok {
			return int(v)
		}
		return def
	}
	getFloat := func(key string, def float64) float64 {
		if v, ok := f.GetFloat(p + key); ok {
			return v
		}
		return def
	}
	c := Config{Arch: arch, BOS: -1, EmbedScale: 1}
	c.Hidden = getInt("embedding_length", 0)
	c.Layers = getInt("block_count", 0)
	c.Heads = getInt("attention.head_count", 0)
	c.KVHeads = getInt("attention.head_count_kv", c.Heads)
	if c.Heads > 0 {
		c.HeadDim = getInt("attention.key_length", c.Hidden/c.Heads)
	}
	c.FFN = getInt("feed_forward_length", 0)
	if desc.HalvedIntermediate {
		c.FFN /= 2
	}
	c.VocabSize = getInt("vocab_size", 0)
	c.MaxContext = getInt("context_length", 0)
	if desc.Norm == LayerNorm {
		c.NormEps = getFloat("attention.layer_norm_epsilon", 1e-5)
	} else {
		c.NormEps = getFloat("attention.layer_norm_rms_epsilon", 1e-5)
	}
	c.RopeTheta = getFloat("rope.freq_base", 10000)
	c.RotaryDim = getInt("rope.dimension_count", c.HeadDim)
	// Gemma 2's query_pre_attn_scalar is not in llama.cpp's GGUF; HF's
	// default (and every released Gemma 2 but the 27B) is head_dim.
	c.AttnScale = 1 / math.Sqrt(getFloat("attention.query_pre_attn_scalar", float64(c.HeadDim)))
	c.AttnSoftcap = getFloat("attn_logit_softcapping", 0)
	c.FinalSoftcap = getFloat("final_logit_softcapping", 0)
	if w := getInt("attention.sliding_window", 0); w > 0 && desc.Sliding != SlideNone {
		c.SlidingWindow = w
		c.SlidingLayers = make([]bool, c.Layers)
		for l := range c.SlidingLayers {
			c.SlidingLayers[l] = desc.Sliding.slides(l, 0)
		}
	}
	// GGUF stores Gemma's norm weights with the 1 already added.
	c.NormOffset = 0
	if desc.EmbedScaleSqrtHidden {
		c.EmbedScale = float32(math.Sqrt(float64(c.Hidden)))
	}
	c.TiedEmbeddings = src.Set.Get(ggufName(RoleOutput)) == nil
	if v, ok := f.GetUint("tokenizer.ggml.bos_token_id"); ok {
		c.BOS = int(v)
	}
	if v, ok := f.GetUint("tokenizer.ggml.eos_token_id"); ok {
		c.EOS = []int{int(v)}
	}
	switch kind, _ := f.GetString(p + "rope.scaling.type"); kind {
	case "", "none":
	case "linear", "yarn":
		c.RopeScaling = RopeScaling{Kind: RopeKind(kind), Factor: getFloat("rope.scaling.factor", 1),
			OriginalContext: getInt("rope.scaling.original_context_length", c.MaxContext), BetaFast: 32, BetaSlow: 1}
		if kind == "yarn" {
			c.RopeScaling.BetaFast = getFloat("rope.scaling.yarn_beta_fast", 32)
			c.RopeScaling.BetaSlow = getFloat("rope.scaling.yarn_beta_slow", 1)
		}
	default:
		errs = append(errs, fmt.Errorf("%srope.scaling.type %q is not supported", p, kind))
	}
	if src.Set.Get(ggufName(RoleRopeFactorsLong)) != nil {
		c.RopeScaling.OriginalContext = getInt("rope.scaling.original_context_length", c.MaxContext)
		c.RopeScaling.AttnFactor = getFloat("rope.scaling.attn_factor", 0)
		if c.RopeScaling.OriginalContext > 0 {
			c.RopeScaling.Factor = float64(c.MaxContext) / float64(c.RopeScaling.OriginalContext)
		}
	}
	return c, errors.Join(errs...)
}
