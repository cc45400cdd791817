package models

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"
)

// Config is a model's resolved hyperparameters: every field the decoder
// reads, with defaults applied and checked. It is built from a file's own
// config (HF config.json, GGUF metadata, model.bin metadata) by the
// loaders and then checked against the weights.
type Config struct {
	Arch Architecture

	VocabSize  int
	Hidden     int // d_model
	Layers     int
	Heads      int
	KVHeads    int
	HeadDim    int
	FFN        int // the MLP's inner width (the real one; see HalvedIntermediate)
	MaxContext int // max_position_embeddings

	NormEps float64

	// RoPE: rotary dimensions per head (RotaryDim ≤ HeadDim; the first
	// RotaryDim dims rotate, pairs (i, i+RotaryDim/2)), base θ, scaling.
	RotaryDim   int
	RopeTheta   float64
	RopeScaling RopeScaling

	// AttnScale multiplies q·k (1/√head_dim, or query_pre_attn_scalar^-½).
	AttnScale float64
	// AttnSoftcap and FinalSoftcap cap scores and logits as c·tanh(x/c)
	// (0: none).
	AttnSoftcap, FinalSoftcap float64
	// SlidingWindow is the window size W of the layers marked in
	// SlidingLayers: key j is visible from query i when i−W < j ≤ i.
	SlidingWindow int
	SlidingLayers []bool
	// LogNAttn: Qwen 1 scales queries at positions past LogNBase by
	// log(pos+1)/log(LogNBase).
	LogNAttn bool
	LogNBase int

	TiedEmbeddings bool
	// NormOffset is added to norm weights (Gemma's 1+w in HF files; 0 for
	// GGUF, which stores 1+w).
	NormOffset float32
	// EmbedScale multiplies the token embeddings (1, or √hidden for Gemma).
	EmbedScale float32

	BOS int   // -1 when unknown
	EOS []int // may be empty
}

// RopeKind is a RoPE scaling method.
type RopeKind string

// The RoPE scaling methods.
const (
	RopeNone     RopeKind = ""
	RopeLinear   RopeKind = "linear"
	RopeDynamic  RopeKind = "dynamic"  // HF dynamic NTK
	RopeYaRN     RopeKind = "yarn"     // HF YaRN
	RopeLlama3   RopeKind = "llama3"   // Llama 3.1 low/high frequency smoothing
	RopeLongRoPE RopeKind = "longrope" // Phi-3 LongRoPE (su)
	RopeQwenNTK  RopeKind = "qwen-ntk" // Qwen 1's dynamic NTK (use_dynamic_ntk)
)

// RopeScaling holds the parameters of a RoPE scaling method. Fields that
// a method does not use are zero.
type RopeScaling struct {
	Kind   RopeKind
	Factor float64
	// OriginalContext is the pre-scaling context length
	// (original_max_position_embeddings).
	OriginalContext int
	LowFreqFactor   float64 // llama3
	HighFreqFactor  float64 // llama3
	BetaFast        float64 // yarn (default 32)
	BetaSlow        float64 // yarn (default 1)
	// AttnFactor multiplies cos and sin (YaRN's mscale, LongRoPE's
	// attention factor); 0 means computed from the method's formula.
	AttnFactor   float64
	Mscale       float64 // yarn (DeepSeek-style mscale), 0 when absent
	MscaleAllDim float64
	// FreqFactors divides each inverse frequency (GGUF rope_freqs for
	// llama3).
	FreqFactors []float64
	LongFactor  []float64 // longrope
	ShortFactor []float64 // longrope
}

// Validate reports every inconsistency at once.
func (c *Config) Validate() error {
	var errs []error
	bad := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	pos := map[string]int{"vocab_size": c.VocabSize, "hidden_size": c.Hidden, "num_hidden_layers": c.Layers,
		"num_attention_heads": c.Heads, "num_key_value_heads": c.KVHeads, "head_dim": c.HeadDim, "intermediate_size": c.FFN}
	keys := make([]string, 0, len(pos))
	for k := range pos {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if pos[k] <= 0 || pos[k] > 1<<24 {
			bad("%s = %d: must be positive", k, pos[k])
		}
	}
	if c.Heads > 0 && c.KVHeads > 0 && c.Heads%c.KVHeads != 0 {
		bad("num_attention_heads %d is not a multiple of num_key_value_heads %d", c.Heads, c.KVHeads)
	}
	if c.RotaryDim < 0 || c.RotaryDim > c.HeadDim || c.RotaryDim%2 != 0 {
		bad("rotary dims %d: must be even and at most head_dim %d", c.RotaryDim, c.HeadDim)
	}
	if !(c.RopeTheta > 0) {
		bad("rope_theta %g: must be positive", c.RopeTheta)
	}
	if !(c.NormEps > 0) || c.NormEps > 1 {
		bad("norm epsilon %g: must be in (0, 1]", c.NormEps)
	}
	if c.SlidingWindow < 0 {
		bad("sliding_window %d: must not be negative", c.SlidingWindow)
	}
	if c.SlidingLayers != nil && len(c.SlidingLayers) != c.Layers {
		bad("%d sliding-layer flags for %d layers", len(c.SlidingLayers), c.Layers)
	}
	if c.AttnSoftcap < 0 || c.FinalSoftcap < 0 {
		bad("soft-caps must not be negative")
	}
	rs := c.RopeScaling
	switch rs.Kind {
	case RopeNone, RopeQwenNTK:
	case RopeLinear, RopeDynamic, RopeYaRN, RopeLlama3:
		if !(rs.Factor > 0) && !(rs.Kind == RopeLlama3 && len(rs.FreqFactors) > 0) {
			bad("rope_scaling %s: factor %g must be positive", rs.Kind, rs.Factor)
		}
		if rs.Kind == RopeLlama3 && len(rs.FreqFactors) == 0 && !(rs.HighFreqFactor > rs.LowFreqFactor) {
			bad("rope_scaling llama3: high_freq_factor %g must exceed low_freq_factor %g", rs.HighFreqFactor, rs.LowFreqFactor)
		}
	case RopeLongRoPE:
		if len(rs.LongFactor) != c.RotaryDim/2 || len(rs.ShortFactor) != c.RotaryDim/2 {
			bad("rope_scaling longrope: long_factor (%d) and short_factor (%d) need rotary_dim/2 = %d entries",
				len(rs.LongFactor), len(rs.ShortFactor), c.RotaryDim/2)
		}
	default:
		bad("rope_scaling: unknown type %q", rs.Kind)
	}
	if rs.FreqFactors != nil && len(rs.FreqFactors) != c.RotaryDim/2 {
		bad("rope frequency factors: %d entries, want rotary_dim/2 = %d", len(rs.FreqFactors), c.RotaryDim/2)
	}
	return errors.Join(errs...)
}

// IsSliding reports whether layer l uses the sliding window.
func (c *Config) IsSliding(l int) bool {
	return c.SlidingWindow > 0 && l < len(c.SlidingLayers) && c.SlidingLayers[l]
}

// hfConfig reads a Hugging Face config.json, remembering which keys were
// consumed so the loader can report the ones nobody read.
type hfConfig struct {
	raw  map[string]any
	used map[string]bool
	errs []error
}

func parseHFConfig(data []byte) (*hfConfig, error) {
	var raw map[string]any
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.UseNumber()
	if err := dec.Decode(&raw); err != nil {
		return nil, err
	}
	if raw == nil {
		return nil, errors.New("not a JSON object")
	}
	return &hfConfig{raw: raw, used: map[string]bool{}}, nil
}

func (h *hfConfig) has(key string) bool {
	v, ok := h.raw[key]
	return ok && v != nil
}

func (h *hfConfig) num(key string) (float64, bool) {
	v, ok := h.raw[key]
	h.used[key] = true
	if !ok || v == nil {
		return 0, false
	}
	return toFloat(v, key, &h.errs)
}

func toFloat(v any, key string, errs *[]error) (float64, bool) {
	switch x := v.(type) {
	case json.Number:
		f, err := x.Float64()
		if err != nil {
			*errs = append(*errs, fmt.Errorf("%s: %v", key, err))
			return 0, false
		}
		return f, true
	case float64:
		return x, true
	case string: // model.bin metadata keeps every value as a string
		var f float64
		if _, err := fmt.Sscan(x, &f); err != nil {
			*errs = append(*errs, fmt.Errorf("%s: %q is not a number", key, x))
			return 0, false
		}
		return f, true
	case bool:
		if x {
			return 1, true
		}
		return 0, true
	}
	*errs = append(*errs, fmt.Errorf("%s: want a number, got %T", key, v))
	return 0, false
}

func (h *hfConfig) intOr(def int, keys ...string) int {
	for _, k := range keys {
		if f, ok := h.num(k); ok {
			if f != math.Trunc(f) {
				h.errs = append(h.errs, fmt.Errorf("%s: %g is not an integer", k, f))
			}
			return int(f)
		}
	}
	return def
}

func (h *hfConfig) floatOr(def float64, keys ...string) float64 {
	for _, k := range keys {
		if f, ok := h.num(k); ok {
			return f
		}
	}
	return def
}

func (h *hfConfig) boolOr(def bool, key string) bool {
	v, ok := h.raw[key]
	h.used[key] = true
	if !ok || v == nil {
		return def
	}
	switch x := v.(type) {
	case bool:
		return x
	case string:
		switch strings.ToLower(x) {
		case "true", "1":
			return true
		case "false", "0":
			return false
		}
	}
	h.errs = append(h.errs, fmt.Errorf("%s: want a boolean, got %v", key, v))
	return def
}

func (h *hfConfig) str(key string) string {
	h.used[key] = true
	if s, ok := h.raw[key].(string); ok {
		return s
	}
	return ""
}

// ints reads an int or a list of ints (eos_token_id may be either).
func (h *hfConfig) ints(key string) []int {
	h.used[key] = true
	switch v := h.raw[key].(type) {
	case nil:
		return nil
	case []any:
		var out []int
		for _, e := range v {
			if f, ok := toFloat(e, key, &h.errs); ok {
				out = append(out, int(f))
			}
		}
		return out
	case string:
		var list []int
		if json.Unmarshal([]byte(v), &list) == nil {
			return list
		}
	}
	if f, ok := h.num(key); ok {
		return []int{int(f)}
	}
	return nil
}

func (h *hfConfig) object(key string) map[string]any {
	h.used[key] = true
	switch v := h.raw[key].(type) {
	case map[string]any:
		return v
	case string: // model.bin: a JSON object written as a string
		var m map[string]any
		dec := json.NewDecoder(strings.NewReader(v))
		dec.UseNumber()
		if v != "" && v != "null" && dec.Decode(&m) == nil {
			return m
		}
	}
	return nil
}

// unused returns the config keys no one read, except bookkeeping keys
// that never affect the forward pass.
func (h *hfConfig) unused() []string {
	var out []string
	for k := range h.raw {
		if !h.used[k] && !ignoredHFKeys[k] {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

var ignoredHFKeys = map[string]bool{
	"architectures": true, "model_type": true, "torch_dtype": true, "transformers_version": true,
	"initializer_range": true, "use_cache": true, "attention_dropout": true, "resid_pdrop": true,
	"embd_pdrop": true, "emb_dropout_prob": true, "attn_dropout_prob": true, "pad_token_id": true,
	"pretraining_tp": true, "auto_map": true, "bf16": true, "fp16": true, "fp32": true, "use_flash_attn": true,
	"tokenizer_class": true, "cache_implementation": true, "_name_or_path": true, "dtype": true,
	"no_bias": true, "scale_attn_weights": true,
	"hidden_activation": true, "hidden_act": true, "kv_channels": true, "rotary_pct": true, "seq_length": true,
}

// configFromHF resolves a Hugging Face config for architecture arch.
func configFromHF(h *hfConfig, arch Architecture, desc ArchitectureConfig) (Config, error) {
	c := Config{Arch: arch, BOS: -1}
	c.VocabSize = h.intOr(0, "vocab_size", "padded_vocab_size")
	c.Hidden = h.intOr(0, "hidden_size", "n_embd")
	c.Layers = h.intOr(0, "num_hidden_layers", "n_layer")
	c.Heads = h.intOr(0, "num_attention_heads", "n_head")
	c.KVHeads = h.intOr(c.Heads, "num_key_value_heads", "multi_query_group_num")
	if c.Heads > 0 {
		c.HeadDim = h.intOr(c.Hidden/c.Heads, "head_dim", "kv_channels")
	}
	c.FFN = h.intOr(0, "intermediate_size", "n_inner")
	if desc.HalvedIntermediate {
		c.FFN /= 2
	}
	c.MaxContext = h.intOr(0, "max_position_embeddings", "seq_length")
	c.NormEps = h.floatOr(1e-5, "rms_norm_eps", "layer_norm_eps", "layer_norm_epsilon")
	c.RopeTheta = h.floatOr(10000, "rope_theta", "rotary_emb_base")
	c.RotaryDim = c.HeadDim
	if f, ok := h.num("partial_rotary_factor"); ok {
		c.RotaryDim = int(f * float64(c.HeadDim))
	} else if f, ok := h.num("rotary_pct"); ok {
		c.RotaryDim = int(f * float64(c.HeadDim))
	}
	c.RotaryDim -= c.RotaryDim % 2
	c.AttnScale = 1 / math.Sqrt(float64(c.HeadDim))
	if s, ok := h.num("query_pre_attn_scalar"); ok {
		c.AttnScale = 1 / math.Sqrt(s)
	}
	c.AttnSoftcap = h.floatOr(0, "attn_logit_softcapping")
	c.FinalSoftcap = h.floatOr(0, "final_logit_softcapping")
	c.TiedEmbeddings = h.boolOr(desc.TiedByDefault, "tie_word_embeddings")
	c.NormOffset = desc.NormOffset
	c.EmbedScale = 1
	if desc.EmbedScaleSqrtHidden {
		c.EmbedScale = float32(math.Sqrt(float64(c.Hidden)))
	}
	if b := h.ints("bos_token_id"); len(b) > 0 {
		c.BOS = b[0]
	}
	c.EOS = h.ints("eos_token_id")

	// Which layers slide. Read the fields of every family so none is
	// silently ignored; the family decides the default pattern.
	window := h.intOr(0, "sliding_window")
	useSliding := h.boolOr(true, "use_sliding_window")
	maxWindowLayers := h.intOr(0, "max_window_layers")
	var layerTypes []string
	if lt, ok := h.raw["layer_types"].([]any); ok {
		h.used["layer_types"] = true
		for _, t := range lt {
			s, _ := t.(string)
			layerTypes = append(layerTypes, s)
		}
	}
	if window > 0 && useSliding && c.Layers > 0 {
		c.SlidingWindow = window
		c.SlidingLayers = make([]bool, c.Layers)
		for l := range c.SlidingLayers {
			if layerTypes != nil {
				c.SlidingLayers[l] = l < len(layerTypes) && layerTypes[l] == "sliding_attention"
			} else {
				c.SlidingLayers[l] = desc.Sliding.slides(l, maxWindowLayers)
			}
		}
	}
	// Qwen 1's flags (no other family has them).
	if h.boolOr(false, "use_dynamic_ntk") {
		c.RopeScaling = RopeScaling{Kind: RopeQwenNTK, OriginalContext: c.MaxContext}
	}
	if c.LogNAttn = h.boolOr(false, "use_logn_attn"); c.LogNAttn {
		c.LogNBase = c.MaxContext
	}
	if rs := h.object("rope_scaling"); rs != nil {
		var err error
		c.RopeScaling, err = ropeScalingFromHF(rs, h, c)
		if err != nil {
			h.errs = append(h.errs, err)
		}
	}
	if len(h.errs) > 0 {
		return c, errors.Join(h.errs...)
	}
	return c, nil
}

func ropeScalingFromHF(m map[string]any, h *hfConfig, c Config) (RopeScaling, error) {
	var errs []error
	get := func(k string) (float64, bool) {
		v, ok := m[k]
		if !ok || v == nil {
			return 0, false
		}
		return toFloat(v, "rope_scaling."+k, &errs)
	}
	list := func(k string) []float64 {
		v, _ := m[k].([]any)
		out := make([]float64, 0, len(v))
		for _, e := range v {
			if f, ok := toFloat(e, "rope_scaling."+k, &errs); ok {
				out = append(out, f)
			}
		}
		return out
	}
	kind, _ := m["rope_type"].(string)
	if kind == "" {
		kind, _ = m["type"].(string)
	}
	rs := RopeScaling{Kind: RopeKind(kind)}
	switch kind {
	case "default", "":
		rs.Kind = RopeNone
		return rs, nil
	case "su":
		rs.Kind = RopeLongRoPE
	}
	rs.Factor, _ = get("factor")
	if f, ok := get("original_max_position_embeddings"); ok {
		rs.OriginalContext = int(f)
	} else {
		rs.OriginalContext = h.intOr(c.MaxContext, "original_max_position_embeddings")
	}
	switch rs.Kind {
	case RopeLlama3:
		rs.LowFreqFactor, _ = get("low_freq_factor")
		rs.HighFreqFactor, _ = get("high_freq_factor")
	case RopeYaRN:
		rs.BetaFast, _ = get("beta_fast")
		rs.BetaSlow, _ = get("beta_slow")
		if rs.BetaFast == 0 {
			rs.BetaFast = 32
		}
		if rs.BetaSlow == 0 {
			rs.BetaSlow = 1
		}
		rs.AttnFactor, _ = get("attention_factor")
		rs.Mscale, _ = get("mscale")
		rs.MscaleAllDim, _ = get("mscale_all_dim")
	case RopeLongRoPE:
		rs.LongFactor = list("long_factor")
		rs.ShortFactor = list("short_factor")
		rs.AttnFactor, _ = get("attention_factor")
		if rs.Factor == 0 && rs.OriginalContext > 0 {
			rs.Factor = float64(c.MaxContext) / float64(rs.OriginalContext)
		}
	}
	return rs, errors.Join(errs...)
}

// adjustDescription applies the structural switches some configs carry
// to the family's description: attention_bias adds q/k/v/o biases (LLaMA
// and Mistral variants); mlp_bias and qk_layernorm, which the decoder does
// not implement, are refused rather than ignored.
func (h *hfConfig) adjustDescription(desc *ArchitectureConfig) error {
	if h.boolOr(false, "attention_bias") && !desc.QKVBias {
		desc.QKVBias, desc.OutBias = true, true
	}
	if h.boolOr(false, "mlp_bias") && desc.GatedMLP {
		return errors.New("mlp_bias = true (biases on a gated MLP) is not supported")
	}
	if h.boolOr(false, "qk_layernorm") {
		return errors.New("qk_layernorm = true (norms on q and k) is not supported")
	}
	return nil
}
