package plots

import (
	"image"
	"image/color"

	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/vg"
)

// canvasStub is a vg.Canvas that reports the bounding box of every fill.
type canvasStub struct {
	onFill func(minX, minY, maxX, maxY float64)
}

func (canvasStub) SetLineWidth(vg.Length)                 {}
func (canvasStub) SetLineDash([]vg.Length, vg.Length)     {}
func (canvasStub) SetColor(color.Color)                   {}
func (canvasStub) Rotate(float64)                         {}
func (canvasStub) Translate(vg.Point)                     {}
func (canvasStub) Scale(float64, float64)                 {}
func (canvasStub) Push()                                  {}
func (canvasStub) Pop()                                   {}
func (canvasStub) Stroke(vg.Path)                         {}
func (canvasStub) FillString(font.Face, vg.Point, string) {}
func (canvasStub) DrawImage(vg.Rectangle, image.Image)    {}
func (s canvasStub) Fill(p vg.Path) {
	if s.onFill == nil || len(p) == 0 {
		return
	}
	minX, minY, maxX, maxY := 1e18, 1e18, -1e18, -1e18
	for _, c := range p {
		if c.Type == vg.CloseComp {
			continue
		}
		x, y := float64(c.Pos.X), float64(c.Pos.Y)
		minX, maxX = min(minX, x), max(maxX, x)
		minY, maxY = min(minY, y), max(maxY, y)
	}
	s.onFill(minX, minY, maxX, maxY)
}
