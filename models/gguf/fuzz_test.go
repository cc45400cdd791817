package gguf_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/torchless-go/torchless/internal/testenv"
	"github.com/torchless-go/torchless/kernels"
	"github.com/torchless-go/torchless/models/gguf"
	"github.com/torchless-go/torchless/models/weights"
)

// fuzzSeeds returns small valid files and malformed ones.
func fuzzSeeds(t testing.TB) [][]byte {
	seeds := [][]byte{validSmall(t)}
	var buf bytes.Buffer
	tiny := []*weights.Tensor{{Name: "w", DType: kernels.Q4_0, Shape: []int{2, 32}, Data: make([]byte, 36)}}
	kv := []gguf.KeyValue{
		{Key: "general.architecture", Value: gguf.String("llama")},
		{Key: "n", Value: gguf.Arrays([]gguf.Value{gguf.Uint8s([]uint8{1}), gguf.Arrays([]gguf.Value{gguf.Strings([]string{"a"})})})},
	}
	if err := gguf.Write(&buf, kv, tiny, 64); err != nil {
		t.Fatal(err)
	}
	seeds = append(seeds,
		buf.Bytes(),
		header(2, 0, 0).b,
		header(1, 0, 0).b,
		header(3, 0, 1).kv("s", gguf.TypeString).u64(1<<40).b,
		header(3, 0, 1).kv("a", gguf.TypeArray).u32(uint32(gguf.TypeUint32)).u64(1<<40).b,
		header(3, 0, 1).kv("a", gguf.TypeArray).u32(uint32(gguf.TypeArray)).u64(3).
			u32(uint32(gguf.TypeArray)).u64(1<<30).b,
		header(3, 1, 0).tensor("w", []uint64{1, 1, 1, 1, 4}, 0, 0).data(32, 16).b,
		header(3, 1, 0).tensor("w", []uint64{8}, 0, 64).data(32, 32).b,
		header(3, 2, 0).tensor("a", []uint64{16}, 0, 0).tensor("b", []uint64{8}, 0, 32).data(32, 128).b,
		header(3, 1, 0).tensor("w", []uint64{256}, 16, 0).data(32, 256).b,
		header(3, 1, 0).tensor("w", []uint64{4}, 0, 4).data(32, 64).b,
		header(3, 0, 1).kv(gguf.KeyAlignment, gguf.TypeUint32).u32(3).b,
	)
	return seeds
}

// FuzzParse parses arbitrary bytes: it must never panic; what parses must
// validate, answer every accessor, and survive a write → parse round trip.
func FuzzParse(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s)
	}
	// A real (small) converted file, when the shared data is there.
	if dir := os.Getenv("TORCHLESS_SHARED"); dir != "" || testenv.RepoRoot(f) != "" {
		if dir == "" {
			dir = filepath.Join(testenv.RepoRoot(f), "..", "shared")
		}
		if b, err := os.ReadFile(filepath.Join(dir, "fixtures", "qwen2", "model-q4_0.gguf")); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := gguf.Parse("fuzz.gguf", data)
		if err != nil {
			var fe *gguf.FormatError
			if !errors.As(err, &fe) || fe.File != "fuzz.gguf" {
				t.Fatalf("error %v is not a FormatError naming the file", err)
			}
			return
		}
		for _, kv := range file.KV {
			v, ok := file.Get(kv.Key)
			if !ok || !v.Equal(kv.Value) {
				t.Fatalf("Get(%q) disagrees with KV", kv.Key)
			}
			_ = v.String()
			_ = v.Interface()
			_ = v.Len()
			file.GetString(kv.Key)
			file.GetUint(kv.Key)
			file.GetInt(kv.Key)
			file.GetFloat(kv.Key)
			file.GetBool(kv.Key)
			file.GetStrings(kv.Key)
			file.GetFloat32s(kv.Key)
			file.GetInt32s(kv.Key)
			file.GetValues(kv.Key)
		}
		file.Architecture()
		longName := false
		for _, tt := range file.Tensors {
			if err := tt.Validate(); err != nil {
				t.Fatal(err)
			}
			if tt.Offset < file.DataOffset || tt.Offset+int64(len(tt.Data)) > int64(len(data)) {
				t.Fatalf("tensor %q at %d+%d outside the file", tt.Name, tt.Offset, len(tt.Data))
			}
			longName = longName || len(tt.Name) > gguf.MaxTensorName
		}
		if len(file.Set().Tensors()) != len(file.Tensors) {
			t.Fatal("set and file disagree")
		}
		if longName {
			return // the writer refuses names llama.cpp cannot load
		}
		var buf bytes.Buffer
		if err := gguf.Write(&buf, file.KV, file.Tensors, file.Alignment); err != nil {
			t.Fatalf("rewrite: %v", err)
		}
		again, err := gguf.Parse("again.gguf", buf.Bytes())
		if err != nil {
			t.Fatalf("reparse: %v", err)
		}
		if len(again.KV) != len(file.KV) || len(again.Tensors) != len(file.Tensors) || again.Alignment != file.Alignment {
			t.Fatalf("round trip changed counts")
		}
		for i, kv := range file.KV {
			if again.KV[i].Key != kv.Key || !again.KV[i].Value.Equal(kv.Value) {
				t.Fatalf("round trip changed key %q", kv.Key)
			}
		}
		for i, tt := range file.Tensors {
			u := again.Tensors[i]
			if u.Name != tt.Name || u.DType != tt.DType || !slices.Equal(u.Shape, tt.Shape) || !bytes.Equal(u.Data, tt.Data) {
				t.Fatalf("round trip changed tensor %q", tt.Name)
			}
		}
	})
}
