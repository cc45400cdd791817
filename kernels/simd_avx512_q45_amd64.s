//go:build amd64

#include "textflag.h"
#include "simd_amd64.h"

// AVX-512 row dots and decoders for Q4_1, Q5_0 and Q5_1 (32-element
// blocks): each block's weights made exactly as ggml's dequantize_row_*
// does (q·d + m, or (q − 16)·d as one FMA q·d + (−16·d): the product and
// the sum are exact), elements 0..15 in Z0 and 16..31 in Z1, multiplied
// into the partials Z4 and Z5 and widened into float64 (Z8, Z9) every
// eight blocks: the F32 kernels' pattern, so the decoded MatMul through
// them is bit-identical to MatVec.
//
// Registers: d in Z7, m or −16·d in Z6; Z15 = 0x0F, Z16 = 0x10 in every
// dword; Z13, Z12 the rotations that bring qh's bit j (element j) and
// bit 16 + j (element 16 + j) to bit 4 of lane j; Z2, Z3, Z10 temporaries.

// Q4NIB16 makes the nibble dwords of the 16 quant bytes at off(SI): low
// ones in Z0 (elements 0..15), high ones in Z1.
#define Q4NIB16(off) \
	VPMOVZXBD off(SI), Z2 \
	VPANDD Z15, Z2, Z0 \
	VPSRLD $4, Z2, Z1

// QH16 ORs the fifth bits from the u32 qh at off(SI) into Z0, Z1 (one
// VPTERNLOGD each: A | (B & C)).
#define QH16(off) \
	VPBROADCASTD off(SI), Z3 \
	VPROLVD Z13, Z3, Z10 \
	VPTERNLOGD $0xf8, Z16, Z10, Z0 \
	VPROLVD Z12, Z3, Z10 \
	VPTERNLOGD $0xf8, Z16, Z10, Z1

// W16 makes the weights q·d + Z6 from the quant dwords Z0, Z1.
#define W16 \
	VCVTDQ2PS Z0, Z0 \
	VCVTDQ2PS Z1, Z1 \
	VFMADD213PS Z6, Z7, Z0 \
	VFMADD213PS Z6, Z7, Z1

// DM16 broadcasts the block's f16 d (Z7) and m (Z6).
#define DM16 \
	VCVTPH2PS (SI), X7 \
	VMOVSHDUP X7, X6 \
	VBROADCASTSS X7, Z7 \
	VBROADCASTSS X6, Z6

#define Q41W16 \
	DM16 \
	Q4NIB16(4) \
	W16

#define Q50W16 \
	VCVTPH2PS (SI), X7 \
	VBROADCASTSS X7, Z7 \
	VMULPS.BCST ·q45m16(SB), Z7, Z6 \
	Q4NIB16(6) \
	QH16(2) \
	W16

#define Q51W16 \
	DM16 \
	Q4NIB16(8) \
	QH16(4) \
	W16

// Q45CONSTS loads Z15, Z16, Z13, Z12.
#define Q45CONSTS \
	VPBROADCASTD ·q45nib(SB), Z15 \
	VPBROADCASTD ·q45bit4(SB), Z16 \
	VMOVDQU32 q45rot<>(SB), Z13 \
	VMOVDQU32 q45rot<>+64(SB), Z12

// Q45DOT is the loop of the row dots (func(w *byte, x *float32, nb int)
// float64, nb > 0 blocks of bb bytes; decode: Q41W16 …), widening every
// eight blocks (R11 counts them).
#define Q45DOT(loop, next, decode, bb) \
	MOVQ w+0(FP), SI \
	MOVQ x+8(FP), DI \
	MOVQ nb+16(FP), CX \
	ZERO512 \
	Q45CONSTS \
	MOVQ $8, R11 \
loop: \
	decode \
	VFMADD231PS (DI), Z0, Z4 \
	VFMADD231PS 64(DI), Z1, Z5 \
	DECQ R11 \
	JNZ  next \
	KWIDEN \
	MOVQ $8, R11 \
next: \
	ADDQ $bb, SI \
	ADDQ $128, DI \
	DECQ CX \
	JNZ  loop \
	KWIDEN \
	KFINISH

// Q45DEC is the loop of the decoders (func(dst *float32, src *byte, nb
// int), nb > 0 blocks): the row dots' weights, stored.
#define Q45DEC(loop, decode, bb) \
	MOVQ dst+0(FP), DI \
	MOVQ src+8(FP), SI \
	MOVQ nb+16(FP), CX \
	Q45CONSTS \
loop: \
	decode \
	VMOVUPS Z0, (DI) \
	VMOVUPS Z1, 64(DI) \
	ADDQ $bb, SI \
	ADDQ $128, DI \
	DECQ CX \
	JNZ  loop \
	VZEROUPPER \
	RET

// func dotQ4_1AVX512(w *byte, x *float32, nb int) float64
TEXT ·dotQ4_1AVX512(SB), NOSPLIT, $0-32
	Q45DOT(q41loop, q41next, Q41W16, 20)

// func dotQ5_0AVX512(w *byte, x *float32, nb int) float64
TEXT ·dotQ5_0AVX512(SB), NOSPLIT, $0-32
	Q45DOT(q50loop, q50next, Q50W16, 22)

// func dotQ5_1AVX512(w *byte, x *float32, nb int) float64
TEXT ·dotQ5_1AVX512(SB), NOSPLIT, $0-32
	Q45DOT(q51loop, q51next, Q51W16, 24)

// func decQ4_1AVX512(dst *float32, src *byte, nb int)
TEXT ·decQ4_1AVX512(SB), NOSPLIT, $0-24
	Q45DEC(dq41loop, Q41W16, 20)

// func decQ5_0AVX512(dst *float32, src *byte, nb int)
TEXT ·decQ5_0AVX512(SB), NOSPLIT, $0-24
	Q45DEC(dq50loop, Q50W16, 22)

// func decQ5_1AVX512(dst *float32, src *byte, nb int)
TEXT ·decQ5_1AVX512(SB), NOSPLIT, $0-24
	Q45DEC(dq51loop, Q51W16, 24)

// q45rot: per lane j, the left rotations (4 − j) mod 32 (qh's bit j to
// bit 4) and (20 − j) mod 32 (bit 16 + j to bit 4).
DATA q45rot<>+0(SB)/8, $0x0000000300000004
DATA q45rot<>+8(SB)/8, $0x0000000100000002
DATA q45rot<>+16(SB)/8, $0x0000001f00000000
DATA q45rot<>+24(SB)/8, $0x0000001d0000001e
DATA q45rot<>+32(SB)/8, $0x0000001b0000001c
DATA q45rot<>+40(SB)/8, $0x000000190000001a
DATA q45rot<>+48(SB)/8, $0x0000001700000018
DATA q45rot<>+56(SB)/8, $0x0000001500000016
DATA q45rot<>+64(SB)/8, $0x0000001300000014
DATA q45rot<>+72(SB)/8, $0x0000001100000012
DATA q45rot<>+80(SB)/8, $0x0000000f00000010
DATA q45rot<>+88(SB)/8, $0x0000000d0000000e
DATA q45rot<>+96(SB)/8, $0x0000000b0000000c
DATA q45rot<>+104(SB)/8, $0x000000090000000a
DATA q45rot<>+112(SB)/8, $0x0000000700000008
DATA q45rot<>+120(SB)/8, $0x0000000500000006
GLOBL q45rot<>(SB), RODATA|NOPTR, $128
