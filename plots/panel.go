package plots

import (
	"fmt"
	"math"
)

// PlotPanel places several figures side by side (columns per row; 0 puts
// them all in one row) under a common title, e.g. the same prompt through
// several model families. The figures keep their own titles, scales and sizes.
func PlotPanel(title string, figs []*Figure, columns int) (*Figure, error) {
	if len(figs) == 0 {
		return nil, fmt.Errorf("plots: panel %q has no figures", title)
	}
	for i, f := range figs {
		if f == nil || f.draw == nil {
			return nil, fmt.Errorf("plots: panel %q: figure %d is nil", title, i)
		}
	}
	if columns <= 0 {
		columns = len(figs)
	}
	rows := (len(figs) + columns - 1) / columns
	colW := make([]float64, columns)
	rowH := make([]float64, rows)
	for i, f := range figs {
		colW[i%columns] = math.Max(colW[i%columns], float64(f.Width))
		rowH[i/columns] = math.Max(rowH[i/columns], float64(f.Height))
	}
	top := 0.0
	if title != "" {
		top = margin + titleH
	}
	xs := make([]float64, columns)
	w := 0.0
	for j, cw := range colW {
		xs[j] = w
		w += cw
	}
	ys := make([]float64, rows)
	h := top
	for i, rh := range rowH {
		ys[i] = h
		h += rh
	}
	w = math.Max(w, textWidth(title, titleSize, true)+2*margin)
	p := newFigure(title, w, h, nil)
	for _, f := range figs {
		p.cells += f.cells
	}
	for i, f := range figs {
		ox, oy := xs[i%columns], ys[i/columns]
		for name, r := range f.regions {
			p.regions[fmt.Sprintf("%d.%s", i, name)] = rectF{r.X + ox, r.Y + oy, r.W, r.H}
		}
	}
	p.draw = func(c *canvas) {
		if title != "" {
			drawTitle(c, fitTitle(title, w-2*margin), w)
		}
		for i, f := range figs {
			f.draw(c.sub(xs[i%columns], ys[i/columns]))
		}
	}
	return p, nil
}
