package modelbin

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

// Write writes a model.bin to w: metadata (may be nil), the tensors in the
// given order, and tok (nil writes no tokenizer; the reference engines
// need one). Every tensor and int8 scale block starts on a 64-byte
// boundary of the payload, and the header is padded with spaces so that
// the payload starts at 8+N, 64-byte aligned, which every reader agrees
// on. Tensors may be F32, F16, BF16, Q8_0, Q4_0, or TLInt8 with Scales
// (see QuantizeInt8); other dtypes, invalid tensors (weights.Tensor.Validate)
// and duplicate names are errors.
func Write(w io.Writer, metadata map[string]string, tensors []*weights.Tensor, tok *Tokenizer) error {
	var b bytes.Buffer
	b.WriteString(`{"metadata":{`)
	keys := make([]string, 0, len(metadata))
	for k := range metadata {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for i, k := range keys {
		if i > 0 {
			b.WriteByte(',')
		}
		writeJSON(&b, k)
		b.WriteByte(':')
		writeJSON(&b, metadata[k])
	}
	b.WriteString(`},"tensors":{`)
	type place struct{ data, scales int64 }
	places := make([]place, len(tensors))
	seen := map[string]bool{}
	var off int64
	align := func() { off = (off + PayloadAlign - 1) / PayloadAlign * PayloadAlign }
	for i, t := range tensors {
		if seen[t.Name] {
			return fmt.Errorf("modelbin: tensor %q appears twice", t.Name)
		}
		seen[t.Name] = true
		dt, err := DTypeName(t.DType)
		if err != nil {
			return fmt.Errorf("modelbin: tensor %q: %v", t.Name, err)
		}
		if err := t.Validate(); err != nil {
			return fmt.Errorf("modelbin: %v", err)
		}
		if i > 0 {
			b.WriteByte(',')
		}
		writeJSON(&b, t.Name)
		b.WriteString(`:{"dtype":`)
		writeJSON(&b, dt)
		b.WriteString(`,"shape":[`)
		for j, d := range t.Shape {
			if j > 0 {
				b.WriteByte(',')
			}
			fmt.Fprint(&b, d)
		}
		places[i].data = off
		fmt.Fprintf(&b, `],"offset":%d`, off)
		off += int64(len(t.Data))
		align()
		if t.DType == kernels.TLInt8 {
			places[i].scales = off
			fmt.Fprintf(&b, `,"scale_offset":%d,"scale_size":%d`, off, len(t.Scales))
			off += 4 * int64(len(t.Scales))
			align()
		}
		b.WriteByte('}')
	}
	b.WriteByte('}')
	if tok != nil {
		b.WriteString(`,"tokenizer":{"vocab":{`)
		toks := make([]string, 0, len(tok.Vocab))
		for s := range tok.Vocab {
			toks = append(toks, s)
		}
		sort.Slice(toks, func(i, j int) bool {
			a, c := tok.Vocab[toks[i]], tok.Vocab[toks[j]]
			if a != c {
				return a < c
			}
			return toks[i] < toks[j]
		})
		for i, s := range toks {
			if i > 0 {
				b.WriteByte(',')
			}
			writeJSON(&b, s)
			fmt.Fprintf(&b, ":%d", tok.Vocab[s])
		}
		b.WriteString(`},"merges":[`)
		for i, m := range tok.Merges {
			if i > 0 {
				b.WriteByte(',')
			}
			writeJSON(&b, m)
		}
		b.WriteString(`]}`)
	}
	b.WriteByte('}')
	for (8+b.Len())%PayloadAlign != 0 {
		b.WriteByte(' ')
	}

	bw := bufio.NewWriterSize(w, 1<<20)
	var n [8]byte
	binary.LittleEndian.PutUint64(n[:], uint64(b.Len()))
	bw.Write(n[:])
	bw.Write(b.Bytes())
	var pos int64
	pad := func(to int64) {
		for ; pos < to; pos++ {
			bw.WriteByte(0)
		}
	}
	for i, t := range tensors {
		pad(places[i].data)
		bw.Write(t.Data)
		pos += int64(len(t.Data))
		if t.DType == kernels.TLInt8 {
			pad(places[i].scales)
			var s [4]byte
			for _, v := range t.Scales {
				binary.LittleEndian.PutUint32(s[:], math.Float32bits(v))
				bw.Write(s[:])
			}
			pos += 4 * int64(len(t.Scales))
		}
	}
	return bw.Flush()
}

func writeJSON(b *bytes.Buffer, s string) {
	enc, _ := json.Marshal(s) // a string always marshals
	b.Write(enc)
}

// WriteFile writes a model.bin at path (see Write), through a temporary
// file beside it renamed into place.
func WriteFile(path string, metadata map[string]string, tensors []*weights.Tensor, tok *Tokenizer) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	name := tmp.Name()
	err = Write(tmp, metadata, tensors, tok)
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

// QuantizeInt8 quantizes data (shape outermost first; the row length
// must be a multiple of kernels.TLInt8Group) into a kernels.TLInt8
// tensor, as the torchless exporter does: for each group of 64
// consecutive values, scale = 127 / max|w| (in float32) and
// q = round(w·scale) with ties to even (torch.round), clamped to
// [-127, 127]; the weight reads back as q / scale. An all-zero group gets
// scale 1 (the exporter would divide by zero there), and a scale that
// overflows float32 (max|w| below ~3.7e-37) is capped at the largest
// float32. Non-finite values, a shape that does not hold len(data) values,
// or a bad row length are errors.
func QuantizeInt8(name string, shape []int, data []float32) (*weights.Tensor, error) {
	want, err := weights.ExpectedBytes(kernels.F32, shape)
	if err != nil {
		return nil, fmt.Errorf("modelbin: tensor %q: %v", name, err)
	}
	if want != 4*len(data) {
		return nil, fmt.Errorf("modelbin: tensor %q: shape %v holds %d values, data has %d", name, shape, want/4, len(data))
	}
	t := &weights.Tensor{Name: name, DType: kernels.TLInt8, Shape: append([]int(nil), shape...)}
	if c := t.Cols(); c%kernels.TLInt8Group != 0 {
		return nil, fmt.Errorf("modelbin: tensor %q: row length %d is not a multiple of %d", name, c, kernels.TLInt8Group)
	}
	t.Data = make([]byte, len(data))
	t.Scales = make([]float32, len(data)/kernels.TLInt8Group)
	for g := range t.Scales {
		group := data[g*kernels.TLInt8Group : (g+1)*kernels.TLInt8Group]
		var m float32
		for i, v := range group {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				return nil, fmt.Errorf("modelbin: tensor %q: value %d is %v", name, g*kernels.TLInt8Group+i, v)
			}
			m = max(m, float32(math.Abs(float64(v))))
		}
		scale := float32(1)
		if m > 0 {
			scale = 127 / m
			if math.IsInf(float64(scale), 0) {
				scale = math.MaxFloat32
			}
		}
		t.Scales[g] = scale
		q := t.Data[g*kernels.TLInt8Group:]
		for i, v := range group {
			r := math.RoundToEven(float64(float32(v * scale))) // round the product to float32 first, as torch does
			r = max(-127, min(127, r))
			q[i] = byte(int8(r))
		}
	}
	return t, nil
}
