//go:build amd64

#include "textflag.h"
#include "simd_amd64.h"

// Four-input AVX2 row dots for MatMul (gemmMatMul): one weight row
// against four input rows (x, x+stride, x+2·stride and x+3·stride bytes),
// decoding each 32-element group once. As the AVX-512 ones
// (simd_avx512_x4_amd64.s) they work on a chunk of the row (a multiple of
// 32 elements) and carry the float64 accumulators in acc from chunk to
// chunk (input k's at acc[16k:16k+8]: its Y8 lanes, then its Y9 lanes);
// on the row's last chunk (last ≠ 0) acc[16k] gets input k's result. For
// each input the operations are those of the one-input kernels of
// simd_avx2_amd64.s, in the same order, so MatMul rows stay bit-identical
// to MatVec.
//
// Registers: weights Y0..Y3 (the decoders of simd_amd64.h), the scale Y7; input k's float64
// accumulators Y8+2k, Y9+2k; temporaries Y4, Y5.

#define XK0(off) off(DI)
#define XK1(off) off(DI)(R8*1)
#define XK2(off) off(DI)(R8*2)
#define XK3(off) off(DI)(R9*1)

// ADDF and ADDD add a group's widened lanes y into the accumulator f:
// as they are (float types) or times the block scale Y7 (REDUCE32D).
#define ADDF(y, f) \
	VADDPD y, f, f

#define ADDD(y, f) \
	VFMADD231PD Y7, y, f

// GROUPK is GROUP then REDUCE32 (add: ADDF) or REDUCE32D (ADDD) for one
// input at xk, into its accumulators fa, fb.
#define GROUPK(xk, fa, fb, add) \
	VMULPS xk(0), Y0, Y4 \
	VMULPS xk(32), Y1, Y5 \
	VFMADD231PS xk(64), Y2, Y4 \
	VFMADD231PS xk(96), Y3, Y5 \
	VADDPS Y5, Y4, Y4 \
	VCVTPS2PD X4, Y5 \
	VEXTRACTF128 $1, Y4, X4 \
	VCVTPS2PD X4, Y4 \
	add(Y5, fa) \
	add(Y4, fb)

#define GROUP4K(add) \
	GROUPK(XK0, Y8, Y9, add) \
	GROUPK(XK1, Y10, Y11, add) \
	GROUPK(XK2, Y12, Y13, add) \
	GROUPK(XK3, Y14, Y15, add)

#define START4A \
	X4ARGS \
	VMOVUPD 0(BX), Y8 \
	VMOVUPD 32(BX), Y9 \
	VMOVUPD 128(BX), Y10 \
	VMOVUPD 160(BX), Y11 \
	VMOVUPD 256(BX), Y12 \
	VMOVUPD 288(BX), Y13 \
	VMOVUPD 384(BX), Y14 \
	VMOVUPD 416(BX), Y15

// FINISHK2 reduces input k's accumulators fa, fb as the one-input
// kernels' FINISH2 does, into acc[16k] (byte offset off).
#define FINISHK2(fa, fb, off) \
	VADDPD fb, fa, Y4 \
	VEXTRACTF128 $1, Y4, X5 \
	VADDPD X5, X4, X4 \
	VPERMILPD $1, X4, X5 \
	VADDSD X5, X4, X4 \
	VMOVSD X4, off(BX)

#define FINISH4A \
	MOVQ last+40(FP), AX \
	TESTQ AX, AX \
	JZ   store \
	FINISHK2(Y8, Y9, 0) \
	FINISHK2(Y10, Y11, 128) \
	FINISHK2(Y12, Y13, 256) \
	FINISHK2(Y14, Y15, 384) \
	VZEROUPPER \
	RET \
store: \
	VMOVUPD Y8, 0(BX) \
	VMOVUPD Y9, 32(BX) \
	VMOVUPD Y10, 128(BX) \
	VMOVUPD Y11, 160(BX) \
	VMOVUPD Y12, 256(BX) \
	VMOVUPD Y13, 288(BX) \
	VMOVUPD Y14, 384(BX) \
	VMOVUPD Y15, 416(BX) \
	VZEROUPPER \
	RET

// LOOP4 runs the kernel body: decode (the weights), GROUP4K(add), then
// advances wb weight bytes and 32 inputs and counts CX down by dec (32
// elements or one block).
#define LOOP4(label, decode, add, wb, dec) \
label: \
	decode \
	GROUP4K(add) \
	ADDQ $wb, SI \
	ADDQ $128, DI \
	SUBQ $dec, CX \
	JNZ  label

// func dot4Q8_0AVX2(w *byte, x *float32, stride, n int, acc *[64]float64, last int)
// n > 0 blocks (so for Q4_0).
TEXT ·dot4Q8_0AVX2(SB), NOSPLIT, $0-48
	START4A
	LOOP4(q8loop, Q8W2, ADDD, 34, 1)
	FINISH4A

// func dot4Q4_0AVX2(w *byte, x *float32, stride, n int, acc *[64]float64, last int)
TEXT ·dot4Q4_0AVX2(SB), NOSPLIT, $0-48
	START4A
	LOOP4(q4loop, Q4W2, ADDD, 18, 1)
	FINISH4A

// func dot4Q4_1AVX2, dot4Q5_0AVX2, dot4Q5_1AVX2(w *byte, x *float32, stride, n int, acc *[64]float64, last int)
// n > 0 blocks.
TEXT ·dot4Q4_1AVX2(SB), NOSPLIT, $0-48
	START4A
	LOOP4(q41loop, Q41W2, ADDF, 20, 1)
	FINISH4A

TEXT ·dot4Q5_0AVX2(SB), NOSPLIT, $0-48
	START4A
	LOOP4(q50loop, Q50W2, ADDF, 22, 1)
	FINISH4A

TEXT ·dot4Q5_1AVX2(SB), NOSPLIT, $0-48
	START4A
	LOOP4(q51loop, Q51W2, ADDF, 24, 1)
	FINISH4A
