package plots

import (
	"fmt"
	"math"
)

// TokenStrip is a run of tokens coloured by a per-token value (loss,
// attribution, ...), laid out like text.
type TokenStrip struct {
	// Title defaults to the value name.
	Title string
	// Tokens are the tokens in order.
	Tokens []string
	// Values has one value per token; NaN leaves a token uncoloured (grey).
	Values []float64
	// ValueName names the values (colour bar label), e.g. "loss (nats)".
	ValueName string
	// Signed forces a diverging palette centred at 0 (automatic when any value is negative).
	Signed bool
	// Color fixes the colour range.
	Color Range
	// Width is the wrap width in CSS px (0: 760).
	Width int
}

// PlotTokenStrip draws tokens as boxes coloured by their values, wrapping
// lines like text, with a horizontal colour bar underneath.
func PlotTokenStrip(s TokenStrip) (*Figure, error) {
	title := s.Title
	if title == "" {
		title = s.ValueName
	}
	if title == "" {
		title = "per-token values"
	}
	if len(s.Tokens) == 0 || len(s.Tokens) != len(s.Values) {
		return nil, fmt.Errorf("plots: token strip %q: %d tokens and %d values", title, len(s.Tokens), len(s.Values))
	}
	if err := s.Color.check(fmt.Sprintf("token strip %q", title)); err != nil {
		return nil, err
	}
	lo, hi, ok := finiteRange64(s.Values)
	if !ok {
		lo, hi = 0, 1
	}
	cmap := Viridis()
	if s.Signed || lo < 0 {
		cmap = Diverging()
		a := math.Max(math.Abs(lo), math.Abs(hi))
		if a == 0 {
			a = 1
		}
		lo, hi = -a, a
	}
	if s.Color.Set {
		lo, hi = s.Color.Min, s.Color.Max
	}
	if hi <= lo {
		hi = lo + 1
	}
	const (
		size = 13.0
		boxH = 22.0
		padX = 4.0
		gapX = 2.0
		gapY = 6.0
	)
	width := float64(s.Width)
	if width <= 0 {
		width = 760
	}
	labels := tokenLabels(s.Tokens, 24)
	type box struct{ x, y, w float64 }
	boxes := make([]box, len(labels))
	x, y := 0.0, 0.0
	for i, l := range labels {
		bw := textWidth(l, size, false) + 2*padX
		if x > 0 && x+bw > width {
			x, y = 0, y+boxH+gapY
		}
		boxes[i] = box{x, y, bw}
		x += bw + gapX
	}
	textH := y + boxH
	top := margin + titleH
	cbH := 10.0
	cbY := top + textH + 18
	w := margin + width + margin
	w = math.Max(w, textWidth(title, titleSize, true)+2*margin)
	h := cbY + cbH + tickSize + 8 + axisSize + 8 + margin
	f := newFigure(title, w, h, nil)
	f.regions["data"] = rectF{margin, top, width, textH}
	cbW := math.Min(360, width)
	f.regions["colorbar"] = rectF{margin, cbY, cbW, cbH}
	f.draw = func(c *canvas) {
		drawTitle(c, fitTitle(title, w-2*margin), w)
		for i, b := range boxes {
			v := s.Values[i]
			bg := maskFill
			if !math.IsNaN(v) && !math.IsInf(v, 0) {
				bg = cmap.At((v - lo) / (hi - lo))
			}
			c.rect(margin+b.x, top+b.y, b.w, boxH, bg)
			c.text(labels[i], margin+b.x+padX, top+b.y+boxH/2, textStyle{size: size, valign: 0.5, color: inkOn(bg)})
		}
		hcb := horizontalColorBar{cmap: cmap, lo: lo, hi: hi, title: s.ValueName}
		hcb.draw(c, margin, cbY, cbW, cbH)
	}
	return f, nil
}

// horizontalColorBar is a colour bar lying under a figure (lo on the left).
type horizontalColorBar struct {
	cmap   *Colormap
	lo, hi float64
	title  string
}

func (cb horizontalColorBar) draw(c *canvas, x, y, w, h float64) {
	const steps = 256
	m := NewMatrix(1, steps)
	for j := range steps {
		m.Data[j] = float32(cb.lo + (cb.hi-cb.lo)*(float64(j)+0.5)/steps)
	}
	cells := heatCells{m: m, cmap: cb.cmap, lo: cb.lo, hi: cb.hi}
	cells.draw(c, x, y, w, h)
	c.strokeRect(x, y, w, h, 0.75, axisInk)
	for _, t := range niceTicks(cb.lo, cb.hi, 5) {
		xt := x + w*(t-cb.lo)/(cb.hi-cb.lo)
		c.line(0.75, axisInk, xt, y+h, xt, y+h+3)
		c.text(fmtNum(t), xt, y+h+5+tickSize*0.8, textStyle{size: tickSize, halign: alignCenter, color: axisInk})
	}
	if cb.title != "" {
		c.text(cb.title, x+w+10, y+h/2, textStyle{size: axisSize, valign: 0.5, color: axisInk})
	}
}
