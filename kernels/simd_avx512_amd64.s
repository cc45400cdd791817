//go:build amd64

#include "textflag.h"

// AVX-512 row dots. Each input has two 16-lane float32 partials (Z4, Z5)
// that the products are fused-multiply-added into; every 256 elements
// (four 64-element groups of the float types, eight blocks of Q8_0 and
// Q4_0) and at the end of the row the partials are added, widened to
// float64 and added into two float64 accumulators (Z8, Z9), and zeroed.
// So each float32 partial sums at most eight products (plus the block
// scaling of Q8_0) before float64 takes over: the error stays near a
// few float32 roundings of the products (TestSIMDPrecision measures it),
// far below float32 accumulation over whole rows.
//
// simd_avx512_x4_amd64.s does the same for four inputs at once with
// exactly these operations per input, so MatMul equals MatVec bit for bit.

// SCALES8 converts the f16 scales of the eight blocks (st bytes apart)
// at SI to float32 at 16(SP)…44(SP), gathering them in AX and BX (not
// with narrow stores, which would stall the wide load).
#define SCALES8(st) \
	MOVWLZX (st*0)(SI), AX \
	MOVWLZX (st*1)(SI), R12 \
	SHLQ $16, R12 \
	ORQ R12, AX \
	MOVWLZX (st*2)(SI), R12 \
	SHLQ $32, R12 \
	ORQ R12, AX \
	MOVWLZX (st*3)(SI), R12 \
	SHLQ $48, R12 \
	ORQ R12, AX \
	MOVWLZX (st*4)(SI), BX \
	MOVWLZX (st*5)(SI), R12 \
	SHLQ $16, R12 \
	ORQ R12, BX \
	MOVWLZX (st*6)(SI), R12 \
	SHLQ $32, R12 \
	ORQ R12, BX \
	MOVWLZX (st*7)(SI), R12 \
	SHLQ $48, R12 \
	ORQ R12, BX \
	VMOVQ AX, X14 \
	VPINSRQ $1, BX, X14, X14 \
	VCVTPH2PS X14, Y14 \
	VMOVUPS Y14, 16(SP)

// WIDEN adds Z4+Z5 into the float64 Z8/Z9 and zeroes Z4, Z5.
#define WIDEN \
	VADDPS Z5, Z4, Z0 \
	VEXTRACTF32X8 $1, Z0, Y1 \
	VCVTPS2PD Y0, Z2 \
	VCVTPS2PD Y1, Z3 \
	VADDPD Z2, Z8, Z8 \
	VADDPD Z3, Z9, Z9 \
	VXORPS Z4, Z4, Z4 \
	VXORPS Z5, Z5, Z5

// STEP counts a unit of work down in R11 and widens after every 4 (floats) or 8 (blocks).
#define STEP(label, units) \
	DECQ R11 \
	JNZ  label \
	WIDEN \
	MOVQ $units, R11 \
label:

#define START(units) \
	MOVQ w+0(FP), SI \
	MOVQ x+8(FP), DI \
	MOVQ n+16(FP), CX \
	VXORPD Z8, Z8, Z8 \
	VXORPD Z9, Z9, Z9 \
	VXORPS Z4, Z4, Z4 \
	VXORPS Z5, Z5, Z5 \
	MOVQ $units, R11

#define FINISH512 \
	WIDEN \
	VADDPD Z9, Z8, Z8 \
	VEXTRACTF64X4 $1, Z8, Y1 \
	VADDPD Y1, Y8, Y8 \
	VEXTRACTF128 $1, Y8, X1 \
	VADDPD X1, X8, X8 \
	VPERMILPD $1, X8, X1 \
	VADDSD X1, X8, X8 \
	VZEROUPPER \
	MOVSD X8, ret+24(FP) \
	RET

// GROUP64 fuses the weights Z0..Z3 times x at DI into Z4, Z5.
#define GROUP64 \
	VFMADD231PS (DI), Z0, Z4 \
	VFMADD231PS 64(DI), Z1, Z5 \
	VFMADD231PS 128(DI), Z2, Z4 \
	VFMADD231PS 192(DI), Z3, Z5

// func dotF32AVX512(w *byte, x *float32, n int) float64 — n a positive multiple of 64.
TEXT ·dotF32AVX512(SB), NOSPLIT, $0-32
	START(4)
f32loop:
	VMOVUPS (SI), Z0
	VMOVUPS 64(SI), Z1
	VMOVUPS 128(SI), Z2
	VMOVUPS 192(SI), Z3
	GROUP64
	STEP(f32next, 4)
	ADDQ $256, SI
	ADDQ $256, DI
	SUBQ $64, CX
	JNZ  f32loop
	FINISH512

// func dotF16AVX512(w *byte, x *float32, n int) float64 — n a positive multiple of 64.
TEXT ·dotF16AVX512(SB), NOSPLIT, $0-32
	START(4)
f16loop:
	VCVTPH2PS (SI), Z0
	VCVTPH2PS 32(SI), Z1
	VCVTPH2PS 64(SI), Z2
	VCVTPH2PS 96(SI), Z3
	GROUP64
	STEP(f16next, 4)
	ADDQ $128, SI
	ADDQ $256, DI
	SUBQ $64, CX
	JNZ  f16loop
	FINISH512

// func dotBF16AVX512(w *byte, x *float32, n int) float64 — n a positive multiple of 64.
TEXT ·dotBF16AVX512(SB), NOSPLIT, $0-32
	START(4)
bf16loop:
	VPMOVZXWD (SI), Z0
	VPMOVZXWD 32(SI), Z1
	VPMOVZXWD 64(SI), Z2
	VPMOVZXWD 96(SI), Z3
	VPSLLD $16, Z0, Z0
	VPSLLD $16, Z1, Z1
	VPSLLD $16, Z2, Z2
	VPSLLD $16, Z3, Z3
	GROUP64
	STEP(bf16next, 4)
	ADDQ $128, SI
	ADDQ $256, DI
	SUBQ $64, CX
	JNZ  bf16loop
	FINISH512

// D7 broadcasts the f16 scale at off(SI) into Z7 (VCVTPH2PS reads four
// halves from d: the block goes on past them).
#define D7(off) \
	VCVTPH2PS off(SI), X7 \
	VBROADCASTSS X7, Z7

// Q8W loads the Q8_0 block at off(SI): the quants as floats in Z0 (0..15)
// and Z1 (16..31), d in Z7.
#define Q8W(off) \
	VPMOVSXBD off+2(SI), Z0 \
	VPMOVSXBD off+18(SI), Z1 \
	VCVTDQ2PS Z0, Z0 \
	VCVTDQ2PS Z1, Z1 \
	D7(off)

// Q8K: Z4 += d·(q·x) for one input at xk (block products in zt).
#define Q8K(xk, zt, za) \
	VMULPS xk(0), Z0, zt \
	VFMADD231PS xk(64), Z1, zt \
	VFMADD231PS Z7, zt, za

#define XS(off) off(DI)

// func dotQ8_0AVX512(w *byte, x *float32, n int) float64 — n > 0 blocks.
// Even blocks (counting from the row's start) go into Z4, odd ones into
// Z5, so two chains of dependent FMAs run side by side. Eight blocks (a
// widening period) per iteration: their f16 scales are gathered and
// converted together first (SCALES8), so each block takes d by a
// broadcast load; the tail takes the blocks one at a time (Q8W, Q8K),
// with the same results.
TEXT ·dotQ8_0AVX512(SB), NOSPLIT, $48-32
	START(4)
	MOVQ CX, R10
	SHRQ $3, R10
	JZ   q8rest
q8loop:
	PREFETCHT0 1024(SI)
	PREFETCHT0 1088(SI)
	PREFETCHT0 1152(SI)
	PREFETCHT0 1216(SI)
	PREFETCHT0 1280(SI)
	SCALES8(34)
	VPMOVSXBD 2(SI), Z0
	VPMOVSXBD 18(SI), Z1
	VCVTDQ2PS Z0, Z0
	VCVTDQ2PS Z1, Z1
	VMULPS 0(DI), Z0, Z6
	VFMADD231PS 64(DI), Z1, Z6
	VFMADD231PS.BCST 16(SP), Z6, Z4
	VPMOVSXBD 36(SI), Z2
	VPMOVSXBD 52(SI), Z3
	VCVTDQ2PS Z2, Z2
	VCVTDQ2PS Z3, Z3
	VMULPS 128(DI), Z2, Z13
	VFMADD231PS 192(DI), Z3, Z13
	VFMADD231PS.BCST 20(SP), Z13, Z5
	VPMOVSXBD 70(SI), Z0
	VPMOVSXBD 86(SI), Z1
	VCVTDQ2PS Z0, Z0
	VCVTDQ2PS Z1, Z1
	VMULPS 256(DI), Z0, Z6
	VFMADD231PS 320(DI), Z1, Z6
	VFMADD231PS.BCST 24(SP), Z6, Z4
	VPMOVSXBD 104(SI), Z2
	VPMOVSXBD 120(SI), Z3
	VCVTDQ2PS Z2, Z2
	VCVTDQ2PS Z3, Z3
	VMULPS 384(DI), Z2, Z13
	VFMADD231PS 448(DI), Z3, Z13
	VFMADD231PS.BCST 28(SP), Z13, Z5
	VPMOVSXBD 138(SI), Z0
	VPMOVSXBD 154(SI), Z1
	VCVTDQ2PS Z0, Z0
	VCVTDQ2PS Z1, Z1
	VMULPS 512(DI), Z0, Z6
	VFMADD231PS 576(DI), Z1, Z6
	VFMADD231PS.BCST 32(SP), Z6, Z4
	VPMOVSXBD 172(SI), Z2
	VPMOVSXBD 188(SI), Z3
	VCVTDQ2PS Z2, Z2
	VCVTDQ2PS Z3, Z3
	VMULPS 640(DI), Z2, Z13
	VFMADD231PS 704(DI), Z3, Z13
	VFMADD231PS.BCST 36(SP), Z13, Z5
	VPMOVSXBD 206(SI), Z0
	VPMOVSXBD 222(SI), Z1
	VCVTDQ2PS Z0, Z0
	VCVTDQ2PS Z1, Z1
	VMULPS 768(DI), Z0, Z6
	VFMADD231PS 832(DI), Z1, Z6
	VFMADD231PS.BCST 40(SP), Z6, Z4
	VPMOVSXBD 240(SI), Z2
	VPMOVSXBD 256(SI), Z3
	VCVTDQ2PS Z2, Z2
	VCVTDQ2PS Z3, Z3
	VMULPS 896(DI), Z2, Z13
	VFMADD231PS 960(DI), Z3, Z13
	VFMADD231PS.BCST 44(SP), Z13, Z5
	WIDEN
	ADDQ $272, SI
	ADDQ $1024, DI
	DECQ R10
	JNZ  q8loop
q8rest:
	ANDQ $7, CX
	JZ   q8done
	XORQ R10, R10
q8tail:
	Q8W(0)
	BTQ $0, R10
	JC   q8odd
	Q8K(XS, Z6, Z4)
	JMP  q8next
q8odd:
	Q8K(XS, Z6, Z5)
q8next:
	INCQ R10
	ADDQ $34, SI
	ADDQ $128, DI
	DECQ CX
	JNZ  q8tail
q8done:
	FINISH512

// Q4W decodes the Q4_0 block at off(SI) into Z0 (elements 0..15, low
// nibbles) and Z1 (16..31, high nibbles) as d·(q−8): exact in float32,
// ggml's dequantized values, looked up by VPERMPS (which uses the low
// four bits of each index, so the low nibble needs no mask) in the table
// Z15 (−8…7) scaled by d.
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

// func dotQ4_0AVX512(w *byte, x *float32, n int) float64 — n > 0 blocks.
// Eight blocks (a widening period) per iteration: their eight f16 scales
// are first copied to the stack and converted together, so each block
// takes d by a broadcast load instead of a conversion and a shuffle; the
// products are those of Q4W and Q4K block by block (dot4Q4_0AVX512
// decodes one block at a time and gets the same bits).
TEXT ·dotQ4_0AVX512(SB), NOSPLIT, $48-32
	START(4)
	VMOVUPS q4tab<>(SB), Z15
	MOVQ CX, R10
	SHRQ $3, R10
	JZ   q4rest
q4loop:
	PREFETCHT0 1024(SI)
	PREFETCHT0 1088(SI)
	PREFETCHT0 1152(SI)
	SCALES8(18)
	VMULPS.BCST 16(SP), Z15, Z6
	VPMOVZXBD 2(SI), Z0
	VPSRLD $4, Z0, Z1
	VPERMPS Z6, Z0, Z0
	VPERMPS Z6, Z1, Z1
	VFMADD231PS 0(DI), Z0, Z4
	VFMADD231PS 64(DI), Z1, Z5
	VMULPS.BCST 20(SP), Z15, Z13
	VPMOVZXBD 20(SI), Z2
	VPSRLD $4, Z2, Z3
	VPERMPS Z13, Z2, Z2
	VPERMPS Z13, Z3, Z3
	VFMADD231PS 128(DI), Z2, Z4
	VFMADD231PS 192(DI), Z3, Z5
	VMULPS.BCST 24(SP), Z15, Z6
	VPMOVZXBD 38(SI), Z0
	VPSRLD $4, Z0, Z1
	VPERMPS Z6, Z0, Z0
	VPERMPS Z6, Z1, Z1
	VFMADD231PS 256(DI), Z0, Z4
	VFMADD231PS 320(DI), Z1, Z5
	VMULPS.BCST 28(SP), Z15, Z13
	VPMOVZXBD 56(SI), Z2
	VPSRLD $4, Z2, Z3
	VPERMPS Z13, Z2, Z2
	VPERMPS Z13, Z3, Z3
	VFMADD231PS 384(DI), Z2, Z4
	VFMADD231PS 448(DI), Z3, Z5
	VMULPS.BCST 32(SP), Z15, Z6
	VPMOVZXBD 74(SI), Z0
	VPSRLD $4, Z0, Z1
	VPERMPS Z6, Z0, Z0
	VPERMPS Z6, Z1, Z1
	VFMADD231PS 512(DI), Z0, Z4
	VFMADD231PS 576(DI), Z1, Z5
	VMULPS.BCST 36(SP), Z15, Z13
	VPMOVZXBD 92(SI), Z2
	VPSRLD $4, Z2, Z3
	VPERMPS Z13, Z2, Z2
	VPERMPS Z13, Z3, Z3
	VFMADD231PS 640(DI), Z2, Z4
	VFMADD231PS 704(DI), Z3, Z5
	VMULPS.BCST 40(SP), Z15, Z6
	VPMOVZXBD 110(SI), Z0
	VPSRLD $4, Z0, Z1
	VPERMPS Z6, Z0, Z0
	VPERMPS Z6, Z1, Z1
	VFMADD231PS 768(DI), Z0, Z4
	VFMADD231PS 832(DI), Z1, Z5
	VMULPS.BCST 44(SP), Z15, Z13
	VPMOVZXBD 128(SI), Z2
	VPSRLD $4, Z2, Z3
	VPERMPS Z13, Z2, Z2
	VPERMPS Z13, Z3, Z3
	VFMADD231PS 896(DI), Z2, Z4
	VFMADD231PS 960(DI), Z3, Z5
	WIDEN
	ADDQ $144, SI
	ADDQ $1024, DI
	DECQ R10
	JNZ  q4loop
q4rest:
	ANDQ $7, CX
	JZ   q4done
q4tail:
	Q4W(0)
	Q4K(XS, Z4, Z5)
	ADDQ $18, SI
	ADDQ $128, DI
	DECQ CX
	JNZ  q4tail
q4done:
	FINISH512

DATA q4tab<>+0(SB)/4, $0xc1000000
DATA q4tab<>+4(SB)/4, $0xc0e00000
DATA q4tab<>+8(SB)/4, $0xc0c00000
DATA q4tab<>+12(SB)/4, $0xc0a00000
DATA q4tab<>+16(SB)/4, $0xc0800000
DATA q4tab<>+20(SB)/4, $0xc0400000
DATA q4tab<>+24(SB)/4, $0xc0000000
DATA q4tab<>+28(SB)/4, $0xbf800000
DATA q4tab<>+32(SB)/4, $0x00000000
DATA q4tab<>+36(SB)/4, $0x3f800000
DATA q4tab<>+40(SB)/4, $0x40000000
DATA q4tab<>+44(SB)/4, $0x40400000
DATA q4tab<>+48(SB)/4, $0x40800000
DATA q4tab<>+52(SB)/4, $0x40a00000
DATA q4tab<>+56(SB)/4, $0x40c00000
DATA q4tab<>+60(SB)/4, $0x40e00000
GLOBL q4tab<>(SB), RODATA|NOPTR, $64

// func axpyAVX512(dst *float32, a float32, x *float32, n int) — n a positive multiple of 16:
// dst[i] = fma(a, x[i], dst[i]), one rounding per element.
TEXT ·axpyAVX512(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	VBROADCASTSS a+8(FP), Z7
	MOVQ x+16(FP), SI
	MOVQ n+24(FP), CX
axpyloop:
	VMOVUPS (DI), Z0
	VFMADD231PS (SI), Z7, Z0
	VMOVUPS Z0, (DI)
	ADDQ $64, DI
	ADDQ $64, SI
	SUBQ $16, CX
	JNZ  axpyloop
	VZEROUPPER
	RET
