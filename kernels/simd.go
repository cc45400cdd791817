package kernels

import "sync"

// Kernel sets built from SIMD row dot products (simd_amd64.go): MatVec
// and MatMul of a dtype call the same row function for every (row,
// input) pair, so each MatMul row is bit-identical to the MatVec of that
// input row, as the kernel-set contract requires.

// rowDotFn returns Σ_c W[c]·x[c] for one stored row (RowBytes(len(x))
// bytes) in float64.
type rowDotFn func(row []byte, x []float32) float64

// rowDot4Fn computes the dots of one stored row with four input rows (x
// holds them one after another, cols each) over columns [c0, c1),
// carrying float64 accumulators in acc from chunk to chunk (zeroed before
// the first). c0 is a multiple of matMulChunk; when c1 = cols it
// finishes, leaving input i's result in acc[16·i], exactly as the set's
// rowDotFn computes it.
type rowDot4Fn func(row []byte, x []float32, cols, c0, c1 int, acc *[64]float64)

// simdMatMulTile is the number of weight rows a MatMul tile holds: the
// tile stays in L2 while all n inputs pass over it, so each weight byte
// comes from memory once per MatMul.
const simdMatMulTile = 16

// matMulChunk is the column block of the four-input kernels (a multiple
// of 256, their widening period): four inputs' chunks (16 KiB) stay in
// L1 while the tile's rows pass.
const matMulChunk = 1024

// matMulBuf holds a tile's accumulators (simdMatMulTile rows × four
// inputs).
type matMulBuf [simdMatMulTile][64]float64

var matMulBufPool = sync.Pool{New: func() any { return new(matMulBuf) }}

// newDotSet makes a kernel set named name from per-dtype row dot
// products; dtypes without one use the generic kernels.
func newDotSet(name string, dots map[DType]rowDotFn, dots4 map[DType]rowDot4Fn) *kernelSet {
	ks := &kernelSet{name: name, dot: dots[F32]}
	for dt, f := range dots {
		ks.matVec[dt] = dotMatVec(f)
		ks.matMul[dt] = dotMatMul(f, dots4[dt])
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

// dotMatMul runs tiles of rows × all inputs: four inputs at a time
// through f4 when the set has it (each weight group decoded once for
// four inputs, columns in chunks so the inputs stay in L1), the rest
// through f.
func dotMatMul(f rowDotFn, f4 rowDot4Fn) matMulRows {
	return func(dst []float32, w Mat, x []float32, n, lo, hi int) {
		rb := w.rowBytes()
		cols := w.Cols
		var buf *matMulBuf
		if f4 != nil && n >= 4 {
			buf = matMulBufPool.Get().(*matMulBuf)
			defer matMulBufPool.Put(buf)
		}
		for r0 := lo; r0 < hi; r0 += simdMatMulTile {
			r1 := min(r0+simdMatMulTile, hi)
			i := 0
			if buf != nil {
				for ; i+4 <= n; i += 4 {
					xi := x[i*cols : (i+4)*cols]
					for r := r0; r < r1; r++ {
						buf[r-r0] = [64]float64{}
					}
					for c0 := 0; c0 < cols; c0 += matMulChunk {
						c1 := min(c0+matMulChunk, cols)
						for r := r0; r < r1; r++ {
							f4(w.Data[r*rb:(r+1)*rb], xi, cols, c0, c1, &buf[r-r0])
						}
					}
					for r := r0; r < r1; r++ {
						for k := 0; k < 4; k++ {
							dst[(i+k)*w.Rows+r] = float32(buf[r-r0][16*k])
						}
					}
				}
			}
			for ; i < n; i++ {
				xi := x[i*cols : (i+1)*cols]
				out := dst[i*w.Rows:]
				for r := r0; r < r1; r++ {
					out[r] = float32(f(w.Data[r*rb:(r+1)*rb], xi))
				}
			}
		}
	}
}
