//go:build amd64

#include "textflag.h"
#include "simd_amd64.h"

// AVX-512 row dots for the K-quants Q4_K, Q5_K and Q6_K, in the scheme of
// simd_avx512_amd64.s: each weight is decoded to float32 exactly as
// ggml's dequantize_row_* computes it (same operations, same roundings),
// multiplied into two 16-lane float32 partials (Z4, Z5), and the partials
// are widened into float64 (Z8, Z9) once per 256-element super-block.

// Q4KSUB multiplies sub-block j (quants as floats in za: elements
// 0..15, zb: 16..31) by d·sc_j and subtracts dmin·m_j (from the frame's
// slots sd and sm), as decodeQ4_K does, then multiplies by x. One FMS
// does both: d·sc_j·q is exact in float32 (11 + 6 + 5 bits), so rounding
// only the difference gives decodeQ4_K's bits.
#define Q4KSUB(j, za, zb, sd, sm, out) \
	VBROADCASTSS sd+(4*j)(SP), Z0 \
	VBROADCASTSS sm+(4*j)(SP), Z1 \
	VFMSUB213PS Z1, Z0, za \
	VFMSUB213PS Z1, Z0, zb \
	out(j, za, zb)

// KDOT (the row dots) multiplies sub-block j's weights za (elements
// 0..15), zb (16..31) by x into the partials; KPUT (the decoders) stores
// them to dst at DI instead.
#define KDOT(j, za, zb) \
	VFMADD231PS (128*j)(DI), za, Z4 \
	VFMADD231PS (128*j+64)(DI), zb, Z5

#define KPUT(j, za, zb) \
	VMOVUPS za, (128*j)(DI) \
	VMOVUPS zb, (128*j+64)(DI)

// Q4KPAIR does sub-blocks 2p (low nibbles) and 2p+1 (high nibbles) of
// the 32 quant bytes at 16+32p(SI).
#define Q4KPAIR(p, j0, j1, sd, sm, out) \
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
	Q4KSUB(j0, Z10, Z11, sd, sm, out) \
	Q4KSUB(j1, Z12, Z13, sd, sm, out)

// Q4KCONSTS and Q5KCONSTS: Z15 = 15s (and Q5_K's Z16 = 16s).
#define Q4KCONSTS \
	MOVL $15, AX \
	VPBROADCASTD AX, Z15

#define Q5KCONSTS \
	Q4KCONSTS \
	MOVL $16, AX \
	VPBROADCASTD AX, Z16

// Q4KBLOCK and Q5KBLOCK do one super-block with its scales in slots sd,
// sm, and count the super-blocks down in CX (the flags are DECQ's).
// (out: KDOT and KWIDEN for the row dots, KPUT and NOWIDEN for the
// decoders, whose dst advances by 1024 bytes as x does).
#define Q4KBLOCK(sd, sm, out, widen) \
	Q4KPAIR(0, 0, 1, sd, sm, out) \
	Q4KPAIR(1, 2, 3, sd, sm, out) \
	Q4KPAIR(2, 4, 5, sd, sm, out) \
	Q4KPAIR(3, 6, 7, sd, sm, out) \
	widen \
	ADDQ $144, SI \
	ADDQ $1024, DI \
	DECQ CX

#define Q5KBLOCK(sd, sm, out, widen) \
	VPMOVZXBD 16(SI), Z20 \
	VPMOVZXBD 32(SI), Z21 \
	Q5KPAIR(0, 0, 1, sd, sm, out) \
	Q5KPAIR(1, 2, 3, sd, sm, out) \
	Q5KPAIR(2, 4, 5, sd, sm, out) \
	Q5KPAIR(3, 6, 7, sd, sm, out) \
	widen \
	ADDQ $176, SI \
	ADDQ $1024, DI \
	DECQ CX

// func dotQ4_KAVX512(w *byte, x *float32, n int) float64 — n > 0 super-blocks.
TEXT ·dotQ4_KAVX512(SB), NOSPLIT, $128-32
	KSTART512
	Q4KCONSTS
	KSCALES(SI, da-128, ma-96)
	KLOOP(q4kloop, q4kdone, KSCALES, Q4KBLOCK, 144, KDOT, KWIDEN, da-128, ma-96, db-64, mb-32)
	KFINISH

// func dotQ4_KRowsAVX512(w *byte, x *float32, n, rows, rb int, out *float32)
// is dotQ4_KAVX512 for many rows (see ROWSARGS).
TEXT ·dotQ4_KRowsAVX512(SB), NOSPLIT, $128-48
	KROWS(q4krow, q4krloop, q4krdone, Q4KCONSTS, KSCALES, Q4KBLOCK, 144, KDOT, da-128, ma-96, db-64, mb-32)

// FIFTH ORs bit sh of the qh dwords zh, moved to bit 4, into zq.
#define FIFTH(zh, sh, zq) \
	VPSRLD $(sh), zh, Z2 \
	VPSLLD $4, Z2, Z2 \
	VPANDD Z16, Z2, Z2 \
	VPORD Z2, zq, zq

// Q5KPAIR is Q4KPAIR for Q5_K: quants at 48+32p(SI), fifth bits 2p and
// 2p+1 of qh (Z20: qh[0..15], Z21: qh[16..31]; Z16 = 16s).
#define Q5KPAIR(p, j0, j1, sd, sm, out) \
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
	Q4KSUB(j0, Z10, Z11, sd, sm, out) \
	Q4KSUB(j1, Z12, Z13, sd, sm, out)

// func dotQ5_KAVX512(w *byte, x *float32, n int) float64 — n > 0
// super-blocks (176 bytes: d, dmin, scales[12], qh[32], qs[128]).
TEXT ·dotQ5_KAVX512(SB), NOSPLIT, $128-32
	KSTART512
	Q5KCONSTS
	KSCALES(SI, da-128, ma-96)
	KLOOP(q5kloop, q5kdone, KSCALES, Q5KBLOCK, 176, KDOT, KWIDEN, da-128, ma-96, db-64, mb-32)
	KFINISH

// func dotQ5_KRowsAVX512(w *byte, x *float32, n, rows, rb int, out *float32)
TEXT ·dotQ5_KRowsAVX512(SB), NOSPLIT, $128-48
	KROWS(q5krow, q5krloop, q5krdone, Q5KCONSTS, KSCALES, Q5KBLOCK, 176, KDOT, da-128, ma-96, db-64, mb-32)

// Q6KQ builds 16 quants q as integers from ql dwords zl (shifted right
// by lsh: bits 0..3) and the qh dwords Z13 (moved by hop hsh: bits 4..5),
// merged by one VPTERNLOGD (Z15's 0x0F bits from the first, the others
// from the second) and masked with 0x3F (Z14); the weight d·sc·(q−32) is
// one FMA, q·(d·sc) + (−32·d·sc), rounded once as the product d·sc·(q−32)
// is (scale k of the frame's slots sd and its −32 multiple in sm), then
// out puts it at xo (KDOT6: times x into zacc; KPUT6: to dst).
#define Q6KQ(zl, lsh, hop, hsh, k, xo, zacc, sd, sm, out) \
	VPSRLD $lsh, zl, Z10 \
	hop $hsh, Z13, Z11 \
	VPTERNLOGD $0xe4, Z15, Z11, Z10 \
	VPANDD Z14, Z10, Z10 \
	VCVTDQ2PS Z10, Z10 \
	VBROADCASTSS sd+(4*(k))(SP), Z11 \
	VFMADD213PS.BCST sm+(4*(k))(SP), Z11, Z10 \
	out(xo, zacc)

#define KDOT6(xo, zacc) \
	VFMADD231PS xo(DI), Z10, zacc

#define KPUT6(xo, zacc) \
	VMOVUPS Z10, xo(DI)

// Q6KGROUP does 16 values of l (ql at qlo(SI), qh at qho(SI), scales
// from index s0): elements l, l+32, l+64, l+96 of a 128-element half at
// xo, all into the partial za, in that order. With l = 0 (za = Z4) and
// l = 16 (Z5), each partial gets elements 16j..16j+15 for j of one
// parity in increasing order, as the F32 kernels' do: so the decoded
// MatMul (decQ6_KAVX512 and the F32 kernels) is bit-identical to MatVec.
#define Q6KGROUP(qlo, qho, s0, xo, za, sd, sm, out) \
	VPMOVZXBD qlo(SI), Z2 \
	VPMOVZXBD (qlo+32)(SI), Z3 \
	VPMOVZXBD qho(SI), Z13 \
	Q6KQ(Z2, 0, VPSLLD, 4, s0, xo, za, sd, sm, out) \
	Q6KQ(Z3, 0, VPSLLD, 2, s0+2, xo+128, za, sd, sm, out) \
	Q6KQ(Z2, 4, VPSRLD, 0, s0+4, xo+256, za, sd, sm, out) \
	Q6KQ(Z3, 4, VPSRLD, 2, s0+6, xo+384, za, sd, sm, out)

// Q6KSCALES stores the Q6_K super-block at base's d·sc for its 16 int8
// scales (exact: 11 × 8 bits) to slot sd and −32·d·sc to slot sm (Z12 =
// −32.0s). d is the block's last two bytes: loaded alone, not past the
// block. The kernels run it one super-block ahead, as KSCALES.
#define Q6KSCALES(base, sd, sm) \
	MOVWLZX 208(base), AX \
	VMOVD AX, X7 \
	VCVTPH2PS X7, X7 \
	VBROADCASTSS X7, Z7 \
	VPMOVSXBD 192(base), Z0 \
	VCVTDQ2PS Z0, Z0 \
	VMULPS Z7, Z0, Z0 \
	VMOVUPS Z0, sd(SP) \
	VMULPS Z12, Z0, Z0 \
	VMOVUPS Z0, sm(SP)

// Q6KBLOCK does one super-block (scales in sd, sm; out and widen as in
// Q4KBLOCK) and counts down in CX (the flags are DECQ's).
#define Q6KBLOCK(sd, sm, out, widen) \
	Q6KGROUP(0, 128, 0, 0, Z4, sd, sm, out) \
	Q6KGROUP(16, 144, 1, 64, Z5, sd, sm, out) \
	Q6KGROUP(64, 160, 8, 512, Z4, sd, sm, out) \
	Q6KGROUP(80, 176, 9, 576, Z5, sd, sm, out) \
	widen \
	ADDQ $210, SI \
	ADDQ $1024, DI \
	DECQ CX

// Q6KCONSTS: Z15 = 0x0F, Z14 = 0x3F, Z12 = −32.0.
#define Q6KCONSTS \
	MOVL $15, AX \
	VPBROADCASTD AX, Z15 \
	MOVL $0x3f, AX \
	VPBROADCASTD AX, Z14 \
	MOVL $-32, AX \
	VPBROADCASTD AX, Z12 \
	VCVTDQ2PS Z12, Z12

// func dotQ6_KAVX512(w *byte, x *float32, n int) float64 — n > 0 super-blocks.
TEXT ·dotQ6_KAVX512(SB), NOSPLIT, $256-32
	KSTART512
	Q6KCONSTS
	Q6KSCALES(SI, da-256, ma-192)
	KLOOP(q6kloop, q6kdone, Q6KSCALES, Q6KBLOCK, 210, KDOT6, KWIDEN, da-256, ma-192, db-128, mb-64)
	KFINISH

// func dotQ6_KRowsAVX512(w *byte, x *float32, n, rows, rb int, out *float32)
TEXT ·dotQ6_KRowsAVX512(SB), NOSPLIT, $256-48
	KROWS(q6krow, q6krloop, q6krdone, Q6KCONSTS, Q6KSCALES, Q6KBLOCK, 210, KDOT6, da-256, ma-192, db-128, mb-64)

// func decQ6_KAVX512(dst *float32, src *byte, nb int) — nb > 0
// super-blocks: decQ4_KAVX512 for Q6_K (a zero weight may come out +0
// where decodeQ6_K gives −0: see TestGemmDecoders).
TEXT ·decQ6_KAVX512(SB), NOSPLIT, $256-24
	KDEC(dq6kloop, dq6kdone, Q6KCONSTS, Q6KSCALES, Q6KBLOCK, 210, KPUT6, da-256, ma-192, db-128, mb-64)

// func decQ4_KAVX512(dst *float32, src *byte, nb int) — nb > 0
// super-blocks decoded to dst: dotQ4_KAVX512's weights, stored instead
// of multiplied (KPUT), so each is decodeQ4_K's value bit for bit.
TEXT ·decQ4_KAVX512(SB), NOSPLIT, $128-24
	KDEC(dq4kloop, dq4kdone, Q4KCONSTS, KSCALES, Q4KBLOCK, 144, KPUT, da-128, ma-96, db-64, mb-32)

// func decQ5_KAVX512(dst *float32, src *byte, nb int) — nb > 0
// super-blocks: decQ4_KAVX512 for Q5_K.
TEXT ·decQ5_KAVX512(SB), NOSPLIT, $128-24
	KDEC(dq5kloop, dq5kdone, Q5KCONSTS, KSCALES, Q5KBLOCK, 176, KPUT, da-128, ma-96, db-64, mb-32)
