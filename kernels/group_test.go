package kernels

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestMatMulGroup(t *testing.T) {
	for _, name := range runnableSets() {
		withKernels(name, func() {
			rng := rand.New(rand.NewPCG(21, 22))
			const cols = 512
			ws := []Mat{randomMat(rng, Q8_0, 300, cols), randomMat(rng, F32, 7, cols), randomMat(rng, Q4_K, 65, cols), randomMat(rng, F16, 1, cols)}
			for _, n := range []int{1, 5} {
				x := randVec(rng, n*cols, 1)
				dst := make([][]float32, len(ws))
				for j, w := range ws {
					dst[j] = make([]float32, n*w.Rows)
				}
				MatMulGroup(dst, ws, x, n)
				for j, w := range ws {
					want := make([]float32, n*w.Rows)
					MatMul(want, w, x, n)
					for i := range want {
						if math.Float32bits(want[i]) != math.Float32bits(dst[j][i]) {
							t.Fatalf("%s n=%d matrix %d (%s) [%d]: group %v, MatMul %v", name, n, j, w.DType, i, dst[j][i], want[i])
						}
					}
				}
				if !raceEnabled {
					if a := testing.AllocsPerRun(20, func() { MatMulGroup(dst, ws, x, n) }); a != 0 {
						t.Errorf("%s n=%d: MatMulGroup allocates %v times per call", name, n, a)
					}
				}
			}
		})
	}
	for name, f := range map[string]func(){
		"count": func() { MatMulGroup(make([][]float32, 1), nil, nil, 1) },
		"cols": func() {
			MatMulGroup([][]float32{make([]float32, 2), make([]float32, 2)}, []Mat{{DType: F32, Rows: 2, Cols: 1, Data: make([]byte, 8)}, {DType: F32, Rows: 2, Cols: 2, Data: make([]byte, 16)}}, make([]float32, 1), 1)
		},
		"length": func() {
			MatMulGroup([][]float32{make([]float32, 3)}, []Mat{{DType: F32, Rows: 2, Cols: 1, Data: make([]byte, 8)}}, make([]float32, 1), 1)
		},
	} {
		if catch(f) == nil {
			t.Errorf("%s: no panic", name)
		}
	}
}
