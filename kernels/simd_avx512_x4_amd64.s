//go:build amd64

#include "textflag.h"
#include "simd_amd64.h"

// Four-input AVX-512 row dots for MatMul: one weight row against four
// input rows (x, x+stride, x+2·stride, x+3·stride bytes), decoding each
// weight group once. They work on a chunk of the row (a multiple of 256
// elements unless it is the last), carrying the float64 accumulators in
// acc (input k's at acc[16k:16k+16]) from chunk to chunk, so MatMul can
// block the columns and keep its inputs in L1. For each input the operations are exactly those of
// the one-input kernels of simd_avx512_amd64.s, in the same order, so
// MatMul rows stay bit-identical to MatVec.
//
// Registers: per input k, float32 partials Z16+2k, Z17+2k and float64
// accumulators Z24+2k, Z25+2k; weights Z0..Z3; temporaries Z4..Z7.

#define X0(off) off(DI)
#define X1(off) off(DI)(R8*1)
#define X2(off) off(DI)(R8*2)
#define X3(off) off(DI)(R9*1)

// WIDENK is WIDEN for one input.
#define WIDENK(za, zb, fa, fb) \
	VADDPS zb, za, Z4 \
	VEXTRACTF32X8 $1, Z4, Y5 \
	VCVTPS2PD Y4, Z4 \
	VCVTPS2PD Y5, Z5 \
	VADDPD Z4, fa, fa \
	VADDPD Z5, fb, fb \
	VXORPS za, za, za \
	VXORPS zb, zb, zb

#define WIDEN4 \
	WIDENK(Z16, Z17, Z24, Z25) \
	WIDENK(Z18, Z19, Z26, Z27) \
	WIDENK(Z20, Z21, Z28, Z29) \
	WIDENK(Z22, Z23, Z30, Z31)

#define STEP4(label, units) \
	DECQ R11 \
	JNZ  label \
	WIDEN4 \
	MOVQ $units, R11 \
label:

// FINISHK reduces input k's float64 accumulators fa, fb (as FINISH512
// does) into acc[16k] (byte offset off).
#define FINISHK(fa, fb, off) \
	VADDPD fb, fa, fa \
	VEXTRACTF64X4 $1, fa, Y5 \
	VMOVAPD fa, Z4 \
	VADDPD Y5, Y4, Y4 \
	VEXTRACTF128 $1, Y4, X5 \
	VADDPD X5, X4, X4 \
	VPERMILPD $1, X4, X5 \
	VADDSD X5, X4, X4 \
	VMOVSD X4, off(BX)

// FINISH4 stores the float64 accumulators back to acc; on the row's last
// chunk (last ≠ 0) it first widens what is left and then leaves each
// input's reduced result in acc[16k]. Earlier chunks end on a widening
// boundary, with zero partials.
#define FINISH4 \
	MOVQ acc+32(FP), BX \
	MOVQ last+40(FP), AX \
	TESTQ AX, AX \
	JZ   store \
	WIDEN4 \
	FINISHK(Z24, Z25, 0) \
	FINISHK(Z26, Z27, 128) \
	FINISHK(Z28, Z29, 256) \
	FINISHK(Z30, Z31, 384) \
	VZEROUPPER \
	RET \
store: \
	VMOVUPD Z24, 0(BX) \
	VMOVUPD Z25, 64(BX) \
	VMOVUPD Z26, 128(BX) \
	VMOVUPD Z27, 192(BX) \
	VMOVUPD Z28, 256(BX) \
	VMOVUPD Z29, 320(BX) \
	VMOVUPD Z30, 384(BX) \
	VMOVUPD Z31, 448(BX) \
	VZEROUPPER \
	RET

#define START4(units) \
	X4ARGS \
	VMOVUPD 0(BX), Z24 \
	VMOVUPD 64(BX), Z25 \
	VMOVUPD 128(BX), Z26 \
	VMOVUPD 192(BX), Z27 \
	VMOVUPD 256(BX), Z28 \
	VMOVUPD 320(BX), Z29 \
	VMOVUPD 384(BX), Z30 \
	VMOVUPD 448(BX), Z31 \
	VXORPS Z16, Z16, Z16 \
	VXORPS Z17, Z17, Z17 \
	VXORPS Z18, Z18, Z18 \
	VXORPS Z19, Z19, Z19 \
	VXORPS Z20, Z20, Z20 \
	VXORPS Z21, Z21, Z21 \
	VXORPS Z22, Z22, Z22 \
	VXORPS Z23, Z23, Z23 \
	MOVQ $units, R11

#define GROUPK(xk, za, zb) \
	VFMADD231PS xk(0), Z0, za \
	VFMADD231PS xk(64), Z1, zb \
	VFMADD231PS xk(128), Z2, za \
	VFMADD231PS xk(192), Z3, zb

#define GROUP4 \
	GROUPK(X0, Z16, Z17) \
	GROUPK(X1, Z18, Z19) \
	GROUPK(X2, Z20, Z21) \
	GROUPK(X3, Z22, Z23)

// func dot4F32AVX512(w *byte, x *float32, stride, n int, acc *[64]float64, last int)
TEXT ·dot4F32AVX512(SB), NOSPLIT, $0-48
	START4(4)
f32loop:
	VMOVUPS (SI), Z0
	VMOVUPS 64(SI), Z1
	VMOVUPS 128(SI), Z2
	VMOVUPS 192(SI), Z3
	GROUP4
	STEP4(f32next, 4)
	ADDQ $256, SI
	ADDQ $256, DI
	SUBQ $64, CX
	JNZ  f32loop
	FINISH4

// func dot4F16AVX512(w *byte, x *float32, stride, n int, acc *[64]float64, last int)
TEXT ·dot4F16AVX512(SB), NOSPLIT, $0-48
	START4(4)
f16loop:
	VCVTPH2PS (SI), Z0
	VCVTPH2PS 32(SI), Z1
	VCVTPH2PS 64(SI), Z2
	VCVTPH2PS 96(SI), Z3
	GROUP4
	STEP4(f16next, 4)
	ADDQ $128, SI
	ADDQ $256, DI
	SUBQ $64, CX
	JNZ  f16loop
	FINISH4

// func dot4BF16AVX512(w *byte, x *float32, stride, n int, acc *[64]float64, last int)
TEXT ·dot4BF16AVX512(SB), NOSPLIT, $0-48
	START4(4)
bf16loop:
	VPMOVZXWD (SI), Z0
	VPMOVZXWD 32(SI), Z1
	VPMOVZXWD 64(SI), Z2
	VPMOVZXWD 96(SI), Z3
	VPSLLD $16, Z0, Z0
	VPSLLD $16, Z1, Z1
	VPSLLD $16, Z2, Z2
	VPSLLD $16, Z3, Z3
	GROUP4
	STEP4(bf16next, 4)
	ADDQ $128, SI
	ADDQ $256, DI
	SUBQ $64, CX
	JNZ  bf16loop
	FINISH4

#define D7(off) \
	VCVTPH2PS off(SI), X7 \
	VBROADCASTSS X7, Z7

#define Q8W(off) \
	VPMOVSXBD off+2(SI), Z0 \
	VPMOVSXBD off+18(SI), Z1 \
	VCVTDQ2PS Z0, Z0 \
	VCVTDQ2PS Z1, Z1 \
	D7(off)

// Q8K: za += d·(q·x) for one input (block at x offset o, products in zt).
#define Q8K(xk, o, zt, za) \
	VMULPS xk(o), Z0, zt \
	VFMADD231PS xk(o+64), Z1, zt \
	VFMADD231PS Z7, zt, za

// BLOCK4A/B sum the decoded block (Z0, Z1, d in Z7) at x offset o into
// each input's first partial (even blocks: Z16+2k) or second (odd
// blocks: Z17+2k), as dotQ8_0AVX512 does.
#define BLOCK4A(o) \
	Q8K(X0, o, Z2, Z16) \
	Q8K(X1, o, Z3, Z18) \
	Q8K(X2, o, Z4, Z20) \
	Q8K(X3, o, Z5, Z22)

#define BLOCK4B(o) \
	Q8K(X0, o, Z2, Z17) \
	Q8K(X1, o, Z3, Z19) \
	Q8K(X2, o, Z4, Z21) \
	Q8K(X3, o, Z5, Z23)

// func dot4Q8_0AVX512(w *byte, x *float32, stride, n int, acc *[64]float64, last int)
// Two blocks per iteration (chunks start on even blocks).
TEXT ·dot4Q8_0AVX512(SB), NOSPLIT, $0-48
	START4(4)
	SHRQ $1, CX
	JZ   q8tail
q8loop:
	Q8W(0)
	BLOCK4A(0)
	Q8W(34)
	BLOCK4B(128)
	STEP4(q8next, 4)
	ADDQ $68, SI
	ADDQ $256, DI
	DECQ CX
	JNZ  q8loop
q8tail:
	MOVQ n+24(FP), CX
	ANDQ $1, CX
	JZ   q8done
	Q8W(0)
	BLOCK4A(0)
q8done:
	FINISH4

#define Q4W(off) \
	D7(off) \
	VMULPS Z15, Z7, Z6 \
	VPMOVZXBD off+2(SI), Z0 \
	VPSRLD $4, Z0, Z1 \
	VPERMPS Z6, Z0, Z0 \
	VPERMPS Z6, Z1, Z1

#define Q4K(xk, za, zb) \
	VFMADD231PS xk(0), Z0, za \
	VFMADD231PS xk(64), Z1, zb

// func dot4Q4_0AVX512(w *byte, x *float32, stride, n int, acc *[64]float64, last int)
TEXT ·dot4Q4_0AVX512(SB), NOSPLIT, $0-48
	START4(8)
	VMOVUPS q4tab4<>(SB), Z15
q4loop:
	Q4W(0)
	Q4K(X0, Z16, Z17)
	Q4K(X1, Z18, Z19)
	Q4K(X2, Z20, Z21)
	Q4K(X3, Z22, Z23)
	STEP4(q4next, 8)
	ADDQ $18, SI
	ADDQ $128, DI
	DECQ CX
	JNZ  q4loop
	FINISH4

DATA q4tab4<>+0(SB)/4, $0xc1000000
DATA q4tab4<>+4(SB)/4, $0xc0e00000
DATA q4tab4<>+8(SB)/4, $0xc0c00000
DATA q4tab4<>+12(SB)/4, $0xc0a00000
DATA q4tab4<>+16(SB)/4, $0xc0800000
DATA q4tab4<>+20(SB)/4, $0xc0400000
DATA q4tab4<>+24(SB)/4, $0xc0000000
DATA q4tab4<>+28(SB)/4, $0xbf800000
DATA q4tab4<>+32(SB)/4, $0x00000000
DATA q4tab4<>+36(SB)/4, $0x3f800000
DATA q4tab4<>+40(SB)/4, $0x40000000
DATA q4tab4<>+44(SB)/4, $0x40400000
DATA q4tab4<>+48(SB)/4, $0x40800000
DATA q4tab4<>+52(SB)/4, $0x40a00000
DATA q4tab4<>+56(SB)/4, $0x40c00000
DATA q4tab4<>+60(SB)/4, $0x40e00000
GLOBL q4tab4<>(SB), RODATA|NOPTR, $64
