//go:build amd64

#include "textflag.h"

// Q8_0 row dots with the weights scaled before the multiply-adds: each
// block is decoded to the float32 weights q·d (exact: an 8-bit q times
// an f16 d fits in float32's 24 bits) and fused-multiply-added with x
// into the partials exactly as the F32 kernels do (elements 0..15 of a
// block into Z4, 16..31 into Z5; widened every eight blocks, 256
// elements). So a Q8_0 row dot equals the F32 dot of the decoded row bit
// for bit, and MatMul can decode a tile of rows once (decQ8_0AVX512) and
// run the F32 four-input kernels over it for every group of inputs.

// SCALES8Q converts the f16 scales of the eight blocks (34 bytes apart)
// at SI to float32 at 16(SP)…44(SP), as SCALES8 of simd_avx512_amd64.s.
#define SCALES8Q \
	MOVWLZX 0(SI), AX \
	MOVWLZX 34(SI), R12 \
	SHLQ $16, R12 \
	ORQ R12, AX \
	MOVWLZX 68(SI), R12 \
	SHLQ $32, R12 \
	ORQ R12, AX \
	MOVWLZX 102(SI), R12 \
	SHLQ $48, R12 \
	ORQ R12, AX \
	MOVWLZX 136(SI), BX \
	MOVWLZX 170(SI), R12 \
	SHLQ $16, R12 \
	ORQ R12, BX \
	MOVWLZX 204(SI), R12 \
	SHLQ $32, R12 \
	ORQ R12, BX \
	MOVWLZX 238(SI), R12 \
	SHLQ $48, R12 \
	ORQ R12, BX \
	VMOVQ AX, X14 \
	VPINSRQ $1, BX, X14, X14 \
	VCVTPH2PS X14, Y14 \
	VMOVUPS Y14, 16(SP)

// WIDENQ adds Z4+Z5 into the float64 Z8/Z9 and zeroes Z4, Z5 (WIDEN).
#define WIDENQ \
	VADDPS Z5, Z4, Z0 \
	VEXTRACTF32X8 $1, Z0, Y1 \
	VCVTPS2PD Y0, Z2 \
	VCVTPS2PD Y1, Z3 \
	VADDPD Z2, Z8, Z8 \
	VADDPD Z3, Z9, Z9 \
	VXORPS Z4, Z4, Z4 \
	VXORPS Z5, Z5, Z5

// Q8WS decodes the block at SI (scale in Z7) to q·d in Z0, Z1.
#define Q8WS \
	VCVTPH2PS (SI), X7 \
	VBROADCASTSS X7, Z7 \
	VPMOVSXBD 2(SI), Z0 \
	VPMOVSXBD 18(SI), Z1 \
	VCVTDQ2PS Z0, Z0 \
	VCVTDQ2PS Z1, Z1 \
	VMULPS Z7, Z0, Z0 \
	VMULPS Z7, Z1, Z1

// func dotQ8_0WAVX512(w *byte, x *float32, n int) float64 — n > 0 blocks.
// Eight blocks (a widening period) per iteration, their scales gathered
// first (SCALES8Q); the tail takes the blocks one at a time (Q8WS).
TEXT ·dotQ8_0WAVX512(SB), NOSPLIT, $48-32
	MOVQ w+0(FP), SI
	MOVQ x+8(FP), DI
	MOVQ n+16(FP), CX
	VXORPD Z8, Z8, Z8
	VXORPD Z9, Z9, Z9
	VXORPS Z4, Z4, Z4
	VXORPS Z5, Z5, Z5
	MOVQ CX, R10
	SHRQ $3, R10
	JZ   q8rest
q8loop:
	PREFETCHT0 1024(SI)
	PREFETCHT0 1088(SI)
	PREFETCHT0 1152(SI)
	PREFETCHT0 1216(SI)
	PREFETCHT0 1280(SI)
	SCALES8Q
	VPMOVSXBD 2(SI), Z0
	VPMOVSXBD 18(SI), Z1
	VCVTDQ2PS Z0, Z0
	VCVTDQ2PS Z1, Z1
	VMULPS.BCST 16(SP), Z0, Z0
	VMULPS.BCST 16(SP), Z1, Z1
	VFMADD231PS 0(DI), Z0, Z4
	VFMADD231PS 64(DI), Z1, Z5
	VPMOVSXBD 36(SI), Z0
	VPMOVSXBD 52(SI), Z1
	VCVTDQ2PS Z0, Z0
	VCVTDQ2PS Z1, Z1
	VMULPS.BCST 20(SP), Z0, Z0
	VMULPS.BCST 20(SP), Z1, Z1
	VFMADD231PS 128(DI), Z0, Z4
	VFMADD231PS 192(DI), Z1, Z5
	VPMOVSXBD 70(SI), Z0
	VPMOVSXBD 86(SI), Z1
	VCVTDQ2PS Z0, Z0
	VCVTDQ2PS Z1, Z1
	VMULPS.BCST 24(SP), Z0, Z0
	VMULPS.BCST 24(SP), Z1, Z1
	VFMADD231PS 256(DI), Z0, Z4
	VFMADD231PS 320(DI), Z1, Z5
	VPMOVSXBD 104(SI), Z0
	VPMOVSXBD 120(SI), Z1
	VCVTDQ2PS Z0, Z0
	VCVTDQ2PS Z1, Z1
	VMULPS.BCST 28(SP), Z0, Z0
	VMULPS.BCST 28(SP), Z1, Z1
	VFMADD231PS 384(DI), Z0, Z4
	VFMADD231PS 448(DI), Z1, Z5
	VPMOVSXBD 138(SI), Z0
	VPMOVSXBD 154(SI), Z1
	VCVTDQ2PS Z0, Z0
	VCVTDQ2PS Z1, Z1
	VMULPS.BCST 32(SP), Z0, Z0
	VMULPS.BCST 32(SP), Z1, Z1
	VFMADD231PS 512(DI), Z0, Z4
	VFMADD231PS 576(DI), Z1, Z5
	VPMOVSXBD 172(SI), Z0
	VPMOVSXBD 188(SI), Z1
	VCVTDQ2PS Z0, Z0
	VCVTDQ2PS Z1, Z1
	VMULPS.BCST 36(SP), Z0, Z0
	VMULPS.BCST 36(SP), Z1, Z1
	VFMADD231PS 640(DI), Z0, Z4
	VFMADD231PS 704(DI), Z1, Z5
	VPMOVSXBD 206(SI), Z0
	VPMOVSXBD 222(SI), Z1
	VCVTDQ2PS Z0, Z0
	VCVTDQ2PS Z1, Z1
	VMULPS.BCST 40(SP), Z0, Z0
	VMULPS.BCST 40(SP), Z1, Z1
	VFMADD231PS 768(DI), Z0, Z4
	VFMADD231PS 832(DI), Z1, Z5
	VPMOVSXBD 240(SI), Z0
	VPMOVSXBD 256(SI), Z1
	VCVTDQ2PS Z0, Z0
	VCVTDQ2PS Z1, Z1
	VMULPS.BCST 44(SP), Z0, Z0
	VMULPS.BCST 44(SP), Z1, Z1
	VFMADD231PS 896(DI), Z0, Z4
	VFMADD231PS 960(DI), Z1, Z5
	WIDENQ
	ADDQ $272, SI
	ADDQ $1024, DI
	DECQ R10
	JNZ  q8loop
q8rest:
	ANDQ $7, CX
	JZ   q8done
q8tail:
	Q8WS
	VFMADD231PS (DI), Z0, Z4
	VFMADD231PS 64(DI), Z1, Z5
	ADDQ $34, SI
	ADDQ $128, DI
	DECQ CX
	JNZ  q8tail
q8done:
	WIDENQ
	VADDPD Z9, Z8, Z8
	VEXTRACTF64X4 $1, Z8, Y1
	VADDPD Y1, Y8, Y8
	VEXTRACTF128 $1, Y8, X1
	VADDPD X1, X8, X8
	VPERMILPD $1, X8, X1
	VADDSD X1, X8, X8
	VZEROUPPER
	MOVSD X8, ret+24(FP)
	RET

// func decQ8_0AVX512(dst *float32, src *byte, nb int) — nb > 0 blocks.
// Decodes Q8_0 blocks to the float32 weights q·d dotQ8_0WAVX512
// multiplies by.
TEXT ·decQ8_0AVX512(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ nb+16(FP), CX
decq8loop:
	Q8WS
	VMOVUPS Z0, (DI)
	VMOVUPS Z1, 64(DI)
	ADDQ $34, SI
	ADDQ $128, DI
	DECQ CX
	JNZ  decq8loop
	VZEROUPPER
	RET
