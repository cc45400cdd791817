package tokenizer

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/torchless-go/torchless/models/gguf"
	"github.com/torchless-go/torchless/models/modelbin"
	"github.com/torchless-go/torchless/models/weights"
)

// Load reads a tokenizer from path, which may be:
//   - a model directory: tokenizer.json, else tokenizer.model, else
//     qwen.tiktoken (each with tokenizer_config.json when present), else
//     the directory's single .gguf or model.bin;
//   - a GGUF file (a model or a vocab-only file);
//   - a torchless model.bin;
//   - a tokenizer.json, tokenizer.model or *.tiktoken file (with the
//     tokenizer_config.json beside it, if any).
func Load(path string) (*Tokenizer, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("tokenizer: %w", err)
	}
	if st.IsDir() {
		return loadDir(path)
	}
	return loadFile(path)
}

func loadDir(dir string) (*Tokenizer, error) {
	for _, name := range []string{"tokenizer.json", "tokenizer.model", "qwen.tiktoken"} {
		p := filepath.Join(dir, name)
		if _, err := os.Stat(p); err == nil {
			return loadFile(p)
		}
	}
	ggufs, _ := filepath.Glob(filepath.Join(dir, "*.gguf"))
	sort.Strings(ggufs)
	if len(ggufs) == 1 {
		return loadFile(ggufs[0])
	}
	for _, g := range ggufs {
		if filepath.Base(g) == "model.gguf" {
			return loadFile(g)
		}
	}
	if p := filepath.Join(dir, "model.bin"); fileExists(p) {
		return loadFile(p)
	}
	return nil, fmt.Errorf("tokenizer: %s: no tokenizer.json, tokenizer.model, qwen.tiktoken, .gguf or model.bin", dir)
}

func fileExists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && !st.IsDir()
}

// loadConfig reads tokenizer_config.json beside path (nil when absent).
func loadConfig(path string) (*hfConfig, error) {
	p := filepath.Join(filepath.Dir(path), "tokenizer_config.json")
	data, err := os.ReadFile(p)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("tokenizer: %w", err)
	}
	c, err := parseConfig(data)
	if err != nil {
		return nil, fmt.Errorf("tokenizer: %s: %w", p, err)
	}
	return c, nil
}

// parseFile reads a tokenizer file and the tokenizer_config.json beside
// it, and parses them with parse.
func parseFile(path string, parse func(data []byte, cfg *hfConfig) (*Tokenizer, error)) (*Tokenizer, error) {
	cfg, err := loadConfig(path)
	if err != nil {
		return nil, err
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("tokenizer: %w", err)
	}
	t, err := parse(data, cfg)
	if err != nil {
		return nil, fmt.Errorf("tokenizer: %w", err)
	}
	return t, nil
}

func loadFile(path string) (*Tokenizer, error) {
	base := filepath.Base(path)
	head := make([]byte, 8)
	if f, err := os.Open(path); err == nil {
		n, _ := f.Read(head)
		head = head[:n]
		f.Close()
	} else {
		return nil, fmt.Errorf("tokenizer: %w", err)
	}
	switch {
	case bytes.HasPrefix(head, []byte(gguf.Magic)) || strings.HasSuffix(base, ".gguf"):
		f, err := gguf.Open(path, weights.Lazy)
		if err != nil {
			return nil, fmt.Errorf("tokenizer: %w", err)
		}
		defer f.Close()
		t, err := fromGGUF(f)
		if err != nil {
			return nil, fmt.Errorf("tokenizer: %w", err)
		}
		return t, nil
	case strings.HasSuffix(base, ".json"):
		return parseFile(path, func(data []byte, cfg *hfConfig) (*Tokenizer, error) {
			t, err := parseTokenizerJSON(data, cfg)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", path, err)
			}
			return t, nil
		})
	case strings.HasSuffix(base, ".model"):
		return parseFile(path, func(data []byte, cfg *hfConfig) (*Tokenizer, error) {
			return fromSentencePiece(path, data, cfg)
		})
	case strings.HasSuffix(base, ".tiktoken"):
		return parseFile(path, func(data []byte, cfg *hfConfig) (*Tokenizer, error) {
			return parseTiktoken(path, data, cfg)
		})
	case strings.HasSuffix(base, ".bin"):
		f, err := modelbin.Open(path, weights.Lazy)
		if err != nil {
			return nil, fmt.Errorf("tokenizer: %w", err)
		}
		defer f.Close()
		t, err := FromModelBin(f)
		if err != nil {
			return nil, fmt.Errorf("tokenizer: %s: %w", path, err)
		}
		return t, nil
	}
	return nil, fmt.Errorf("tokenizer: %s: unknown tokenizer file (want a directory, .gguf, model.bin, tokenizer.json, tokenizer.model or .tiktoken)", path)
}

// FromGGUF builds the tokenizer of an open GGUF file (its tokenizer.ggml.*
// metadata).
func FromGGUF(f *gguf.File) (*Tokenizer, error) {
	return fromGGUF(f)
}

// ParseTokenizerJSON builds a tokenizer from tokenizer.json bytes and
// (optionally, may be nil) tokenizer_config.json bytes.
func ParseTokenizerJSON(tokenizerJSON, configJSON []byte) (*Tokenizer, error) {
	var cfg *hfConfig
	if configJSON != nil {
		var err error
		if cfg, err = parseConfig(configJSON); err != nil {
			return nil, err
		}
	}
	return parseTokenizerJSON(tokenizerJSON, cfg)
}

// ParseSentencePiece builds a tokenizer from tokenizer.model bytes and
// (optionally, may be nil) tokenizer_config.json bytes.
func ParseSentencePiece(model, configJSON []byte) (*Tokenizer, error) {
	var cfg *hfConfig
	if configJSON != nil {
		var err error
		if cfg, err = parseConfig(configJSON); err != nil {
			return nil, err
		}
	}
	return fromSentencePiece("tokenizer.model", model, cfg)
}

func fromSentencePiece(name string, data []byte, cfg *hfConfig) (*Tokenizer, error) {
	spec, err := parseSentencePieceModel(name, data)
	if err != nil {
		return nil, err
	}
	spec.source = "tokenizer.model"
	if cfg != nil {
		if cfg.AddBOS != nil {
			spec.addBOS = *cfg.AddBOS
		}
		if cfg.AddEOS != nil {
			spec.addEOS = *cfg.AddEOS
		}
	}
	t, err := buildSPM(spec)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if cfg != nil && cfg.Legacy != nil && !*cfg.Legacy && spec.addDummyPrefix {
		// transformers converts with legacy=false to a Metaspace
		// pre-tokenizer that prepends "▁" only at the start of the input,
		// not after special tokens.
		t.norm = nil
		t.pre = preMetaspace{replacement: "\u2581", scheme: prependFirst}
	}
	if cfg != nil && len(cfg.AddedTokens) > 0 {
		// tokens the config adds on top of the model (or re-flags)
		byID := map[int]*addedToken{}
		for _, a := range t.added {
			byID[a.id] = a
		}
		for _, a := range cfg.AddedTokens {
			if a.id < len(t.vocab) && t.vocab[a.id] != a.content {
				return nil, fmt.Errorf("%s: tokenizer_config.json added token %d %q clashes with piece %q", name, a.id, a.content, t.vocab[a.id])
			}
			byID[a.id] = a
		}
		added := make([]*addedToken, 0, len(byID))
		for _, a := range byID {
			added = append(added, a)
		}
		sort.Slice(added, func(i, j int) bool { return added[i].id < added[j].id })
		bos, eos, pad, unk := t.bos, t.eos, t.pad, t.unk
		if err := t.assemble(added); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		t.bos, t.eos, t.pad, t.unk = bos, eos, pad, unk
	}
	t.prefix, t.suffix = nil, nil
	t.applyConfig(cfg, true)
	return t, nil
}

// FromModelBin builds the tokenizer a torchless model.bin carries (vocab
// and merges). Vocabularies with "▁" word markers are treated as
// SentencePiece-style BPE with byte fallback that adds BOS (Mistral,
// LLaMA 2), others as byte-level BPE with the pre-tokenizer regex chosen
// from the metadata's model_type/arch (llama: Llama 3's, qwen: Qwen 2's,
// else GPT-2's). BOS/EOS come from metadata bos_token_id/eos_token_id,
// else from the usual token names; BOS is added for SentencePiece-style
// and Llama 3 (<|begin_of_text|>) vocabularies unless metadata
// add_bos_token says otherwise. The file format carries no added-token
// table: the usual special tokens present in the vocabulary are special.
func FromModelBin(f *modelbin.File) (*Tokenizer, error) {
	if f.Tokenizer == nil {
		return nil, fmt.Errorf("model.bin has no tokenizer")
	}
	vocab := f.Tokenizer.Vocab
	merges := make([][2]string, len(f.Tokenizer.Merges))
	for i, s := range f.Tokenizer.Merges {
		a, b, ok := strings.Cut(s, " ")
		if !ok {
			return nil, fmt.Errorf("tokenizer.merges[%d] %q: no space separating the pair", i, s)
		}
		merges[i] = [2]string{a, b}
	}
	m := newBPEModel(vocab)
	if err := m.setMerges(merges); err != nil {
		return nil, fmt.Errorf("tokenizer.%w", err)
	}
	t := &Tokenizer{source: "model.bin", model: m}
	spm := false
	for tok := range vocab {
		if strings.HasPrefix(tok, "\u2581") {
			spm = true
			break
		}
	}
	var added []*addedToken
	for _, s := range []string{"<unk>", "<s>", "</s>", "<pad>", "<bos>", "<eos>", "<|begin_of_text|>", "<|end_of_text|>",
		"<|endoftext|>", "<|im_start|>", "<|im_end|>", "<|eot_id|>", "<|start_header_id|>", "<|end_header_id|>",
		"<start_of_turn>", "<end_of_turn>", "<|end|>", "<|user|>", "<|assistant|>", "<|system|>"} {
		if id, ok := vocab[s]; ok {
			added = append(added, &addedToken{id: id, content: s, special: true})
		}
	}
	if spm {
		m.byteFallback, m.fuseUnk = true, true
		if id, ok := vocab["<unk>"]; ok {
			m.unk = id
		}
		t.norm = normSequence{normPrepend("\u2581"), normReplace{old: " ", new: "\u2581"}}
		t.dec = decSequence{decReplace{"\u2581", " "}, decByteFallback{}, decFuse{}, decStrip{" ", 1, 0}}
	} else {
		pat := gpt2Pattern
		arch := strings.ToLower(f.Metadata["arch"] + f.Metadata["architecture"] + f.Metadata["model_type"])
		switch {
		case strings.Contains(arch, "llama"):
			pat = llama3Pattern
		case strings.Contains(arch, "qwen"):
			pat = qwen2Pattern
		}
		re, err := compileRegex(pat)
		if err != nil {
			return nil, err
		}
		t.pre = preSequence{preSplit{re: re, behavior: splitIsolated}, preByteLevel{}}
		t.dec = decByteLevel{}
	}
	if err := t.assemble(added); err != nil {
		return nil, err
	}
	look := func(names ...string) int {
		for _, n := range names {
			if id, ok := vocab[n]; ok {
				return id
			}
		}
		return -1
	}
	t.bos = look("<s>", "<bos>", "<|begin_of_text|>")
	t.eos = look("</s>", "<eos>", "<|end_of_text|>", "<|endoftext|>")
	for key, dst := range map[string]*int{"bos_token_id": &t.bos, "eos_token_id": &t.eos} {
		if v, ok := f.Metadata[key]; ok {
			id, err := strconv.Atoi(v)
			if err != nil || id < 0 || id >= len(t.vocab) {
				return nil, fmt.Errorf("metadata %s %q: not an id in [0, %d)", key, v, len(t.vocab))
			}
			*dst = id
		}
	}
	_, llama3 := vocab["<|begin_of_text|>"]
	addBOS := spm || llama3
	if v, ok := f.Metadata["add_bos_token"]; ok {
		addBOS = v == "true" || v == "1"
	}
	if addBOS && t.bos >= 0 {
		t.prefix, t.addBOS = []int{t.bos}, true
	}
	t.collectEOS(nil)
	return t, nil
}
