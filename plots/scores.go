package plots

import (
	"fmt"
	"math"
	"strconv"
)

// ScoreMap is a score per (layer, head): induction, previous-token,
// direct logit attribution, ... With other titles and labels it is also the
// generic labelled heat map for any matrix (large ones are drawn 704 px wide).
type ScoreMap struct {
	// Name names the score, e.g. "induction score" (used in the title and colour bar).
	Name string
	// Values is Rows layers × Cols heads.
	Values Matrix
	// RowTitle and ColTitle default to "layer" and "head".
	RowTitle, ColTitle string
	// RowLabels and ColLabels optionally replace the numeric labels.
	RowLabels, ColLabels []string
	// Signed forces a diverging palette centred at 0; it is chosen
	// automatically when any value is negative.
	Signed bool
	// Color fixes the colour range.
	Color Range
	// Title replaces the default title ("Name by layer and head").
	Title string
}

// PlotScores draws a layer × head heat map. Signed scores use a blue–white–red
// palette symmetric about 0; values are printed in the cells when they fit.
func PlotScores(s ScoreMap) (*Figure, error) {
	name := s.Name
	if name == "" {
		name = "score"
	}
	if err := s.Values.check(strconv.Quote(name)); err != nil {
		return nil, err
	}
	if s.RowLabels != nil && len(s.RowLabels) != s.Values.Rows || s.ColLabels != nil && len(s.ColLabels) != s.Values.Cols {
		return nil, fmt.Errorf("plots: %q: %d row and %d column labels for a %d×%d map", name, len(s.RowLabels), len(s.ColLabels), s.Values.Rows, s.Values.Cols)
	}
	if err := s.Color.check(strconv.Quote(name)); err != nil {
		return nil, err
	}
	lo, hi, ok := finiteRange(s.Values.Data)
	if !ok {
		lo, hi = 0, 1
	}
	cmap := Viridis()
	lo = math.Min(lo, 0) // non-negative scores: the scale starts at 0
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
	title := s.Title
	if title == "" {
		title = name + " by layer and head"
	}
	rt, ct := s.RowTitle, s.ColTitle
	if rt == "" {
		rt = "layer"
	}
	if ct == "" {
		ct = "head"
	}
	cs := math.Max(12, math.Min(44, math.Floor(704/float64(s.Values.Cols))))
	if s.Values.Cols > 58 {
		cs = 704 / float64(s.Values.Cols) // wide matrices: a 704 px map
	}
	ch := math.Max(10, math.Min(cs, math.Floor(600/float64(s.Values.Rows))))
	if s.Values.Rows > 60 {
		ch = math.Min(cs, 600/float64(s.Values.Rows))
	}
	cells := heatCells{m: s.Values, cmap: cmap, lo: lo, hi: hi, hatch: true}
	if cs >= 34 && ch >= 16 {
		cells.textSize = 9.5
		cells.cellText = make([]string, len(s.Values.Data))
		for i, v := range s.Values.Data {
			if !math.IsNaN(float64(v)) && !math.IsInf(float64(v), 0) {
				cells.cellText[i] = cellNum(float64(v))
			}
		}
	}
	b := &heatBlock{
		cells: cells, cellW: cs, cellH: ch,
		x: axisLabels{title: ct, labels: nameLabels(s.ColLabels, 16), rot: true},
		y: axisLabels{title: rt, labels: nameLabels(s.RowLabels, 16)},
	}
	return heatFigure(title, b, newColorBar(cmap, lo, hi, name)), nil
}

// cellNum formats a value printed inside a cell: at most 5 characters for
// ordinary magnitudes.
func cellNum(v float64) string {
	a := math.Abs(v)
	var s string
	switch {
	case a >= 1000:
		s = strconv.FormatFloat(v, 'g', 2, 64)
	case a >= 100:
		s = strconv.FormatFloat(v, 'f', 0, 64)
	case a >= 10:
		s = strconv.FormatFloat(v, 'f', 1, 64)
	default:
		s = strconv.FormatFloat(v, 'f', 2, 64)
	}
	if s == "-0.00" || s == "0.00" {
		return "0"
	}
	return s
}
