package kernels

import (
	"fmt"
	"sync"
)

// MatMulGroup computes dst[j] = W[j]·x for several matrices that share
// the input (q, k and v; gate and up), as MatMul does for each, in one
// spread over the worker pool: the pool is woken once instead of once
// per matrix, and small matrices share chunks with large ones. Every
// w[j] must have the same Cols; x is n×Cols and dst[j] n×w[j].Rows. The
// results are bit-identical to separate MatMul (or, for n = 1, MatVec)
// calls. dst and w are only read; a caller that keeps them in arrays of
// its own calls it without allocating. It panics on invalid matrices or
// lengths, as MatMul does.
func MatMulGroup(dst [][]float32, w []Mat, x []float32, n int) {
	if len(dst) != len(w) {
		panic(fmt.Sprintf("kernels: MatMulGroup: %d outputs for %d matrices", len(dst), len(w)))
	}
	if len(w) == 0 || n == 0 {
		return
	}
	cols := w[0].Cols
	total := 0
	ks := activeKernels()
	var needs int8Needs
	for j, m := range w {
		checkMat(m)
		if m.Cols != cols || n < 0 || len(dst[j]) != n*m.Rows || len(x) != n*cols {
			panic(fmt.Sprintf("kernels: MatMulGroup: matrix %d is %d×%d (first has %d columns), n=%d with len(x)=%d, len(dst)=%d",
				j, m.Rows, m.Cols, cols, n, len(x), len(dst[j])))
		}
		total += m.Rows
		needs |= inputNeeds(ks, m, n)
	}
	var a *int8Input
	if needs != 0 {
		a = quantizeInput(x, n, cols, needs)
	}
	t := groupTaskPool.Get().(*groupTask)
	*t = groupTask{ks: ks, dst: dst, w: w, x: x, n: n, a: a}
	runRows(total, n*cols, t)
	*t = groupTask{}
	groupTaskPool.Put(t)
	if a != nil {
		int8InputPool.Put(a)
	}
}

// groupTask is the Ranger of a MatMulGroup: its rows are those of w[0],
// then w[1], and so on.
type groupTask struct {
	ks  *kernelSet
	dst [][]float32
	w   []Mat
	x   []float32
	n   int
	a   *int8Input // the input quantized, when a matrix needs it (inputNeeds)
}

func (t *groupTask) Range(lo, hi int) {
	base := 0
	for j, m := range t.w {
		a, b := max(lo, base)-base, min(hi, base+m.Rows)-base
		base += m.Rows
		if a >= b {
			continue
		}
		if inputNeeds(t.ks, m, t.n) != 0 {
			int8Range(t.ks, t.dst[j], m, t.a, t.n, a, b)
			continue
		}
		if t.n == 1 {
			f := t.ks.matVec[m.DType]
			if f == nil {
				f = genericKernels.matVec[m.DType]
			}
			f(t.dst[j], m, t.x, a, b)
			continue
		}
		f := t.ks.matMul[m.DType]
		if f == nil {
			f = genericKernels.matMul[m.DType]
		}
		f(t.dst[j], m, t.x, t.n, a, b)
	}
}

var groupTaskPool = sync.Pool{New: func() any { return new(groupTask) }}
