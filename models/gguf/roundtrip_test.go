package gguf_test

import (
	"bytes"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/torchless-go/torchless/kernels"
	"github.com/torchless-go/torchless/models/gguf"
	"github.com/torchless-go/torchless/models/weights"
)

// everyValue holds one metadata entry of every value type, arrays of every
// element type (empty ones included) and nested arrays.
func everyValue() []gguf.KeyValue {
	return []gguf.KeyValue{
		{Key: "general.architecture", Value: gguf.String("llama")},
		{Key: "u8", Value: gguf.Uint8(200)},
		{Key: "i8", Value: gguf.Int8(-100)},
		{Key: "u16", Value: gguf.Uint16(60000)},
		{Key: "i16", Value: gguf.Int16(-30000)},
		{Key: "u32", Value: gguf.Uint32(4000000000)},
		{Key: "i32", Value: gguf.Int32(-2000000000)},
		{Key: "f32", Value: gguf.Float32(-1.5e-7)},
		{Key: "bool.t", Value: gguf.Bool(true)},
		{Key: "bool.f", Value: gguf.Bool(false)},
		{Key: "str", Value: gguf.String("héllo\x00world")},
		{Key: "str.empty", Value: gguf.String("")},
		{Key: "u64", Value: gguf.Uint64(math.MaxUint64)},
		{Key: "i64", Value: gguf.Int64(math.MinInt64)},
		{Key: "f64", Value: gguf.Float64(math.Pi)},
		{Key: "", Value: gguf.Uint8(1)}, // an empty key is legal
		{Key: "a.u8", Value: gguf.Uint8s([]uint8{0, 1, 255})},
		{Key: "a.i8", Value: gguf.Int8s([]int8{-128, 0, 127})},
		{Key: "a.u16", Value: gguf.Uint16s([]uint16{0, 65535})},
		{Key: "a.i16", Value: gguf.Int16s([]int16{-32768, 32767})},
		{Key: "a.u32", Value: gguf.Uint32s([]uint32{1, 2, 3})},
		{Key: "a.i32", Value: gguf.Int32s([]int32{-1, 0, 1 << 30})},
		{Key: "a.f32", Value: gguf.Float32s([]float32{1, -2.5, float32(math.Inf(1))})},
		{Key: "a.bool", Value: gguf.Bools([]bool{true, false, true})},
		{Key: "a.str", Value: gguf.Strings([]string{"a", "", "▁token", "<0x0A>"})},
		{Key: "a.u64", Value: gguf.Uint64s([]uint64{math.MaxUint64, 0})},
		{Key: "a.i64", Value: gguf.Int64s([]int64{math.MinInt64, math.MaxInt64})},
		{Key: "a.f64", Value: gguf.Float64s([]float64{math.SmallestNonzeroFloat64, -0.0})},
		{Key: "a.empty.f32", Value: gguf.Float32s(nil)},
		{Key: "a.empty.str", Value: gguf.Strings([]string{})},
		{Key: "a.nested", Value: gguf.Arrays([]gguf.Value{
			gguf.Int32s([]int32{1, 2}),
			gguf.Strings([]string{"x", "yz"}),
			gguf.Arrays(nil),
			gguf.Arrays([]gguf.Value{gguf.Float64s([]float64{1.25}), gguf.Bools(nil)}),
		})},
		{Key: "a.nested.empty", Value: gguf.Arrays(nil)},
	}
}

// someTensors returns tensors of several dtypes and ranks with made-up
// bytes.
func someTensors() []*weights.Tensor {
	mk := func(name string, dt kernels.DType, shape ...int) *weights.Tensor {
		n, err := weights.ExpectedBytes(dt, shape)
		if err != nil {
			panic(err)
		}
		data := make([]byte, n)
		for i := range data {
			data[i] = byte(i*7 + len(name))
		}
		return &weights.Tensor{Name: name, DType: dt, Shape: shape, Data: data}
	}
	return []*weights.Tensor{
		mk("token_embd.weight", kernels.Q8_0, 10, 64),
		mk("norm", kernels.F32, 5),
		mk("scalar", kernels.F32),
		mk("half", kernels.F16, 3, 7),
		mk("bf", kernels.BF16, 2, 3, 5),
		mk("k", kernels.Q4_K, 2, 1, 3, 256),
		mk("q6", kernels.Q6_K, 1, 256),
		mk("ints", kernels.I32, 9),
		mk("i8", kernels.I8, 3),
		mk("i16", kernels.I16, 3),
		mk("i64", kernels.I64, 3),
		mk("f64", kernels.F64, 3),
		mk("empty", kernels.F32, 0, 4),
	}
}

func TestRoundTrip(t *testing.T) {
	for _, align := range []int{0, 32, 64, 1} {
		kv := everyValue()
		tensors := someTensors()
		var buf bytes.Buffer
		if err := gguf.Write(&buf, kv, tensors, align); err != nil {
			t.Fatal(err)
		}
		f, err := gguf.Parse("roundtrip.gguf", buf.Bytes())
		if err != nil {
			t.Fatalf("alignment %d: %v", align, err)
		}
		wantAlign := align
		if align == 0 {
			wantAlign = 32
		}
		if f.Version != 3 || f.Alignment != wantAlign {
			t.Errorf("version %d alignment %d, want 3, %d", f.Version, f.Alignment, wantAlign)
		}
		extra := 0
		if wantAlign != 32 {
			extra = 1 // general.alignment added by the writer
			if a, ok := f.GetUint(gguf.KeyAlignment); !ok || a != uint64(wantAlign) {
				t.Errorf("general.alignment = %d, %v", a, ok)
			}
		}
		if len(f.KV) != len(kv)+extra {
			t.Fatalf("%d keys, want %d", len(f.KV), len(kv)+extra)
		}
		for i, e := range kv {
			got := f.KV[i]
			if got.Key != e.Key || !got.Value.Equal(e.Value) {
				t.Errorf("key %q = %v, want %q = %v", got.Key, got.Value, e.Key, e.Value)
			}
			if g, ok := f.Get(e.Key); !ok || !g.Equal(e.Value) {
				t.Errorf("Get(%q) = %v, %v", e.Key, g, ok)
			}
		}
		if len(f.Tensors) != len(tensors) {
			t.Fatalf("%d tensors, want %d", len(f.Tensors), len(tensors))
		}
		for i, want := range tensors {
			got := f.Tensors[i]
			if got.Name != want.Name || got.DType != want.DType || !slices.Equal(got.Shape, want.Shape) || !bytes.Equal(got.Data, want.Data) {
				t.Errorf("tensor %s %s %v, want %s %s %v (or different bytes)", got.Name, got.DType, got.Shape, want.Name, want.DType, want.Shape)
			}
			if (got.Offset-f.DataOffset)%int64(wantAlign) != 0 {
				t.Errorf("tensor %s at %d not aligned to %d", got.Name, got.Offset, wantAlign)
			}
		}
		// Writing the parsed file again reproduces it.
		var again bytes.Buffer
		if err := gguf.Write(&again, f.KV, f.Tensors, 0); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(again.Bytes(), buf.Bytes()) {
			t.Errorf("alignment %d: second write differs", align)
		}
	}
}

// TestGGUFStoresReversedDims checks the on-disk ne order: an [out, in]
// tensor is written with ne = [in, out].
func TestGGUFStoresReversedDims(t *testing.T) {
	var buf bytes.Buffer
	tt := &weights.Tensor{Name: "w", DType: kernels.F32, Shape: []int{3, 5}, Data: make([]byte, 60)}
	if err := gguf.Write(&buf, nil, []*weights.Tensor{tt}, 0); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	// header 24, name: 8 + 1, n_dims 4, then ne[0], ne[1]
	ne0 := int(b[24+9+4])
	ne1 := int(b[24+9+4+8])
	if ne0 != 5 || ne1 != 3 {
		t.Errorf("ne = [%d %d], want [5 3]", ne0, ne1)
	}
}

func TestAccessors(t *testing.T) {
	var buf bytes.Buffer
	if err := gguf.Write(&buf, everyValue(), nil, 0); err != nil {
		t.Fatal(err)
	}
	f, err := gguf.Parse("acc.gguf", buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if f.Architecture() != "llama" {
		t.Errorf("Architecture() = %q", f.Architecture())
	}
	uints := []struct {
		key string
		v   uint64
		ok  bool
	}{{"u8", 200, true}, {"i8", 0, false}, {"u32", 4000000000, true}, {"u64", math.MaxUint64, true},
		{"i64", 0, false}, {"f32", 0, false}, {"str", 0, false}, {"missing", 0, false}, {"bool.t", 0, false}}
	for _, c := range uints {
		if v, ok := f.GetUint(c.key); v != c.v || ok != c.ok {
			t.Errorf("GetUint(%q) = %d, %v; want %d, %v", c.key, v, ok, c.v, c.ok)
		}
	}
	ints := []struct {
		key string
		v   int64
		ok  bool
	}{{"i8", -100, true}, {"i16", -30000, true}, {"i32", -2000000000, true}, {"u32", 4000000000, true},
		{"u64", 0, false}, {"i64", math.MinInt64, true}, {"f64", 0, false}}
	for _, c := range ints {
		if v, ok := f.GetInt(c.key); v != c.v || ok != c.ok {
			t.Errorf("GetInt(%q) = %d, %v; want %d, %v", c.key, v, ok, c.v, c.ok)
		}
	}
	floats := []struct {
		key string
		v   float64
		ok  bool
	}{{"f32", float64(float32(-1.5e-7)), true}, {"f64", math.Pi, true}, {"i16", -30000, true},
		{"u64", math.MaxUint64, true}, {"str", 0, false}, {"a.f32", 0, false}}
	for _, c := range floats {
		if v, ok := f.GetFloat(c.key); v != c.v || ok != c.ok {
			t.Errorf("GetFloat(%q) = %v, %v; want %v, %v", c.key, v, ok, c.v, c.ok)
		}
	}
	if v, ok := f.GetBool("bool.t"); !v || !ok {
		t.Errorf("GetBool(bool.t) = %v, %v", v, ok)
	}
	if v, ok := f.GetBool("bool.f"); v || !ok {
		t.Errorf("GetBool(bool.f) = %v, %v", v, ok)
	}
	if _, ok := f.GetBool("u8"); ok {
		t.Error("GetBool(u8) succeeded")
	}
	if s, ok := f.GetString("str"); s != "héllo\x00world" || !ok {
		t.Errorf("GetString = %q, %v", s, ok)
	}
	if _, ok := f.GetString("a.str"); ok {
		t.Error("GetString of an array succeeded")
	}
	if s, ok := f.GetStrings("a.str"); !ok || !slices.Equal(s, []string{"a", "", "▁token", "<0x0A>"}) {
		t.Errorf("GetStrings = %q, %v", s, ok)
	}
	if s, ok := f.GetFloat32s("a.f32"); !ok || len(s) != 3 || s[1] != -2.5 {
		t.Errorf("GetFloat32s = %v, %v", s, ok)
	}
	if s, ok := f.GetFloat32s("a.i16"); !ok || !slices.Equal(s, []float32{-32768, 32767}) {
		t.Errorf("GetFloat32s(a.i16) = %v, %v", s, ok)
	}
	if s, ok := f.GetFloat32s("a.f64"); !ok || len(s) != 2 {
		t.Errorf("GetFloat32s(a.f64) = %v, %v", s, ok)
	}
	if _, ok := f.GetFloat32s("a.str"); ok {
		t.Error("GetFloat32s(a.str) succeeded")
	}
	if s, ok := f.GetInt32s("a.i32"); !ok || !slices.Equal(s, []int32{-1, 0, 1 << 30}) {
		t.Errorf("GetInt32s = %v, %v", s, ok)
	}
	if s, ok := f.GetInt32s("a.u16"); !ok || !slices.Equal(s, []int32{0, 65535}) {
		t.Errorf("GetInt32s(a.u16) = %v, %v", s, ok)
	}
	for _, k := range []string{"a.u64", "a.i64", "a.f32", "a.str", "u32"} {
		if s, ok := f.GetInt32s(k); ok {
			t.Errorf("GetInt32s(%s) = %v, want failure (out of range or not ints)", k, s)
		}
	}
	vals, ok := f.GetValues("a.nested")
	if !ok || len(vals) != 4 {
		t.Fatalf("GetValues = %v, %v", vals, ok)
	}
	if vals[1].ElemType() != gguf.TypeString || vals[1].Len() != 2 || vals[3].ElemType() != gguf.TypeArray {
		t.Errorf("nested element types %s %s, len %d", vals[1].ElemType(), vals[3].ElemType(), vals[1].Len())
	}
	v, _ := f.Get("a.str")
	if v.Type() != gguf.TypeArray || v.ElemType() != gguf.TypeString || v.Len() != 4 {
		t.Errorf("a.str: %s of %s × %d", v.Type(), v.ElemType(), v.Len())
	}
	if s := v.String(); !strings.Contains(s, "string × 4") {
		t.Errorf("String() = %s", s)
	}
	if got, ok := v.Interface().([]string); !ok || len(got) != 4 {
		t.Errorf("Interface() = %#v", v.Interface())
	}
	if keys := f.Keys(); len(keys) != len(f.KV) || keys[0] != "general.architecture" {
		t.Errorf("Keys() = %v", keys)
	}
}

func TestGGMLTypes(t *testing.T) {
	want := map[gguf.GGMLType]kernels.DType{
		0: kernels.F32, 1: kernels.F16, 2: kernels.Q4_0, 3: kernels.Q4_1, 6: kernels.Q5_0, 7: kernels.Q5_1,
		8: kernels.Q8_0, 10: kernels.Q2_K, 11: kernels.Q3_K, 12: kernels.Q4_K, 13: kernels.Q5_K, 14: kernels.Q6_K,
		24: kernels.I8, 25: kernels.I16, 26: kernels.I32, 27: kernels.I64, 28: kernels.F64, 30: kernels.BF16,
	}
	for g := gguf.GGMLType(0); g < 64; g++ {
		dt, ok := g.DType()
		w, supported := want[g]
		if ok != supported || dt != w {
			t.Errorf("%s (%d): DType() = %s, %v", g, uint32(g), dt, ok)
		}
		if ok {
			if back, ok := gguf.GGMLTypeOf(dt); !ok || back != g {
				t.Errorf("GGMLTypeOf(%s) = %d, %v", dt, back, ok)
			}
			if g.String() != dt.String() {
				t.Errorf("names differ: %s vs %s", g, dt)
			}
		}
	}
	for _, dt := range []kernels.DType{kernels.TLInt8, kernels.U8} {
		if _, ok := gguf.GGMLTypeOf(dt); ok {
			t.Errorf("GGMLTypeOf(%s) succeeded", dt)
		}
	}
}

func TestWriterErrors(t *testing.T) {
	f32 := func(name string, shape ...int) *weights.Tensor {
		n, _ := weights.ExpectedBytes(kernels.F32, shape)
		return &weights.Tensor{Name: name, DType: kernels.F32, Shape: shape, Data: make([]byte, n)}
	}
	cases := []struct {
		name    string
		kv      []gguf.KeyValue
		tensors []*weights.Tensor
		align   int
		want    string
	}{
		{"duplicate key", []gguf.KeyValue{{Key: "a", Value: gguf.Uint8(1)}, {Key: "a", Value: gguf.Uint8(2)}}, nil, 0, `key "a" appears twice`},
		{"duplicate tensor", nil, []*weights.Tensor{f32("w", 2), f32("w", 2)}, 0, `tensor "w" appears twice`},
		{"five dims", nil, []*weights.Tensor{f32("w", 1, 1, 1, 1, 2)}, 0, "more than 4"},
		{"int8 grouped", nil, []*weights.Tensor{{Name: "g", DType: kernels.TLInt8, Shape: []int{64}, Data: make([]byte, 64)}}, 0, "cannot be stored"},
		{"bad block", nil, []*weights.Tensor{{Name: "q", DType: kernels.Q8_0, Shape: []int{2, 16}, Data: make([]byte, 34)}}, 0, "block size"},
		{"wrong size", nil, []*weights.Tensor{{Name: "w", DType: kernels.F32, Shape: []int{4}, Data: make([]byte, 15)}}, 0, "needs 16 bytes"},
		{"long name", nil, []*weights.Tensor{f32(strings.Repeat("x", 64), 1)}, 0, "longer than 63"},
		{"alignment 3", nil, nil, 3, "power of two"},
		{"alignment -8", nil, nil, -8, "power of two"},
		{"alignment disagrees", []gguf.KeyValue{{Key: gguf.KeyAlignment, Value: gguf.Uint32(64)}}, nil, 32, "disagrees"},
		{"alignment type", []gguf.KeyValue{{Key: gguf.KeyAlignment, Value: gguf.Uint64(64)}}, nil, 0, "want uint32"},
		{"alignment zero in kv", []gguf.KeyValue{{Key: gguf.KeyAlignment, Value: gguf.Uint32(0)}}, nil, 0, "power of two"},
		{"array of scalars in Arrays", []gguf.KeyValue{{Key: "n", Value: gguf.Arrays([]gguf.Value{gguf.Uint8(1)})}}, nil, 0, `key "n": element 0`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var buf bytes.Buffer
			err := gguf.Write(&buf, c.kv, c.tensors, c.align)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want it to mention %q", err, c.want)
			}
		})
	}
	t.Run("deep nesting", func(t *testing.T) {
		v := gguf.Uint8s(nil)
		for range gguf.MaxArrayDepth + 1 {
			v = gguf.Arrays([]gguf.Value{v})
		}
		err := gguf.Write(&bytes.Buffer{}, []gguf.KeyValue{{Key: "deep", Value: v}}, nil, 0)
		if err == nil || !strings.Contains(err.Error(), "nested") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("streaming order", func(t *testing.T) {
		infos := []gguf.TensorInfo{{Name: "a", DType: kernels.F32, Shape: []int{2}}, {Name: "b", DType: kernels.F32, Shape: []int{1}}}
		w, err := gguf.NewWriter(&bytes.Buffer{}, nil, infos, 0)
		if err != nil {
			t.Fatal(err)
		}
		if err := w.WriteTensor("b", make([]byte, 4)); err == nil {
			t.Error("writing b before a succeeded")
		}
		if err := w.WriteTensor("a", make([]byte, 4)); err == nil {
			t.Error("writing 4 bytes for F32 [2] succeeded")
		}
		if err := w.WriteTensor("a", make([]byte, 8)); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err == nil || !strings.Contains(err.Error(), `"b"`) {
			t.Errorf("Close with b unwritten: %v", err)
		}
		if err := w.WriteTensor("b", make([]byte, 4)); err != nil {
			t.Fatal(err)
		}
		if err := w.WriteTensor("c", nil); err == nil {
			t.Error("writing a third tensor succeeded")
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
	})
}

// TestDataOffsetBeyondVocabOnlyFile checks that a file without tensors may
// end before the aligned data offset, as vocab-only files do.
func TestDataOffsetBeyondVocabOnlyFile(t *testing.T) {
	var buf bytes.Buffer
	if err := gguf.Write(&buf, []gguf.KeyValue{{Key: "k", Value: gguf.Uint8(1)}}, nil, 0); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	b = b[:24+8+1+4+1] // header, key, type, value: no padding
	f, err := gguf.Parse("vocab.gguf", b)
	if err != nil {
		t.Fatal(err)
	}
	if f.DataOffset != 64 || len(f.KV) != 1 {
		t.Errorf("data offset %d, %d keys", f.DataOffset, len(f.KV))
	}
}
