//go:build amd64

#include "textflag.h"

// Two-row, four-input AVX-512 row dots for MatMul (gemmMatMul): weight
// rows w and w+wstride bytes against input rows x, x+stride, x+2·stride
// and x+3·stride bytes. Each input vector is loaded once for both rows
// and each weight group decoded once for the four inputs, so a
// multiply-add takes 0.75 loads instead of the 1.25 of the one-row
// kernels (simd_avx512_x4_amd64.s), whose column chunking and
// accumulator carrying they share: acc[j][16k:16k+16] holds the float64
// accumulators of row j and input k between chunks (and during the
// chunk: there are no registers left for them), and on the last chunk
// acc[j][16k] gets the result. For each (row, input) pair the operations
// are exactly those of the one-input kernels of simd_avx512_amd64.s, in
// the same order, so MatMul rows stay bit-identical to MatVec.
//
// Registers: float32 partials of row 0, input k: Z16+2k, Z17+2k; of row
// 1: Z24+2k, Z25+2k. Weights of row 0 in Z0..Z3, of row 1 in Z8..Z11;
// inputs in Z4..Z7; Z12, Z13 for widening; Q4_0's table in Z14 and its
// float32 scales (decoded by the caller) at DX (row 0) and DX+R12.

#define X0(off) off(DI)
#define X1(off) off(DI)(R8*1)
#define X2(off) off(DI)(R8*2)
#define X3(off) off(DI)(R9*1)

// WIDENM is WIDEN for one (row, input) pair whose float64 accumulators
// are at off(BX).
#define WIDENM(za, zb, off) \
	VADDPS zb, za, Z12 \
	VEXTRACTF32X8 $1, Z12, Y13 \
	VCVTPS2PD Y12, Z12 \
	VCVTPS2PD Y13, Z13 \
	VADDPD off(BX), Z12, Z12 \
	VADDPD off+64(BX), Z13, Z13 \
	VMOVUPD Z12, off(BX) \
	VMOVUPD Z13, off+64(BX) \
	VXORPS za, za, za \
	VXORPS zb, zb, zb

#define WIDEN8 \
	WIDENM(Z16, Z17, 0) \
	WIDENM(Z18, Z19, 128) \
	WIDENM(Z20, Z21, 256) \
	WIDENM(Z22, Z23, 384) \
	WIDENM(Z24, Z25, 512) \
	WIDENM(Z26, Z27, 640) \
	WIDENM(Z28, Z29, 768) \
	WIDENM(Z30, Z31, 896)

#define STEP8(label, units) \
	DECQ R11 \
	JNZ  label \
	WIDEN8 \
	MOVQ $units, R11 \
label:

// FINISHM reduces the pair's float64 accumulators at off(BX) as
// FINISH512 does and stores the result at off(BX).
#define FINISHM(off) \
	VMOVUPD off(BX), Z12 \
	VADDPD off+64(BX), Z12, Z12 \
	VEXTRACTF64X4 $1, Z12, Y13 \
	VADDPD Y13, Y12, Y12 \
	VEXTRACTF128 $1, Y12, X13 \
	VADDPD X13, X12, X12 \
	VPERMILPD $1, X12, X13 \
	VADDSD X13, X12, X12 \
	VMOVSD X12, off(BX)

// FINISH8 ends the call: on the row's last chunk (last ≠ 0) it widens
// what is left and reduces each pair. Earlier chunks end on a widening
// boundary, with the partials zero and the accumulators stored.
#define FINISH8 \
	MOVQ last+48(FP), AX \
	TESTQ AX, AX \
	JZ   done8 \
	FINISH8BODY \
done8: \
	VZEROUPPER \
	RET

#define FINISH8BODY \
	WIDEN8 \
	FINISHM(0) \
	FINISHM(128) \
	FINISHM(256) \
	FINISHM(384) \
	FINISHM(512) \
	FINISHM(640) \
	FINISHM(768) \
	FINISHM(896)

#define START8(units) \
	MOVQ w+0(FP), SI \
	MOVQ wstride+8(FP), R10 \
	MOVQ x+16(FP), DI \
	MOVQ stride+24(FP), R8 \
	LEAQ (R8)(R8*2), R9 \
	MOVQ n+32(FP), CX \
	MOVQ acc+40(FP), BX \
	ZERO16 \
	MOVQ $units, R11

#define ZERO16 \
	VXORPS Z16, Z16, Z16 \
	VXORPS Z17, Z17, Z17 \
	VXORPS Z18, Z18, Z18 \
	VXORPS Z19, Z19, Z19 \
	VXORPS Z20, Z20, Z20 \
	VXORPS Z21, Z21, Z21 \
	VXORPS Z22, Z22, Z22 \
	VXORPS Z23, Z23, Z23 \
	VXORPS Z24, Z24, Z24 \
	VXORPS Z25, Z25, Z25 \
	VXORPS Z26, Z26, Z26 \
	VXORPS Z27, Z27, Z27 \
	VXORPS Z28, Z28, Z28 \
	VXORPS Z29, Z29, Z29 \
	VXORPS Z30, Z30, Z30 \
	VXORPS Z31, Z31, Z31

// START8B and FINISH8B are START8 and FINISH8 for the block kernels
// (two more arguments: the scales).
#define START8B(units) \
	MOVQ w+0(FP), SI \
	MOVQ wstride+8(FP), R10 \
	MOVQ s+16(FP), DX \
	MOVQ sstride+24(FP), R12 \
	MOVQ x+32(FP), DI \
	MOVQ stride+40(FP), R8 \
	LEAQ (R8)(R8*2), R9 \
	MOVQ n+48(FP), CX \
	MOVQ acc+56(FP), BX \
	ZERO16 \
	MOVQ $units, R11

#define FINISH8B \
	MOVQ last+64(FP), AX \
	TESTQ AX, AX \
	JZ   done8 \
	FINISH8BODY \
done8: \
	VZEROUPPER \
	RET

// G2 multiplies input group xv (loaded from xk(off)) by weight group g
// of both rows (w0 of row 0, w1 of row 1) into partials p0 and p1.
#define G2(xk, off, xv, w0, w1, p0, p1) \
	VMOVUPS xk(off), xv \
	VFMADD231PS xv, w0, p0 \
	VFMADD231PS xv, w1, p1

// GROUP8 does a 64-element group of the float types (weights decoded in
// Z0..Z3 and Z8..Z11): groups 0 and 2 go into each pair's first partial,
// 1 and 3 into its second, as GROUP64 does.
#define GROUP8 \
	G2(X0, 0, Z4, Z0, Z8, Z16, Z24) \
	G2(X0, 64, Z5, Z1, Z9, Z17, Z25) \
	G2(X0, 128, Z6, Z2, Z10, Z16, Z24) \
	G2(X0, 192, Z7, Z3, Z11, Z17, Z25) \
	G2(X1, 0, Z4, Z0, Z8, Z18, Z26) \
	G2(X1, 64, Z5, Z1, Z9, Z19, Z27) \
	G2(X1, 128, Z6, Z2, Z10, Z18, Z26) \
	G2(X1, 192, Z7, Z3, Z11, Z19, Z27) \
	G2(X2, 0, Z4, Z0, Z8, Z20, Z28) \
	G2(X2, 64, Z5, Z1, Z9, Z21, Z29) \
	G2(X2, 128, Z6, Z2, Z10, Z20, Z28) \
	G2(X2, 192, Z7, Z3, Z11, Z21, Z29) \
	G2(X3, 0, Z4, Z0, Z8, Z22, Z30) \
	G2(X3, 64, Z5, Z1, Z9, Z23, Z31) \
	G2(X3, 128, Z6, Z2, Z10, Z22, Z30) \
	G2(X3, 192, Z7, Z3, Z11, Z23, Z31)

// TILE8 is the body of the pair-looping kernels: dot8<T>AVX512 for
// pairs consecutive pairs of rows (pair p's rows at w+2p·wstride, its
// accumulators at acc+1024p bytes), saving a call per pair. load loads
// and decodes a 64-element group of both rows into Z0..Z3, Z8..Z11;
// the rows have size bytes per element (shift = log2 size).
#define TILE8(load, size, shift) \
	MOVQ w+0(FP), SI \
	MOVQ wstride+8(FP), R10 \
	MOVQ x+16(FP), DX \
	MOVQ stride+24(FP), R8 \
	LEAQ (R8)(R8*2), R9 \
	MOVQ n+32(FP), R13 \
	MOVQ acc+40(FP), BX \
	MOVQ pairs+56(FP), AX \
	LEAQ (R10)(R10*1), R12 \
	MOVQ R13, CX \
	SHLQ $shift, CX \
	SUBQ CX, R12 \
tpairloop: \
	MOVQ DX, DI \
	MOVQ R13, CX \
	ZERO16 \
	MOVQ $4, R11 \
tloop: \
	load \
	GROUP8 \
	STEP8(tnext, 4) \
	ADDQ $(64*size), SI \
	ADDQ $256, DI \
	SUBQ $64, CX \
	JNZ  tloop \
	CMPQ last+48(FP), $0 \
	JEQ  tnolast \
	FINISH8BODY \
tnolast: \
	ADDQ R12, SI \
	ADDQ $1024, BX \
	DECQ AX \
	JNZ  tpairloop \
	VZEROUPPER \
	RET

#define LOADF32 \
	VMOVUPS (SI), Z0 \
	VMOVUPS 64(SI), Z1 \
	VMOVUPS 128(SI), Z2 \
	VMOVUPS 192(SI), Z3 \
	VMOVUPS (SI)(R10*1), Z8 \
	VMOVUPS 64(SI)(R10*1), Z9 \
	VMOVUPS 128(SI)(R10*1), Z10 \
	VMOVUPS 192(SI)(R10*1), Z11

#define LOADF16 \
	VCVTPH2PS (SI), Z0 \
	VCVTPH2PS 32(SI), Z1 \
	VCVTPH2PS 64(SI), Z2 \
	VCVTPH2PS 96(SI), Z3 \
	VCVTPH2PS (SI)(R10*1), Z8 \
	VCVTPH2PS 32(SI)(R10*1), Z9 \
	VCVTPH2PS 64(SI)(R10*1), Z10 \
	VCVTPH2PS 96(SI)(R10*1), Z11

#define LOADBF16 \
	VPMOVZXWD (SI), Z0 \
	VPMOVZXWD 32(SI), Z1 \
	VPMOVZXWD 64(SI), Z2 \
	VPMOVZXWD 96(SI), Z3 \
	VPMOVZXWD (SI)(R10*1), Z8 \
	VPMOVZXWD 32(SI)(R10*1), Z9 \
	VPMOVZXWD 64(SI)(R10*1), Z10 \
	VPMOVZXWD 96(SI)(R10*1), Z11 \
	VPSLLD $16, Z0, Z0 \
	VPSLLD $16, Z1, Z1 \
	VPSLLD $16, Z2, Z2 \
	VPSLLD $16, Z3, Z3 \
	VPSLLD $16, Z8, Z8 \
	VPSLLD $16, Z9, Z9 \
	VPSLLD $16, Z10, Z10 \
	VPSLLD $16, Z11, Z11

// func dot8F32TAVX512(w *byte, wstride int, x *float32, stride, n int, acc *[64]float64, last, pairs int)
TEXT ·dot8F32TAVX512(SB), NOSPLIT, $0-64
	TILE8(LOADF32, 4, 2)

// func dot8F16TAVX512(w *byte, wstride int, x *float32, stride, n int, acc *[64]float64, last, pairs int)
TEXT ·dot8F16TAVX512(SB), NOSPLIT, $0-64
	TILE8(LOADF16, 2, 1)

// func dot8BF16TAVX512(w *byte, wstride int, x *float32, stride, n int, acc *[64]float64, last, pairs int)
TEXT ·dot8BF16TAVX512(SB), NOSPLIT, $0-64
	TILE8(LOADBF16, 2, 1)

// Q4W2 decodes the Q4_0 block at off(SI) of both rows as Q4W does: row
// 0 into Z0 (elements 0..15) and Z1 (16..31), row 1 into Z8 and Z9.
#define Q4W2 \
	VMULPS.BCST (DX), Z14, Z6 \
	VMULPS.BCST (DX)(R12*1), Z14, Z11 \
	VPMOVZXBD 2(SI), Z0 \
	VPMOVZXBD 2(SI)(R10*1), Z8 \
	VPSRLD $4, Z0, Z1 \
	VPSRLD $4, Z8, Z9 \
	VPERMPS Z6, Z0, Z0 \
	VPERMPS Z6, Z1, Z1 \
	VPERMPS Z11, Z8, Z8 \
	VPERMPS Z11, Z9, Z9

#define Q4K2(xk, pa0, pb0, pa1, pb1) \
	VMOVUPS xk(0), Z4 \
	VMOVUPS xk(64), Z5 \
	VFMADD231PS Z4, Z0, pa0 \
	VFMADD231PS Z5, Z1, pb0 \
	VFMADD231PS Z4, Z8, pa1 \
	VFMADD231PS Z5, Z9, pb1

// func dot8Q4_0AVX512(w *byte, wstride int, s *float32, sstride int, x *float32, stride, n int, acc *[2][64]float64, last int)
TEXT ·dot8Q4_0AVX512(SB), NOSPLIT, $0-72
	START8B(8)
	VMOVUPS q4tab8<>(SB), Z14
q4loop:
	Q4W2
	Q4K2(X0, Z16, Z17, Z24, Z25)
	Q4K2(X1, Z18, Z19, Z26, Z27)
	Q4K2(X2, Z20, Z21, Z28, Z29)
	Q4K2(X3, Z22, Z23, Z30, Z31)
	STEP8(q4next, 8)
	ADDQ $18, SI
	ADDQ $4, DX
	ADDQ $128, DI
	DECQ CX
	JNZ  q4loop
	FINISH8B

DATA q4tab8<>+0(SB)/4, $0xc1000000
DATA q4tab8<>+4(SB)/4, $0xc0e00000
DATA q4tab8<>+8(SB)/4, $0xc0c00000
DATA q4tab8<>+12(SB)/4, $0xc0a00000
DATA q4tab8<>+16(SB)/4, $0xc0800000
DATA q4tab8<>+20(SB)/4, $0xc0400000
DATA q4tab8<>+24(SB)/4, $0xc0000000
DATA q4tab8<>+28(SB)/4, $0xbf800000
DATA q4tab8<>+32(SB)/4, $0x00000000
DATA q4tab8<>+36(SB)/4, $0x3f800000
DATA q4tab8<>+40(SB)/4, $0x40000000
DATA q4tab8<>+44(SB)/4, $0x40400000
DATA q4tab8<>+48(SB)/4, $0x40800000
DATA q4tab8<>+52(SB)/4, $0x40a00000
DATA q4tab8<>+56(SB)/4, $0x40c00000
DATA q4tab8<>+60(SB)/4, $0x40e00000
GLOBL q4tab8<>(SB), RODATA|NOPTR, $64

// func decQ4_0AVX512(dst *float32, src *byte, nb int) — nb > 0 blocks.
// Decodes Q4_0 blocks to the float32 weights (q−8)·d the Q4_0 kernels
// multiply by.
TEXT ·decQ4_0AVX512(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ nb+16(FP), CX
	VMOVUPS q4tab8<>(SB), Z14
decq4loop:
	VCVTPH2PS (SI), X7
	VBROADCASTSS X7, Z7
	VMULPS Z14, Z7, Z6
	VPMOVZXBD 2(SI), Z0
	VPSRLD $4, Z0, Z1
	VPERMPS Z6, Z0, Z0
	VPERMPS Z6, Z1, Z1
	VMOVUPS Z0, (DI)
	VMOVUPS Z1, 64(DI)
	ADDQ $18, SI
	ADDQ $128, DI
	DECQ CX
	JNZ  decq4loop
	VZEROUPPER
	RET
