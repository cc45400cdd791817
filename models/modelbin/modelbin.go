// Package modelbin reads and writes torchless's model.bin: the single-file
// format of the C++ torchless engine (and torchless-rs). Layout:
//
//	u64 little-endian header length N
//	N bytes of JSON header:
//	    {"metadata": {string: string},
//	     "tensors": {name: {"dtype", "shape", "offset", "scale_offset", "scale_size"}},
//	     "tokenizer": {"vocab": {token: id}, "merges": ["a b", ...]}}
//	payload: tensor bytes; offsets are relative to the payload start
//
// Where the payload starts: torchless-rs starts it at the first 64-byte
// boundary at or after 8+N (its writer pads the header with NUL bytes so
// that 8+N is itself aligned), while the original C++ exporter wrote the
// payload straight after the header, unpadded. Writers that pad make the
// two agree; for an unpadded header this reader uses the aligned start
// unless the tensors only fit when the payload starts at 8+N (a file from
// the C++ exporter). File.PayloadOffset says which was used. Trailing NUL
// bytes of the header are ignored, as torchless-rs does.
//
// dtypes: "f32", and "int8": torchless's grouped int8 (kernels.TLInt8),
// each group of 64 consecutive elements sharing one float32 scale, the
// weight being q / scale; its scales are scale_size float32 values at
// scale_offset (scale_size counts scales, not bytes). This package also
// accepts "f16", "bf16", "q8_0" and "q4_0" (ggml block layouts), which
// the reference engines do not.
//
// Tensor bytes are never copied (Tensor.Data views the file); int8 scales
// are converted into Tensor.Scales. Bad input gives an *Error naming the
// file and the tensor or field, never a panic.
package modelbin

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"github.com/torchless-go/torchless/models/internal/jsonobj"
	"math"
	"sort"
	"strings"

	"github.com/torchless-go/torchless/kernels"
	"github.com/torchless-go/torchless/models/weights"
)

// MaxHeaderBytes bounds the JSON header (1 GiB: it holds the whole
// vocabulary); a larger declared length is an error.
const MaxHeaderBytes = 1 << 30

// PayloadAlign is the alignment of the payload start and, in files this
// package writes, of every tensor and scale block within the payload.
const PayloadAlign = 64

// Error is a problem with the contents of a file, naming the file and
// the tensor or field.
type Error = weights.FormatError

func errorf(file, tensor, field, format string, args ...any) error {
	return weights.Errorf(file, tensor, field, format, args...)
}

// Tokenizer is the BPE tokenizer data a model.bin carries (copied by the
// exporter from tokenizer.json's "model").
type Tokenizer struct {
	// Vocab maps each token string to its id.
	Vocab map[string]int
	// Merges are the BPE merge rules in rank order, each "left right"
	// (two tokens separated by one space). Merges given as [left, right]
	// pairs (newer tokenizer.json files) are joined with a space.
	Merges []string
}

// File is one parsed model.bin.
type File struct {
	// Path is the name the file was opened or parsed under.
	Path string
	// Metadata is the header's "metadata": the model's configuration
	// as strings (hidden_size, n_layers, rope_theta, quant, ...).
	Metadata map[string]string
	// Tokenizer is the header's tokenizer, or nil when it has none.
	Tokenizer *Tokenizer
	// PayloadOffset is where the payload starts in the file.
	PayloadOffset int64

	weights.FileTensors // Tensors, Get, Names, Set, Close
}

// Open opens and parses the model.bin at path. In weights.Lazy mode the
// file is memory-mapped; the File keeps the blob until Close.
func Open(path string, mode weights.Mode) (*File, error) {
	return OpenContext(context.Background(), path, mode)
}

// OpenContext is Open, stopping with ctx's error if ctx is cancelled
// while an eager open reads the file.
func OpenContext(ctx context.Context, path string, mode weights.Mode) (*File, error) {
	blob, err := weights.OpenBlobContext(ctx, path, mode)
	if err != nil {
		return nil, err
	}
	f, err := Parse(path, blob.Bytes())
	if err != nil {
		blob.Close()
		return nil, err
	}
	f.Attach(blob)
	return f, nil
}

var dtypeNames = map[string]kernels.DType{
	"f32":  kernels.F32,
	"int8": kernels.TLInt8,
	"f16":  kernels.F16,
	"bf16": kernels.BF16,
	"q8_0": kernels.Q8_0,
	"q4_0": kernels.Q4_0,
}

// DTypeName returns the model.bin spelling of dt, or an error when the
// format cannot hold dt.
func DTypeName(dt kernels.DType) (string, error) {
	for name, d := range dtypeNames {
		if d == dt {
			return name, nil
		}
	}
	return "", fmt.Errorf("dtype %s cannot be stored in model.bin", dt)
}

type tensorEntry struct {
	DType       *string  `json:"dtype"`
	Shape       *[]int64 `json:"shape"`
	Offset      *int64   `json:"offset"`
	ScaleOffset *int64   `json:"scale_offset"`
	ScaleSize   *int64   `json:"scale_size"`
}

// pending is a tensor whose ranges are known but not yet placed in the
// payload (the payload start depends on them).
type pending struct {
	t                    *weights.Tensor
	begin, end           int64 // data, relative to the payload
	scaleBegin, scaleEnd int64 // scales, relative to the payload (int8 only)
}

// Parse parses a whole model.bin held in data. name is used in error
// messages and as File.Path. The tensors' Data are views into data.
func Parse(name string, data []byte) (*File, error) {
	if len(data) < 8 {
		return nil, errorf(name, "", "header length", "file is %d bytes, too short for the 8-byte header length", len(data))
	}
	n := binary.LittleEndian.Uint64(data)
	if n > MaxHeaderBytes {
		return nil, errorf(name, "", "header length", "%d bytes exceeds the limit of %d", n, MaxHeaderBytes)
	}
	if n > uint64(len(data)-8) {
		return nil, errorf(name, "", "header length", "%d bytes runs past the end of the %d-byte file", n, len(data))
	}
	hdr := bytes.TrimRight(data[8:8+n], "\x00")
	members, err := jsonobj.Decode(hdr)
	if err != nil {
		return nil, errorf(name, "", "header", "invalid JSON: %v", err)
	}
	f := &File{Path: name, Metadata: map[string]string{}}
	var tensorsRaw json.RawMessage
	for _, m := range members {
		switch m.Key {
		case "metadata":
			if f.Metadata, err = parseMetadata(m.Value); err != nil {
				return nil, errorf(name, "", "metadata", "%v", err)
			}
		case "tokenizer":
			if f.Tokenizer, err = parseTokenizer(m.Value); err != nil {
				return nil, errorf(name, "", "tokenizer", "%v", err)
			}
		case "tensors":
			tensorsRaw = m.Value
		}
	}
	if tensorsRaw == nil {
		return nil, errorf(name, "", "tensors", "missing")
	}
	entries, err := jsonobj.Decode(tensorsRaw)
	if err != nil {
		return nil, errorf(name, "", "tensors", "%v", err)
	}
	ps := make([]pending, 0, len(entries))
	var maxEnd int64
	for _, m := range entries {
		p, err := parseEntry(name, m.Key, m.Value)
		if err != nil {
			return nil, err
		}
		maxEnd = max(maxEnd, p.end, p.scaleEnd)
		ps = append(ps, p)
	}
	// Choose the payload start (see the package comment).
	size := int64(len(data))
	base := (8 + int64(n) + PayloadAlign - 1) / PayloadAlign * PayloadAlign
	if base+maxEnd > size && 8+int64(n)+maxEnd <= size {
		base = 8 + int64(n)
	}
	f.PayloadOffset = base
	payload := int64(0)
	if base <= size {
		payload = size - base
	}
	type span struct {
		begin, end int64
		what       string
		t          *weights.Tensor
	}
	spans := make([]span, 0, 2*len(ps))
	for _, p := range ps {
		t := p.t
		if p.end > payload {
			return nil, errorf(name, t.Name, "offset", "data [%d, %d) runs past the end of the %d-byte payload", p.begin, p.end, payload)
		}
		if p.scaleEnd > payload {
			return nil, errorf(name, t.Name, "scale_offset", "scales [%d, %d) run past the end of the %d-byte payload", p.scaleBegin, p.scaleEnd, payload)
		}
		t.Offset = base + p.begin
		t.Data = data[t.Offset : base+p.end : base+p.end]
		spans = append(spans, span{p.begin, p.end, "data", t})
		if t.DType == kernels.TLInt8 {
			sb := data[base+p.scaleBegin : base+p.scaleEnd]
			t.Scales = make([]float32, len(sb)/4)
			for i := range t.Scales {
				s := math.Float32frombits(binary.LittleEndian.Uint32(sb[4*i:]))
				if s == 0 || s != s {
					return nil, errorf(name, t.Name, "scales", "scale %d is %v", i, s)
				}
				t.Scales[i] = s
			}
			spans = append(spans, span{p.scaleBegin, p.scaleEnd, "scales", t})
		}
	}
	sort.SliceStable(spans, func(i, j int) bool {
		if spans[i].begin != spans[j].begin {
			return spans[i].begin < spans[j].begin
		}
		return spans[i].end < spans[j].end
	})
	for i := 1; i < len(spans); i++ {
		a, b := spans[i-1], spans[i]
		if b.begin < a.end {
			field := "offset"
			if b.what == "scales" {
				field = "scale_offset"
			}
			return nil, errorf(name, b.t.Name, field, "%s [%d, %d) overlap the %s of tensor %q at [%d, %d)",
				b.what, b.begin, b.end, a.what, a.t.Name, a.begin, a.end)
		}
	}
	for _, s := range spans {
		if s.what == "data" {
			f.AddTensor(s.t)
		}
	}
	return f, nil
}

func parseEntry(file, name string, raw json.RawMessage) (pending, error) {
	var e tensorEntry
	if err := json.Unmarshal(raw, &e); err != nil {
		return pending{}, errorf(file, name, "", "invalid entry: %v", err)
	}
	if e.DType == nil {
		return pending{}, errorf(file, name, "dtype", "missing")
	}
	if e.Shape == nil {
		return pending{}, errorf(file, name, "shape", "missing")
	}
	if e.Offset == nil {
		return pending{}, errorf(file, name, "offset", "missing")
	}
	dt, ok := dtypeNames[strings.ToLower(*e.DType)]
	if !ok {
		return pending{}, errorf(file, name, "dtype", "unsupported dtype %q", *e.DType)
	}
	shape := make([]int, len(*e.Shape))
	for i, d := range *e.Shape {
		if d < 0 || d > 1<<50 {
			return pending{}, errorf(file, name, "shape", "dimension %d out of range in %v", d, *e.Shape)
		}
		shape[i] = int(d)
	}
	want, err := weights.ExpectedBytes(dt, shape)
	if err != nil {
		return pending{}, errorf(file, name, "shape", "%v", err)
	}
	off := *e.Offset
	if off < 0 || off > 1<<60 {
		return pending{}, errorf(file, name, "offset", "%d out of range", off)
	}
	p := pending{t: &weights.Tensor{Name: name, DType: dt, Shape: shape}, begin: off, end: off + int64(want)}
	scaleSize := int64(0)
	if e.ScaleSize != nil {
		scaleSize = *e.ScaleSize
	}
	if dt != kernels.TLInt8 {
		if scaleSize != 0 {
			return pending{}, errorf(file, name, "scale_size", "%d scales given for dtype %s, which has none", scaleSize, *e.DType)
		}
		return p, nil
	}
	if len(shape) > 0 && shape[len(shape)-1]%kernels.TLInt8Group != 0 {
		return pending{}, errorf(file, name, "shape", "int8 row length %d is not a multiple of the group size %d",
			shape[len(shape)-1], kernels.TLInt8Group)
	}
	if e.ScaleOffset == nil || e.ScaleSize == nil {
		return pending{}, errorf(file, name, "scale_offset", "int8 tensor without scale_offset and scale_size")
	}
	groups := int64(want / kernels.TLInt8Group)
	if want%kernels.TLInt8Group != 0 {
		return pending{}, errorf(file, name, "shape", "%d elements are not whole groups of %d", want, kernels.TLInt8Group)
	}
	if scaleSize != groups {
		return pending{}, errorf(file, name, "scale_size", "%d scales, but %v needs %d (one per %d elements)", scaleSize, shape, groups, kernels.TLInt8Group)
	}
	so := *e.ScaleOffset
	if so < 0 || so > 1<<60 {
		return pending{}, errorf(file, name, "scale_offset", "%d out of range", so)
	}
	p.scaleBegin, p.scaleEnd = so, so+4*groups
	return p, nil
}

// parseMetadata reads a {string: scalar} object; non-string scalars are
// kept as their JSON text (so a number written unquoted still reads).
func parseMetadata(raw json.RawMessage) (map[string]string, error) {
	members, err := jsonobj.Decode(raw)
	if err != nil {
		return nil, err
	}
	md := make(map[string]string, len(members))
	for _, m := range members {
		var s string
		if json.Unmarshal(m.Value, &s) == nil {
			md[m.Key] = s
			continue
		}
		v := bytes.TrimSpace(m.Value)
		if len(v) > 0 && (v[0] == '{' || v[0] == '[') {
			return nil, fmt.Errorf("value of %q is not a string or number", m.Key)
		}
		md[m.Key] = string(v)
	}
	return md, nil
}

func parseTokenizer(raw json.RawMessage) (*Tokenizer, error) {
	var t struct {
		Vocab  map[string]int64  `json:"vocab"`
		Merges []json.RawMessage `json:"merges"`
	}
	if err := json.Unmarshal(raw, &t); err != nil {
		return nil, err
	}
	tok := &Tokenizer{Vocab: make(map[string]int, len(t.Vocab)), Merges: make([]string, len(t.Merges))}
	for s, id := range t.Vocab {
		if id < 0 || id > math.MaxInt32 {
			return nil, fmt.Errorf("vocab: token %q has id %d, out of range", s, id)
		}
		tok.Vocab[s] = int(id)
	}
	for i, m := range t.Merges {
		var s string
		if json.Unmarshal(m, &s) == nil {
			tok.Merges[i] = s
			continue
		}
		var pair []string
		if json.Unmarshal(m, &pair) != nil || len(pair) != 2 {
			return nil, fmt.Errorf("merges[%d]: not a string or a pair of strings", i)
		}
		tok.Merges[i] = pair[0] + " " + pair[1]
	}
	return tok, nil
}
