package kernels

// Kernel sets built from SIMD row dot products (simd_amd64.go). MatMul
// either calls the row function MatVec uses for every (row, input) pair
// (dotMatMul) or runs kernels that do, for each pair, exactly the
// operations of that row function (gemmMatMul, simd_gemm.go), so each
// MatMul row is bit-identical to the MatVec of that input row, as the
// kernel-set contract requires; the one exception, Q8_0 (see MatMul and
// gemmKernels), stays within MatVec's error bound.

// rowDotFn returns Σ_c W[c]·x[c] for one stored row (RowBytes(len(x))
// bytes) in float64.
type rowDotFn func(row []byte, x []float32) float64

// rowDot4Fn computes the dots of one stored row with four input rows (x
// holds them one after another, cols each) over columns [c0, c1),
// carrying float64 accumulators in acc from chunk to chunk (zeroed before
// the first). c0 is a multiple of 256 (the kernels' widening period);
// when c1 = cols it finishes, leaving input i's result in acc[16·i],
// exactly as the set's rowDotFn computes it.
type rowDot4Fn func(row []byte, x []float32, cols, c0, c1 int, acc *[64]float64)

// rowDot8Fn is rowDot4Fn for two stored rows at once: rows holds them
// one after another (rb bytes apart) and acc[j] is row j's acc. For
// Q4_0, sc holds the two rows' block scales as float32, row j's at
// sc[j·cols/32:] (nil for the other dtypes).
type rowDot8Fn func(rows []byte, rb int, sc []float32, x []float32, cols, c0, c1 int, acc *[2][64]float64)

// rowDot8TFn is rowDot8Fn for pairs consecutive pairs of rows (2·pairs
// rows, rb bytes apart, row j's accumulators in acc[j]) in one call.
type rowDot8TFn func(rows []byte, rb int, x []float32, cols, c0, c1 int, acc [][64]float64, pairs int)

// simdMatMulTile is the number of weight rows a dotMatMul tile holds:
// the tile stays in L2 while all n inputs pass over it, so each weight
// byte comes from memory once per MatMul.
const simdMatMulTile = 16

// newDotSet makes a kernel set named name from per-dtype row dot
// products; dtypes without one use the generic kernels. MatMul runs
// gemmMatMul for the dtypes in gemm, dotMatMul for the others.
func newDotSet(name string, dots map[DType]rowDotFn, gemm map[DType]*gemmKernels) *kernelSet {
	ks := &kernelSet{name: name, dot: dots[F32]}
	for dt, f := range dots {
		ks.matVec[dt] = dotMatVec(f)
		if g := gemm[dt]; g != nil {
			g.f = f
			ks.matMul[dt] = gemmMatMul(g)
		} else {
			ks.matMul[dt] = dotMatMul(f)
		}
	}
	return ks
}

func dotMatVec(f rowDotFn) matVecRows {
	return func(dst []float32, w Mat, x []float32, lo, hi int) {
		rb := w.rowBytes()
		for r := lo; r < hi; r++ {
			dst[r] = float32(f(w.Data[r*rb:(r+1)*rb], x))
		}
	}
}

// dotMatMul runs tiles of rows × all inputs through f, one input at a
// time.
func dotMatMul(f rowDotFn) matMulRows {
	return func(dst []float32, w Mat, x []float32, n, lo, hi int) {
		rb := w.rowBytes()
		cols := w.Cols
		for r0 := lo; r0 < hi; r0 += simdMatMulTile {
			r1 := min(r0+simdMatMulTile, hi)
			for i := 0; i < n; i++ {
				xi := x[i*cols : (i+1)*cols]
				out := dst[i*w.Rows:]
				for r := r0; r < r1; r++ {
					out[r] = float32(f(w.Data[r*rb:(r+1)*rb], xi))
				}
			}
		}
	}
}
