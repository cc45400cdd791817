//go:build amd64

package kernels

import (
	"math"
	"sync"
	"unsafe"

	"github.com/klauspost/cpuid/v2"
)

// Row dot products in Go assembly (simd_avx2_*.s, simd_avx512_*.s and
// simd_k23_amd64.s, with macros shared through simd_amd64.h). The float
// types process whole 32-element groups in assembly and the remainder
// here; quantized rows are whole blocks.

//go:noescape
func dotF32AVX2(w *byte, x *float32, n int) float64

//go:noescape
func dotF16AVX2(w *byte, x *float32, n int) float64

//go:noescape
func dotBF16AVX2(w *byte, x *float32, n int) float64

//go:noescape
func dotQ8_0AVX2(w *byte, x *float32, nb int) float64

//go:noescape
func dotQ4_0AVX2(w *byte, x *float32, nb int) float64

//go:noescape
func dotF32AVX512(w *byte, x *float32, n int) float64

//go:noescape
func dotF16AVX512(w *byte, x *float32, n int) float64

//go:noescape
func dotBF16AVX512(w *byte, x *float32, n int) float64

//go:noescape
func dotF32WideAVX512(w *byte, x *float32, n int) float64

//go:noescape
func dotF16WideAVX512(w *byte, x *float32, n int) float64

//go:noescape
func dotBF16WideAVX512(w *byte, x *float32, n int) float64

//go:noescape
func dotQ8_0AVX512(w *byte, x *float32, n int) float64

//go:noescape
func dotQ4_0AVX512(w *byte, x *float32, n int) float64

//go:noescape
func siluAVX512(x *float32, n int)

//go:noescape
func quantizeQ8AVX512(x *float32, q *int8, d *float32, c8, c128, sums *int32, nb int)

//go:noescape
func siluAVX2(x *float32, n int)

//go:noescape
func geluAVX2(x *float32, n int)

//go:noescape
func softCapAVX2(x *float32, n int, c float64)

//go:noescape
func softCapAVX512(x *float32, n int, c float64)

//go:noescape
func geluAVX512(x *float32, n int)

//go:noescape
func quantizeX24AVX2(x *float32, p *int8, t *int32, s *float32, n int)

//go:noescape
func quantizeX24KAVX2(x *float32, p *int8, t, s *float32, n int)

//go:noescape
func quantizeX24Q6AVX2(x *float32, p *int8, t *int32, s *float32, n int)

//go:noescape
func quantizeQ8KAVX2(x *float32, q *int8, sums *int32, d *float32) bool

// quantizeSuperAVX2 quantizes super-block b of a.x (see quantizeSuper);
// false for a super-block whose largest |x| is 0, ±Inf or NaN, which it
// leaves to the Go loop. No set that takes it has kOrder (it is the AVX2
// set's, and the AVX-512 set's without VNNI), so it has no kqk to lay out.
func quantizeSuperAVX2(a *int8Input, b int) bool {
	return quantizeQ8KAVX2(&a.x[b*superBlock], &a.kq[b*superBlock], &a.ksums[b*16], &a.kd[b])
}

//go:noescape
func quantizeQ8AVX2(x *float32, q *int8, d *float32, c8, c128, sums *int32, nb int)

// quantizeAVX2 quantizes blocks [lo, hi) of a.x (see quantizeBlock).
func quantizeAVX2(a *int8Input, lo, hi int) {
	if hi > lo {
		quantizeQ8AVX2(&a.x[lo*int8Block], &a.q[lo*int8Block], &a.d[lo], &a.c8[lo*8], &a.c128[lo*8], &a.blockSums[lo], hi-lo)
	}
}

// quantizeAVX512 quantizes blocks [lo, hi) of a.x (see quantizeBlock).
func quantizeAVX512(a *int8Input, lo, hi int) {
	if hi > lo {
		quantizeQ8AVX512(&a.x[lo*int8Block], &a.q[lo*int8Block], &a.d[lo], &a.c8[lo*8], &a.c128[lo*8], &a.blockSums[lo], hi-lo)
	}
}

//go:noescape
func quantizeQ8KAVX512(x *float32, q, qk *int8, sums *int32, d *float32) bool

// quantizeSuperAVX512 quantizes super-block b of a.x (see quantizeSuper)
// and, when a wants it, lays it out in kqk; false for a super-block whose
// largest |x| is 0, ±Inf or NaN, which it leaves to the Go loop.
func quantizeSuperAVX512(a *int8Input, b int) bool {
	var qk *int8
	if a.needs&needKOrder != 0 {
		qk = &a.kqk[b*superBlock]
	}
	return quantizeQ8KAVX512(&a.x[b*superBlock], &a.kq[b*superBlock], qk, &a.ksums[b*16], &a.kd[b])
}

//go:noescape
func dotQ4_0I8AVX512(w *byte, q *int8, c unsafe.Pointer, d *float32, nb, rows, rb int, out *float64)

//go:noescape
func quantizeX24KAVX512(x *float32, p *int8, t, s *float32, n int)

//go:noescape
func quantizeX24Q6AVX512(x *float32, p *int8, t *int32, s *float32, n int)

//go:noescape
func quantizeX24AVX512(x *float32, p *int8, t *int32, s *float32, n int)

//go:noescape
func dotQ4_KX24AVX512(w *byte, q *int8, c unsafe.Pointer, d *float32, nb, rows, rb int, out *float64)

//go:noescape
func dotQ5_KX24AVX512(w *byte, q *int8, c unsafe.Pointer, d *float32, nb, rows, rb int, out *float64)

//go:noescape
func dotQ6_KX24AVX512(w *byte, q *int8, c unsafe.Pointer, d *float32, nb, rows, rb int, out *float64)

//go:noescape
func dotQ4_0X24AVX512(w *byte, p *int8, c unsafe.Pointer, s *float32, nb, rows, rb int, out *float64)

//go:noescape
func dotQ8_0I8AVX512(w *byte, q *int8, c unsafe.Pointer, d *float32, nb, rows, rb int, out *float64)

//go:noescape
func dot4Q4_0I8AVX512(w *byte, q *int8, c unsafe.Pointer, d *float32, stride, nb int, out *[4]float64)

//go:noescape
func dot4Q4_0X24AVX512(w *byte, p *int8, c unsafe.Pointer, s *float32, stride, nb int, out *[4]float64)

//go:noescape
func dot4Q8_0I8AVX512(w *byte, q *int8, c unsafe.Pointer, d *float32, stride, nb int, out *[4]float64)

//go:noescape
func dot4F32AVX512(w *byte, x *float32, stride, n int, acc *[64]float64, last int)

//go:noescape
func dot4F16AVX512(w *byte, x *float32, stride, n int, acc *[64]float64, last int)

//go:noescape
func dot4BF16AVX512(w *byte, x *float32, stride, n int, acc *[64]float64, last int)

//go:noescape
func dot4Q8_0AVX512(w *byte, x *float32, stride, n int, acc *[64]float64, last int)

//go:noescape
func dot4Q4_0AVX512(w *byte, x *float32, stride, n int, acc *[64]float64, last int)

//go:noescape
func dotQ4_KAVX2(w *byte, x *float32, n int) float64

//go:noescape
func dotQ4_1AVX2(w *byte, x *float32, nb int) float64

//go:noescape
func dotQ5_0AVX2(w *byte, x *float32, nb int) float64

//go:noescape
func dotQ5_1AVX2(w *byte, x *float32, nb int) float64

//go:noescape
func dotQ2_KAVX2(w *byte, x *float32, n int) float64

//go:noescape
func dotQ3_KAVX2(w *byte, x *float32, n int) float64

//go:noescape
func dotQ5_KAVX2(w *byte, x *float32, n int) float64

//go:noescape
func dotI8G64AVX2(w *byte, s *float32, x *float32, ng int) float64

//go:noescape
func dotQ4_1AVX512(w *byte, x *float32, nb int) float64

//go:noescape
func dotQ5_0AVX512(w *byte, x *float32, nb int) float64

//go:noescape
func dotQ5_1AVX512(w *byte, x *float32, nb int) float64

//go:noescape
func dotQ2_KAVX512(w *byte, x *float32, n int) float64

//go:noescape
func dotQ3_KAVX512(w *byte, x *float32, n int) float64

//go:noescape
func dotI8G64AVX512(w *byte, s *float32, x *float32, ng int) float64

//go:noescape
func dotQ4_0RowsAVX512(w *byte, x *float32, n, rows, rb int, out *float32)

//go:noescape
func dotQ8_0RowsAVX512(w *byte, x *float32, n, rows, rb int, out *float32)

//go:noescape
func dotQ2_KRowsAVX512(w *byte, x *float32, n, rows, rb int, out *float32)

//go:noescape
func dotQ3_KRowsAVX512(w *byte, x *float32, n, rows, rb int, out *float32)

//go:noescape
func dotQ4_KRowsAVX512(w *byte, x *float32, n, rows, rb int, out *float32)

//go:noescape
func dotQ5_KRowsAVX512(w *byte, x *float32, n, rows, rb int, out *float32)

//go:noescape
func dotQ6_KRowsAVX512(w *byte, x *float32, n, rows, rb int, out *float32)

//go:noescape
func dotQ6_KAVX2(w *byte, x *float32, n int) float64

//go:noescape
func decQ2_KAVX2(dst *float32, src *byte, nb int)

//go:noescape
func decQ3_KAVX2(dst *float32, src *byte, nb int)

//go:noescape
func decQ4_KAVX2(dst *float32, src *byte, nb int)

//go:noescape
func decQ5_KAVX2(dst *float32, src *byte, nb int)

//go:noescape
func decQ6_KAVX2(dst *float32, src *byte, nb int)

//go:noescape
func decQ8_0AVX2(dst *float32, src *byte, nb int)

//go:noescape
func decQ4_0AVX2(dst *float32, src *byte, nb int)

//go:noescape
func dot4K32AVX2(w *byte, x *float32, stride, n int, acc *[64]float64, last int)

//go:noescape
func dot4K8AVX2(w *byte, x *float32, stride, n int, acc *[64]float64, last int)

//go:noescape
func dot4K2AVX2(w *byte, x *float32, stride, n int, acc *[64]float64, last int)

//go:noescape
func dotQ4_KAVX512(w *byte, x *float32, n int) float64

//go:noescape
func dotQ5_KAVX512(w *byte, x *float32, n int) float64

//go:noescape
func dotQ6_KAVX512(w *byte, x *float32, n int) float64

// superDot wraps an assembly kernel for a 256-element super-block type.
func superDot(k asmDot) rowDotFn {
	return func(row []byte, x []float32) float64 {
		if len(x) < 256 {
			return 0
		}
		return k(&row[0], &x[0], len(x)/256)
	}
}

//go:noescape
func axpyAVX2(dst *float32, a float32, x *float32, n int)

//go:noescape
func axpyRowsAVX2(dst *float32, a *float32, m *float32, stride, n, rows int)

//go:noescape
func axpyAVX512(dst *float32, a float32, x *float32, n int)

// simdAxpy wraps an assembly Axpy working on multiples of lanes elements.
func simdAxpy(k func(dst *float32, a float32, x *float32, n int), lanes int) axpyFn {
	return func(dst []float32, a float32, x []float32) {
		m := len(x) / lanes * lanes
		if m > 0 {
			k(&dst[0], a, &x[0], m)
		}
		for i := m; i < len(x); i++ {
			dst[i] = float32(math.FMA(float64(a), float64(x[i]), float64(dst[i])))
		}
	}
}

type asmDot4 func(w *byte, x *float32, stride, n int, acc *[64]float64, last int)

//go:noescape
func dot4F32AVX2(w *byte, x *float32, stride, n int, acc *[64]float64, last int)

//go:noescape
func dot4F16AVX2(w *byte, x *float32, stride, n int, acc *[64]float64, last int)

//go:noescape
func dot4BF16AVX2(w *byte, x *float32, stride, n int, acc *[64]float64, last int)

//go:noescape
func dot4Q8_0AVX2(w *byte, x *float32, stride, n int, acc *[64]float64, last int)

//go:noescape
func dot4Q4_0AVX2(w *byte, x *float32, stride, n int, acc *[64]float64, last int)

//go:noescape
func dot4Q4_1AVX2(w *byte, x *float32, stride, n int, acc *[64]float64, last int)

//go:noescape
func dot4Q5_0AVX2(w *byte, x *float32, stride, n int, acc *[64]float64, last int)

//go:noescape
func dot4Q5_1AVX2(w *byte, x *float32, stride, n int, acc *[64]float64, last int)

// floatDot4 wraps a four-input kernel for a float type (as floatDot).
// The kernel leaves the reduced results in acc[16i] when it runs on the
// last chunk; otherwise finish (finish4 or finish4AVX2) reduces the
// accumulators as it would.
func floatDot4(k asmDot4, group, size int, decode func([]byte) float32, finish func([]float64) float64) rowDot4Fn {
	return func(row []byte, x []float32, cols, c0, c1 int, acc *[64]float64) {
		last := c1 == cols
		m := c0 + (c1-c0)/group*group
		if m > c0 {
			k(&row[size*c0], &x[c0], 4*cols, m-c0, acc, b2i(last))
		}
		if !last {
			return
		}
		for i := 0; i < 4; i++ {
			s := acc[16*i]
			if m == c0 {
				s = finish(acc[16*i : 16*i+16])
			}
			xi := x[i*cols : (i+1)*cols]
			for c := m; c < cols; c++ {
				s += float64(decode(row[size*c:])) * float64(xi[c])
			}
			acc[16*i] = s
		}
	}
}

// blockDot4 wraps a four-input kernel for a 32-element block type.
func blockDot4(k asmDot4, bytes int) rowDot4Fn {
	return func(row []byte, x []float32, cols, c0, c1 int, acc *[64]float64) {
		if c1 > c0 {
			k(&row[c0/32*bytes], &x[c0], 4*cols, (c1-c0)/32, acc, b2i(c1 == cols))
		}
	}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// finish4 reduces one input's two float64 accumulators (8 lanes each) as
// the one-input kernels' FINISH512 does: lanes of the two added, then
// halves, quarters and the last pair.
func finish4(a []float64) float64 {
	var t [8]float64
	for i := range t {
		t[i] = a[i] + a[8+i]
	}
	u0, u1, u2, u3 := t[0]+t[4], t[1]+t[5], t[2]+t[6], t[3]+t[7]
	v0, v1 := u0+u2, u1+u3
	return v0 + v1
}

// finish4AVX2 is finish4 for the AVX2 kernels' two 4-lane accumulators
// (FINISH2 of simd_amd64.h).
func finish4AVX2(a []float64) float64 {
	t0, t1, t2, t3 := a[0]+a[4], a[1]+a[5], a[2]+a[6], a[3]+a[7]
	return (t0 + t2) + (t1 + t3)
}

type asmDot func(w *byte, x *float32, n int) float64

// floatDot wraps an assembly kernel for a float type of size bytes per
// element (decode converts one element for the tail). wide, when not
// nil, is the kernel's form for rows too wide for their input to stay in
// L1 beside them (wideRow), with the same results.
func floatDot(k, wide asmDot, group, size int, decode func([]byte) float32) rowDotFn {
	return func(row []byte, x []float32) float64 {
		n := len(x)
		m := n / group * group
		var s float64
		if m > 0 {
			if wide != nil && wideRow(n, size) {
				s = wide(&row[0], &x[0], m)
			} else {
				s = k(&row[0], &x[0], m)
			}
		}
		for c := m; c < n; c++ {
			s += float64(decode(row[size*c:])) * float64(x[c])
		}
		return s
	}
}

// blockDot wraps an assembly kernel for a 32-element block type.
func blockDot(k asmDot) rowDotFn {
	return func(row []byte, x []float32) float64 {
		if len(x) < 32 {
			return 0
		}
		return k(&row[0], &x[0], len(x)/32)
	}
}

// blockRows returns the MatVec of a many-row kernel (dotQ4_0RowsAVX512
// …) for a type of bs-element blocks: one call per chunk of rows instead
// of one per row (with a row of 2048 Q4_0 or Q8_0 weights, ~5–10% of a
// call went into the call and the row's reduction).
func blockRows(k func(w *byte, x *float32, n, rows, rb int, out *float32), bs int) matVecRows {
	return func(dst []float32, w Mat, x []float32, lo, hi int) {
		if hi > lo && w.Cols >= bs {
			rb := w.rowBytes()
			k(&w.Data[lo*rb], &x[0], w.Cols/bs, hi-lo, rb, &dst[lo])
		}
	}
}

// tlInt8Rows returns the MatVec and the MatMul of TLInt8 weights by a
// kernel k that takes each row's scales; MatMul runs tiles of rows × all
// inputs through it, one input at a time, as dotMatMul does.
func tlInt8Rows(k func(w *byte, s *float32, x *float32, ng int) float64) (matVecRows, matMulRows) {
	row := func(w Mat, r int, x []float32) float32 {
		g := w.Cols / TLInt8Group
		return float32(k(&w.Data[r*w.Cols], &w.Scales[r*g], &x[0], g))
	}
	mv := func(dst []float32, w Mat, x []float32, lo, hi int) {
		for r := lo; r < hi; r++ {
			dst[r] = row(w, r, x)
		}
	}
	mm := func(dst []float32, w Mat, x []float32, n, lo, hi int) {
		for r0 := lo; r0 < hi; r0 += simdMatMulTile {
			r1 := min(r0+simdMatMulTile, hi)
			for i := 0; i < n; i++ {
				xi := x[i*w.Cols : (i+1)*w.Cols]
				for r := r0; r < r1; r++ {
					dst[i*w.Rows+r] = row(w, r, xi)
				}
			}
		}
	}
	return mv, mm
}

func f32At(b []byte) float32  { return math.Float32frombits(le32(b)) }
func f16At(b []byte) float32  { return F16ToF32(le16(b)) }
func bf16At(b []byte) float32 { return BF16ToF32(le16(b)) }

var avx2Dots = map[DType]rowDotFn{
	F32:  floatDot(dotF32AVX2, nil, 32, 4, f32At),
	F16:  floatDot(dotF16AVX2, nil, 32, 2, f16At),
	BF16: floatDot(dotBF16AVX2, nil, 32, 2, bf16At),
	Q8_0: blockDot(dotQ8_0AVX2),
	Q4_0: blockDot(dotQ4_0AVX2),
	Q4_1: blockDot(dotQ4_1AVX2),
	Q5_0: blockDot(dotQ5_0AVX2),
	Q5_1: blockDot(dotQ5_1AVX2),
	Q2_K: superDot(dotQ2_KAVX2),
	Q3_K: superDot(dotQ3_KAVX2),
	Q4_K: superDot(dotQ4_KAVX2),
	Q5_K: superDot(dotQ5_KAVX2),
	Q6_K: superDot(dotQ6_KAVX2),
}

var avx512Dots = map[DType]rowDotFn{
	F32:  floatDot(dotF32AVX512, dotF32WideAVX512, 64, 4, f32At),
	F16:  floatDot(dotF16AVX512, dotF16WideAVX512, 64, 2, f16At),
	BF16: floatDot(dotBF16AVX512, dotBF16WideAVX512, 64, 2, bf16At),
	Q8_0: blockDot(dotQ8_0AVX512),
	Q4_0: blockDot(dotQ4_0AVX512),
	Q4_1: blockDot(dotQ4_1AVX512),
	Q5_0: blockDot(dotQ5_0AVX512),
	Q5_1: blockDot(dotQ5_1AVX512),
	Q2_K: superDot(dotQ2_KAVX512),
	Q3_K: superDot(dotQ3_KAVX512),
	Q4_K: superDot(dotQ4_KAVX512),
	Q5_K: superDot(dotQ5_KAVX512),
	Q6_K: superDot(dotQ6_KAVX512),
}

var avx512Dots4 = map[DType]rowDot4Fn{
	F32:  floatDot4(dot4F32AVX512, 64, 4, f32At, finish4),
	F16:  floatDot4(dot4F16AVX512, 64, 2, f16At, finish4),
	BF16: floatDot4(dot4BF16AVX512, 64, 2, bf16At, finish4),
	Q8_0: blockDot4(dot4Q8_0AVX512, 34),
	Q4_0: blockDot4(dot4Q4_0AVX512, 18),
}

// avx2Gemm lists the AVX2 MatMul's kernels (gemmMatMul, one row and
// four inputs at a time; f is filled in from the set's row dots; the
// float ones are in simd_avx2_kquant_amd64.s, beside the decoded-row
// kernels whose order they share). The
// K-quants decode tiles to float32 for dot4K32AVX2 (Q3_K: dot4K8AVX2,
// Q2_K: dot4K2AVX2), which sums them as their row dots do.
func avx2Gemm() map[DType]*gemmKernels {
	k32 := floatDot4(dot4K32AVX2, 128, 4, f32At, finish4AVX2)
	k8 := floatDot4(dot4K8AVX2, 128, 4, f32At, finish4AVX2)
	k2 := floatDot4(dot4K2AVX2, 128, 4, f32At, finish4AVX2)
	return map[DType]*gemmKernels{
		Q2_K: {decode: decodeCols(decQ2_KAVX2, 256, 84), decodeAlign: 256, decodeMin: 4, d4: k2},
		Q3_K: {decode: decodeCols(decQ3_KAVX2, 256, 110), decodeAlign: 256, decodeMin: 4, d4: k8},
		Q4_K: {decode: decodeCols(decQ4_KAVX2, 256, 144), decodeAlign: 256, decodeMin: 4, d4: k32},
		Q5_K: {decode: decodeCols(decQ5_KAVX2, 256, 176), decodeAlign: 256, decodeMin: 4, d4: k32},
		Q6_K: {decode: decodeCols(decQ6_KAVX2, 256, 210), decodeAlign: 256, decodeMin: 4, d4: k32},
		F32:  {f4: floatDot4(dot4F32AVX2, 32, 4, f32At, finish4AVX2)},
		F16:  {f4: floatDot4(dot4F16AVX2, 32, 2, f16At, finish4AVX2)},
		BF16: {f4: floatDot4(dot4BF16AVX2, 32, 2, bf16At, finish4AVX2)},
		Q8_0: {f4: blockDot4(dot4Q8_0AVX2, 34), decode: decodeCols(decQ8_0AVX2, 32, 34), decodeAlign: 256, decodeMin: 4, d4: k32},
		// Q4_0's MatVec takes the x24 path from 256 columns, so its
		// decoded MatMul need not repeat a row dot's order: it is within
		// MatVec's error bound, as the float kernels are (see MatMul).
		Q4_0: {f4: blockDot4(dot4Q4_0AVX2, 18), decode: decodeCols(decQ4_0AVX2, 32, 18), decodeAlign: 256, decodeMin: 4, d4: k32},
		Q4_1: {f4: blockDot4(dot4Q4_1AVX2, 20)},
		Q5_0: {f4: blockDot4(dot4Q5_0AVX2, 22)},
		Q5_1: {f4: blockDot4(dot4Q5_1AVX2, 24)},
	}
}

// The vector forms of Softmax's loops (kernelSet.vecExp).
const (
	vecExpAVX2 = 1 + iota
	vecExpAVX512
)

//go:noescape
func softmaxExpAVX512(x *float32, e *float64, shift float64, n int)

//go:noescape
func softmaxExpAVX2(x *float32, e *float64, shift float64, n int)

// softmaxExpVec sets e[i] = e^(x[i] − shift) for a multiple of 8 values.
func softmaxExpVec(kind uint8, e []float64, x []float32, shift float64) {
	if kind == vecExpAVX512 {
		softmaxExpAVX512(&x[0], &e[0], shift, len(x))
	} else {
		softmaxExpAVX2(&x[0], &e[0], shift, len(x))
	}
}

//go:noescape
func softmaxDivAVX512(x *float32, e *float64, sum float64, n int)

//go:noescape
func softmaxDivAVX2(x *float32, e *float64, sum float64, n int)

//go:noescape
func softmaxMaxAVX512(x *float32, n int) (m float32, nan bool)

//go:noescape
func softmaxMaxAVX2(x *float32, n int) (m float32, nan bool)

// softmaxMaxVec returns the largest of a multiple of 16 values (−Inf for
// none above it; NaNs ignored, as Softmax's loop ignores them) and
// whether any is NaN.
func softmaxMaxVec(kind uint8, x []float32) (float32, bool) {
	if kind == vecExpAVX512 {
		return softmaxMaxAVX512(&x[0], len(x))
	}
	return softmaxMaxAVX2(&x[0], len(x))
}

// softmaxDivVec sets x[i] = float32(e[i] / sum) for a multiple of 8
// values, as Softmax's loop does: VDIVPD and VCVTPD2PS round as the
// scalar division and conversion do.
func softmaxDivVec(kind uint8, x []float32, e []float64, sum float64) {
	if kind == vecExpAVX512 {
		softmaxDivAVX512(&x[0], &e[0], sum, len(x))
	} else {
		softmaxDivAVX2(&x[0], &e[0], sum, len(x))
	}
}

//go:noescape
func dotRowsF32AVX512(m *float32, x *float32, stride, n, rows int, dst *float64)

//go:noescape
func axpyRowsAVX512(dst *float32, a *float32, m *float32, stride, n, rows int)

//go:noescape
func dotRowsF16AVX512(m *uint16, x *float32, stride, n, rows int, dst *float64)

//go:noescape
func dotRowsF32AVX2(m *float32, x *float32, stride, n, rows int, dst *float64)

//go:noescape
func dotRowsF16AVX2(m *uint16, x *float32, stride, n, rows int, dst *float64)

//go:noescape
func axpyRowsF16AVX2(dst *float32, a *float32, m *uint16, stride, n, rows int)

//go:noescape
func axpyRowsF16AVX512(dst *float32, a *float32, m *uint16, stride, n, rows int)

//go:noescape
func dot4Q4_KI8AVX512VL(w *byte, q *int8, sums *int32, d *float32, stride, nb int, out *[4]float64)

//go:noescape
func dot4Q5_KI8AVX512VL(w *byte, q *int8, sums *int32, d *float32, stride, nb int, out *[4]float64)

// kRows4 is the four-input int8Rows4 of Q4_K and Q5_K, bit-identical
// to the one-input kernels' rows. It calls its kernels directly: through
// a func value out would move to the heap.
func kRows4(dst []float32, w Mat, a *int8Input, i, lo, hi int) {
	rb, nb := w.rowBytes(), w.Cols/superBlock
	q, sums, d := &a.kq[i*w.Cols], &a.ksums[i*nb*16], &a.kd[i*nb]
	var out [4]float64
	for r := lo; r < hi; r++ {
		if w.DType == Q5_K {
			dot4Q5_KI8AVX512VL(&w.Data[r*rb], q, sums, d, w.Cols, nb, &out)
		} else {
			dot4Q4_KI8AVX512VL(&w.Data[r*rb], q, sums, d, w.Cols, nb, &out)
		}
		for j := range out {
			dst[(i+j)*w.Rows+r] = float32(out[j])
		}
	}
}

//go:noescape
func dotQ4_0I8AVX2(w *byte, q *int8, c unsafe.Pointer, d *float32, nb, rows, rb int, out *float64)

//go:noescape
func dotQ8_0I8AVX2(w *byte, q *int8, c unsafe.Pointer, d *float32, nb, rows, rb int, out *float64)

//go:noescape
func dotQ4_0X24AVX2(w *byte, q *int8, c unsafe.Pointer, d *float32, nb, rows, rb int, out *float64)

//go:noescape
func dotQ4_KX24AVX2(w *byte, q *int8, c unsafe.Pointer, d *float32, nb, rows, rb int, out *float64)

//go:noescape
func dotQ5_KX24AVX2(w *byte, q *int8, c unsafe.Pointer, d *float32, nb, rows, rb int, out *float64)

//go:noescape
func dotQ6_KX24AVX2(w *byte, q *int8, c unsafe.Pointer, d *float32, nb, rows, rb int, out *float64)

//go:noescape
func dotQ4_KI8AVX2(w *byte, q *int8, c unsafe.Pointer, d *float32, nb, rows, rb int, out *float64)

//go:noescape
func dotQ5_KI8AVX2(w *byte, q *int8, c unsafe.Pointer, d *float32, nb, rows, rb int, out *float64)

//go:noescape
func dotQ4_KI8AVX512(w *byte, q *int8, c unsafe.Pointer, d *float32, nb, rows, rb int, out *float64)

//go:noescape
func dotQ5_KI8AVX512(w *byte, q *int8, c unsafe.Pointer, d *float32, nb, rows, rb int, out *float64)

// asmInt8Rows is an int8-input kernel that does several rows a call; c
// is the input row's correction array the kernel wants (see corrFn).
type asmInt8Rows func(w *byte, q *int8, c unsafe.Pointer, d *float32, nb, rows, rb int, out *float64)

// sumsPool holds the int8 wrappers' arrays of row sums: an array on the
// stack passed to a kernel held in a func value would be moved to the
// heap, an allocation per call.
var sumsPool = sync.Pool{New: func() any { return new([64]float64) }}

// int8RowDots makes the set's int8Rows from a several-rows kernel taking
// whole groups of group blocks of 32 (tail, the generic per-block sum,
// takes the rest; nil for types whose rows are whole groups), in batches
// of rows whose sums it keeps on the stack.
func int8RowDots(k asmInt8Rows, group int, in int8Operands, tail int8Dot) int8Rows {
	return func(dst []float32, w Mat, a *int8Input, i, lo, hi int) {
		rb, nb := w.rowBytes(), w.Cols/int8Block
		m := nb / group * group
		q, cs, d := in(a, i)
		out := sumsPool.Get().(*[64]float64)
		defer sumsPool.Put(out)
		for r0 := lo; r0 < hi; r0 += len(out) {
			r1 := min(r0+len(out), hi)
			if m > 0 {
				k(&w.Data[r0*rb], q, cs, d, m, r1-r0, rb, &out[0])
			}
			for r := r0; r < r1; r++ {
				s := 0.0
				if m > 0 {
					s = out[r-r0]
				}
				if m < nb {
					s += tail(w.Data[r*rb:(r+1)*rb], a, i, m, nb)
				}
				dst[r] = float32(s)
			}
		}
	}
}

// int8Operands returns input row i's values, correction array and
// scales in the layout a kernel wants: q with c128 (an int32 per four
// values), or q4 with c4 (see int8Input), and d; or the x24 planes
// with their terms (c24, sm24 or c6) and s24 (see x24.go).
type int8Operands func(a *int8Input, i int) (q *int8, c unsafe.Pointer, d *float32)

func withC128(a *int8Input, i int) (*int8, unsafe.Pointer, *float32) {
	return &a.q[i*a.cols], unsafe.Pointer(&a.c128[i*a.cols/4]), &a.d[i*a.cols/int8Block]
}

func nibbleOrder(a *int8Input, i int) (*int8, unsafe.Pointer, *float32) {
	return &a.q4[i*a.cols], unsafe.Pointer(&a.c4[i*a.cols/8]), &a.d[i*a.cols/int8Block]
}

func superValues(a *int8Input, i int) (*int8, unsafe.Pointer, *float32) {
	return &a.kq[i*a.cols], unsafe.Pointer(&a.ksums[i*a.cols/16]), &a.kd[i*a.cols/superBlock]
}

func superKOrder(a *int8Input, i int) (*int8, unsafe.Pointer, *float32) {
	return &a.kqk[i*a.cols], unsafe.Pointer(&a.ksums[i*a.cols/16]), &a.kd[i*a.cols/superBlock]
}

func x24Planes(a *int8Input, i int) (*int8, unsafe.Pointer, *float32) {
	return &a.p24[3*i*a.cols], unsafe.Pointer(&a.c24[i*a.cols/8]), &a.s24[i*a.cols/int8Block]
}

func x24PlanesK(a *int8Input, i int) (*int8, unsafe.Pointer, *float32) {
	return &a.pk24[3*i*a.cols], unsafe.Pointer(&a.sm24[i*a.cols/int8Block]), &a.s24[i*a.cols/int8Block]
}

func x24Planes6(a *int8Input, i int) (*int8, unsafe.Pointer, *float32) {
	return &a.p6[3*i*a.cols], unsafe.Pointer(&a.c6[i*a.cols/4]), &a.s24[i*a.cols/int8Block]
}

type asmInt8Dot4 func(w *byte, q *int8, c unsafe.Pointer, d *float32, stride, nb int, out *[4]float64)

// int8Dots4 wraps a four-input AVX-512 int8 kernel as int8Dots wraps the
// one-input kernel, with the same tail, so the results are the same.
func int8Dots4(k asmInt8Dot4, in int8Operands, tail int8Dot) int8Rows4 {
	return func(dst []float32, w Mat, a *int8Input, i, lo, hi int) {
		rb, nb := w.rowBytes(), w.Cols/int8Block
		m := nb / 8 * 8
		q, cs, d := in(a, i)
		sums := sumsPool.Get().(*[64]float64)
		defer sumsPool.Put(sums)
		out := (*[4]float64)(sums[:4])
		for r := lo; r < hi; r++ {
			row := w.Data[r*rb : (r+1)*rb]
			*out = [4]float64{}
			if m > 0 {
				k(&row[0], q, cs, d, w.Cols, m, out)
			}
			for j := range out {
				if m < nb {
					out[j] += tail(row, a, i+j, m, nb)
				}
				dst[(i+j)*w.Rows+r] = float32(out[j])
			}
		}
	}
}

func init() {
	avx2 := newAVX2Set()
	kernelSets["avx2"] = avx2
	kernelSets["avx512"] = newAVX512Set(avx2, cpuid.CPU.Supports(cpuid.AVX512VNNI),
		cpuid.CPU.Supports(cpuid.AVX512VBMI, cpuid.GFNI))
}

func newAVX2Set() *kernelSet {
	avx2 := newDotSet("avx2", avx2Dots, avx2Gemm())
	avx2.axpy = simdAxpy(axpyAVX2, 8)
	avx2.axpyRows = func(dst, a, m []float32, stride int) {
		axpyRowsAVX2(&dst[0], &a[0], &m[0], stride, len(dst), len(a))
	}
	avx2.dotRows = func(dst, x, m []float32, stride int) { dotRowsSIMD(false, dst, x, m, stride) }
	avx2.dotRowsF16 = func(dst, x []float32, m []uint16, stride int) { dotRowsF16SIMD(false, dst, x, m, stride) }
	avx2.axpyRowsF16 = axpyRowsF16AVX2Go
	avx2.silu = func(x []float32) { siluAVX2(&x[0], len(x)) }
	avx2.gelu = func(x []float32) { geluAVX2(&x[0], len(x)) }
	avx2.softCap = func(x []float32, c float64) { softCapAVX2(&x[0], len(x), c) }
	avx2.vecExp = vecExpAVX2
	avx2.quantize = quantizeAVX2
	avx2.quantizeSuper = quantizeSuperAVX2
	avx2.quantizeX24, avx2.quantizeX24K, avx2.quantizeX24Q6 = quantizeX24AVX2, quantizeX24KAVX2, quantizeX24Q6AVX2
	avx2.int8[Q4_0] = int8RowDots(dotQ4_0I8AVX2, 8, nibbleOrder, q4_0Int8Dot)
	avx2.q4Layout = true
	avx2.int8[Q8_0] = int8RowDots(dotQ8_0I8AVX2, 8, withC128, q8_0Int8Dot)
	avx2.x24[Q4_0] = int8RowDots(dotQ4_0X24AVX2, 8, x24Planes, q4_0X24Dot)
	avx2.x24[Q4_K] = int8RowDots(dotQ4_KX24AVX2, 8, x24PlanesK, nil)
	avx2.x24[Q5_K] = int8RowDots(dotQ5_KX24AVX2, 8, x24PlanesK, nil)
	avx2.x24[Q6_K] = int8RowDots(dotQ6_KX24AVX2, 8, x24Planes6, nil)
	avx2.int8[Q4_K] = int8RowDots(dotQ4_KI8AVX2, 8, superValues, nil)
	avx2.int8[Q5_K] = int8RowDots(dotQ5_KI8AVX2, 8, superValues, nil)
	avx2.matVec[TLInt8], avx2.matMul[TLInt8] = tlInt8Rows(dotI8G64AVX2)
	return avx2
}

// newAVX512Set makes the AVX-512 set for a CPU with VNNI or not, and
// with VBMI and GFNI or not (Skylake-X has neither, Cascade Lake VNNI
// alone; Ice Lake and Zen 4 all three): the int8 kernels it has no
// AVX-512 form of for the CPU are the AVX2 set's, which are faster than
// the generic ones.
func newAVX512Set(avx2 *kernelSet, vnni, vbmi bool) *kernelSet {
	avx512 := newDotSet("avx512", avx512Dots, avx512Gemm())
	avx512.axpy = simdAxpy(axpyAVX512, 16)
	avx512.silu = func(x []float32) { siluAVX512(&x[0], len(x)) }
	avx512.gelu = func(x []float32) { geluAVX512(&x[0], len(x)) }
	avx512.softCap = func(x []float32, c float64) { softCapAVX512(&x[0], len(x), c) }
	avx512.vecExp = vecExpAVX512
	avx512.dotRows = func(dst, x, m []float32, stride int) { dotRowsSIMD(true, dst, x, m, stride) }
	avx512.axpyRows = func(dst, a, m []float32, stride int) {
		axpyRowsAVX512(&dst[0], &a[0], &m[0], stride, len(dst), len(a))
	}
	avx512.dotRowsF16 = func(dst, x []float32, m []uint16, stride int) { dotRowsF16SIMD(true, dst, x, m, stride) }
	avx512.axpyRowsF16 = func(dst, a []float32, m []uint16, stride int) {
		axpyRowsF16AVX512(&dst[0], &a[0], &m[0], stride, len(dst), len(a))
	}
	for _, dt := range []DType{Q4_0, Q8_0, Q4_K, Q5_K} {
		avx512.int8[dt] = avx2.int8[dt]
	}
	avx512.q4Layout = avx2.q4Layout
	avx512.quantize, avx512.quantizeSuper = avx2.quantize, avx2.quantizeSuper
	avx512.int8x4[Q4_K] = kRows4
	avx512.int8x4[Q5_K] = kRows4
	if vnni {
		// The AVX-512 K-quant int8 kernels take the input's values in
		// kqk's order, so one zmm of nibbles meets its values in one
		// load.
		avx512.int8[Q4_K] = int8RowDots(dotQ4_KI8AVX512, 8, superKOrder, nil)
		avx512.int8[Q5_K] = int8RowDots(dotQ5_KI8AVX512, 8, superKOrder, nil)
		avx512.kOrder = true
		avx512.int8[Q8_0] = int8RowDots(dotQ8_0I8AVX512, 8, withC128, q8_0Int8Dot)
		avx512.int8x4[Q8_0] = int8Dots4(dot4Q8_0I8AVX512, withC128, q8_0Int8Dot)
		avx512.quantize = quantizeAVX512
		avx512.quantizeSuper = quantizeSuperAVX512
		// VPERMT2B (VBMI) and VGF2P8AFFINEQB (GFNI): Ice Lake, Zen 4 and
		// later, not Cascade Lake.
		if vbmi {
			avx512.int8[Q4_0] = int8RowDots(dotQ4_0I8AVX512, 8, nibbleOrder, q4_0Int8Dot)
			avx512.int8x4[Q4_0] = int8Dots4(dot4Q4_0I8AVX512, nibbleOrder, q4_0Int8Dot)
			avx512.x24[Q4_0] = int8RowDots(dotQ4_0X24AVX512, 8, x24Planes, q4_0X24Dot)
			avx512.x24x4[Q4_0] = int8Dots4(dot4Q4_0X24AVX512, x24Planes, q4_0X24Dot)
			avx512.quantizeX24 = quantizeX24AVX512
			// The K-quants' rows are whole super-blocks: no tail.
			avx512.x24[Q4_K] = int8RowDots(dotQ4_KX24AVX512, 8, x24PlanesK, nil)
			avx512.x24[Q5_K] = int8RowDots(dotQ5_KX24AVX512, 8, x24PlanesK, nil)
			avx512.x24[Q6_K] = int8RowDots(dotQ6_KX24AVX512, 8, x24Planes6, nil)
			avx512.quantizeX24Q6 = quantizeX24Q6AVX512
			avx512.quantizeX24K = quantizeX24KAVX512
		}
	}
	avx512.matVec[TLInt8], avx512.matMul[TLInt8] = tlInt8Rows(dotI8G64AVX512)
	avx512.matVec[Q4_0] = blockRows(dotQ4_0RowsAVX512, 32)
	avx512.matVec[Q8_0] = blockRows(dotQ8_0RowsAVX512, 32)
	avx512.matVec[Q2_K] = blockRows(dotQ2_KRowsAVX512, 256)
	avx512.matVec[Q3_K] = blockRows(dotQ3_KRowsAVX512, 256)
	avx512.matVec[Q4_K] = blockRows(dotQ4_KRowsAVX512, 256)
	avx512.matVec[Q5_K] = blockRows(dotQ5_KRowsAVX512, 256)
	avx512.matVec[Q6_K] = blockRows(dotQ6_KRowsAVX512, 256)
	return avx512
}

// dotRowsSIMD is DotRows's kernel for n = len(x) ≥ 64: the rows' first
// values by the AVX-512 (wide) or AVX2 kernel (n/64·64 or n/32·32 of
// them), 64 rows a call, then each row's tail as floatDot adds it (so
// each result is Dot's, bit for bit). The kernels are called by name:
// a kernel in a func value would move acc to the heap, an allocation
// per head and step; dotRowsF16SIMD is the same for float16 rows.
func dotRowsSIMD(wide bool, dst, x, m []float32, stride int) {
	n := len(x)
	k := n / 32 * 32
	if wide {
		k = n / 64 * 64
	}
	var acc [64]float64
	for j0 := 0; j0 < len(dst); j0 += len(acc) {
		rows := min(len(acc), len(dst)-j0)
		if wide {
			dotRowsF32AVX512(&m[j0*stride], &x[0], stride, k, rows, &acc[0])
		} else {
			dotRowsF32AVX2(&m[j0*stride], &x[0], stride, k, rows, &acc[0])
		}
		for r := 0; r < rows; r++ {
			s := acc[r]
			row := m[(j0+r)*stride:]
			for c := k; c < n; c++ {
				s += float64(x[c]) * float64(row[c])
			}
			dst[j0+r] = float32(s)
		}
	}
}

func dotRowsF16SIMD(wide bool, dst, x []float32, m []uint16, stride int) {
	n := len(x)
	k := n / 32 * 32
	if wide {
		k = n / 64 * 64
	}
	var acc [64]float64
	for j0 := 0; j0 < len(dst); j0 += len(acc) {
		rows := min(len(acc), len(dst)-j0)
		if wide {
			dotRowsF16AVX512(&m[j0*stride], &x[0], stride, k, rows, &acc[0])
		} else {
			dotRowsF16AVX2(&m[j0*stride], &x[0], stride, k, rows, &acc[0])
		}
		for r := 0; r < rows; r++ {
			s := acc[r]
			row := m[(j0+r)*stride:]
			for c := k; c < n; c++ {
				s += float64(x[c]) * float64(F16ToF32(row[c]))
			}
			dst[j0+r] = float32(s)
		}
	}
}

// axpyRowsF16AVX2Go is AxpyRowsF16's AVX2 kernel: the first n/8·8
// values of dst by axpyRowsF16AVX2, the rest as simdAxpy's tail does
// them, row by row (each value's updates stay in the rows' order).
func axpyRowsF16AVX2Go(dst, a []float32, m []uint16, stride int) {
	n := len(dst)
	k := n / 8 * 8
	if k > 0 {
		axpyRowsF16AVX2(&dst[0], &a[0], &m[0], stride, k, len(a))
	}
	for j, aj := range a {
		if aj == 0 || k == n {
			continue
		}
		row := m[j*stride:]
		for i := k; i < n; i++ {
			dst[i] = float32(math.FMA(float64(aj), float64(F16ToF32(row[i])), float64(dst[i])))
		}
	}
}
