//go:build amd64

#include "textflag.h"

// AVX-512 row dot products, with the scheme of simd_avx2_amd64.s on
// 16 lanes: the float types multiply 64-element groups into two 16-lane
// float32 partials of depth 2, added and widened to float64; the block
// types multiply a 32-element block (depth 2 per lane), scale it by the
// block's d in float32, add two blocks and widen to float64. At most
// four float32 roundings touch any product before float64 takes over.

// WIDEN adds the 16 float32 lanes of Z0 into the float64 Z8/Z9.
#define WIDEN \
	VEXTRACTF32X8 $1, Z0, Y1 \
	VCVTPS2PD Y0, Z2 \
	VCVTPS2PD Y1, Z3 \
	VADDPD Z2, Z8, Z8 \
	VADDPD Z3, Z9, Z9

// GROUP64 multiplies the float32 weights in Z0..Z3 by x at DI into Z0.
#define GROUP64 \
	VMULPS (DI), Z0, Z0 \
	VMULPS 64(DI), Z1, Z1 \
	VFMADD231PS 128(DI), Z2, Z0 \
	VFMADD231PS 192(DI), Z3, Z1 \
	VADDPS Z1, Z0, Z0

#define FINISH512 \
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

// func dotF32AVX512(w *byte, x *float32, n int) float64 — n a positive multiple of 64.
TEXT ·dotF32AVX512(SB), NOSPLIT, $0-32
	MOVQ w+0(FP), SI
	MOVQ x+8(FP), DI
	MOVQ n+16(FP), CX
	VXORPD Z8, Z8, Z8
	VXORPD Z9, Z9, Z9
f32loop:
	VMOVUPS (SI), Z0
	VMOVUPS 64(SI), Z1
	VMOVUPS 128(SI), Z2
	VMOVUPS 192(SI), Z3
	GROUP64
	WIDEN
	ADDQ $256, SI
	ADDQ $256, DI
	SUBQ $64, CX
	JNZ  f32loop
	FINISH512

// func dotF16AVX512(w *byte, x *float32, n int) float64 — n a positive multiple of 64.
TEXT ·dotF16AVX512(SB), NOSPLIT, $0-32
	MOVQ w+0(FP), SI
	MOVQ x+8(FP), DI
	MOVQ n+16(FP), CX
	VXORPD Z8, Z8, Z8
	VXORPD Z9, Z9, Z9
f16loop:
	VCVTPH2PS (SI), Z0
	VCVTPH2PS 32(SI), Z1
	VCVTPH2PS 64(SI), Z2
	VCVTPH2PS 96(SI), Z3
	GROUP64
	WIDEN
	ADDQ $128, SI
	ADDQ $256, DI
	SUBQ $64, CX
	JNZ  f16loop
	FINISH512

// func dotBF16AVX512(w *byte, x *float32, n int) float64 — n a positive multiple of 64.
TEXT ·dotBF16AVX512(SB), NOSPLIT, $0-32
	MOVQ w+0(FP), SI
	MOVQ x+8(FP), DI
	MOVQ n+16(FP), CX
	VXORPD Z8, Z8, Z8
	VXORPD Z9, Z9, Z9
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
	WIDEN
	ADDQ $128, SI
	ADDQ $256, DI
	SUBQ $64, CX
	JNZ  bf16loop
	FINISH512

// SCALE multiplies Z0 by the block's f16 scale at off(SI), in float32.
#define SCALE(off) \
	MOVWLZX off(SI), AX \
	VMOVD AX, X7 \
	VCVTPH2PS X7, X7 \
	VBROADCASTSS X7, Z7 \
	VMULPS Z7, Z0, Z0

// Q8BLOCK leaves d·(block · x) of the Q8_0 block at off(SI), x at xo(DI), in zd (uses Z0,Z1,Z7).
#define Q8BLOCK(off, xo, zd) \
	VPMOVSXBD off+2(SI), Z0 \
	VPMOVSXBD off+18(SI), Z1 \
	VCVTDQ2PS Z0, Z0 \
	VCVTDQ2PS Z1, Z1 \
	VMULPS xo(DI), Z0, Z0 \
	VFMADD231PS xo+64(DI), Z1, Z0 \
	SCALE(off) \
	VMOVAPS Z0, zd

// Q4BLOCK multiplies the Q4_0 block at off(SI) by x at xo(DI) into Z4
// (low nibbles) and Z5 (high nibbles) with op (VMULPS to start,
// VFMADD231PS to add). The weights d·(q−8) are looked up from the table
// Z15 (−8…7) scaled by d: VPERMPS uses the low four bits of each index,
// so the low nibble needs no mask. d·(q−8) is exact in float32 (the
// dequantized value of ggml).
#define Q4BLOCK(off, xo, op) \
	MOVWLZX off(SI), AX \
	VMOVD AX, X7 \
	VCVTPH2PS X7, X7 \
	VBROADCASTSS X7, Z7 \
	VMULPS Z15, Z7, Z6 \
	VPMOVZXBD off+2(SI), Z0 \
	VPSRLD $4, Z0, Z1 \
	VPERMPS Z6, Z0, Z0 \
	VPERMPS Z6, Z1, Z1 \
	op xo(DI), Z0, Z4 \
	op xo+64(DI), Z1, Z5

// func dotQ8_0AVX512(w *byte, x *float32, nb int) float64 — nb > 0 blocks.
TEXT ·dotQ8_0AVX512(SB), NOSPLIT, $0-32
	MOVQ w+0(FP), SI
	MOVQ x+8(FP), DI
	MOVQ nb+16(FP), CX
	VXORPD Z8, Z8, Z8
	VXORPD Z9, Z9, Z9
	SHRQ $1, CX
	JZ   q8tail
q8loop:
	Q8BLOCK(0, 0, Z4)
	Q8BLOCK(34, 128, Z5)
	VADDPS Z5, Z4, Z0
	WIDEN
	ADDQ $68, SI
	ADDQ $256, DI
	DECQ CX
	JNZ  q8loop
q8tail:
	MOVQ nb+16(FP), CX
	ANDQ $1, CX
	JZ   q8done
	Q8BLOCK(0, 0, Z0)
	WIDEN
q8done:
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

// func dotQ4_0AVX512(w *byte, x *float32, nb int) float64 — nb > 0 blocks.
TEXT ·dotQ4_0AVX512(SB), NOSPLIT, $0-32
	MOVQ w+0(FP), SI
	MOVQ x+8(FP), DI
	MOVQ nb+16(FP), CX
	VXORPD Z8, Z8, Z8
	VXORPD Z9, Z9, Z9
	VMOVUPS q4tab<>(SB), Z15
	SHRQ $1, CX
	JZ   q4tail
q4loop:
	Q4BLOCK(0, 0, VMULPS)
	Q4BLOCK(18, 128, VFMADD231PS)
	VADDPS Z5, Z4, Z0
	WIDEN
	ADDQ $36, SI
	ADDQ $256, DI
	DECQ CX
	JNZ  q4loop
q4tail:
	MOVQ nb+16(FP), CX
	ANDQ $1, CX
	JZ   q4done
	Q4BLOCK(0, 0, VMULPS)
	VADDPS Z5, Z4, Z0
	WIDEN
q4done:
	FINISH512
