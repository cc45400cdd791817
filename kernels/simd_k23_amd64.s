//go:build amd64

#include "textflag.h"
#include "simd_amd64.h"

// Row dots for Q2_K and Q3_K: AVX2 (dotQ2_KAVX2, dotQ3_KAVX2) and
// AVX-512 (dotQ2_KAVX512, dotQ3_KAVX512, with the decoders decQ2_KAVX512
// and decQ3_KAVX512 that AVX-512 MatMul uses). Their 256-element
// super-blocks hold 16 sub-blocks of 16 with 2-bit quants in
// qs[64]: element 128n + 32s + 16h + l takes bits 2s..2s+1 of byte
// 32n + 16h + l, and sub-block 8n + 2s + h (its elements in that order,
// so sub-block j multiplies x[16j:16j+16]). Each weight is decoded as
// ggml's dequantize_row_* does and is exact in float32 until one
// rounding:
// - Q2_K: d·sc_j·q − dmin·m_j (d·sc_j·q is exact: 11 + 4 + 2 bits), as
//   one FMA q·(d·sc_j) + (−dmin·m_j);
// - Q3_K: d·(sc_j − 32)·(q − 4·!hbit), exact (11 + 6 + 3 bits), as one
//   FMA u·(d·(sc_j − 32)) + (−4·d·(sc_j − 32)), u = q + 4·hbit.
// The super-block's multipliers and addends are stored to the frame one
// super-block ahead (KLOOP), as KSCALES does for Q4_K.
//
// AVX2: element e goes into the 8-lane float32 partial Y4 or Y5 as (e/8)%2
// says (l = 0..7 of each sub-block into Y4, 8..15 into Y5), widened into
// float64 (Y8, Y9) every 128 elements (eight products per lane). Q3_K
// works on a half's 32 quant bytes at once, sub-blocks in increasing
// order (dot4K8AVX2 repeats it on rows decoded by decQ3_KAVX2); Q2_K on
// dwords, the even sub-blocks of a half first (dot4K2AVX2). (The (e/32)%2
// order of the other K-quants would chain four multiply-adds into one
// partial here, ~15% slower.) Registers: Y15 = 0x03, Y14 = 0x04 bytes;
// Q2_K's quant dwords in Y2, Y3; Q3_K's half as bytes in Y2, its hm
// bytes in Y3.
//
// AVX-512: sub-block j (16 elements, one register) goes into the partial
// Z4 for even j (h = 0) and Z5 for odd j, in increasing j, widened once
// per super-block: the pattern of the F32 kernels (elements 16j..16j+15
// into the first partial for even j, widened every 256 elements), so a
// MatMul of decoded rows through them is bit-identical to MatVec.
// Registers: Z15 = 3s, Z14 = 4s, the quants of (n, h) in Z2, Q3_K's
// hmask bytes in Z10.

// K2W finishes sub-block 8n + 2s + h from its 3-bit (Q3_K) or 2-bit
// (Q2_K) values as dwords in Y0 (l = 0..7) and Y1 (8..15): the weights
// u·m + a with the multiplier and addend at slots sa, sb, put by out
// (KDOT2: times x into the partials Y4 and Y5; KPUT2: to dst).
#define K2W(n, s, h, out, sa, sb) \
	VBROADCASTSS sa+(4*(8*(n)+2*(s)+(h)))(SP), Y6 \
	VBROADCASTSS sb+(4*(8*(n)+2*(s)+(h)))(SP), Y7 \
	VCVTDQ2PS Y0, Y0 \
	VCVTDQ2PS Y1, Y1 \
	VFMADD213PS Y7, Y6, Y0 \
	VFMADD213PS Y7, Y6, Y1 \
	out((4*(128*(n)+32*(s)+16*(h))), Y0, Y4) \
	out((4*(128*(n)+32*(s)+16*(h)+8)), Y1, Y5)

// K2SUB is a Q2_K sub-block from its quant dwords qa, qb: bits 2s..2s+1.
#define K2SUB(n, s, h, qa, qb, out, sa, sb) \
	VPSRLD $(2*(s)), qa, Y0 \
	VPSRLD $(2*(s)), qb, Y1 \
	VPAND Y15, Y0, Y0 \
	VPAND Y15, Y1, Y1 \
	K2W(n, s, h, out, sa, sb)

// K2HALF2 does (n, h) of a Q2_K super-block: its quant dwords in Y2,
// Y3, sub-blocks s = 0..3 (8n + 2s + h). A half takes h = 0, then h = 1,
// then widens: the order dot4K2AVX2 repeats.
#define K2HALF2(n, h, out, sa, sb) \
	VPMOVZXBD (16+32*(n)+16*(h))(SI), Y2 \
	VPMOVZXBD (16+32*(n)+16*(h)+8)(SI), Y3 \
	K2SUB(n, 0, h, Y2, Y3, out, sa, sb) \
	K2SUB(n, 1, h, Y2, Y3, out, sa, sb) \
	K2SUB(n, 2, h, Y2, Y3, out, sa, sb) \
	K2SUB(n, 3, h, Y2, Y3, out, sa, sb)

// K3S does sub-blocks 8n + 2s and 8n + 2s + 1 of Q3_K on bytes: the
// half's 32 quant bytes (Y2) shifted by 2s and masked to 2 bits, hmask
// bit k of the 32 hm bytes (Y3) moved to bit 2 (by op $sh on words: a
// left shift by 2−k or a right one by k−2; the 0x04 mask (Y14) keeps
// each byte's own bit), ORed in; then 8 values at a time widened to
// dwords for K2W.
#define K3S(n, s, op, sh, out, sa, sb) \
	VPSRLW $(2*(s)), Y2, Y0 \
	VPAND Y15, Y0, Y0 \
	op $(sh), Y3, Y1 \
	VPAND Y14, Y1, Y1 \
	VPOR Y1, Y0, Y12 \
	VPMOVZXBD X12, Y0 \
	VPSRLDQ $8, X12, X1 \
	VPMOVZXBD X1, Y1 \
	K2W(n, s, 0, out, sa, sb) \
	VEXTRACTI128 $1, Y12, X12 \
	VPMOVZXBD X12, Y0 \
	VPSRLDQ $8, X12, X1 \
	VPMOVZXBD X1, Y1 \
	K2W(n, s, 1, out, sa, sb)

// K3HALF2 does half n of a Q3_K super-block (hm bytes in Y3).
#define K3HALF2(n, op0, sh0, op1, sh1, op2, sh2, op3, sh3, out, widen, sa, sb) \
	VMOVDQU (32+32*(n))(SI), Y2 \
	K3S(n, 0, op0, sh0, out, sa, sb) \
	K3S(n, 1, op1, sh1, out, sa, sb) \
	K3S(n, 2, op2, sh2, out, sa, sb) \
	K3S(n, 3, op3, sh3, out, sa, sb) \
	widen

// Q2KBLOCK2 and Q3KBLOCK2 do one super-block with its multipliers and
// addends in slots sa, sb (out, widen as in Q4KBLOCK2), and count the
// super-blocks down in CX (the flags are DECQ's).
#define Q2KBLOCK2(sa, sb, out, widen) \
	K2HALF2(0, 0, out, sa, sb) \
	K2HALF2(0, 1, out, sa, sb) \
	widen \
	K2HALF2(1, 0, out, sa, sb) \
	K2HALF2(1, 1, out, sa, sb) \
	widen \
	ADDQ $84, SI \
	ADDQ $1024, DI \
	DECQ CX

#define Q3KBLOCK2(sa, sb, out, widen) \
	VMOVDQU (SI), Y3 \
	K3HALF2(0, VPSLLW, 2, VPSLLW, 1, VPSRLW, 0, VPSRLW, 1, out, widen, sa, sb) \
	K3HALF2(1, VPSRLW, 2, VPSRLW, 3, VPSRLW, 4, VPSRLW, 5, out, widen, sa, sb) \
	ADDQ $110, SI \
	ADDQ $1024, DI \
	DECQ CX

// NOHBIT is the AVX-512 Q2_K hbit: nothing.
#define NOHBIT

// K23STORE converts the 16 scale dwords in Y0 (0..7) and Y1 (8..15) to
// float32 and stores them times Y6 to slot sa and times Y7 to slot sb.
#define K23STORE(sa, sb) \
	VCVTDQ2PS Y0, Y0 \
	VCVTDQ2PS Y1, Y1 \
	VMULPS Y6, Y0, Y2 \
	VMULPS Y6, Y1, Y3 \
	VMOVUPS Y2, sa(SP) \
	VMOVUPS Y3, sa+32(SP) \
	VMULPS Y7, Y0, Y2 \
	VMULPS Y7, Y1, Y3 \
	VMOVUPS Y2, sb(SP) \
	VMOVUPS Y3, sb+32(SP)

// Q2KSCALES stores the Q2_K super-block at base's multipliers d·sc_j to
// slot sa and addends −dmin·m_j to slot sb (reading only its 84 bytes).
#define Q2KSCALES(base, sa, sb) \
	MOVL 80(base), AX \
	VMOVD AX, X6 \
	VCVTPH2PS X6, X6 \
	VMOVSHDUP X6, X7 \
	VBROADCASTSS X6, Y6 \
	VBROADCASTSS X7, Y7 \
	VXORPS k23neg<>(SB), Y7, Y7 \
	VMOVDQU (base), X0 \
	VPAND k23low<>(SB), X0, X1 \
	VPMOVZXBD X1, Y2 \
	VPSRLDQ $8, X1, X1 \
	VPMOVZXBD X1, Y3 \
	VPSRLW $4, X0, X0 \
	VPAND k23low<>(SB), X0, X0 \
	VPMOVZXBD X0, Y1 \
	VPSRLDQ $8, X0, X0 \
	VPMOVZXBD X0, Y0 \
	VCVTDQ2PS Y2, Y2 \
	VCVTDQ2PS Y3, Y3 \
	VMULPS Y6, Y2, Y2 \
	VMULPS Y6, Y3, Y3 \
	VMOVUPS Y2, sa(SP) \
	VMOVUPS Y3, sa+32(SP) \
	VCVTDQ2PS Y1, Y1 \
	VCVTDQ2PS Y0, Y0 \
	VMULPS Y7, Y1, Y1 \
	VMULPS Y7, Y0, Y0 \
	VMOVUPS Y1, sb(SP) \
	VMOVUPS Y0, sb+32(SP)

// Q3KSCALES unpacks the Q3_K super-block at base's 16 six-bit scales
// (ggml's kmask1/kmask2 unpacking) and stores d·(sc_j − 32) to slot sa
// and −4·d·(sc_j − 32) to slot sb (uses AX, BX, DX, R8…R10).
#define Q3KSCALES(base, sa, sb) \
	MOVL 96(base), AX \
	MOVL 100(base), BX \
	MOVL 104(base), DX \
	MOVL DX, R8 \
	ANDL $0x03030303, R8 \
	SHLL $4, R8 \
	MOVL AX, R9 \
	ANDL $0x0f0f0f0f, R9 \
	ORL  R8, R9 \
	VMOVD R9, X0 \
	MOVL DX, R8 \
	SHRL $2, R8 \
	ANDL $0x03030303, R8 \
	SHLL $4, R8 \
	MOVL BX, R9 \
	ANDL $0x0f0f0f0f, R9 \
	ORL  R8, R9 \
	VPINSRD $1, R9, X0, X0 \
	MOVL DX, R8 \
	SHRL $4, R8 \
	ANDL $0x03030303, R8 \
	SHLL $4, R8 \
	MOVL AX, R9 \
	SHRL $4, R9 \
	ANDL $0x0f0f0f0f, R9 \
	ORL  R8, R9 \
	VPINSRD $2, R9, X0, X0 \
	SHRL $6, DX \
	ANDL $0x03030303, DX \
	SHLL $4, DX \
	SHRL $4, BX \
	ANDL $0x0f0f0f0f, BX \
	ORL  DX, BX \
	VPINSRD $3, BX, X0, X0 \
	MOVWLZX 108(base), AX \
	VMOVD AX, X6 \
	VCVTPH2PS X6, X6 \
	VBROADCASTSS X6, Y6 \
	VMULPS k23m4<>(SB), Y6, Y7 \
	VPSRLDQ $8, X0, X1 \
	VPMOVZXBD X1, Y1 \
	VPMOVZXBD X0, Y0 \
	VPSUBD k23s32<>(SB), Y0, Y0 \
	VPSUBD k23s32<>(SB), Y1, Y1 \
	K23STORE(sa, sb)

// K2SUB16 is K2SUB on 16 lanes: sub-block 8n + 2s + h from Z2 (hbit:
// NOHBIT or HBIT16), its weights put by out at x offset 4·(its first
// element) with za: KDOT16 (times x into za) or KPUT16 (to dst).
#define K2SUB16(n, s, h, hbit, za, sa, sb, out) \
	VBROADCASTSS sa+(4*(8*(n)+2*(s)+(h)))(SP), Z6 \
	VPSRLD $(2*(s)), Z2, Z0 \
	VPANDD Z15, Z0, Z0 \
	hbit \
	VCVTDQ2PS Z0, Z0 \
	VFMADD213PS.BCST sb+(4*(8*(n)+2*(s)+(h)))(SP), Z6, Z0 \
	out(4*(128*(n)+32*(s)+16*(h)), za)

#define KDOT16(xo, za) \
	VFMADD231PS xo(DI), Z0, za

#define KPUT16(xo, za) \
	VMOVUPS Z0, xo(DI)

// HBIT16 moves bit k of the hmask dwords in Z10 to bit 2 (by op $sh, as
// HBIT does) and ORs it into the quants in Z0 (4s in Z14).
#define HBIT16(op, sh) \
	op $(sh), Z10, Z12 \
	VPANDD Z14, Z12, Z12 \
	VPORD Z12, Z0, Z0

// K2HALF16 and K3HALF16 do (n, h): the four sub-blocks s = 0..3, into za.
#define K2HALF16(n, h, za, sa, sb, out) \
	VPMOVZXBD (16+32*(n)+16*(h))(SI), Z2 \
	K2SUB16(n, 0, h, NOHBIT, za, sa, sb, out) \
	K2SUB16(n, 1, h, NOHBIT, za, sa, sb, out) \
	K2SUB16(n, 2, h, NOHBIT, za, sa, sb, out) \
	K2SUB16(n, 3, h, NOHBIT, za, sa, sb, out)

#define K3HALF16(n, h, za, op0, sh0, op1, sh1, op2, sh2, op3, sh3, sa, sb, out) \
	VPMOVZXBD (32+32*(n)+16*(h))(SI), Z2 \
	VPMOVZXBD (16*(h))(SI), Z10 \
	K2SUB16(n, 0, h, HBIT16(op0, sh0), za, sa, sb, out) \
	K2SUB16(n, 1, h, HBIT16(op1, sh1), za, sa, sb, out) \
	K2SUB16(n, 2, h, HBIT16(op2, sh2), za, sa, sb, out) \
	K2SUB16(n, 3, h, HBIT16(op3, sh3), za, sa, sb, out)

// Q2KBLOCK16 and Q3KBLOCK16 do one super-block (widen: KWIDEN for the
// row dots, NOWIDEN for the decoders) and count down in CX.
#define Q2KBLOCK16(sa, sb, out, widen) \
	K2HALF16(0, 0, Z4, sa, sb, out) \
	K2HALF16(0, 1, Z5, sa, sb, out) \
	K2HALF16(1, 0, Z4, sa, sb, out) \
	K2HALF16(1, 1, Z5, sa, sb, out) \
	widen \
	ADDQ $84, SI \
	ADDQ $1024, DI \
	DECQ CX

#define Q3KBLOCK16(sa, sb, out, widen) \
	K3HALF16(0, 0, Z4, VPSLLD, 2, VPSLLD, 1, VPSRLD, 0, VPSRLD, 1, sa, sb, out) \
	K3HALF16(0, 1, Z5, VPSLLD, 2, VPSLLD, 1, VPSRLD, 0, VPSRLD, 1, sa, sb, out) \
	K3HALF16(1, 0, Z4, VPSRLD, 2, VPSRLD, 3, VPSRLD, 4, VPSRLD, 5, sa, sb, out) \
	K3HALF16(1, 1, Z5, VPSRLD, 2, VPSRLD, 3, VPSRLD, 4, VPSRLD, 5, sa, sb, out) \
	widen \
	ADDQ $110, SI \
	ADDQ $1024, DI \
	DECQ CX

// K23CONSTS16: Z15 = 3s, Z14 = 4s.
#define K23CONSTS16 \
	VPBROADCASTD k23three<>(SB), Z15 \
	VPBROADCASTD k23four<>(SB), Z14

// K23START loads the arguments and zeroes the partials and the float64
// lanes; Y15 = 3s, Y14 = 4s.
#define K23START \
	START1 \
	K23CONSTS2

// K23CONSTS2: Y15 = 0x03 and Y14 = 0x04 in every byte (the AVX2 kernels'
// masks: Q3_K works on bytes, Q2_K on dwords below 256).
#define K23CONSTS2 \
	VPBROADCASTD k23b03<>(SB), Y15 \
	VPBROADCASTD k23b04<>(SB), Y14

// func dotQ2_KAVX2(w *byte, x *float32, n int) float64 — n > 0
// super-blocks (84 bytes: scales[16], qs[64], d, dmin).
TEXT ·dotQ2_KAVX2(SB), NOSPLIT, $256-32
	K23START
	Q2KSCALES(SI, aa-256, ab-192)
	KLOOP(q2kloop, q2kdone, Q2KSCALES, Q2KBLOCK2, 84, KDOT2, KWIDEN2, aa-256, ab-192, ba-128, bb-64)
	FINISH2

// func dotQ3_KAVX2(w *byte, x *float32, n int) float64 — n > 0
// super-blocks (110 bytes: hmask[32], qs[64], scales[12], d).
TEXT ·dotQ3_KAVX2(SB), NOSPLIT, $256-32
	K23START
	Q3KSCALES(SI, aa-256, ab-192)
	KLOOP(q3kloop, q3kdone, Q3KSCALES, Q3KBLOCK2, 110, KDOT2, KWIDEN2, aa-256, ab-192, ba-128, bb-64)
	FINISH2

// func decQ2_KAVX2(dst *float32, src *byte, nb int) — nb > 0
// super-blocks: dotQ2_KAVX2's weights (decodeQ2_K's), stored.
TEXT ·decQ2_KAVX2(SB), NOSPLIT, $256-24
	KDEC(dq2kloop, dq2kdone, K23CONSTS2, Q2KSCALES, Q2KBLOCK2, 84, KPUT2, aa-256, ab-192, ba-128, bb-64)

// func decQ3_KAVX2(dst *float32, src *byte, nb int) — as decQ2_KAVX2.
TEXT ·decQ3_KAVX2(SB), NOSPLIT, $256-24
	KDEC(dq3kloop, dq3kdone, K23CONSTS2, Q3KSCALES, Q3KBLOCK2, 110, KPUT2, aa-256, ab-192, ba-128, bb-64)

// func dotQ2_KAVX512(w *byte, x *float32, n int) float64 — n > 0 super-blocks.
TEXT ·dotQ2_KAVX512(SB), NOSPLIT, $256-32
	KSTART512
	K23CONSTS16
	Q2KSCALES(SI, aa-256, ab-192)
	KLOOP(q2kloop16, q2kdone16, Q2KSCALES, Q2KBLOCK16, 84, KDOT16, KWIDEN, aa-256, ab-192, ba-128, bb-64)
	KFINISH

// func dotQ3_KAVX512(w *byte, x *float32, n int) float64 — n > 0 super-blocks.
TEXT ·dotQ3_KAVX512(SB), NOSPLIT, $256-32
	KSTART512
	K23CONSTS16
	Q3KSCALES(SI, aa-256, ab-192)
	KLOOP(q3kloop16, q3kdone16, Q3KSCALES, Q3KBLOCK16, 110, KDOT16, KWIDEN, aa-256, ab-192, ba-128, bb-64)
	KFINISH

// func dotQ2_KRowsAVX512, dotQ3_KRowsAVX512(w *byte, x *float32, n, rows, rb int, out *float32)
// are dotQ2_KAVX512 and dotQ3_KAVX512 for many rows (see ROWSARGS).
TEXT ·dotQ2_KRowsAVX512(SB), NOSPLIT, $256-48
	KROWS(q2krow, q2krloop, q2krdone, K23CONSTS16, Q2KSCALES, Q2KBLOCK16, 84, KDOT16, aa-256, ab-192, ba-128, bb-64)

TEXT ·dotQ3_KRowsAVX512(SB), NOSPLIT, $256-48
	KROWS(q3krow, q3krloop, q3krdone, K23CONSTS16, Q3KSCALES, Q3KBLOCK16, 110, KDOT16, aa-256, ab-192, ba-128, bb-64)

// func decQ2_KAVX512(dst *float32, src *byte, nb int) — nb > 0
// super-blocks decoded to dst: dotQ2_KAVX512's weights (decodeQ2_K's,
// bit for bit), stored instead of multiplied.
TEXT ·decQ2_KAVX512(SB), NOSPLIT, $256-24
	KDEC(dq2kloop, dq2kdone, K23CONSTS16, Q2KSCALES, Q2KBLOCK16, 84, KPUT16, aa-256, ab-192, ba-128, bb-64)

// func decQ3_KAVX512(dst *float32, src *byte, nb int) — as decQ2_KAVX512.
TEXT ·decQ3_KAVX512(SB), NOSPLIT, $256-24
	KDEC(dq3kloop, dq3kdone, K23CONSTS16, Q3KSCALES, Q3KBLOCK16, 110, KPUT16, aa-256, ab-192, ba-128, bb-64)

DATA k23b03<>+0(SB)/4, $0x03030303
GLOBL k23b03<>(SB), RODATA|NOPTR, $4

DATA k23b04<>+0(SB)/4, $0x04040404
GLOBL k23b04<>(SB), RODATA|NOPTR, $4

DATA k23three<>+0(SB)/4, $0x00000003
GLOBL k23three<>(SB), RODATA|NOPTR, $4

DATA k23four<>+0(SB)/4, $0x00000004
GLOBL k23four<>(SB), RODATA|NOPTR, $4

DATA k23s32<>+0(SB)/8, $0x0000002000000020
DATA k23s32<>+8(SB)/8, $0x0000002000000020
DATA k23s32<>+16(SB)/8, $0x0000002000000020
DATA k23s32<>+24(SB)/8, $0x0000002000000020
GLOBL k23s32<>(SB), RODATA|NOPTR, $32

// −4.0 in every lane (Q3_K's addends), the float32 sign bits (Q2_K's
// −dmin), 0x0F bytes.
DATA k23m4<>+0(SB)/8, $0xc0800000c0800000
DATA k23m4<>+8(SB)/8, $0xc0800000c0800000
DATA k23m4<>+16(SB)/8, $0xc0800000c0800000
DATA k23m4<>+24(SB)/8, $0xc0800000c0800000
GLOBL k23m4<>(SB), RODATA|NOPTR, $32

DATA k23neg<>+0(SB)/8, $0x8000000080000000
DATA k23neg<>+8(SB)/8, $0x8000000080000000
DATA k23neg<>+16(SB)/8, $0x8000000080000000
DATA k23neg<>+24(SB)/8, $0x8000000080000000
GLOBL k23neg<>(SB), RODATA|NOPTR, $32

DATA k23low<>+0(SB)/8, $0x0f0f0f0f0f0f0f0f
DATA k23low<>+8(SB)/8, $0x0f0f0f0f0f0f0f0f
GLOBL k23low<>(SB), RODATA|NOPTR, $16
