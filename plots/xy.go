package plots

import (
	"fmt"
	"image/color"
	"math"
	"strconv"
)

// xyAxes maps data coordinates to a plotting rectangle and draws its frame,
// grid lines, ticks and axis titles.
type xyAxes struct {
	x0, x1, y0, y1 float64 // data ranges
	logY           bool
	intX           bool // x ticks only at integers
	xTitle, yTitle string
	// computed by layout
	left, top, w, h float64
	xticks, yticks  []float64
}

func (a *xyAxes) yt(v float64) float64 {
	if a.logY {
		v = math.Log10(v)
	}
	return v
}

// px maps data coordinates to canvas coordinates.
func (a *xyAxes) px(x, y float64) (float64, float64) {
	var fx, fy float64
	if a.x1 > a.x0 {
		fx = (x - a.x0) / (a.x1 - a.x0)
	}
	ly0, ly1, ly := a.yt(a.y0), a.yt(a.y1), a.yt(y)
	if ly1 > ly0 {
		fy = (ly - ly0) / (ly1 - ly0)
	}
	return a.left + fx*a.w, a.top + (1-fy)*a.h
}

// setup computes ticks and the margins for a plotting area of w×h placed
// with its top-left corner at (ox, oy) plus room for labels.
func (a *xyAxes) setup(ox, oy, w, h float64) {
	if a.logY {
		a.yticks = logTicks(a.y0, a.y1)
		if len(a.yticks) > 0 {
			a.y0 = math.Min(a.y0, a.yticks[0])
			a.y1 = math.Max(a.y1, a.yticks[len(a.yticks)-1])
		}
	} else {
		a.yticks = niceTicks(a.y0, a.y1, 6)
	}
	a.xticks = niceTicks(a.x0, a.x1, 6)
	if a.intX {
		var keep []float64
		for _, t := range a.xticks {
			if t == math.Trunc(t) {
				keep = append(keep, t)
			}
		}
		a.xticks = keep
	}
	lw := 0.0
	for _, t := range a.yticks {
		lw = math.Max(lw, textWidth(fmtNum(t), tickSize, false))
	}
	a.left = ox + lw + 8
	if a.yTitle != "" {
		a.left += axisSize + 8
	}
	a.top = oy
	a.w = w - (a.left - ox)
	a.h = h - (tickSize + 8)
	if a.xTitle != "" {
		a.h -= axisSize + 8
	}
}

func (a *xyAxes) drawFrame(c *canvas) {
	for _, t := range a.yticks {
		_, y := a.px(a.x0, t)
		c.line(0.75, gridInk, a.left, y, a.left+a.w, y)
		c.line(0.75, axisInk, a.left-3, y, a.left, y)
		c.text(fmtNum(t), a.left-5, y, textStyle{size: tickSize, halign: alignRight, valign: 0.5, color: axisInk})
	}
	for _, t := range a.xticks {
		x, _ := a.px(t, a.y0)
		c.line(0.75, axisInk, x, a.top+a.h, x, a.top+a.h+3)
		c.text(fmtNum(t), x, a.top+a.h+5+tickSize*0.8, textStyle{size: tickSize, halign: alignCenter, color: axisInk})
	}
	c.strokeRect(a.left, a.top, a.w, a.h, 0.75, axisInk)
	if a.xTitle != "" {
		c.text(a.xTitle, a.left+a.w/2, a.top+a.h+tickSize+8+axisSize, textStyle{size: axisSize, halign: alignCenter, color: axisInk})
	}
	if a.yTitle != "" {
		lw := 0.0
		for _, t := range a.yticks {
			lw = math.Max(lw, textWidth(fmtNum(t), tickSize, false))
		}
		c.text(a.yTitle, a.left-lw-10-axisSize*0.3, a.top+a.h/2, textStyle{size: axisSize, halign: alignCenter, rot: true, color: axisInk})
	}
}

// logTicks returns decades covering [lo, hi] (lo > 0), adding 2× and 5×
// when the range spans less than two decades.
func logTicks(lo, hi float64) []float64 {
	if !(lo > 0) || !(hi >= lo) || math.IsInf(hi, 0) {
		return []float64{1}
	}
	d0, d1 := math.Floor(math.Log10(lo)), math.Ceil(math.Log10(hi))
	if d1 == d0 {
		d1++
	}
	step := math.Max(1, math.Ceil((d1-d0)/6))
	var ts []float64
	for d := d0; d <= d1; d += step {
		ts = append(ts, math.Pow(10, d))
		if d1-d0 < 2 && d < d1 {
			ts = append(ts, 2*math.Pow(10, d), 5*math.Pow(10, d))
		}
	}
	return ts
}

// Series is one named curve: Y against X (nil X: 0, 1, 2, ...).
// NaN values break the line.
type Series struct {
	Name string
	X, Y []float64
}

// LinePlot is several series on one set of axes with a legend, e.g. a
// per-layer residual norm for several models or runs.
type LinePlot struct {
	Title          string
	XLabel, YLabel string // default "layer" and ""
	Series         []Series
	// LogY uses a logarithmic y axis (non-positive values are dropped).
	LogY bool
	// Markers draws a dot at every point (default when a series has ≤ 64 points).
	Markers bool
	// Y fixes the y range.
	Y Range
	// Width and Height are the plotting area in CSS px (0: 560×320).
	Width, Height int
}

// PlotLines draws a LinePlot.
func PlotLines(p LinePlot) (*Figure, error) {
	if len(p.Series) == 0 {
		return nil, fmt.Errorf("plots: line plot %q has no series", p.Title)
	}
	if err := p.Y.check("line plot " + strconv.Quote(p.Title) + " y"); err != nil {
		return nil, err
	}
	if p.LogY && p.Y.Set && p.Y.Min <= 0 {
		return nil, fmt.Errorf("plots: line plot %q: log y range starts at %v", p.Title, p.Y.Min)
	}
	xs := make([][]float64, len(p.Series))
	ax := &xyAxes{x0: math.Inf(1), x1: math.Inf(-1), y0: math.Inf(1), y1: math.Inf(-1), logY: p.LogY, intX: true,
		xTitle: p.XLabel, yTitle: p.YLabel}
	if ax.xTitle == "" {
		ax.xTitle = "layer"
	}
	maxPts := 0
	for k, s := range p.Series {
		if s.X != nil && len(s.X) != len(s.Y) {
			return nil, fmt.Errorf("plots: line plot %q: series %q has %d x and %d y values", p.Title, s.Name, len(s.X), len(s.Y))
		}
		x := s.X
		if x == nil {
			x = make([]float64, len(s.Y))
			for i := range x {
				x[i] = float64(i)
			}
		}
		xs[k] = x
		maxPts = max(maxPts, len(s.Y))
		for i, y := range s.Y {
			if math.IsNaN(y) || math.IsInf(y, 0) || math.IsNaN(x[i]) || (p.LogY && y <= 0) {
				continue
			}
			ax.x0, ax.x1 = math.Min(ax.x0, x[i]), math.Max(ax.x1, x[i])
			ax.y0, ax.y1 = math.Min(ax.y0, y), math.Max(ax.y1, y)
			if x[i] != math.Trunc(x[i]) {
				ax.intX = false
			}
		}
	}
	if math.IsInf(ax.x0, 0) {
		return nil, fmt.Errorf("plots: line plot %q has no finite points", p.Title)
	}
	if p.Y.Set {
		ax.y0, ax.y1 = p.Y.Min, p.Y.Max
	}
	if ax.y1 == ax.y0 {
		ax.y0, ax.y1 = ax.y0-1, ax.y1+1
		if p.LogY {
			ax.y0, ax.y1 = ax.y0/10+1, ax.y1*10-10
		}
	}
	if !p.LogY && !p.Y.Set {
		pad := 0.04 * (ax.y1 - ax.y0)
		ax.y0, ax.y1 = ax.y0-pad, ax.y1+pad
	}
	if ax.x1 == ax.x0 {
		ax.x0, ax.x1 = ax.x0-1, ax.x1+1
	}
	// Keep end points (and their markers) off the frame.
	xpad := 0.02 * (ax.x1 - ax.x0)
	ax.x0, ax.x1 = ax.x0-xpad, ax.x1+xpad
	markers := p.Markers || maxPts <= 64
	pw, ph := float64(p.Width), float64(p.Height)
	if pw <= 0 {
		pw = 560
	}
	if ph <= 0 {
		ph = 320
	}
	// Legend to the right of the axes.
	lw := 0.0
	for _, s := range p.Series {
		lw = math.Max(lw, textWidth(s.Name, tickSize, false))
	}
	legendW := 0.0
	if len(p.Series) > 1 || p.Series[0].Name != "" {
		legendW = lw + 40
	}
	top := margin + titleH
	title := p.Title
	yw := 60.0 // room for y tick labels and title (estimated, refined below)
	w := margin + yw + pw + legendW + margin
	w = math.Max(w, textWidth(title, titleSize, true)+2*margin)
	h := top + ph + tickSize + 8 + axisSize + 8 + margin
	ax.setup(margin, top, yw+pw, h-top-margin)
	f := newFigure(title, w, h, nil)
	f.regions["data"] = rectF{ax.left, ax.top, ax.w, ax.h}
	f.draw = func(c *canvas) {
		drawTitle(c, fitTitle(title, w-2*margin), w)
		ax.drawFrame(c)
		for k, s := range p.Series {
			col := SeriesColor(k)
			px := make([]float64, len(s.Y))
			py := make([]float64, len(s.Y))
			for i, y := range s.Y {
				if p.LogY && y <= 0 {
					y = math.NaN()
				}
				px[i], py[i] = ax.px(xs[k][i], y)
				if math.IsNaN(y) {
					py[i] = math.NaN()
				}
			}
			c.polyline(1.75, col, px, py)
			if markers {
				for i := range px {
					if !math.IsNaN(py[i]) && !math.IsInf(py[i], 0) {
						c.dot(px[i], py[i], 2.5, col)
					}
				}
			}
		}
		if legendW > 0 {
			lx := ax.left + ax.w + 14
			for k, s := range p.Series {
				ly := ax.top + 8 + float64(k)*18
				c.line(2, SeriesColor(k), lx, ly, lx+18, ly)
				c.dot(lx+9, ly, 2.5, SeriesColor(k))
				c.text(s.Name, lx+24, ly, textStyle{size: tickSize, valign: 0.5})
			}
		}
	}
	return f, nil
}

var _ color.Color = colorWhite
