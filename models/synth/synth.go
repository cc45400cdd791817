// Package synth writes random-weight models of real architectures and
// sizes, as GGUF files (laid out and described as llama.cpp's converter
// does, with a minimal LLaMA SentencePiece vocabulary so the model loads
// with a tokenizer) or as Hugging Face directories (config.json and
// sharded safetensors). They are for benchmarks and tests: the weights
// are N(0, 0.02), norms 1, so the numbers mean nothing, but every shape,
// name and byte layout is that of the real model.
//
// Weights are generated row by row from a generator seeded with (seed,
// Hugging Face tensor name, row), so a GGUF and an HF model of the same
// options and seed hold the same values, whatever the order or layout
// (GGUF q/k row permutation) they are written in. Files are written
// tensor by tensor: memory holds one tensor (GGUF) or one layer (HF) at
// a time.
package synth

import (
	"context"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"sort"
	"strings"

	"github.com/torchless-go/torchless/kernels"
)

// Options describe the model to write. Zero sizes take the named shape's
// values (Shape), or fail when there is no shape.
type Options struct {
	// Arch is the family: "llama", "mistral", "qwen2", "gemma" or "phi3".
	Arch string
	// Shape names a preset of sizes (see Shapes); explicit sizes below
	// override its fields.
	Shape string
	// Hidden, Layers, Heads, KVHeads, FFN and Vocab are the model's
	// sizes; HeadDim defaults to Hidden/Heads; Context to 2048.
	Hidden, Layers, Heads, KVHeads, FFN, Vocab, HeadDim, Context int
	// DType is the storage type of the 2-D weights (1-D tensors are F32).
	// HF directories hold F32, F16 or BF16 only.
	DType kernels.DType
	// Format is "gguf" (default) or "hf".
	Format string
	// Seed seeds the weights.
	Seed uint64
	// NormEps and RopeTheta go into the metadata (0: the family's usual
	// value).
	NormEps, RopeTheta float64

	// Set by ConvertHF: values from a source instead of the generator,
	// the tie, the output matrix's type, no vocabulary.
	source     func(s tensorSpec, r int, dst []float32) error
	tie        int8 // 0: the family's default; 1 tied; −1 untied
	outputType kernels.DType
	outputSet  bool
	noVocab    bool
}

// Shape is a preset of model sizes.
type Shape struct {
	Hidden, Layers, Heads, KVHeads, FFN, Vocab int
}

var shapes = map[string]Shape{
	// TinyLlama-1.1B (also the shape of the llama.cpp figures in issue 8).
	"tinyllama-1.1b": {Hidden: 2048, Layers: 22, Heads: 32, KVHeads: 4, FFN: 5632, Vocab: 32000},
	// Small enough for tests; every row a multiple of 256 (K-quants).
	"tiny": {Hidden: 256, Layers: 2, Heads: 4, KVHeads: 2, FFN: 512, Vocab: 512},
	// LLaMA 2 7B and Mistral 7B.
	"llama2-7b":  {Hidden: 4096, Layers: 32, Heads: 32, KVHeads: 32, FFN: 11008, Vocab: 32000},
	"mistral-7b": {Hidden: 4096, Layers: 32, Heads: 32, KVHeads: 8, FFN: 14336, Vocab: 32000},
	// Qwen2-0.5B.
	"qwen2-0.5b": {Hidden: 896, Layers: 24, Heads: 14, KVHeads: 2, FFN: 4864, Vocab: 151936},
}

// Shapes returns the preset shapes by name.
func Shapes() map[string]Shape {
	out := make(map[string]Shape, len(shapes))
	for k, v := range shapes {
		out[k] = v
	}
	return out
}

// ShapeNames returns the preset names, sorted.
func ShapeNames() []string {
	names := make([]string, 0, len(shapes))
	for k := range shapes {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}

// Archs lists the families Write supports.
func Archs() []string { return []string{"gemma", "llama", "mistral", "phi3", "qwen2"} }

// resolve fills sizes from the shape and checks the options.
func (o Options) resolve() (Options, error) {
	o.Arch = strings.ToLower(o.Arch)
	if o.Arch == "" {
		o.Arch = "llama"
	}
	known := false
	for _, a := range Archs() {
		known = known || a == o.Arch
	}
	if !known {
		return o, fmt.Errorf("synth: unknown arch %q (have %s)", o.Arch, strings.Join(Archs(), ", "))
	}
	if o.Shape != "" {
		s, ok := shapes[strings.ToLower(o.Shape)]
		if !ok {
			return o, fmt.Errorf("synth: unknown shape %q (have %s)", o.Shape, strings.Join(ShapeNames(), ", "))
		}
		set := func(v *int, d int) {
			if *v == 0 {
				*v = d
			}
		}
		set(&o.Hidden, s.Hidden)
		set(&o.Layers, s.Layers)
		set(&o.Heads, s.Heads)
		set(&o.KVHeads, s.KVHeads)
		set(&o.FFN, s.FFN)
		set(&o.Vocab, s.Vocab)
	}
	if o.KVHeads == 0 {
		o.KVHeads = o.Heads
	}
	if o.Context == 0 {
		o.Context = 2048
	}
	if o.Hidden <= 0 || o.Layers <= 0 || o.Heads <= 0 || o.FFN <= 0 || o.Vocab <= 0 {
		return o, fmt.Errorf("synth: sizes must be positive: hidden %d, layers %d, heads %d, ffn %d, vocab %d", o.Hidden, o.Layers, o.Heads, o.FFN, o.Vocab)
	}
	if o.HeadDim == 0 {
		if o.Hidden%o.Heads != 0 {
			return o, fmt.Errorf("synth: hidden %d is not a multiple of heads %d", o.Hidden, o.Heads)
		}
		o.HeadDim = o.Hidden / o.Heads
	}
	if o.HeadDim%2 != 0 || o.KVHeads <= 0 || o.Heads%o.KVHeads != 0 {
		return o, fmt.Errorf("synth: head dim %d must be even and heads %d a multiple of kv heads %d", o.HeadDim, o.Heads, o.KVHeads)
	}
	if o.Vocab < 3+256 && !o.noVocab {
		return o, fmt.Errorf("synth: vocab %d is smaller than the 259 special and byte tokens", o.Vocab)
	}
	if o.Format == "" {
		o.Format = "gguf"
	}
	if !kernels.CanQuantize(o.DType) || !o.DType.IsWeight() {
		return o, fmt.Errorf("synth: cannot write weights as %s", o.DType)
	}
	switch o.Format {
	case "gguf":
	case "hf":
		if o.DType != kernels.F32 && o.DType != kernels.F16 && o.DType != kernels.BF16 {
			return o, fmt.Errorf("synth: HF directories hold F32, F16 or BF16 weights, not %s", o.DType)
		}
	default:
		return o, fmt.Errorf("synth: unknown format %q (gguf or hf)", o.Format)
	}
	return o, nil
}

// tied reports whether the family ties the output matrix to the token
// embedding (as the real models of that shape do).
func (o Options) tied() bool {
	if o.tie != 0 {
		return o.tie > 0
	}
	return o.Arch == "gemma" || o.Arch == "qwen2"
}

// tensorSpec is one tensor in Hugging Face terms: name, [rows, cols]
// (cols 0 for a vector), and how to fill it.
type tensorSpec struct {
	hf, gguf   string
	rows, cols int
	fill       float32 // the constant value of a norm (the effective scale)
	norm       bool    // a norm weight: Gemma's HF files store it minus 1
	random     bool
	permute    int // >0: GGUF rows permuted (llama q/k) with this many heads
}

// specs lists the model's tensors in file order, grouped by layer
// (layer −1: embedding; layer Layers: final norm and output).
func (o Options) specs() [][]tensorSpec {
	H, F, hd := o.Hidden, o.FFN, o.HeadDim
	q, kv := o.Heads*hd, o.KVHeads*hd
	norm := func(hf, gg string) tensorSpec {
		return tensorSpec{hf: hf, gguf: gg, rows: H, fill: 1, norm: true}
	}
	mat := func(hf, gg string, rows, cols int) tensorSpec {
		return tensorSpec{hf: hf, gguf: gg, rows: rows, cols: cols, random: true}
	}
	bias := func(hf, gg string, n int) tensorSpec {
		return tensorSpec{hf: hf, gguf: gg, rows: n, random: true}
	}
	permuted := o.Arch == "llama" || o.Arch == "mistral"
	out := [][]tensorSpec{{mat("model.embed_tokens.weight", "token_embd.weight", o.Vocab, H)}}
	for l := 0; l < o.Layers; l++ {
		p := fmt.Sprintf("model.layers.%d.", l)
		b := fmt.Sprintf("blk.%d.", l)
		var ts []tensorSpec
		ts = append(ts, norm(p+"input_layernorm.weight", b+"attn_norm.weight"))
		if o.Arch == "phi3" {
			ts = append(ts, mat(p+"self_attn.qkv_proj.weight", b+"attn_qkv.weight", q+2*kv, H))
		} else {
			qs := mat(p+"self_attn.q_proj.weight", b+"attn_q.weight", q, H)
			ks := mat(p+"self_attn.k_proj.weight", b+"attn_k.weight", kv, H)
			if permuted {
				qs.permute, ks.permute = o.Heads, o.KVHeads
			}
			ts = append(ts, qs, ks, mat(p+"self_attn.v_proj.weight", b+"attn_v.weight", kv, H))
			if o.Arch == "qwen2" {
				ts = append(ts, bias(p+"self_attn.q_proj.bias", b+"attn_q.bias", q),
					bias(p+"self_attn.k_proj.bias", b+"attn_k.bias", kv),
					bias(p+"self_attn.v_proj.bias", b+"attn_v.bias", kv))
			}
		}
		ts = append(ts, mat(p+"self_attn.o_proj.weight", b+"attn_output.weight", H, q))
		ts = append(ts, norm(p+"post_attention_layernorm.weight", b+"ffn_norm.weight"))
		if o.Arch == "phi3" {
			ts = append(ts, mat(p+"mlp.gate_up_proj.weight", b+"ffn_up.weight", 2*F, H))
		} else {
			ts = append(ts, mat(p+"mlp.gate_proj.weight", b+"ffn_gate.weight", F, H),
				mat(p+"mlp.up_proj.weight", b+"ffn_up.weight", F, H))
		}
		ts = append(ts, mat(p+"mlp.down_proj.weight", b+"ffn_down.weight", H, F))
		out = append(out, ts)
	}
	last := []tensorSpec{norm("model.norm.weight", "output_norm.weight")}
	if !o.tied() {
		last = append(last, mat("lm_head.weight", "output.weight", o.Vocab, H))
	}
	return append(out, last)
}

// rowValues fills dst with row r of the tensor (HF row order), as the
// format stores it (Gemma's HF norms hold w with the scale 1+w).
func (o Options) rowValues(s tensorSpec, r int, dst []float32, hf bool) {
	if !s.random {
		v := s.fill
		if hf && s.norm && o.Arch == "gemma" {
			v--
		}
		for i := range dst {
			dst[i] = v
		}
		return
	}
	h := fnv.New64a()
	h.Write([]byte(s.hf))
	rng := rand.New(rand.NewPCG(o.Seed, h.Sum64()^uint64(r)*0x9e3779b97f4a7c15))
	for i := range dst {
		dst[i] = float32(rng.NormFloat64() * 0.02)
	}
}

// permutedRow maps GGUF row g of a llama q/k matrix with heads heads to
// its HF row: per head, HF [2][hd/2] becomes GGUF [hd/2][2].
func permutedRow(g, rows, heads int) int {
	hd := rows / heads
	h, rem := g/hd, g%hd
	i, j := rem/2, rem%2
	return h*hd + j*(hd/2) + i
}

// Write writes the model described by opts to path (a .gguf file, or a
// directory for the HF format, created if needed). It checks ctx between
// tensors.
func Write(ctx context.Context, path string, opts Options) error {
	o, err := opts.resolve()
	if err != nil {
		return err
	}
	if o.Format == "hf" {
		return writeHF(ctx, path, o)
	}
	return writeGGUF(ctx, path, o)
}

// WeightBytes returns the bytes of the model's weights as Write stores
// them (the file size less metadata and padding).
func WeightBytes(opts Options) (int64, error) {
	o, err := opts.resolve()
	if err != nil {
		return 0, err
	}
	var n int64
	for _, group := range o.specs() {
		for _, s := range group {
			if s.cols == 0 {
				n += int64(4 * s.rows)
				continue
			}
			rb, err := o.DType.RowBytes(s.cols)
			if err != nil {
				return 0, fmt.Errorf("synth: %s: %v", s.gguf, err)
			}
			n += int64(rb) * int64(s.rows)
		}
	}
	return n, nil
}
