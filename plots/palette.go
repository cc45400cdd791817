package plots

import (
	"image/color"
	"math"
)

// Colormap maps a value in [0, 1] to a colour by linear interpolation
// between evenly spaced stops.
type Colormap struct {
	// Name identifies the map ("viridis", "diverging", ...).
	Name  string
	stops []color.RGBA
}

// At returns the colour for t in [0, 1] (clamped; NaN gives the first stop).
func (m *Colormap) At(t float64) color.RGBA {
	if len(m.stops) == 0 {
		return color.RGBA{A: 0xff}
	}
	if !(t > 0) {
		return m.stops[0]
	}
	if t >= 1 {
		return m.stops[len(m.stops)-1]
	}
	f := t * float64(len(m.stops)-1)
	i := int(f)
	u := f - float64(i)
	a, b := m.stops[i], m.stops[i+1]
	mix := func(x, y uint8) uint8 { return uint8(math.Round(float64(x)*(1-u) + float64(y)*u)) }
	return color.RGBA{mix(a.R, b.R), mix(a.G, b.G), mix(a.B, b.B), 0xff}
}

func hexStops(hex ...uint32) []color.RGBA {
	s := make([]color.RGBA, len(hex))
	for i, h := range hex {
		s[i] = color.RGBA{uint8(h >> 16), uint8(h >> 8), uint8(h), 0xff}
	}
	return s
}

// Viridis returns a perceptually uniform sequential map (dark blue → yellow),
// sampled from matplotlib's viridis at ten evenly spaced points.
func Viridis() *Colormap {
	return &Colormap{Name: "viridis", stops: hexStops(
		0x440154, 0x482878, 0x3e4a89, 0x31688e, 0x26828e, 0x1f9e89, 0x35b779, 0x6dcd59, 0xb4de2c, 0xfde725)}
}

// Diverging returns a blue–white–red map for signed values (white at 0.5),
// after Moreland's "cool to warm" with a white centre.
func Diverging() *Colormap {
	return &Colormap{Name: "diverging", stops: hexStops(
		0x2166ac, 0x4393c3, 0x92c5de, 0xd1e5f0, 0xf7f7f7, 0xfddbc7, 0xf4a582, 0xd6604d, 0xb2182b)}
}

// Greys returns a light-to-dark grey map.
func Greys() *Colormap {
	return &Colormap{Name: "greys", stops: hexStops(0xffffff, 0xd9d9d9, 0x969696, 0x525252, 0x000000)}
}

// seriesColors is a colour-blind-safe categorical palette (Okabe–Ito, reordered).
var seriesColors = hexStops(0x0072b2, 0xd55e00, 0x009e73, 0xcc79a7, 0xe69f00, 0x56b4e9, 0x000000, 0xf0e442)

// SeriesColor returns the i-th colour of the categorical palette used for curves.
func SeriesColor(i int) color.RGBA {
	if i < 0 {
		i = -i
	}
	return seriesColors[i%len(seriesColors)]
}

// luminance is the relative luminance of c (0 black, 1 white).
func luminance(c color.RGBA) float64 {
	lin := func(v uint8) float64 {
		x := float64(v) / 255
		if x <= 0.04045 {
			return x / 12.92
		}
		return math.Pow((x+0.055)/1.055, 2.4)
	}
	return 0.2126*lin(c.R) + 0.7152*lin(c.G) + 0.0722*lin(c.B)
}

// inkOn returns black or white, whichever reads better on bg.
func inkOn(bg color.RGBA) color.RGBA {
	if luminance(bg) > 0.22 {
		return color.RGBA{0x11, 0x11, 0x11, 0xff}
	}
	return color.RGBA{0xff, 0xff, 0xff, 0xff}
}

// Fixed colours used by every figure.
var (
	maskFill  = color.RGBA{0xe4, 0xe4, 0xe4, 0xff}
	maskHatch = color.RGBA{0xc4, 0xc4, 0xc4, 0xff}
	axisInk   = color.RGBA{0x33, 0x33, 0x33, 0xff}
	gridInk   = color.RGBA{0xe6, 0xe6, 0xe6, 0xff}
	mutedInk  = color.RGBA{0x66, 0x66, 0x66, 0xff}
)

var colorWhite = color.RGBA{0xff, 0xff, 0xff, 0xff}
