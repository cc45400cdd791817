package plots

import (
	"bytes"
	"encoding/base64"
	"encoding/xml"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

func decodePNG(t *testing.T, b []byte) *image.RGBA {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("decoding PNG: %v", err)
	}
	if rgba, ok := img.(*image.RGBA); ok {
		return rgba
	}
	rgba := image.NewRGBA(img.Bounds())
	draw.Draw(rgba, rgba.Rect, img, img.Bounds().Min, draw.Src)
	return rgba
}

func renderPNG(t *testing.T, f *Figure) *image.RGBA {
	t.Helper()
	b, err := f.PNG()
	if err != nil {
		t.Fatal(err)
	}
	return decodePNG(t, b)
}

// devRect converts a recorded region (CSS px) to device pixels.
func devRect(r rectF) image.Rectangle {
	return image.Rect(int(math.Round(r.X*pngScale)), int(math.Round(r.Y*pngScale)),
		int(math.Round((r.X+r.W)*pngScale)), int(math.Round((r.Y+r.H)*pngScale)))
}

// cellCentre returns the device pixel at the centre of cell (i, j) of an
// rows×cols map drawn in region r.
func cellCentre(r rectF, rows, cols, i, j int) image.Point {
	x := r.X + (float64(j)+0.5)*r.W/float64(cols)
	y := r.Y + (float64(i)+0.5)*r.H/float64(rows)
	return image.Pt(int(x*pngScale), int(y*pngScale))
}

func near(a, b color.RGBA, tol int) bool {
	d := func(x, y uint8) int {
		if x > y {
			return int(x - y)
		}
		return int(y - x)
	}
	return d(a.R, b.R) <= tol && d(a.G, b.G) <= tol && d(a.B, b.B) <= tol
}

func isMaskGrey(c color.RGBA) bool {
	return near(c, maskFill, 3) || near(c, maskHatch, 3) ||
		(c.R == c.G && c.G == c.B && c.R >= maskHatch.R-2 && c.R <= maskFill.R+2)
}

func TestEveryKindRenders(t *testing.T) {
	for name, f := range figureKinds(t) {
		t.Run(name, func(t *testing.T) {
			img := renderPNG(t, f)
			if got, want := img.Bounds().Size(), image.Pt(2*f.Width, 2*f.Height); got != want {
				t.Errorf("PNG is %v, want %v (2× the %d×%d CSS size)", got, want, f.Width, f.Height)
			}
			if f.Width > 1400 || f.Height > 1400 {
				t.Errorf("figure is %d×%d CSS px: too large for a notebook", f.Width, f.Height)
			}
			if f.Width < 200 || f.Height < 150 {
				t.Errorf("figure is only %d×%d CSS px", f.Width, f.Height)
			}
			colours := map[color.RGBA]bool{}
			for y := 0; y < img.Rect.Dy(); y += 3 {
				for x := 0; x < img.Rect.Dx(); x += 3 {
					colours[img.RGBAAt(x, y)] = true
				}
			}
			if len(colours) < 40 {
				t.Errorf("only %d distinct colours: blank figure?", len(colours))
			}
			svg, err := f.SVG()
			if err != nil {
				t.Fatal(err)
			}
			checkSVG(t, svg, f)
			if !bytes.Contains(svg, []byte("@font-face")) {
				t.Error("SVG does not embed its font")
			}
			if _, ok := f.regions["data"]; !ok && name != "panel" && name != "heads" && !strings.HasPrefix(name, "rope") {
				t.Error("no data region recorded")
			}
		})
	}
}

// checkSVG parses the document and checks its declared size.
func checkSVG(t *testing.T, svg []byte, f *Figure) {
	t.Helper()
	dec := xml.NewDecoder(bytes.NewReader(svg))
	var root *xml.StartElement
	texts := 0
	for {
		tok, err := dec.Token()
		if err != nil {
			if err.Error() == "EOF" {
				break
			}
			t.Fatalf("SVG is not well-formed XML: %v", err)
		}
		if se, ok := tok.(xml.StartElement); ok {
			if root == nil {
				se := se.Copy()
				root = &se
			}
			if se.Name.Local == "text" {
				texts++
			}
		}
	}
	if root == nil || root.Name.Local != "svg" {
		t.Fatal("no <svg> root element")
	}
	attrs := map[string]string{}
	for _, a := range root.Attr {
		attrs[a.Name.Local] = a.Value
	}
	if attrs["width"] != itoa(f.Width) || attrs["height"] != itoa(f.Height) {
		t.Errorf("SVG size %s×%s, want the CSS size %d×%d", attrs["width"], attrs["height"], f.Width, f.Height)
	}
	if texts == 0 {
		t.Error("SVG has no text elements")
	}
}

func TestTokenLabelsInSVG(t *testing.T) {
	toks := []string{"<s>", " Hello", "\n", "<script>", "&amp"}
	f, err := PlotAttention(AttentionMap{Name: "blocks.0.attn.hook_pattern", Pattern: synthPattern(len(toks), 1), Keys: toks})
	if err != nil {
		t.Fatal(err)
	}
	svg, err := f.SVG()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"&lt;s&gt;", "·Hello", `\n`, "&lt;script&gt;", "&amp;amp", "blocks.0.attn.hook_pattern — head 0"} {
		if c := bytes.Count(svg, []byte(">"+want+"<")); c < 1 {
			t.Errorf("SVG lacks text %q", want)
		}
	}
	if bytes.Contains(svg, []byte("<script>")) {
		t.Error("unescaped <script> in the SVG")
	}
}

func TestAttentionGeometry(t *testing.T) {
	// A pure diagonal pattern: 1 on the diagonal, 0 below, causal zeros above.
	const n = 12
	m := NewMatrix(n, n)
	for i := range n {
		m.Set(i, i, 1)
	}
	m.Set(n-1, 0, 0.5) // one off-diagonal value, bottom left
	f, err := PlotAttention(AttentionMap{Name: "blocks.1.attn.hook_pattern", Pattern: m, Keys: synthTokens(n), Mask: MaskCausal})
	if err != nil {
		t.Fatal(err)
	}
	img := renderPNG(t, f)
	data := f.regions["data"]
	cmap := Viridis()
	for i := range n {
		for j := range n {
			p := cellCentre(data, n, n, i, j)
			got := img.RGBAAt(p.X, p.Y)
			switch {
			case i == j:
				if !near(got, cmap.At(1), 2) {
					t.Fatalf("diagonal cell (%d,%d) at %v is %v, want %v (row 0 at the top)", i, j, p, got, cmap.At(1))
				}
			case j > i:
				if !isMaskGrey(got) {
					t.Fatalf("masked cell (%d,%d) at %v is %v, want the mask grey", i, j, p, got)
				}
			case i == n-1 && j == 0:
				if !near(got, cmap.At(0.5), 2) {
					t.Fatalf("cell (%d,0) is %v, want %v", i, got, cmap.At(0.5))
				}
			default:
				if !near(got, cmap.At(0), 2) {
					t.Fatalf("cell (%d,%d) is %v, want %v", i, j, got, cmap.At(0))
				}
			}
		}
	}
	checkColorBar(t, img, f.regions["colorbar"], cmap)
}

// checkColorBar samples the middle column of the colour bar: the top is the
// palette's top colour, the bottom its bottom colour, with many steps between.
func checkColorBar(t *testing.T, img *image.RGBA, r rectF, cmap *Colormap) {
	t.Helper()
	if r.W == 0 {
		t.Fatal("no colour bar region")
	}
	d := devRect(r)
	x := (d.Min.X + d.Max.X) / 2
	top, bottom := img.RGBAAt(x, d.Min.Y+3), img.RGBAAt(x, d.Max.Y-4)
	if !near(top, cmap.At(1), 6) || !near(bottom, cmap.At(0), 6) {
		t.Errorf("colour bar runs %v → %v, want %v → %v", top, bottom, cmap.At(1), cmap.At(0))
	}
	distinct := map[color.RGBA]bool{}
	for y := d.Min.Y + 2; y < d.Max.Y-2; y++ {
		distinct[img.RGBAAt(x, y)] = true
	}
	if len(distinct) < 60 {
		t.Errorf("colour bar column has %d distinct colours, want a gradient", len(distinct))
	}
}

func TestHeatMapHasNoSeams(t *testing.T) {
	// Every pixel inside the data area (away from the frame) must be exactly
	// one of the cell colours: no background between cells, no blending.
	m := synthMatrix(7, 9, 11, false)
	f, err := PlotScores(ScoreMap{Name: "score", Values: m})
	if err != nil {
		t.Fatal(err)
	}
	// Without printed values (they would add text pixels): use small cells.
	m2 := synthMatrix(13, 29, 12, false)
	f2, err := PlotScores(ScoreMap{Name: "score", Values: m2})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		f *Figure
		m Matrix
	}{{f, m}, {f2, m2}} {
		if tc.m.Cols <= 9 {
			continue // values printed in the cells
		}
		img := renderPNG(t, tc.f)
		allowed := map[color.RGBA]bool{}
		_, hi, _ := finiteRange(tc.m.Data)
		lo := 0.0 // non-negative scores start at 0
		for _, v := range tc.m.Data {
			allowed[Viridis().At((float64(v)-lo)/(hi-lo))] = true
		}
		d := devRect(tc.f.regions["data"]).Inset(3)
		for y := d.Min.Y; y < d.Max.Y; y++ {
			for x := d.Min.X; x < d.Max.X; x++ {
				if c := img.RGBAAt(x, y); !allowed[c] {
					t.Fatalf("pixel (%d,%d) is %v, not a cell colour (seam or blur)", x, y, c)
				}
			}
		}
	}
}

// rectRecorder is a vg.Canvas that records filled rectangles (CSS px).
type rectRecorder struct {
	canvasStub
	rects []rectF
}

func TestSVGCellsOverlap(t *testing.T) {
	// In SVG every internal cell edge must be covered by a rectangle reaching
	// at least 0.25 px past it, so anti-aliasing cannot show a seam.
	rec := &rectRecorder{}
	rec.onFill = func(minX, minY, maxX, maxY float64) {
		rec.rects = append(rec.rects, rectF{minX / ptPerPx, (100*ptPerPx - maxY) / ptPerPx, (maxX - minX) / ptPerPx, (maxY - minY) / ptPerPx})
	}
	c := &canvas{vc: rec, h: 100}
	m := synthMatrix(5, 7, 3, false)
	cells := heatCells{m: m, cmap: Viridis(), lo: 0, hi: 1}
	cells.draw(c, 10, 10, 70.3, 50.9)
	cw, ch := 70.3/7, 50.9/5
	covered := func(x, y float64) bool {
		for _, r := range rec.rects {
			if x >= r.X-1e-9 && x <= r.X+r.W+1e-9 && y >= r.Y-1e-9 && y <= r.Y+r.H+1e-9 {
				return true
			}
		}
		return false
	}
	for i := range 5 {
		for j := range 7 {
			x, y := 10+float64(j)*cw, 10+float64(i)*ch
			// Points just around the cell's top-left corner.
			for _, dx := range []float64{-0.25, 0.25} {
				for _, dy := range []float64{-0.25, 0.25} {
					px, py := x+dx, y+dy
					if px < 10 || py < 10 {
						continue
					}
					if !covered(px, py) {
						t.Fatalf("point (%.2f, %.2f) near cell (%d,%d) is not covered", px, py, i, j)
					}
				}
			}
		}
	}
}

func TestHeadGridSharesScale(t *testing.T) {
	const n = 6
	a, b := NewMatrix(n, n), NewMatrix(n, n)
	for i := range n {
		a.Set(i, i, 1)
		b.Set(i, i, 0.5)
		if i > 0 {
			b.Set(i, i-1, 0.5)
		}
	}
	f, err := PlotHeadGrid(HeadGrid{Maps: []AttentionMap{
		{Name: "blocks.2.attn.hook_pattern", Layer: 2, Head: 0, Pattern: a},
		{Name: "blocks.2.attn.hook_pattern", Layer: 2, Head: 1, Pattern: b},
	}})
	if err != nil {
		t.Fatal(err)
	}
	img := renderPNG(t, f)
	cmap := Viridis()
	for k, want := range []color.RGBA{cmap.At(1), cmap.At(0.5)} {
		r := f.regions["data."+itoa(k)]
		for i := range n {
			p := cellCentre(r, n, n, i, i)
			if got := img.RGBAAt(p.X, p.Y); !near(got, want, 2) {
				t.Fatalf("head %d diagonal (%d,%d) is %v, want %v on the shared scale", k, i, i, got, want)
			}
			p = cellCentre(r, n, n, 0, n-1)
			if got := img.RGBAAt(p.X, p.Y); !isMaskGrey(got) {
				t.Fatalf("head %d: causal region is %v, want mask grey", k, got)
			}
		}
	}
	checkColorBar(t, img, f.regions["colorbar"], cmap)
	if strings.Count(f.String(), "2 heads") != 1 {
		t.Errorf("default title %q", f.Title)
	}
}

func TestNonFiniteMasked(t *testing.T) {
	// Pre-softmax scores: -Inf above the diagonal, signed values below.
	const n = 5
	m := NewMatrix(n, n)
	for i := range n {
		for j := range n {
			v := float32(j - i)
			if j > i {
				v = float32(math.Inf(-1))
			}
			m.Set(i, j, v)
		}
	}
	m.Set(2, 0, float32(math.NaN()))
	f, err := PlotAttention(AttentionMap{Name: "blocks.0.attn.hook_attn_scores", Pattern: m})
	if err != nil {
		t.Fatal(err)
	}
	img := renderPNG(t, f)
	r := f.regions["data"]
	for _, ij := range [][2]int{{0, 4}, {2, 0}, {3, 4}} {
		p := cellCentre(r, n, n, ij[0], ij[1])
		if got := img.RGBAAt(p.X, p.Y); !isMaskGrey(got) {
			t.Errorf("cell %v is %v, want mask grey", ij, got)
		}
	}
	// Signed values use the diverging map: 0 on the diagonal is white-ish.
	p := cellCentre(r, n, n, 1, 1)
	if got := img.RGBAAt(p.X, p.Y); !near(got, Diverging().At(0.5), 2) {
		t.Errorf("zero cell is %v, want the diverging centre %v", got, Diverging().At(0.5))
	}
}

func TestTokenLabel(t *testing.T) {
	for _, tc := range []struct {
		in   string
		max  int
		want string
	}{
		{" the", 0, "·the"},
		{"▁the", 0, "·the"},
		{"\n", 0, `\n`},
		{"a\tb\r", 0, `a\tb\r`},
		{"", 0, "∅"},
		{"\x00\x7f", 0, `\x00\x7F`},
		{"<0x0A>", 0, "<0x0A>"},
		{"\xff", 0, `\xFF`},
		{"中", 0, "<U+4E2D>"},
		{"αβγ", 0, "αβγ"},
		{"abcdefghij", 5, "abcd…"},
		{"abc", 3, "abc"},
	} {
		if got := TokenLabel(tc.in, tc.max); got != tc.want {
			t.Errorf("TokenLabel(%q, %d) = %q, want %q", tc.in, tc.max, got, tc.want)
		}
	}
}

func TestTicksTerminate(t *testing.T) {
	for _, c := range [][2]float64{{1e15, 1e15 + 1}, {0, math.Inf(1)}, {math.NaN(), 1}, {-1e-300, 1e-300}, {3, 3}} {
		if ts := niceTicks(c[0], c[1], 5); len(ts) > 101 {
			t.Errorf("niceTicks(%v) gave %d ticks", c, len(ts))
		}
	}
	if ts := logTicks(1e-3, math.Inf(1)); len(ts) != 1 {
		t.Errorf("logTicks to Inf gave %v", ts)
	}
}

func TestNameLabels(t *testing.T) {
	got := nameLabels([]string{"layer 3", " x ", "a\nb", "▁the"}, 0)
	want := []string{"layer 3", "·x·", `a\nb`, "·the"}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("label %d = %q, want %q", i, got[i], want[i])
		}
	}
}

func TestBadInput(t *testing.T) {
	bad := Matrix{Rows: 3, Cols: 3, Data: make([]float32, 8)}
	good := synthPattern(4, 1)
	for name, fn := range map[string]func() (*Figure, error){
		"short data":   func() (*Figure, error) { return PlotAttention(AttentionMap{Name: "x", Pattern: bad}) },
		"empty":        func() (*Figure, error) { return PlotAttention(AttentionMap{}) },
		"key labels":   func() (*Figure, error) { return PlotAttention(AttentionMap{Pattern: good, Keys: []string{"a"}}) },
		"query labels": func() (*Figure, error) { return PlotAttention(AttentionMap{Pattern: good, Queries: []string{"a"}}) },
		"no heads":     func() (*Figure, error) { return PlotHeadGrid(HeadGrid{}) },
		"scores":       func() (*Figure, error) { return PlotScores(ScoreMap{Values: bad}) },
		"score labels": func() (*Figure, error) { return PlotScores(ScoreMap{Values: good, RowLabels: []string{"x"}}) },
		"lens top":     func() (*Figure, error) { return PlotLogitLens(LogitLens{Values: good, Top: []string{"a"}}) },
		"lens tokens": func() (*Figure, error) {
			return PlotLogitLens(LogitLens{Values: good, Top: make([]string, 16), Tokens: []string{"a"}})
		},
		"rope shapes": func() (*Figure, error) { return PlotRoPE(RoPETable{Cos: good, Sin: synthPattern(3, 1)}) },
		"no variants": func() (*Figure, error) { return PlotRoPEVariants("", nil) },
		"no inv_freq": func() (*Figure, error) { return PlotRoPESpectrum("", []RoPETable{{Name: "x"}}) },
		"no series":   func() (*Figure, error) { return PlotLines(LinePlot{}) },
		"x/y lengths": func() (*Figure, error) {
			return PlotLines(LinePlot{Series: []Series{{X: []float64{1}, Y: []float64{1, 2}}}})
		},
		"all NaN": func() (*Figure, error) {
			return PlotLines(LinePlot{Series: []Series{{Y: []float64{math.NaN()}}}})
		},
		"hist empty": func() (*Figure, error) { return PlotHistogram(Histogram{}) },
		"inf range": func() (*Figure, error) {
			return PlotAttention(AttentionMap{Pattern: good, Color: Range{Min: 0, Max: math.Inf(1), Set: true}})
		},
		"empty range": func() (*Figure, error) {
			return PlotHeadGrid(HeadGrid{Maps: []AttentionMap{{Pattern: good}}, Color: Range{Min: 1, Max: 1, Set: true}})
		},
		"NaN range": func() (*Figure, error) {
			return PlotScores(ScoreMap{Values: good, Color: Range{Min: math.NaN(), Max: 1, Set: true}})
		},
		"hist range": func() (*Figure, error) {
			return PlotHistogram(Histogram{Values: []float32{1, 2}, Range: Range{Min: 2, Max: 1, Set: true}})
		},
		"log range": func() (*Figure, error) {
			return PlotLines(LinePlot{LogY: true, Y: Range{Min: 0, Max: 1, Set: true}, Series: []Series{{Y: []float64{1}}}})
		},
		"strip range": func() (*Figure, error) {
			return PlotTokenStrip(TokenStrip{Tokens: []string{"a"}, Values: []float64{1}, Color: Range{Set: true}})
		},
		"lens range": func() (*Figure, error) {
			return PlotLogitLens(LogitLens{Values: good, Top: make([]string, 16), Color: Range{Min: 0, Max: math.Inf(1), Set: true}})
		},
		"strip":       func() (*Figure, error) { return PlotTokenStrip(TokenStrip{Tokens: []string{"a"}}) },
		"empty panel": func() (*Figure, error) { return PlotPanel("x", nil, 0) },
		"nil in panel": func() (*Figure, error) {
			return PlotPanel("x", []*Figure{nil}, 0)
		},
	} {
		f, err := fn()
		if err == nil || f != nil {
			t.Errorf("%s: got figure %v, err %v; want an error", name, f, err)
		}
	}
}

func TestMIMEBundleAndSave(t *testing.T) {
	f, err := PlotAttention(AttentionMap{Name: "blocks.0.attn.hook_pattern", Pattern: synthPattern(4, 1), Keys: synthTokens(4)})
	if err != nil {
		t.Fatal(err)
	}
	data, meta := f.MIMEBundle(), f.MIMEMetadata()
	p, err := base64.StdEncoding.DecodeString(data["image/png"].(string))
	if err != nil {
		t.Fatal(err)
	}
	if img := decodePNG(t, p); img.Rect.Dx() != 2*f.Width {
		t.Errorf("bundle PNG width %d, want %d", img.Rect.Dx(), 2*f.Width)
	}
	svg := data["image/svg+xml"].(string)
	if !strings.HasPrefix(svg, "<?xml") || strings.Contains(svg, "@font-face") {
		t.Error("bundle SVG should be a font-less SVG document")
	}
	if !strings.Contains(data["text/plain"].(string), "blocks.0.attn.hook_pattern") {
		t.Errorf("text/plain = %q", data["text/plain"])
	}
	pm := meta["image/png"].(map[string]any)
	if pm["width"] != f.Width || pm["height"] != f.Height {
		t.Errorf("metadata %v, want %d×%d", pm, f.Width, f.Height)
	}
	dir := t.TempDir()
	for _, ext := range []string{".png", ".SVG"} {
		path := filepath.Join(dir, "a"+ext)
		if err := f.Save(path); err != nil {
			t.Fatal(err)
		}
		if st, err := os.Stat(path); err != nil || st.Size() < 1000 {
			t.Errorf("%s: %v, %v", path, st, err)
		}
	}
	if err := f.Save(filepath.Join(dir, "a.pdf")); err == nil {
		t.Error("Save accepted .pdf")
	}
}

func FuzzTokenLabel(f *testing.F) {
	for _, s := range []string{"", " the", "\n", "<0x0A>", "中文", "\xff\xfe", "▁▁", "a\u200bb"} {
		f.Add(s, 8)
	}
	f.Fuzz(func(t *testing.T, s string, max int) {
		max %= 64
		got := TokenLabel(s, max)
		if !utf8.ValidString(got) || got == "" {
			t.Fatalf("TokenLabel(%q) = %q", s, got)
		}
		if max > 0 && utf8.RuneCountInString(got) > max && len([]rune(s)) > 0 {
			// Only whole escapes may overrun before the cut; the cut itself bounds it.
			t.Fatalf("TokenLabel(%q, %d) = %q is longer than %d runes", s, max, got, max)
		}
		for _, r := range got {
			if r < 0x20 || r == 0x7f {
				t.Fatalf("TokenLabel(%q) = %q keeps a control character", s, got)
			}
		}
	})
}

func TestLongPrompt(t *testing.T) {
	// 300 tokens: sub-4-pixel cells, sparse labels, and an embedded image
	// instead of 90 000 rectangles in the SVG.
	const n = 300
	f, err := PlotAttention(AttentionMap{Name: "blocks.0.attn.hook_pattern", Pattern: synthPattern(n, 2), Keys: synthTokens(n)})
	if err != nil {
		t.Fatal(err)
	}
	img := renderPNG(t, f)
	if img.Rect.Dx() != 2*f.Width || f.Width > 1100 {
		t.Errorf("PNG %v for a %d×%d figure", img.Rect, f.Width, f.Height)
	}
	data := f.regions["data"]
	for _, i := range []int{0, 77, 150, 299} {
		p := cellCentre(data, n, n, i, i)
		if got := img.RGBAAt(p.X, p.Y); near(got, Viridis().At(0), 30) || isMaskGrey(got) {
			t.Errorf("diagonal cell %d is %v", i, got)
		}
	}
	svg, err := f.SVG()
	if err != nil {
		t.Fatal(err)
	}
	checkSVG(t, svg, f)
	if !bytes.Contains(svg, []byte(`<image style="image-rendering:pixelated`)) || !bytes.Contains(svg, []byte("data:image/png;base64,")) {
		t.Error("large SVG map is not one pixelated PNG image")
	}
	if len(svg) > 3<<20 {
		t.Errorf("SVG is %d bytes", len(svg))
	}
}

func TestBigGridSVGUsesImages(t *testing.T) {
	var g HeadGrid
	for h := range 32 {
		g.Maps = append(g.Maps, AttentionMap{Name: "blocks.1.attn.hook_pattern", Layer: 1, Head: h, Pattern: synthPattern(64, int64(h))})
	}
	f, err := PlotHeadGrid(g)
	if err != nil {
		t.Fatal(err)
	}
	svg, err := f.SVGNoFonts()
	if err != nil {
		t.Fatal(err)
	}
	checkSVG(t, svg, f)
	if n := bytes.Count(svg, []byte("<image ")); n != 32+1 { // 32 maps and the colour bar
		t.Errorf("%d images, want 33", n)
	}
	if len(svg) > 1<<20 {
		t.Errorf("SVG is %d bytes", len(svg))
	}
	if got := bytes.Count(svg, []byte(">head ")); got != 32 {
		t.Errorf("%d head captions, want 32", got)
	}
}

func TestDetectWindow(t *testing.T) {
	window := func(n, w int) Matrix {
		m := NewMatrix(n, n)
		for i := range n {
			for j := max(0, i-w+1); j <= i; j++ {
				m.Set(i, j, 1/float32(min(i+1, w)))
			}
		}
		return m
	}
	if got := detectWindow(window(12, 5)); got != 5 {
		t.Errorf("window 5: detected %d", got)
	}
	if got := detectWindow(window(12, 12)); got != 0 {
		t.Errorf("full causal: detected %d", got)
	}
	m := window(12, 5)
	m.Set(9, 0, 0.1) // a row that reaches back past the window
	if got := detectWindow(m); got != 0 {
		t.Errorf("broken window: detected %d", got)
	}
	m = synthPattern(8, 1)
	m.Set(7, 0, 0) // one exact zero is not a window
	if got := detectWindow(m); got != 0 {
		t.Errorf("one zero: detected %d", got)
	}
	a := AttentionMap{Pattern: window(6, 2), Mask: MaskCausal, Window: 2}
	mask := a.causalMask()
	for _, c := range []struct {
		i, j int
		want bool
	}{{0, 0, false}, {3, 3, false}, {3, 2, false}, {3, 1, true}, {3, 4, true}} {
		if mask(c.i, c.j) != c.want {
			t.Errorf("mask(%d,%d) = %v", c.i, c.j, !c.want)
		}
	}
}

// The kernel's display package finds these methods by duck typing.
var (
	_ interface{ MIMEBundle() map[string]any }   = (*Figure)(nil)
	_ interface{ MIMEMetadata() map[string]any } = (*Figure)(nil)
	_ interface{ HTML() string }                 = ModelSummary{}
	_ interface{ HTML() string }                 = HookTable{}
	_ interface{ HTML() string }                 = TokenTable{}
	_ interface{ HTML() string }                 = TensorSummary{}
)
