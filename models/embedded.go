package models

import (
	"embed"
	"fmt"
	"io/fs"

	"github.com/torchless-go/torchless/models/safetensors"
)

// The embedded default model: a tiny LLaMA (hidden 64, 2 layers, 4
// heads, vocab 384) with random weights, made for this project's tests
// (../shared/fixtures/llama2). It lets every command and notebook run
// with no download.
//
//go:embed embedded/tiny-llama
var embeddedFS embed.FS

// EmbeddedName is the name LoadEmbedded's model reports as its path.
const EmbeddedName = "embedded:tiny-llama"

// EmbeddedFiles returns the embedded model's directory (config.json,
// model.safetensors, tokenizer.json, tokenizer_config.json).
func EmbeddedFiles() fs.FS {
	sub, err := fs.Sub(embeddedFS, "embedded/tiny-llama")
	if err != nil {
		panic(err) // the directory is compiled in
	}
	return sub
}

// OpenEmbedded opens the embedded default model as a Source.
func OpenEmbedded() (*Source, error) {
	files := EmbeddedFiles()
	cfg, err := fs.ReadFile(files, "config.json")
	if err != nil {
		return nil, err
	}
	h, err := parseHFConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("%s/config.json: %w", EmbeddedName, err)
	}
	data, err := fs.ReadFile(files, "model.safetensors")
	if err != nil {
		return nil, err
	}
	f, err := safetensors.Parse(EmbeddedName+"/model.safetensors", data)
	if err != nil {
		return nil, err
	}
	src := &Source{Format: FormatHF, Path: EmbeddedName, Set: f.Set(), hf: h, Metadata: h.raw, embedded: true}
	src.Hints = h.hints()
	return src, nil
}

// LoadEmbedded loads the embedded default model.
func LoadEmbedded() (Model, error) {
	src, err := OpenEmbedded()
	if err != nil {
		return nil, err
	}
	arch, err := src.Detect()
	if err != nil {
		return nil, err
	}
	return Build(src, arch, LoadOptions{})
}
