package gguf_test

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/torchless-go/torchless/internal/testenv"
	"github.com/torchless-go/torchless/kernels"
	"github.com/torchless-go/torchless/models/gguf"
	"github.com/torchless-go/torchless/models/weights"
)

// TestOpenSharedFiles opens every GGUF of the shared data eagerly and
// lazily and checks that both give the same metadata and tensors, that
// the tensors validate, and that the Set holds them.
func TestOpenSharedFiles(t *testing.T) {
	shared := testenv.Shared(t)
	for _, rel := range allGGUF(t) {
		t.Run(rel, func(t *testing.T) {
			path := filepath.Join(shared, rel)
			eager, err := gguf.Open(path, weights.Eager)
			if err != nil {
				t.Fatal(err)
			}
			defer eager.Close()
			lazy, err := gguf.Open(path, weights.Lazy)
			if err != nil {
				t.Fatal(err)
			}
			defer lazy.Close()
			compareFiles(t, eager, lazy)
			if eager.Version != 3 {
				t.Errorf("version %d, want 3", eager.Version)
			}
			if eager.Architecture() == "" {
				t.Errorf("no general.architecture")
			}
			if eager.DataOffset%int64(eager.Alignment) != 0 {
				t.Errorf("data offset %d not aligned to %d", eager.DataOffset, eager.Alignment)
			}
			for _, tt := range eager.Tensors {
				if err := tt.Validate(); err != nil {
					t.Error(err)
				}
				if (tt.Offset-eager.DataOffset)%int64(eager.Alignment) != 0 {
					t.Errorf("tensor %q at %d: not aligned", tt.Name, tt.Offset)
				}
			}
			set := lazy.Set()
			if set != lazy.Set() {
				t.Error("Set returns a new set on each call")
			}
			if len(set.Tensors()) != len(lazy.Tensors) {
				t.Fatalf("set has %d tensors, file %d", len(set.Tensors()), len(lazy.Tensors))
			}
			for _, tt := range lazy.Tensors {
				if set.Get(tt.Name) != tt || lazy.Tensor(tt.Name) != tt {
					t.Errorf("tensor %q missing from the set", tt.Name)
				}
			}
			tokens, ok := eager.GetStrings("tokenizer.ggml.tokens")
			if !ok || len(tokens) == 0 {
				t.Fatalf("no tokenizer.ggml.tokens")
			}
			if types, ok := eager.GetInt32s("tokenizer.ggml.token_type"); !ok || len(types) != len(tokens) {
				t.Errorf("token_type: %d entries, ok %v; %d tokens", len(types), ok, len(tokens))
			}
			if scores, ok := eager.GetFloat32s("tokenizer.ggml.scores"); ok && len(scores) != len(tokens) {
				t.Errorf("%d scores for %d tokens", len(scores), len(tokens))
			}
		})
	}
}

func compareFiles(t *testing.T, a, b *gguf.File) {
	t.Helper()
	if a.Version != b.Version || a.Alignment != b.Alignment || a.DataOffset != b.DataOffset {
		t.Errorf("header: %d/%d/%d vs %d/%d/%d", a.Version, a.Alignment, a.DataOffset, b.Version, b.Alignment, b.DataOffset)
	}
	if len(a.KV) != len(b.KV) {
		t.Fatalf("%d vs %d keys", len(a.KV), len(b.KV))
	}
	for i := range a.KV {
		if a.KV[i].Key != b.KV[i].Key || !a.KV[i].Value.Equal(b.KV[i].Value) {
			t.Errorf("key %d: %s = %v vs %s = %v", i, a.KV[i].Key, a.KV[i].Value, b.KV[i].Key, b.KV[i].Value)
		}
	}
	if len(a.Tensors) != len(b.Tensors) {
		t.Fatalf("%d vs %d tensors", len(a.Tensors), len(b.Tensors))
	}
	for i, x := range a.Tensors {
		y := b.Tensors[i]
		if x.Name != y.Name || x.DType != y.DType || !slices.Equal(x.Shape, y.Shape) || x.Offset != y.Offset || !bytes.Equal(x.Data, y.Data) {
			t.Errorf("tensor %d: %s %s %v @%d vs %s %s %v @%d (or different bytes)",
				i, x.Name, x.DType, x.Shape, x.Offset, y.Name, y.DType, y.Shape, y.Offset)
		}
	}
}

// TestRewriteSharedFiles writes every shared GGUF back with Write and
// checks the result is byte-identical: the writer lays files out exactly as
// llama.cpp and gguf-py do, and the reader loses nothing.
func TestRewriteSharedFiles(t *testing.T) {
	shared := testenv.Shared(t)
	for _, rel := range allGGUF(t) {
		t.Run(rel, func(t *testing.T) {
			orig, err := os.ReadFile(filepath.Join(shared, rel))
			if err != nil {
				t.Fatal(err)
			}
			f, err := gguf.Parse(rel, orig)
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			if err := gguf.Write(&buf, f.KV, f.Tensors, f.Alignment); err != nil {
				t.Fatal(err)
			}
			got := buf.Bytes()
			if len(f.Tensors) == 0 {
				// Vocab-only files end right after the metadata; the writer
				// pads to the alignment.
				got = got[:min(len(got), len(orig))]
			}
			if !bytes.Equal(got, orig) {
				i := 0
				for i < min(len(got), len(orig)) && got[i] == orig[i] {
					i++
				}
				t.Fatalf("rewritten file differs from byte %d (lengths %d, %d)", i, len(got), len(orig))
			}
		})
	}
}

// TestFixturesMatchHF checks each fixture's model.gguf against its
// hf/model.safetensors: every GGUF tensor with an HF counterpart has the
// same shape (HF order) and, F32 being copied exactly, the same values once
// the documented layout differences are undone (llama's q/k row
// permutation, Gemma's norm weights stored with +1).
func TestFixturesMatchHF(t *testing.T) {
	shared := testenv.Shared(t)
	variants := append(testenv.Fixtures(t), "quants")
	for _, v := range variants {
		t.Run(v, func(t *testing.T) {
			dir := filepath.Join(shared, "fixtures", v)
			f, err := gguf.Open(filepath.Join(dir, "model.gguf"), weights.Lazy)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			hf := readSafetensors(t, filepath.Join(dir, "hf", "model.safetensors"))
			arch := f.Architecture()
			used := map[string]bool{}
			for _, tt := range f.Tensors {
				var name string
				for _, c := range hfCandidates(tt.Name) {
					if _, ok := hf[c]; ok {
						name = c
						break
					}
				}
				if name == "" {
					if !strings.HasPrefix(tt.Name, "rope_") {
						t.Errorf("GGUF tensor %q has no HF counterpart", tt.Name)
					}
					continue
				}
				used[name] = true
				h := hf[name]
				if !slices.Equal(tt.Shape, h.Shape) || tt.DType != kernels.F32 || h.DType != "F32" {
					t.Errorf("%s %s %v vs %s %s %v", tt.Name, tt.DType, tt.Shape, name, h.DType, h.Shape)
					continue
				}
				want := h.float32s(t)
				got := stTensor{DType: "F32", Data: tt.Data}.float32s(t)
				if arch == "llama" && (strings.HasSuffix(tt.Name, "attn_q.weight") || strings.HasSuffix(tt.Name, "attn_k.weight")) {
					nq, nkv := headCounts(t, f)
					heads := nq
					if strings.HasSuffix(tt.Name, "attn_k.weight") {
						heads = nkv
					}
					got = unpermute(got, tt.Rows(), tt.Cols(), heads)
				}
				if strings.HasPrefix(arch, "gemma") && strings.Contains(tt.Name, "norm") {
					for i := range want {
						want[i]++
					}
				}
				for i := range want {
					if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
						t.Errorf("%s [%d] = %v, HF %s has %v", tt.Name, i, got[i], name, want[i])
						break
					}
				}
			}
			for name := range hf {
				if !used[name] && !(name == "lm_head.weight" && f.Tensor("output.weight") == nil) {
					t.Errorf("HF tensor %q has no GGUF counterpart", name)
				}
			}
		})
	}
}
