package tokenizer

import (
	"fmt"
	"strings"

	"github.com/torchless-go/torchless/models/gguf"
)

// preTokenizerPatterns maps llama.cpp's tokenizer.ggml.pre values to the
// pre-tokenizer regex of the byte-level BPE.
var preTokenizerPatterns = map[string]string{
	"default":      gpt2Pattern,
	"gpt-2":        gpt2Pattern,
	"gpt2":         gpt2Pattern,
	"phi-2":        gpt2Pattern,
	"roberta-bpe":  gpt2Pattern,
	"jina-es":      gpt2Pattern,
	"jina-de":      gpt2Pattern,
	"jina-v2-es":   gpt2Pattern,
	"jina-v2-de":   gpt2Pattern,
	"jina-v2-code": gpt2Pattern,
	"llama3":       llama3Pattern,
	"llama-v3":     llama3Pattern,
	"llama-bpe":    llama3Pattern,
	"smaug-bpe":    llama3Pattern,
	"falcon3":      llama3Pattern,
	"pixtral":      llama3Pattern,
	"qwen2":        qwen2Pattern,
	"qwen":         qwen2Pattern,
	"stablelm2":    qwen2Pattern,
	"megrez":       qwen2Pattern,
}

// fromGGUF builds a Tokenizer from a GGUF file's tokenizer.ggml.* metadata.
func fromGGUF(f *gguf.File) (*Tokenizer, error) {
	name := f.Path
	model, ok := f.GetString("tokenizer.ggml.model")
	if !ok {
		return nil, fmt.Errorf("%s: no tokenizer.ggml.model (not a GGUF with a vocabulary)", name)
	}
	tokens, ok := f.GetStrings("tokenizer.ggml.tokens")
	if !ok || len(tokens) == 0 {
		return nil, fmt.Errorf("%s: tokenizer.ggml.tokens missing or empty", name)
	}
	if len(tokens) > maxVocab {
		return nil, fmt.Errorf("%s: tokenizer.ggml.tokens: %d tokens", name, len(tokens))
	}
	types, _ := f.GetInt32s("tokenizer.ggml.token_type")
	if types != nil && len(types) != len(tokens) {
		return nil, fmt.Errorf("%s: tokenizer.ggml.token_type has %d entries for %d tokens", name, len(types), len(tokens))
	}
	id := func(key string) int {
		v, ok := f.GetUint(key)
		if !ok || v >= uint64(len(tokens)) {
			if iv, ok2 := f.GetInt(key); ok2 && iv >= 0 && iv < int64(len(tokens)) {
				return int(iv)
			}
			return -1
		}
		return int(v)
	}
	boolKey := func(key string, def bool) bool {
		if b, ok := f.GetBool(key); ok {
			return b
		}
		return def
	}
	bos, eos, unk, pad := id("tokenizer.ggml.bos_token_id"), id("tokenizer.ggml.eos_token_id"),
		id("tokenizer.ggml.unknown_token_id"), id("tokenizer.ggml.padding_token_id")
	if types == nil {
		// no token types: the special ids are the control tokens
		types = make([]int32, len(tokens))
		for i := range types {
			types[i] = pieceNormal
		}
		for _, id := range []int{bos, eos, pad} {
			if id >= 0 {
				types[id] = pieceControl
			}
		}
		if unk >= 0 {
			types[unk] = pieceUnknown
		}
	}
	var t *Tokenizer
	switch model {
	case "llama":
		scores, _ := f.GetFloat32s("tokenizer.ggml.scores")
		if scores != nil && len(scores) != len(tokens) {
			return nil, fmt.Errorf("%s: tokenizer.ggml.scores has %d entries for %d tokens", name, len(scores), len(tokens))
		}
		if unk < 0 {
			unk = 0
		}
		spec := &spmSpec{source: "gguf", pieces: tokens, scores: scores, types: types,
			addDummyPrefix: boolKey("tokenizer.ggml.add_space_prefix", true),
			unk:            unk, bos: bos, eos: eos, pad: pad,
			addBOS: boolKey("tokenizer.ggml.add_bos_token", true), addEOS: boolKey("tokenizer.ggml.add_eos_token", false)}
		var err error
		if t, err = buildSPM(spec); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
	case "gpt2":
		pre, _ := f.GetString("tokenizer.ggml.pre")
		if pre == "" {
			pre = "default"
		}
		pat, ok := preTokenizerPatterns[pre]
		if !ok {
			return nil, fmt.Errorf("%s: tokenizer.ggml.pre %q is not supported", name, pre)
		}
		mergeStrs, ok := f.GetStrings("tokenizer.ggml.merges")
		if !ok {
			return nil, fmt.Errorf("%s: tokenizer.ggml.merges missing", name)
		}
		merges := make([][2]string, len(mergeStrs))
		for i, s := range mergeStrs {
			a, b, ok := strings.Cut(s, " ")
			if !ok {
				return nil, fmt.Errorf("%s: tokenizer.ggml.merges[%d] %q: no space separating the pair", name, i, s)
			}
			merges[i] = [2]string{a, b}
		}
		vocab := make(map[string]int, len(tokens))
		for i, s := range tokens {
			vocab[s] = i
		}
		m := newBPEModel(vocab)
		if err := m.setMerges(merges); err != nil {
			return nil, fmt.Errorf("%s: tokenizer.ggml.%w", name, err)
		}
		m.unk = unk
		re, err := compileRegex(pat)
		if err != nil {
			return nil, err
		}
		t = &Tokenizer{source: "gguf", model: m,
			pre: preSequence{preSplit{re: re, behavior: splitIsolated}, preByteLevel{}},
			dec: decByteLevel{}}
		var added []*addedToken
		for i, typ := range types {
			switch typ {
			case pieceUnknown, pieceControl:
				added = append(added, &addedToken{id: i, content: tokens[i], special: true})
			case pieceUserDefined:
				added = append(added, &addedToken{id: i, content: tokens[i]})
			}
		}
		if err := t.assemble(added); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		t.bos, t.eos, t.pad = bos, eos, pad
		t.addBOS = boolKey("tokenizer.ggml.add_bos_token", false)
		t.addEOS = boolKey("tokenizer.ggml.add_eos_token", false)
	default:
		return nil, fmt.Errorf("%s: tokenizer.ggml.model %q is not supported (llama, gpt2)", name, model)
	}
	if unk >= 0 {
		t.unk = unk
	}
	t.prefix, t.suffix = nil, nil
	if t.addBOS && t.bos >= 0 {
		t.prefix = []int{t.bos}
	} else {
		t.addBOS = false
	}
	if t.addEOS && t.eos >= 0 {
		t.suffix = []int{t.eos}
	} else {
		t.addEOS = false
	}
	t.chatTemplate, _ = f.GetString("tokenizer.chat_template")
	t.collectEOS([]int{id("tokenizer.ggml.eot_token_id"), id("tokenizer.ggml.eom_token_id")})
	return t, nil
}
