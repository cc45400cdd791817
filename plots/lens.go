package plots

import (
	"fmt"
	"math"
	"strings"
)

// LogitLens is the top-1 prediction of every layer at every position.
type LogitLens struct {
	// Title defaults to "logit lens".
	Title string
	// Tokens are the input tokens, one per position (len Values.Cols).
	Tokens []string
	// Top is the top-1 token text per cell, row-major (len Rows·Cols).
	Top []string
	// Values colours the cells: Rows layers × Cols positions.
	Values Matrix
	// ValueName names the values: "probability" (default, range [0, 1]) or
	// e.g. "entropy (nats)" (range from the data).
	ValueName string
	// LayerLabels label the rows (len Rows); nil numbers them.
	LayerLabels []string
	// Color fixes the colour range.
	Color Range
}

// PlotLogitLens draws a layer × position grid with the top-1 token printed in
// each cell, coloured by probability (or entropy). Row 0 is at the top.
func PlotLogitLens(l LogitLens) (*Figure, error) {
	title := l.Title
	if title == "" {
		title = "logit lens"
	}
	m := l.Values
	if err := m.check(fmt.Sprintf("logit lens %q values", title)); err != nil {
		return nil, err
	}
	if len(l.Top) != m.Rows*m.Cols {
		return nil, fmt.Errorf("plots: logit lens %q: %d top tokens for %d×%d cells", title, len(l.Top), m.Rows, m.Cols)
	}
	if l.Tokens != nil && len(l.Tokens) != m.Cols {
		return nil, fmt.Errorf("plots: logit lens %q: %d tokens for %d positions", title, len(l.Tokens), m.Cols)
	}
	if l.LayerLabels != nil && len(l.LayerLabels) != m.Rows {
		return nil, fmt.Errorf("plots: logit lens %q: %d layer labels for %d layers", title, len(l.LayerLabels), m.Rows)
	}
	if err := l.Color.check(fmt.Sprintf("logit lens %q", title)); err != nil {
		return nil, err
	}
	name := l.ValueName
	if name == "" {
		name = "probability"
	}
	lo, hi, ok := finiteRange(m.Data)
	if !ok {
		lo, hi = 0, 1
	}
	if strings.HasPrefix(name, "prob") && lo >= 0 && hi <= 1 {
		lo, hi = 0, 1
	}
	if l.Color.Set {
		lo, hi = l.Color.Min, l.Color.Max
	}
	if hi <= lo {
		hi = lo + 1
	}
	const textSize = 10.0
	cellText := tokenLabels(l.Top, 12)
	tw := 0.0
	for _, s := range cellText {
		tw = math.Max(tw, textWidth(s, textSize, false))
	}
	cw := math.Max(34, math.Min(84, math.Ceil(tw+8)))
	for i, s := range cellText {
		cellText[i] = fitText(s, textSize, cw-5)
	}
	var xl []string
	if l.Tokens != nil {
		xl = tokenLabels(l.Tokens, 14)
	}
	b := &heatBlock{
		cells: heatCells{m: m, cmap: Viridis(), lo: lo, hi: hi, cellText: cellText, textSize: textSize, hatch: true},
		cellW: cw, cellH: 18,
		x: axisLabels{title: "input token (position)", labels: xl, rot: true},
		y: axisLabels{title: "layer", labels: nameLabels(l.LayerLabels, 16)},
	}
	return heatFigure(title, b, newColorBar(Viridis(), lo, hi, name)), nil
}

// fitText cuts s with "…" until it is at most w px wide at the given size.
func fitText(s string, size, w float64) string {
	if textWidth(s, size, false) <= w {
		return s
	}
	rs := []rune(s)
	for len(rs) > 1 && textWidth(string(rs)+"…", size, false) > w {
		rs = rs[:len(rs)-1]
	}
	return string(rs) + "…"
}
