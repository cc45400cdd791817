// Package weights holds what every model file format produces: named
// tensors whose bytes are views into one file's contents, kept either in
// memory (eager) or memory-mapped (lazy).
package weights

import (
	"fmt"
	"strings"

	"github.com/torchless-go/torchless/kernels"
)

// Tensor is a named, typed, shaped view of bytes. Shape is outermost
// first, as numpy and PyTorch print it: a Linear weight is [out, in] and
// a row is the last dimension. (GGUF stores dimensions innermost first;
// its reader reverses them.)
type Tensor struct {
	Name  string
	DType kernels.DType
	Shape []int
	// Data holds the tensor's bytes: a view into the file (never copied
	// by the readers).
	Data []byte
	// Scales holds one scale per group of kernels.TLInt8Group elements
	// for DType kernels.TLInt8, and is nil otherwise.
	Scales []float32
	// Offset is where Data starts in its file, for messages and listings.
	Offset int64
}

// NumElements returns the product of the dimensions (1 for a scalar).
func (t *Tensor) NumElements() int {
	n := 1
	for _, d := range t.Shape {
		n *= d
	}
	return n
}

// Cols is the length of the last dimension (the row length).
func (t *Tensor) Cols() int {
	if len(t.Shape) == 0 {
		return 1
	}
	return t.Shape[len(t.Shape)-1]
}

// Rows is the number of rows: the product of all dimensions but the last.
func (t *Tensor) Rows() int {
	if len(t.Shape) == 0 {
		return 1
	}
	return t.NumElements() / t.Cols()
}

// ShapeString formats the shape as [a b c].
func (t *Tensor) ShapeString() string { return fmt.Sprint(t.Shape) }

// ExpectedBytes is the number of bytes a tensor of this dtype and shape
// must have, or an error when the shape cannot be stored in the dtype
// (rows that are not whole blocks, negative or overflowing dimensions).
func ExpectedBytes(dt kernels.DType, shape []int) (int, error) {
	n := 1
	for _, d := range shape {
		if d < 0 {
			return 0, fmt.Errorf("negative dimension %d in shape %v", d, shape)
		}
		if d != 0 && n > (1<<50)/d {
			return 0, fmt.Errorf("shape %v is too large", shape)
		}
		n *= d
	}
	if dt.Quantized() && len(shape) > 0 && shape[len(shape)-1]%dt.BlockSize() != 0 {
		return 0, fmt.Errorf("row length %d of shape %v is not a multiple of the %s block size %d",
			shape[len(shape)-1], shape, dt, dt.BlockSize())
	}
	return dt.RowBytes(n)
}

// Validate checks that Data holds exactly the bytes the dtype and shape
// need (and Scales the scales), returning an error naming the tensor.
func (t *Tensor) Validate() error {
	want, err := ExpectedBytes(t.DType, t.Shape)
	if err != nil {
		return fmt.Errorf("tensor %q: %v", t.Name, err)
	}
	if len(t.Data) != want {
		return fmt.Errorf("tensor %q: %s %v needs %d bytes, the file gives %d", t.Name, t.DType, t.Shape, want, len(t.Data))
	}
	if t.DType == kernels.TLInt8 {
		if t.Cols()%kernels.TLInt8Group != 0 {
			return fmt.Errorf("tensor %q: int8 row length %d is not a multiple of %d", t.Name, t.Cols(), kernels.TLInt8Group)
		}
		if g := t.NumElements() / kernels.TLInt8Group; len(t.Scales) != g {
			return fmt.Errorf("tensor %q: int8 needs %d scales, the file gives %d", t.Name, g, len(t.Scales))
		}
	}
	return nil
}

// RowBytes returns the bytes of row i (of Rows()).
func (t *Tensor) RowBytes(i int) []byte {
	rb, _ := t.DType.RowBytes(t.Cols())
	return t.Data[i*rb : (i+1)*rb]
}

// DequantizeRow writes row i of the tensor, converted to float32, into
// dst, which must have length Cols(). It panics if i is out of range.
func (t *Tensor) DequantizeRow(i int, dst []float32) {
	if t.DType == kernels.TLInt8 {
		g := t.Cols() / kernels.TLInt8Group
		kernels.DequantizeTLInt8(dst, t.RowBytes(i), t.Scales[i*g:(i+1)*g])
		return
	}
	kernels.DequantizeRow(t.DType, dst, t.RowBytes(i))
}

// Float32 returns the whole tensor converted to float32 in a new slice.
// It returns an error for integer dtypes.
func (t *Tensor) Float32() ([]float32, error) {
	if !t.DType.IsWeight() {
		return nil, fmt.Errorf("tensor %q: dtype %s is not a floating-point or quantized type", t.Name, t.DType)
	}
	out := make([]float32, t.NumElements())
	c := t.Cols()
	for i := 0; i < t.Rows(); i++ {
		t.DequantizeRow(i, out[i*c:(i+1)*c])
	}
	return out, nil
}

// FormatError is a problem with the contents of a model file: the
// safetensors and model.bin readers return it, naming the file and the
// tensor or header field concerned.
type FormatError struct {
	File   string // the file's path or name, as given
	Tensor string // the tensor concerned, or ""
	Field  string // the header field concerned (e.g. "data_offsets"), or ""
	Msg    string
}

func (e *FormatError) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Tensor != "" {
		fmt.Fprintf(&b, ": tensor %q", e.Tensor)
	}
	if e.Field != "" {
		b.WriteString(": ")
		b.WriteString(e.Field)
	}
	b.WriteString(": ")
	b.WriteString(e.Msg)
	return b.String()
}

// Errorf returns a *FormatError.
func Errorf(file, tensor, field, format string, args ...any) error {
	return &FormatError{File: file, Tensor: tensor, Field: field, Msg: fmt.Sprintf(format, args...)}
}
