// Package gguf reads and writes GGUF files (versions 2 and 3), the model
// format of llama.cpp: typed metadata followed by tensors, as llama.cpp's
// gguf.cpp and gguf-py define it.
//
// Tensors become weights.Tensor values whose Data are views into the file
// (never copied) and whose Shape is outermost first: GGUF stores ggml's
// ne[] innermost first, and the reader reverses it, so a PyTorch [out, in]
// Linear weight, stored with ne = [in, out], reads back as [out, in].
//
// The reader treats its input as untrusted: every count and length is
// checked against the bytes that remain before anything is allocated, and
// bad input returns a *FormatError naming the file, the key or tensor, and
// the byte offset. A declared length the remaining bytes cannot back fails
// before any allocation; what Parse does allocate is proportional to the
// metadata actually present (string arrays cost their bytes plus one
// string header per element, arrays of arrays about three times their
// encoded size). Arrays may nest MaxArrayDepth deep.
//
// The reader is slightly more permissive than llama.cpp's: tensors may be
// stored in any order and with gaps (offsets need only be aligned, in
// bounds and disjoint), names may exceed 63 bytes, and arrays may nest. The
// writer produces what llama.cpp and gguf-py write, byte for byte.
package gguf

import (
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/torchless-go/torchless/models/weights"
)

// Magic is the four bytes every GGUF file starts with.
const Magic = "GGUF"

// DefaultAlignment is the alignment of tensor data when the file has no
// general.alignment key.
const DefaultAlignment = 32

// KeyAlignment is the metadata key that sets the alignment.
const KeyAlignment = "general.alignment"

// KeyArchitecture is the metadata key naming the model architecture.
const KeyArchitecture = "general.architecture"

// MaxDims is the largest number of dimensions a GGUF tensor can have.
const MaxDims = 4

// MaxArrayDepth is how deeply arrays of arrays may nest.
const MaxArrayDepth = 16

// maxAlignment bounds general.alignment (far above any real value).
const maxAlignment = 1 << 30

// Minimum encoded sizes, used to bound counts by the bytes remaining.
const (
	minKVBytes     = 8 + 4 + 1     // key length, type, one-byte value
	minTensorBytes = 8 + 4 + 4 + 8 // name length, n_dims, type, offset
	minArrayBytes  = 4 + 8         // element type, length
)

// FormatError describes malformed GGUF input.
type FormatError struct {
	File   string // the file name given to Parse or Open
	Offset int64  // byte offset of the bad field
	Where  string // the key or tensor being read ("key \"general.name\"", "tensor \"output.weight\"", "header")
	Msg    string
}

// Error formats the error as "gguf: FILE: offset N: WHERE: MSG".
func (e *FormatError) Error() string {
	return fmt.Sprintf("gguf: %s: offset %d: %s: %s", e.File, e.Offset, e.Where, e.Msg)
}

// File is a parsed GGUF file.
type File struct {
	// Path is the file's path (or the name given to Parse).
	Path string
	// Version is the format version (2 or 3).
	Version uint32
	// Alignment is the alignment of tensor data (general.alignment, or 32).
	Alignment int
	// KV holds the metadata in file order.
	KV []KeyValue
	// Tensors holds the tensors in file order. Their Data are views into
	// the file's bytes, valid until Close (of the File or of its Set).
	Tensors []*weights.Tensor
	// DataOffset is where the data section starts; tensor offsets in the
	// file are relative to it (Tensor.Offset is absolute).
	DataOffset int64

	keys    map[string]int
	tensors map[string]*weights.Tensor
	blob    *weights.Blob
	set     *weights.Set
}

// Open reads the GGUF file at path, eagerly into memory or memory-mapped
// (lazy), and parses it.
func Open(path string, mode weights.Mode) (*File, error) {
	return OpenContext(context.Background(), path, mode)
}

// OpenContext is Open, stopping with ctx's error if ctx is cancelled
// while an eager open reads the file.
func OpenContext(ctx context.Context, path string, mode weights.Mode) (*File, error) {
	b, err := weights.OpenBlobContext(ctx, path, mode)
	if err != nil {
		return nil, err
	}
	f, err := parse(path, b.Bytes())
	if err != nil {
		b.Close()
		return nil, err
	}
	f.blob = b
	return f, nil
}

// Parse parses GGUF bytes held in memory; name is used in messages. The
// tensors' Data are views into data, which must not be modified.
func Parse(name string, data []byte) (*File, error) {
	f, err := parse(name, data)
	if err != nil {
		return nil, err
	}
	f.blob = weights.BlobFromBytes(name, data)
	return f, nil
}

// Close releases the file's bytes (unmapping a lazily opened file).
// Tensors must not be used afterwards. Closing the File and its Set both
// is harmless.
func (f *File) Close() error {
	if f.set != nil {
		return f.set.Close()
	}
	return f.blob.Close()
}

// Set returns a weights.Set of the file's tensors. The set owns the file's
// bytes: closing it closes the file. Every call returns the same set.
func (f *File) Set() *weights.Set {
	if f.set == nil {
		s := weights.NewSet()
		for _, t := range f.Tensors {
			if err := s.Add(t); err != nil {
				panic(err) // names are checked unique by the parser
			}
		}
		s.Own(f.blob)
		f.set = s
	}
	return f.set
}

// Tensor returns the tensor called name, or nil.
func (f *File) Tensor(name string) *weights.Tensor { return f.tensors[name] }

// Get returns the value of key.
func (f *File) Get(key string) (Value, bool) {
	i, ok := f.keys[key]
	if !ok {
		return Value{}, false
	}
	return f.KV[i].Value, true
}

// Keys returns the metadata keys in file order.
func (f *File) Keys() []string {
	keys := make([]string, len(f.KV))
	for i, kv := range f.KV {
		keys[i] = kv.Key
	}
	return keys
}

// GetString returns a string value.
func (f *File) GetString(key string) (string, bool) {
	v, _ := f.Get(key)
	return v.AsString()
}

// GetUint returns an integer value of any integer type that is not
// negative.
func (f *File) GetUint(key string) (uint64, bool) {
	v, ok := f.Get(key)
	if !ok {
		return 0, false
	}
	return v.AsUint()
}

// GetInt returns an integer value of any integer type that fits int64.
func (f *File) GetInt(key string) (int64, bool) {
	v, ok := f.Get(key)
	if !ok {
		return 0, false
	}
	return v.AsInt()
}

// GetFloat returns a float32, float64 or integer value as float64.
func (f *File) GetFloat(key string) (float64, bool) {
	v, ok := f.Get(key)
	if !ok {
		return 0, false
	}
	return v.AsFloat()
}

// GetBool returns a bool value.
func (f *File) GetBool(key string) (bool, bool) {
	v, ok := f.Get(key)
	if !ok {
		return false, false
	}
	return v.AsBool()
}

// GetStrings returns a string array (the file's own slice: do not modify).
func (f *File) GetStrings(key string) ([]string, bool) {
	v, ok := f.Get(key)
	if !ok {
		return nil, false
	}
	return v.Strings()
}

// GetFloat32s returns a float32 array (the file's own slice: do not
// modify), or a float64 or integer array converted to float32 in a new
// slice.
func (f *File) GetFloat32s(key string) ([]float32, bool) {
	v, ok := f.Get(key)
	if !ok || v.typ != TypeArray {
		return nil, false
	}
	if s, ok := v.Float32s(); ok {
		return s, true
	}
	if s, ok := v.Float64s(); ok {
		out := make([]float32, len(s))
		for i, x := range s {
			out[i] = float32(x)
		}
		return out, true
	}
	if !v.elem.isInt() {
		return nil, false
	}
	out := make([]float32, v.Len())
	for i := range out {
		out[i] = float32(v.intAt(i))
	}
	return out, true
}

// GetInt32s returns an int32 array (the file's own slice: do not modify),
// or an array of another integer type converted to int32 in a new slice;
// ok is false when an element does not fit int32.
func (f *File) GetInt32s(key string) ([]int32, bool) {
	v, ok := f.Get(key)
	if !ok || v.typ != TypeArray {
		return nil, false
	}
	if s, ok := v.Int32s(); ok {
		return s, true
	}
	if !v.elem.isInt() {
		return nil, false
	}
	out := make([]int32, v.Len())
	for i := range out {
		x := v.intAt(i)
		if x < math.MinInt32 || x > math.MaxInt32 || (v.elem == TypeUint64 && v.ref.([]uint64)[i] > math.MaxInt32) {
			return nil, false
		}
		out[i] = int32(x)
	}
	return out, true
}

// GetValues returns the elements of an array of arrays.
func (f *File) GetValues(key string) ([]Value, bool) {
	v, ok := f.Get(key)
	if !ok {
		return nil, false
	}
	return v.Values()
}

// Architecture returns general.architecture ("llama", "phi3", ...), or ""
// when the file has none.
func (f *File) Architecture() string {
	s, _ := f.GetString(KeyArchitecture)
	return s
}

// intAt returns element i of an integer array as int64 (uint64 elements
// wrap; callers check).
func (v Value) intAt(i int) int64 {
	switch s := v.ref.(type) {
	case []uint8:
		return int64(s[i])
	case []int8:
		return int64(s[i])
	case []uint16:
		return int64(s[i])
	case []int16:
		return int64(s[i])
	case []uint32:
		return int64(s[i])
	case []int32:
		return int64(s[i])
	case []uint64:
		return int64(s[i])
	case []int64:
		return s[i]
	}
	return 0
}

// reader walks the bytes of a file.
type reader struct {
	name string
	data []byte
	off  int
	// What is being read, for errors: kind "header", "key" or "tensor";
	// the key or tensor name once known, else its index.
	kind  string
	label string
	index int
}

func (r *reader) errAt(off int, format string, args ...any) error {
	where := r.kind
	switch {
	case r.kind == "header":
	case r.label != "":
		where = fmt.Sprintf("%s %q", r.kind, r.label)
	default:
		where = fmt.Sprintf("%s #%d", r.kind, r.index)
	}
	return &FormatError{File: r.name, Offset: int64(off), Where: where, Msg: fmt.Sprintf(format, args...)}
}

func (r *reader) left() int { return len(r.data) - r.off }

// need checks that n more bytes are there.
func (r *reader) need(n int, what string) error {
	if n > r.left() {
		return r.errAt(r.off, "%s: need %d bytes, %d left (truncated file)", what, n, r.left())
	}
	return nil
}

func (r *reader) u8(what string) (uint8, error) {
	if err := r.need(1, what); err != nil {
		return 0, err
	}
	r.off++
	return r.data[r.off-1], nil
}

func (r *reader) u16(what string) (uint16, error) {
	if err := r.need(2, what); err != nil {
		return 0, err
	}
	r.off += 2
	return binary.LittleEndian.Uint16(r.data[r.off-2:]), nil
}

func (r *reader) u32(what string) (uint32, error) {
	if err := r.need(4, what); err != nil {
		return 0, err
	}
	r.off += 4
	return binary.LittleEndian.Uint32(r.data[r.off-4:]), nil
}

func (r *reader) u64(what string) (uint64, error) {
	if err := r.need(8, what); err != nil {
		return 0, err
	}
	r.off += 8
	return binary.LittleEndian.Uint64(r.data[r.off-8:]), nil
}

// count reads a uint64 count of items of at least minSize bytes each and
// checks that that many could fit in the bytes left.
func (r *reader) count(what string, minSize int) (int, error) {
	at := r.off
	n, err := r.u64(what)
	if err != nil {
		return 0, err
	}
	if n > uint64(r.left()/minSize) {
		return 0, r.errAt(at, "%s %d cannot fit in the %d bytes left (at least %d bytes each): truncated or corrupt", what, n, r.left(), minSize)
	}
	return int(n), nil
}

// strBytes reads a string's length and returns its bytes (a view).
func (r *reader) strBytes(what string) ([]byte, error) {
	at := r.off
	if r.left() < 8 {
		return nil, r.errAt(r.off, "%s length: need 8 bytes, %d left (truncated file)", what, r.left())
	}
	n := binary.LittleEndian.Uint64(r.data[r.off:])
	r.off += 8
	if n > uint64(r.left()) {
		return nil, r.errAt(at, "%s length %d is larger than the %d bytes left", what, n, r.left())
	}
	r.off += int(n)
	return r.data[r.off-int(n) : r.off], nil
}

func (r *reader) str(what string) (string, error) {
	b, err := r.strBytes(what)
	return string(b), err
}

// value reads a value of type t.
func (r *reader) value(t ValueType, depth int) (Value, error) {
	switch t {
	case TypeString:
		s, err := r.str("string")
		return Value{typ: TypeString, ref: s}, err
	case TypeArray:
		return r.array(depth)
	case TypeUint8, TypeInt8, TypeBool:
		b, err := r.u8(t.String())
		v := Value{typ: t, bits: uint64(b)}
		if t == TypeInt8 {
			v.bits = uint64(int64(int8(b)))
		}
		if t == TypeBool && b > 1 {
			return Value{}, r.errAt(r.off-1, "bool value %d is neither 0 nor 1", b)
		}
		return v, err
	case TypeUint16, TypeInt16:
		x, err := r.u16(t.String())
		v := Value{typ: t, bits: uint64(x)}
		if t == TypeInt16 {
			v.bits = uint64(int64(int16(x)))
		}
		return v, err
	case TypeUint32, TypeInt32, TypeFloat32:
		x, err := r.u32(t.String())
		v := Value{typ: t, bits: uint64(x)}
		if t == TypeInt32 {
			v.bits = uint64(int64(int32(x)))
		}
		return v, err
	case TypeUint64, TypeInt64, TypeFloat64:
		x, err := r.u64(t.String())
		return Value{typ: t, bits: x}, err
	}
	return Value{}, r.errAt(r.off-4, "unknown value type %d", uint32(t))
}

// array reads an array's element type, length and elements.
func (r *reader) array(depth int) (Value, error) {
	if depth >= MaxArrayDepth {
		return Value{}, r.errAt(r.off, "arrays nested more than %d deep", MaxArrayDepth)
	}
	et, err := r.u32("array element type")
	if err != nil {
		return Value{}, err
	}
	elem := ValueType(et)
	if !elem.Valid() {
		return Value{}, r.errAt(r.off-4, "unknown array element type %d", et)
	}
	minSize := elem.size()
	switch elem {
	case TypeString:
		minSize = 8
	case TypeArray:
		minSize = minArrayBytes
	}
	n, err := r.count("array length", minSize)
	if err != nil {
		return Value{}, err
	}
	v := Value{typ: TypeArray, elem: elem}
	switch elem {
	case TypeString:
		v.ref, err = r.strings(n)
		return v, err
	case TypeArray:
		// n is bounded by the bytes left, but a chain of nested arrays
		// could each claim all of them: check that the n arrays are
		// really there before allocating for them.
		start := r.off
		for range n {
			if err := r.skipArray(depth + 1); err != nil {
				return Value{}, err
			}
		}
		r.off = start
		vals := make([]Value, n)
		for i := range vals {
			if vals[i], err = r.array(depth + 1); err != nil {
				return Value{}, err
			}
		}
		v.ref = vals
		return v, nil
	}
	if n == 0 {
		v.ref = emptyArrays[elem] // no allocation for the slice header
		return v, nil
	}
	// Fixed-size elements: count already guarantees n·size bytes are there.
	b := r.data[r.off : r.off+n*minSize]
	r.off += n * minSize
	le := binary.LittleEndian
	switch elem {
	case TypeUint8:
		s := make([]uint8, n)
		copy(s, b)
		v.ref = s
	case TypeInt8:
		s := make([]int8, n)
		for i := range s {
			s[i] = int8(b[i])
		}
		v.ref = s
	case TypeBool:
		s := make([]bool, n)
		for i := range s {
			if b[i] > 1 {
				return Value{}, r.errAt(r.off-n+i, "bool array element %d is %d, neither 0 nor 1", i, b[i])
			}
			s[i] = b[i] != 0
		}
		v.ref = s
	case TypeUint16:
		v.ref = decodeArray(b, n, 2, func(e []byte) uint16 { return le.Uint16(e) })
	case TypeInt16:
		v.ref = decodeArray(b, n, 2, func(e []byte) int16 { return int16(le.Uint16(e)) })
	case TypeUint32:
		v.ref = decodeArray(b, n, 4, le.Uint32)
	case TypeInt32:
		v.ref = decodeArray(b, n, 4, func(e []byte) int32 { return int32(le.Uint32(e)) })
	case TypeFloat32:
		v.ref = decodeArray(b, n, 4, func(e []byte) float32 { return math.Float32frombits(le.Uint32(e)) })
	case TypeUint64:
		v.ref = decodeArray(b, n, 8, le.Uint64)
	case TypeInt64:
		v.ref = decodeArray(b, n, 8, func(e []byte) int64 { return int64(le.Uint64(e)) })
	case TypeFloat64:
		v.ref = decodeArray(b, n, 8, func(e []byte) float64 { return math.Float64frombits(le.Uint64(e)) })
	}
	return v, nil
}

// emptyArrays holds an empty slice of each element type, boxed once.
var emptyArrays = [numTypes]any{
	TypeUint8: []uint8{}, TypeInt8: []int8{}, TypeUint16: []uint16{}, TypeInt16: []int16{},
	TypeUint32: []uint32{}, TypeInt32: []int32{}, TypeFloat32: []float32{}, TypeBool: []bool{},
	TypeString: []string{}, TypeArray: []Value{}, TypeUint64: []uint64{}, TypeInt64: []int64{},
	TypeFloat64: []float64{},
}

// skipArray checks the structure of an array (element type, lengths,
// nesting) without allocating, leaving r after it.
func (r *reader) skipArray(depth int) error {
	if depth >= MaxArrayDepth {
		return r.errAt(r.off, "arrays nested more than %d deep", MaxArrayDepth)
	}
	et, err := r.u32("array element type")
	if err != nil {
		return err
	}
	elem := ValueType(et)
	if !elem.Valid() {
		return r.errAt(r.off-4, "unknown array element type %d", et)
	}
	minSize := elem.size()
	switch elem {
	case TypeString:
		minSize = 8
	case TypeArray:
		minSize = minArrayBytes
	}
	n, err := r.count("array length", minSize)
	if err != nil {
		return err
	}
	switch elem {
	case TypeString:
		for range n {
			if _, err := r.strBytes("array string"); err != nil {
				return err
			}
		}
	case TypeArray:
		for range n {
			if err := r.skipArray(depth + 1); err != nil {
				return err
			}
		}
	default:
		r.off += n * minSize
	}
	return nil
}

// strings reads n strings. A first pass checks every length against the
// bytes left and sums them; the second copies all the strings into one
// allocation and slices it, so a vocabulary of 100k tokens costs two
// allocations, never more than the bytes the strings take in the file.
func (r *reader) strings(n int) ([]string, error) {
	start := r.off
	total := 0
	for i := range n {
		b, err := r.strBytes("array string")
		if err != nil {
			err.(*FormatError).Msg += fmt.Sprintf(" (element %d of %d)", i, n)
			return nil, err
		}
		total += len(b)
	}
	r.off = start
	var sb strings.Builder
	sb.Grow(total)
	for range n {
		b, _ := r.strBytes("")
		sb.Write(b)
	}
	all := sb.String()
	out := make([]string, n)
	r.off = start
	pos := 0
	for i := range out {
		b, _ := r.strBytes("")
		out[i] = all[pos : pos+len(b)]
		pos += len(b)
	}
	return out, nil
}

func parse(name string, data []byte) (*File, error) {
	r := &reader{name: name, data: data, kind: "header"}
	if len(data) < 4 || string(data[:4]) != Magic {
		n := min(len(data), 4)
		return nil, r.errAt(0, "magic %q is not %q: not a GGUF file", data[:n], Magic)
	}
	r.off = 4
	version, err := r.u32("version")
	if err != nil {
		return nil, err
	}
	if version != 2 && version != 3 {
		return nil, r.errAt(4, "version %d is not supported (only 2 and 3)", version)
	}
	nTensors, err := r.count("tensor count", minTensorBytes)
	if err != nil {
		return nil, err
	}
	nKV, err := r.count("metadata count", minKVBytes)
	if err != nil {
		return nil, err
	}
	f := &File{
		Path:      name,
		Version:   version,
		Alignment: DefaultAlignment,
		KV:        make([]KeyValue, 0, min(nKV, 1024)),
		keys:      make(map[string]int, min(nKV, 1024)),
	}

	alignAt := -1
	for i := range nKV {
		at := r.off
		r.kind, r.label, r.index = "key", "", i
		key, err := r.str("key")
		if err != nil {
			return nil, err
		}
		r.label = key
		if _, dup := f.keys[key]; dup {
			return nil, r.errAt(at, "key appears twice")
		}
		t, err := r.u32("value type")
		if err != nil {
			return nil, err
		}
		if !ValueType(t).Valid() {
			return nil, r.errAt(r.off-4, "unknown value type %d", t)
		}
		v, err := r.value(ValueType(t), 0)
		if err != nil {
			return nil, err
		}
		if key == KeyAlignment {
			alignAt = at
		}
		f.keys[key] = len(f.KV)
		f.KV = append(f.KV, KeyValue{Key: key, Value: v})
	}
	if alignAt >= 0 {
		r.kind, r.label = "key", KeyAlignment
		v := f.KV[f.keys[KeyAlignment]].Value
		if v.Type() != TypeUint32 {
			return nil, r.errAt(alignAt, "alignment has type %s, want uint32", v.Type())
		}
		a, _ := v.AsUint()
		if a == 0 || a&(a-1) != 0 || a > maxAlignment {
			return nil, r.errAt(alignAt, "alignment %d is not a power of two (at most %d)", a, maxAlignment)
		}
		f.Alignment = int(a)
	}

	type info struct {
		at   int   // offset of the tensor info, for messages
		rel  int64 // data offset relative to the data section
		size int
	}
	infos := make([]info, 0, min(nTensors, 1024))
	f.Tensors = make([]*weights.Tensor, 0, min(nTensors, 1024))
	f.tensors = make(map[string]*weights.Tensor, min(nTensors, 1024))
	for i := range nTensors {
		at := r.off
		r.kind, r.label, r.index = "tensor", "", i
		tname, err := r.str("name")
		if err != nil {
			return nil, err
		}
		r.label = tname
		if _, dup := f.tensors[tname]; dup {
			return nil, r.errAt(at, "tensor name appears twice")
		}
		nd, err := r.u32("n_dims")
		if err != nil {
			return nil, err
		}
		if nd > MaxDims {
			return nil, r.errAt(r.off-4, "n_dims %d is more than %d", nd, MaxDims)
		}
		shape := make([]int, nd)
		for j := range int(nd) {
			ne, err := r.u64("dimension")
			if err != nil {
				return nil, err
			}
			if ne > 1<<50 {
				return nil, r.errAt(r.off-8, "dimension %d is %d, too large", j, ne)
			}
			shape[int(nd)-1-j] = int(ne) // ne is innermost first; Shape outermost first
		}
		gt, err := r.u32("type")
		if err != nil {
			return nil, err
		}
		dt, ok := GGMLType(gt).DType()
		if !ok {
			return nil, r.errAt(r.off-4, "ggml type %s (%d) is not supported", GGMLType(gt), gt)
		}
		size, err := weights.ExpectedBytes(dt, shape)
		if err != nil {
			return nil, r.errAt(at, "%v", err)
		}
		offAt := r.off
		rel, err := r.u64("offset")
		if err != nil {
			return nil, err
		}
		if rel > uint64(len(data)) {
			return nil, r.errAt(offAt, "data offset %d is past the end of the file (%d bytes)", rel, len(data))
		}
		if rel%uint64(f.Alignment) != 0 {
			return nil, r.errAt(offAt, "data offset %d is not a multiple of the alignment %d", rel, f.Alignment)
		}
		t := &weights.Tensor{Name: tname, DType: dt, Shape: shape}
		f.Tensors = append(f.Tensors, t)
		f.tensors[tname] = t
		infos = append(infos, info{at: at, rel: int64(rel), size: size})
	}

	f.DataOffset = int64(alignUp(r.off, f.Alignment))
	for i, t := range f.Tensors {
		in := infos[i]
		start := f.DataOffset + in.rel
		end := start + int64(in.size)
		if end > int64(len(data)) {
			r.kind, r.label = "tensor", t.Name
			return nil, r.errAt(in.at, "data [%d, %d) runs past the end of the file (%d bytes)", start, end, len(data))
		}
		t.Offset = start
		t.Data = data[start:end:end]
	}
	order := make([]int, len(f.Tensors))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return infos[order[a]].rel < infos[order[b]].rel })
	var p *weights.Tensor // the last tensor with data, in offset order
	for _, k := range order {
		q := f.Tensors[k]
		if len(q.Data) == 0 {
			continue
		}
		if p != nil && p.Offset+int64(len(p.Data)) > q.Offset {
			r.kind, r.label = "tensor", q.Name
			return nil, r.errAt(infos[k].at, "data [%d, %d) overlaps tensor %q at [%d, %d)",
				q.Offset, q.Offset+int64(len(q.Data)), p.Name, p.Offset, p.Offset+int64(len(p.Data)))
		}
		p = q
	}
	return f, nil
}

func alignUp(n, a int) int { return (n + a - 1) / a * a }

// decodeArray decodes n little-endian elements of size bytes each.
func decodeArray[T any](b []byte, n, size int, decode func([]byte) T) []T {
	s := make([]T, n)
	for i := range s {
		s[i] = decode(b[size*i:])
	}
	return s
}
