package tokenizer

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"strconv"

	"golang.org/x/text/unicode/norm"
)

// qwenSpecialTokens are Qwen 1's special tokens, numbered after the ranks
// (tokenization_qwen.py): <|endoftext|>, <|im_start|>, <|im_end|>, then
// <|extra_0|> ... <|extra_204|>.
func qwenSpecialTokens() []string {
	s := []string{"<|endoftext|>", "<|im_start|>", "<|im_end|>"}
	for i := 0; i < 205; i++ {
		s = append(s, "<|extra_"+strconv.Itoa(i)+"|>")
	}
	return s
}

// parseTiktoken builds Qwen 1's tokenizer from qwen.tiktoken (one
// "base64-token rank" per line): byte-level BPE merging the pair whose
// merged bytes have the lowest rank, NFC first, Qwen's regex, special
// tokens after the ranks.
func parseTiktoken(name string, data []byte, cfg *hfConfig) (*Tokenizer, error) {
	vocab := map[string]int{}
	maxRank := -1
	for ln, line := range bytes.Split(data, []byte("\n")) {
		line = bytes.TrimRight(line, "\r")
		if len(line) == 0 {
			continue
		}
		tok, rank, ok := bytes.Cut(line, []byte(" "))
		if !ok {
			return nil, fmt.Errorf("%s: line %d: expected \"token rank\"", name, ln+1)
		}
		raw, err := base64.StdEncoding.DecodeString(string(tok))
		if err != nil {
			return nil, fmt.Errorf("%s: line %d: %w", name, ln+1, err)
		}
		r, err := strconv.Atoi(string(rank))
		if err != nil || r < 0 || r >= maxVocab {
			return nil, fmt.Errorf("%s: line %d: bad rank %q", name, ln+1, rank)
		}
		if len(vocab) >= maxVocab {
			return nil, fmt.Errorf("%s: too many tokens", name)
		}
		vocab[byteLevelEncode(string(raw))] = r
		maxRank = max(maxRank, r)
	}
	if len(vocab) == 0 {
		return nil, fmt.Errorf("%s: no tokens", name)
	}
	if maxRank > 2*len(vocab)+256 {
		return nil, fmt.Errorf("%s: ranks too sparse: largest rank %d for %d tokens", name, maxRank, len(vocab))
	}
	m := newBPEModel(vocab)
	m.tokenRank = make([]int32, maxRank+1)
	for i := range m.tokenRank {
		m.tokenRank[i] = -1
	}
	for _, r := range vocab {
		m.tokenRank[r] = int32(r)
	}
	re, err := compileRegex(qwen2Pattern)
	if err != nil {
		return nil, err
	}
	t := &Tokenizer{source: "tiktoken", model: m, norm: normForm{norm.NFC},
		pre: preSequence{preSplit{re: re, behavior: splitIsolated}, preByteLevel{}},
		dec: decByteLevel{}}
	var added []*addedToken
	for i, s := range qwenSpecialTokens() {
		added = append(added, &addedToken{id: maxRank + 1 + i, content: s, special: true})
	}
	if err := t.assemble(added); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	t.eos = maxRank + 1
	t.applyConfig(cfg, true)
	return t, nil
}
