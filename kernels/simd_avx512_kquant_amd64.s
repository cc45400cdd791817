//go:build amd64

#include "textflag.h"
#include "simd_amd64.h"

// AVX-512 row dots for the K-quants Q4_K, Q5_K and Q6_K, in the scheme of
// simd_avx512_amd64.s: each weight is decoded to float32 exactly as
// ggml's dequantize_row_* computes it (same operations, same roundings),
// multiplied into two 16-lane float32 partials (Z4, Z5), and the partials
// are widened into float64 (Z8, Z9) once per 256-element super-block.

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

// Q4KSUB multiplies sub-block j (quants as floats in za: elements
// 0..15, zb: 16..31) by d·sc_j and subtracts dmin·m_j (from the frame's
// slots sd and sm), as decodeQ4_K does, then multiplies by x. One FMS
// does both: d·sc_j·q is exact in float32 (11 + 6 + 5 bits), so rounding
// only the difference gives decodeQ4_K's bits.
#define Q4KSUB(j, za, zb, sd, sm) \
	VBROADCASTSS sd+(4*j)(SP), Z0 \
	VBROADCASTSS sm+(4*j)(SP), Z1 \
	VFMSUB213PS Z1, Z0, za \
	VFMSUB213PS Z1, Z0, zb \
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

// Q6KQ builds 16 quants q as integers from ql dwords zl (shifted right
// by lsh: bits 0..3) and the qh dwords Z13 (moved by hop hsh: bits 4..5),
// merged by one VPTERNLOGD (Z15's 0x0F bits from the first, the others
// from the second) and masked with 0x3F (Z14); the weight d·sc·(q−32) is
// one FMA, q·(d·sc) + (−32·d·sc), rounded once as the product d·sc·(q−32)
// is (the frame's scale k and its −32 multiple), then times x at xo.
#define Q6KQ(zl, lsh, hop, hsh, k, xo, zacc) \
	VPSRLD $lsh, zl, Z10 \
	hop $hsh, Z13, Z11 \
	VPTERNLOGD $0xe4, Z15, Z11, Z10 \
	VPANDD Z14, Z10, Z10 \
	VCVTDQ2PS Z10, Z10 \
	VBROADCASTSS ds-64+(4*(k))(SP), Z11 \
	VFMADD213PS.BCST m32-128+(4*(k))(SP), Z11, Z10 \
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
TEXT ·dotQ6_KAVX512(SB), NOSPLIT, $128-32
	MOVQ w+0(FP), SI
	MOVQ x+8(FP), DI
	MOVQ n+16(FP), CX
	VXORPD Z8, Z8, Z8
	VXORPD Z9, Z9, Z9
	VXORPS Z4, Z4, Z4
	VXORPS Z5, Z5, Z5
	MOVL $15, AX
	VPBROADCASTD AX, Z15
	MOVL $0x3f, AX
	VPBROADCASTD AX, Z14
	MOVL $-32, AX
	VPBROADCASTD AX, Z12
	VCVTDQ2PS Z12, Z12
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
	VMULPS Z12, Z0, Z0
	VMOVUPS Z0, m32-128(SP)
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



