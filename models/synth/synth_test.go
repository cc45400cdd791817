package synth

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/torchless-go/torchless/kernels"
	"github.com/torchless-go/torchless/models"
	"github.com/torchless-go/torchless/models/gguf"
	"github.com/torchless-go/torchless/models/weights"
)

// small is a shape smaller than "tiny", for fast tests of every family.
var small = Options{Hidden: 64, Layers: 2, Heads: 4, KVHeads: 2, FFN: 128, Vocab: 300}

func forward(t *testing.T, path string, tokens []int) []float32 {
	t.Helper()
	m, err := models.LoadAuto(path, models.LoadOptions{})
	if err != nil {
		t.Fatalf("LoadAuto(%s): %v", path, err)
	}
	defer m.Close()
	logits, err := m.ForwardBatch(context.Background(), m.NewState(), tokens)
	if err != nil {
		t.Fatalf("%s: forward: %v", path, err)
	}
	for i, v := range logits {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			t.Fatalf("%s: logit %d is %v", path, i, v)
		}
	}
	return logits
}

func TestEveryArchGGUFMatchesHF(t *testing.T) {
	dir := t.TempDir()
	tokens := []int{1, 50, 260, 299, 7}
	for _, arch := range Archs() {
		o := small
		o.Arch, o.Seed = arch, 7
		gg := filepath.Join(dir, arch+".gguf")
		hf := filepath.Join(dir, arch+"-hf")
		if err := Write(context.Background(), gg, o); err != nil {
			t.Fatalf("%s: %v", arch, err)
		}
		o.Format = "hf"
		if err := Write(context.Background(), hf, o); err != nil {
			t.Fatalf("%s hf: %v", arch, err)
		}
		a := forward(t, gg, tokens)
		b := forward(t, hf, tokens)
		if len(a) != len(b) || len(a) != len(tokens)*o.Vocab {
			t.Fatalf("%s: %d and %d logits", arch, len(a), len(b))
		}
		var maxDiff, maxRef float64
		for i := range a {
			maxDiff = math.Max(maxDiff, math.Abs(float64(a[i]-b[i])))
			maxRef = math.Max(maxRef, math.Abs(float64(b[i])))
		}
		t.Logf("%s: GGUF vs HF logits: max diff %.3g of max %.3g", arch, maxDiff, maxRef)
		if maxRef == 0 || maxDiff/maxRef > 1e-5 {
			t.Errorf("%s: GGUF and HF logits differ by %g (max %g)", arch, maxDiff, maxRef)
		}
		m, err := models.LoadAuto(gg, models.LoadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: loaded as %s", arch, m.Architecture())
		if string(m.Architecture()) == "" {
			t.Errorf("%s: no architecture", arch)
		}
		ids, err := m.Encode("the cat")
		if err != nil || len(ids) < 2 || ids[0] != 1 {
			t.Errorf("%s: Encode = %v, %v; want BOS and pieces", arch, ids, err)
		}
		m.Close()
	}
}

func TestQuantizedTiny(t *testing.T) {
	dir := t.TempDir()
	for _, dt := range []kernels.DType{kernels.F16, kernels.BF16, kernels.Q8_0, kernels.Q4_0, kernels.Q4_K, kernels.Q6_K} {
		o := Options{Arch: "llama", Shape: "tiny", DType: dt, Seed: 3}
		path := filepath.Join(dir, dt.String()+".gguf")
		if err := Write(context.Background(), path, o); err != nil {
			t.Fatalf("%s: %v", dt, err)
		}
		st, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		want, err := WeightBytes(o)
		if err != nil {
			t.Fatal(err)
		}
		if st.Size() < want || st.Size() > want+1<<20 {
			t.Errorf("%s: file is %d bytes, weights %d", dt, st.Size(), want)
		}
		forward(t, path, []int{1, 2, 3})
	}
}

func TestOptionErrors(t *testing.T) {
	for _, o := range []Options{
		{Arch: "gpt9", Shape: "tiny"},
		{Shape: "huge"},
		{Hidden: 64},
		{Shape: "tiny", Vocab: 100},
		{Shape: "tiny", Format: "hf", DType: kernels.Q8_0},
		{Shape: "tiny", Format: "onnx"},
		{Shape: "tiny", Heads: 3},
	} {
		if err := Write(context.Background(), filepath.Join(t.TempDir(), "x"), o); err == nil {
			t.Errorf("Write(%+v) succeeded", o)
		}
	}
}

func TestPermutedRow(t *testing.T) {
	// 2 heads of dim 4: GGUF rows per head are HF rows 0,2,1,3.
	want := []int{0, 2, 1, 3, 4, 6, 5, 7}
	for g, w := range want {
		if got := permutedRow(g, 8, 2); got != w {
			t.Errorf("permutedRow(%d) = %d, want %d", g, got, w)
		}
	}
}

// ConvertHF of a synthesized HF model gives the GGUF that Write makes
// from the same seed (same bytes for every tensor) and the same logits.
func TestConvertHF(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	tokens := []int{1, 5, 200, 63}
	for _, arch := range Archs() {
		o := small
		o.Arch, o.Seed, o.Format = arch, 11, "hf"
		hf := filepath.Join(dir, arch+"-hf")
		if err := Write(ctx, hf, o); err != nil {
			t.Fatal(err)
		}
		for _, dt := range []kernels.DType{kernels.F32, kernels.Q8_0} {
			conv := filepath.Join(dir, arch+"-"+dt.String()+".gguf")
			if err := ConvertHF(ctx, hf, conv, ConvertOptions{DType: dt}); err != nil {
				t.Fatalf("%s %s: %v", arch, dt, err)
			}
			direct := filepath.Join(dir, arch+"-"+dt.String()+"-direct.gguf")
			od := o
			od.Format, od.DType = "gguf", dt
			if err := Write(ctx, direct, od); err != nil {
				t.Fatal(err)
			}
			a, b := readTensors(t, conv), readTensors(t, direct)
			if len(a) != len(b) {
				t.Fatalf("%s %s: %d tensors converted, %d written", arch, dt, len(a), len(b))
			}
			for name, data := range b {
				if string(a[name]) != string(data) {
					t.Errorf("%s %s: tensor %s differs", arch, dt, name)
				}
			}
			if dt == kernels.F32 {
				x, y := forward(t, conv, tokens), forward(t, hf, tokens)
				for i := range x {
					if math.Abs(float64(x[i]-y[i])) > 1e-5 {
						t.Fatalf("%s: converted GGUF logit %d = %v, HF %v", arch, i, x[i], y[i])
					}
				}
			}
		}
	}
	// A default-mix Q4_0: the output matrix in Q8_0 (64 columns).
	o := small
	o.Arch, o.Format = "llama", "hf"
	hf := filepath.Join(dir, "mix-hf")
	if err := Write(ctx, hf, o); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "mix.gguf")
	if err := ConvertHF(ctx, hf, out, ConvertOptions{DType: kernels.Q4_0}); err != nil {
		t.Fatal(err)
	}
	f, err := gguf.Open(out, weights.Eager)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if f.Tensor("output.weight").DType != kernels.Q8_0 || f.Tensor("blk.0.attn_q.weight").DType != kernels.Q4_0 {
		t.Errorf("mix: output %s, attn_q %s", f.Tensor("output.weight").DType, f.Tensor("blk.0.attn_q.weight").DType)
	}
	if err := ConvertHF(ctx, out, filepath.Join(dir, "x.gguf"), ConvertOptions{DType: kernels.Q8_0}); err == nil {
		t.Error("ConvertHF of a GGUF file succeeded")
	}
}

func readTensors(t *testing.T, path string) map[string][]byte {
	t.Helper()
	f, err := gguf.Open(path, weights.Eager)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string][]byte{}
	for _, tt := range f.Tensors {
		out[tt.Name+" "+tt.DType.String()] = append([]byte(nil), tt.Data...)
	}
	return out
}
