package plots

import (
	"image"
	"image/color"
	"math"
	"sort"
)

// Sizes in CSS pixels shared by the figures.
const (
	margin     = 12.0
	titleSize  = 15.0
	titleH     = 26.0
	axisSize   = 12.5
	tickSize   = 11.0
	minTickLbl = 7.5 // smallest font used for token labels
	cbarW      = 14.0
	cbarGap    = 14.0
	svgRectMax = 16384 // larger heat maps (or figures) become embedded images in SVG
)

// heatCells is the colour-mapped content of a heat map.
type heatCells struct {
	m      Matrix
	cmap   *Colormap
	lo, hi float64
	// masked reports cells drawn in the mask style besides non-finite ones.
	masked   func(i, j int) bool
	cellText []string // optional text per cell, row-major
	textSize float64
	hatch    bool
}

func (h *heatCells) isMasked(i, j int) bool {
	v := float64(h.m.At(i, j))
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return true
	}
	return h.masked != nil && h.masked(i, j)
}

func (h *heatCells) color(i, j int) (color.RGBA, bool) {
	if h.isMasked(i, j) {
		return maskFill, true
	}
	v := float64(h.m.At(i, j))
	t := 0.5
	if h.hi > h.lo {
		t = (v - h.lo) / (h.hi - h.lo)
	}
	return h.cmap.At(t), false
}

// draw paints the cells into the rectangle (x, y, w, h): row 0 at the top.
// PNG: every device pixel takes the colour of the cell under its centre
// (nearest neighbour, no seams). SVG: one rectangle per run of equal
// colour, overlapping its right and lower neighbour by half a pixel so
// that anti-aliasing never lets the background through; very large maps
// become one embedded image drawn with pixelated scaling.
func (h *heatCells) draw(c *canvas, x, y, w, hh float64) {
	rows, cols := h.m.Rows, h.m.Cols
	cw, ch := w/float64(cols), hh/float64(rows)
	anyMask := false
	switch {
	case c.img != nil:
		anyMask = h.drawPixels(c, x, y, w, hh)
	case rows*cols > svgRectMax || c.svgImages:
		// One image, drawn pixelated (CSS image-rendering); each cell is
		// kx×ky image pixels so that viewers that smooth anyway only soften
		// the cell edges.
		kx := max(1, min(8, int(math.Ceil(2*w/float64(cols)))))
		ky := max(1, min(8, int(math.Ceil(2*hh/float64(rows)))))
		for cols*kx*rows*ky > 2_000_000 && (kx > 1 || ky > 1) {
			kx, ky = max(1, kx-1), max(1, ky-1)
		}
		img := image.NewRGBA(image.Rect(0, 0, cols*kx, rows*ky))
		for i := range rows {
			for j := range cols {
				col, m := h.color(i, j)
				anyMask = anyMask || m
				for y := i * ky; y < (i+1)*ky; y++ {
					for x := j * kx; x < (j+1)*kx; x++ {
						img.SetRGBA(x, y, col)
					}
				}
			}
		}
		p0, p1 := c.pt(x, y+hh), c.pt(x+w, y)
		c.vc.DrawImage(vgRect(p0, p1), img)
	default:
		const ov = 0.5
		for i := range rows {
			y0 := y + float64(i)*ch
			eh := ch
			if i < rows-1 {
				eh += ov
			}
			for j := 0; j < cols; {
				col, m := h.color(i, j)
				anyMask = anyMask || m
				k := j + 1
				for k < cols {
					c2, _ := h.color(i, k)
					if c2 != col {
						break
					}
					k++
				}
				ew := float64(k-j) * cw
				if k < cols {
					ew += ov
				}
				c.rect(x+float64(j)*cw, y0, ew, eh, col)
				j = k
			}
		}
	}
	if anyMask && h.hatch && c.img == nil {
		h.drawHatch(c, x, y, cw, ch)
	}
	if h.cellText != nil {
		for i := range rows {
			for j := range cols {
				s := h.cellText[i*cols+j]
				if s == "" {
					continue
				}
				bg, _ := h.color(i, j)
				c.text(s, x+(float64(j)+0.5)*cw, y+(float64(i)+0.5)*ch,
					textStyle{size: h.textSize, color: inkOn(bg), halign: alignCenter, valign: 0.5})
			}
		}
	}
}

func (h *heatCells) drawPixels(c *canvas, x, y, w, hh float64) (anyMask bool) {
	rows, cols := h.m.Rows, h.m.Cols
	X0, X1, Y0, Y1 := c.devX(x), c.devX(x+w), c.devY(y), c.devY(y+hh)
	if X1 <= X0 || Y1 <= Y0 {
		return false
	}
	colors := make([]color.RGBA, rows*cols)
	masked := make([]bool, rows*cols)
	for i := range rows {
		for j := range cols {
			col, m := h.color(i, j)
			anyMask = anyMask || m
			colors[i*cols+j] = col
			masked[i*cols+j] = m
		}
	}
	// Hatch: "/" lines of 1 CSS px every 6 CSS px, on the absolute device
	// lattice so that they run on across cells.
	const hatchPitch, hatchW = 6 * pngScale, 1 * pngScale
	hatch := h.hatch && anyMask
	colOf := make([]int, X1-X0)
	for px := range colOf {
		colOf[px] = min(cols-1, int((float64(px)+0.5)*float64(cols)/float64(X1-X0)))
	}
	b := c.img.Rect
	xa, xb := max(X0, b.Min.X), min(X1, b.Max.X)
	if xa >= xb {
		return anyMask
	}
	line := make([]byte, 4*(xb-xa))
	lineRow := -1
	for py := max(Y0, b.Min.Y); py < min(Y1, b.Max.Y); py++ {
		i := min(rows-1, int((float64(py-Y0)+0.5)*float64(rows)/float64(Y1-Y0)))
		if i != lineRow {
			row := colors[i*cols : (i+1)*cols]
			for px := xa; px < xb; px++ {
				col := row[colOf[px-X0]]
				o := 4 * (px - xa)
				line[o], line[o+1], line[o+2], line[o+3] = col.R, col.G, col.B, 0xff
			}
			lineRow = i
		}
		off := c.img.PixOffset(xa, py)
		copy(c.img.Pix[off:off+len(line)], line)
		if !hatch {
			continue
		}
		mrow := masked[i*cols : (i+1)*cols]
		// First x on this row's lattice: (px+py) % pitch == 0.
		start := xa + ((hatchPitch-(xa+py)%hatchPitch)%hatchPitch - hatchPitch)
		for p0 := start; p0 < xb; p0 += hatchPitch {
			for px := max(p0, xa); px < min(p0+hatchW, xb); px++ {
				if mrow[colOf[px-X0]] {
					o := off + 4*(px-xa)
					c.img.Pix[o], c.img.Pix[o+1], c.img.Pix[o+2] = maskHatch.R, maskHatch.G, maskHatch.B
				}
			}
		}
	}
	return anyMask
}

// drawHatch strokes diagonal hatch lines ("/" at a fixed pitch) over the
// masked cells; collinear pieces in neighbouring cells are merged.
func (h *heatCells) drawHatch(c *canvas, x, y, cw, ch float64) {
	const pitch = 6.0
	segs := map[int][][2]float64{} // line k (x+y = k·pitch) → x intervals
	rows, cols := h.m.Rows, h.m.Cols
	for i := range rows {
		for j := 0; j < cols; {
			if !h.isMasked(i, j) {
				j++
				continue
			}
			k := j
			for k < cols && h.isMasked(i, k) {
				k++
			}
			x0, x1 := float64(j)*cw, float64(k)*cw
			y0, y1 := float64(i)*ch, float64(i+1)*ch
			for l := int(math.Ceil((x0 + y0) / pitch)); float64(l)*pitch <= x1+y1; l++ {
				s := float64(l) * pitch
				a, b := math.Max(x0, s-y1), math.Min(x1, s-y0)
				if b-a > 1e-6 {
					segs[l] = append(segs[l], [2]float64{a, b})
				}
			}
			j = k
		}
	}
	keys := make([]int, 0, len(segs))
	for k := range segs {
		keys = append(keys, k)
	}
	sort.Ints(keys)
	for _, l := range keys {
		iv := segs[l]
		sort.Slice(iv, func(a, b int) bool { return iv[a][0] < iv[b][0] })
		s := float64(l) * pitch
		cur := iv[0]
		flush := func(seg [2]float64) {
			c.line(1, maskHatch, x+seg[0], y+s-seg[0], x+seg[1], y+s-seg[1])
		}
		for _, v := range iv[1:] {
			if v[0] <= cur[1]+1e-6 {
				cur[1] = math.Max(cur[1], v[1])
				continue
			}
			flush(cur)
			cur = v
		}
		flush(cur)
	}
}

// axisLabels describes one axis of a heat map.
type axisLabels struct {
	title  string
	labels []string // one per row/column; nil: numeric indices
	first  int      // index of the first row/column for numeric labels
	rot    bool     // x only: vertical labels
	size   float64  // font size of the labels
	every  int      // draw every n-th label
	hide   bool     // no tick labels (grids)
}

// fit chooses the font size and stride of the labels for a cell pitch.
func (a *axisLabels) fit(pitch float64, horizontal bool) {
	a.size = tickSize
	a.every = 1
	if a.labels == nil {
		// Numeric: space labels by width (x) or height (y).
		need := 24.0 // y: every row when rows are tall enough, else sparse
		if pitch >= 14 {
			need = 14
		}
		if horizontal {
			need = 30
		}
		a.every = niceStride(int(math.Ceil(need / pitch)))
		return
	}
	if horizontal && a.rot {
		// Vertical labels only when horizontal ones would not fit.
		w := 0.0
		for _, l := range a.labels {
			w = math.Max(w, textWidth(l, tickSize, false))
		}
		if w+6 <= pitch {
			a.rot = false
		}
	}
	if horizontal && !a.rot {
		w := 0.0
		for _, l := range a.labels {
			w = math.Max(w, textWidth(l, a.size, false))
		}
		for a.size > minTickLbl && w+4 > pitch {
			a.size -= 0.5
			w *= (a.size) / (a.size + 0.5)
		}
		if w+4 > pitch {
			a.every = int(math.Ceil((w + 4) / pitch))
		}
		return
	}
	// Stacked labels (y axis, or rotated x labels): the font height must fit the pitch.
	a.size = math.Min(tickSize, math.Max(minTickLbl, pitch-1.5))
	if a.size+1.5 > pitch {
		// Too dense for every token: a readable size, a round stride, and
		// the position in front of each shown token (see text).
		a.size = 9.5
		a.every = niceStride(int(math.Ceil((a.size + 2) / pitch)))
	}
}

// niceStride rounds n up to 1, 2, 5, 10, 20, 50, ...
func niceStride(n int) int {
	if n <= 1 {
		return 1
	}
	for m := 1; ; m *= 10 {
		for _, s := range []int{1, 2, 5} {
			if s*m >= n {
				return s * m
			}
		}
	}
}

func (a *axisLabels) text(i int) string {
	if a.labels != nil {
		if a.every > 1 {
			return itoa(a.first+i) + " " + a.labels[i]
		}
		return a.labels[i]
	}
	return itoa(a.first + i)
}

// extent is the space the labels need across the axis (width of y labels,
// height of x labels).
func (a *axisLabels) extent(n int, horizontal bool) float64 {
	if a.hide {
		return 0
	}
	w := 0.0
	for i := 0; i < n; i += a.every {
		w = math.Max(w, textWidth(a.text(i), a.size, false))
	}
	if horizontal && !a.rot {
		return a.size + 6
	}
	return w + 6
}

// heatBlock is a heat map with its tick labels and axis titles.
type heatBlock struct {
	cells        heatCells
	cellW, cellH float64
	x, y         axisLabels
	caption      string // small title above the data area (grids)
	// computed by layout: data area offset inside the block and block size
	left, top, w, h, bw, bh float64
}

func (b *heatBlock) layout() {
	m := b.cells.m
	b.w, b.h = float64(m.Cols)*b.cellW, float64(m.Rows)*b.cellH
	b.x.fit(b.cellW, true)
	b.y.fit(b.cellH, false)
	b.left = b.y.extent(m.Rows, false)
	if b.y.title != "" {
		b.left += axisSize + 6
	}
	b.top = 0
	if b.caption != "" {
		b.top = axisSize + 8
	}
	bottom := b.x.extent(m.Cols, true)
	if b.x.title != "" {
		bottom += axisSize + 6
	}
	b.bw = b.left + math.Max(b.w, textWidth(b.caption, axisSize, false)-b.left)
	b.bw = math.Max(b.bw, b.left+b.w)
	b.bh = b.top + b.h + bottom
}

func (b *heatBlock) draw(c *canvas, ox, oy float64) {
	m := b.cells.m
	dx, dy := ox+b.left, oy+b.top
	if b.caption != "" {
		c.text(b.caption, dx+b.w/2, oy+axisSize, textStyle{size: axisSize, halign: alignCenter})
	}
	b.cells.draw(c, dx, dy, b.w, b.h)
	c.strokeRect(dx-0.5, dy-0.5, b.w+1, b.h+1, 1, axisInk) // outside the cells
	// y tick labels (row 0 at the top)
	if !b.y.hide {
		for i := 0; i < m.Rows; i += b.y.every {
			yc := dy + (float64(i)+0.5)*b.cellH
			c.line(0.75, axisInk, dx-3, yc, dx, yc)
			c.text(b.y.text(i), dx-4, yc, textStyle{size: b.y.size, halign: alignRight, valign: 0.5, color: axisInk})
		}
	}
	if b.y.title != "" {
		c.text(b.y.title, ox+axisSize*0.9, dy+b.h/2, textStyle{size: axisSize, halign: alignCenter, rot: true, color: axisInk})
	}
	if !b.x.hide {
		for j := 0; j < m.Cols; j += b.x.every {
			xc := dx + (float64(j)+0.5)*b.cellW
			c.line(0.75, axisInk, xc, dy+b.h, xc, dy+b.h+3)
			if b.x.rot {
				c.text(b.x.text(j), xc, dy+b.h+4, textStyle{size: b.x.size, halign: alignRight, valign: 0.5, rot: true, color: axisInk})
			} else {
				c.text(b.x.text(j), xc, dy+b.h+4+b.x.size*0.8, textStyle{size: b.x.size, halign: alignCenter, color: axisInk})
			}
		}
	}
	if b.x.title != "" {
		c.text(b.x.title, dx+b.w/2, oy+b.bh-4, textStyle{size: axisSize, halign: alignCenter, color: axisInk})
	}
}

// colorBar is a vertical colour bar with ticks and a title.
type colorBar struct {
	cmap   *Colormap
	lo, hi float64
	title  string
	ticks  []float64
	w      float64 // total width (bar, ticks, labels, title)
}

func newColorBar(cmap *Colormap, lo, hi float64, title string) *colorBar {
	cb := &colorBar{cmap: cmap, lo: lo, hi: hi, title: title}
	cb.ticks = niceTicks(lo, hi, 5)
	lw := 0.0
	for _, t := range cb.ticks {
		lw = math.Max(lw, textWidth(fmtNum(t), tickSize, false))
	}
	cb.w = cbarW + 4 + lw
	if title != "" {
		cb.w += 6 + axisSize
	}
	return cb
}

// draw paints the bar at (x, y) with height h (hi at the top).
func (cb *colorBar) draw(c *canvas, x, y, h float64) {
	const steps = 256
	m := NewMatrix(steps, 1)
	for i := range steps {
		m.Data[i] = float32(cb.hi - (cb.hi-cb.lo)*(float64(i)+0.5)/steps)
	}
	cells := heatCells{m: m, cmap: cb.cmap, lo: cb.lo, hi: cb.hi}
	cells.draw(c, x, y, cbarW, h)
	c.strokeRect(x, y, cbarW, h, 0.75, axisInk)
	lw := 0.0
	for _, t := range cb.ticks {
		if cb.hi <= cb.lo {
			break
		}
		yt := y + h*(cb.hi-t)/(cb.hi-cb.lo)
		c.line(0.75, axisInk, x+cbarW, yt, x+cbarW+3, yt)
		s := fmtNum(t)
		lw = math.Max(lw, textWidth(s, tickSize, false))
		c.text(s, x+cbarW+4, yt, textStyle{size: tickSize, valign: 0.5, color: axisInk})
	}
	if cb.title != "" {
		c.text(cb.title, x+cbarW+4+lw+6+axisSize*0.8, y+h/2, textStyle{size: axisSize, halign: alignCenter, rot: true, color: axisInk})
	}
}

// drawTitle draws a figure title centred at the top.
func drawTitle(c *canvas, title string, w float64) {
	c.text(title, w/2, margin+titleSize*0.8, textStyle{size: titleSize, bold: true, halign: alignCenter})
}

// fitTitle shortens a title to fit width w.
func fitTitle(title string, w float64) string {
	if textWidth(title, titleSize, true) <= w {
		return title
	}
	rs := []rune(title)
	for len(rs) > 1 && textWidth(string(rs)+"…", titleSize, true) > w {
		rs = rs[:len(rs)-1]
	}
	return string(rs) + "…"
}

// heatFigure lays out one heat block, an optional colour bar and a title.
func heatFigure(title string, b *heatBlock, cb *colorBar) *Figure {
	b.layout()
	w := margin + b.bw + margin
	if cb != nil {
		w += cbarGap + cb.w
	}
	tw := textWidth(title, titleSize, true) + 2*margin
	shift := 0.0
	if tw > w {
		shift = (tw - w) / 2
		w = tw
	}
	top := margin + titleH
	h := top + b.bh + margin
	f := newFigure(title, w, h, nil)
	f.cells = len(b.cells.m.Data)
	f.regions["data"] = rectF{margin + shift + b.left, top + b.top, b.w, b.h}
	if cb != nil {
		f.regions["colorbar"] = rectF{margin + shift + b.bw + cbarGap, top + b.top, cbarW, b.h}
	}
	f.draw = func(c *canvas) {
		drawTitle(c, fitTitle(title, w-2*margin), w)
		b.draw(c, margin+shift, top)
		if cb != nil {
			cb.draw(c, margin+shift+b.bw+cbarGap, top+b.top, b.h)
		}
	}
	return f
}

func itoa(i int) string {
	if i >= 0 && i < 10 {
		return string(rune('0' + i))
	}
	return fmtNum(float64(i))
}
