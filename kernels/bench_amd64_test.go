package kernels

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/klauspost/cpuid/v2"
)

// BenchmarkKInt8 compares the K-quant int8 kernels, AVX2 and AVX-512
// VNNI, on one goroutine, over a 512×2048 matrix (in L2): each
// iteration times 50 products with each in turn, and it reports the
// medians (ns-avx2, ns-avx512) and their ratio (speedup), so a change in
// the machine's speed during the run touches both alike.
func BenchmarkKInt8(b *testing.B) {
	if !cpuHas("avx512") || !cpuid.CPU.Supports(cpuid.AVX512VNNI) {
		b.Skip("no AVX-512 VNNI")
	}
	rng := rand.New(rand.NewPCG(4, 4))
	x := randVec(rng, 2048, 1)
	dst := make([]float32, 512)
	kernels := map[DType][2]int8Rows{
		Q4_K: {int8RowDots(dotQ4_KI8AVX2, 8, superValues, nil), int8RowDots(dotQ4_KI8AVX512, 8, superKOrder, nil)},
		Q5_K: {int8RowDots(dotQ5_KI8AVX2, 8, superValues, nil), int8RowDots(dotQ5_KI8AVX512, 8, superKOrder, nil)},
	}
	for _, dt := range []DType{Q4_K, Q5_K} {
		w := randomMat(rng, dt, 512, 2048)
		w.Int8Input = true
		a := quantizeInput(x, 1, w.Cols, needSuper|needKOrder)
		b.Run(dt.String(), func(b *testing.B) {
			var ns [2][]float64
			for b.Loop() {
				for i, k := range kernels[dt] {
					t := time.Now()
					for range 50 {
						k(dst, w, a, 0, 0, 512)
					}
					ns[i] = append(ns[i], float64(time.Since(t))/50)
				}
			}
			b.ReportMetric(median(ns[0]), "ns-avx2")
			b.ReportMetric(median(ns[1]), "ns-avx512")
			b.ReportMetric(median(ns[0])/median(ns[1]), "speedup")
		})
	}
}
