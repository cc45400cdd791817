package modelbin

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/torchless-go/torchless/kernels"
	"github.com/torchless-go/torchless/models/weights"
)

func f32bytes(vs ...float32) []byte {
	b := make([]byte, 4*len(vs))
	for i, v := range vs {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(v))
	}
	return b
}

func randF32(r *rand.Rand, n int) []float32 {
	out := make([]float32, n)
	for i := range out {
		out[i] = float32(r.NormFloat64())
	}
	return out
}

// sample returns a small model's worth of tensors of every dtype, metadata
// and a tokenizer.
func sample(t testing.TB) ([]*weights.Tensor, map[string]string, *Tokenizer) {
	r := rand.New(rand.NewPCG(1, 2))
	q, err := QuantizeInt8("model.layers.0.mlp.gate_proj.weight", []int{3, 128}, randF32(r, 3*128))
	if err != nil {
		t.Fatal(err)
	}
	q1, err := QuantizeInt8("vec", []int{64}, randF32(r, 64))
	if err != nil {
		t.Fatal(err)
	}
	tensors := []*weights.Tensor{
		{Name: "model.embed_tokens.weight", DType: kernels.F32, Shape: []int{5, 3}, Data: f32bytes(randF32(r, 15)...)},
		q,
		{Name: "model.norm.weight", DType: kernels.F32, Shape: []int{3}, Data: f32bytes(1, 2, 3)},
		q1,
		{Name: "h", DType: kernels.F16, Shape: []int{2}, Data: []byte{0, 0x3c, 0, 0xc0}},
		{Name: "b", DType: kernels.BF16, Shape: []int{1, 2}, Data: []byte{0x80, 0x3f, 0, 0}},
		{Name: "q8", DType: kernels.Q8_0, Shape: []int{2, 32}, Data: bytes.Repeat([]byte{7}, 68)},
		{Name: "q4", DType: kernels.Q4_0, Shape: []int{32}, Data: bytes.Repeat([]byte{9}, 18)},
		{Name: "empty", DType: kernels.F32, Shape: []int{0}, Data: []byte{}},
	}
	md := map[string]string{"hidden_size": "3", "n_layers": "1", "rope_theta": "10000.0", "act_type": "silu", "quant": "int8"}
	tok := &Tokenizer{
		Vocab:  map[string]int{"<unk>": 0, "<s>": 1, "▁": 2, "H": 3, "e": 4, "He": 5, "a b": 6, "\"q\"": 7},
		Merges: []string{"H e", "▁ He"},
	}
	return tensors, md, tok
}

func encode(t testing.TB, md map[string]string, ts []*weights.Tensor, tok *Tokenizer) []byte {
	var buf bytes.Buffer
	if err := Write(&buf, md, ts, tok); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestRoundTrip(t *testing.T) {
	tensors, md, tok := sample(t)
	data := encode(t, md, tensors, tok)
	if n := binary.LittleEndian.Uint64(data); (8+n)%PayloadAlign != 0 {
		t.Errorf("8 + header length %d is not 64-aligned", n)
	}
	f, err := Parse("rt.bin", data)
	if err != nil {
		t.Fatal(err)
	}
	if f.PayloadOffset != 8+int64(binary.LittleEndian.Uint64(data)) {
		t.Errorf("payload at %d", f.PayloadOffset)
	}
	if !reflect.DeepEqual(f.Metadata, md) {
		t.Errorf("metadata %v, want %v", f.Metadata, md)
	}
	if !reflect.DeepEqual(f.Tokenizer, tok) {
		t.Errorf("tokenizer %+v, want %+v", f.Tokenizer, tok)
	}
	if len(f.Tensors) != len(tensors) {
		t.Fatalf("%d tensors, want %d", len(f.Tensors), len(tensors))
	}
	for i, want := range tensors {
		got := f.Get(want.Name)
		if got == nil {
			t.Fatalf("tensor %q missing", want.Name)
		}
		if f.Tensors[i] != got {
			t.Errorf("tensor %d is %q, want %q (offset order = write order)", i, f.Tensors[i].Name, want.Name)
		}
		if got.DType != want.DType || !reflect.DeepEqual(got.Shape, want.Shape) || !bytes.Equal(got.Data, want.Data) ||
			!reflect.DeepEqual(got.Scales, want.Scales) {
			t.Errorf("tensor %q differs", want.Name)
		}
		if got.Offset%PayloadAlign != 0 {
			t.Errorf("tensor %q at unaligned offset %d", want.Name, got.Offset)
		}
		if err := got.Validate(); err != nil {
			t.Error(err)
		}
	}
	// Rewriting gives the same bytes.
	if again := encode(t, f.Metadata, f.Tensors, f.Tokenizer); !bytes.Equal(again, data) {
		t.Error("rewrite differs")
	}
}

func TestRoundTripInt8Values(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	w := randF32(r, 4*192)
	w[5] = 0
	for i := 64; i < 128; i++ { // an all-zero group
		w[i] = 0
	}
	q, err := QuantizeInt8("w", []int{4, 192}, w)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "model.bin")
	if err := WriteFile(p, map[string]string{"quant": "int8"}, []*weights.Tensor{q}, nil); err != nil {
		t.Fatal(err)
	}
	for _, mode := range []weights.Mode{weights.Eager, weights.Lazy} {
		f, err := Open(p, mode)
		if err != nil {
			t.Fatal(err)
		}
		if f.Tokenizer != nil {
			t.Error("tokenizer appeared from nowhere")
		}
		got := f.Get("w")
		deq := make([]float32, len(w))
		kernels.DequantizeTLInt8(deq, got.Data, got.Scales)
		for g := 0; g < len(w)/64; g++ {
			var m float64
			for _, v := range w[g*64 : (g+1)*64] {
				m = math.Max(m, math.Abs(float64(v)))
			}
			for i := g * 64; i < (g+1)*64; i++ {
				// Half a quantization step, plus float32 rounding.
				if d := math.Abs(float64(deq[i] - w[i])); d > m/254*1.0001+1e-7 {
					t.Fatalf("w[%d] = %v reads back as %v", i, w[i], deq[i])
				}
			}
		}
		for i := 64; i < 128; i++ {
			if deq[i] != 0 {
				t.Errorf("zero group: w[%d] reads back as %v", i, deq[i])
			}
		}
		f.Close()
	}
}

func TestQuantizeInt8Rule(t *testing.T) {
	// The torchless exporter's example: group [-3.2, 0, 1.5, 7.9] with
	// scale 127/7.9 gives [-51, 0, 24, 127] (here padded to 64 with zeros).
	w := make([]float32, 128)
	copy(w, []float32{-3.2, 0, 1.5, 7.9})
	copy(w[64:], []float32{-15, 5.5, -0.5, 0.2})
	q, err := QuantizeInt8("x", []int{128}, w)
	if err != nil {
		t.Fatal(err)
	}
	got := []int8{int8(q.Data[0]), int8(q.Data[1]), int8(q.Data[2]), int8(q.Data[3]),
		int8(q.Data[64]), int8(q.Data[65]), int8(q.Data[66]), int8(q.Data[67])}
	want := []int8{-51, 0, 24, 127, -127, 47, -4, 2}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("q = %v, want %v", got, want)
	}
	if q.Scales[0] != float32(127)/float32(7.9) || q.Scales[1] != float32(127)/float32(15) {
		t.Errorf("scales %v", q.Scales)
	}
	// Ties round to even: 0.5·scale and 1.5·scale with scale 1 (max 127).
	w2 := make([]float32, 64)
	w2[0], w2[1], w2[2], w2[3] = 127, 0.5, 1.5, -2.5
	q2, _ := QuantizeInt8("t", []int{64}, w2)
	if q2.Scales[0] != 1 || int8(q2.Data[1]) != 0 || int8(q2.Data[2]) != 2 || int8(q2.Data[3]) != -2 {
		t.Errorf("ties: scale %v, q %v", q2.Scales[0], q2.Data[:4])
	}
	// Tiny values: the scale saturates instead of becoming infinite.
	w3 := make([]float32, 64)
	w3[0] = 1e-40
	q3, err := QuantizeInt8("tiny", []int{64}, w3)
	if err != nil || math.IsInf(float64(q3.Scales[0]), 0) || q3.Scales[0] == 0 {
		t.Errorf("tiny: %v %v", q3.Scales, err)
	}
	for name, c := range map[string]struct {
		shape []int
		data  []float32
	}{
		"row length": {[]int{2, 32}, make([]float32, 64)},
		"mismatch":   {[]int{2, 64}, make([]float32, 64)},
		"nan":        {[]int{64}, append(make([]float32, 63), float32(math.NaN()))},
		"inf":        {[]int{64}, append(make([]float32, 63), float32(math.Inf(-1)))},
		"negative":   {[]int{-64}, nil},
	} {
		if _, err := QuantizeInt8(name, c.shape, c.data); err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestWriteRejects(t *testing.T) {
	cases := map[string][]*weights.Tensor{
		"duplicate":  {{Name: "a", DType: kernels.F32, Shape: []int{1}, Data: f32bytes(1)}, {Name: "a", DType: kernels.F32, Shape: []int{1}, Data: f32bytes(1)}},
		"dtype":      {{Name: "i", DType: kernels.I32, Shape: []int{1}, Data: make([]byte, 4)}},
		"size":       {{Name: "s", DType: kernels.F32, Shape: []int{2}, Data: f32bytes(1)}},
		"scales":     {{Name: "q", DType: kernels.TLInt8, Shape: []int{64}, Data: make([]byte, 64)}},
		"int8 cols":  {{Name: "q", DType: kernels.TLInt8, Shape: []int{2, 32}, Data: make([]byte, 64), Scales: []float32{1}}},
		"quant size": {{Name: "q", DType: kernels.Q4_0, Shape: []int{32}, Data: make([]byte, 17)}},
	}
	for name, ts := range cases {
		if err := Write(&bytes.Buffer{}, nil, ts, nil); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// TestReferenceLayouts reads headers shaped as the reference tools write
// them: the C++ exporter (no padding: payload straight after the header,
// no scale fields on f32, merges as strings) and torchless-rs's test
// generator (NUL-padded header).
func TestReferenceLayouts(t *testing.T) {
	header := map[string]any{
		"metadata": map[string]string{"hidden_size": "64", "quant": "int8"},
		"tokenizer": map[string]any{"vocab": map[string]int{"a": 0, "b": 1, "ab": 2},
			"merges": []any{"a b", []string{"ab", "b"}}},
		"tensors": map[string]any{
			"norm": map[string]any{"dtype": "f32", "shape": []int{2}, "offset": 0},
			"proj": map[string]any{"dtype": "int8", "shape": []int{1, 64}, "offset": 8, "scale_offset": 72, "scale_size": 1},
		},
	}
	h, _ := json.Marshal(header)
	payload := append(f32bytes(1.5, -2), bytes.Repeat([]byte{2}, 64)...)
	payload = append(payload, f32bytes(4)...)
	check := func(name string, data []byte, base int64) {
		f, err := Parse(name, data)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if f.PayloadOffset != base {
			t.Errorf("%s: payload at %d, want %d", name, f.PayloadOffset, base)
		}
		if !bytes.Equal(f.Get("norm").Data, f32bytes(1.5, -2)) {
			t.Errorf("%s: norm data %x", name, f.Get("norm").Data)
		}
		p := f.Get("proj")
		row := make([]float32, 64)
		p.DequantizeRow(0, row)
		if row[0] != 0.5 || !reflect.DeepEqual(p.Scales, []float32{4}) {
			t.Errorf("%s: proj reads %v with scales %v", name, row[0], p.Scales)
		}
		if f.Tokenizer == nil || !reflect.DeepEqual(f.Tokenizer.Merges, []string{"a b", "ab b"}) || f.Tokenizer.Vocab["ab"] != 2 {
			t.Errorf("%s: tokenizer %+v", name, f.Tokenizer)
		}
	}
	// C++ exporter: 8 + len(h) is (made) unaligned, payload right after.
	hc := h
	for (8+len(hc))%PayloadAlign == 0 {
		hc = append(hc, ' ')
	}
	cpp := binary.LittleEndian.AppendUint64(nil, uint64(len(hc)))
	cpp = append(append(cpp, hc...), payload...)
	check("cpp.bin", cpp, int64(8+len(hc)))
	// torchless-rs generator: header NUL-padded to the boundary.
	hr := append([]byte(nil), h...)
	for (8+len(hr))%PayloadAlign != 0 {
		hr = append(hr, 0)
	}
	rs := binary.LittleEndian.AppendUint64(nil, uint64(len(hr)))
	rs = append(append(rs, hr...), payload...)
	check("rs.bin", rs, int64(8+len(hr)))
	// torchless-rs reader rule with an unpadded header: the payload at the
	// next boundary (and trailing bytes after it).
	al := binary.LittleEndian.AppendUint64(nil, uint64(len(hc)))
	al = append(al, hc...)
	for len(al)%PayloadAlign != 0 {
		al = append(al, 0xee)
	}
	base := int64(len(al))
	al = append(append(al, payload...), make([]byte, 100)...)
	check("aligned.bin", al, base)
}

// rawFile builds a model.bin from a header (marshalled, or as is when a
// string) and a payload placed at the next 64-byte boundary.
func rawFile(header any, payload []byte) []byte {
	var h []byte
	if s, ok := header.(string); ok {
		h = []byte(s)
	} else {
		h, _ = json.Marshal(header)
	}
	for (8+len(h))%PayloadAlign != 0 {
		h = append(h, ' ')
	}
	out := binary.LittleEndian.AppendUint64(nil, uint64(len(h)))
	return append(append(out, h...), payload...)
}

type obj = map[string]any

func tensorsHeader(ts obj) obj { return obj{"metadata": obj{}, "tensors": ts} }

func f32t(shape []int, off int) obj { return obj{"dtype": "f32", "shape": shape, "offset": off} }

func i8t(shape []int, off, soff, ssize int) obj {
	return obj{"dtype": "int8", "shape": shape, "offset": off, "scale_offset": soff, "scale_size": ssize}
}

func headerLen(n uint64) []byte {
	b := binary.LittleEndian.AppendUint64(nil, n)
	return append(b, `{"tensors":{}}`...)
}

var ones = f32bytes(1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1) // 128 bytes

// malformed lists bad files, each with words the error must contain.
var malformed = []struct {
	name  string
	data  []byte
	words []string
}{
	{"empty", nil, []string{"header length"}},
	{"short", []byte{9, 0, 0}, []string{"header length"}},
	{"header past end", headerLen(1 << 20), []string{"header length", "past the end"}},
	{"absurd header", headerLen(5 << 30), []string{"header length", "limit"}},
	{"max header", headerLen(math.MaxUint64), []string{"header length"}},
	{"invalid json", rawFile(`{"tensors": {`, nil), []string{"header", "JSON"}},
	{"trailing garbage", rawFile(`{"tensors": {}} {}`, nil), []string{"header", "JSON"}},
	{"no tensors", rawFile(obj{"metadata": obj{}}, nil), []string{"tensors", "missing"}},
	{"tensors not object", rawFile(obj{"tensors": []int{1}}, nil), []string{"tensors"}},
	{"unknown dtype", rawFile(tensorsHeader(obj{"w": obj{"dtype": "q4_k", "shape": []int{256}, "offset": 0}}), ones), []string{`tensor "w"`, "dtype", "q4_k"}},
	{"missing dtype", rawFile(tensorsHeader(obj{"w": obj{"shape": []int{1}, "offset": 0}}), ones), []string{`tensor "w"`, "dtype", "missing"}},
	{"missing shape", rawFile(tensorsHeader(obj{"w": obj{"dtype": "f32", "offset": 0}}), ones), []string{`tensor "w"`, "shape", "missing"}},
	{"missing offset", rawFile(tensorsHeader(obj{"w": obj{"dtype": "f32", "shape": []int{1}}}), ones), []string{`tensor "w"`, "offset", "missing"}},
	{"bad entry", rawFile(tensorsHeader(obj{"w": obj{"dtype": "f32", "shape": "x"}}), ones), []string{`tensor "w"`}},
	{"negative dim", rawFile(tensorsHeader(obj{"w": f32t([]int{-2}, 0)}), ones), []string{`tensor "w"`, "shape"}},
	{"huge shape", rawFile(tensorsHeader(obj{"w": f32t([]int{1 << 40, 1 << 40}, 0)}), ones), []string{`tensor "w"`, "shape"}},
	{"negative offset", rawFile(tensorsHeader(obj{"w": f32t([]int{1}, -4)}), ones), []string{`tensor "w"`, "offset"}},
	{"offset past end", rawFile(tensorsHeader(obj{"w": f32t([]int{4}, 120)}), ones), []string{`tensor "w"`, "offset", "past the end"}},
	{"size past end", rawFile(tensorsHeader(obj{"w": f32t([]int{33}, 0)}), ones), []string{`tensor "w"`, "offset", "past the end"}},
	{"overlap", rawFile(tensorsHeader(obj{"a": f32t([]int{4}, 0), "b": f32t([]int{4}, 8)}), ones), []string{`tensor "b"`, "overlap", `"a"`}},
	{"scales overlap data", rawFile(tensorsHeader(obj{"q": i8t([]int{64}, 0, 32, 1)}), ones), []string{`tensor "q"`, "overlap"}},
	{"scales overlap other", rawFile(tensorsHeader(obj{"a": f32t([]int{4}, 64), "q": i8t([]int{64}, 0, 72, 1)}), ones), []string{"overlap", `"a"`, `"q"`}},
	{"scale block past end", rawFile(tensorsHeader(obj{"q": i8t([]int{64}, 0, 126, 1)}), ones), []string{`tensor "q"`, "scale_offset", "past the end"}},
	{"scale count", rawFile(tensorsHeader(obj{"q": i8t([]int{64}, 0, 64, 2)}), ones), []string{`tensor "q"`, "scale_size", "needs 1"}},
	{"scale count in bytes", rawFile(tensorsHeader(obj{"q": i8t([]int{64}, 0, 64, 4)}), ones), []string{`tensor "q"`, "scale_size"}},
	{"scale fields missing", rawFile(tensorsHeader(obj{"q": obj{"dtype": "int8", "shape": []int{64}, "offset": 0}}), ones), []string{`tensor "q"`, "scale_offset"}},
	{"scales on f32", rawFile(tensorsHeader(obj{"w": obj{"dtype": "f32", "shape": []int{1}, "offset": 0, "scale_offset": 4, "scale_size": 1}}), ones), []string{`tensor "w"`, "scale_size"}},
	{"int8 row", rawFile(tensorsHeader(obj{"q": i8t([]int{2, 32}, 0, 64, 1)}), ones), []string{`tensor "q"`, "row length"}},
	{"zero scale", rawFile(tensorsHeader(obj{"q": i8t([]int{64}, 0, 64, 1)}), append(make([]byte, 64), make([]byte, 64)...)), []string{`tensor "q"`, "scale"}},
	{"metadata array", rawFile(obj{"metadata": obj{"k": []int{}}, "tensors": obj{}}, nil), []string{"metadata", `"k"`}},
	{"vocab id", rawFile(obj{"tensors": obj{}, "tokenizer": obj{"vocab": obj{"a": -1}, "merges": []string{}}}, nil), []string{"tokenizer", `"a"`}},
	{"merge", rawFile(obj{"tensors": obj{}, "tokenizer": obj{"vocab": obj{}, "merges": []any{3}}}, nil), []string{"tokenizer", "merges[0]"}},
}

func TestMalformed(t *testing.T) {
	for _, c := range malformed {
		t.Run(c.name, func(t *testing.T) { checkMalformed(t, c.data, c.words) })
	}
}

func checkMalformed(t *testing.T, data []byte, words []string) {
	t.Helper()
	f, err := Parse("bad.bin", data)
	if err == nil {
		t.Fatalf("accepted: %d tensors", len(f.Tensors))
	}
	t.Log(err)
	var fe *Error
	if !errors.As(err, &fe) {
		t.Errorf("error %T is not *Error", err)
	}
	for _, w := range append([]string{"bad.bin"}, words...) {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q lacks %q", err, w)
		}
	}
}

// TestTruncated cuts a written file at every length: none parses, none panics.
func TestTruncated(t *testing.T) {
	tensors, md, tok := sample(t)
	data := encode(t, md, tensors, tok)
	for n := 0; n < len(data); n++ {
		if _, err := Parse("bad.bin", data[:n:n]); err == nil {
			t.Errorf("truncated to %d of %d bytes: accepted", n, len(data))
		} else if !strings.HasPrefix(err.Error(), "bad.bin") {
			t.Errorf("error %q does not name the file", err)
		}
	}
	checkMalformed(t, data[:len(data)-1], []string{"offset", "past the end"})
}

func TestOpenErrors(t *testing.T) {
	dir := t.TempDir()
	if _, err := Open(filepath.Join(dir, "missing.bin"), weights.Eager); err == nil {
		t.Error("missing file accepted")
	}
	p := filepath.Join(dir, "bad.bin")
	os.WriteFile(p, headerLen(1000), 0o644)
	for _, mode := range []weights.Mode{weights.Eager, weights.Lazy} {
		if _, err := Open(p, mode); err == nil || !strings.Contains(err.Error(), p) {
			t.Errorf("%v: error %v does not name %s", mode, err, p)
		}
	}
}

func TestSet(t *testing.T) {
	tensors, md, tok := sample(t)
	p := filepath.Join(t.TempDir(), "m.bin")
	if err := WriteFile(p, md, tensors, tok); err != nil {
		t.Fatal(err)
	}
	f, err := Open(p, weights.Lazy)
	if err != nil {
		t.Fatal(err)
	}
	s := f.Set()
	if len(s.Tensors()) != len(tensors) || s.Get("vec") == nil {
		t.Errorf("set has %v", s.Names())
	}
	if err := f.Close(); err != nil { // a no-op now
		t.Error(err)
	}
	row := make([]float32, 64)
	s.Get("vec").DequantizeRow(0, row) // still mapped
	if err := s.Close(); err != nil {
		t.Error(err)
	}
}

// FuzzParse checks that no input panics and that accepted files are
// consistent: tensors validate and rewrite to a file that reads the same.
func FuzzParse(f *testing.F) {
	tensors, md, tok := sample(f)
	f.Add(encode(f, md, tensors, tok))
	for _, c := range malformed {
		f.Add(c.data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := Parse("fuzz", data)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "fuzz") {
				t.Fatalf("error %q does not name the file", err)
			}
			return
		}
		for _, ten := range file.Tensors {
			if err := ten.Validate(); err != nil {
				t.Fatal(err)
			}
			if ten.Offset < 8 || ten.Offset+int64(len(ten.Data)) > int64(len(data)) {
				t.Fatalf("tensor %q outside the file", ten.Name)
			}
			if file.Get(ten.Name) != ten {
				t.Fatalf("Get(%q) mismatch", ten.Name)
			}
		}
		var out bytes.Buffer
		if err := Write(&out, file.Metadata, file.Tensors, file.Tokenizer); err != nil {
			t.Fatalf("rewrite: %v", err)
		}
		again, err := Parse("again", out.Bytes())
		if err != nil {
			t.Fatalf("reparse: %v", err)
		}
		if !reflect.DeepEqual(again.Names(), file.Names()) || !reflect.DeepEqual(again.Metadata, file.Metadata) ||
			!reflect.DeepEqual(again.Tokenizer, file.Tokenizer) {
			t.Fatal("rewrite changed the tensors, metadata or tokenizer")
		}
	})
}
