package models

import "fmt"

// Architecture names a model family.
type Architecture string

// The supported architectures.
const (
	LLaMA   Architecture = "llama"   // LLaMA 1 and 2
	LLaMA3  Architecture = "llama3"  // LLaMA 3 (byte-level BPE, large θ)
	Mistral Architecture = "mistral" // Mistral (LLaMA + sliding window)
	Phi2    Architecture = "phi2"
	Phi3    Architecture = "phi3"
	Gemma   Architecture = "gemma"
	Gemma2  Architecture = "gemma2"
	Qwen    Architecture = "qwen" // Qwen 1 (QWenLMHeadModel)
	Qwen2   Architecture = "qwen2"
)

// Architectures lists every supported architecture.
func Architectures() []Architecture {
	return []Architecture{LLaMA, LLaMA3, Mistral, Phi2, Phi3, Gemma, Gemma2, Qwen, Qwen2}
}

// NormType is the kind of normalisation a block uses.
type NormType int

const (
	RMSNorm   NormType = iota // x / sqrt(mean(x²) + ε) · (offset + w)
	LayerNorm                 // (x − mean) / sqrt(var + ε) · w + b
)

func (n NormType) String() string {
	if n == LayerNorm {
		return "LayerNorm"
	}
	return "RMSNorm"
}

// ActivationFunc is the MLP non-linearity.
type ActivationFunc int

const (
	SiLU     ActivationFunc = iota // x·σ(x)
	GELUTanh                       // the tanh approximation (gelu_new, gelu_pytorch_tanh)
)

func (a ActivationFunc) String() string {
	if a == GELUTanh {
		return "GELU(tanh)"
	}
	return "SiLU"
}

// ArchitectureConfig describes what is fixed for a family: the block's
// structure and the names its tensors go by in Hugging Face checkpoints.
// Everything numeric that varies between models of a family (window
// sizes, soft-caps, scales) comes from the model's config instead (see
// Config). The decoder reads only this description and the Config; it
// never tests a family name.
type ArchitectureConfig struct {
	Arch Architecture
	// HFNames maps each tensor role to its Hugging Face name ("%d" is the
	// layer index).
	HFNames map[Role]string

	Norm       NormType
	NormBias   bool // LayerNorm with a bias (Phi-2)
	Activation ActivationFunc
	// GatedMLP: down(act(gate(x)) · up(x)); otherwise down(act(up(x))).
	GatedMLP bool
	// FusedQKV: one [q; k; v] projection. FusedGateUp: one [gate; up]
	// projection.
	FusedQKV, FusedGateUp bool
	// ParallelResidual: x + attn(LN(x)) + mlp(LN(x)) with one norm (Phi-2).
	ParallelResidual bool
	// SandwichNorms: norms after attention and after the MLP as well as
	// before (Gemma 2): x += post(attn(pre(x))).
	SandwichNorms bool
	// QKVBias, OutBias, MLPBias, LMHeadBias say which linear layers have
	// biases.
	QKVBias, OutBias, MLPBias, LMHeadBias bool
	// NormOffset is added to every norm weight of HF checkpoints (Gemma
	// computes x̂·(1+w)). GGUF files store the weights with it already
	// added.
	NormOffset float32
	// EmbedScaleSqrtHidden multiplies embeddings by √hidden (Gemma).
	EmbedScaleSqrtHidden bool
	// HalvedIntermediate: the config's intermediate_size is twice the
	// real MLP width (Qwen 1).
	HalvedIntermediate bool
	// RopePairing says which dimensions of a head RoPE rotates together
	// in the family's HF layout (all five families: halves).
	RopePairing RopePairing
	// GGUFPermutedQK: the llama-architecture GGUF converter permutes the
	// rows of q and k so RoPE can rotate adjacent pairs.
	GGUFPermutedQK bool
	// Sliding says which layers use the config's sliding_window (HF's
	// per-family rule, used when the config has no layer_types list).
	Sliding SlidingPattern
	// TiedByDefault is the family's default for tie_word_embeddings.
	TiedByDefault bool
}

// RopePairing is how RoPE pairs the rotated dimensions of a head.
type RopePairing int

const (
	// RopeHalves rotates (i, i+rot/2): HF's rotate_half (GPT-NeoX style).
	RopeHalves RopePairing = iota
	// RopeAdjacent rotates (2i, 2i+1): GPT-J and llama.cpp's llama layout.
	RopeAdjacent
)

func (p RopePairing) String() string {
	if p == RopeAdjacent {
		return "adjacent pairs"
	}
	return "halves"
}

// SlidingPattern is a family's rule for which layers use a sliding window.
type SlidingPattern int

const (
	SlideNone            SlidingPattern = iota // the window is ignored (LLaMA, Gemma 1, Qwen 1)
	SlideAll                                   // every layer (Mistral, Phi-3)
	SlideEven                                  // layers 0, 2, 4, … (Gemma 2)
	SlideFromWindowLayer                       // layers ≥ max_window_layers (Qwen 2, when use_sliding_window)
)

func (p SlidingPattern) slides(layer, maxWindowLayers int) bool {
	switch p {
	case SlideAll:
		return true
	case SlideEven:
		return layer%2 == 0
	case SlideFromWindowLayer:
		return layer >= maxWindowLayers
	}
	return false
}

// Role is the part a tensor plays in the model, whatever a file calls it.
type Role int

// The tensor roles. Per-layer roles come after firstLayerRole.
const (
	RoleTokenEmbd Role = iota
	RoleOutputNorm
	RoleOutputNormBias
	RoleOutput
	RoleOutputBias
	RoleRopeFreqs
	RoleRopeFactorsLong
	RoleRopeFactorsShort
	RoleAttnNorm
	RoleAttnNormBias
	RoleAttnQ
	RoleAttnQBias
	RoleAttnK
	RoleAttnKBias
	RoleAttnV
	RoleAttnVBias
	RoleAttnQKV
	RoleAttnQKVBias
	RoleAttnOut
	RoleAttnOutBias
	RolePostAttnNorm // Gemma 2's norm after attention
	RoleFFNNorm      // the norm before the MLP
	RoleFFNGate
	RoleFFNUp
	RoleFFNGateUp
	RoleFFNUpBias
	RoleFFNDown
	RoleFFNDownBias
	RolePostFFNNorm // Gemma 2's norm after the MLP
	numRoles

	firstLayerRole = RoleAttnNorm
)

// PerLayer reports whether the role names one tensor per layer.
func (r Role) PerLayer() bool { return r >= firstLayerRole }

var roleNames = [numRoles]string{
	"token_embd", "output_norm", "output_norm.bias", "output", "output.bias", "rope_freqs", "rope_factors_long",
	"rope_factors_short", "attn_norm", "attn_norm.bias", "attn_q", "attn_q.bias", "attn_k", "attn_k.bias", "attn_v",
	"attn_v.bias", "attn_qkv", "attn_qkv.bias", "attn_output", "attn_output.bias", "post_attention_norm", "ffn_norm",
	"ffn_gate", "ffn_up", "ffn_gate_up", "ffn_up.bias", "ffn_down", "ffn_down.bias", "post_ffw_norm",
}

func (r Role) String() string {
	if r < 0 || r >= numRoles {
		return fmt.Sprintf("Role(%d)", int(r))
	}
	return roleNames[r]
}

// Architecture descriptions. LLaMA is the base; each other family is a
// copy of it with its differences spelled out.

var llamaHFNames = map[Role]string{
	RoleTokenEmbd:   "model.embed_tokens.weight",
	RoleOutputNorm:  "model.norm.weight",
	RoleOutput:      "lm_head.weight",
	RoleAttnNorm:    "model.layers.%d.input_layernorm.weight",
	RoleAttnQ:       "model.layers.%d.self_attn.q_proj.weight",
	RoleAttnQBias:   "model.layers.%d.self_attn.q_proj.bias",
	RoleAttnK:       "model.layers.%d.self_attn.k_proj.weight",
	RoleAttnKBias:   "model.layers.%d.self_attn.k_proj.bias",
	RoleAttnV:       "model.layers.%d.self_attn.v_proj.weight",
	RoleAttnVBias:   "model.layers.%d.self_attn.v_proj.bias",
	RoleAttnOut:     "model.layers.%d.self_attn.o_proj.weight",
	RoleAttnOutBias: "model.layers.%d.self_attn.o_proj.bias",
	RoleFFNNorm:     "model.layers.%d.post_attention_layernorm.weight",
	RoleFFNGate:     "model.layers.%d.mlp.gate_proj.weight",
	RoleFFNUp:       "model.layers.%d.mlp.up_proj.weight",
	RoleFFNDown:     "model.layers.%d.mlp.down_proj.weight",
}

func withNames(base map[Role]string, delta map[Role]string) map[Role]string {
	out := make(map[Role]string, len(base)+len(delta))
	for r, n := range base {
		out[r] = n
	}
	for r, n := range delta {
		if n == "" {
			delete(out, r)
		} else {
			out[r] = n
		}
	}
	return out
}

var llamaArch = ArchitectureConfig{
	Arch:           LLaMA,
	HFNames:        llamaHFNames,
	Norm:           RMSNorm,
	Activation:     SiLU,
	GatedMLP:       true,
	GGUFPermutedQK: true,
}

func describe(base ArchitectureConfig, edit func(a *ArchitectureConfig)) ArchitectureConfig {
	edit(&base)
	return base
}

// Gemma 1 is also the base of Gemma 2.
var gemmaArch = describe(llamaArch, func(a *ArchitectureConfig) {
	a.Arch = Gemma
	a.TiedByDefault = true
	a.Activation = GELUTanh
	a.NormOffset = 1
	a.EmbedScaleSqrtHidden = true
	a.GGUFPermutedQK = false
})

var architectures = map[Architecture]ArchitectureConfig{
	LLaMA:  llamaArch,
	LLaMA3: describe(llamaArch, func(a *ArchitectureConfig) { a.Arch = LLaMA3 }),
	Mistral: describe(llamaArch, func(a *ArchitectureConfig) {
		a.Arch = Mistral
		a.Sliding = SlideAll
	}),
	Qwen2: describe(llamaArch, func(a *ArchitectureConfig) {
		a.Arch = Qwen2
		a.QKVBias = true
		a.Sliding = SlideFromWindowLayer
		a.GGUFPermutedQK = false
	}),
	Gemma: gemmaArch,
	Gemma2: describe(gemmaArch, func(a *ArchitectureConfig) {
		a.Arch = Gemma2
		a.Sliding = SlideEven
		a.SandwichNorms = true
		a.HFNames = withNames(llamaHFNames, map[Role]string{
			RolePostAttnNorm: "model.layers.%d.post_attention_layernorm.weight",
			RoleFFNNorm:      "model.layers.%d.pre_feedforward_layernorm.weight",
			RolePostFFNNorm:  "model.layers.%d.post_feedforward_layernorm.weight",
		})
	}),
	Phi3: describe(llamaArch, func(a *ArchitectureConfig) {
		a.Arch = Phi3
		a.Sliding = SlideAll
		a.FusedQKV = true
		a.FusedGateUp = true
		a.GGUFPermutedQK = false
		a.HFNames = withNames(llamaHFNames, map[Role]string{
			RoleAttnQKV:   "model.layers.%d.self_attn.qkv_proj.weight",
			RoleFFNGateUp: "model.layers.%d.mlp.gate_up_proj.weight",
		})
	}),
	Phi2: describe(llamaArch, func(a *ArchitectureConfig) {
		a.Arch = Phi2
		a.Norm = LayerNorm
		a.NormBias = true
		a.Activation = GELUTanh
		a.GatedMLP = false
		a.ParallelResidual = true
		a.QKVBias, a.OutBias, a.MLPBias, a.LMHeadBias = true, true, true, true
		a.GGUFPermutedQK = false
		a.HFNames = withNames(llamaHFNames, map[Role]string{
			RoleOutputNorm:     "model.final_layernorm.weight",
			RoleOutputNormBias: "model.final_layernorm.bias",
			RoleOutputBias:     "lm_head.bias",
			RoleAttnNormBias:   "model.layers.%d.input_layernorm.bias",
			RoleAttnOut:        "model.layers.%d.self_attn.dense.weight",
			RoleAttnOutBias:    "model.layers.%d.self_attn.dense.bias",
			RoleFFNNorm:        "",
			RoleFFNGate:        "",
			RoleFFNUp:          "model.layers.%d.mlp.fc1.weight",
			RoleFFNUpBias:      "model.layers.%d.mlp.fc1.bias",
			RoleFFNDown:        "model.layers.%d.mlp.fc2.weight",
			RoleFFNDownBias:    "model.layers.%d.mlp.fc2.bias",
		})
	}),
	Qwen: describe(llamaArch, func(a *ArchitectureConfig) {
		a.Arch = Qwen
		a.FusedQKV = true
		a.QKVBias = true
		a.HalvedIntermediate = true
		a.GGUFPermutedQK = false
		a.HFNames = map[Role]string{
			RoleTokenEmbd:   "transformer.wte.weight",
			RoleOutputNorm:  "transformer.ln_f.weight",
			RoleOutput:      "lm_head.weight",
			RoleAttnNorm:    "transformer.h.%d.ln_1.weight",
			RoleAttnQKV:     "transformer.h.%d.attn.c_attn.weight",
			RoleAttnQKVBias: "transformer.h.%d.attn.c_attn.bias",
			RoleAttnOut:     "transformer.h.%d.attn.c_proj.weight",
			RoleFFNNorm:     "transformer.h.%d.ln_2.weight",
			RoleFFNUp:       "transformer.h.%d.mlp.w1.weight",
			RoleFFNGate:     "transformer.h.%d.mlp.w2.weight", // Qwen 1's w2 is the gate
			RoleFFNDown:     "transformer.h.%d.mlp.c_proj.weight",
		}
	}),
}

// Describe returns the description of an architecture.
func Describe(a Architecture) (ArchitectureConfig, error) {
	d, ok := architectures[a]
	if !ok {
		return ArchitectureConfig{}, fmt.Errorf("unknown architecture %q (known: %v)", a, Architectures())
	}
	return d, nil
}

// ggufName is the GGUF name of a role (llama.cpp's LLM_TENSOR_NAMES);
// the same for every family: a fused [gate; up] is stored as ffn_up.
func ggufName(r Role) string {
	switch r {
	case RoleTokenEmbd:
		return "token_embd.weight"
	case RoleOutputNorm:
		return "output_norm.weight"
	case RoleOutputNormBias:
		return "output_norm.bias"
	case RoleOutput:
		return "output.weight"
	case RoleOutputBias:
		return "output.bias"
	case RoleRopeFreqs:
		return "rope_freqs.weight"
	case RoleRopeFactorsLong:
		return "rope_factors_long.weight"
	case RoleRopeFactorsShort:
		return "rope_factors_short.weight"
	case RoleFFNGateUp:
		return "blk.%d.ffn_up.weight"
	}
	n := r.String()
	if len(n) > 5 && n[len(n)-5:] == ".bias" {
		return "blk.%d." + n
	}
	return "blk.%d." + n + ".weight"
}
