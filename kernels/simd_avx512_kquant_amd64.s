//go:build amd64

#include "textflag.h"

// AVX-512 row dots for the K-quants Q4_K, Q5_K and Q6_K, in the scheme of
// simd_avx512_amd64.s: each weight is decoded to float32 exactly as
// ggml's dequantize_row_* computes it (same operations, same roundings),
// multiplied into two 16-lane float32 partials (Z4, Z5), and the partials
// are widened into float64 (Z8, Z9) once per 256-element super-block.

// KI8START loads the constants of the K-quant int8 kernels and the
// arguments, and zeroes the float64 lanes.
#define KI8START \
	MOVQ w+0(FP), SI \
	MOVQ q+8(FP), DI \
	MOVQ sums+16(FP), R13 \
	MOVQ d+24(FP), R11 \
	MOVQ nb+32(FP), CX \
	VXORPD Z8, Z8, Z8 \
	VXORPD Z9, Z9, Z9 \
	VPBROADCASTD kqlo4<>(SB), Z10 \
	VPBROADCASTQ kqhi4<>(SB), Z13 \
	VMOVDQU32 kqsc<>+0(SB), Z16 \
	VMOVDQU32 kqsc<>+64(SB), Z17 \
	VMOVDQU32 kqsc<>+128(SB), Z18 \
	VMOVDQU32 kqsc<>+192(SB), Z19 \
	VMOVDQU32 kqsc<>+256(SB), Z15

// KI8SUM sums the float64 lanes Z8, Z9 into X8 (and leaves AVX).
#define KI8SUM \
	VADDPD Z9, Z8, Z8 \
	VEXTRACTF64X4 $1, Z8, Y1 \
	VADDPD Y1, Y8, Y8 \
	VEXTRACTF128 $1, Y8, X1 \
	VADDPD X1, X8, X8 \
	VPERMILPD $1, X8, X1 \
	VADDSD X1, X8, X8 \
	VZEROUPPER

#define KWIDEN \
	VADDPS Z5, Z4, Z0 \
	VEXTRACTF32X8 $1, Z0, Y1 \
	VCVTPS2PD Y0, Z2 \
	VCVTPS2PD Y1, Z3 \
	VADDPD Z2, Z8, Z8 \
	VADDPD Z3, Z9, Z9 \
	VXORPS Z4, Z4, Z4 \
	VXORPS Z5, Z5, Z5

#define KFINISH \
	KI8SUM \
	MOVSD X8, ret+24(FP) \
	RET

// Q4KSUB multiplies sub-block j (quants as floats in za: elements
// 0..15, zb: 16..31) by d·sc_j and subtracts dmin·m_j (from the frame's
// slots sd and sm), as decodeQ4_K does, then multiplies by x.
#define Q4KSUB(j, za, zb, sd, sm) \
	VBROADCASTSS sd+(4*j)(SP), Z0 \
	VBROADCASTSS sm+(4*j)(SP), Z1 \
	VMULPS Z0, za, za \
	VMULPS Z0, zb, zb \
	VSUBPS Z1, za, za \
	VSUBPS Z1, zb, zb \
	VFMADD231PS (128*j)(DI), za, Z4 \
	VFMADD231PS (128*j+64)(DI), zb, Z5

// Q4KPAIR does sub-blocks 2p (low nibbles) and 2p+1 (high nibbles) of
// the 32 quant bytes at 16+32p(SI).
#define Q4KPAIR(p, j0, j1, sd, sm) \
	VPMOVZXBD (16+32*p)(SI), Z2 \
	VPMOVZXBD (32+32*p)(SI), Z3 \
	VPANDD Z15, Z2, Z10 \
	VPANDD Z15, Z3, Z11 \
	VPSRLD $4, Z2, Z12 \
	VPSRLD $4, Z3, Z13 \
	VCVTDQ2PS Z10, Z10 \
	VCVTDQ2PS Z11, Z11 \
	VCVTDQ2PS Z12, Z12 \
	VCVTDQ2PS Z13, Z13 \
	Q4KSUB(j0, Z10, Z11, sd, sm) \
	Q4KSUB(j1, Z12, Z13, sd, sm)

// KUNPACK unpacks the 6-bit scales and mins of the Q4_K/Q5_K super-block
// at base (ggml's kmask unpacking, in registers): the eight scales as
// bytes in X0, the eight mins in X1 (uses AX, BX, DX, R8…R10).
#define KUNPACK(base) \
	MOVL 4(base), AX \
	MOVL 8(base), BX \
	MOVL 12(base), DX \
	MOVL DX, R8 \
	SHRL $4, R8 \
	ANDL $0x0f0f0f0f, R8 \
	MOVL BX, R9 \
	SHRL $6, R9 \
	ANDL $0x03030303, R9 \
	SHLL $4, R9 \
	ORL  R9, R8 \
	MOVL BX, R10 \
	ANDL $0x3f3f3f3f, R10 \
	ANDL $0x0f0f0f0f, DX \
	MOVL AX, R9 \
	SHRL $6, R9 \
	ANDL $0x03030303, R9 \
	SHLL $4, R9 \
	ORL  R9, DX \
	ANDL $0x3f3f3f3f, AX \
	VMOVD AX, X0 \
	VPINSRD $1, DX, X0, X0 \
	VMOVD R10, X1 \
	VPINSRD $1, R8, X1, X1

// KSCALES stores the super-block at base's d·sc_j and dmin·m_j as
// float32 (exact: 11 × 6 bits) to the frame's slots sd and sm. The
// kernels run it one super-block ahead (KNEXT): Q4KSUB's broadcast loads
// then read stores that have long completed; unpacking through the stack
// right before them was ~1.6× slower (BenchmarkMatVec Q4_K, one thread).
#define KSCALES(base, sd, sm) \
	KUNPACK(base) \
	VCVTPH2PS (base), X7 \
	VBROADCASTSS X7, Y6 \
	VPERMILPS $0x55, X7, X7 \
	VBROADCASTSS X7, Y7 \
	VPMOVZXBD X0, Y0 \
	VPMOVZXBD X1, Y1 \
	VCVTDQ2PS Y0, Y0 \
	VCVTDQ2PS Y1, Y1 \
	VMULPS Y6, Y0, Y0 \
	VMULPS Y7, Y1, Y1 \
	VMOVUPS Y0, sd(SP) \
	VMOVUPS Y1, sm(SP)

// KNEXT points R12 at the next super-block (stride bytes on), or at
// this one on the last (CX = 1), so KSCALES never reads past the row.
#define KNEXT(stride) \
	LEAQ stride(SI), R12 \
	CMPQ CX, $1 \
	CMOVQEQ SI, R12

// Q4KBLOCK and Q5KBLOCK do one super-block with its scales in slots sd,
// sm, and count the super-blocks down in CX (the flags are DECQ's).
#define Q4KBLOCK(sd, sm) \
	Q4KPAIR(0, 0, 1, sd, sm) \
	Q4KPAIR(1, 2, 3, sd, sm) \
	Q4KPAIR(2, 4, 5, sd, sm) \
	Q4KPAIR(3, 6, 7, sd, sm) \
	KWIDEN \
	ADDQ $144, SI \
	ADDQ $1024, DI \
	DECQ CX

#define Q5KBLOCK(sd, sm) \
	VPMOVZXBD 16(SI), Z20 \
	VPMOVZXBD 32(SI), Z21 \
	Q5KPAIR(0, 0, 1, sd, sm) \
	Q5KPAIR(1, 2, 3, sd, sm) \
	Q5KPAIR(2, 4, 5, sd, sm) \
	Q5KPAIR(3, 6, 7, sd, sm) \
	KWIDEN \
	ADDQ $176, SI \
	ADDQ $1024, DI \
	DECQ CX

// func dotQ4_KAVX512(w *byte, x *float32, n int) float64 — n > 0 super-blocks.
TEXT ·dotQ4_KAVX512(SB), NOSPLIT, $128-32
	MOVQ w+0(FP), SI
	MOVQ x+8(FP), DI
	MOVQ n+16(FP), CX
	VXORPD Z8, Z8, Z8
	VXORPD Z9, Z9, Z9
	VXORPS Z4, Z4, Z4
	VXORPS Z5, Z5, Z5
	MOVL $15, AX
	VPBROADCASTD AX, Z15
	KSCALES(SI, da-128, ma-96)
q4kloop:
	KNEXT(144)
	KSCALES(R12, db-64, mb-32)
	Q4KBLOCK(da-128, ma-96)
	JZ   q4kdone
	KNEXT(144)
	KSCALES(R12, da-128, ma-96)
	Q4KBLOCK(db-64, mb-32)
	JNZ  q4kloop
q4kdone:
	KFINISH

// FIFTH ORs bit sh of the qh dwords zh, moved to bit 4, into zq.
#define FIFTH(zh, sh, zq) \
	VPSRLD $(sh), zh, Z2 \
	VPSLLD $4, Z2, Z2 \
	VPANDD Z16, Z2, Z2 \
	VPORD Z2, zq, zq

// Q5KPAIR is Q4KPAIR for Q5_K: quants at 48+32p(SI), fifth bits 2p and
// 2p+1 of qh (Z20: qh[0..15], Z21: qh[16..31]; Z16 = 16s).
#define Q5KPAIR(p, j0, j1, sd, sm) \
	VPMOVZXBD (48+32*p)(SI), Z2 \
	VPMOVZXBD (64+32*p)(SI), Z3 \
	VPANDD Z15, Z2, Z10 \
	VPANDD Z15, Z3, Z11 \
	VPSRLD $4, Z2, Z12 \
	VPSRLD $4, Z3, Z13 \
	FIFTH(Z20, 2*p, Z10) \
	FIFTH(Z21, 2*p, Z11) \
	FIFTH(Z20, 2*p+1, Z12) \
	FIFTH(Z21, 2*p+1, Z13) \
	VCVTDQ2PS Z10, Z10 \
	VCVTDQ2PS Z11, Z11 \
	VCVTDQ2PS Z12, Z12 \
	VCVTDQ2PS Z13, Z13 \
	Q4KSUB(j0, Z10, Z11, sd, sm) \
	Q4KSUB(j1, Z12, Z13, sd, sm)

// func dotQ5_KAVX512(w *byte, x *float32, n int) float64 — n > 0
// super-blocks (176 bytes: d, dmin, scales[12], qh[32], qs[128]).
TEXT ·dotQ5_KAVX512(SB), NOSPLIT, $128-32
	MOVQ w+0(FP), SI
	MOVQ x+8(FP), DI
	MOVQ n+16(FP), CX
	VXORPD Z8, Z8, Z8
	VXORPD Z9, Z9, Z9
	VXORPS Z4, Z4, Z4
	VXORPS Z5, Z5, Z5
	MOVL $15, AX
	VPBROADCASTD AX, Z15
	MOVL $16, AX
	VPBROADCASTD AX, Z16
	KSCALES(SI, da-128, ma-96)
q5kloop:
	KNEXT(176)
	KSCALES(R12, db-64, mb-32)
	Q5KBLOCK(da-128, ma-96)
	JZ   q5kdone
	KNEXT(176)
	KSCALES(R12, da-128, ma-96)
	Q5KBLOCK(db-64, mb-32)
	JNZ  q5kloop
q5kdone:
	KFINISH

// Q6KQ builds 16 quants q−32 as floats into zq from ql dwords zl (shifted
// right by lsh), and the qh dwords Z13 (bits hsh..hsh+1 to bits 4..5),
// then multiplies by d·sc (the frame's scale k) and by x at xo.
#define Q6KQ(zl, lsh, hop, hsh, k, xo, zacc) \
	VPSRLD $lsh, zl, Z10 \
	VPANDD Z15, Z10, Z10 \
	hop $hsh, Z13, Z11 \
	VPANDD Z14, Z11, Z11 \
	VPORD Z11, Z10, Z10 \
	VPSUBD Z12, Z10, Z10 \
	VCVTDQ2PS Z10, Z10 \
	VBROADCASTSS ds-64+(4*(k))(SP), Z11 \
	VMULPS Z11, Z10, Z10 \
	VFMADD231PS xo(DI), Z10, zacc

// Q6KHALF does one 128-element half: ql at qlo(SI), qh at qho(SI),
// scales from index s0 of the frame, x from xo(DI).
#define Q6KGROUP(qlo, qho, s0, xo) \
	VPMOVZXBD qlo(SI), Z2 \
	VPMOVZXBD (qlo+32)(SI), Z3 \
	VPMOVZXBD qho(SI), Z13 \
	Q6KQ(Z2, 0, VPSLLD, 4, s0, xo, Z4) \
	Q6KQ(Z3, 0, VPSLLD, 2, s0+2, xo+128, Z5) \
	Q6KQ(Z2, 4, VPSRLD, 0, s0+4, xo+256, Z4) \
	Q6KQ(Z3, 4, VPSRLD, 2, s0+6, xo+384, Z5)

// func dotQ6_KAVX512(w *byte, x *float32, n int) float64 — n > 0 super-blocks.
TEXT ·dotQ6_KAVX512(SB), NOSPLIT, $64-32
	MOVQ w+0(FP), SI
	MOVQ x+8(FP), DI
	MOVQ n+16(FP), CX
	VXORPD Z8, Z8, Z8
	VXORPD Z9, Z9, Z9
	VXORPS Z4, Z4, Z4
	VXORPS Z5, Z5, Z5
	MOVL $15, AX
	VPBROADCASTD AX, Z15
	MOVL $0x30, AX
	VPBROADCASTD AX, Z14
	MOVL $32, AX
	VPBROADCASTD AX, Z12
q6kloop:
	// d·sc for the 16 int8 scales (exact: 11 × 8 bits). d is the
	// block's last two bytes: loaded alone, not past the block.
	MOVWLZX 208(SI), AX
	VMOVD AX, X7
	VCVTPH2PS X7, X7
	VBROADCASTSS X7, Z7
	VPMOVSXBD 192(SI), Z0
	VCVTDQ2PS Z0, Z0
	VMULPS Z7, Z0, Z0
	VMOVUPS Z0, ds-64(SP)
	// half 0: elements 0..127; l = 0..15 then 16..31
	Q6KGROUP(0, 128, 0, 0)
	Q6KGROUP(16, 144, 1, 64)
	// half 1: elements 128..255
	Q6KGROUP(64, 160, 8, 512)
	Q6KGROUP(80, 176, 9, 576)
	KWIDEN
	ADDQ $210, SI
	ADDQ $1024, DI
	DECQ CX
	JNZ  q6kloop
	KFINISH

// Q4KI8PAIR adds sub-blocks 2p and 2p+1 of the Q4_K super-block at SI
// times the Q8_K input at DI, exactly, into the int32 lanes Z4: the 32
// quant bytes at 16+32p as 64 unsigned values (low nibbles, then high:
// the input's order), by VPDPBUSD into lanes of four products, times
// each lane's scale (zs).
#define Q4KI8PAIR(p, zs) \
	KNIBBLES(16+32*p) \
	KI8DOT(p, zs)

// KNIBBLES puts the 32 quant bytes at off(SI) in Z2 as 64 unsigned values:
// the low nibbles, then the high ones.
#define KNIBBLES(off) \
	VBROADCASTI64X4 off(SI), Z2 \
	VGF2P8AFFINEQB $0, Z13, Z2, Z3 \
	VPANDD Z10, Z2, Z2 \
	VINSERTI64X4 $1, Y3, Z2, Z2

// KI8DOT adds Z2's 64 values times the input's pair p (at DI), times
// the lanes' scales zs, into Z4.
#define KI8DOT(p, zs) \
	VPXORD Z3, Z3, Z3 \
	VPDPBUSD (64*p)(DI), Z2, Z3 \
	VPMULLD zs, Z3, Z3 \
	VPADDD Z3, Z4, Z4

// Q5KI8PAIR is Q4KI8PAIR for Q5_K: the quants at 48+32p, and 16 added
// to each value whose fifth bit (bit 2p of qh for the low nibbles, 2p+1
// for the high; qh in both halves of Z11) is set, by a byte mask from
// VPTESTMB against kq5bit's pair p (Z12 holds 16s).
#define Q5KI8PAIR(p, zs) \
	KNIBBLES(48+32*p) \
	VPTESTMB kq5bit<>+(64*p)(SB), Z11, K1 \
	VPADDB Z12, Z2, K1, Z2 \
	KI8DOT(p, zs)

// KI8SCALES starts a super-block: its scales spread over the four pairs'
// lanes (Z20…Z23), the mins' integer sums in lanes (Z5: m_j times the
// input's sums of 16s), and Z4 zeroed.
#define KI8SCALES \
	KUNPACK(SI) \
	VPMOVZXBD X0, Y0 \
	VPMOVZXBD X1, Y1 \
	VPERMD Z0, Z16, Z20 \
	VPERMD Z0, Z17, Z21 \
	VPERMD Z0, Z18, Z22 \
	VPERMD Z0, Z19, Z23 \
	VPERMD Z1, Z15, Z1 \
	VPMULLD (R13), Z1, Z5 \
	VPXORD Z4, Z4, Z4

// KI8TERMS adds the super-block's lanes times d·dy and −dmin·dy (float32
// products, as llama.cpp rounds them; each term exact in float64) into
// the float64 lanes Z8, Z9.
#define KI8TERMS \
	VCVTPH2PS (SI), X6 \
	VBROADCASTSS (R11), X7 \
	VMULPS X7, X6, X6 \
	VCVTPS2PD X6, X6 \
	VPERMILPD $1, X6, X7 \
	VBROADCASTSD X6, Z6 \
	VBROADCASTSD X7, Z7 \
	VCVTDQ2PD Y4, Z0 \
	VEXTRACTI64X4 $1, Z4, Y1 \
	VCVTDQ2PD Y1, Z1 \
	VFMADD231PD Z6, Z0, Z8 \
	VFMADD231PD Z6, Z1, Z9 \
	VCVTDQ2PD Y5, Z0 \
	VEXTRACTI64X4 $1, Z5, Y1 \
	VCVTDQ2PD Y1, Z1 \
	VFNMADD231PD Z7, Z0, Z8 \
	VFNMADD231PD Z7, Z1, Z9

// KI8NEXT moves to the next super-block (stride bytes of weights).
#define KI8NEXT(stride) \
	ADDQ $stride, SI \
	ADDQ $256, DI \
	ADDQ $64, R13 \
	ADDQ $4, R11 \
	DECQ CX

// func dotQ4_KI8AVX512(w *byte, q *int8, sums *int32, d *float32, nb int) float64
// is the int8 product of nb Q4_K super-blocks with a Q8_K input (values
// q, sums of each 16, scales d; see int8k.go): per super-block the
// scales' and the mins' integer sums, exact, in int32 lanes; each lane
// times d·dy and dmin·dy (float32 products, as llama.cpp rounds them) is
// exact in float64 and added in float64 lanes (Z8, Z9).
TEXT ·dotQ4_KI8AVX512(SB), NOSPLIT, $0-48
	KI8START
q4ki8loop:
	KI8SCALES
	Q4KI8PAIR(0, Z20)
	Q4KI8PAIR(1, Z21)
	Q4KI8PAIR(2, Z22)
	Q4KI8PAIR(3, Z23)
	KI8TERMS
	KI8NEXT(144)
	JNZ  q4ki8loop
	KI8SUM
	MOVSD X8, ret+40(FP)
	RET

// func dotQ5_KI8AVX512(w *byte, q *int8, sums *int32, d *float32, nb int) float64
// is dotQ4_KI8AVX512 for Q5_K.
TEXT ·dotQ5_KI8AVX512(SB), NOSPLIT, $0-48
	KI8START
	VPBROADCASTD kq16<>(SB), Z12
q5ki8loop:
	KI8SCALES
	VBROADCASTI64X4 16(SI), Z11
	Q5KI8PAIR(0, Z20)
	Q5KI8PAIR(1, Z21)
	Q5KI8PAIR(2, Z22)
	Q5KI8PAIR(3, Z23)
	KI8TERMS
	KI8NEXT(176)
	JNZ  q5ki8loop
	KI8SUM
	MOVSD X8, ret+40(FP)
	RET

DATA kqlo4<>+0(SB)/4, $0x0f0f0f0f
GLOBL kqlo4<>(SB), RODATA|NOPTR, $4
DATA kqhi4<>+0(SB)/8, $0x1020408000000000
GLOBL kqhi4<>(SB), RODATA|NOPTR, $8

// kqsc: the lanes' scale indices of Q4KI8PAIR 0 to 3 (lanes 0-7 take
// sub-block 2p's, 8-15 sub-block 2p+1's), then each 16's min index j/2.
DATA kqsc<>+0(SB)/8, $0x0000000000000000
DATA kqsc<>+8(SB)/8, $0x0000000000000000
DATA kqsc<>+16(SB)/8, $0x0000000000000000
DATA kqsc<>+24(SB)/8, $0x0000000000000000
DATA kqsc<>+32(SB)/8, $0x0000000100000001
DATA kqsc<>+40(SB)/8, $0x0000000100000001
DATA kqsc<>+48(SB)/8, $0x0000000100000001
DATA kqsc<>+56(SB)/8, $0x0000000100000001
DATA kqsc<>+64(SB)/8, $0x0000000200000002
DATA kqsc<>+72(SB)/8, $0x0000000200000002
DATA kqsc<>+80(SB)/8, $0x0000000200000002
DATA kqsc<>+88(SB)/8, $0x0000000200000002
DATA kqsc<>+96(SB)/8, $0x0000000300000003
DATA kqsc<>+104(SB)/8, $0x0000000300000003
DATA kqsc<>+112(SB)/8, $0x0000000300000003
DATA kqsc<>+120(SB)/8, $0x0000000300000003
DATA kqsc<>+128(SB)/8, $0x0000000400000004
DATA kqsc<>+136(SB)/8, $0x0000000400000004
DATA kqsc<>+144(SB)/8, $0x0000000400000004
DATA kqsc<>+152(SB)/8, $0x0000000400000004
DATA kqsc<>+160(SB)/8, $0x0000000500000005
DATA kqsc<>+168(SB)/8, $0x0000000500000005
DATA kqsc<>+176(SB)/8, $0x0000000500000005
DATA kqsc<>+184(SB)/8, $0x0000000500000005
DATA kqsc<>+192(SB)/8, $0x0000000600000006
DATA kqsc<>+200(SB)/8, $0x0000000600000006
DATA kqsc<>+208(SB)/8, $0x0000000600000006
DATA kqsc<>+216(SB)/8, $0x0000000600000006
DATA kqsc<>+224(SB)/8, $0x0000000700000007
DATA kqsc<>+232(SB)/8, $0x0000000700000007
DATA kqsc<>+240(SB)/8, $0x0000000700000007
DATA kqsc<>+248(SB)/8, $0x0000000700000007
DATA kqsc<>+256(SB)/8, $0x0000000000000000
DATA kqsc<>+264(SB)/8, $0x0000000100000001
DATA kqsc<>+272(SB)/8, $0x0000000200000002
DATA kqsc<>+280(SB)/8, $0x0000000300000003
DATA kqsc<>+288(SB)/8, $0x0000000400000004
DATA kqsc<>+296(SB)/8, $0x0000000500000005
DATA kqsc<>+304(SB)/8, $0x0000000600000006
DATA kqsc<>+312(SB)/8, $0x0000000700000007
GLOBL kqsc<>(SB), RODATA|NOPTR, $320

// kq5bit: Q5KI8PAIR's fifth-bit masks, per pair p: bit 2p in the low 32
// bytes, 2p+1 in the high 32.
DATA kq5bit<>+0(SB)/8, $0x0101010101010101
DATA kq5bit<>+8(SB)/8, $0x0101010101010101
DATA kq5bit<>+16(SB)/8, $0x0101010101010101
DATA kq5bit<>+24(SB)/8, $0x0101010101010101
DATA kq5bit<>+32(SB)/8, $0x0202020202020202
DATA kq5bit<>+40(SB)/8, $0x0202020202020202
DATA kq5bit<>+48(SB)/8, $0x0202020202020202
DATA kq5bit<>+56(SB)/8, $0x0202020202020202
DATA kq5bit<>+64(SB)/8, $0x0404040404040404
DATA kq5bit<>+72(SB)/8, $0x0404040404040404
DATA kq5bit<>+80(SB)/8, $0x0404040404040404
DATA kq5bit<>+88(SB)/8, $0x0404040404040404
DATA kq5bit<>+96(SB)/8, $0x0808080808080808
DATA kq5bit<>+104(SB)/8, $0x0808080808080808
DATA kq5bit<>+112(SB)/8, $0x0808080808080808
DATA kq5bit<>+120(SB)/8, $0x0808080808080808
DATA kq5bit<>+128(SB)/8, $0x1010101010101010
DATA kq5bit<>+136(SB)/8, $0x1010101010101010
DATA kq5bit<>+144(SB)/8, $0x1010101010101010
DATA kq5bit<>+152(SB)/8, $0x1010101010101010
DATA kq5bit<>+160(SB)/8, $0x2020202020202020
DATA kq5bit<>+168(SB)/8, $0x2020202020202020
DATA kq5bit<>+176(SB)/8, $0x2020202020202020
DATA kq5bit<>+184(SB)/8, $0x2020202020202020
DATA kq5bit<>+192(SB)/8, $0x4040404040404040
DATA kq5bit<>+200(SB)/8, $0x4040404040404040
DATA kq5bit<>+208(SB)/8, $0x4040404040404040
DATA kq5bit<>+216(SB)/8, $0x4040404040404040
DATA kq5bit<>+224(SB)/8, $0x8080808080808080
DATA kq5bit<>+232(SB)/8, $0x8080808080808080
DATA kq5bit<>+240(SB)/8, $0x8080808080808080
DATA kq5bit<>+248(SB)/8, $0x8080808080808080
GLOBL kq5bit<>(SB), RODATA|NOPTR, $256
DATA kq16<>+0(SB)/4, $0x10101010
GLOBL kq16<>(SB), RODATA|NOPTR, $4
