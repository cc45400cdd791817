package plots

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"image"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"

	"codeberg.org/go-fonts/liberation/liberationsansbold"
	"codeberg.org/go-fonts/liberation/liberationsansregular"

	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/vgsvg"
)

// Figure is a rendered-on-demand picture with a display size in CSS pixels.
// PNG output is rendered at twice that size (sharp on HiDPI screens); SVG
// output has the CSS size as its width and height. A Figure is safe for
// concurrent use; its bytes are rendered once and cached.
type Figure struct {
	// Title is the figure's title (also used in its text/plain form).
	Title string
	// Width and Height are the display size in CSS pixels.
	Width, Height int

	draw func(c *canvas)
	// regions records rectangles (CSS px) of named parts, for tests and
	// for composing panels: "data", "colorbar", "data.3" (grid cell 3), ...
	regions map[string]rectF
	// cells counts heat map cells; above svgRectMax the SVG draws every
	// heat map as an image (one rectangle per cell would be megabytes).
	cells int

	mu       sync.Mutex
	png, svg []byte
}

type rectF struct{ X, Y, W, H float64 }

func newFigure(title string, w, h float64, draw func(c *canvas)) *Figure {
	return &Figure{Title: title, Width: int(w + 0.999), Height: int(h + 0.999), draw: draw, regions: map[string]rectF{}}
}

// String describes the figure in one line (its text/plain form).
func (f *Figure) String() string {
	t := f.Title
	if t == "" {
		t = "untitled"
	}
	return fmt.Sprintf("<Figure %d×%d: %s>", f.Width, f.Height, t)
}

// render runs the drawing code, turning a panic (a bug or bad font data)
// into an error.
func (f *Figure) render(c *canvas) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("plots: rendering %q: %v", f.Title, r)
		}
	}()
	f.draw(c)
	return nil
}

// PNG returns the figure as a PNG image of 2·Width × 2·Height pixels.
func (f *Figure) PNG() ([]byte, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.png != nil {
		return f.png, nil
	}
	img, err := f.image()
	if err != nil {
		return nil, err
	}
	b, err := encodePNG(img)
	if err != nil {
		return nil, fmt.Errorf("plots: encoding PNG of %q: %w", f.Title, err)
	}
	f.png = b
	return f.png, nil
}

// Image renders the figure into an RGBA image of 2·Width × 2·Height pixels.
func (f *Figure) Image() (*image.RGBA, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.image()
}

func (f *Figure) image() (*image.RGBA, error) {
	if f.Width <= 0 || f.Height <= 0 {
		return nil, fmt.Errorf("plots: figure %q has no size (%d×%d)", f.Title, f.Width, f.Height)
	}
	c := newPNGCanvas(f.Width, f.Height)
	if err := f.render(c); err != nil {
		return nil, err
	}
	return c.img, nil
}

// SVG returns the figure as an SVG document whose width and height are the
// display size in CSS pixels, with the Liberation Sans font embedded.
func (f *Figure) SVG() ([]byte, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.svg != nil {
		return f.svg, nil
	}
	b, err := f.renderSVG(true)
	if err != nil {
		return nil, err
	}
	f.svg = b
	return b, nil
}

// SVGNoFonts returns the SVG without embedded fonts (about 0.5 MB smaller):
// text keeps its exact characters and falls back to the metric-compatible
// Arimo/Arial or any sans-serif font of the viewer.
func (f *Figure) SVGNoFonts() ([]byte, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.renderSVG(false)
}

var svgHeader = regexp.MustCompile(`<svg width="[^"]*" height="[^"]*"`)

// writeFontFace writes an @font-face rule embedding a TrueType font.
func writeFontFace(w *bytes.Buffer, weight string, ttf []byte) {
	fmt.Fprintf(w, "@font-face{font-family:'Liberation Sans';font-weight:%s;font-style:normal;src:url(data:font/ttf;base64,", weight)
	w.WriteString(base64.StdEncoding.EncodeToString(ttf))
	w.WriteString(`) format("truetype");}` + "\n")
}

func (f *Figure) renderSVG(embed bool) ([]byte, error) {
	if f.Width <= 0 || f.Height <= 0 {
		return nil, fmt.Errorf("plots: figure %q has no size (%d×%d)", f.Title, f.Width, f.Height)
	}
	vc := vgsvg.NewWith(vgsvg.UseWH(vg.Length(float64(f.Width)*ptPerPx), vg.Length(float64(f.Height)*ptPerPx)))
	c := &canvas{vc: vc, h: float64(f.Height), svg: &svgText{}, svgImages: f.cells > svgRectMax}
	// White background, as in the PNG.
	c.rect(0, 0, float64(f.Width), float64(f.Height), colorWhite)
	if err := f.render(c); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if _, err := vc.WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("plots: writing SVG of %q: %w", f.Title, err)
	}
	out := buf.Bytes()
	// Display size in CSS px (vgsvg writes points); the viewBox stays in points.
	out = svgHeader.ReplaceAll(out, []byte(fmt.Sprintf(`<svg width="%d" height="%d"`, f.Width, f.Height)))
	// Text elements go last (on top), outside vgsvg's y-flipped group.
	end := bytes.LastIndex(out, []byte("</svg>"))
	if end < 0 {
		return nil, fmt.Errorf("plots: SVG of %q has no </svg>", f.Title)
	}
	var doc bytes.Buffer
	doc.Write(out[:end])
	doc.Write(c.svg.buf.Bytes())
	doc.Write(out[end:])
	out = doc.Bytes()
	if embed {
		var style bytes.Buffer
		style.WriteString("<defs><style>\n")
		if c.svg.regular {
			writeFontFace(&style, "normal", liberationsansregular.TTF)
		}
		if c.svg.bold {
			writeFontFace(&style, "bold", liberationsansbold.TTF)
		}
		style.WriteString("</style></defs>\n")
		i := bytes.Index(out, []byte("<svg "))
		j := -1
		if i >= 0 {
			j = bytes.IndexByte(out[i:], '>') // end of the <svg ...> start tag
		}
		if j < 0 {
			return nil, fmt.Errorf("plots: SVG of %q: no <svg> start tag", f.Title)
		}
		at := i + j + 1
		out = append(out[:at:at], append(style.Bytes(), out[at:]...)...)
	}
	// Embedded rasters (large heat maps) are PNGs and must not be smoothed.
	out = bytes.ReplaceAll(out, []byte(`data:image/jpg;base64,`), []byte(`data:image/png;base64,`))
	out = bytes.ReplaceAll(out, []byte(`<image `), []byte(`<image style="image-rendering:pixelated;image-rendering:crisp-edges" preserveAspectRatio="none" `))
	return out, nil
}

// Save writes the figure to path as PNG or SVG, chosen by the extension
// (.png or .svg, case-insensitive).
func (f *Figure) Save(path string) error {
	var (
		b   []byte
		err error
	)
	switch strings.ToLower(filepath.Ext(path)) {
	case ".png":
		b, err = f.PNG()
	case ".svg":
		b, err = f.SVG()
	default:
		return fmt.Errorf("plots: saving %q: unknown extension %q (want .png or .svg)", path, filepath.Ext(path))
	}
	if err != nil {
		return err
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		return fmt.Errorf("plots: saving figure: %w", err)
	}
	return nil
}

// MIMEBundle returns the figure for a Jupyter display_data message (the
// kernel/display package's MIMEBundler interface): image/png (base64 of the
// 2× rendering), image/svg+xml (without embedded fonts, to keep notebooks
// small) and text/plain. On a rendering error the bundle holds only
// text/plain with the error.
func (f *Figure) MIMEBundle() map[string]any {
	data := map[string]any{"text/plain": f.String()}
	p, err := f.PNG()
	if err != nil {
		data["text/plain"] = f.String() + ": " + err.Error()
		return data
	}
	data["image/png"] = base64.StdEncoding.EncodeToString(p)
	if s, err := f.SVGNoFonts(); err == nil {
		data["image/svg+xml"] = string(s)
	}
	return data
}

// MIMEMetadata returns the metadata of the MIMEBundle (the kernel/display
// package's MIMEMetadataer interface): the PNG's display size in CSS
// pixels, so that the 2× image is shown sharp at its intended size.
func (f *Figure) MIMEMetadata() map[string]any {
	return map[string]any{
		"image/png": map[string]any{"width": f.Width, "height": f.Height},
	}
}

// PNGSize reports the pixel size of the PNG output (twice the display size).
func (f *Figure) PNGSize() (w, h int) { return f.Width * pngScale, f.Height * pngScale }
