package plots

import (
	"fmt"
	"math"
)

// RoPETable is a rotary position embedding table for one scaling variant.
type RoPETable struct {
	// Name names the variant: "none", "linear ×4", "dynamic NTK", "YaRN", "llama3", ...
	Name string
	// Cos and Sin are positions × frequencies (Rows positions, Cols = rotary dim / 2).
	Cos, Sin Matrix
	// InvFreq is the inverse frequency of every rotary pair (len Cols).
	InvFreq []float64
}

// ropeBlock makes a position × frequency heat block sized to about w×h px,
// on the colour scale [-a, a].
func ropeBlock(m Matrix, caption string, w, h, a float64) *heatBlock {
	return &heatBlock{
		cells:   heatCells{m: m, cmap: Diverging(), lo: -a, hi: a},
		cellW:   w / float64(m.Cols),
		cellH:   h / float64(m.Rows),
		caption: caption,
		x:       axisLabels{title: "frequency index i"},
		y:       axisLabels{title: "position"},
	}
}

// heatRow lays out blocks left to right, their data areas top-aligned, with
// one colour bar spanning the data height.
func heatRow(title string, blocks []*heatBlock, cb *colorBar) *Figure {
	const gap = 22.0
	top := margin + titleH
	var w, bh, dataTop, dataH float64
	w = margin
	xs := make([]float64, len(blocks))
	for k, b := range blocks {
		b.layout()
		xs[k] = w
		w += b.bw + gap
		bh = math.Max(bh, b.bh)
		dataTop = math.Max(dataTop, b.top)
		dataH = math.Max(dataH, b.h)
	}
	w -= gap
	cbX := w + cbarGap
	w += cbarGap + cb.w + margin
	w = math.Max(w, textWidth(title, titleSize, true)+2*margin)
	h := top + bh + margin
	f := newFigure(title, w, h, nil)
	for _, b := range blocks {
		f.cells += len(b.cells.m.Data)
	}
	for k, b := range blocks {
		f.regions[fmt.Sprintf("data.%d", k)] = rectF{xs[k] + b.left, top + b.top, b.w, b.h}
	}
	f.regions["colorbar"] = rectF{cbX, top + dataTop, cbarW, dataH}
	f.draw = func(c *canvas) {
		drawTitle(c, fitTitle(title, w-2*margin), w)
		for k, b := range blocks {
			b.draw(c, xs[k], top)
		}
		cb.draw(c, cbX, top+dataTop, dataH)
	}
	return f
}

func (t *RoPETable) check() error {
	what := fmt.Sprintf("RoPE table %q", t.Name)
	if err := t.Cos.check(what + " cos"); err != nil {
		return err
	}
	if err := t.Sin.check(what + " sin"); err != nil {
		return err
	}
	if t.Cos.Rows != t.Sin.Rows || t.Cos.Cols != t.Sin.Cols {
		return fmt.Errorf("plots: %s: cos is %d×%d but sin is %d×%d", what, t.Cos.Rows, t.Cos.Cols, t.Sin.Rows, t.Sin.Cols)
	}
	return nil
}

// PlotRoPE draws the cos and sin tables of one variant side by side
// (position down, frequency index across) on one colour scale, [-1, 1] or
// wider when the variant scales cos/sin (an attention factor).
func PlotRoPE(t RoPETable) (*Figure, error) {
	if err := t.check(); err != nil {
		return nil, err
	}
	title := "RoPE tables"
	if t.Name != "" {
		title += " — " + t.Name
	}
	w, h := ropeSize(t.Cos)
	a := ropeAmplitude([]RoPETable{t})
	blocks := []*heatBlock{ropeBlock(t.Cos, "cos(p·θᵢ)", w, h, a), ropeBlock(t.Sin, "sin(p·θᵢ)", w, h, a)}
	if !hasGlyph('ᵢ') {
		blocks[0].caption, blocks[1].caption = "cos(p·θ_i)", "sin(p·θ_i)"
	}
	return heatRow(title, blocks, newColorBar(Diverging(), -a, a, "")), nil
}

// ropeAmplitude is the colour scale's half-range: 1, or more when a scaling
// variant multiplies cos/sin (LongRoPE's and YaRN's attention factor).
func ropeAmplitude(tables []RoPETable) float64 {
	a := 1.0
	for _, t := range tables {
		for _, m := range []Matrix{t.Cos, t.Sin} {
			if lo, hi, ok := finiteRange(m.Data); ok {
				a = math.Max(a, math.Max(-lo, hi))
			}
		}
	}
	return a
}

func ropeSize(m Matrix) (w, h float64) {
	w = math.Min(360, math.Max(160, 4*float64(m.Cols)))
	h = math.Min(420, math.Max(160, 2*float64(m.Rows)))
	return w, h
}

// PlotRoPEVariants draws the cos table of several scaling variants side by
// side on one colour scale (the caller supplies the named tables).
func PlotRoPEVariants(title string, tables []RoPETable) (*Figure, error) {
	if len(tables) == 0 {
		return nil, fmt.Errorf("plots: RoPE variants %q: no tables", title)
	}
	if title == "" {
		title = "RoPE cos tables by scaling variant"
	}
	blocks := make([]*heatBlock, len(tables))
	for k := range tables {
		if err := tables[k].check(); err != nil {
			return nil, err
		}
	}
	a := ropeAmplitude(tables)
	for k := range tables {
		w, h := ropeSize(tables[k].Cos)
		w = math.Min(w, math.Max(140, 1000/float64(len(tables))-60))
		blocks[k] = ropeBlock(tables[k].Cos, tables[k].Name, w, h, a)
		if k > 0 {
			blocks[k].y.title = ""
		}
	}
	return heatRow(title, blocks, newColorBar(Diverging(), -a, a, "cos")), nil
}

// PlotRoPESpectrum draws each table's inverse frequencies against the pair
// index on a logarithmic y axis, one curve per variant.
func PlotRoPESpectrum(title string, tables []RoPETable) (*Figure, error) {
	if title == "" {
		title = "RoPE frequency spectrum"
	}
	p := LinePlot{Title: title, XLabel: "pair index i", YLabel: "inverse frequency θᵢ (rad / position)", LogY: true}
	if !hasGlyph('ᵢ') {
		p.YLabel = "inverse frequency θ_i (rad / position)"
	}
	for _, t := range tables {
		if len(t.InvFreq) == 0 {
			return nil, fmt.Errorf("plots: RoPE spectrum %q: table %q has no inverse frequencies", title, t.Name)
		}
		p.Series = append(p.Series, Series{Name: t.Name, Y: t.InvFreq})
	}
	return PlotLines(p)
}
