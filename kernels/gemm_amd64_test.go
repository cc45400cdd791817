package kernels

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestGemmDecoders checks that the AVX2 and AVX-512 MatMul's row decoders
// (gemmKernels.decode) write DequantizeRow's values bit for bit, on
// column ranges that start and end inside a row: the decoded MatMul is
// bit-identical to MatVec only if they do. The one exception is the sign
// of a zero weight: Q6_K's kernels make d·sc·(q−32) as one FMA,
// q·(d·sc) + (−32·d·sc), which gives +0 where ggml's product gives −0
// (d·sc < 0, q = 32). A ±0 weight adds nothing to the float32 partials,
// which start at +0, so the results do not change
// (TestSIMDMatMulBatch).
func TestGemmDecoders(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	for set, gemm := range map[string]map[DType]*gemmKernels{"avx2": avx2Gemm(), "avx512": avx512Gemm()} {
		if !cpuHas(set) {
			t.Logf("%s: not on this CPU", set)
			continue
		}
		checkDecoders(t, rng, gemm)
	}
}

func checkDecoders(t *testing.T, rng *rand.Rand, gemm map[DType]*gemmKernels) {
	t.Helper()
	for dt, g := range gemm {
		if g.decode == nil {
			continue
		}
		const cols = 2048
		w := randomMat(rng, dt, 3, cols)
		rb := w.rowBytes()
		for r := 0; r < w.Rows; r++ {
			row := w.Data[r*rb : (r+1)*rb]
			want := make([]float32, cols)
			DequantizeRow(dt, want, row)
			for _, span := range [][2]int{{0, cols}, {0, 256}, {256, 1280}, {1792, cols}} {
				got := make([]float32, cols)
				g.decode(got, row, span[0], span[1])
				for c := range got {
					in := c >= span[0] && c < span[1]
					same := math.Float32bits(got[c]) == math.Float32bits(want[c]) || got[c] == 0 && want[c] == 0
					if in && !same {
						t.Fatalf("%s row %d columns %v: [%d] = %v, DequantizeRow %v", dt, r, span, c, got[c], want[c])
					}
					if !in && got[c] != 0 {
						t.Fatalf("%s row %d columns %v: wrote [%d] = %v outside the range", dt, r, span, c, got[c])
					}
				}
			}
		}
	}
}
