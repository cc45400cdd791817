package gguf_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"runtime"
	"strings"
	"testing"

	"github.com/torchless-go/torchless/kernels"
	"github.com/torchless-go/torchless/models/gguf"
	"github.com/torchless-go/torchless/models/weights"
)

// gb builds GGUF bytes by hand, so that any field can be made wrong.
type gb struct{ b []byte }

func header(version uint32, nTensors, nKV uint64) *gb {
	g := &gb{b: []byte("GGUF")}
	return g.u32(version).u64(nTensors).u64(nKV)
}

func (g *gb) u8(x uint8) *gb   { g.b = append(g.b, x); return g }
func (g *gb) u32(x uint32) *gb { g.b = binary.LittleEndian.AppendUint32(g.b, x); return g }
func (g *gb) u64(x uint64) *gb { g.b = binary.LittleEndian.AppendUint64(g.b, x); return g }
func (g *gb) str(s string) *gb { g.u64(uint64(len(s))); g.b = append(g.b, s...); return g }

// kv starts a metadata entry: key and value type.
func (g *gb) kv(key string, t gguf.ValueType) *gb { return g.str(key).u32(uint32(t)) }

// tensor writes a tensor info; ne is innermost first, as in the file.
func (g *gb) tensor(name string, ne []uint64, typ uint32, off uint64) *gb {
	g.str(name).u32(uint32(len(ne)))
	for _, d := range ne {
		g.u64(d)
	}
	return g.u32(typ).u64(off)
}

// data pads to the alignment and appends n bytes of tensor data.
func (g *gb) data(align, n int) *gb {
	for len(g.b)%align != 0 {
		g.b = append(g.b, 0)
	}
	g.b = append(g.b, make([]byte, n)...)
	return g
}

const badName = "bad.gguf"

// allocSlack is what Parse may allocate beyond the input's size when it
// rejects it (the error, the File, small maps).
const allocSlack = 8 << 10

// expectError parses data and checks that it fails with a *FormatError
// naming the file and containing every string of wants, and that parsing
// allocated at most the input's size (plus allocSlack).
func expectError(t *testing.T, data []byte, wants ...string) {
	t.Helper()
	var err error
	var ms0, ms1 runtime.MemStats
	runtime.ReadMemStats(&ms0)
	const runs = 4
	for range runs {
		_, err = gguf.Parse(badName, data)
	}
	runtime.ReadMemStats(&ms1)
	if err == nil {
		t.Fatalf("Parse succeeded; want an error mentioning %q", wants)
	}
	var fe *gguf.FormatError
	if !errors.As(err, &fe) {
		t.Fatalf("error %v (%T) is not a *gguf.FormatError", err, err)
	}
	if fe.File != badName || !strings.Contains(err.Error(), badName) {
		t.Errorf("error %q does not name the file", err)
	}
	if fe.Offset < 0 || fe.Offset > int64(len(data)) {
		t.Errorf("error offset %d outside the %d-byte input", fe.Offset, len(data))
	}
	for _, w := range wants {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not mention %q", err, w)
		}
	}
	if per := (ms1.TotalAlloc - ms0.TotalAlloc) / runs; per > uint64(len(data))+allocSlack {
		t.Errorf("Parse allocated %d bytes for a %d-byte input", per, len(data))
	}
}

// validSmall returns a small valid file whose last tensor ends the file.
func validSmall(t testing.TB) []byte {
	var buf bytes.Buffer
	tensors := []*weights.Tensor{
		{Name: "a", DType: kernels.F32, Shape: []int{3}, Data: make([]byte, 12)},
		{Name: "b", DType: kernels.Q8_0, Shape: []int{2, 32}, Data: make([]byte, 68)},
		{Name: "c", DType: kernels.F32, Shape: []int{2, 8}, Data: make([]byte, 64)},
	}
	if err := gguf.Write(&buf, everyValue(), tensors, 0); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestMalformedTruncated(t *testing.T) {
	full := validSmall(t)
	if _, err := gguf.Parse("ok.gguf", full); err != nil {
		t.Fatal(err)
	}
	for n := range len(full) {
		_, err := gguf.Parse(badName, full[:n])
		var fe *gguf.FormatError
		if !errors.As(err, &fe) || fe.File != badName {
			t.Fatalf("prefix of %d bytes: err = %v", n, err)
		}
	}
	// The last prefix fails on the data of tensor "c".
	expectError(t, full[:len(full)-1], `tensor "c"`, "past the end")
	expectError(t, full[:30], "truncated")
}

func TestMalformedWrongMagic(t *testing.T) {
	b := validSmall(t)
	b[0] = 'X'
	expectError(t, b, "magic", "not a GGUF file")
	expectError(t, []byte("GG"), "magic")
	expectError(t, nil, "magic")
}

func TestMalformedBadVersion(t *testing.T) {
	for _, v := range []uint32{0, 1, 4, 0xFFFFFFFF} {
		expectError(t, header(v, 0, 0).b, "version", "not supported")
	}
	for _, v := range []uint32{2, 3} {
		if _, err := gguf.Parse("v.gguf", header(v, 0, 0).b); err != nil {
			t.Errorf("version %d: %v", v, err)
		}
	}
}

func TestMalformedCounts(t *testing.T) {
	expectError(t, header(3, 1<<60, 0).b, "tensor count")
	expectError(t, header(3, 0, math.MaxUint64).b, "metadata count")
	expectError(t, header(3, 0, 2).kv("k", gguf.TypeUint8).u8(1).b, "truncated")
}

func TestMalformedStringLength(t *testing.T) {
	// A key whose length exceeds the file.
	pad := make([]byte, 64)
	expectError(t, append(header(3, 0, 1).u64(1<<62).b, pad...), "key #0", "key length")
	// A string value whose length exceeds the file.
	expectError(t, header(3, 0, 1).kv("general.name", gguf.TypeString).u64(math.MaxUint64).b,
		`key "general.name"`, "string length")
	// One string of an array whose length exceeds the file.
	expectError(t, header(3, 0, 1).kv("tokens", gguf.TypeArray).u32(uint32(gguf.TypeString)).u64(2).
		str("ok").u64(1<<40).b, `key "tokens"`, "element 1 of 2")
	// A tensor name whose length exceeds the file.
	expectError(t, append(header(3, 1, 0).u64(1<<50).b, pad...), "tensor #0", "name length")
}

func TestMalformedArrayLength(t *testing.T) {
	for _, et := range []gguf.ValueType{gguf.TypeUint8, gguf.TypeFloat32, gguf.TypeFloat64, gguf.TypeString, gguf.TypeArray} {
		expectError(t, header(3, 0, 1).kv("arr", gguf.TypeArray).u32(uint32(et)).u64(1<<61).b,
			`key "arr"`, "array length")
	}
	// 16 bytes follow, enough for 16 uint8 but not 8 uint32.
	g := header(3, 0, 1).kv("arr", gguf.TypeArray).u32(uint32(gguf.TypeUint32)).u64(8)
	g.b = append(g.b, make([]byte, 16)...)
	expectError(t, g.b, `key "arr"`, "array length 8")
	expectError(t, header(3, 0, 1).kv("arr", gguf.TypeArray).u32(99).u64(0).b, "unknown array element type 99")
	expectError(t, header(3, 0, 1).kv("x", 13).u8(0).b, `key "x"`, "unknown value type 13")
}

func TestMalformedNestedArrayBomb(t *testing.T) {
	// Each level claims as many arrays as the rest of the file could
	// hold; none of them is there.
	g := header(3, 0, 1).kv("bomb", gguf.TypeArray)
	for range gguf.MaxArrayDepth - 1 {
		g.u32(uint32(gguf.TypeArray)).u64(1 << 20)
	}
	g.b = append(g.b, make([]byte, 4096)...)
	expectError(t, g.b, `key "bomb"`)

	// Nesting deeper than allowed.
	g = header(3, 0, 1).kv("deep", gguf.TypeArray)
	for range gguf.MaxArrayDepth + 1 {
		g.u32(uint32(gguf.TypeArray)).u64(1)
	}
	g.u32(uint32(gguf.TypeUint8)).u64(0)
	expectError(t, g.b, `key "deep"`, "nested more than")

	// A large valid array of empty arrays parses, in memory linear in its size.
	const n = 50000
	g = header(3, 0, 1).kv("wide", gguf.TypeArray).u32(uint32(gguf.TypeArray)).u64(n)
	for range n {
		g.u32(uint32(gguf.TypeUint8)).u64(0)
	}
	var ms0, ms1 runtime.MemStats
	runtime.ReadMemStats(&ms0)
	f, err := gguf.Parse("wide.gguf", g.b)
	runtime.ReadMemStats(&ms1)
	if err != nil {
		t.Fatal(err)
	}
	if vals, ok := f.GetValues("wide"); !ok || len(vals) != n {
		t.Fatalf("wide: %d elements, %v", len(vals), ok)
	}
	if alloc := ms1.TotalAlloc - ms0.TotalAlloc; alloc > 3*uint64(len(g.b)) {
		t.Errorf("%d bytes allocated for a %d-byte file", alloc, len(g.b))
	}
}

func TestMalformedTooManyDims(t *testing.T) {
	g := header(3, 1, 0).tensor("w", []uint64{1, 1, 1, 1, 4}, 0, 0).data(32, 16)
	expectError(t, g.b, `tensor "w"`, "n_dims 5")
}

func TestMalformedHugeDims(t *testing.T) {
	g := header(3, 1, 0).tensor("w", []uint64{1 << 40, 1 << 40}, 0, 0).data(32, 16)
	expectError(t, g.b, `tensor "w"`, "too large")
	g = header(3, 1, 0).tensor("w", []uint64{1 << 62}, 0, 0).data(32, 16)
	expectError(t, g.b, `tensor "w"`, "too large")
}

func TestMalformedTensorPastEnd(t *testing.T) {
	g := header(3, 1, 0).tensor("w", []uint64{8}, 0, 0).data(32, 31)
	expectError(t, g.b, `tensor "w"`, "past the end")
	g = header(3, 1, 0).tensor("w", []uint64{8}, 0, 1<<40).data(32, 32)
	expectError(t, g.b, `tensor "w"`, "past the end")
	g = header(3, 2, 0).tensor("a", []uint64{8}, 0, 0).tensor("b", []uint64{8}, 0, 32).data(32, 63)
	expectError(t, g.b, `tensor "b"`, "past the end")
}

func TestMalformedOverlappingTensors(t *testing.T) {
	g := header(3, 2, 0).tensor("a", []uint64{16}, 0, 0).tensor("b", []uint64{8}, 0, 32).data(32, 128)
	expectError(t, g.b, `tensor "b"`, `overlaps tensor "a"`)
	// Listed out of order, still overlapping.
	g = header(3, 2, 0).tensor("b", []uint64{8}, 0, 32).tensor("a", []uint64{16}, 0, 0).data(32, 128)
	expectError(t, g.b, `overlaps tensor`)
	// Out of order but disjoint is fine, and so is sharing an offset with
	// an empty tensor.
	g = header(3, 3, 0).tensor("b", []uint64{8}, 0, 32).tensor("a", []uint64{8}, 0, 0).
		tensor("e", []uint64{0}, 0, 32).data(32, 64)
	if _, err := gguf.Parse("ok.gguf", g.b); err != nil {
		t.Fatal(err)
	}
}

func TestMalformedUnknownGGMLType(t *testing.T) {
	g := header(3, 1, 0).tensor("blk.0.attn_q.weight", []uint64{256}, 16, 0).data(32, 256)
	expectError(t, g.b, `tensor "blk.0.attn_q.weight"`, "IQ2_XXS", "not supported")
	g = header(3, 1, 0).tensor("w", []uint64{4}, 1000, 0).data(32, 16)
	expectError(t, g.b, `tensor "w"`, "type(1000)")
	// A quantized row that is not a whole number of blocks.
	g = header(3, 1, 0).tensor("q", []uint64{16, 2}, 8, 0).data(32, 64)
	expectError(t, g.b, `tensor "q"`, "block size")
}

func TestMalformedMisalignedOffset(t *testing.T) {
	g := header(3, 1, 0).tensor("w", []uint64{4}, 0, 4).data(32, 64)
	expectError(t, g.b, `tensor "w"`, "not a multiple of the alignment 32")
}

func TestMalformedBadAlignment(t *testing.T) {
	for _, a := range []uint32{0, 3, 48, 1 << 31} {
		g := header(3, 0, 1).kv(gguf.KeyAlignment, gguf.TypeUint32).u32(a)
		expectError(t, g.b, `key "general.alignment"`, "power of two")
	}
	g := header(3, 0, 1).kv(gguf.KeyAlignment, gguf.TypeString).str("32")
	expectError(t, g.b, `key "general.alignment"`, "want uint32")
	// A good one is used for the data section and offsets.
	g = header(3, 1, 1).kv(gguf.KeyAlignment, gguf.TypeUint32).u32(64).tensor("w", []uint64{4}, 0, 0).data(64, 16)
	f, err := gguf.Parse("ok.gguf", g.b)
	if err != nil {
		t.Fatal(err)
	}
	if f.Alignment != 64 || f.DataOffset != 128 {
		t.Errorf("alignment %d, data offset %d", f.Alignment, f.DataOffset)
	}
}

func TestMalformedDuplicates(t *testing.T) {
	g := header(3, 0, 2).kv("k", gguf.TypeUint8).u8(1).kv("k", gguf.TypeUint8).u8(2)
	expectError(t, g.b, `key "k"`, "twice")
	g = header(3, 2, 0).tensor("w", []uint64{4}, 0, 0).tensor("w", []uint64{4}, 0, 32).data(32, 64)
	expectError(t, g.b, `tensor "w"`, "twice")
}

func TestMalformedBool(t *testing.T) {
	expectError(t, header(3, 0, 1).kv("b", gguf.TypeBool).u8(2).b, `key "b"`, "bool")
	expectError(t, header(3, 0, 1).kv("b", gguf.TypeArray).u32(uint32(gguf.TypeBool)).u64(2).u8(1).u8(7).b, `key "b"`, "bool")
}

// TestErrorOffsets checks that the offset in an error points at the field.
func TestErrorOffsets(t *testing.T) {
	g := header(3, 0, 1).kv("s", gguf.TypeString)
	at := len(g.b)
	g.u64(1 << 40)
	_, err := gguf.Parse(badName, g.b)
	var fe *gguf.FormatError
	if !errors.As(err, &fe) || fe.Offset != int64(at) {
		t.Fatalf("err = %v, want offset %d", err, at)
	}
}
