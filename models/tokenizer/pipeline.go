package tokenizer

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/dlclark/regexp2/v2"
	"golang.org/x/text/unicode/norm"
)

// piece is a span of text on its way to the model. first marks a piece
// that starts at offset 0 of the input (Metaspace's prepend_scheme
// "first" depends on it).
type piece struct {
	text  string
	first bool
}

// ---- normalizers ----

// A normalizer rewrites one segment of text (the text between two added
// tokens).
type normalizer interface {
	normalize(s string) string
}

type normSequence []normalizer

func (n normSequence) normalize(s string) string {
	for _, x := range n {
		s = x.normalize(s)
	}
	return s
}

type normPrepend string

func (p normPrepend) normalize(s string) string {
	if s == "" {
		return s
	}
	return string(p) + s
}

type normReplace struct {
	old, new string
	re       *regexp2.Regexp // when the pattern is a regex
}

func (r normReplace) normalize(s string) string {
	if r.re != nil {
		return regexReplaceAll(r.re, s, r.new)
	}
	if r.old == "" {
		return s
	}
	return strings.ReplaceAll(s, r.old, r.new)
}

type normForm struct{ f norm.Form }

func (n normForm) normalize(s string) string { return n.f.String(s) }

type normLower struct{}

func (normLower) normalize(s string) string { return strings.ToLower(s) }

type normStrip struct{ left, right bool }

func (n normStrip) normalize(s string) string {
	if n.left {
		s = strings.TrimLeftFunc(s, unicode.IsSpace)
	}
	if n.right {
		s = strings.TrimRightFunc(s, unicode.IsSpace)
	}
	return s
}

func regexReplaceAll(re *regexp2.Regexp, s, repl string) string {
	idx, err := re.FindAllStringIndex(s, -1)
	if err != nil || len(idx) == 0 {
		return s
	}
	var sb strings.Builder
	last := 0
	for _, m := range idx {
		sb.WriteString(s[last:m[0]])
		sb.WriteString(repl)
		last = m[1]
	}
	sb.WriteString(s[last:])
	return sb.String()
}

// ---- pre-tokenizers ----

// A preTokenizer splits pieces into smaller pieces (and may rewrite them).
type preTokenizer interface {
	split(in []piece) []piece
}

type preSequence []preTokenizer

func (p preSequence) split(in []piece) []piece {
	for _, x := range p {
		in = x.split(in)
	}
	return in
}

// GPT-2's pre-tokenizer regex, used by ByteLevel with use_regex.
const gpt2Pattern = `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`

// Pre-tokenizer regexes of llama.cpp's tokenizer.ggml.pre values.
const (
	llama3Pattern = `(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`
	qwen2Pattern  = `(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`
)

func compileRegex(pat string) (*regexp2.Regexp, error) {
	re, err := regexp2.Compile(pat)
	if err != nil {
		return nil, fmt.Errorf("regex %q: %w", pat, err)
	}
	return re, nil
}

type preByteLevel struct {
	addPrefixSpace bool
	re             *regexp2.Regexp // nil without use_regex
}

func (b preByteLevel) split(in []piece) []piece {
	var out []piece
	for _, p := range in {
		t := p.text
		if b.addPrefixSpace && !strings.HasPrefix(t, " ") {
			t = " " + t
		}
		var parts []piece
		if b.re != nil {
			parts = splitRegex(piece{t, p.first}, b.re, splitIsolated, false)
		} else {
			parts = []piece{{t, p.first}}
		}
		for _, q := range parts {
			out = append(out, piece{byteLevelEncode(q.text), q.first})
		}
	}
	return out
}

type splitBehavior int

const (
	splitRemoved splitBehavior = iota
	splitIsolated
	splitMergedWithPrevious
	splitMergedWithNext
	splitContiguous
)

type preSplit struct {
	re       *regexp2.Regexp
	literal  string
	behavior splitBehavior
	invert   bool
}

func (s preSplit) split(in []piece) []piece {
	var out []piece
	for _, p := range in {
		if s.re != nil {
			out = append(out, splitRegex(p, s.re, s.behavior, s.invert)...)
		} else {
			out = append(out, splitSpans(p, literalSpans(p.text, s.literal), s.behavior, s.invert)...)
		}
	}
	return out
}

func literalSpans(s, lit string) [][]int {
	if lit == "" {
		return nil
	}
	var spans [][]int
	for i := 0; ; {
		j := strings.Index(s[i:], lit)
		if j < 0 {
			return spans
		}
		spans = append(spans, []int{i + j, i + j + len(lit)})
		i += j + len(lit)
	}
}

func splitRegex(p piece, re *regexp2.Regexp, behavior splitBehavior, invert bool) []piece {
	idx, err := re.FindAllStringIndex(p.text, -1)
	if err != nil {
		return []piece{p}
	}
	return splitSpans(p, idx, behavior, invert)
}

// splitSpans splits p around the matched spans as HF's
// SplitDelimiterBehavior says; empty pieces are dropped.
func splitSpans(p piece, matches [][]int, behavior splitBehavior, invert bool) []piece {
	type seg struct {
		start, end int
		match      bool
	}
	var segs []seg
	last := 0
	for _, m := range matches {
		if m[1] == m[0] {
			continue
		}
		if m[0] > last {
			segs = append(segs, seg{last, m[0], false})
		}
		segs = append(segs, seg{m[0], m[1], true})
		last = m[1]
	}
	if last < len(p.text) {
		segs = append(segs, seg{last, len(p.text), false})
	}
	if invert {
		for i := range segs {
			segs[i].match = !segs[i].match
		}
	}
	var spans [][2]int
	switch behavior {
	case splitRemoved:
		for _, s := range segs {
			if !s.match {
				spans = append(spans, [2]int{s.start, s.end})
			}
		}
	case splitIsolated:
		for _, s := range segs {
			spans = append(spans, [2]int{s.start, s.end})
		}
	case splitMergedWithPrevious:
		prevGap := false
		for _, s := range segs {
			if s.match && prevGap {
				spans[len(spans)-1][1] = s.end
				prevGap = false
				continue
			}
			spans = append(spans, [2]int{s.start, s.end})
			prevGap = !s.match
		}
	case splitMergedWithNext:
		prevMatch := false
		for _, s := range segs {
			if !s.match && prevMatch {
				spans[len(spans)-1][1] = s.end
				prevMatch = false
				continue
			}
			spans = append(spans, [2]int{s.start, s.end})
			prevMatch = s.match
		}
	case splitContiguous:
		prevMatch := false
		for _, s := range segs {
			if s.match && prevMatch {
				spans[len(spans)-1][1] = s.end
				continue
			}
			spans = append(spans, [2]int{s.start, s.end})
			prevMatch = s.match
		}
	}
	out := make([]piece, 0, len(spans))
	for _, sp := range spans {
		if sp[1] > sp[0] {
			out = append(out, piece{p.text[sp[0]:sp[1]], p.first && sp[0] == 0})
		}
	}
	return out
}

type prependScheme int

const (
	prependAlways prependScheme = iota
	prependFirst
	prependNever
)

type preMetaspace struct {
	replacement string
	scheme      prependScheme
	splitOn     bool
}

func (m preMetaspace) split(in []piece) []piece {
	var out []piece
	for _, p := range in {
		t := strings.ReplaceAll(p.text, " ", m.replacement)
		switch m.scheme {
		case prependAlways:
			if !strings.HasPrefix(t, m.replacement) {
				t = m.replacement + t
			}
		case prependFirst:
			if p.first && !strings.HasPrefix(t, m.replacement) {
				t = m.replacement + t
			}
		}
		if m.splitOn {
			out = append(out, splitSpans(piece{t, p.first}, literalSpans(t, m.replacement), splitMergedWithNext, false)...)
		} else {
			out = append(out, piece{t, p.first})
		}
	}
	return out
}

// preRuneClass splits on runs of runes of one class (Digits, Whitespace,
// Punctuation...).
type preFunc func(p piece) []piece

func (f preFunc) split(in []piece) []piece {
	var out []piece
	for _, p := range in {
		out = append(out, f(p)...)
	}
	return out
}

// runeSpans returns the spans of runes for which keep is true, one span per
// rune when single, else one per run.
func runeSpans(s string, keep func(rune) bool, single bool) [][]int {
	var spans [][]int
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if keep(r) {
			if !single && len(spans) > 0 && spans[len(spans)-1][1] == i {
				spans[len(spans)-1][1] = i + n
			} else {
				spans = append(spans, []int{i, i + n})
			}
		}
		i += n
	}
	return spans
}

// isWordRune approximates Rust regex's \w (Alphabetic, marks, decimal
// digits, connector punctuation), which HF uses for single_word.
func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.In(r, unicode.M, unicode.Nd, unicode.Nl, unicode.Pc)
}

// ---- decoders ----

// A decoder turns token strings back into text pieces.
type decoder interface {
	decode(tokens []string) []string
}

type decSequence []decoder

func (d decSequence) decode(t []string) []string {
	for _, x := range d {
		t = x.decode(t)
	}
	return t
}

type decReplace struct{ old, new string }

func (d decReplace) decode(t []string) []string {
	out := make([]string, len(t))
	for i, s := range t {
		out[i] = strings.ReplaceAll(s, d.old, d.new)
	}
	return out
}

type decByteFallback struct{}

func parseByteToken(s string) (byte, bool) {
	if len(s) != 6 || s[0] != '<' || s[1] != '0' || s[2] != 'x' || s[5] != '>' {
		return 0, false
	}
	hi, ok1 := hexVal(s[3])
	lo, ok2 := hexVal(s[4])
	return hi<<4 | lo, ok1 && ok2
}

func hexVal(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	}
	return 0, false
}

func (decByteFallback) decode(t []string) []string {
	out := make([]string, 0, len(t))
	var pending []byte
	flush := func() {
		if len(pending) == 0 {
			return
		}
		if utf8.Valid(pending) {
			out = append(out, string(pending))
		} else {
			for range pending {
				out = append(out, "\uFFFD")
			}
		}
		pending = pending[:0]
	}
	for _, s := range t {
		if b, ok := parseByteToken(s); ok {
			pending = append(pending, b)
			continue
		}
		flush()
		out = append(out, s)
	}
	flush()
	return out
}

type decFuse struct{}

func (decFuse) decode(t []string) []string { return []string{strings.Join(t, "")} }

type decStrip struct {
	content     string
	start, stop int
}

func (d decStrip) decode(t []string) []string {
	out := make([]string, len(t))
	for i, s := range t {
		for n := 0; n < d.start && strings.HasPrefix(s, d.content); n++ {
			s = s[len(d.content):]
		}
		for n := 0; n < d.stop && strings.HasSuffix(s, d.content); n++ {
			s = s[:len(s)-len(d.content)]
		}
		out[i] = s
	}
	return out
}

type decMetaspace struct {
	replacement string
	scheme      prependScheme
}

func (d decMetaspace) decode(t []string) []string {
	out := make([]string, len(t))
	for i, s := range t {
		s = strings.ReplaceAll(s, d.replacement, " ")
		if i == 0 && d.scheme != prependNever {
			s = strings.TrimPrefix(s, " ")
		}
		out[i] = s
	}
	return out
}

type decByteLevel struct{}

func (decByteLevel) decode(t []string) []string {
	var b []byte
	for _, s := range t {
		b = byteLevelDecode(b, s)
	}
	return []string{lossyUTF8(b)}
}

// lossyUTF8 converts b to a string, replacing each maximal invalid
// subsequence with U+FFFD, as Rust's String::from_utf8_lossy does.
func lossyUTF8(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	var sb strings.Builder
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r != utf8.RuneError || n > 1 {
			sb.WriteString(string(b[i : i+n]))
			i += n
			continue
		}
		// invalid: skip the longest prefix of a well-formed sequence
		sb.WriteRune(utf8.RuneError)
		i += invalidPrefixLen(b[i:])
	}
	return sb.String()
}

// invalidPrefixLen is the length of the maximal prefix of b that could
// begin a well-formed UTF-8 sequence but does not complete one (at least 1).
func invalidPrefixLen(b []byte) int {
	c := b[0]
	var need int
	lo, hi := byte(0x80), byte(0xBF)
	switch {
	case c >= 0xC2 && c <= 0xDF:
		need = 1
	case c == 0xE0:
		need, lo = 2, 0xA0
	case c >= 0xE1 && c <= 0xEC, c == 0xEE, c == 0xEF:
		need = 2
	case c == 0xED:
		need, hi = 2, 0x9F
	case c == 0xF0:
		need, lo = 3, 0x90
	case c >= 0xF1 && c <= 0xF3:
		need = 3
	case c == 0xF4:
		need, hi = 3, 0x8F
	default:
		return 1
	}
	n := 1
	for k := 0; k < need && n < len(b); k++ {
		x := b[n]
		if k == 0 {
			if x < lo || x > hi {
				break
			}
		} else if x < 0x80 || x > 0xBF {
			break
		}
		n++
	}
	return n
}

// cleanUpSpaces is transformers' clean_up_tokenization.
func cleanUpSpaces(s string) string {
	for _, p := range [...][2]string{{" .", "."}, {" ?", "?"}, {" !", "!"}, {" ,", ","}, {" ' ", "'"},
		{" n't", "n't"}, {" 'm", "'m"}, {" 's", "'s"}, {" 've", "'ve"}, {" 're", "'re"}} {
		s = strings.ReplaceAll(s, p[0], p[1])
	}
	return s
}
