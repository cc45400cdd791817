package plots

import (
	"fmt"
	"math"
)

// Histogram describes an activation histogram.
type Histogram struct {
	// Name names the values, e.g. "blocks.3.hook_resid_post" (title and x label).
	Name string
	// Values are the samples; non-finite ones are counted and left out.
	Values []float32
	// Bins is the number of bins (0: 60).
	Bins int
	// LogY uses a logarithmic count axis (activations often have outliers).
	LogY bool
	// Range fixes the binned range; by default the data's min and max.
	Range Range
	// Title replaces the default title (the name).
	Title string
}

// Stats are summary statistics of a slice of values.
type Stats struct {
	N, NonFinite   int
	Min, Max       float64
	Mean, Std, RMS float64
}

// ComputeStats returns the statistics of the finite values.
func ComputeStats(vals []float32) Stats {
	s := Stats{Min: math.NaN(), Max: math.NaN(), Mean: math.NaN(), Std: math.NaN(), RMS: math.NaN()}
	var sum, sq float64
	for _, v := range vals {
		f := float64(v)
		if math.IsNaN(f) || math.IsInf(f, 0) {
			s.NonFinite++
			continue
		}
		if s.N == 0 || f < s.Min {
			s.Min = f
		}
		if s.N == 0 || f > s.Max {
			s.Max = f
		}
		s.N++
		sum += f
		sq += f * f
	}
	if s.N > 0 {
		s.Mean = sum / float64(s.N)
		s.RMS = math.Sqrt(sq / float64(s.N))
		s.Std = math.Sqrt(math.Max(0, sq/float64(s.N)-s.Mean*s.Mean))
	}
	return s
}

// binCounts bins the finite values of vals into n bins over [lo, hi].
func binCounts(vals []float32, n int, lo, hi float64) []float64 {
	counts := make([]float64, n)
	width := (hi - lo) / float64(n)
	for _, v := range vals {
		f := float64(v)
		if math.IsNaN(f) || math.IsInf(f, 0) || f < lo || f > hi {
			continue
		}
		b := 0
		if width > 0 {
			b = min(n-1, int((f-lo)/width))
		}
		counts[b]++
	}
	return counts
}

// PlotHistogram draws a histogram of activation values with their statistics
// in the subtitle.
func PlotHistogram(h Histogram) (*Figure, error) {
	st := ComputeStats(h.Values)
	title := h.Title
	if title == "" {
		title = h.Name
	}
	if title == "" {
		title = "histogram"
	}
	if st.N == 0 {
		return nil, fmt.Errorf("plots: histogram %q has no finite values", title)
	}
	if err := h.Range.check(fmt.Sprintf("histogram %q", title)); err != nil {
		return nil, err
	}
	n := h.Bins
	if n <= 0 {
		n = 60
	}
	n = min(n, 1000)
	lo, hi := st.Min, st.Max
	if h.Range.Set {
		lo, hi = h.Range.Min, h.Range.Max
	}
	if hi <= lo {
		lo, hi = lo-0.5, lo+0.5
	}
	counts := binCounts(h.Values, n, lo, hi)
	maxC := 0.0
	for _, c := range counts {
		maxC = math.Max(maxC, c)
	}
	ax := &xyAxes{x0: lo, x1: hi, y0: 0, y1: maxC * 1.05, logY: h.LogY, xTitle: "value", yTitle: "count"}
	if h.LogY {
		ax.y0, ax.y1 = 0.8, math.Max(maxC*1.3, 10)
	}
	sub := fmt.Sprintf("n = %d   mean = %s   std = %s   min = %s   max = %s", st.N, fmtStat(st.Mean), fmtStat(st.Std), fmtStat(st.Min), fmtStat(st.Max))
	if st.NonFinite > 0 {
		sub += fmt.Sprintf("   non-finite = %d", st.NonFinite)
	}
	top := margin + titleH + tickSize + 8
	pw, ph := 560.0, 300.0
	w := margin + 60 + pw + margin
	w = math.Max(w, math.Max(textWidth(title, titleSize, true), textWidth(sub, tickSize, false))+2*margin)
	fh := top + ph + tickSize + 8 + axisSize + 8 + margin
	ax.setup(margin, top, 60+pw, fh-top-margin)
	f := newFigure(title, w, fh, nil)
	f.regions["data"] = rectF{ax.left, ax.top, ax.w, ax.h}
	bar := SeriesColor(0)
	f.draw = func(c *canvas) {
		drawTitle(c, fitTitle(title, w-2*margin), w)
		c.text(sub, w/2, margin+titleH+tickSize*0.4, textStyle{size: tickSize, halign: alignCenter, color: mutedInk})
		ax.drawFrame(c)
		bw := (hi - lo) / float64(n)
		for i, cnt := range counts {
			if cnt <= 0 {
				continue
			}
			x0, y0 := ax.px(lo+float64(i)*bw, cnt)
			x1, _ := ax.px(lo+float64(i+1)*bw, cnt)
			_, yb := ax.px(lo, ax.y0)
			c.rect(x0, y0, math.Max(x1-x0, 0.5), yb-y0, bar)
		}
	}
	return f, nil
}
