package plots

import (
	"fmt"
	"math"
)

// MaskMode says which cells of an attention map are drawn as masked (grey
// with a hatch) instead of coloured. Non-finite values (NaN, ±Inf, as in
// pre-softmax scores) are always masked.
type MaskMode int

const (
	// MaskAuto masks the causal region (keys after the query) when every
	// value there is zero or non-finite, as in a causal softmax pattern.
	MaskAuto MaskMode = iota
	// MaskCausal always masks keys after the query.
	MaskCausal
	// MaskNone masks only non-finite values.
	MaskNone
)

// AttentionMap is one head's attention pattern.
type AttentionMap struct {
	// Name is the hook name, e.g. "blocks.3.attn.hook_pattern" (used in the title).
	Name string
	// Layer and Head identify the head (captions in grids, default titles).
	Layer, Head int
	// Pattern is [query, key]: Rows queries, Cols keys. When Rows < Cols
	// the queries are the last Rows positions (a cache in front of them).
	Pattern Matrix
	// Keys labels the key positions (len Cols); nil numbers them.
	Keys []string
	// Queries labels the query positions (len Rows); nil uses the last Rows keys.
	Queries []string
	// Title replaces the default title (Name — head H).
	Title string
	// Mask selects the masked region.
	Mask MaskMode
	// Window, when positive, is a sliding attention window: keys at or
	// before query position − Window are masked too (a key is visible when
	// pos−Window < key ≤ pos). MaskAuto also detects a window from the zeros.
	Window int
	// Color fixes the colour range; by default it is [min(0, data min), data max].
	Color Range
}

func (a *AttentionMap) title() string {
	if a.Title != "" {
		return a.Title
	}
	if a.Name != "" {
		return fmt.Sprintf("%s — head %d", a.Name, a.Head)
	}
	return fmt.Sprintf("attention — layer %d, head %d", a.Layer, a.Head)
}

func (a *AttentionMap) check() error {
	what := fmt.Sprintf("attention pattern %q", a.title())
	if err := a.Pattern.check(what); err != nil {
		return err
	}
	if a.Keys != nil && len(a.Keys) != a.Pattern.Cols {
		return fmt.Errorf("plots: %s: %d key labels for %d keys", what, len(a.Keys), a.Pattern.Cols)
	}
	if a.Queries != nil && len(a.Queries) != a.Pattern.Rows {
		return fmt.Errorf("plots: %s: %d query labels for %d queries", what, len(a.Queries), a.Pattern.Rows)
	}
	if err := a.Color.check(what); err != nil {
		return err
	}
	if a.Queries == nil && a.Keys == nil {
		return nil
	}
	if a.Queries == nil && a.Pattern.Rows > a.Pattern.Cols {
		return fmt.Errorf("plots: %s: %d queries but only %d keys and no query labels", what, a.Pattern.Rows, a.Pattern.Cols)
	}
	return nil
}

func (a *AttentionMap) labels() (keys, queries []string) {
	if a.Keys != nil {
		keys = tokenLabels(a.Keys, 14)
	}
	switch {
	case a.Queries != nil:
		queries = tokenLabels(a.Queries, 14)
	case keys != nil:
		queries = keys[a.Pattern.Cols-a.Pattern.Rows:]
	}
	return keys, queries
}

// causalMask returns the mask predicate (nil: none).
func (a *AttentionMap) causalMask() func(i, j int) bool {
	m := a.Pattern
	off := m.Cols - m.Rows
	window := func(w int) func(i, j int) bool {
		if w <= 0 {
			return func(i, j int) bool { return j > i+off }
		}
		return func(i, j int) bool { return j > i+off || j <= i+off-w }
	}
	switch a.Mask {
	case MaskNone:
		if a.Window > 0 {
			return func(i, j int) bool { return j <= i+off-a.Window }
		}
		return nil
	case MaskCausal:
		return window(a.Window)
	}
	zero := func(v float32) bool {
		f := float64(v)
		return f == 0 || math.IsNaN(f) || math.IsInf(f, 0)
	}
	upper, nonzeroLower := 0, false
	for i := range m.Rows {
		for j := range m.Cols {
			v := m.At(i, j)
			if j > i+off {
				if !zero(v) {
					return nil
				}
				upper++
			} else if v != 0 {
				nonzeroLower = true
			}
		}
	}
	if upper == 0 || !nonzeroLower {
		return window(a.Window)
	}
	w := a.Window
	if w <= 0 {
		w = detectWindow(m)
	}
	return window(w)
}

// detectWindow finds a sliding window in a causal pattern: every row whose
// first visible key is after 0 must start exactly Window keys back, with at
// least two such rows and every entry before the start exactly zero.
func detectWindow(m Matrix) int {
	off := m.Cols - m.Rows
	w, rows := 0, 0
	for i := range m.Rows {
		j0 := -1
		for j := 0; j <= min(i+off, m.Cols-1); j++ {
			if m.At(i, j) != 0 {
				j0 = j
				break
			}
		}
		if j0 <= 0 {
			if j0 == 0 && w > 0 && i+off >= w {
				return 0 // a row that sees key 0 although the window excludes it
			}
			continue
		}
		wi := i + off - j0 + 1
		if w != 0 && wi != w {
			return 0
		}
		w = wi
		rows++
	}
	if rows < 2 {
		return 0
	}
	// Rows before the window took effect must see key 0.
	for i := range m.Rows {
		if i+off < w && m.At(i, 0) == 0 {
			return 0
		}
	}
	return w
}

// colorRange returns the range over the given maps' finite values.
func attentionRange(r Range, maps []AttentionMap) (lo, hi float64) {
	if r.Set {
		return r.Min, r.Max
	}
	lo, hi = 0, 0
	first := true
	for _, a := range maps {
		l, h, ok := finiteRange(a.Pattern.Data)
		if !ok {
			continue
		}
		if first {
			lo, hi, first = l, h, false
			continue
		}
		lo, hi = math.Min(lo, l), math.Max(hi, h)
	}
	lo = math.Min(lo, 0)
	if hi <= lo {
		hi = lo + 1
	}
	return lo, hi
}

// attentionCell is the cell size for an n-token map.
func attentionCell(n int) float64 {
	if n > 176 {
		return 704 / float64(n) // long prompts: a fixed 704 px map, cells under 4 px
	}
	return math.Min(36, math.Floor(704/float64(n)))
}

// PlotAttention draws one head's attention pattern: keys along x, queries
// down y (row 0 at the top), token labels on both axes, the causal region
// masked, and a colour bar aligned with the map.
func PlotAttention(a AttentionMap) (*Figure, error) {
	if err := a.check(); err != nil {
		return nil, err
	}
	lo, hi := attentionRange(a.Color, []AttentionMap{a})
	cmap := Viridis()
	if lo < 0 {
		cmap, lo, hi = Diverging(), -math.Max(-lo, hi), math.Max(-lo, hi)
	}
	keys, queries := a.labels()
	cs := attentionCell(max(a.Pattern.Rows, a.Pattern.Cols))
	b := &heatBlock{
		cells: heatCells{m: a.Pattern, cmap: cmap, lo: lo, hi: hi, masked: a.causalMask(), hatch: true},
		cellW: cs, cellH: cs,
		x: axisLabels{title: "key", labels: keys, rot: true},
		y: axisLabels{title: "query", labels: queries, first: a.Pattern.Cols - a.Pattern.Rows},
	}
	return heatFigure(a.title(), b, newColorBar(cmap, lo, hi, "attention")), nil
}

// HeadGrid is a set of attention maps drawn side by side with one colour scale.
type HeadGrid struct {
	// Title replaces the default title (the maps' shared hook name).
	Title string
	// Maps are the heads, in reading order.
	Maps []AttentionMap
	// Columns is the number of maps per row; 0 chooses up to 8.
	Columns int
	// Color fixes the shared colour range; by default it spans all maps.
	Color Range
}

// PlotHeadGrid draws several attention maps (all heads of a layer, or one
// head across layers) in a grid with one shared colour scale and one colour
// bar. Captions say "head H" when the maps share a layer, "layer L" when they
// share a head, and "L l · H h" otherwise.
func PlotHeadGrid(g HeadGrid) (*Figure, error) {
	n := len(g.Maps)
	if n == 0 {
		return nil, fmt.Errorf("plots: head grid %q has no maps", g.Title)
	}
	if err := g.Color.check(fmt.Sprintf("head grid %q", g.Title)); err != nil {
		return nil, err
	}
	sameLayer, sameHead := true, true
	for i := range g.Maps {
		if err := g.Maps[i].check(); err != nil {
			return nil, err
		}
		sameLayer = sameLayer && g.Maps[i].Layer == g.Maps[0].Layer
		sameHead = sameHead && g.Maps[i].Head == g.Maps[0].Head
	}
	title := g.Title
	if title == "" {
		switch {
		case sameLayer && g.Maps[0].Name != "":
			title = fmt.Sprintf("%s — %d heads", g.Maps[0].Name, n)
		case sameLayer:
			title = fmt.Sprintf("attention — layer %d, %d heads", g.Maps[0].Layer, n)
		case sameHead:
			title = fmt.Sprintf("attention — head %d across %d layers", g.Maps[0].Head, n)
		default:
			title = fmt.Sprintf("attention — %d heads", n)
		}
	}
	cols := g.Columns
	if cols <= 0 {
		switch {
		case n <= 4:
			cols = n
		case n <= 8:
			cols = (n + 1) / 2
		default:
			cols = 8
		}
	}
	rows := (n + cols - 1) / cols
	lo, hi := attentionRange(g.Color, g.Maps)
	cmap := Viridis()
	if lo < 0 {
		cmap, lo, hi = Diverging(), -math.Max(-lo, hi), math.Max(-lo, hi)
	}
	// Each map gets the same data size; labels only when cells are legible.
	ntok := 1
	for _, a := range g.Maps {
		ntok = max(ntok, a.Pattern.Rows, a.Pattern.Cols)
	}
	sub := math.Max(72, math.Min(220, math.Floor(1040/float64(cols))-16))
	cs := sub / float64(ntok)
	showLabels := cs >= 9
	const gap = 14.0
	blocks := make([]*heatBlock, n)
	var leftW, bottomH float64
	for k := range g.Maps {
		a := &g.Maps[k]
		keys, queries := a.labels()
		caption := fmt.Sprintf("L%d · H%d", a.Layer, a.Head)
		switch {
		case sameLayer:
			caption = fmt.Sprintf("head %d", a.Head)
		case sameHead:
			caption = fmt.Sprintf("layer %d", a.Layer)
		}
		r, c := k/cols, k%cols
		b := &heatBlock{
			cells:   heatCells{m: a.Pattern, cmap: cmap, lo: lo, hi: hi, masked: a.causalMask(), hatch: true},
			cellW:   sub / float64(a.Pattern.Cols),
			cellH:   sub / float64(a.Pattern.Rows),
			caption: caption,
			x:       axisLabels{labels: keys, rot: true, hide: !showLabels || r != rows-1},
			y:       axisLabels{labels: queries, first: a.Pattern.Cols - a.Pattern.Rows, hide: !showLabels || c != 0},
		}
		if !showLabels {
			b.x.hide, b.y.hide = true, true
		}
		b.layout()
		blocks[k] = b
		leftW = math.Max(leftW, b.left)
		bottomH = math.Max(bottomH, b.bh-b.top-b.h)
	}
	capH := axisSize + 8
	cellPitchX := sub + gap
	cellPitchY := capH + sub + gap
	cb := newColorBar(cmap, lo, hi, "attention")
	top := margin + titleH
	gridW := leftW + float64(cols)*cellPitchX - gap
	gridH := float64(rows)*cellPitchY - gap
	if showLabels {
		gridH += bottomH // key labels under the last row
	}
	caption := "rows: queries (first at the top) · columns: keys"
	w := margin + gridW + cbarGap + cb.w + margin
	w = math.Max(w, textWidth(title, titleSize, true)+2*margin)
	h := top + gridH + margin + axisSize + 8
	f := newFigure(title, w, h, nil)
	for _, a := range g.Maps {
		f.cells += len(a.Pattern.Data)
	}
	dataX := func(k int) float64 { return margin + leftW + float64(k%cols)*cellPitchX }
	dataY := func(k int) float64 { return top + float64(k/cols)*cellPitchY + capH }
	for k, b := range blocks {
		f.regions[fmt.Sprintf("data.%d", k)] = rectF{dataX(k), dataY(k), b.w, b.h}
	}
	cbTop, cbBottom := dataY(0), dataY(n-1)+sub
	f.regions["colorbar"] = rectF{margin + gridW + cbarGap, cbTop, cbarW, cbBottom - cbTop}
	f.draw = func(c *canvas) {
		drawTitle(c, fitTitle(title, w-2*margin), w)
		for k, b := range blocks {
			b.draw(c, dataX(k)-b.left, dataY(k)-b.top)
		}
		cb.draw(c, margin+gridW+cbarGap, cbTop, cbBottom-cbTop)
		c.text(caption, margin+leftW, h-margin, textStyle{size: tickSize, color: mutedInk})
	}
	return f, nil
}
