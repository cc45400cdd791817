package safetensors

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"

	"github.com/torchless-go/torchless/kernels"
	"github.com/torchless-go/torchless/models/weights"
)

// Write writes tensors, in the given order, and metadata (which may be
// nil) as a safetensors file to w. The header JSON is padded with spaces
// to a multiple of 8 bytes, as the reference writer does, so the data
// buffer starts 8-byte aligned. It returns an error for invalid tensors
// (see weights.Tensor.Validate), dtypes safetensors cannot hold,
// duplicate names or the reserved name "__metadata__".
func Write(w io.Writer, tensors []*weights.Tensor, metadata map[string]string) error {
	hdr, err := header(tensors, metadata)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(w, 1<<20)
	var n [8]byte
	binary.LittleEndian.PutUint64(n[:], uint64(len(hdr)))
	bw.Write(n[:])
	bw.Write(hdr)
	for _, t := range tensors {
		if _, err := bw.Write(t.Data); err != nil {
			return err
		}
	}
	return bw.Flush()
}

func header(tensors []*weights.Tensor, metadata map[string]string) ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	first := true
	comma := func() {
		if !first {
			b.WriteByte(',')
		}
		first = false
	}
	if len(metadata) > 0 {
		keys := make([]string, 0, len(metadata))
		for k := range metadata {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		comma()
		b.WriteString(`"__metadata__":{`)
		for i, k := range keys {
			if i > 0 {
				b.WriteByte(',')
			}
			writeJSON(&b, k)
			b.WriteByte(':')
			writeJSON(&b, metadata[k])
		}
		b.WriteByte('}')
	}
	seen := map[string]bool{}
	var off int64
	for _, t := range tensors {
		if t.Name == MetadataKey {
			return nil, fmt.Errorf("safetensors: tensor name %q is reserved", t.Name)
		}
		if seen[t.Name] {
			return nil, fmt.Errorf("safetensors: tensor %q appears twice", t.Name)
		}
		seen[t.Name] = true
		name, err := DTypeName(t.DType)
		if err != nil {
			return nil, fmt.Errorf("safetensors: tensor %q: %v", t.Name, err)
		}
		if err := t.Validate(); err != nil {
			return nil, fmt.Errorf("safetensors: %v", err)
		}
		comma()
		writeJSON(&b, t.Name)
		b.WriteString(`:{"dtype":`)
		writeJSON(&b, name)
		b.WriteString(`,"shape":[`)
		for i, d := range t.Shape {
			if i > 0 {
				b.WriteByte(',')
			}
			fmt.Fprint(&b, d)
		}
		end := off + int64(len(t.Data))
		fmt.Fprintf(&b, `],"data_offsets":[%d,%d]}`, off, end)
		off = end
	}
	b.WriteByte('}')
	for b.Len()%8 != 0 {
		b.WriteByte(' ')
	}
	return b.Bytes(), nil
}

func writeJSON(b *bytes.Buffer, s string) {
	enc, _ := json.Marshal(s) // a string always marshals
	b.Write(enc)
}

// WriteFile writes a safetensors file at path (see Write). It writes a
// temporary file beside path and renames it, so readers never see a
// partial file.
func WriteFile(path string, tensors []*weights.Tensor, metadata map[string]string) error {
	return writeAtomic(path, func(w io.Writer) error { return Write(w, tensors, metadata) })
}

func writeAtomic(path string, write func(io.Writer) error) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	name := tmp.Name()
	err = write(tmp)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(name, path)
	}
	if err != nil {
		os.Remove(name)
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}

// F32Tensor is a named float32 array to write with WriteF32 or
// WriteF32File. Shape is outermost first; its product must equal
// len(Data).
type F32Tensor struct {
	Name  string
	Shape []int
	Data  []float32
}

// F32Tensors converts float32 arrays into F32 weights.Tensors (copying
// the values into little-endian bytes).
func F32Tensors(ts []F32Tensor) ([]*weights.Tensor, error) {
	out := make([]*weights.Tensor, len(ts))
	for i, t := range ts {
		want, err := weights.ExpectedBytes(kernels.F32, t.Shape)
		if err != nil {
			return nil, fmt.Errorf("safetensors: tensor %q: %v", t.Name, err)
		}
		if want != 4*len(t.Data) {
			return nil, fmt.Errorf("safetensors: tensor %q: shape %v holds %d values, data has %d", t.Name, t.Shape, want/4, len(t.Data))
		}
		data := make([]byte, 4*len(t.Data))
		for j, v := range t.Data {
			binary.LittleEndian.PutUint32(data[4*j:], math.Float32bits(v))
		}
		out[i] = &weights.Tensor{Name: t.Name, DType: kernels.F32, Shape: append([]int(nil), t.Shape...), Data: data}
	}
	return out, nil
}

// WriteF32 writes float32 arrays as F32 tensors to w (see Write).
func WriteF32(w io.Writer, ts []F32Tensor, metadata map[string]string) error {
	tensors, err := F32Tensors(ts)
	if err != nil {
		return err
	}
	return Write(w, tensors, metadata)
}

// WriteF32File writes float32 arrays as F32 tensors to the file at path
// (see WriteFile). The CLI's dump commands and caches use it.
func WriteF32File(path string, ts []F32Tensor, metadata map[string]string) error {
	tensors, err := F32Tensors(ts)
	if err != nil {
		return err
	}
	return WriteFile(path, tensors, metadata)
}
