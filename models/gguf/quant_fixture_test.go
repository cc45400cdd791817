package gguf_test

import (
	"bytes"
	"fmt"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/torchless-go/torchless/internal/testenv"
	"github.com/torchless-go/torchless/kernels"
	"github.com/torchless-go/torchless/models/gguf"
	"github.com/torchless-go/torchless/models/weights"
)

// quantTypes are the types of fixtures/quants/model-<type>.gguf.
var quantTypes = []string{"f16", "bf16", "q4_0", "q4_1", "q5_0", "q5_1", "q8_0", "q2_k", "q3_k", "q4_k", "q5_k", "q6_k"}

func openGGUF(t *testing.T, path string) *gguf.File {
	t.Helper()
	f, err := gguf.Open(path, weights.Lazy)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func dequantize(t *testing.T, tt *weights.Tensor) []float32 {
	t.Helper()
	out, err := tt.Float32()
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// relErr is max |got − want| / max |want|.
func relErr(got, want []float32) float64 {
	var d, m float64
	for i := range want {
		d = max(d, math.Abs(float64(got[i])-float64(want[i])))
		m = max(m, math.Abs(float64(want[i])))
	}
	if m == 0 {
		return d
	}
	return d / m
}

// TestQuantsDequantize checks kernels.DequantizeRow on every weight type
// against the reference dequantization of fixtures/quants: each
// dequant.<name> tensor of expected-<type>.safetensors must equal the
// dequantized GGUF tensor.
func TestQuantsDequantize(t *testing.T) {
	dir := testenv.Shared(t, "fixtures", "quants")
	for _, typ := range quantTypes {
		t.Run(typ, func(t *testing.T) {
			dt, err := kernels.ParseDType(typ)
			if err != nil {
				t.Fatal(err)
			}
			f := openGGUF(t, filepath.Join(dir, "model-"+typ+".gguf"))
			exp := readSafetensors(t, filepath.Join(dir, "expected-"+typ+".safetensors"))
			checked := 0
			for key, st := range exp {
				name, ok := strings.CutPrefix(key, "dequant.")
				if !ok {
					continue
				}
				tt := f.Tensor(name)
				if tt == nil {
					t.Fatalf("%s: no tensor %q", f.Path, name)
				}
				if tt.DType != dt || fmt.Sprint(tt.Shape) != fmt.Sprint(st.Shape) {
					t.Fatalf("%s: %s %v, expected %s %v", name, tt.DType, tt.Shape, dt, st.Shape)
				}
				got, want := dequantize(t, tt), st.float32s(t)
				if e := relErr(got, want); e > 1e-6 {
					t.Errorf("%s %s: relative error %.3g", typ, name, e)
				}
				checked++
			}
			if checked < 2 {
				t.Fatalf("only %d dequant.* tensors in expected-%s.safetensors", checked, typ)
			}
		})
	}
}

// quantPairs lists (F32 file, quantized file) pairs of the shared data.
func quantPairs(t *testing.T) [][2]string {
	shared := testenv.Shared(t)
	var pairs [][2]string
	for _, v := range append(testenv.Fixtures(t), "quants") {
		dir := filepath.Join(shared, "fixtures", v)
		for _, q := range []string{"q8_0", "q4_0"} {
			pairs = append(pairs, [2]string{filepath.Join(dir, "model.gguf"), filepath.Join(dir, "model-"+q+".gguf")})
		}
	}
	return pairs
}

// TestQuantizeMatchesLlamaCpp quantizes model.gguf's F32 tensors with
// kernels.QuantizeRow and compares with the bytes llama.cpp's quantizer
// wrote, for every tensor a model-q8_0/q4_0.gguf stores as Q8_0 or Q4_0
// (the Q4_0 files hold their output matrix as Q8_0).
func TestQuantizeMatchesLlamaCpp(t *testing.T) {
	shared := testenv.Shared(t)
	for _, p := range quantPairs(t) {
		name, _ := filepath.Rel(shared, p[1])
		t.Run(name, func(t *testing.T) {
			src := openGGUF(t, p[0])
			dst := openGGUF(t, p[1])
			checked := 0
			for _, q := range dst.Tensors {
				if q.DType != kernels.Q8_0 && q.DType != kernels.Q4_0 {
					continue
				}
				s := src.Tensor(q.Name)
				if s == nil || s.DType != kernels.F32 || fmt.Sprint(s.Shape) != fmt.Sprint(q.Shape) {
					t.Fatalf("%s: source tensor %v does not match %s %v", q.Name, s, q.DType, q.Shape)
				}
				row := make([]float32, s.Cols())
				rb, err := q.DType.RowBytes(s.Cols())
				if err != nil {
					t.Fatal(err)
				}
				out := make([]byte, rb)
				for r := range s.Rows() {
					s.DequantizeRow(r, row)
					kernels.QuantizeRow(q.DType, out, row)
					if want := q.RowBytes(r); !bytes.Equal(out, want) {
						i := 0
						for out[i] == want[i] {
							i++
						}
						t.Errorf("%s (%s) row %d: first difference at byte %d", q.Name, q.DType, r, i)
						break
					}
				}
				checked++
			}
			if checked == 0 {
				t.Fatalf("no Q8_0/Q4_0 tensors in %s", p[1])
			}
		})
	}
}

// TestQuantizedQKMatchHF dequantizes the attention q/k weights of the
// llama-architecture fixtures' Q8_0 and Q4_0 files, undoes the converter's
// row permutation, and compares with HF's q_proj/k_proj: every element must
// lie within its block's quantization step (half a step for Q8_0, plus the
// f16 rounding of the scale; a full step for Q4_0, whose largest code is
// clamped).
func TestQuantizedQKMatchHF(t *testing.T) {
	shared := testenv.Shared(t)
	for _, v := range []string{"llama2", "llama3", "llama_linear", "mistral", "mistral_swa"} {
		for _, q := range []string{"q8_0", "q4_0"} {
			t.Run(v+"/"+q, func(t *testing.T) {
				dir := filepath.Join(shared, "fixtures", v)
				f := openGGUF(t, filepath.Join(dir, "model-"+q+".gguf"))
				if f.Architecture() != "llama" {
					t.Fatalf("architecture %q, want llama", f.Architecture())
				}
				hf := readSafetensors(t, filepath.Join(dir, "hf", "model.safetensors"))
				nq, nkv := headCounts(t, f)
				checked := 0
				for _, tt := range f.Tensors {
					var proj string
					heads := nq
					switch {
					case strings.HasSuffix(tt.Name, ".attn_q.weight"):
						proj = "q_proj"
					case strings.HasSuffix(tt.Name, ".attn_k.weight"):
						proj, heads = "k_proj", nkv
					default:
						continue
					}
					layer := strings.Split(tt.Name, ".")[1]
					h, ok := hf["model.layers."+layer+".self_attn."+proj+".weight"]
					if !ok || fmt.Sprint(h.Shape) != fmt.Sprint(tt.Shape) {
						t.Fatalf("%s: HF %s missing or shaped %v, GGUF %v", tt.Name, proj, h.Shape, tt.Shape)
					}
					if tt.DType != kernels.Q8_0 && tt.DType != kernels.Q4_0 {
						t.Fatalf("%s is %s", tt.Name, tt.DType)
					}
					slack := 0.5 + 127.0/2048 // Q8_0: rounding, plus the scale's f16 rounding
					if tt.DType == kernels.Q4_0 {
						slack = 1.01
					}
					rows, cols := tt.Rows(), tt.Cols()
					// The step of every element: |d| of its block, in GGUF row order.
					steps := make([]float32, rows*cols)
					bs, bb := tt.DType.BlockSize(), tt.DType.BlockBytes()
					for r := range rows {
						rb := tt.RowBytes(r)
						for b := range cols / bs {
							d := kernels.F16ToF32(uint16(rb[b*bb]) | uint16(rb[b*bb+1])<<8)
							for i := range bs {
								steps[r*cols+b*bs+i] = float32(math.Abs(float64(d)))
							}
						}
					}
					got := unpermute(dequantize(t, tt), rows, cols, heads)
					steps = unpermute(steps, rows, cols, heads)
					want := h.float32s(t)
					bad := 0
					for i := range want {
						if math.Abs(float64(got[i])-float64(want[i])) > slack*float64(steps[i])+1e-9 {
							if bad == 0 {
								t.Errorf("%s [%d,%d]: %v vs HF %v, step %v", tt.Name, i/cols, i%cols, got[i], want[i], steps[i])
							}
							bad++
						}
					}
					if bad > 0 {
						t.Errorf("%s: %d elements off by more than %.2f steps", tt.Name, bad, slack)
					}
					checked++
				}
				if checked == 0 {
					t.Fatal("no attn_q/attn_k tensors")
				}
			})
		}
	}
}
