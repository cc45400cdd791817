package plots

import (
	"fmt"
	"html"
	"math"
	"strconv"
	"strings"
)

// Rich notebook display for plain data. Each type has HTML() (the kernel's
// HTMLer interface) and String() (text/plain). Every piece of text is
// HTML-escaped.

const (
	cardStyle  = `font-family:'Liberation Sans',Arimo,Arial,Helvetica,sans-serif;font-size:13px;line-height:1.35;color:#222;border:1px solid #d0d0d0;border-radius:6px;padding:10px 14px;display:inline-block;max-width:100%;overflow-x:auto;background:#fff`
	titleStyle = `font-weight:bold;font-size:15px;margin:0 0 8px 0`
	tableStyle = `border-collapse:collapse;font-size:13px`
	thStyle    = `text-align:left;padding:2px 12px 2px 0;color:#555;font-weight:normal;white-space:nowrap;vertical-align:top`
	tdStyle    = `text-align:left;padding:2px 12px 2px 0;vertical-align:top`
	numStyle   = `text-align:right;padding:2px 12px 2px 0;font-variant-numeric:tabular-nums;white-space:nowrap`
	headStyle  = `text-align:left;padding:3px 12px 3px 0;border-bottom:1px solid #bbb;font-weight:bold;white-space:nowrap`
	monoStyle  = `font-family:'Liberation Mono',Cousine,Menlo,Consolas,monospace;white-space:pre`
)

var esc = html.EscapeString

// FormatBytes formats a byte count with binary units (KiB, MiB, GiB).
func FormatBytes(n int64) string {
	if n < 1024 {
		return strconv.FormatInt(n, 10) + " B"
	}
	units := []string{"KiB", "MiB", "GiB", "TiB"}
	v := float64(n)
	u := -1
	for v >= 1024 && u < len(units)-1 {
		v /= 1024
		u++
	}
	return strconv.FormatFloat(v, 'f', 1, 64) + " " + units[u]
}

// FormatCount formats a parameter count: 6.74 B, 260.1 K, ...
func FormatCount(n int64) string {
	switch a := math.Abs(float64(n)); {
	case a >= 1e9:
		return strconv.FormatFloat(float64(n)/1e9, 'f', 2, 64) + " B"
	case a >= 1e6:
		return strconv.FormatFloat(float64(n)/1e6, 'f', 1, 64) + " M"
	case a >= 1e4:
		return strconv.FormatFloat(float64(n)/1e3, 'f', 1, 64) + " K"
	}
	return strconv.FormatInt(n, 10)
}

// FormatShape formats a shape as [a, b, c].
func FormatShape(shape []int) string {
	parts := make([]string, len(shape))
	for i, d := range shape {
		parts[i] = strconv.Itoa(d)
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

func kvRows(b *strings.Builder, rows [][2]string) {
	b.WriteString(`<table style="` + tableStyle + `">`)
	for _, r := range rows {
		if r[1] == "" {
			continue
		}
		fmt.Fprintf(b, `<tr><th style="%s">%s</th><td style="%s">%s</td></tr>`, thStyle, esc(r[0]), tdStyle, esc(r[1]))
	}
	b.WriteString(`</table>`)
}

func itoaOmit(n int) string {
	if n == 0 {
		return ""
	}
	return strconv.Itoa(n)
}

// DTypeCount is how many weight tensors (and bytes) use one data type.
type DTypeCount struct {
	DType   string
	Tensors int
	Bytes   int64
}

// ModelSummary is what a loaded model's card shows. Zero fields are left out.
type ModelSummary struct {
	Name         string // file or repository name
	Family       string // "llama", "mistral", "qwen2", ...
	Parameters   int64
	Layers       int
	Heads        int
	KVHeads      int
	HeadDim      int
	Hidden       int // residual width (d_model)
	Intermediate int // MLP width
	Vocab        int
	Context      int    // maximum context length
	RoPE         string // e.g. "θ = 10000, 128 rotary dims"
	RoPEScaling  string // e.g. "llama3, factor 8" ("" means none)
	Norm         string // e.g. "RMSNorm, ε = 1e-5"
	Activation   string // e.g. "SiLU, gated (SwiGLU)"
	DTypes       []DTypeCount
	MemoryBytes  int64 // bytes of weights in memory
}

func (m ModelSummary) rows() [][2]string {
	heads := itoaOmit(m.Heads)
	if m.KVHeads != 0 && m.KVHeads != m.Heads {
		heads += fmt.Sprintf(" query, %d key/value (GQA, %d per group)", m.KVHeads, max(1, m.Heads/max(1, m.KVHeads)))
	}
	params := ""
	if m.Parameters > 0 {
		params = FormatCount(m.Parameters) + " (" + strconv.FormatInt(m.Parameters, 10) + ")"
	}
	scaling := m.RoPEScaling
	if scaling == "" && m.RoPE != "" {
		scaling = "none"
	}
	var dts []string
	for _, d := range m.DTypes {
		s := fmt.Sprintf("%s × %d", d.DType, d.Tensors)
		if d.Bytes > 0 {
			s += " (" + FormatBytes(d.Bytes) + ")"
		}
		dts = append(dts, s)
	}
	mem := ""
	if m.MemoryBytes > 0 {
		mem = FormatBytes(m.MemoryBytes)
	}
	return [][2]string{
		{"family", m.Family}, {"parameters", params}, {"layers", itoaOmit(m.Layers)},
		{"heads", heads}, {"head dim", itoaOmit(m.HeadDim)}, {"hidden size", itoaOmit(m.Hidden)},
		{"MLP size", itoaOmit(m.Intermediate)}, {"vocabulary", itoaOmit(m.Vocab)}, {"context", itoaOmit(m.Context)},
		{"RoPE", m.RoPE}, {"RoPE scaling", scaling}, {"norm", m.Norm}, {"activation", m.Activation},
		{"weights", strings.Join(dts, ", ")}, {"memory", mem},
	}
}

// HTML returns the model card.
func (m ModelSummary) HTML() string {
	var b strings.Builder
	title := m.Name
	if title == "" {
		title = m.Family + " model"
	}
	fmt.Fprintf(&b, `<div style="%s"><div style="%s">%s</div>`, cardStyle, titleStyle, esc(title))
	kvRows(&b, m.rows())
	b.WriteString(`</div>`)
	return b.String()
}

// String returns the card as aligned text.
func (m ModelSummary) String() string {
	var b strings.Builder
	if m.Name != "" {
		b.WriteString(m.Name + "\n")
	}
	for _, r := range m.rows() {
		if r[1] != "" {
			fmt.Fprintf(&b, "  %-13s %s\n", r[0], r[1])
		}
	}
	return strings.TrimRight(b.String(), "\n")
}

// HookInfo describes one captured hook.
type HookInfo struct {
	Name  string // e.g. "blocks.3.attn.hook_pattern"
	Shape []int
	DType string // e.g. "F32"
	Bytes int64
}

// HookTable lists captured hooks (an activation cache).
type HookTable struct {
	Title string
	Hooks []HookInfo
}

func (t HookTable) total() int64 {
	var n int64
	for _, h := range t.Hooks {
		n += h.Bytes
	}
	return n
}

// HTML returns the hooks as a table with a total.
func (t HookTable) HTML() string {
	var b strings.Builder
	title := t.Title
	if title == "" {
		title = "activation cache"
	}
	fmt.Fprintf(&b, `<div style="%s"><div style="%s">%s <span style="font-weight:normal;color:#666">(%d hooks, %s)</span></div>`,
		cardStyle, titleStyle, esc(title), len(t.Hooks), esc(FormatBytes(t.total())))
	fmt.Fprintf(&b, `<table style="%s"><tr><th style="%s">hook</th><th style="%s">shape</th><th style="%s">dtype</th><th style="%s;text-align:right">bytes</th></tr>`,
		tableStyle, headStyle, headStyle, headStyle, headStyle)
	for _, h := range t.Hooks {
		fmt.Fprintf(&b, `<tr><td style="%s;%s">%s</td><td style="%s">%s</td><td style="%s">%s</td><td style="%s">%s</td></tr>`,
			tdStyle, monoStyle, esc(h.Name), tdStyle, esc(FormatShape(h.Shape)), tdStyle, esc(h.DType), numStyle, esc(FormatBytes(h.Bytes)))
	}
	b.WriteString(`</table></div>`)
	return b.String()
}

// String lists the hooks as text.
func (t HookTable) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d hooks, %s", len(t.Hooks), FormatBytes(t.total()))
	for _, h := range t.Hooks {
		fmt.Fprintf(&b, "\n  %-40s %-18s %-5s %s", h.Name, FormatShape(h.Shape), h.DType, FormatBytes(h.Bytes))
	}
	return b.String()
}

// TokenTable lists tokens: position, id and text.
type TokenTable struct {
	Title string
	IDs   []int
	Texts []string // same length as IDs (missing texts are left blank)
}

// maxTokenRows bounds the rows of a token table; the rest are summarised.
const maxTokenRows = 1000

// HTML returns the tokens as a table; the text column shows whitespace and
// control characters visibly (see TokenLabel) and the exact string quoted.
func (t TokenTable) HTML() string {
	var b strings.Builder
	title := t.Title
	if title == "" {
		title = "tokens"
	}
	fmt.Fprintf(&b, `<div style="%s"><div style="%s">%s <span style="font-weight:normal;color:#666">(%d)</span></div>`, cardStyle, titleStyle, esc(title), len(t.IDs))
	fmt.Fprintf(&b, `<table style="%s"><tr><th style="%s;text-align:right">pos</th><th style="%s;text-align:right">id</th><th style="%s">token</th><th style="%s">exact</th></tr>`,
		tableStyle, headStyle, headStyle, headStyle, headStyle)
	for i, id := range t.IDs {
		if i == maxTokenRows {
			fmt.Fprintf(&b, `<tr><td colspan="4" style="%s;color:#666">… %d more</td></tr>`, tdStyle, len(t.IDs)-i)
			break
		}
		text := ""
		if i < len(t.Texts) {
			text = t.Texts[i]
		}
		fmt.Fprintf(&b, `<tr><td style="%s">%d</td><td style="%s">%d</td><td style="%s;%s">%s</td><td style="%s;%s;color:#666">%s</td></tr>`,
			numStyle, i, numStyle, id, tdStyle, monoStyle, esc(TokenLabel(text, 0)), tdStyle, monoStyle, esc(strconv.Quote(text)))
	}
	b.WriteString(`</table></div>`)
	return b.String()
}

// String lists the tokens as text.
func (t TokenTable) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d tokens", len(t.IDs))
	for i, id := range t.IDs {
		if i == maxTokenRows {
			fmt.Fprintf(&b, "\n  … %d more", len(t.IDs)-i)
			break
		}
		text := ""
		if i < len(t.Texts) {
			text = t.Texts[i]
		}
		fmt.Fprintf(&b, "\n  %5d %7d %q", i, id, text)
	}
	return b.String()
}

// TensorSummary describes a tensor: shape, dtype, statistics of its values
// and a small histogram.
type TensorSummary struct {
	Name   string
	Shape  []int
	DType  string
	Values []float32 // the values (or a sample of them) for the statistics
}

// HTML returns a card with the statistics and an inline SVG histogram.
func (t TensorSummary) HTML() string {
	st := ComputeStats(t.Values)
	var b strings.Builder
	title := t.Name
	if title == "" {
		title = "tensor"
	}
	fmt.Fprintf(&b, `<div style="%s"><div style="%s">%s</div><div style="display:flex;gap:18px;align-items:flex-start;flex-wrap:wrap">`, cardStyle, titleStyle, esc(title))
	rows := [][2]string{{"shape", FormatShape(t.Shape)}, {"dtype", t.DType}, {"values", strconv.Itoa(st.N)}}
	if st.N > 0 {
		rows = append(rows, [2]string{"min", fmtStat(st.Min)}, [2]string{"max", fmtStat(st.Max)},
			[2]string{"mean", fmtStat(st.Mean)}, [2]string{"std", fmtStat(st.Std)}, [2]string{"rms", fmtStat(st.RMS)})
	}
	if st.NonFinite > 0 {
		rows = append(rows, [2]string{"non-finite", strconv.Itoa(st.NonFinite)})
	}
	kvRows(&b, rows)
	if st.N > 0 {
		b.WriteString(`<div>`)
		b.WriteString(histogramSVG(t.Values, st, 40, 240, 72))
		fmt.Fprintf(&b, `<div style="display:flex;justify-content:space-between;width:240px;color:#666;font-size:11px"><span>%s</span><span>%s</span></div></div>`,
			esc(fmtStat(st.Min)), esc(fmtStat(st.Max)))
	}
	b.WriteString(`</div></div>`)
	return b.String()
}

// String summarises the tensor in one line.
func (t TensorSummary) String() string {
	st := ComputeStats(t.Values)
	s := fmt.Sprintf("%s %s %s: n=%d min=%s max=%s mean=%s std=%s", t.Name, FormatShape(t.Shape), t.DType, st.N,
		fmtStat(st.Min), fmtStat(st.Max), fmtStat(st.Mean), fmtStat(st.Std))
	if st.NonFinite > 0 {
		s += fmt.Sprintf(" non-finite=%d", st.NonFinite)
	}
	return strings.TrimSpace(s)
}

// histogramSVG draws an inline bar histogram w×h px of the finite values.
func histogramSVG(vals []float32, st Stats, bins int, w, h float64) string {
	lo, hi := st.Min, st.Max
	if hi <= lo {
		lo, hi = lo-0.5, lo+0.5
	}
	counts := binCounts(vals, bins, lo, hi)
	maxC := 0.0
	for _, c := range counts {
		maxC = math.Max(maxC, c)
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%g" height="%g" viewBox="0 0 %g %g" role="img" aria-label="histogram of values">`, w, h, w, h)
	fmt.Fprintf(&b, `<rect x="0" y="0" width="%g" height="%g" fill="#fafafa"/>`, w, h)
	bw := w / float64(bins)
	for i, c := range counts {
		if c <= 0 {
			continue
		}
		bh := math.Max(1, (h-2)*c/maxC)
		fmt.Fprintf(&b, `<rect x="%.2f" y="%.2f" width="%.2f" height="%.2f" fill="#0072b2"/>`, float64(i)*bw, h-bh, math.Max(bw-0.5, 0.5), bh)
	}
	if lo < 0 && hi > 0 {
		x := w * (0 - lo) / (hi - lo)
		fmt.Fprintf(&b, `<line x1="%.2f" y1="0" x2="%.2f" y2="%g" stroke="#d55e00" stroke-width="1" stroke-dasharray="2,2"/>`, x, x, h)
	}
	b.WriteString(`<line x1="0" y1="` + strconv.FormatFloat(h-0.5, 'f', 1, 64) + `" x2="` + strconv.FormatFloat(w, 'f', 1, 64) + `" y2="` + strconv.FormatFloat(h-0.5, 'f', 1, 64) + `" stroke="#333" stroke-width="1"/>`)
	b.WriteString(`</svg>`)
	return b.String()
}
