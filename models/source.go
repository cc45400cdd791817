package models

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/torchless-go/torchless/models/gguf"
	"github.com/torchless-go/torchless/models/modelbin"
	"github.com/torchless-go/torchless/models/safetensors"
	"github.com/torchless-go/torchless/models/weights"
)

// Format is a model file format.
type Format string

// The formats a model can be loaded from.
const (
	FormatHF          Format = "hf"          // a directory with config.json and *.safetensors
	FormatGGUF        Format = "gguf"        // a llama.cpp GGUF file
	FormatModelBin    Format = "model.bin"   // a torchless model.bin
	FormatSafetensors Format = "safetensors" // a lone safetensors file (no config: tensors only)
	FormatUnknown     Format = ""
	maxConfigJSON            = 64 << 20
	pickleRefusalFm          = "%s is a PyTorch pickle checkpoint: loading one means unpickling, which runs arbitrary code from the file, so torchless never does it. Convert it to safetensors (e.g. with transformers: model.save_pretrained(dir, safe_serialization=True)) or use a GGUF file"
)

// Source is an opened model file or directory: its tensors and what its
// metadata says, before any decoder is built.
type Source struct {
	Format Format
	Path   string
	Set    *weights.Set
	Hints  ConfigHints
	// Metadata is the file's config in printable form: config.json's
	// fields, GGUF key/value pairs (long arrays summarised), or model.bin
	// metadata.
	Metadata map[string]any

	hf   *hfConfig  // FormatHF and FormatModelBin
	gguf *gguf.File // FormatGGUF
	// embedded: the files come from EmbeddedFiles, not from Path.
	embedded bool
}

// Close releases the files.
func (s *Source) Close() error {
	if s == nil || s.Set == nil {
		return nil
	}
	return s.Set.Close()
}

// TensorNames returns the sorted tensor names.
func (s *Source) TensorNames() []string { return s.Set.Names() }

// Detect returns the architecture the metadata and tensor names indicate.
func (s *Source) Detect() (Architecture, error) { return DetectArchitecture(s.Hints, s.TensorNames()) }

// Open opens a model in any supported format: a Hugging Face directory
// (or one of its .safetensors files), a GGUF file, a torchless
// model.bin, or EmbeddedName for the embedded default model. PyTorch pickle checkpoints are refused with an explanation.
func Open(path string, mode weights.Mode) (*Source, error) {
	return OpenContext(context.Background(), path, mode)
}

// OpenContext is Open, stopping with ctx's error if ctx is cancelled
// while an eager open reads the files.
func OpenContext(ctx context.Context, path string, mode weights.Mode) (*Source, error) {
	if path == EmbeddedName {
		return OpenEmbedded()
	}
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if st.IsDir() {
		return openHFDir(ctx, path, mode)
	}
	if isPickleName(path) {
		return nil, fmt.Errorf(pickleRefusalFm, path)
	}
	magic, err := readMagic(path)
	if err != nil {
		return nil, err
	}
	switch {
	case bytes.HasPrefix(magic, []byte("GGUF")):
		return openGGUF(ctx, path, mode)
	case bytes.HasPrefix(magic, []byte("PK\x03\x04")), len(magic) > 0 && magic[0] == 0x80:
		return nil, fmt.Errorf(pickleRefusalFm, path)
	case strings.HasSuffix(path, ".safetensors"):
		if _, err := os.Stat(filepath.Join(filepath.Dir(path), "config.json")); err == nil {
			return openHFDir(ctx, filepath.Dir(path), mode)
		}
		return openSafetensorsFile(ctx, path, mode)
	case len(magic) >= 9 && magic[8] == '{':
		// A u64 header length then JSON: safetensors or model.bin. The
		// safetensors header has no "tensors" object at the top.
		if filepath.Base(path) == "model.bin" || isModelBin(path) {
			return openModelBin(ctx, path, mode)
		}
		return openHFDir(ctx, filepath.Dir(path), mode)
	}
	return nil, fmt.Errorf("%s: not a GGUF, safetensors or torchless model.bin file (starts with % x)", path, magic)
}

func isPickleName(path string) bool {
	base := strings.ToLower(filepath.Base(path))
	switch filepath.Ext(base) {
	case ".pt", ".pth", ".ckpt", ".pkl":
		return true
	}
	return strings.HasPrefix(base, "pytorch_model") && strings.HasSuffix(base, ".bin")
}

func readMagic(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b := make([]byte, 16)
	n, err := io.ReadFull(f, b)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return b[:n], nil
}

// isModelBin peeks at the JSON header for torchless's top-level keys.
func isModelBin(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	var n uint64
	if binary.Read(f, binary.LittleEndian, &n) != nil {
		return false
	}
	head := make([]byte, min(n, 4096))
	k, _ := io.ReadFull(f, head)
	h := string(head[:k])
	return strings.Contains(h, `"tensors"`) || strings.Contains(h, `"metadata"`)
}

func openHFDir(ctx context.Context, dir string, mode weights.Mode) (*Source, error) {
	cfgPath := filepath.Join(dir, "config.json")
	data, err := readLimited(cfgPath, maxConfigJSON)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			if pk := findPickles(dir); pk != "" {
				return nil, fmt.Errorf(pickleRefusalFm, pk)
			}
			if fs, _ := filepath.Glob(filepath.Join(dir, "*.gguf")); len(fs) == 1 {
				return openGGUF(ctx, fs[0], mode)
			}
			if _, err := os.Stat(filepath.Join(dir, "model.bin")); err == nil {
				return openModelBin(ctx, filepath.Join(dir, "model.bin"), mode)
			}
			return nil, fmt.Errorf("%s: no config.json (a Hugging Face model directory needs one)", dir)
		}
		return nil, err
	}
	h, err := parseHFConfig(data)
	if err != nil {
		return nil, fmt.Errorf("%s: invalid JSON: %w", cfgPath, err)
	}
	set, err := safetensors.OpenDirContext(ctx, dir, mode)
	if err != nil {
		if pk := findPickles(dir); pk != "" {
			return nil, fmt.Errorf("%w (and "+pickleRefusalFm+")", err, pk)
		}
		return nil, err
	}
	src := &Source{Format: FormatHF, Path: dir, Set: set, hf: h, Metadata: h.raw}
	src.Hints = h.hints()
	return src, nil
}

// openSafetensorsFile opens a lone safetensors file with no config: its
// tensors can be listed and read, but no decoder built.
func openSafetensorsFile(ctx context.Context, path string, mode weights.Mode) (*Source, error) {
	f, err := safetensors.OpenContext(ctx, path, mode)
	if err != nil {
		return nil, err
	}
	md := map[string]any{}
	for k, v := range f.Metadata {
		md[k] = v
	}
	h := &hfConfig{raw: map[string]any{}, used: map[string]bool{}}
	return &Source{Format: FormatSafetensors, Path: path, Set: f.Set(), hf: h, Metadata: md}, nil
}

func (h *hfConfig) hints() ConfigHints {
	var ch ConfigHints
	if as, ok := h.raw["architectures"].([]any); ok {
		for _, a := range as {
			if s, ok := a.(string); ok {
				ch.Architectures = append(ch.Architectures, s)
			}
		}
	} else if s, ok := h.raw["architectures"].(string); ok { // model.bin metadata
		ch.Architectures = []string{s}
	}
	ch.ModelType, _ = h.raw["model_type"].(string)
	if ch.ModelType == "" {
		ch.ModelType, _ = h.raw["architecture"].(string)
	}
	var errs []error
	if v, ok := h.raw["rope_theta"]; ok && v != nil {
		ch.RopeTheta, _ = toFloat(v, "rope_theta", &errs)
	}
	if v, ok := h.raw["vocab_size"]; ok && v != nil {
		f, _ := toFloat(v, "vocab_size", &errs)
		ch.VocabSize = int(f)
	}
	ch.HiddenAct, _ = h.raw["hidden_activation"].(string)
	if ch.HiddenAct == "" {
		ch.HiddenAct, _ = h.raw["hidden_act"].(string)
	}
	return ch
}

func findPickles(dir string) string {
	for _, pat := range []string{"pytorch_model*.bin", "*.pt", "*.pth", "*.ckpt"} {
		if m, _ := filepath.Glob(filepath.Join(dir, pat)); len(m) > 0 {
			sort.Strings(m)
			return m[0]
		}
	}
	return ""
}

func readLimited(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%s: larger than %d bytes", path, limit)
	}
	return data, nil
}

func openGGUF(ctx context.Context, path string, mode weights.Mode) (*Source, error) {
	f, err := gguf.OpenContext(ctx, path, mode)
	if err != nil {
		return nil, err
	}
	src := &Source{Format: FormatGGUF, Path: path, Set: f.Set(), gguf: f, Metadata: map[string]any{}}
	for _, k := range f.Keys() {
		if s, ok := f.GetString(k); ok {
			src.Metadata[k] = s
		} else if v, ok := f.Get(k); ok {
			src.Metadata[k] = v.String()
		}
	}
	arch := f.Architecture()
	src.Hints = ConfigHints{GGUFArchitecture: arch}
	src.Hints.Name, _ = f.GetString("general.name")
	src.Hints.RopeTheta, _ = f.GetFloat(arch + ".rope.freq_base")
	if v, ok := f.GetUint(arch + ".vocab_size"); ok {
		src.Hints.VocabSize = int(v)
	} else if toks, ok := f.GetStrings("tokenizer.ggml.tokens"); ok {
		src.Hints.VocabSize = len(toks)
	}
	return src, nil
}

// modelBinAliases maps torchless's metadata keys to Hugging Face's.
var modelBinAliases = map[string]string{
	"n_layers": "num_hidden_layers", "n_heads": "num_attention_heads", "n_kv_heads": "num_key_value_heads",
	"norm_eps": "rms_norm_eps", "act_type": "hidden_act", "dim": "hidden_size", "hidden_dim": "intermediate_size",
}

func openModelBin(ctx context.Context, path string, mode weights.Mode) (*Source, error) {
	f, err := modelbin.OpenContext(ctx, path, mode)
	if err != nil {
		return nil, err
	}
	raw := map[string]any{}
	for k, v := range f.Metadata {
		if alias, ok := modelBinAliases[k]; ok {
			if _, dup := f.Metadata[alias]; !dup {
				k = alias
			}
		}
		raw[k] = v
	}
	h := &hfConfig{raw: raw, used: map[string]bool{}}
	src := &Source{Format: FormatModelBin, Path: path, Set: f.Set(), hf: h, Metadata: raw}
	src.Hints = h.hints()
	return src, nil
}
