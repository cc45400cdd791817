package models

import (
	"context"
	"errors"
	"fmt"
)

// Model is a loaded language model.
type Model interface {
	// Architecture is the model's family.
	Architecture() Architecture
	// Config is the resolved configuration.
	Config() Config
	// Description is the architecture description the decoder runs.
	Description() ArchitectureConfig
	// NewState returns an empty inference state (KV cache, position).
	NewState() *InferenceState
	// Forward runs one token at the state's position and returns its logits.
	Forward(ctx context.Context, s *InferenceState, token int) ([]float32, error)
	// ForwardBatch runs tokens as one batch and returns every position's logits.
	ForwardBatch(ctx context.Context, s *InferenceState, tokens []int) ([]float32, error)
	// FastForward runs tokens as one batch and returns the last position's logits.
	FastForward(ctx context.Context, s *InferenceState, tokens []int) ([]float32, error)
	// Encode turns text into token ids (with BOS as the tokenizer says).
	Encode(text string) ([]int, error)
	// Decode turns token ids into text.
	Decode(ids []int) (string, error)
	// HookNames lists every hook point the model has, in forward order.
	HookNames() []HookName
	// HookShape is the shape of a hook's activation for T tokens attending
	// to K positions (nil when the model has no such hook).
	HookShape(n HookName, T, K int) []int
	// LogitsFromResidual applies the final norm and unembedding to
	// residual rows [T,H].
	LogitsFromResidual(x []float32, T int) []float32
	// Source is the opened file the weights come from.
	Source() *Source
	// Close releases the model's files.
	Close() error
}

var _ Model = (*Decoder)(nil)

// ErrNoTokenizer is returned by Encode and Decode when the model's files
// carry no tokenizer.
var ErrNoTokenizer = errors.New("the model has no tokenizer")

// Architecture returns the model's family.
func (d *Decoder) Architecture() Architecture { return d.cfg.Arch }

// Source returns the opened file the weights come from.
func (d *Decoder) Source() *Source { return d.source }

// UnusedConfigKeys lists config.json keys that no part of the loader read.
func (d *Decoder) UnusedConfigKeys() []string { return d.unusedConfig }

// Close releases the model's files; the model must not be used after.
func (d *Decoder) Close() error { return d.source.Close() }

// LoadAuto loads a model from path (HF directory, GGUF, model.bin),
// detecting its architecture.
func LoadAuto(path string, opts LoadOptions) (Model, error) {
	return LoadContext(context.Background(), path, "", opts)
}

// LoadAs loads a model from path as architecture arch, whatever its
// metadata says.
func LoadAs(path string, arch Architecture, opts LoadOptions) (Model, error) {
	return LoadContext(context.Background(), path, arch, opts)
}

// LoadContext loads a model from path as arch ("" to detect it). An
// eager load stops with ctx's error when ctx is cancelled while the
// weights are read.
func LoadContext(ctx context.Context, path string, arch Architecture, opts LoadOptions) (Model, error) {
	src, err := OpenContext(ctx, path, opts.mode())
	if err != nil {
		return nil, err
	}
	if arch == "" {
		if arch, err = src.Detect(); err != nil {
			src.Close()
			return nil, fmt.Errorf("%s: %w", path, err)
		}
	}
	d, err := Build(src, arch, opts)
	if err != nil {
		src.Close()
		return nil, err
	}
	return d, nil
}

// LoadLLaMA loads a LLaMA 1/2 model.
func LoadLLaMA(path string, opts LoadOptions) (Model, error) { return LoadAs(path, LLaMA, opts) }

// LoadLLaMA3 loads a LLaMA 3 model.
func LoadLLaMA3(path string, opts LoadOptions) (Model, error) { return LoadAs(path, LLaMA3, opts) }

// LoadMistral loads a Mistral model.
func LoadMistral(path string, opts LoadOptions) (Model, error) { return LoadAs(path, Mistral, opts) }

// LoadPhi2 loads a Phi-2 model.
func LoadPhi2(path string, opts LoadOptions) (Model, error) { return LoadAs(path, Phi2, opts) }

// LoadPhi3 loads a Phi-3 model.
func LoadPhi3(path string, opts LoadOptions) (Model, error) { return LoadAs(path, Phi3, opts) }

// LoadGemma loads a Gemma 1 model.
func LoadGemma(path string, opts LoadOptions) (Model, error) { return LoadAs(path, Gemma, opts) }

// LoadGemma2 loads a Gemma 2 model.
func LoadGemma2(path string, opts LoadOptions) (Model, error) { return LoadAs(path, Gemma2, opts) }

// LoadQwen loads a Qwen 1 model.
func LoadQwen(path string, opts LoadOptions) (Model, error) { return LoadAs(path, Qwen, opts) }

// LoadQwen2 loads a Qwen 2 model.
func LoadQwen2(path string, opts LoadOptions) (Model, error) { return LoadAs(path, Qwen2, opts) }

// Int8Activations reports whether the model's Q4_0/Q8_0 products round
// their input to 8 bits (LoadOptions.Int8Activations).
func (d *Decoder) Int8Activations() bool { return d.int8Act }

// String describes the model in one line.
func (d *Decoder) String() string {
	c := &d.cfg
	desc := fmt.Sprintf("%s model from %s (%s): %d layers, hidden %d, %d heads (%d kv) × %d, vocab %d",
		c.Arch, d.source.Path, d.source.Format, c.Layers, c.Hidden, c.Heads, c.KVHeads, c.HeadDim, c.VocabSize)
	if d.int8Act {
		desc += ", int8 activations"
	}
	return desc
}
