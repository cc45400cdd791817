package gguf

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"

	"github.com/torchless-go/torchless/kernels"
	"github.com/torchless-go/torchless/models/weights"
)

// MaxTensorName is the longest tensor name llama.cpp accepts (GGML_MAX_NAME
// minus the terminating NUL); the writer refuses longer names.
const MaxTensorName = 63

// TensorInfo describes a tensor for NewWriter: its name, stored type and
// shape, outermost first (PyTorch order; the writer reverses it into ne).
type TensorInfo struct {
	Name  string
	DType kernels.DType
	Shape []int
}

// Writer writes a GGUF version 3 file: NewWriter writes the metadata and
// the tensor table, WriteTensor then streams each tensor's bytes in table
// order, and Close checks that all were written. Tensors are laid out in
// table order, each at an offset that is a multiple of the alignment.
type Writer struct {
	bw    *bufio.Writer
	infos []TensorInfo
	sizes []int
	next  int   // index of the next tensor to write
	pos   int64 // bytes written so far
	align int
	err   error // the first write error; every later call returns it
	tmp   [8]byte
}

// Write writes a complete GGUF version 3 file holding kv and tensors.
// Each tensor's Data must already be in its DType (Shape outermost first).
// alignment 0 means general.alignment from kv, or 32; see NewWriter.
func Write(w io.Writer, kv []KeyValue, tensors []*weights.Tensor, alignment int) error {
	infos := make([]TensorInfo, len(tensors))
	for i, t := range tensors {
		infos[i] = TensorInfo{Name: t.Name, DType: t.DType, Shape: t.Shape}
	}
	gw, err := NewWriter(w, kv, infos, alignment)
	if err != nil {
		return err
	}
	for _, t := range tensors {
		if err := gw.WriteTensor(t.Name, t.Data); err != nil {
			return err
		}
	}
	return gw.Close()
}

// NewWriter validates kv and tensors and writes the file's header,
// metadata and tensor table to w.
//
// alignment is the data alignment: 0 takes general.alignment from kv (or
// 32 when kv has none); otherwise it must be a power of two, agree with
// any general.alignment in kv, and is added to the metadata as
// general.alignment when it is not 32 and kv lacks it.
//
// It returns an error for duplicate keys or tensor names, values that
// cannot be encoded (an array of arrays holding a non-array), tensors
// whose dtype GGUF cannot hold, shapes of more than 4 dimensions or that
// the dtype cannot store, and names longer than MaxTensorName.
func NewWriter(w io.Writer, kv []KeyValue, tensors []TensorInfo, alignment int) (*Writer, error) {
	kv, align, err := resolveAlignment(kv, alignment)
	if err != nil {
		return nil, err
	}
	seen := make(map[string]bool, len(kv))
	for _, e := range kv {
		if seen[e.Key] {
			return nil, fmt.Errorf("gguf: key %q appears twice", e.Key)
		}
		seen[e.Key] = true
		if err := checkValue(e.Value, 0); err != nil {
			return nil, fmt.Errorf("gguf: key %q: %v", e.Key, err)
		}
	}
	gw := &Writer{bw: bufio.NewWriterSize(w, 1<<20), infos: tensors, align: align}
	types := make([]GGMLType, len(tensors))
	names := make(map[string]bool, len(tensors))
	for i, t := range tensors {
		if names[t.Name] {
			return nil, fmt.Errorf("gguf: tensor %q appears twice", t.Name)
		}
		names[t.Name] = true
		if len(t.Name) > MaxTensorName {
			return nil, fmt.Errorf("gguf: tensor %q: name longer than %d bytes", t.Name, MaxTensorName)
		}
		if len(t.Shape) > MaxDims {
			return nil, fmt.Errorf("gguf: tensor %q: shape %v has more than %d dimensions", t.Name, t.Shape, MaxDims)
		}
		g, ok := GGMLTypeOf(t.DType)
		if !ok {
			return nil, fmt.Errorf("gguf: tensor %q: dtype %s cannot be stored in GGUF", t.Name, t.DType)
		}
		types[i] = g
		n, err := weights.ExpectedBytes(t.DType, t.Shape)
		if err != nil {
			return nil, fmt.Errorf("gguf: tensor %q: %v", t.Name, err)
		}
		gw.sizes = append(gw.sizes, n)
	}

	gw.bytes([]byte(Magic))
	gw.u32(3)
	gw.u64(uint64(len(tensors)))
	gw.u64(uint64(len(kv)))
	for _, e := range kv {
		gw.str(e.Key)
		gw.u32(uint32(e.Value.typ))
		gw.value(e.Value)
	}
	var off int64
	for i, t := range tensors {
		gw.str(t.Name)
		gw.u32(uint32(len(t.Shape)))
		for j := len(t.Shape) - 1; j >= 0; j-- {
			gw.u64(uint64(t.Shape[j]))
		}
		gw.u32(uint32(types[i]))
		gw.u64(uint64(off))
		off += int64(alignUp(gw.sizes[i], align))
	}
	gw.pad()
	if gw.err != nil {
		return nil, gw.err
	}
	return gw, nil
}

// WriteTensor writes the bytes of the next tensor of the table, which must
// be called name and hold exactly the bytes its dtype and shape need.
func (w *Writer) WriteTensor(name string, data []byte) error {
	if w.err != nil {
		return w.err
	}
	if w.next >= len(w.infos) {
		return fmt.Errorf("gguf: tensor %q: all %d tensors are already written", name, len(w.infos))
	}
	t := w.infos[w.next]
	if name != t.Name {
		return fmt.Errorf("gguf: tensor %q written where %q comes next", name, t.Name)
	}
	if len(data) != w.sizes[w.next] {
		return fmt.Errorf("gguf: tensor %q: %s %v needs %d bytes, got %d", name, t.DType, t.Shape, w.sizes[w.next], len(data))
	}
	w.bytes(data)
	w.pad()
	w.next++
	return w.err
}

// Close flushes the file; it returns an error if tensors were left
// unwritten. It does not close the underlying io.Writer.
func (w *Writer) Close() error {
	if w.err != nil {
		return w.err
	}
	if w.next != len(w.infos) {
		return fmt.Errorf("gguf: %d of %d tensors written; next is %q", w.next, len(w.infos), w.infos[w.next].Name)
	}
	if err := w.bw.Flush(); err != nil {
		w.err = err
	}
	return w.err
}

func resolveAlignment(kv []KeyValue, alignment int) ([]KeyValue, int, error) {
	fromKV := -1
	for _, e := range kv {
		if e.Key != KeyAlignment {
			continue
		}
		a, ok := e.Value.AsUint()
		if e.Value.Type() != TypeUint32 || !ok {
			return nil, 0, fmt.Errorf("gguf: key %q has type %s, want uint32", KeyAlignment, e.Value.Type())
		}
		fromKV = int(a)
	}
	switch {
	case alignment == 0 && fromKV < 0:
		alignment = DefaultAlignment
	case alignment == 0:
		alignment = fromKV
	case fromKV >= 0 && fromKV != alignment:
		return nil, 0, fmt.Errorf("gguf: alignment %d disagrees with %s = %d", alignment, KeyAlignment, fromKV)
	}
	if alignment <= 0 || alignment&(alignment-1) != 0 || alignment > maxAlignment {
		return nil, 0, fmt.Errorf("gguf: alignment %d is not a power of two (at most %d)", alignment, maxAlignment)
	}
	if fromKV < 0 && alignment != DefaultAlignment {
		kv = append(kv[:len(kv):len(kv)], KeyValue{Key: KeyAlignment, Value: Uint32(uint32(alignment))})
	}
	return kv, alignment, nil
}

// checkValue checks that v can be encoded.
func checkValue(v Value, depth int) error {
	if !v.typ.Valid() {
		return fmt.Errorf("unknown value type %d", uint32(v.typ))
	}
	if v.typ != TypeArray {
		return nil
	}
	if depth >= MaxArrayDepth {
		return fmt.Errorf("arrays nested more than %d deep", MaxArrayDepth)
	}
	if v.elem == TypeArray {
		vals, ok := v.Values()
		if !ok {
			return errors.New("array of arrays without elements")
		}
		for i, e := range vals {
			if e.typ != TypeArray {
				return fmt.Errorf("element %d of an array of arrays is a %s", i, e.typ)
			}
			if err := checkValue(e, depth+1); err != nil {
				return fmt.Errorf("element %d: %v", i, err)
			}
		}
	}
	return nil
}

func (w *Writer) bytes(b []byte) {
	if w.err != nil {
		return
	}
	_, w.err = w.bw.Write(b)
	w.pos += int64(len(b))
}

func (w *Writer) u8(x uint8) { w.tmp[0] = x; w.bytes(w.tmp[:1]) }

func (w *Writer) u16(x uint16) { binary.LittleEndian.PutUint16(w.tmp[:], x); w.bytes(w.tmp[:2]) }

func (w *Writer) u32(x uint32) { binary.LittleEndian.PutUint32(w.tmp[:], x); w.bytes(w.tmp[:4]) }

func (w *Writer) u64(x uint64) { binary.LittleEndian.PutUint64(w.tmp[:], x); w.bytes(w.tmp[:8]) }

func (w *Writer) str(s string) {
	w.u64(uint64(len(s)))
	if w.err != nil {
		return
	}
	_, w.err = w.bw.WriteString(s)
	w.pos += int64(len(s))
}

var zeros [256]byte

// pad writes zeros up to the next multiple of the alignment.
func (w *Writer) pad() {
	n := int(int64(alignUp(int(w.pos), w.align)) - w.pos)
	for n > 0 {
		k := min(n, len(zeros))
		w.bytes(zeros[:k])
		n -= k
	}
}

// value writes v's encoding (without its type, which the caller wrote).
func (w *Writer) value(v Value) {
	switch v.typ {
	case TypeUint8, TypeInt8, TypeBool:
		w.u8(uint8(v.bits))
	case TypeUint16, TypeInt16:
		w.u16(uint16(v.bits))
	case TypeUint32, TypeInt32, TypeFloat32:
		w.u32(uint32(v.bits))
	case TypeUint64, TypeInt64, TypeFloat64:
		w.u64(v.bits)
	case TypeString:
		s, _ := v.AsString()
		w.str(s)
	case TypeArray:
		w.u32(uint32(v.elem))
		w.u64(uint64(v.Len()))
		w.array(v)
	}
}

func (w *Writer) array(v Value) {
	// Encode fixed-size elements in chunks to keep the calls few.
	var buf []byte
	flush := func(force bool) {
		if len(buf) >= 1<<16 || (force && len(buf) > 0) {
			w.bytes(buf)
			buf = buf[:0]
		}
	}
	le := binary.LittleEndian
	switch s := v.ref.(type) {
	case []uint8:
		w.bytes(s)
	case []int8:
		for _, x := range s {
			buf = append(buf, uint8(x))
			flush(false)
		}
	case []bool:
		for _, x := range s {
			var b uint8
			if x {
				b = 1
			}
			buf = append(buf, b)
			flush(false)
		}
	case []uint16:
		for _, x := range s {
			buf = le.AppendUint16(buf, x)
			flush(false)
		}
	case []int16:
		for _, x := range s {
			buf = le.AppendUint16(buf, uint16(x))
			flush(false)
		}
	case []uint32:
		for _, x := range s {
			buf = le.AppendUint32(buf, x)
			flush(false)
		}
	case []int32:
		for _, x := range s {
			buf = le.AppendUint32(buf, uint32(x))
			flush(false)
		}
	case []float32:
		for _, x := range s {
			buf = le.AppendUint32(buf, math.Float32bits(x))
			flush(false)
		}
	case []uint64:
		for _, x := range s {
			buf = le.AppendUint64(buf, x)
			flush(false)
		}
	case []int64:
		for _, x := range s {
			buf = le.AppendUint64(buf, uint64(x))
			flush(false)
		}
	case []float64:
		for _, x := range s {
			buf = le.AppendUint64(buf, math.Float64bits(x))
			flush(false)
		}
	case []string:
		for _, x := range s {
			w.str(x)
		}
	case []Value:
		for _, e := range s {
			w.value(e)
		}
	}
	flush(true)
}
