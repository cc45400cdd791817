//go:build amd64

package kernels

// Two-row, four-input kernels (simd_avx512_x8_amd64.s).

// dot8F32TAVX512 and its F16, BF16 twins write acc[0 : 2·pairs] (acc
// points at the first).
//
//go:noescape
func dot8F32TAVX512(w *byte, wstride int, x *float32, stride, n int, acc *[64]float64, last, pairs int)

//go:noescape
func dot8F16TAVX512(w *byte, wstride int, x *float32, stride, n int, acc *[64]float64, last, pairs int)

//go:noescape
func dot8BF16TAVX512(w *byte, wstride int, x *float32, stride, n int, acc *[64]float64, last, pairs int)

//go:noescape
func dot8Q4_0AVX512(w *byte, wstride int, s *float32, sstride int, x *float32, stride, n int, acc *[2][64]float64, last int)

type asmDot8T func(w *byte, wstride int, x *float32, stride, n int, acc *[64]float64, last, pairs int)

// floatDot8T wraps a pair-looping kernel for a float type, finishing
// rows whose length is not a multiple of 64 in Go as floatDot4 does.
func floatDot8T(k asmDot8T, size int, decode func([]byte) float32) rowDot8TFn {
	return func(rows []byte, rb int, x []float32, cols, c0, c1 int, acc [][64]float64, pairs int) {
		acc = acc[:2*pairs]
		last := c1 == cols
		m := c0 + (c1-c0)/64*64
		if m > c0 {
			_ = rows[(2*pairs-1)*rb+size*m-1]
			_ = x[3*cols+m-1]
			k(&rows[size*c0], rb, &x[c0], 4*cols, m-c0, &acc[0], b2i(last), pairs)
		}
		if !last {
			return
		}
		for j := range acc {
			row := rows[j*rb : (j+1)*rb]
			for i := 0; i < 4; i++ {
				s := acc[j][16*i]
				if m == c0 {
					s = finish4(acc[j][16*i : 16*i+16])
				}
				xi := x[i*cols : (i+1)*cols]
				for c := m; c < cols; c++ {
					s += float64(decode(row[size*c:])) * float64(xi[c])
				}
				acc[j][16*i] = s
			}
		}
	}
}

type asmDot8S func(w *byte, wstride int, s *float32, sstride int, x *float32, stride, n int, acc *[2][64]float64, last int)

// blockDot8 wraps a two-row kernel for a 32-element block type with
// scales decoded (sc).
func blockDot8(k asmDot8S, bytes int) rowDot8Fn {
	return func(rows []byte, rb int, sc []float32, x []float32, cols, c0, c1 int, acc *[2][64]float64) {
		if c1 > c0 {
			b0 := c0 / 32
			k(&rows[b0*bytes], rb, &sc[b0], 4*(cols/32), &x[c0], 4*cols, (c1-c0)/32, acc, b2i(c1 == cols))
		}
	}
}

//go:noescape
func decQ4_0AVX512(dst *float32, src *byte, nb int)

//go:noescape
func decQ8_0AVX512(dst *float32, src *byte, nb int)

//go:noescape
func decQ4_1AVX512(dst *float32, src *byte, nb int)

//go:noescape
func decQ5_0AVX512(dst *float32, src *byte, nb int)

//go:noescape
func decQ5_1AVX512(dst *float32, src *byte, nb int)

//go:noescape
func decQ2_KAVX512(dst *float32, src *byte, nb int)

//go:noescape
func decQ3_KAVX512(dst *float32, src *byte, nb int)

//go:noescape
func decQ4_KAVX512(dst *float32, src *byte, nb int)

//go:noescape
func decQ5_KAVX512(dst *float32, src *byte, nb int)

//go:noescape
func decQ6_KAVX512(dst *float32, src *byte, nb int)

// decodeCols returns a decode function (gemmKernels.decode) for a decoder
// kernel of blocks of bs elements in bb bytes: it decodes the blocks of
// columns [c0, c1) (multiples of bs).
func decodeCols(dec func(dst *float32, src *byte, nb int), bs, bb int) func(dst []float32, row []byte, c0, c1 int) {
	return func(dst []float32, row []byte, c0, c1 int) {
		if c1 > c0 {
			dec(&dst[c0], &row[c0/bs*bb], (c1-c0)/bs)
		}
	}
}

// avx512Gemm lists the kernels of the AVX-512 MatMul (gemmMatMul; f is
// filled in from the set's row dots). The quantized types (Q4_0 from 16
// inputs, the others from 4) decode tiles to float32 for the F32 kernels
// (see gemmKernels.decode); Q8_0, which has no two-row kernel, differs
// from its MatVec then within MatVec's error bound (see MatMul).
func avx512Gemm() map[DType]*gemmKernels {
	d4, d8t := avx512Dots4[F32], floatDot8T(dot8F32TAVX512, 4, f32At)
	return map[DType]*gemmKernels{
		F32:  {f4: d4, f8t: d8t},
		F16:  {f4: avx512Dots4[F16], f8t: floatDot8T(dot8F16TAVX512, 2, f16At)},
		BF16: {f4: avx512Dots4[BF16], f8t: floatDot8T(dot8BF16TAVX512, 2, bf16At)},
		Q8_0: {f4: avx512Dots4[Q8_0], decode: decodeCols(decQ8_0AVX512, 32, 34), decodeAlign: 64, decodeMin: 4, d4: d4, d8t: d8t},
		Q4_0: {f4: avx512Dots4[Q4_0], f8: blockDot8(dot8Q4_0AVX512, 18), bb: 18, decode: decodeCols(decQ4_0AVX512, 32, 18), decodeAlign: 64, decodeMin: 16, d4: d4, d8t: d8t},
		Q4_1: {decode: decodeCols(decQ4_1AVX512, 32, 20), decodeAlign: 64, decodeMin: 4, d4: d4, d8t: d8t},
		Q5_0: {decode: decodeCols(decQ5_0AVX512, 32, 22), decodeAlign: 64, decodeMin: 4, d4: d4, d8t: d8t},
		Q5_1: {decode: decodeCols(decQ5_1AVX512, 32, 24), decodeAlign: 64, decodeMin: 4, d4: d4, d8t: d8t},
		Q2_K: {decode: decodeCols(decQ2_KAVX512, 256, 84), decodeAlign: 256, decodeMin: 4, d4: d4, d8t: d8t},
		Q3_K: {decode: decodeCols(decQ3_KAVX512, 256, 110), decodeAlign: 256, decodeMin: 4, d4: d4, d8t: d8t},
		Q4_K: {decode: decodeCols(decQ4_KAVX512, 256, 144), decodeAlign: 256, decodeMin: 4, d4: d4, d8t: d8t},
		Q5_K: {decode: decodeCols(decQ5_KAVX512, 256, 176), decodeAlign: 256, decodeMin: 4, d4: d4, d8t: d8t},
		Q6_K: {decode: decodeCols(decQ6_KAVX512, 256, 210), decodeAlign: 256, decodeMin: 4, d4: d4, d8t: d8t},
	}
}
