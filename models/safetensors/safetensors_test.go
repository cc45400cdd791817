package safetensors

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/torchless-go/torchless/internal/testenv"
	"github.com/torchless-go/torchless/kernels"
	"github.com/torchless-go/torchless/models/weights"
)

// fixtureFiles returns every fixture safetensors file (hf weights and
// expected outputs).
func fixtureFiles(t *testing.T) []string {
	t.Helper()
	root := testenv.Shared(t, "fixtures")
	var files []string
	for _, pat := range []string{"*/hf/model.safetensors", "*/expected*.safetensors"} {
		m, err := filepath.Glob(filepath.Join(root, pat))
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, m...)
	}
	if len(files) < 20 {
		t.Fatalf("found only %d fixture safetensors files under %s", len(files), root)
	}
	return files
}

func TestFixturesEagerLazy(t *testing.T) {
	for _, p := range fixtureFiles(t) {
		eager, err := Open(p, weights.Eager)
		if err != nil {
			t.Fatalf("eager: %v", err)
		}
		lazy, err := Open(p, weights.Lazy)
		if err != nil {
			t.Fatalf("lazy: %v", err)
		}
		if len(eager.Tensors) == 0 {
			t.Errorf("%s: no tensors", p)
		}
		if !reflect.DeepEqual(eager.Names(), lazy.Names()) || !reflect.DeepEqual(eager.Metadata, lazy.Metadata) {
			t.Errorf("%s: eager and lazy differ", p)
		}
		var prevEnd int64
		for i, te := range eager.Tensors {
			tl := lazy.Tensors[i]
			if te.DType != tl.DType || !reflect.DeepEqual(te.Shape, tl.Shape) || te.Offset != tl.Offset || !bytes.Equal(te.Data, tl.Data) {
				t.Errorf("%s: tensor %q differs between eager and lazy", p, te.Name)
			}
			if err := te.Validate(); err != nil {
				t.Error(err)
			}
			if te.Offset < prevEnd {
				t.Errorf("%s: tensor %q not in offset order", p, te.Name)
			}
			prevEnd = te.Offset + int64(len(te.Data))
			if eager.Get(te.Name) != te {
				t.Errorf("%s: Get(%q) does not return the tensor", p, te.Name)
			}
		}
		if b := lazy.TakeBlob(); !b.Mapped() {
			t.Errorf("%s: lazy file is not mapped", p)
		} else if err := b.Close(); err != nil {
			t.Error(err)
		}
		eager.Close()
	}
}

func TestFixtureContents(t *testing.T) {
	p := filepath.Join(testenv.Shared(t, "fixtures", "llama2"), "expected.safetensors")
	f, err := Open(p, weights.Eager)
	if err != nil {
		t.Fatal(err)
	}
	if f.Metadata["arch"] == "" || f.Metadata["ids"] == "" {
		t.Errorf("metadata lacks arch/ids: %v", f.Metadata)
	}
	lg := f.Get("logits")
	if lg == nil || lg.DType != kernels.F32 || len(lg.Shape) != 2 || lg.Shape[0] != 12 {
		t.Fatalf("logits: %+v", lg)
	}
	// The data is a view into the file: its offset points at the same bytes.
	raw, _ := os.ReadFile(p)
	if !bytes.Equal(raw[lg.Offset:lg.Offset+int64(len(lg.Data))], lg.Data) {
		t.Error("logits Offset does not locate its bytes")
	}
}

func TestParseIsView(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteF32(&buf, []F32Tensor{{"a", []int{2}, []float32{1, 2}}}, nil); err != nil {
		t.Fatal(err)
	}
	data := buf.Bytes()
	f, err := Parse("x", data)
	if err != nil {
		t.Fatal(err)
	}
	a := f.Get("a")
	data[len(data)-1] ^= 0xff
	if a.Data[len(a.Data)-1] != data[len(data)-1] {
		t.Error("Tensor.Data is a copy, not a view")
	}
	if cap(a.Data) != len(a.Data) {
		t.Error("Tensor.Data capacity reaches past the tensor")
	}
}

func TestRoundTrip(t *testing.T) {
	f16 := []byte{0x00, 0x3c, 0x00, 0xc0} // 1, -2
	tensors := []*weights.Tensor{
		{Name: "w", DType: kernels.F32, Shape: []int{2, 3}, Data: f32bytes(1, -2, 3.5, float32(math.Inf(1)), 0, 7)},
		{Name: "h", DType: kernels.F16, Shape: []int{2}, Data: f16},
		{Name: "b", DType: kernels.BF16, Shape: []int{1, 2}, Data: []byte{0x80, 0x3f, 0, 0}},
		{Name: "scalar", DType: kernels.F32, Shape: []int{}, Data: f32bytes(42)},
		{Name: "empty", DType: kernels.F32, Shape: []int{0, 4}, Data: []byte{}},
		{Name: "i8", DType: kernels.I8, Shape: []int{3}, Data: []byte{1, 0xff, 3}},
		{Name: "u8", DType: kernels.U8, Shape: []int{1}, Data: []byte{200}},
		{Name: "i16", DType: kernels.I16, Shape: []int{1}, Data: []byte{1, 2}},
		{Name: "i32", DType: kernels.I32, Shape: []int{1}, Data: []byte{1, 2, 3, 4}},
		{Name: "i64", DType: kernels.I64, Shape: []int{1}, Data: make([]byte, 8)},
		{Name: "f64", DType: kernels.F64, Shape: []int{1}, Data: make([]byte, 8)},
		{Name: "név \"quoted\"", DType: kernels.F32, Shape: []int{1}, Data: f32bytes(1)},
	}
	md := map[string]string{"format": "pt", "note": "ünïcode \"and\" quotes"}
	var buf bytes.Buffer
	if err := Write(&buf, tensors, md); err != nil {
		t.Fatal(err)
	}
	data := buf.Bytes()
	n := binary.LittleEndian.Uint64(data)
	if n%8 != 0 {
		t.Errorf("header length %d is not a multiple of 8", n)
	}
	f, err := Parse("rt", data)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(f.Metadata, md) {
		t.Errorf("metadata %v, want %v", f.Metadata, md)
	}
	if len(f.Tensors) != len(tensors) {
		t.Fatalf("%d tensors, want %d", len(f.Tensors), len(tensors))
	}
	for _, want := range tensors {
		got := f.Get(want.Name)
		if got == nil {
			t.Fatalf("tensor %q missing", want.Name)
		}
		if got.DType != want.DType || !reflect.DeepEqual(got.Shape, want.Shape) || !bytes.Equal(got.Data, want.Data) {
			t.Errorf("tensor %q: got %s %v %x, want %s %v %x", want.Name, got.DType, got.Shape, got.Data, want.DType, want.Shape, want.Data)
		}
	}
	// Writing what was read gives the same bytes (offset order = write order here).
	var again bytes.Buffer
	if err := Write(&again, f.Tensors, f.Metadata); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(again.Bytes(), data) {
		t.Error("rewrite differs")
	}
}

func TestRoundTripFixture(t *testing.T) {
	p := filepath.Join(testenv.Shared(t, "fixtures", "llama2", "hf"), "model.safetensors")
	f, err := Open(p, weights.Eager)
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "copy.safetensors")
	if err := WriteFile(out, f.Tensors, f.Metadata); err != nil {
		t.Fatal(err)
	}
	g, err := Open(out, weights.Lazy)
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	sameTensors(t, f.Tensors, g.Tensors)
}

func sameTensors(t *testing.T, a, b []*weights.Tensor) {
	t.Helper()
	if len(a) != len(b) {
		t.Fatalf("%d tensors vs %d", len(a), len(b))
	}
	byName := map[string]*weights.Tensor{}
	for _, x := range b {
		byName[x.Name] = x
	}
	for _, x := range a {
		y := byName[x.Name]
		if y == nil {
			t.Errorf("tensor %q missing", x.Name)
			continue
		}
		if x.DType != y.DType || !reflect.DeepEqual(x.Shape, y.Shape) || !bytes.Equal(x.Data, y.Data) {
			t.Errorf("tensor %q differs", x.Name)
		}
	}
}

func TestWriteF32File(t *testing.T) {
	p := filepath.Join(t.TempDir(), "dump.safetensors")
	ts := []F32Tensor{
		{Name: "x", Shape: []int{2, 2}, Data: []float32{1, 2, 3, -4}},
		{Name: "y", Shape: []int{3}, Data: []float32{float32(math.NaN()), 0, -0.5}},
	}
	if err := WriteF32File(p, ts, map[string]string{"k": "v"}); err != nil {
		t.Fatal(err)
	}
	f, err := Open(p, weights.Eager)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range ts {
		got := f.Get(want.Name)
		vals, err := toF32(got)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got.Shape, want.Shape) || len(vals) != len(want.Data) {
			t.Fatalf("%s: shape %v", want.Name, got.Shape)
		}
		for i := range vals {
			if math.Float32bits(vals[i]) != math.Float32bits(want.Data[i]) {
				t.Errorf("%s[%d] = %v, want %v", want.Name, i, vals[i], want.Data[i])
			}
		}
	}
	if f.Metadata["k"] != "v" {
		t.Errorf("metadata %v", f.Metadata)
	}
	if err := WriteF32File(p, []F32Tensor{{Name: "bad", Shape: []int{3}, Data: []float32{1}}}, nil); err == nil {
		t.Error("shape/data mismatch accepted")
	}
	// The failed write left the earlier file intact and no temporary behind.
	if _, err := Open(p, weights.Eager); err != nil {
		t.Errorf("earlier file damaged: %v", err)
	}
	if ents, _ := os.ReadDir(filepath.Dir(p)); len(ents) != 1 {
		t.Errorf("directory holds %d entries, want 1", len(ents))
	}
}

func toF32(t *weights.Tensor) ([]float32, error) {
	if t == nil {
		return nil, errors.New("nil tensor")
	}
	out := make([]float32, len(t.Data)/4)
	for i := range out {
		out[i] = math.Float32frombits(binary.LittleEndian.Uint32(t.Data[4*i:]))
	}
	return out, nil
}

func TestWriteRejects(t *testing.T) {
	cases := map[string][]*weights.Tensor{
		"duplicate": {{Name: "a", DType: kernels.F32, Shape: []int{1}, Data: f32bytes(1)}, {Name: "a", DType: kernels.F32, Shape: []int{1}, Data: f32bytes(1)}},
		"reserved":  {{Name: "__metadata__", DType: kernels.F32, Shape: []int{1}, Data: f32bytes(1)}},
		"quantized": {{Name: "q", DType: kernels.Q8_0, Shape: []int{32}, Data: make([]byte, 34)}},
		"tlint8":    {{Name: "q", DType: kernels.TLInt8, Shape: []int{64}, Data: make([]byte, 64), Scales: []float32{1}}},
		"size":      {{Name: "s", DType: kernels.F32, Shape: []int{2}, Data: f32bytes(1)}},
	}
	for name, ts := range cases {
		if err := Write(&bytes.Buffer{}, ts, nil); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func f32bytes(vs ...float32) []byte {
	b := make([]byte, 4*len(vs))
	for i, v := range vs {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(v))
	}
	return b
}

// rawFile builds a safetensors file from a header value (marshalled as
// JSON, or used as is when it is a string) and a data buffer.
func rawFile(header any, buf []byte) []byte {
	var h []byte
	if s, ok := header.(string); ok {
		h = []byte(s)
	} else {
		h, _ = json.Marshal(header)
	}
	out := make([]byte, 8, 8+len(h)+len(buf))
	binary.LittleEndian.PutUint64(out, uint64(len(h)))
	out = append(out, h...)
	return append(out, buf...)
}

type entry map[string]any

func ent(dtype string, shape []int, begin, end int) entry {
	return entry{"dtype": dtype, "shape": shape, "data_offsets": []int{begin, end}}
}

func headerLen(n uint64) []byte {
	b := make([]byte, 8, 64)
	binary.LittleEndian.PutUint64(b, n)
	return append(b, `{"a":{}}`...)
}

// malformed lists bad files, each with words the error must contain.
var malformed = []struct {
	name  string
	data  []byte
	words []string
}{
	{"empty", nil, []string{"header length"}},
	{"short length", []byte{1, 2, 3}, []string{"header length"}},
	{"header past end", headerLen(1000), []string{"header length", "past the end"}},
	{"absurd header", headerLen(200 << 20), []string{"header length", "limit"}},
	{"huge header", headerLen(math.MaxUint64), []string{"header length"}},
	{"invalid json", rawFile(`{"a": {"dtype": "F32",`, nil), []string{"header", "JSON"}},
	{"not object", rawFile(`[1, 2]`, nil), []string{"header", "JSON"}},
	{"trailing garbage", rawFile(`{} x`, nil), []string{"header", "JSON"}},
	{"duplicate key", rawFile(`{"a":{"dtype":"F32","shape":[],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[],"data_offsets":[4,8]}}`, make([]byte, 8)), []string{`"a"`, "twice"}},
	{"unknown dtype", rawFile(map[string]any{"w": ent("F8_E4M3", []int{4}, 0, 4)}, make([]byte, 4)), []string{`tensor "w"`, "dtype", "F8_E4M3"}},
	{"bool dtype", rawFile(map[string]any{"w": ent("BOOL", []int{4}, 0, 4)}, make([]byte, 4)), []string{`tensor "w"`, "BOOL"}},
	{"missing dtype", rawFile(map[string]any{"w": entry{"shape": []int{1}, "data_offsets": []int{0, 4}}}, make([]byte, 4)), []string{`tensor "w"`, "dtype", "missing"}},
	{"missing shape", rawFile(map[string]any{"w": entry{"dtype": "F32", "data_offsets": []int{0, 4}}}, make([]byte, 4)), []string{`tensor "w"`, "shape", "missing"}},
	{"missing offsets", rawFile(map[string]any{"w": entry{"dtype": "F32", "shape": []int{1}}}, make([]byte, 4)), []string{`tensor "w"`, "data_offsets", "missing"}},
	{"bad entry", rawFile(map[string]any{"w": entry{"dtype": 5}}, nil), []string{`tensor "w"`}},
	{"size mismatch", rawFile(map[string]any{"w": ent("F32", []int{2, 3}, 0, 20)}, make([]byte, 24)), []string{`tensor "w"`, "data_offsets", "24 bytes"}},
	{"negative dim", rawFile(map[string]any{"w": ent("F32", []int{-1}, 0, 0)}, nil), []string{`tensor "w"`, "shape"}},
	{"overflowing shape", rawFile(map[string]any{"w": ent("F32", []int{1 << 40, 1 << 40}, 0, 4)}, make([]byte, 4)), []string{`tensor "w"`, "shape"}},
	{"offsets past end", rawFile(map[string]any{"w": ent("F32", []int{4}, 0, 16)}, make([]byte, 8)), []string{`tensor "w"`, "data_offsets", "past the end"}},
	{"begin after end", rawFile(map[string]any{"w": ent("F32", []int{1}, 8, 4)}, make([]byte, 8)), []string{`tensor "w"`, "data_offsets", "after"}},
	{"negative offset", rawFile(map[string]any{"w": ent("F32", []int{1}, -4, 0)}, make([]byte, 8)), []string{`tensor "w"`, "data_offsets"}},
	{"three offsets", rawFile(`{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4,8]}}`, make([]byte, 8)), []string{`tensor "w"`, "data_offsets"}},
	{"overlap", rawFile(map[string]any{"a": ent("F32", []int{2}, 0, 8), "b": ent("F32", []int{2}, 4, 12)}, make([]byte, 12)), []string{`tensor "b"`, "overlap", `"a"`}},
	{"metadata not string", rawFile(`{"__metadata__":{"k":1}}`, nil), []string{"__metadata__", `"k"`}},
	{"metadata not object", rawFile(`{"__metadata__":[]}`, nil), []string{"__metadata__"}},
}

func TestMalformed(t *testing.T) {
	for _, c := range malformed {
		t.Run(c.name, func(t *testing.T) {
			checkMalformed(t, c.data, c.words)
		})
	}
}

func checkMalformed(t *testing.T, data []byte, words []string) {
	t.Helper()
	f, err := Parse("bad.safetensors", data)
	if err == nil {
		t.Fatalf("accepted: %d tensors", len(f.Tensors))
	}
	msg := err.Error()
	t.Log(msg)
	var fe *Error
	if !errors.As(err, &fe) {
		t.Errorf("error %T is not *Error", err)
	}
	for _, w := range append([]string{"bad.safetensors"}, words...) {
		if !strings.Contains(msg, w) {
			t.Errorf("error %q lacks %q", msg, w)
		}
	}
}

// TestTruncated cuts a real file at many lengths: none may parse or panic.
func TestTruncated(t *testing.T) {
	var buf bytes.Buffer
	WriteF32(&buf, []F32Tensor{{"a", []int{4}, []float32{1, 2, 3, 4}}, {"b", []int{2}, []float32{5, 6}}}, map[string]string{"m": "x"})
	data := buf.Bytes()
	for n := 0; n < len(data); n++ {
		if _, err := Parse("bad.safetensors", data[:n:n]); err == nil {
			t.Errorf("truncated to %d of %d bytes: accepted", n, len(data))
		} else if !strings.HasPrefix(err.Error(), "bad.safetensors") {
			t.Errorf("error %q does not name the file", err)
		}
	}
	// The last tensor's bytes cut: the error names that tensor.
	checkMalformed(t, data[:len(data)-1], []string{`tensor "b"`, "data_offsets"})
}

func TestOpenErrors(t *testing.T) {
	dir := t.TempDir()
	if _, err := Open(filepath.Join(dir, "missing.safetensors"), weights.Eager); err == nil {
		t.Error("missing file accepted")
	}
	p := filepath.Join(dir, "bad.safetensors")
	os.WriteFile(p, headerLen(1000), 0o644)
	for _, mode := range []weights.Mode{weights.Eager, weights.Lazy} {
		_, err := Open(p, mode)
		if err == nil || !strings.Contains(err.Error(), p) {
			t.Errorf("%v: error %v does not name %s", mode, err, p)
		}
	}
}

// FuzzParse checks that no input panics and that accepted files are
// consistent: every tensor validates, lies in the file, and rewriting it
// gives a file that parses to the same tensors.
func FuzzParse(f *testing.F) {
	var buf bytes.Buffer
	WriteF32(&buf, []F32Tensor{{"a", []int{2, 2}, []float32{1, 2, 3, 4}}, {"b", []int{1}, []float32{5}}}, map[string]string{"k": "v"})
	f.Add(buf.Bytes())
	for _, c := range malformed {
		f.Add(c.data)
	}
	// A small fixture file, when the shared data is present.
	p := filepath.Join(testenv.RepoRoot(f), "..", "shared", "fixtures", "quants", "expected-f32.safetensors")
	if data, err := os.ReadFile(p); err == nil {
		f.Add(data)
	} else if testenv.Required() {
		f.Fatal(err)
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
		if err := Write(&out, file.Tensors, file.Metadata); err != nil {
			t.Fatalf("rewrite: %v", err)
		}
		again, err := Parse("again", out.Bytes())
		if err != nil {
			t.Fatalf("reparse: %v", err)
		}
		if !reflect.DeepEqual(again.Names(), file.Names()) || !reflect.DeepEqual(again.Metadata, file.Metadata) {
			t.Fatal("rewrite changed the tensor list or metadata")
		}
	})
}
