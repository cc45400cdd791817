package tokenizer

import (
	"bytes"
	"encoding/json"
	"fmt"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// hfModel is tokenizer.json's model, without vocab and merges (read by
// the fast scanner).
type hfModel struct {
	Type                    string   `json:"type"`
	UnkToken                *string  `json:"unk_token"`
	ByteFallback            bool     `json:"byte_fallback"`
	FuseUnk                 bool     `json:"fuse_unk"`
	IgnoreMerges            bool     `json:"ignore_merges"`
	ContinuingSubwordPrefix *string  `json:"continuing_subword_prefix"`
	EndOfWordSuffix         *string  `json:"end_of_word_suffix"`
	Dropout                 *float64 `json:"dropout"`
}

type hfAddedToken struct {
	ID         int    `json:"id"`
	Content    string `json:"content"`
	SingleWord bool   `json:"single_word"`
	Lstrip     bool   `json:"lstrip"`
	Rstrip     bool   `json:"rstrip"`
	Normalized bool   `json:"normalized"`
	Special    bool   `json:"special"`
}

// parseTokenizerJSON builds a Tokenizer from tokenizer.json bytes and an
// optional tokenizer_config.json.
func parseTokenizerJSON(data []byte, cfg *hfConfig) (*Tokenizer, error) {
	top, err := rawFields(data)
	if err != nil {
		return nil, fmt.Errorf("tokenizer.json: %w", err)
	}
	rawModel, ok := top["model"]
	if !ok {
		return nil, fmt.Errorf("tokenizer.json: no model")
	}
	mf, err := rawFields(rawModel)
	if err != nil {
		return nil, fmt.Errorf("tokenizer.json: model: %w", err)
	}
	var j struct{ Model hfModel }
	small := map[string][]byte{}
	for k, v := range mf {
		if k != "vocab" && k != "merges" {
			small[k] = v
		}
	}
	if err := unmarshalFields(small, &j.Model); err != nil {
		return nil, fmt.Errorf("tokenizer.json: model: %w", err)
	}
	var addedTokens []hfAddedToken
	if v, ok := top["added_tokens"]; ok {
		if err := json.Unmarshal(v, &addedTokens); err != nil {
			return nil, fmt.Errorf("tokenizer.json: added_tokens: %w", err)
		}
	}
	switch j.Model.Type {
	case "BPE":
	case "":
		if _, ok := mf["merges"]; !ok {
			return nil, fmt.Errorf("tokenizer.json: model.type missing and no merges: unknown model type")
		}
	case "WordPiece", "WordLevel", "Unigram":
		return nil, fmt.Errorf("tokenizer.json: model.type %q is not supported (only BPE)", j.Model.Type)
	default:
		return nil, fmt.Errorf("tokenizer.json: unknown model.type %q", j.Model.Type)
	}
	if j.Model.Dropout != nil && *j.Model.Dropout > 0 {
		return nil, fmt.Errorf("tokenizer.json: model.dropout %v is not supported", *j.Model.Dropout)
	}
	if p := j.Model.ContinuingSubwordPrefix; p != nil && *p != "" {
		return nil, fmt.Errorf("tokenizer.json: model.continuing_subword_prefix %q is not supported", *p)
	}
	if p := j.Model.EndOfWordSuffix; p != nil && *p != "" {
		return nil, fmt.Errorf("tokenizer.json: model.end_of_word_suffix %q is not supported", *p)
	}
	rawVocab, ok := mf["vocab"]
	if !ok {
		return nil, fmt.Errorf("tokenizer.json: model.vocab missing")
	}
	vocab, err := scanVocab(rawVocab)
	if err != nil {
		return nil, fmt.Errorf("tokenizer.json: model.vocab: %w", err)
	}
	m := newBPEModel(vocab)
	m.byteFallback = j.Model.ByteFallback
	m.fuseUnk = j.Model.FuseUnk
	m.ignoreMerges = j.Model.IgnoreMerges
	if j.Model.UnkToken != nil {
		if id, ok := vocab[*j.Model.UnkToken]; ok {
			m.unk = id
		}
	}
	m.merges = make(map[uint64]uint64, len(mf["merges"])/16)
	var buf []byte
	if err := scanMerges(mf["merges"], func(i int, a, b []byte) error { return m.addMerge(i, a, b, &buf) }); err != nil {
		return nil, fmt.Errorf("tokenizer.json: model.merges: %w", err)
	}
	t := &Tokenizer{source: "tokenizer.json", model: m}
	var added []*addedToken
	for _, a := range addedTokens {
		added = append(added, &addedToken{id: a.ID, content: a.Content, special: a.Special,
			lstrip: a.Lstrip, rstrip: a.Rstrip, singleWord: a.SingleWord, normalized: a.Normalized})
	}
	if t.norm, err = parseNormalizer(top["normalizer"]); err != nil {
		return nil, fmt.Errorf("tokenizer.json: normalizer: %w", err)
	}
	if t.pre, err = parsePreTokenizer(top["pre_tokenizer"]); err != nil {
		return nil, fmt.Errorf("tokenizer.json: pre_tokenizer: %w", err)
	}
	if t.dec, err = parseDecoder(top["decoder"]); err != nil {
		return nil, fmt.Errorf("tokenizer.json: decoder: %w", err)
	}
	if err := t.assemble(added); err != nil {
		return nil, fmt.Errorf("tokenizer.json: %w", err)
	}
	hasPost, err := t.parsePostProcessor(top["post_processor"])
	if err != nil {
		return nil, fmt.Errorf("tokenizer.json: post_processor: %w", err)
	}
	t.applyConfig(cfg, !hasPost)
	return t, nil
}

// setMerges fills the merges table; a merge naming a token that is not in
// the vocabulary is an error.
func (m *bpeModel) setMerges(merges [][2]string) error {
	m.merges = make(map[uint64]uint64, len(merges))
	var buf []byte
	for i, p := range merges {
		if err := m.addMerge(i, []byte(p[0]), []byte(p[1]), &buf); err != nil {
			return err
		}
	}
	return nil
}

// addMerge adds merge number i (its rank), a then b. A later duplicate of
// a pair replaces the earlier one, as in HF tokenizers.
func (m *bpeModel) addMerge(i int, a, b []byte, buf *[]byte) error {
	ia, ok := m.vocab[string(a)]
	if !ok {
		return fmt.Errorf("merges[%d] %q %q: %q is not in the vocabulary", i, a, b, a)
	}
	ib, ok := m.vocab[string(b)]
	if !ok {
		return fmt.Errorf("merges[%d] %q %q: %q is not in the vocabulary", i, a, b, b)
	}
	*buf = append(append((*buf)[:0], a...), b...)
	ic, ok := m.vocab[string(*buf)]
	if !ok {
		return fmt.Errorf("merges[%d] %q %q: the merged token %q is not in the vocabulary", i, a, b, *buf)
	}
	if ia < 0 || ib < 0 || ic < 0 || i >= 1<<31 {
		return fmt.Errorf("merges[%d]: negative id or rank", i)
	}
	m.merges[uint64(ia)<<32|uint64(ib)] = uint64(i)<<32 | uint64(ic)
	return nil
}

// unmarshalFields decodes raw object members into v (a struct pointer).
func unmarshalFields(fields map[string][]byte, v any) error {
	var b bytes.Buffer
	b.WriteByte('{')
	first := true
	for k, raw := range fields {
		if !first {
			b.WriteByte(',')
		}
		first = false
		kb, _ := json.Marshal(k)
		b.Write(kb)
		b.WriteByte(':')
		b.Write(raw)
	}
	b.WriteByte('}')
	return json.Unmarshal(b.Bytes(), v)
}

// jsonObj is a loosely typed component (normalizer, pre-tokenizer...).
type jsonObj map[string]json.RawMessage

func (o jsonObj) str(k string) string {
	var s string
	_ = json.Unmarshal(o[k], &s)
	return s
}

func (o jsonObj) boolean(k string, def bool) bool {
	v, ok := o[k]
	if !ok || string(v) == "null" {
		return def
	}
	var b bool
	if json.Unmarshal(v, &b) != nil {
		return def
	}
	return b
}

func (o jsonObj) integer(k string) int {
	var n int
	_ = json.Unmarshal(o[k], &n)
	return n
}

func (o jsonObj) list(k string) ([]json.RawMessage, error) {
	var l []json.RawMessage
	if err := json.Unmarshal(o[k], &l); err != nil {
		return nil, fmt.Errorf("%s: %w", k, err)
	}
	return l, nil
}

func decodeObj(raw json.RawMessage) (jsonObj, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var o jsonObj
	if err := json.Unmarshal(raw, &o); err != nil {
		return nil, err
	}
	return o, nil
}

// pattern reads {"String": s} or {"Regex": r}.
func (o jsonObj) pattern(k string) (literal, regex string, err error) {
	var p struct {
		String *string
		Regex  *string
	}
	if err := json.Unmarshal(o[k], &p); err != nil {
		return "", "", fmt.Errorf("%s: %w", k, err)
	}
	switch {
	case p.String != nil:
		return *p.String, "", nil
	case p.Regex != nil:
		return "", *p.Regex, nil
	}
	return "", "", fmt.Errorf("%s: neither String nor Regex", k)
}

func parseNormalizer(raw json.RawMessage) (normalizer, error) {
	o, err := decodeObj(raw)
	if err != nil || o == nil {
		return nil, err
	}
	switch typ := o.str("type"); typ {
	case "Sequence":
		l, err := o.list("normalizers")
		if err != nil {
			return nil, err
		}
		var seq normSequence
		for i, r := range l {
			n, err := parseNormalizer(r)
			if err != nil {
				return nil, fmt.Errorf("normalizers[%d]: %w", i, err)
			}
			if n != nil {
				seq = append(seq, n)
			}
		}
		return seq, nil
	case "Prepend":
		return normPrepend(o.str("prepend")), nil
	case "Replace":
		lit, re, err := o.pattern("pattern")
		if err != nil {
			return nil, err
		}
		r := normReplace{old: lit, new: o.str("content")}
		if re != "" {
			if r.re, err = compileRegex(re); err != nil {
				return nil, err
			}
		}
		return r, nil
	case "NFC":
		return normForm{norm.NFC}, nil
	case "NFD":
		return normForm{norm.NFD}, nil
	case "NFKC":
		return normForm{norm.NFKC}, nil
	case "NFKD":
		return normForm{norm.NFKD}, nil
	case "Lowercase":
		return normLower{}, nil
	case "Strip":
		return normStrip{o.boolean("strip_left", false), o.boolean("strip_right", false)}, nil
	case "Precompiled":
		// SentencePiece's compiled normalization rules; only the empty
		// table (identity) is supported.
		if v := bytes.TrimSpace(o["precompiled_charsmap"]); len(v) == 0 || string(v) == "null" || string(v) == `""` {
			return nil, nil
		}
		return nil, fmt.Errorf("normalizer type \"Precompiled\" with a charsmap is not supported")
	default:
		return nil, fmt.Errorf("normalizer type %q is not supported", typ)
	}
}

func parseBehavior(s string) (splitBehavior, error) {
	switch s {
	case "Removed":
		return splitRemoved, nil
	case "Isolated":
		return splitIsolated, nil
	case "MergedWithPrevious":
		return splitMergedWithPrevious, nil
	case "MergedWithNext":
		return splitMergedWithNext, nil
	case "Contiguous":
		return splitContiguous, nil
	}
	return 0, fmt.Errorf("split behavior %q is not supported", s)
}

func parsePrependScheme(o jsonObj) prependScheme {
	switch o.str("prepend_scheme") {
	case "first":
		return prependFirst
	case "never":
		return prependNever
	case "always":
		return prependAlways
	}
	if !o.boolean("add_prefix_space", true) {
		return prependNever
	}
	return prependAlways
}

func parsePreTokenizer(raw json.RawMessage) (preTokenizer, error) {
	o, err := decodeObj(raw)
	if err != nil || o == nil {
		return nil, err
	}
	switch typ := o.str("type"); typ {
	case "Sequence":
		l, err := o.list("pretokenizers")
		if err != nil {
			return nil, err
		}
		var seq preSequence
		for i, r := range l {
			p, err := parsePreTokenizer(r)
			if err != nil {
				return nil, fmt.Errorf("pretokenizers[%d]: %w", i, err)
			}
			if p != nil {
				seq = append(seq, p)
			}
		}
		return seq, nil
	case "ByteLevel":
		b := preByteLevel{addPrefixSpace: o.boolean("add_prefix_space", true)}
		if o.boolean("use_regex", true) {
			if b.re, err = compileRegex(gpt2Pattern); err != nil {
				return nil, err
			}
		}
		return b, nil
	case "Split":
		lit, re, err := o.pattern("pattern")
		if err != nil {
			return nil, err
		}
		beh, err := parseBehavior(o.str("behavior"))
		if err != nil {
			return nil, err
		}
		s := preSplit{literal: lit, behavior: beh, invert: o.boolean("invert", false)}
		if re != "" {
			if s.re, err = compileRegex(re); err != nil {
				return nil, err
			}
		}
		return s, nil
	case "Metaspace":
		rep := o.str("replacement")
		if rep == "" {
			rep = "\u2581"
		}
		return preMetaspace{replacement: rep, scheme: parsePrependScheme(o), splitOn: o.boolean("split", true)}, nil
	case "Digits":
		single := o.boolean("individual_digits", false)
		return preFunc(func(p piece) []piece {
			beh := splitContiguous
			if single {
				beh = splitIsolated
			}
			return splitSpans(p, runeSpans(p.text, isNumeric, single), beh, false)
		}), nil
	case "Whitespace":
		re, err := compileRegex(`\w+|[^\w\s]+`)
		if err != nil {
			return nil, err
		}
		// keep the matches, drop the whitespace between them
		return preFunc(func(p piece) []piece { return splitRegex(p, re, splitRemoved, true) }), nil
	case "WhitespaceSplit":
		return preFunc(func(p piece) []piece {
			return splitSpans(p, runeSpans(p.text, isSpace, false), splitRemoved, false)
		}), nil
	case "Punctuation":
		beh, err := parseBehavior(o.str("behavior"))
		if err != nil {
			beh = splitIsolated
		}
		return preFunc(func(p piece) []piece {
			return splitSpans(p, runeSpans(p.text, isPunct, true), beh, false)
		}), nil
	default:
		return nil, fmt.Errorf("pre_tokenizer type %q is not supported", typ)
	}
}

func parseDecoder(raw json.RawMessage) (decoder, error) {
	o, err := decodeObj(raw)
	if err != nil || o == nil {
		return nil, err
	}
	switch typ := o.str("type"); typ {
	case "Sequence":
		l, err := o.list("decoders")
		if err != nil {
			return nil, err
		}
		var seq decSequence
		for i, r := range l {
			d, err := parseDecoder(r)
			if err != nil {
				return nil, fmt.Errorf("decoders[%d]: %w", i, err)
			}
			if d != nil {
				seq = append(seq, d)
			}
		}
		return seq, nil
	case "Replace":
		lit, re, err := o.pattern("pattern")
		if err != nil {
			return nil, err
		}
		if re != "" {
			return nil, fmt.Errorf("Replace decoder with a regex pattern is not supported")
		}
		return decReplace{lit, o.str("content")}, nil
	case "ByteFallback":
		return decByteFallback{}, nil
	case "Fuse":
		return decFuse{}, nil
	case "Strip":
		return decStrip{o.str("content"), o.integer("start"), o.integer("stop")}, nil
	case "Metaspace":
		rep := o.str("replacement")
		if rep == "" {
			rep = "\u2581"
		}
		return decMetaspace{replacement: rep, scheme: parsePrependScheme(o)}, nil
	case "ByteLevel":
		return decByteLevel{}, nil
	default:
		return nil, fmt.Errorf("decoder type %q is not supported", typ)
	}
}

// parsePostProcessor sets prefix/suffix from the post-processor. It
// reports whether one was present.
func (t *Tokenizer) parsePostProcessor(raw json.RawMessage) (bool, error) {
	o, err := decodeObj(raw)
	if err != nil || o == nil {
		return false, err
	}
	switch typ := o.str("type"); typ {
	case "Sequence":
		l, err := o.list("processors")
		if err != nil {
			return false, err
		}
		for i, r := range l {
			if _, err := t.parsePostProcessor(r); err != nil {
				return false, fmt.Errorf("processors[%d]: %w", i, err)
			}
		}
	case "ByteLevel":
	case "TemplateProcessing":
		var tp struct {
			Single []struct {
				SpecialToken *struct{ ID string } `json:"SpecialToken"`
				Sequence     *struct{ ID string } `json:"Sequence"`
			} `json:"single"`
			SpecialTokens map[string]struct {
				IDs []int `json:"ids"`
			} `json:"special_tokens"`
		}
		if err := json.Unmarshal(raw, &tp); err != nil {
			return false, err
		}
		seen := false
		for _, item := range tp.Single {
			switch {
			case item.Sequence != nil:
				seen = true
			case item.SpecialToken != nil:
				st, ok := tp.SpecialTokens[item.SpecialToken.ID]
				if !ok {
					return false, fmt.Errorf("special token %q not in special_tokens", item.SpecialToken.ID)
				}
				for _, id := range st.IDs {
					if id < 0 || id >= len(t.vocab) {
						return false, fmt.Errorf("special token %q: id %d out of range", item.SpecialToken.ID, id)
					}
				}
				if seen {
					t.suffix = append(t.suffix, st.IDs...)
				} else {
					t.prefix = append(t.prefix, st.IDs...)
				}
			}
		}
	case "RobertaProcessing", "BertProcessing":
		var rp struct {
			Sep []json.RawMessage `json:"sep"`
			Cls []json.RawMessage `json:"cls"`
		}
		if err := json.Unmarshal(raw, &rp); err != nil {
			return false, err
		}
		var cls, sep int
		if len(rp.Cls) != 2 || json.Unmarshal(rp.Cls[1], &cls) != nil || len(rp.Sep) != 2 || json.Unmarshal(rp.Sep[1], &sep) != nil {
			return false, fmt.Errorf("%s: bad cls/sep", typ)
		}
		if cls < 0 || cls >= len(t.vocab) || sep < 0 || sep >= len(t.vocab) {
			return false, fmt.Errorf("%s: cls/sep id out of range", typ)
		}
		t.prefix = append(t.prefix, cls)
		t.suffix = append(t.suffix, sep)
	default:
		return false, fmt.Errorf("post_processor type %q is not supported", typ)
	}
	return true, nil
}

func isNumeric(r rune) bool { return unicode.IsNumber(r) }

func isSpace(r rune) bool { return unicode.IsSpace(r) }

func isPunct(r rune) bool { return unicode.IsPunct(r) || (r < 128 && unicode.IsSymbol(r)) }
