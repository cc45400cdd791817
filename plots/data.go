package plots

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/image/font/sfnt"
)

// Matrix is a dense row-major matrix: element (i, j) is Data[i*Cols+j].
// It is the plain data type every heat map takes.
type Matrix struct {
	Rows, Cols int
	Data       []float32
}

// NewMatrix returns a zero Rows×Cols matrix.
func NewMatrix(rows, cols int) Matrix {
	if rows < 0 || cols < 0 {
		rows, cols = 0, 0
	}
	return Matrix{Rows: rows, Cols: cols, Data: make([]float32, rows*cols)}
}

// MatrixFromRows copies a slice of equal-length rows into a Matrix.
func MatrixFromRows(rows [][]float32) (Matrix, error) {
	if len(rows) == 0 {
		return Matrix{}, nil
	}
	m := NewMatrix(len(rows), len(rows[0]))
	for i, r := range rows {
		if len(r) != m.Cols {
			return Matrix{}, fmt.Errorf("plots: row %d has %d values, row 0 has %d", i, len(r), m.Cols)
		}
		copy(m.Data[i*m.Cols:], r)
	}
	return m, nil
}

// At returns element (i, j).
func (m Matrix) At(i, j int) float32 { return m.Data[i*m.Cols+j] }

// Set sets element (i, j).
func (m Matrix) Set(i, j int, v float32) { m.Data[i*m.Cols+j] = v }

// check reports a malformed matrix, naming it.
func (m Matrix) check(name string) error {
	if m.Rows <= 0 || m.Cols <= 0 {
		return fmt.Errorf("plots: %s is empty (%d×%d)", name, m.Rows, m.Cols)
	}
	if m.Rows > 1<<16 || m.Cols > 1<<16 {
		return fmt.Errorf("plots: %s is too large to draw (%d×%d)", name, m.Rows, m.Cols)
	}
	if len(m.Data) != m.Rows*m.Cols {
		return fmt.Errorf("plots: %s has %d values, want %d×%d = %d", name, len(m.Data), m.Rows, m.Cols, m.Rows*m.Cols)
	}
	return nil
}

// finiteRange returns the min and max of the finite values (ok false if none).
func finiteRange(vals []float32) (lo, hi float64, ok bool) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, v := range vals {
		f := float64(v)
		if math.IsNaN(f) || math.IsInf(f, 0) {
			continue
		}
		lo = math.Min(lo, f)
		hi = math.Max(hi, f)
		ok = true
	}
	return lo, hi, ok
}

func finiteRange64(vals []float64) (lo, hi float64, ok bool) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, f := range vals {
		if math.IsNaN(f) || math.IsInf(f, 0) {
			continue
		}
		lo = math.Min(lo, f)
		hi = math.Max(hi, f)
		ok = true
	}
	return lo, hi, ok
}

// Range is an explicit colour or axis range. The zero value means "from the data".
type Range struct {
	Min, Max float64
	// Set makes Min and Max apply; otherwise the range comes from the data.
	Set bool
}

// check reports a Range that is set but empty or not finite.
func (r Range) check(what string) error {
	if !r.Set {
		return nil
	}
	if math.IsNaN(r.Min) || math.IsNaN(r.Max) || math.IsInf(r.Min, 0) || math.IsInf(r.Max, 0) || !(r.Max > r.Min) {
		return fmt.Errorf("plots: %s: range [%v, %v] is empty or not finite", what, r.Min, r.Max)
	}
	return nil
}

// Token label escaping ---------------------------------------------------

// hasGlyph reports whether Liberation Sans can draw r.
func hasGlyph(r rune) bool {
	var buf sfnt.Buffer
	f := face(10, false)
	i, err := f.Face.GlyphIndex(&buf, r)
	return err == nil && i != 0
}

// TokenLabel makes a token string visible and short: spaces become "·",
// the SentencePiece word marker "▁" becomes "·", newlines, tabs and carriage
// returns become \n, \t, \r, other control characters and characters the
// font cannot draw become \xNN or <U+XXXX>, and the result is cut to at most
// max runes (max <= 0: no limit) with a trailing "…". An empty token is "∅".
func TokenLabel(tok string, max int) string { return escapeLabel(tok, max, false) }

// escapeLabel is TokenLabel; with names set, inner spaces stay spaces
// (labels that are names rather than tokens) and only leading or trailing
// spaces become "·".
func escapeLabel(tok string, max int, names bool) string {
	if tok == "" {
		return "∅"
	}
	inner0, inner1 := 0, len(tok)
	if names {
		inner0 = len(tok) - len(strings.TrimLeft(tok, " "))
		inner1 = len(strings.TrimRight(tok, " "))
	}
	var b strings.Builder
	for i := 0; i < len(tok); {
		r, n := utf8.DecodeRuneInString(tok[i:])
		if r == utf8.RuneError && n == 1 {
			fmt.Fprintf(&b, `\x%02X`, tok[i])
			i++
			continue
		}
		pos := i
		i += n
		switch {
		case r == ' ' && names && pos >= inner0 && pos < inner1:
			b.WriteRune(' ')
		case r == ' ' || r == '▁' || r == '\u00a0':
			b.WriteRune('·')
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\r':
			b.WriteString(`\r`)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\x%02X`, r)
		case unicode.IsSpace(r) || !unicode.IsPrint(r) || !hasGlyph(r):
			fmt.Fprintf(&b, "<U+%04X>", r)
		default:
			b.WriteRune(r)
		}
	}
	s := b.String()
	if max > 0 && utf8.RuneCountInString(s) > max {
		rs := []rune(s)
		s = string(rs[:max-1]) + "…"
	}
	return s
}

// nameLabels escapes a slice of labels that are names (see escapeLabel).
func nameLabels(names []string, max int) []string {
	if names == nil {
		return nil
	}
	out := make([]string, len(names))
	for i, t := range names {
		out[i] = escapeLabel(t, max, true)
	}
	return out
}

// tokenLabels escapes a slice of tokens.
func tokenLabels(toks []string, max int) []string {
	out := make([]string, len(toks))
	for i, t := range toks {
		out[i] = TokenLabel(t, max)
	}
	return out
}

// Numbers ------------------------------------------------------------------

// niceTicks returns about n round values covering [lo, hi].
func niceTicks(lo, hi float64, n int) []float64 {
	if !(hi > lo) || math.IsInf(lo, 0) || math.IsInf(hi, 0) {
		return []float64{lo}
	}
	raw := (hi - lo) / float64(max(n, 1))
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	step := mag
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if m*mag >= raw {
			step = m * mag
			break
		}
	}
	var ts []float64
	start := math.Ceil(lo/step-1e-9) * step
	for k, v := 0, start; v <= hi+step*1e-9 && k < 100; k, v = k+1, start+float64(k+1)*step {
		if math.Abs(v) < step*1e-9 {
			v = 0
		}
		ts = append(ts, v)
	}
	return ts
}

// fmtNum formats a tick value compactly.
func fmtNum(v float64) string {
	if v == 0 {
		return "0"
	}
	a := math.Abs(v)
	if a >= 1e5 || a < 1e-3 {
		s := strconv.FormatFloat(v, 'e', 1, 64)
		s = strings.Replace(s, "e+0", "e", 1)
		s = strings.Replace(s, "e-0", "e-", 1)
		s = strings.Replace(s, "e+", "e", 1)
		s = strings.Replace(s, ".0e", "e", 1)
		return s
	}
	s := strconv.FormatFloat(v, 'f', 4, 64)
	s = strings.TrimRight(s, "0")
	s = strings.TrimSuffix(s, ".")
	if s == "-0" {
		s = "0"
	}
	return s
}

// fmtStat formats a statistic with 4 significant digits.
func fmtStat(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return strconv.FormatFloat(v, 'g', -1, 64)
	}
	return strconv.FormatFloat(v, 'g', 4, 64)
}
