// Package safetensors reads and writes the Hugging Face safetensors format:
// an 8-byte little-endian header length N, N bytes of JSON header
// ({name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__":
// {string: string}}), then the byte buffer that the offsets index.
//
// Readers never copy tensor bytes: each Tensor.Data is a view into the
// file's contents (in memory or memory-mapped, see weights.Mode). Every
// header field is checked before use; bad input gives an *Error naming
// the file and the tensor or field, never a panic.
package safetensors

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"github.com/torchless-go/torchless/models/internal/jsonobj"
	"sort"

	"github.com/torchless-go/torchless/kernels"
	"github.com/torchless-go/torchless/models/weights"
)

// MaxHeaderBytes bounds the JSON header (100 MB, as the reference
// implementation does); a larger declared length is an error.
const MaxHeaderBytes = 100 << 20

// MetadataKey is the header key holding the free-form string metadata.
const MetadataKey = "__metadata__"

// Error is a problem with the contents of a file, naming the file and
// the tensor or field.
type Error = weights.FormatError

func errorf(file, tensor, field, format string, args ...any) error {
	return weights.Errorf(file, tensor, field, format, args...)
}

// File is one parsed safetensors file.
type File struct {
	// Path is the name the file was opened or parsed under.
	Path string
	// Metadata is the header's "__metadata__" (empty when absent).
	Metadata map[string]string
	// HeaderBytes is the declared header length N.
	HeaderBytes int

	weights.FileTensors // Tensors, Get, Names, Set, Close
}

// dtypeNames maps the safetensors dtype strings this package supports.
var dtypeNames = map[string]kernels.DType{
	"F32":  kernels.F32,
	"F16":  kernels.F16,
	"BF16": kernels.BF16,
	"F64":  kernels.F64,
	"I8":   kernels.I8,
	"U8":   kernels.U8,
	"I16":  kernels.I16,
	"I32":  kernels.I32,
	"I64":  kernels.I64,
}

// DTypeName returns the safetensors spelling of dt, or an error when
// safetensors cannot hold dt (quantized and torchless types).
func DTypeName(dt kernels.DType) (string, error) {
	for name, d := range dtypeNames {
		if d == dt {
			return name, nil
		}
	}
	return "", fmt.Errorf("dtype %s cannot be stored in safetensors", dt)
}

// ParseDType returns the DType of a safetensors dtype string.
func ParseDType(s string) (kernels.DType, error) {
	dt, ok := dtypeNames[s]
	if !ok {
		return 0, fmt.Errorf("unsupported safetensors dtype %q", s)
	}
	return dt, nil
}

type tensorEntry struct {
	DType       *string  `json:"dtype"`
	Shape       *[]int64 `json:"shape"`
	DataOffsets *[]int64 `json:"data_offsets"`
}

// Parse parses a whole safetensors file held in data. name is used in
// error messages and as File.Path. The tensors' Data are views into data.
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
	hdr := data[8 : 8+n]
	buf := data[8+n:]
	members, err := jsonobj.Decode(hdr)
	if err != nil {
		return nil, errorf(name, "", "header", "invalid JSON: %v", err)
	}
	f := &File{Path: name, Metadata: map[string]string{}, HeaderBytes: int(n)}
	type span struct {
		begin, end int64
		t          *weights.Tensor
	}
	spans := make([]span, 0, len(members))
	for _, m := range members {
		if m.Key == MetadataKey {
			md, err := parseMetadata(m.Value)
			if err != nil {
				return nil, errorf(name, "", MetadataKey, "%v", err)
			}
			f.Metadata = md
			continue
		}
		var e tensorEntry
		if err := json.Unmarshal(m.Value, &e); err != nil {
			return nil, errorf(name, m.Key, "", "invalid entry: %v", err)
		}
		if e.DType == nil {
			return nil, errorf(name, m.Key, "dtype", "missing")
		}
		if e.Shape == nil {
			return nil, errorf(name, m.Key, "shape", "missing")
		}
		if e.DataOffsets == nil {
			return nil, errorf(name, m.Key, "data_offsets", "missing")
		}
		dt, ok := dtypeNames[*e.DType]
		if !ok {
			return nil, errorf(name, m.Key, "dtype", "unsupported dtype %q", *e.DType)
		}
		shape := make([]int, len(*e.Shape))
		for i, d := range *e.Shape {
			if d < 0 || d > 1<<50 {
				return nil, errorf(name, m.Key, "shape", "dimension %d out of range in %v", d, *e.Shape)
			}
			shape[i] = int(d)
		}
		want, err := weights.ExpectedBytes(dt, shape)
		if err != nil {
			return nil, errorf(name, m.Key, "shape", "%v", err)
		}
		offs := *e.DataOffsets
		if len(offs) != 2 {
			return nil, errorf(name, m.Key, "data_offsets", "want [begin, end], got %d numbers", len(offs))
		}
		begin, end := offs[0], offs[1]
		switch {
		case begin < 0 || end < 0:
			return nil, errorf(name, m.Key, "data_offsets", "negative offset in [%d, %d]", begin, end)
		case begin > end:
			return nil, errorf(name, m.Key, "data_offsets", "begin %d is after end %d", begin, end)
		case end > int64(len(buf)):
			return nil, errorf(name, m.Key, "data_offsets", "end %d is past the end of the %d-byte data buffer", end, len(buf))
		case end-begin != int64(want):
			return nil, errorf(name, m.Key, "data_offsets", "%s %v needs %d bytes, the offsets give %d", dt, shape, want, end-begin)
		}
		t := &weights.Tensor{
			Name:   m.Key,
			DType:  dt,
			Shape:  shape,
			Data:   buf[begin:end:end],
			Offset: int64(8+n) + begin,
		}
		spans = append(spans, span{begin, end, t})
	}
	sort.SliceStable(spans, func(i, j int) bool {
		if spans[i].begin != spans[j].begin {
			return spans[i].begin < spans[j].begin
		}
		return spans[i].end < spans[j].end
	})
	for i, s := range spans {
		if i > 0 && s.begin < spans[i-1].end {
			return nil, errorf(name, s.t.Name, "data_offsets", "bytes [%d, %d) overlap tensor %q at [%d, %d)",
				s.begin, s.end, spans[i-1].t.Name, spans[i-1].begin, spans[i-1].end)
		}
		f.AddTensor(s.t)
	}
	return f, nil
}

func parseMetadata(raw json.RawMessage) (map[string]string, error) {
	members, err := jsonobj.Decode(raw)
	if err != nil {
		return nil, err
	}
	md := make(map[string]string, len(members))
	for _, m := range members {
		var s string
		if err := json.Unmarshal(m.Value, &s); err != nil {
			return nil, fmt.Errorf("value of %q is not a string", m.Key)
		}
		md[m.Key] = s
	}
	return md, nil
}

// Open opens and parses the safetensors file at path. In weights.Lazy
// mode the file is memory-mapped; the File keeps the blob until Close.
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
