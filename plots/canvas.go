package plots

import (
	"bytes"
	"fmt"
	"html"
	"image"
	"image/color"
	"math"

	xfont "golang.org/x/image/font"
	"golang.org/x/image/math/fixed"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/font/liberation"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/vgimg"
)

// ptPerPx converts CSS pixels (1/96 inch) to points (1/72 inch).
const ptPerPx = 0.75

// pngScale is the number of device pixels per CSS pixel in PNG output.
const pngScale = 2

var fonts = font.NewCache(liberation.Collection())

// face returns the Liberation Sans face at size px (CSS pixels).
func face(px float64, bold bool) font.Face {
	f := font.Font{Typeface: "Liberation", Variant: "Sans"}
	if bold {
		f.Weight = xfont.WeightBold
	}
	return fonts.Lookup(f, vg.Length(px*ptPerPx))
}

// textWidth is the advance width of s in CSS pixels.
func textWidth(s string, px float64, bold bool) float64 {
	if s == "" {
		return 0
	}
	f := face(px, bold)
	return float64(f.Width(s)) / ptPerPx
}

// canvas draws in CSS pixels with the origin at the top left and y down,
// on top of a gonum vg.Canvas (points, y up). For PNG output img is the
// canvas' backing image: axis-aligned fills go straight to it, snapped to
// device pixels, which keeps heat map cells crisp and fast.
type canvas struct {
	vc     vg.Canvas
	h      float64 // total height in CSS px
	ox, oy float64 // origin of the current sub-figure
	img    *image.RGBA
	scale  float64 // device pixels per CSS px (PNG only)
	faces  map[faceKey]xfont.Face
	svg    *svgText // SVG only: text elements written by us, not vgsvg
	// svgImages draws heat maps as images in SVG (large figures).
	svgImages bool
}

// svgText collects the SVG text elements of a figure. They are written
// directly (y down, in the viewBox's points) rather than through vgsvg so
// that alignment uses text-anchor and survives a fallback font, and so that
// we control font embedding.
type svgText struct {
	buf           bytes.Buffer
	regular, bold bool
}

type faceKey struct {
	size float64
	bold bool
}

func newPNGCanvas(w, h int) *canvas {
	vc := vgimg.NewWith(vgimg.UseWH(vg.Length(float64(w)*ptPerPx), vg.Length(float64(h)*ptPerPx)),
		vgimg.UseDPI(96*pngScale), vgimg.UseBackgroundColor(color.White))
	img, _ := vc.Image().(*image.RGBA)
	return &canvas{vc: vc, h: float64(h), img: img, scale: pngScale, faces: map[faceKey]xfont.Face{}}
}

func (c *canvas) pt(x, y float64) vg.Point {
	return vg.Point{X: vg.Length((c.ox + x) * ptPerPx), Y: vg.Length((c.h - (c.oy + y)) * ptPerPx)}
}

// sub returns a canvas whose origin is at (x, y) of c.
func (c *canvas) sub(x, y float64) *canvas {
	s := *c
	s.ox += x
	s.oy += y
	return &s
}

// dev converts a CSS-pixel coordinate on the x (or y) axis to a device pixel edge.
func (c *canvas) devX(x float64) int { return int(math.Round((c.ox + x) * c.scale)) }
func (c *canvas) devY(y float64) int { return int(math.Round((c.oy + y) * c.scale)) }

// rect fills the rectangle (x, y, w, h) with col.
func (c *canvas) rect(x, y, w, h float64, col color.Color) {
	if w <= 0 || h <= 0 {
		return
	}
	if c.img != nil {
		c.fillDev(c.devX(x), c.devY(y), c.devX(x+w), c.devY(y+h), col)
		return
	}
	c.vc.SetColor(col)
	c.vc.Fill(c.path(x, y, w, h))
}

func (c *canvas) path(x, y, w, h float64) vg.Path {
	var p vg.Path
	p.Move(c.pt(x, y))
	p.Line(c.pt(x+w, y))
	p.Line(c.pt(x+w, y+h))
	p.Line(c.pt(x, y+h))
	p.Close()
	return p
}

// fillDev fills device pixels [x0,x1)×[y0,y1) of the PNG image.
func (c *canvas) fillDev(x0, y0, x1, y1 int, col color.Color) {
	r := image.Rect(x0, y0, x1, y1).Intersect(c.img.Rect)
	if r.Empty() {
		return
	}
	rgba := color.RGBAModel.Convert(col).(color.RGBA)
	if rgba.A != 0xff {
		// Translucent fills go through the rasteriser (blending).
		c.vc.SetColor(col)
		var p vg.Path
		s := c.scale
		p.Move(c.pt(float64(x0)/s-c.ox, float64(y0)/s-c.oy))
		p.Line(c.pt(float64(x1)/s-c.ox, float64(y0)/s-c.oy))
		p.Line(c.pt(float64(x1)/s-c.ox, float64(y1)/s-c.oy))
		p.Line(c.pt(float64(x0)/s-c.ox, float64(y1)/s-c.oy))
		p.Close()
		c.vc.Fill(p)
		return
	}
	pix := c.img.Pix
	for y := r.Min.Y; y < r.Max.Y; y++ {
		off := c.img.PixOffset(r.Min.X, y)
		for x := r.Min.X; x < r.Max.X; x++ {
			pix[off], pix[off+1], pix[off+2], pix[off+3] = rgba.R, rgba.G, rgba.B, 0xff
			off += 4
		}
	}
}

// strokeRect outlines a rectangle.
func (c *canvas) strokeRect(x, y, w, h, lw float64, col color.Color) {
	if c.img != nil {
		c.line(lw, col, x-lw/2, y, x+w+lw/2, y)
		c.line(lw, col, x-lw/2, y+h, x+w+lw/2, y+h)
		c.line(lw, col, x, y, x, y+h)
		c.line(lw, col, x+w, y, x+w, y+h)
		return
	}
	c.vc.SetColor(col)
	c.vc.SetLineWidth(vg.Length(lw * ptPerPx))
	c.vc.Stroke(c.path(x, y, w, h))
}

// line strokes a polyline through pts (x0, y0, x1, y1, ...).
func (c *canvas) line(lw float64, col color.Color, pts ...float64) {
	if len(pts) < 4 {
		return
	}
	if c.img != nil && len(pts) == 4 && (pts[0] == pts[2] || pts[1] == pts[3]) {
		// Axis-aligned segment in PNG: a pixel-snapped fill, at least one
		// device pixel thick.
		x0, y0, x1, y1 := math.Min(pts[0], pts[2]), math.Min(pts[1], pts[3]), math.Max(pts[0], pts[2]), math.Max(pts[1], pts[3])
		t := math.Max(1, math.Round(lw*c.scale))
		if x0 == x1 {
			X := math.Round((c.ox+x0)*c.scale - t/2)
			c.fillDev(int(X), c.devY(y0), int(X+t), c.devY(y1), col)
		} else {
			Y := math.Round((c.oy+y0)*c.scale - t/2)
			c.fillDev(c.devX(x0), int(Y), c.devX(x1), int(Y+t), col)
		}
		return
	}
	var p vg.Path
	p.Move(c.pt(pts[0], pts[1]))
	for i := 2; i+1 < len(pts); i += 2 {
		p.Line(c.pt(pts[i], pts[i+1]))
	}
	c.vc.SetColor(col)
	c.vc.SetLineWidth(vg.Length(lw * ptPerPx))
	c.vc.SetLineDash(nil, 0)
	c.vc.Stroke(p)
}

// polyline strokes xs/ys with breaks at NaN values.
func (c *canvas) polyline(lw float64, col color.Color, xs, ys []float64) {
	var p vg.Path
	open := false
	n := 0
	for i := range xs {
		if math.IsNaN(xs[i]) || math.IsNaN(ys[i]) || math.IsInf(ys[i], 0) {
			open = false
			continue
		}
		if !open {
			p.Move(c.pt(xs[i], ys[i]))
			open = true
		} else {
			p.Line(c.pt(xs[i], ys[i]))
		}
		n++
	}
	if n == 0 {
		return
	}
	c.vc.SetColor(col)
	c.vc.SetLineWidth(vg.Length(lw * ptPerPx))
	c.vc.SetLineDash(nil, 0)
	c.vc.Stroke(p)
}

// dot fills a small circle.
func (c *canvas) dot(x, y, r float64, col color.Color) {
	var p vg.Path
	ctr := c.pt(x, y)
	p.Move(vg.Point{X: ctr.X + vg.Length(r*ptPerPx), Y: ctr.Y})
	p.Arc(ctr, vg.Length(r*ptPerPx), 0, 2*math.Pi)
	p.Close()
	c.vc.SetColor(col)
	c.vc.Fill(p)
}

// Text alignment relative to the anchor point.
const (
	alignLeft   = 0.0
	alignCenter = -0.5
	alignRight  = -1.0
)

// textStyle describes how a string is drawn.
type textStyle struct {
	size  float64 // CSS px
	bold  bool
	color color.Color
	// halign: 0 left, -0.5 centre, -1 right (fraction of the width to shift).
	halign float64
	// valign: 0 baseline at y, 0.5: the x-height centred on y, 1: cap top at y.
	valign float64
	rot    bool // rotated 90° counter-clockwise (reads bottom to top)
}

// text draws s anchored at (x, y).
func (c *canvas) text(s string, x, y float64, st textStyle) {
	if s == "" {
		return
	}
	f := face(st.size, st.bold)
	w := float64(f.Width(s)) / ptPerPx
	capH := 0.72 * st.size
	dx := st.halign * w
	dy := st.valign * capH // shift of the baseline downwards (y down)
	col := st.color
	if col == nil {
		col = color.Black
	}
	if !st.rot && c.img != nil {
		// Upright text in PNG: draw the glyphs straight onto the image
		// (the vg path resamples every glyph through a transform).
		k := faceKey{st.size, st.bold}
		ff := c.faces[k]
		if ff == nil {
			ff = f.FontFace(96 * c.scale)
			c.faces[k] = ff
		}
		d := xfont.Drawer{Dst: c.img, Src: image.NewUniform(col), Face: ff,
			Dot: fixed.Point26_6{X: fixed.Int26_6(math.Round((c.ox + x + dx) * c.scale * 64)), Y: fixed.Int26_6(math.Round((c.oy + y + dy) * c.scale * 64))}}
		d.DrawString(s)
		return
	}
	if c.svg != nil {
		c.svgString(s, x, y, dy, st, col)
		return
	}
	c.vc.SetColor(col)
	if !st.rot {
		c.vc.FillString(f, c.pt(x+dx, y+dy), s)
		return
	}
	// Rotated: the text runs upwards; "width" is along -y and the baseline
	// shift is along +x (y down coordinates).
	c.vc.Push()
	c.vc.Translate(c.pt(x+dy, y-dx))
	c.vc.Rotate(math.Pi / 2)
	c.vc.FillString(f, vg.Point{}, s)
	c.vc.Pop()
}

func vgRect(min, max vg.Point) vg.Rectangle { return vg.Rectangle{Min: min, Max: max} }

// svgString writes one <text> element; (x, y) is the anchor and dy the
// baseline shift computed by text.
func (c *canvas) svgString(s string, x, y, dy float64, st textStyle, col color.Color) {
	anchor := "start"
	switch st.halign {
	case alignCenter:
		anchor = "middle"
	case alignRight:
		anchor = "end"
	}
	var X, Y float64
	rot := ""
	if st.rot {
		X, Y = (c.ox+x+dy)*ptPerPx, (c.oy+y)*ptPerPx
		rot = fmt.Sprintf(` transform="rotate(-90 %.2f %.2f)"`, X, Y)
	} else {
		X, Y = (c.ox+x)*ptPerPx, (c.oy+y+dy)*ptPerPx
	}
	weight := ""
	if st.bold {
		weight = ` font-weight="bold"`
		c.svg.bold = true
	} else {
		c.svg.regular = true
	}
	r, g, b, _ := col.RGBA()
	fmt.Fprintf(&c.svg.buf, `<text x="%.2f" y="%.2f"%s font-family="%s" font-size="%.2f"%s fill="#%02x%02x%02x" text-anchor="%s" xml:space="preserve">%s</text>`+"\n",
		X, Y, rot, svgFontFamily, st.size*ptPerPx, weight, r>>8, g>>8, b>>8, anchor, html.EscapeString(s))
}

// svgFontFamily names Liberation Sans and its metric-compatible fallbacks.
const svgFontFamily = `'Liberation Sans',Arimo,Arial,Helvetica,sans-serif`
