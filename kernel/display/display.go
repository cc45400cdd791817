// Package display shows rich values in a Jupyter notebook run by the
// torchless kernel. It follows gophernotes' conventions: functions that
// build a MIME bundle (HTML, PNG, SVG, Markdown, JSON, Image, ...) and
// Show (alias Display) that publishes one now; the value of a cell's last
// expression is displayed the same way. ShowID and Update replace a display
// in place, and Progress is a progress bar built on them.
//
// # Duck-typed display interfaces
//
// Any value can display itself richly without importing this package by
// having one or more of these methods (all that are present are used,
// each adding its MIME type to the bundle):
//
//	HTML() string                 text/html
//	Markdown() string             text/markdown
//	SVG() string                  image/svg+xml
//	PNG() []byte                  image/png (encoded PNG bytes)
//	JPEG() []byte                 image/jpeg (encoded JPEG bytes)
//	Latex() string                text/latex
//	JSON() map[string]any         application/json
//	MIMEBundle() map[string]any   a whole bundle: MIME type -> data
//	MIMEMetadata() map[string]any optional metadata for that bundle
//	Render() Data                 a whole bundle with metadata (imports this package)
//
// An image.Image is shown as PNG. Every bundle also gets text/plain: the
// value's String() if it has one, else its %v formatting, truncated to
// 64 KiB.
//
// For types declared inside notebook cells (interpreted types), the kernel
// checks all these methods when the value is a cell's last expression.
// Show, ShowID, Update and Display called from a cell see every method of
// compiled types, but only one method of a cell-declared type: the first
// it has of MIMEBundle, Render, HTML, SVG, PNG, Markdown, JPEG, Latex,
// JSON, String (the interpreter passes such values wrapped in one
// interface).
package display

import (
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"
	"html"
	"image"
	"image/png"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// MIME types used by the display functions.
const (
	MIMEPlain      = "text/plain"
	MIMEHTML       = "text/html"
	MIMEMarkdown   = "text/markdown"
	MIMESVG        = "image/svg+xml"
	MIMEPNG        = "image/png"
	MIMEJPEG       = "image/jpeg"
	MIMELatex      = "text/latex"
	MIMEJSON       = "application/json"
	MIMEJavaScript = "application/javascript"
)

// MaxPlain is the longest text/plain representation Render produces.
const MaxPlain = 64 << 10

// Data is a MIME bundle: the data keyed by MIME type, its metadata, and
// transient keys (such as display_id) that are not stored in the notebook.
type Data struct {
	Data      map[string]any
	Metadata  map[string]any
	Transient map[string]any
}

// HTMLer is a value that renders itself as HTML.
type HTMLer interface{ HTML() string }

// Markdowner is a value that renders itself as Markdown.
type Markdowner interface{ Markdown() string }

// SVGer is a value that renders itself as an SVG document.
type SVGer interface{ SVG() string }

// PNGer is a value that renders itself as encoded PNG bytes.
type PNGer interface{ PNG() []byte }

// JPEGer is a value that renders itself as encoded JPEG bytes.
type JPEGer interface{ JPEG() []byte }

// Latexer is a value that renders itself as LaTeX.
type Latexer interface{ Latex() string }

// JSONer is a value that renders itself as a JSON object.
type JSONer interface{ JSON() map[string]any }

// MIMEBundler is a value that renders itself as a MIME bundle (MIME type to
// data).
type MIMEBundler interface{ MIMEBundle() map[string]any }

// MIMEMetadataer supplies metadata for a MIMEBundler's bundle.
type MIMEMetadataer interface{ MIMEMetadata() map[string]any }

// Renderer is a value that renders itself as a Data.
type Renderer interface{ Render() Data }

func one(mime string, v any) Data {
	return Data{Data: map[string]any{mime: v}, Metadata: map[string]any{}}
}

// HTML returns a bundle showing s as HTML.
func HTML(s string) Data { return one(MIMEHTML, s) }

// Markdown returns a bundle showing s as Markdown.
func Markdown(s string) Data { return one(MIMEMarkdown, s) }

// SVG returns a bundle showing an SVG document.
func SVG(s string) Data { return one(MIMESVG, s) }

// PNG returns a bundle showing encoded PNG bytes.
func PNG(b []byte) Data { return one(MIMEPNG, b) }

// JPEG returns a bundle showing encoded JPEG bytes.
func JPEG(b []byte) Data { return one(MIMEJPEG, b) }

// Latex returns a bundle showing LaTeX source.
func Latex(s string) Data { return one(MIMELatex, s) }

// Math returns a bundle showing a LaTeX formula in display mode.
func Math(s string) Data { return one(MIMELatex, "$$"+s+"$$") }

// JavaScript returns a bundle running JavaScript in the front end.
func JavaScript(s string) Data { return one(MIMEJavaScript, s) }

// Text returns a bundle showing plain text.
func Text(s string) Data { return one(MIMEPlain, s) }

// JSON returns a bundle showing v (anything encoding/json can encode) as
// JSON.
func JSON(v any) Data { return one(MIMEJSON, v) }

// Any returns a bundle with one MIME type.
func Any(mime string, v any) Data { return one(mime, v) }

// Bundle returns a bundle with the given data and metadata (which may be
// nil).
func Bundle(data, metadata map[string]any) Data {
	if metadata == nil {
		metadata = map[string]any{}
	}
	return Data{Data: data, Metadata: metadata}
}

// Image returns a bundle showing img as PNG. An image that fails to encode
// is shown as the error text.
func Image(img image.Image) Data {
	b, err := EncodePNG(img)
	if err != nil {
		return Text(fmt.Sprintf("display.Image: %v", err))
	}
	d := PNG(b)
	r := img.Bounds()
	d.Data[MIMEPlain] = fmt.Sprintf("image %dx%d", r.Dx(), r.Dy())
	return d
}

// EncodePNG encodes img as PNG bytes.
func EncodePNG(img image.Image) ([]byte, error) {
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Plain returns the text/plain representation of v: strings quoted,
// errors and fmt.Stringers by their text, everything else in a compact Go
// syntax (PlainValue), truncated to MaxPlain bytes.
func Plain(v any) string {
	var s string
	switch x := v.(type) {
	case nil:
		s = "<nil>"
	case string:
		if len(x) > MaxPlain {
			x = x[:MaxPlain]
		}
		s = strconv.Quote(x)
	case error:
		s = x.Error()
	case fmt.Stringer:
		s = safeString(x)
	default:
		if inner, ok := unwrap(v); ok {
			return Plain(inner)
		}
		s = PlainValue(reflect.ValueOf(v))
	}
	if len(s) > MaxPlain {
		s = s[:MaxPlain] + fmt.Sprintf("… (%d bytes more)", len(s)-MaxPlain)
	}
	return s
}

// Limits of PlainValue.
const (
	plainItems = 16   // elements shown of a slice, array or map
	plainDepth = 3    // nesting shown of structs, pointers and containers
	plainLen   = 4096 // bytes of output before it is cut
)

// PlainValue formats v compactly: at most 16 elements of a slice, array or
// map (with the total count), nested values to depth 3, unexported fields
// included, and about 4 KiB in all. Large values (a model, a cache) so
// print as a readable summary instead of megabytes.
func PlainValue(v reflect.Value) string {
	var b strings.Builder
	writeValue(&b, v, 0)
	s := b.String()
	if len(s) > plainLen {
		s = s[:plainLen] + "…"
	}
	return s
}

func writeValue(b *strings.Builder, v reflect.Value, depth int) {
	if b.Len() > plainLen {
		return
	}
	if !v.IsValid() {
		b.WriteString("<nil>")
		return
	}
	if v.CanInterface() && depth > 0 {
		switch x := v.Interface().(type) {
		case error:
			if !isNilish(v) {
				b.WriteString(x.Error())
				return
			}
		case fmt.Stringer:
			if !isNilish(v) {
				b.WriteString(safeString(x))
				return
			}
		}
	}
	switch v.Kind() {
	case reflect.Bool:
		b.WriteString(strconv.FormatBool(v.Bool()))
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		b.WriteString(strconv.FormatInt(v.Int(), 10))
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		b.WriteString(strconv.FormatUint(v.Uint(), 10))
	case reflect.Float32:
		b.WriteString(strconv.FormatFloat(v.Float(), 'g', -1, 32))
	case reflect.Float64:
		b.WriteString(strconv.FormatFloat(v.Float(), 'g', -1, 64))
	case reflect.Complex64, reflect.Complex128:
		fmt.Fprint(b, v.Complex())
	case reflect.String:
		s := v.String()
		if len(s) > 256 {
			s = s[:256] + "…"
		}
		b.WriteString(strconv.Quote(s))
	case reflect.Pointer:
		if v.IsNil() {
			b.WriteString("nil")
			return
		}
		b.WriteByte('&')
		writeValue(b, v.Elem(), depth)
	case reflect.Interface:
		if v.IsNil() {
			b.WriteString("nil")
			return
		}
		writeValue(b, v.Elem(), depth)
	case reflect.Slice, reflect.Array:
		if v.Kind() == reflect.Slice && v.IsNil() {
			b.WriteString("[]")
			return
		}
		n := v.Len()
		if depth >= plainDepth {
			fmt.Fprintf(b, "[…%d items]", n)
			return
		}
		b.WriteByte('[')
		for i := 0; i < n && i < plainItems; i++ {
			if i > 0 {
				b.WriteByte(' ')
			}
			writeValue(b, v.Index(i), depth+1)
		}
		if n > plainItems {
			fmt.Fprintf(b, " … (%d items)", n)
		}
		b.WriteByte(']')
	case reflect.Map:
		if v.IsNil() {
			b.WriteString("map[]")
			return
		}
		n := v.Len()
		if depth >= plainDepth {
			fmt.Fprintf(b, "map[…%d entries]", n)
			return
		}
		keys := v.MapKeys()
		sort.Slice(keys, func(i, j int) bool { return PlainValue(keys[i]) < PlainValue(keys[j]) })
		b.WriteString("map[")
		for i, k := range keys {
			if i == plainItems {
				fmt.Fprintf(b, " … (%d entries)", n)
				break
			}
			if i > 0 {
				b.WriteByte(' ')
			}
			writeValue(b, k, depth+1)
			b.WriteByte(':')
			writeValue(b, v.MapIndex(k), depth+1)
		}
		b.WriteByte(']')
	case reflect.Struct:
		t := v.Type()
		if t.Name() != "" && b.Len() > 1 {
			b.WriteString(t.String())
		}
		if depth >= plainDepth {
			b.WriteString("{…}")
			return
		}
		b.WriteByte('{')
		for i := 0; i < v.NumField(); i++ {
			if i > 0 {
				b.WriteString(", ")
			}
			if b.Len() > plainLen {
				return
			}
			b.WriteString(t.Field(i).Name)
			b.WriteString(": ")
			writeValue(b, v.Field(i), depth+1)
		}
		b.WriteByte('}')
	case reflect.Func:
		if v.IsNil() {
			b.WriteString("nil")
		} else {
			b.WriteString(v.Type().String())
		}
	case reflect.Chan:
		fmt.Fprintf(b, "%s (len %d)", v.Type(), v.Len())
	default:
		b.WriteString(v.Type().String())
	}
}

func isNilish(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface, reflect.Map, reflect.Slice, reflect.Func, reflect.Chan:
		return v.IsNil()
	}
	return false
}

// unwrap returns the value inside a yaegi interface wrapper (a struct
// whose first field is IValue), which is how the kernel passes values of
// cell-declared types.
func unwrap(v any) (any, bool) {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Struct || rv.NumField() == 0 || rv.Type().Field(0).Name != "IValue" {
		return nil, false
	}
	f := rv.Field(0)
	if !f.CanInterface() {
		return nil, false
	}
	return f.Interface(), true
}

func safeString(x fmt.Stringer) (s string) {
	defer func() {
		if r := recover(); r != nil {
			s = fmt.Sprintf("<String panicked: %v>", r)
		}
	}()
	if rv := reflect.ValueOf(x); rv.Kind() == reflect.Pointer && rv.IsNil() {
		return fmt.Sprintf("(%T)(nil)", x)
	}
	return x.String()
}

// A Converter offers a richer value to display in place of v (for
// example an HTML card for a model), or reports false.
type Converter func(v any) (any, bool)

var converters []Converter

// RegisterConverter adds a converter that Render consults before looking
// at v's own methods; the converted value's representations are shown,
// with v's own text/plain. Packages that cannot depend on this one (the
// model and introspection packages) get rich display this way.
func RegisterConverter(c Converter) { converters = append(converters, c) }

// Render returns the bundle for v: a Data (or *Data) as it is, otherwise
// text/plain plus every representation v offers through the interfaces in
// the package doc and image.Image (or those of the value a registered
// Converter offers for it).
func Render(v any) Data {
	switch x := v.(type) {
	case Data:
		return normalize(x)
	case *Data:
		if x != nil {
			return normalize(*x)
		}
	}
	for _, c := range converters {
		if rich, ok := convert(c, v); ok {
			d := Render(rich)
			d.Data[MIMEPlain] = Plain(v)
			return d
		}
	}
	d := Data{Data: map[string]any{}, Metadata: map[string]any{}}
	rv := reflect.ValueOf(v)
	if v != nil && !(rv.Kind() == reflect.Pointer && rv.IsNil()) {
		addMethods(&d, v)
	}
	if _, ok := d.Data[MIMEPlain]; !ok {
		d.Data[MIMEPlain] = Plain(v)
	}
	return d
}

// convert runs c, treating a panic as "no conversion".
func convert(c Converter, v any) (rich any, ok bool) {
	defer func() {
		if recover() != nil {
			rich, ok = nil, false
		}
	}()
	return c(v)
}

// addMethods adds to d the representations v offers. A panicking method is
// reported in text/plain instead.
func addMethods(d *Data, v any) {
	defer func() {
		if r := recover(); r != nil {
			d.Data[MIMEPlain] = fmt.Sprintf("<display method panicked: %v>", r)
		}
	}()
	if x, ok := v.(Renderer); ok {
		r := x.Render()
		for k, val := range r.Data {
			d.Data[k] = val
		}
		for k, val := range r.Metadata {
			d.Metadata[k] = val
		}
	}
	if x, ok := v.(MIMEBundler); ok {
		for k, val := range x.MIMEBundle() {
			d.Data[k] = val
		}
	}
	if x, ok := v.(MIMEMetadataer); ok {
		for k, val := range x.MIMEMetadata() {
			d.Metadata[k] = val
		}
	}
	if x, ok := v.(HTMLer); ok {
		d.Data[MIMEHTML] = x.HTML()
	}
	if x, ok := v.(Markdowner); ok {
		d.Data[MIMEMarkdown] = x.Markdown()
	}
	if x, ok := v.(SVGer); ok {
		d.Data[MIMESVG] = x.SVG()
	}
	if x, ok := v.(PNGer); ok {
		d.Data[MIMEPNG] = x.PNG()
	}
	if x, ok := v.(JPEGer); ok {
		d.Data[MIMEJPEG] = x.JPEG()
	}
	if x, ok := v.(Latexer); ok {
		d.Data[MIMELatex] = x.Latex()
	}
	if x, ok := v.(JSONer); ok {
		d.Data[MIMEJSON] = x.JSON()
	}
	if img, ok := v.(image.Image); ok {
		if _, has := d.Data[MIMEPNG]; !has {
			b, err := EncodePNG(img)
			if err == nil {
				d.Data[MIMEPNG] = b
				r := img.Bounds()
				d.Data[MIMEPlain] = fmt.Sprintf("image %dx%d", r.Dx(), r.Dy())
			}
		}
	}
}

func normalize(d Data) Data {
	if d.Data == nil {
		d.Data = map[string]any{}
	}
	if d.Metadata == nil {
		d.Metadata = map[string]any{}
	}
	if _, ok := d.Data[MIMEPlain]; !ok {
		d.Data[MIMEPlain] = plainFor(d.Data)
	}
	return d
}

func plainFor(m map[string]any) string {
	for _, k := range []string{MIMEPNG, MIMEJPEG, MIMESVG, MIMEHTML, MIMEMarkdown, MIMELatex, MIMEJSON} {
		if _, ok := m[k]; ok {
			return "<" + k + ">"
		}
	}
	return ""
}

// ShowFunc publishes a bundle: as a new display (update false) or as an
// update of the display with displayID (update true).
type ShowFunc func(d Data, displayID string, update bool) error

// ClearFunc clears the cell's output, at once or (wait) when the next
// output arrives.
type ClearFunc func(wait bool) error

var (
	pubMu     sync.Mutex
	showFunc  ShowFunc
	clearFunc ClearFunc
)

// ErrNoKernel is returned by Show, Update and Clear outside a kernel.
var ErrNoKernel = errors.New("display: not running in the torchless kernel")

// SetPublisher installs the kernel's publishing functions. The kernel calls
// it; notebooks never need to.
func SetPublisher(show ShowFunc, clear ClearFunc) {
	pubMu.Lock()
	showFunc, clearFunc = show, clear
	pubMu.Unlock()
}

func publisher() (ShowFunc, ClearFunc) {
	pubMu.Lock()
	defer pubMu.Unlock()
	return showFunc, clearFunc
}

// Show publishes v now, rendered by Render.
func Show(v any) error { return ShowID("", v) }

// Display is Show, under gophernotes' name.
func Display(v any) error { return Show(v) }

// ShowID publishes v as a display that Update can later replace. An empty
// id is a plain display.
func ShowID(id string, v any) error {
	show, _ := publisher()
	if show == nil {
		return ErrNoKernel
	}
	return show(Render(v), id, false)
}

// Update replaces the display published by ShowID(id, ...) with v, for
// progress that updates in place.
func Update(id string, v any) error {
	if id == "" {
		return errors.New("display.Update: empty display id")
	}
	show, _ := publisher()
	if show == nil {
		return ErrNoKernel
	}
	return show(Render(v), id, true)
}

// Clear clears the output of the running cell; with wait, the clearing
// happens when the next output arrives (no flicker).
func Clear(wait bool) error {
	_, clear := publisher()
	if clear == nil {
		return ErrNoKernel
	}
	return clear(wait)
}

// NewID returns a fresh display id for ShowID and Update.
func NewID() string {
	var b [12]byte
	rand.Read(b[:])
	return fmt.Sprintf("tl-%x", b)
}

// Progress is a progress bar that updates in place (update_display_data),
// for loading and generation loops:
//
//	p := display.NewProgress("generating", 200)
//	opts.OnToken = func(id int) error { p.Add(1); return nil }
type Progress struct {
	mu    sync.Mutex
	id    string
	label string
	total int
	n     int
	last  time.Time
}

// progressEvery is the least time between two updates of a Progress (the
// final one always goes out).
const progressEvery = 100 * time.Millisecond

// NewProgress shows a progress bar at 0 of total (total <= 0: a counter
// without a bar).
func NewProgress(label string, total int) *Progress {
	p := &Progress{id: NewID(), label: label, total: total}
	ShowID(p.id, p.bundle())
	p.last = time.Now()
	return p
}

// Set moves the bar to n. Updates are sent at most every 100 ms, and
// always when n reaches the total.
func (p *Progress) Set(n int) error {
	p.mu.Lock()
	p.n = n
	now := time.Now()
	if now.Sub(p.last) < progressEvery && !(p.total > 0 && n >= p.total) {
		p.mu.Unlock()
		return nil
	}
	p.last = now
	d := p.bundle()
	p.mu.Unlock()
	return Update(p.id, d)
}

// Add moves the bar forward by k.
func (p *Progress) Add(k int) error {
	p.mu.Lock()
	n := p.n + k
	p.mu.Unlock()
	return p.Set(n)
}

// Done shows the final state (whatever the rate limit).
func (p *Progress) Done() error {
	p.mu.Lock()
	d := p.bundle()
	p.mu.Unlock()
	return Update(p.id, d)
}

// bundle renders the bar; p.mu must be held (or p not yet shared).
func (p *Progress) bundle() Data {
	label := html.EscapeString(p.label)
	if p.total <= 0 {
		d := HTML(fmt.Sprintf("%s: %d", label, p.n))
		d.Data[MIMEPlain] = fmt.Sprintf("%s: %d", p.label, p.n)
		return d
	}
	d := HTML(fmt.Sprintf(`%s <progress value="%d" max="%d"></progress> %d/%d`, label, p.n, p.total, p.n, p.total))
	d.Data[MIMEPlain] = fmt.Sprintf("%s: %d/%d", p.label, p.n, p.total)
	return d
}
