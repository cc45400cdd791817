package models

import (
	"fmt"
	"sort"
	"strings"
)

// ConfigHints is what a file's metadata says about its architecture. Any
// field may be empty.
type ConfigHints struct {
	Architectures    []string // HF config "architectures"
	ModelType        string   // HF "model_type" (also model.bin metadata)
	GGUFArchitecture string   // GGUF general.architecture
	Name             string   // GGUF general.name
	RopeTheta        float64
	VocabSize        int
	HiddenAct        string
}

var hfArchitectures = map[string]Architecture{
	"LlamaForCausalLM": LLaMA, "MistralForCausalLM": Mistral, "PhiForCausalLM": Phi2,
	"Phi3ForCausalLM": Phi3, "GemmaForCausalLM": Gemma, "Gemma2ForCausalLM": Gemma2,
	"QWenLMHeadModel": Qwen, "Qwen2ForCausalLM": Qwen2,
}

var modelTypes = map[string]Architecture{
	"llama": LLaMA, "llama3": LLaMA3, "mistral": Mistral, "phi": Phi2, "phi2": Phi2, "phi-msft": Phi2,
	"phi3": Phi3, "gemma": Gemma, "gemma2": Gemma2, "qwen": Qwen, "qwen2": Qwen2,
}

// DetectArchitecture decides a model's architecture from its config
// metadata first (HF architectures / model_type, GGUF
// general.architecture) and, when that says nothing known, from its
// tensor names. The error lists what was seen.
func DetectArchitecture(h ConfigHints, tensorNames []string) (Architecture, error) {
	a, ok := fromHints(h)
	if !ok {
		var err error
		a, err = DetectArchitectureFromTensors(tensorNames)
		if err != nil {
			return "", fmt.Errorf("%w; config says architectures=%v model_type=%q general.architecture=%q",
				err, h.Architectures, h.ModelType, h.GGUFArchitecture)
		}
		if a == LLaMA && strings.HasPrefix(h.HiddenAct, "gelu") && !hasName(tensorNames, "lm_head.weight", "output.weight") {
			a = Gemma // tied embeddings (no lm_head) and a GeGLU: Gemma 1
		}
	}
	if a == LLaMA && (h.RopeTheta > 100000 || h.VocabSize > 100000) {
		a = LLaMA3
	}
	return a, nil
}

func fromHints(h ConfigHints) (Architecture, bool) {
	for _, name := range h.Architectures {
		if a, ok := hfArchitectures[name]; ok {
			return a, true
		}
	}
	if a, ok := modelTypes[strings.ToLower(h.ModelType)]; ok {
		return a, true
	}
	if h.GGUFArchitecture == "llama" && strings.Contains(strings.ToLower(h.Name), "mistral") {
		return Mistral, true // llama.cpp files Mistral under "llama"
	}
	if a, ok := modelTypes[h.GGUFArchitecture]; ok {
		return a, true
	}
	return "", false
}

// DetectArchitectureFromTensors guesses the architecture from tensor
// names alone (HF or GGUF names). LLaMA and Mistral cannot be told apart
// this way (it returns LLaMA), nor LLaMA versions, nor Gemma 1 from
// LLaMA without the activation (DetectArchitecture uses the config).
func DetectArchitectureFromTensors(names []string) (Architecture, error) {
	has := func(sub string) bool {
		for _, n := range names {
			if strings.Contains(n, sub) {
				return true
			}
		}
		return false
	}
	switch {
	case has("transformer.h.") && has(".attn.c_attn."), has("attn_qkv.bias"):
		return Qwen, nil
	case has("model.final_layernorm."), has("output_norm.bias"):
		return Phi2, nil
	case has("self_attn.qkv_proj") && has("mlp.gate_up_proj"), has("attn_qkv.weight") && !has("ffn_gate"):
		return Phi3, nil
	case has(".post_feedforward_layernorm."), has(".post_ffw_norm."):
		return Gemma2, nil
	case has("self_attn.q_proj.bias"), has("attn_q.bias"):
		return Qwen2, nil
	case has("model.layers.") && has(".self_attn."):
		return LLaMA, nil
	case has("blk.") && has("attn_q.weight"):
		return LLaMA, nil
	}
	seen := names
	if len(seen) > 12 {
		seen = append([]string(nil), names[:12]...)
		sort.Strings(seen)
		seen = append(seen, fmt.Sprintf("… (%d more)", len(names)-12))
	}
	return "", fmt.Errorf("cannot tell the architecture from the tensor names %v", seen)
}

func hasName(names []string, want ...string) bool {
	for _, n := range names {
		for _, w := range want {
			if n == w {
				return true
			}
		}
	}
	return false
}
