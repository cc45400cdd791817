// Package tokenizer turns text into token ids and back, exactly as the
// reference tokenizers of the supported model families do (Hugging Face
// tokenizers for tokenizer.json, SentencePiece for tokenizer.model,
// llama.cpp for GGUF vocabularies, tiktoken for Qwen 1).
//
// One engine covers every family: added-token splitting, a normalizer, a
// pre-tokenizer, a byte-pair-encoding model (merge ranks, SentencePiece
// scores or tiktoken ranks), a post-processor (BOS/EOS) and a decoder
// chain. Load picks the source from a path.
package tokenizer

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// ErrInvalidUTF8 is returned (wrapped) by Encode for text that is not
// valid UTF-8.
var ErrInvalidUTF8 = errors.New("tokenizer: text is not valid UTF-8")

// EncodeOptions controls Encode.
type EncodeOptions struct {
	// AddSpecial adds the BOS/EOS tokens the tokenizer's post-processor (or
	// config) asks for.
	AddSpecial bool
	// ParseSpecial matches special-token text in the input ("<s>",
	// "<|im_start|>") as the special token; when false it is tokenized as
	// plain text (Hugging Face split_special_tokens=True). Non-special
	// added tokens are matched either way.
	ParseSpecial bool
}

// DecodeOptions controls Decode.
type DecodeOptions struct {
	// SkipSpecial drops special tokens (BOS, EOS, chat markers).
	SkipSpecial bool
	// CleanUp applies transformers' clean_up_tokenization (" ." -> ".",
	// " n't" -> "n't" ...). CleanUpDefault says what the config asks for.
	CleanUp bool
}

// addedToken is a token matched in the raw (or normalized) text before the
// model sees it.
type addedToken struct {
	id         int
	content    string
	special    bool
	lstrip     bool
	rstrip     bool
	singleWord bool
	normalized bool
}

// Tokenizer encodes and decodes text. It is safe for concurrent use.
type Tokenizer struct {
	source  string // "tokenizer.json", "tokenizer.model", "gguf", "tiktoken", "model.bin"
	vocab   []string
	ids     map[string]int // added tokens that are not model tokens with the same id
	special []bool

	model *bpeModel
	added []*addedToken
	// tries of added tokens, matched on raw text (non-normalized tokens)
	// and on normalized text; the "plain" ones exclude special tokens.
	rawAll, rawPlain, normAll, normPlain *trie

	norm normalizer
	pre  preTokenizer
	dec  decoder

	prefix, suffix []int // post-processor ids around a single sequence
	addBOS, addEOS bool
	bos, eos, unk  int
	pad            int
	eosIDs         []int
	cleanUp        bool
	chatTemplate   string
}

// VocabSize returns the number of ids (the largest id + 1).
func (t *Tokenizer) VocabSize() int { return len(t.vocab) }

// Source names what the tokenizer was loaded from: "tokenizer.json",
// "tokenizer.model", "gguf", "tiktoken" or "model.bin".
func (t *Tokenizer) Source() string { return t.source }

// Token returns the token string of id ("" when id is out of range or
// unused). Byte-level vocabularies return the mapped form ("Ġthe").
func (t *Tokenizer) Token(id int) string {
	if id < 0 || id >= len(t.vocab) {
		return ""
	}
	return t.vocab[id]
}

// ID returns the id of a token string (model or added token).
func (t *Tokenizer) ID(token string) (int, bool) {
	if id, ok := t.ids[token]; ok {
		return id, true
	}
	id, ok := t.model.vocab[token]
	return id, ok
}

// BOS returns the beginning-of-sequence id, or -1 when there is none.
func (t *Tokenizer) BOS() int { return t.bos }

// EOS returns the end-of-sequence id, or -1 when there is none.
func (t *Tokenizer) EOS() int { return t.eos }

// UNK returns the unknown-token id, or -1 when there is none.
func (t *Tokenizer) UNK() int { return t.unk }

// PAD returns the padding id, or -1 when there is none.
func (t *Tokenizer) PAD() int { return t.pad }

// EOSIDs returns every id that ends generation: EOS and the end-of-turn
// tokens present in the vocabulary (<|eot_id|>, <|eom_id|>, <|im_end|>,
// <end_of_turn>, <|end|>, <|endoftext|>). The slice is a copy.
func (t *Tokenizer) EOSIDs() []int { return append([]int(nil), t.eosIDs...) }

// AddBOS reports whether Encode with AddSpecial prepends BOS.
func (t *Tokenizer) AddBOS() bool { return t.addBOS }

// AddEOS reports whether Encode with AddSpecial appends EOS.
func (t *Tokenizer) AddEOS() bool { return t.addEOS }

// SpecialPrefix returns the ids Encode with AddSpecial puts before the text.
func (t *Tokenizer) SpecialPrefix() []int { return append([]int(nil), t.prefix...) }

// SpecialSuffix returns the ids Encode with AddSpecial puts after the text.
func (t *Tokenizer) SpecialSuffix() []int { return append([]int(nil), t.suffix...) }

// IsSpecial reports whether id is a special token (skipped by
// DecodeOptions.SkipSpecial).
func (t *Tokenizer) IsSpecial(id int) bool {
	return id >= 0 && id < len(t.special) && t.special[id]
}

// SpecialTokens returns the special tokens' strings by id.
func (t *Tokenizer) SpecialTokens() map[int]string {
	m := map[int]string{}
	for id, s := range t.special {
		if s {
			m[id] = t.vocab[id]
		}
	}
	return m
}

// CleanUpDefault reports the config's clean_up_tokenization_spaces.
func (t *Tokenizer) CleanUpDefault() bool { return t.cleanUp }

// ChatTemplate returns the Jinja chat template from the config or GGUF
// metadata ("" when none).
func (t *Tokenizer) ChatTemplate() string { return t.chatTemplate }

// EncodeDefault encodes text as Hugging Face's tokenizer(text) does: with
// BOS/EOS as configured and special-token text parsed.
func (t *Tokenizer) EncodeDefault(text string) ([]int, error) {
	return t.Encode(text, EncodeOptions{AddSpecial: true, ParseSpecial: true})
}

// Encode turns text into ids. Text that is not valid UTF-8 is an error
// (wrapping ErrInvalidUTF8).
func (t *Tokenizer) Encode(text string, opts EncodeOptions) ([]int, error) {
	if !utf8.ValidString(text) {
		i := 0
		for i < len(text) {
			r, n := utf8.DecodeRuneInString(text[i:])
			if r == utf8.RuneError && n == 1 {
				break
			}
			i += n
		}
		return nil, fmt.Errorf("%w (byte %d)", ErrInvalidUTF8, i)
	}
	var ids []int
	if opts.AddSpecial {
		ids = append(ids, t.prefix...)
	}
	raw, nrm := t.rawPlain, t.normPlain
	if opts.ParseSpecial {
		raw, nrm = t.rawAll, t.normAll
	}
	for _, s := range t.splitAdded(text, raw, true) {
		if s.id >= 0 {
			ids = append(ids, s.id)
			continue
		}
		txt := s.text
		if t.norm != nil {
			txt = t.norm.normalize(txt)
		}
		for _, s2 := range t.splitAdded(txt, nrm, s.first) {
			if s2.id >= 0 {
				ids = append(ids, s2.id)
				continue
			}
			pieces := []piece{{s2.text, s2.first}}
			if t.pre != nil {
				pieces = t.pre.split(pieces)
			}
			for _, p := range pieces {
				ids = t.model.encodeWord(ids, p.text)
			}
		}
	}
	if opts.AddSpecial {
		ids = append(ids, t.suffix...)
	}
	return ids, nil
}

// segment is a piece of the input: an added token (id >= 0) or text.
type segment struct {
	text  string
	id    int
	first bool
}

// splitAdded splits s around the added tokens of tr, with HF's
// single_word, lstrip and rstrip rules.
func (t *Tokenizer) splitAdded(s string, tr *trie, first bool) []segment {
	if tr == nil || s == "" {
		if s == "" {
			return nil
		}
		return []segment{{s, -1, first}}
	}
	var out []segment
	startOffset := 0
	for pos := 0; pos < len(s); {
		mStart, mEnd, tok := tr.find(s, pos)
		if tok == nil {
			break
		}
		pos = mEnd
		start, stop := mStart, mEnd
		if tok.singleWord {
			startSpace := start == 0 || !endsWithWord(s[:start])
			stopSpace := stop == len(s) || !startsWithWord(s[stop:])
			if !startSpace || !stopSpace {
				continue
			}
		}
		if tok.lstrip {
			ns := len(strings.TrimRightFunc(s[:start], unicode.IsSpace))
			start = max(ns, startOffset)
		}
		if tok.rstrip {
			stop = len(s) - len(strings.TrimLeftFunc(s[stop:], unicode.IsSpace))
			pos = max(pos, stop)
		}
		if startOffset < start {
			out = append(out, segment{s[startOffset:start], -1, first && startOffset == 0})
		}
		out = append(out, segment{s[start:stop], tok.id, false})
		startOffset = stop
	}
	if startOffset < len(s) {
		out = append(out, segment{s[startOffset:], -1, first && startOffset == 0})
	}
	return out
}

func endsWithWord(s string) bool {
	r, _ := utf8.DecodeLastRuneInString(s)
	return s != "" && isWordRune(r)
}

func startsWithWord(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	return s != "" && isWordRune(r)
}

// Decode turns ids into text. An id outside [0, VocabSize) is an error.
func (t *Tokenizer) Decode(ids []int, opts DecodeOptions) (string, error) {
	toks := make([]string, 0, len(ids))
	for i, id := range ids {
		if id < 0 || id >= len(t.vocab) {
			return "", fmt.Errorf("tokenizer: decode: id %d (position %d) out of range [0, %d)", id, i, len(t.vocab))
		}
		if opts.SkipSpecial && t.special[id] {
			continue
		}
		toks = append(toks, t.vocab[id])
	}
	var s string
	if t.dec != nil {
		s = strings.Join(t.dec.decode(toks), "")
	} else {
		s = strings.Join(toks, " ")
	}
	if opts.CleanUp {
		s = cleanUpSpaces(s)
	}
	return s, nil
}

// StreamDecoder decodes ids one at a time during generation. It never
// returns half a UTF-8 character (it waits for the bytes that complete it)
// and gives the same text as decoding all ids at once, including the
// SentencePiece rule that drops the leading space of the whole text only.
type StreamDecoder struct {
	t           *Tokenizer
	opts        DecodeOptions
	ids         []int
	prefix      string
	prefixIndex int
	err         error
}

// NewStreamDecoder returns a StreamDecoder that skips nothing and does no
// clean-up (as generation output should be).
func (t *Tokenizer) NewStreamDecoder() *StreamDecoder {
	return &StreamDecoder{t: t}
}

// NewStreamDecoderOptions returns a StreamDecoder with decode options.
func (t *Tokenizer) NewStreamDecoderOptions(opts DecodeOptions) *StreamDecoder {
	return &StreamDecoder{t: t, opts: opts}
}

// Add feeds one id and returns the text it completes ("" while a character
// is incomplete). An out-of-range id is recorded (see Err) and ignored.
func (d *StreamDecoder) Add(id int) string {
	if id < 0 || id >= d.t.VocabSize() {
		d.err = fmt.Errorf("tokenizer: stream decode: id %d out of range [0, %d)", id, d.t.VocabSize())
		return ""
	}
	d.ids = append(d.ids, id)
	s, _ := d.t.Decode(d.ids, d.opts)
	if len(s) <= len(d.prefix) || strings.HasSuffix(s, "\uFFFD") || !strings.HasPrefix(s, d.prefix) {
		return ""
	}
	out := s[len(d.prefix):]
	newPrefixIndex := len(d.ids) - d.prefixIndex
	d.ids = append(d.ids[:0:0], d.ids[d.prefixIndex:]...)
	d.prefix, _ = d.t.Decode(d.ids, d.opts)
	d.prefixIndex = newPrefixIndex
	return out
}

// Flush returns whatever text is still held back (an incomplete or
// invalid UTF-8 tail, decoded with U+FFFD) and resets the decoder.
func (d *StreamDecoder) Flush() string {
	s, _ := d.t.Decode(d.ids, d.opts)
	var out string
	if len(s) > len(d.prefix) && strings.HasPrefix(s, d.prefix) {
		out = s[len(d.prefix):]
	}
	d.ids, d.prefix, d.prefixIndex = nil, "", 0
	return out
}

// Err returns the first error met by Add (an out-of-range id), or nil.
func (d *StreamDecoder) Err() error { return d.err }

// TokenText returns the text one token stands for, for display (attention
// map labels, logit-lens tables): "▁Paris" and "ĠParis" give " Paris", a
// byte token "<0x0A>" gives "\n", a lone byte of a multi-byte character
// gives U+FFFD. Unlike Decode of a single id it keeps the leading space
// that SentencePiece-style decoders strip from the start of a text. An id
// out of range gives "".
func (t *Tokenizer) TokenText(id int) string {
	if id < 0 || id >= len(t.vocab) {
		return ""
	}
	tok := t.vocab[id]
	if t.dec == nil {
		return tok
	}
	return strings.Join(keepSpaces(t.dec).decode([]string{tok}), "")
}

// keepSpaces returns d without the rules that drop the leading space of a
// whole text (Strip, Metaspace's first-token rule).
func keepSpaces(d decoder) decoder {
	switch x := d.(type) {
	case decSequence:
		var out decSequence
		for _, y := range x {
			if _, strip := y.(decStrip); strip {
				continue
			}
			out = append(out, keepSpaces(y))
		}
		return out
	case decMetaspace:
		x.scheme = prependNever
		return x
	}
	return d
}
