// Package plots draws what the introspection package captures: attention
// patterns, grids of heads, layer × head score maps, per-layer curves,
// logit-lens grids, RoPE tables, activation histograms, token strips and
// side-by-side panels, plus HTML cards for models, hook tables, tokens and
// tensors.
//
// Every plotting function takes plain data (Matrix, []string token labels,
// []float64 series, small structs of them) and returns a *Figure or an
// error naming what is malformed; none panics on bad data. A Figure renders
// on demand:
//
//	PNG()        PNG at twice its CSS size (sharp on HiDPI screens)
//	SVG()        SVG with its CSS size as width/height and the font embedded
//	SVGNoFonts() the same SVG without the 0.5 MB font
//	Save(path)   .png or .svg by extension
//	MIMEBundle(), MIMEMetadata()  the kernel/display duck-typed interfaces:
//	             image/png (base64), image/svg+xml, text/plain, and the PNG's
//	             CSS display size as metadata
//
// Conventions: heat maps put row 0 at the top (queries down, keys across;
// layers down), cells are drawn nearest-neighbour without seams (per device
// pixel in PNG; overlapping rectangles in SVG, or a pixelated image above
// 16 384 cells), unsigned data uses a viridis-like map and signed data a
// blue–white–red map centred at 0, and masked cells (the causal region, NaN,
// ±Inf) are light grey with a diagonal hatch. Token labels go through
// TokenLabel so that spaces, newlines and bytes stay visible. Text is
// Liberation Sans; SVG text carries its exact characters, anchored with
// text-anchor so that a fallback font keeps the alignment.
package plots
