package kernels_test

import (
	"bytes"
	"path/filepath"
	"testing"

	"github.com/torchless-go/torchless/internal/testenv"
	"github.com/torchless-go/torchless/kernels"
	"github.com/torchless-go/torchless/models/gguf"
	"github.com/torchless-go/torchless/models/weights"
)

// TestQuantizeAllTypesMatchLlamaCpp quantizes fixtures/quants/model.gguf's
// F32 tensors into every type QuantizeRow supports and compares with the
// bytes llama.cpp's quantizer wrote (model-<type>.gguf, made with --pure
// and no importance matrix, so with the reference quantizers).
func TestQuantizeAllTypesMatchLlamaCpp(t *testing.T) {
	dir := testenv.Shared(t, "fixtures", "quants")
	open := func(name string) *gguf.File {
		f, err := gguf.Open(filepath.Join(dir, name), weights.Lazy)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { f.Close() })
		return f
	}
	src := open("model.gguf")
	for _, ty := range []string{"f16", "bf16", "q8_0", "q4_0", "q4_1", "q5_0", "q5_1", "q2_k", "q3_k", "q4_k", "q5_k", "q6_k"} {
		t.Run(ty, func(t *testing.T) {
			q := open("model-" + ty + ".gguf")
			want, err := kernels.ParseDType(ty)
			if err != nil {
				t.Fatal(err)
			}
			checked := 0
			for _, qt := range q.Tensors {
				if qt.DType != want {
					continue
				}
				st := src.Tensor(qt.Name)
				if st == nil || st.DType != kernels.F32 || st.Cols() != qt.Cols() || st.Rows() != qt.Rows() {
					t.Fatalf("%s: no matching F32 source tensor", qt.Name)
				}
				row := make([]float32, st.Cols())
				rb, err := want.RowBytes(st.Cols())
				if err != nil {
					t.Fatal(err)
				}
				out := make([]byte, rb)
				for r := 0; r < st.Rows(); r++ {
					st.DequantizeRow(r, row)
					kernels.QuantizeRow(want, out, row)
					if w := qt.RowBytes(r); !bytes.Equal(out, w) {
						i := 0
						for out[i] == w[i] {
							i++
						}
						t.Fatalf("%s row %d: first difference at byte %d (block %d)", qt.Name, r, i, i/want.BlockBytes())
					}
				}
				checked++
			}
			if checked < 7 {
				t.Fatalf("only %d %s tensors checked", checked, want)
			}
		})
	}
}
