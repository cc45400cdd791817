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

// Q6KHALF decodes half h of a Q6_K super-block (elements 128h…128h+127:
// the 64 ql bytes at 64h(SI), the 32 qh bytes at 128+32h(SI)) and puts
// its 16-element groups j = 0…7 through Q6KQ, even groups into Z4 and
// odd ones into Z5, so each partial gets elements 16j…16j+15 for j of
// one parity in increasing order, as the F32 kernels' do: the decoded
// MatMul (decQ6_KAVX512 and the F32 kernels) is bit-identical to MatVec.
// The quants are built 64 bytes at a time, in element order, into the
// 128-byte buffer at R10: elements 0–63 are ql's low nibbles with qh's
// bits 0–1 (2–3 in the upper 32 bytes) as bits 4–5, moved there by one
// variable word shift (Z18), merged under the 0x30 mask Z17 by one
// VPTERNLOGD (Z2 | Z3&Z17); elements 64–127 are the high nibbles with
// bits 4–5 (6–7: Z19). Z16 holds 0x0F bytes.
#define Q6KHALF(h, sd, sm, out) \
	Q6KQUANTS(h) \
	VMOVDQU64 Z2, (R10) \
	VMOVDQU64 Z0, 64(R10) \
	Q6KQ(0, 8*(h), 512*(h), Z4, sd, sm, out) \
	Q6KQ(1, 8*(h)+1, 512*(h)+64, Z5, sd, sm, out) \
	Q6KQ(2, 8*(h)+2, 512*(h)+128, Z4, sd, sm, out) \
	Q6KQ(3, 8*(h)+3, 512*(h)+192, Z5, sd, sm, out) \
	Q6KQ(4, 8*(h)+4, 512*(h)+256, Z4, sd, sm, out) \
	Q6KQ(5, 8*(h)+5, 512*(h)+320, Z5, sd, sm, out) \
	Q6KQ(6, 8*(h)+6, 512*(h)+384, Z4, sd, sm, out) \
	Q6KQ(7, 8*(h)+7, 512*(h)+448, Z5, sd, sm, out)

// Q6KQUANTS builds half h's quants, elements 0–63 in Z2 and 64–127 in
// Z0 (Z1, Z3 scratch).
#define Q6KQUANTS(h) \
	VMOVDQU64 (64*(h))(SI), Z0 \
	VBROADCASTI64X4 (128+32*(h))(SI), Z1 \
	VPANDD Z16, Z0, Z2 \
	VPSLLVW Z18, Z1, Z3 \
	VPTERNLOGD $0xf8, Z17, Z3, Z2 \
	VPSRLW $4, Z0, Z0 \
	VPANDD Z16, Z0, Z0 \
	VPSRLVW Z19, Z1, Z1 \
	VPTERNLOGD $0xf8, Z17, Z1, Z0

// Q6KQ takes the 16 quants q of group j from the buffer at R10; the
// weight d·sc·(q−32) is one FMA, q·(d·sc) + (−32·d·sc), rounded once as
// the product d·sc·(q−32) is (scale k of the frame's slots sd and its
// −32 multiple in sm), then out puts it at xo (KDOT6: times x into zacc;
// KPUT6: to dst).
#define Q6KQ(j, k, xo, zacc, sd, sm, out) \
	VPMOVZXBD (16*(j))(R10), Z10 \
	VCVTDQ2PS Z10, Z10 \
	VBROADCASTSS sd+(4*(k))(SP), Z11 \
	VFMADD213PS.BCST sm+(4*(k))(SP), Z11, Z10 \
	out(xo, zacc)

#define KDOT6(xo, zacc) \
	VFMADD231PS xo(DI), Z10, zacc

#define KPUT6(xo, zacc) \
	VMOVUPS Z10, xo(DI)

// Q6KSCALES stores the Q6_K super-block at base's d·sc for its 16 int8
// scales (exact: 11 × 8 bits) to slot sd and −32·d·sc to slot sm (Z12 =
// −32.0s). d is the block's last two bytes: loaded alone, not past the
// block. The kernels run it one super-block ahead, as KSCALES.
#define Q6KSCALES(base, sd, sm) \
	Q6KDSC(base, Z0) \
	VMOVUPS Z0, sd(SP) \
	VMULPS Z12, Z0, Z0 \
	VMOVUPS Z0, sm(SP)

// Q6KDSC puts the super-block at base's 16 d·sc in z (AX, Z7 scratch).
#define Q6KDSC(base, z) \
	MOVWLZX 208(base), AX \
	VMOVD AX, X7 \
	VCVTPH2PS X7, X7 \
	VBROADCASTSS X7, Z7 \
	VPMOVSXBD 192(base), z \
	VCVTDQ2PS z, z \
	VMULPS Z7, z, z

// Q6KBLOCK does one super-block (scales in sd, sm; out and widen as in
// Q4KBLOCK) and counts down in CX (the flags are DECQ's).
#define Q6KBLOCK(sd, sm, out, widen) \
	Q6KHALF(0, sd, sm, out) \
	Q6KHALF(1, sd, sm, out) \
	widen \
	ADDQ $210, SI \
	ADDQ $1024, DI \
	DECQ CX

// Q6KCONSTS: Z16 = 0x0F bytes, Z17 = 0x30 bytes, Z18/Z19 the shifts'
// word counts, Z12 = −32.0. The kernels' frames hold the quants'
// buffer below their four scale slots: Q6KBUF points R10 at it, aligned
// to 64 bytes.
// Q6KALIGN rounds R10 up to a multiple of 64 (the buffer's 192 bytes
// leave room for that).
#define Q6KALIGN \
	ADDQ $63, R10 \
	ANDQ $-64, R10

#define Q6KCONSTS \
	MOVL $0x0f0f0f0f, AX \
	VPBROADCASTD AX, Z16 \
	MOVL $0x30303030, AX \
	VPBROADCASTD AX, Z17 \
	VMOVDQU64 q6shl<>(SB), Z18 \
	VMOVDQU64 q6shr<>(SB), Z19 \
	MOVL $-32, AX \
	VPBROADCASTD AX, Z12 \
	VCVTDQ2PS Z12, Z12

// func dotQ6_KAVX512(w *byte, x *float32, n int) float64 — n > 0 super-blocks.
TEXT ·dotQ6_KAVX512(SB), NOSPLIT, $448-32
	LEAQ q6b-448(SP), R10
	Q6KALIGN
	KSTART512
	Q6KCONSTS
	Q6KSCALES(SI, da-256, ma-192)
	KLOOP(q6kloop, q6kdone, Q6KSCALES, Q6KBLOCK, 210, KDOT6, KWIDEN, da-256, ma-192, db-128, mb-64)
	KFINISH

// func dotQ6_KRowsAVX512(w *byte, x *float32, n, rows, rb int, out *float32)
TEXT ·dotQ6_KRowsAVX512(SB), NOSPLIT, $448-48
	LEAQ q6b-448(SP), R10
	Q6KALIGN
	KROWS(q6krow, q6krloop, q6krdone, Q6KCONSTS, Q6KSCALES, Q6KBLOCK, 210, KDOT6, da-256, ma-192, db-128, mb-64)

// func decQ6_KAVX512(dst *float32, src *byte, nb int) — nb > 0
// super-blocks: decQ4_KAVX512 for Q6_K (a zero weight may come out +0
// where decodeQ6_K gives −0: see TestGemmDecoders).
TEXT ·decQ6_KAVX512(SB), NOSPLIT, $448-24
	LEAQ q6b-448(SP), R10
	Q6KALIGN
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

// q6shl and q6shr: the word shift counts of Q6KHALF, for the lower 32
// bytes (elements 0–31 and 64–95) and the upper ones (32–63, 96–127).
DATA q6shl<>+0(SB)/8, $0x0004000400040004
DATA q6shl<>+8(SB)/8, $0x0004000400040004
DATA q6shl<>+16(SB)/8, $0x0004000400040004
DATA q6shl<>+24(SB)/8, $0x0004000400040004
DATA q6shl<>+32(SB)/8, $0x0002000200020002
DATA q6shl<>+40(SB)/8, $0x0002000200020002
DATA q6shl<>+48(SB)/8, $0x0002000200020002
DATA q6shl<>+56(SB)/8, $0x0002000200020002
GLOBL q6shl<>(SB), RODATA|NOPTR, $64

DATA q6shr<>+0(SB)/8, $0
DATA q6shr<>+8(SB)/8, $0
DATA q6shr<>+16(SB)/8, $0
DATA q6shr<>+24(SB)/8, $0
DATA q6shr<>+32(SB)/8, $0x0002000200020002
DATA q6shr<>+40(SB)/8, $0x0002000200020002
DATA q6shr<>+48(SB)/8, $0x0002000200020002
DATA q6shr<>+56(SB)/8, $0x0002000200020002
GLOBL q6shr<>(SB), RODATA|NOPTR, $64

// func dotQ4_KX24AVX512(w *byte, q *int8, c unsafe.Pointer, d *float32, nb, rows, rb int, out *float64)
// func dotQ5_KX24AVX512(w *byte, q *int8, c unsafe.Pointer, d *float32, nb, rows, rb int, out *float64)
// out[k] = the nb/8 > 0 super-blocks (nb blocks of 32) of row k (at w +
// k·rb) times the x24 input (x24.go, K order): q its planes, d its scales s,
// c its s·Σm per block (float32). Per super-block the quants (Z2, Z13: chunks 0–1's low
// and high nibbles, sub-blocks 0, 2 and 1, 3; Z3, Z14: chunks 2–3's,
// sub-blocks 4, 6 and 5, 7; Q5_K's with their fifth bits) times the
// planes, by VPDPBUSD from the top plane down with a shift of 8 in
// between: Σ q·m per lane, exact in int32 (four products of 5 and 24
// bits, and int32 arithmetic wraps, so the partials may overflow on the
// way); then converted, times the lane's d·sc_j·s_j (Z0: eight
// sub-blocks' spread by VPERMPS), into Z4, widened every two
// super-blocks (KX24FRAME); the mins' terms dmin·m_j·(s·Σm)_j go into their own float64 lanes
// (Z10) and are subtracted at the end of the row. Registers
// (ROWSFRAME's): SI the super-block, DI the planes, R11 s, R13 s·Σm, CX
// the super-blocks left, R12 the row, R14 out; KUNPACK takes AX, BX, DX,
// R8…R10.

// KX24DOTS puts Σ q·m of the 64 quants zq and the planes at off, +256,
// +512 from DI into za, lane by lane (the top plane first, shifted 8 up
// before each next one).
#define KX24DOTS(zq, off, za) \
	VPXORD za, za, za \
	VPDPBUSD off+512(DI), zq, za \
	VPSLLD $8, za, za \
	VPDPBUSD off+256(DI), zq, za \
	VPSLLD $8, za, za \
	VPDPBUSD off(DI), zq, za

// KX24ACC adds the products of quant zmm zq (planes at off) with lane
// scales from idx into Z4.
#define KX24ACC(zq, off, idx) \
	KX24DOTS(zq, off, Z16) \
	VCVTDQ2PS Z16, Z16 \
	VPERMPS Z0, idx, Z17 \
	VFMADD231PS Z17, Z16, Z4

// KX24SCALES puts the super-block's d·sc_j·s_j in Y0 and adds
// dmin·m_j·(s·Σm)_j to the float64 lanes Z10.
#define KX24SCALES \
	KSCALEVALS(SI) \
	VMULPS (R11), Y0, Y0 \
	VMULPS (R13), Y1, Y1 \
	VCVTPS2PD Y1, Z1 \
	VADDPD Z1, Z10, Z10

// KX24NIBBLES splits the 128 quant bytes at qo(SI) into Z2, Z13, Z3, Z14.
#define KX24NIBBLES(qo) \
	VMOVDQU64 qo(SI), Z2 \
	VMOVDQU64 qo+64(SI), Z3 \
	VPSRLW $4, Z2, Z13 \
	VPSRLW $4, Z3, Z14 \
	VPANDD Z15, Z2, Z2 \
	VPANDD Z15, Z3, Z3 \
	VPANDD Z15, Z13, Z13 \
	VPANDD Z15, Z14, Z14

// Q5KX24FIFTH ORs Q5_K's fifth bits (qh, 32 bytes at 16(SI), in both
// halves of Z5) into the nibbles, moved to bit 4 of each byte by word
// shifts whose counts (q5kx24sh) differ between the halves: bits 0 | 2
// for Z2, 1 | 3 for Z13, 4 | 6 for Z3, 5 | 7 for Z14. No shift exceeds
// 4 bits left or 3 right, so the bit a word shift carries over from the
// other byte never reaches bit 4. Z22 = 0x10 bytes.
#define Q5KX24FIFTH \
	VBROADCASTI64X4 16(SI), Z5 \
	VPSLLVW q5kx24sh<>+0(SB), Z5, Z6 \
	VPTERNLOGD $0xf8, Z22, Z6, Z2 \
	VPSLLVW q5kx24sh<>+64(SB), Z5, Z6 \
	VPTERNLOGD $0xf8, Z22, Z6, Z13 \
	VPSRLVW q5kx24sh<>+128(SB), Z5, Z6 \
	VPTERNLOGD $0xf8, Z22, Z6, Z3 \
	VPSRLVW q5kx24sh<>+192(SB), Z5, Z6 \
	VPTERNLOGD $0xf8, Z22, Z6, Z14

// KX24STEP is one super-block of a K-quant x24 kernel's row: block,
// then the input's planes and scales moved past it.
#define KX24STEP(block) \
	KPREFETCH \
	block \
	ADDQ $768, DI \
	ADDQ $32, R11

// KX24FRAME is the frame of the K-quant x24 kernels, ROWSFRAME's: consts,
// then for each row its super-blocks by block (which moves SI and R13
// past one) into Z4, two a pass (KX24PAIR), widened every two
// super-blocks and after an odd last one (KX24FIN), less the mins' lanes
// Z10 (zero for Q6_K), summed to out. A float32 lane so adds at most
// eight products before it is widened, as the float kernels' partials do
// in a super-block; widening every super-block left the kernels ~8%
// slower (Q4_K, one thread, in L2).
#define KX24FRAME(consts, block, row, loop, odd, end) \
	ROWSFRAME(consts, KX24ZERO, KX24PAIR(block, odd), KX24FIN(odd, end), row, loop)

#define KX24ZERO \
	VXORPD Z8, Z8, Z8 \
	VXORPD Z9, Z9, Z9 \
	VXORPD Z10, Z10, Z10 \
	VXORPS Z4, Z4, Z4

// KX24PAIR is a pass of the loop: one super-block, or to odd after the
// last, then a second and the widening (ends with the DECQ ROWSFRAME's
// loop tests).
#define KX24PAIR(block, odd) \
	KX24STEP(block) \
	DECQ CX \
	JZ   odd \
	KX24STEP(block) \
	WIDEN1(Z4, Y4, Z8, Z9) \
	DECQ CX

// KX24FIN widens an odd last super-block, subtracts the mins' lanes and
// halves the float64 lanes into Y8 for ROWSFRAME's SUMY8NZ (SUM512NZ's
// order).
#define KX24FIN(odd, end) \
	JMP  end \
odd: \
	WIDEN1(Z4, Y4, Z8, Z9) \
end: \
	VSUBPD Z10, Z8, Z8 \
	VADDPD Z9, Z8, Z8 \
	VEXTRACTF64X4 $1, Z8, Y1 \
	VADDPD Y1, Y8, Y8

// KX24CONSTS: Z15 = 0x0F bytes, Z22 = 0x10 bytes, Z18…Z21 the lanes'
// sub-blocks (q4kx24idx).
#define KX24CONSTS \
	MOVL $15, AX \
	VPBROADCASTB AX, Z15 \
	MOVL $16, AX \
	VPBROADCASTB AX, Z22 \
	VMOVDQU32 q4kx24idx<>+0(SB), Z18 \
	VMOVDQU32 q4kx24idx<>+64(SB), Z19 \
	VMOVDQU32 q4kx24idx<>+128(SB), Z20 \
	VMOVDQU32 q4kx24idx<>+192(SB), Z21

// KX24BLOCK is a Q4_K or Q5_K super-block of stride bytes: quants
// (KX24NIBBLES, then fifth: nothing or Q5KX24FIFTH).
#define KX24BLOCK(quants, fifth, stride) \
	KX24SCALES \
	quants \
	fifth \
	KX24ACC(Z2, 0, Z18) \
	KX24ACC(Z13, 64, Z19) \
	KX24ACC(Z3, 128, Z20) \
	KX24ACC(Z14, 192, Z21) \
	ADDQ $stride, SI \
	ADDQ $32, R13

#define NOFIFTH

TEXT ·dotQ4_KX24AVX512(SB), NOSPLIT, $0-64
	KX24FRAME(KX24CONSTS, KX24BLOCK(KX24NIBBLES(16), NOFIFTH, 144), q4kx24row, q4kx24loop, q4kx24odd, q4kx24end)

TEXT ·dotQ5_KX24AVX512(SB), NOSPLIT, $0-64
	KX24FRAME(KX24CONSTS, KX24BLOCK(KX24NIBBLES(48), Q5KX24FIFTH, 176), q5kx24row, q5kx24loop, q5kx24odd, q5kx24end)

// q5kx24sh: Q5KX24FIFTH's word shift counts, per zmm 16 words for each
// half: 4 | 2, 3 | 1 (left), 0 | 2, 1 | 3 (right).
DATA q5kx24sh<>+0(SB)/8, $0x0004000400040004
DATA q5kx24sh<>+8(SB)/8, $0x0004000400040004
DATA q5kx24sh<>+16(SB)/8, $0x0004000400040004
DATA q5kx24sh<>+24(SB)/8, $0x0004000400040004
DATA q5kx24sh<>+32(SB)/8, $0x0002000200020002
DATA q5kx24sh<>+40(SB)/8, $0x0002000200020002
DATA q5kx24sh<>+48(SB)/8, $0x0002000200020002
DATA q5kx24sh<>+56(SB)/8, $0x0002000200020002
DATA q5kx24sh<>+64(SB)/8, $0x0003000300030003
DATA q5kx24sh<>+72(SB)/8, $0x0003000300030003
DATA q5kx24sh<>+80(SB)/8, $0x0003000300030003
DATA q5kx24sh<>+88(SB)/8, $0x0003000300030003
DATA q5kx24sh<>+96(SB)/8, $0x0001000100010001
DATA q5kx24sh<>+104(SB)/8, $0x0001000100010001
DATA q5kx24sh<>+112(SB)/8, $0x0001000100010001
DATA q5kx24sh<>+120(SB)/8, $0x0001000100010001
DATA q5kx24sh<>+128(SB)/8, $0
DATA q5kx24sh<>+136(SB)/8, $0
DATA q5kx24sh<>+144(SB)/8, $0
DATA q5kx24sh<>+152(SB)/8, $0
DATA q5kx24sh<>+160(SB)/8, $0x0002000200020002
DATA q5kx24sh<>+168(SB)/8, $0x0002000200020002
DATA q5kx24sh<>+176(SB)/8, $0x0002000200020002
DATA q5kx24sh<>+184(SB)/8, $0x0002000200020002
DATA q5kx24sh<>+192(SB)/8, $0x0001000100010001
DATA q5kx24sh<>+200(SB)/8, $0x0001000100010001
DATA q5kx24sh<>+208(SB)/8, $0x0001000100010001
DATA q5kx24sh<>+216(SB)/8, $0x0001000100010001
DATA q5kx24sh<>+224(SB)/8, $0x0003000300030003
DATA q5kx24sh<>+232(SB)/8, $0x0003000300030003
DATA q5kx24sh<>+240(SB)/8, $0x0003000300030003
DATA q5kx24sh<>+248(SB)/8, $0x0003000300030003
GLOBL q5kx24sh<>(SB), RODATA|NOPTR, $256

// K-quant int8 products (int8k.go) on AVX-512 VNNI, several rows a
// call: each row's integers and float64 terms are those of dotQ4_KI8AVX2
// and dotQ5_KI8AVX2, so the results are bit-identical to theirs (and to
// the four-input kernels' rows), in fewer instructions: on Zen 4, in L2,
// one thread, 1.13–1.16× the AVX2 kernels' speed for Q4_K and 1.2–1.3×
// for Q5_K (BenchmarkKInt8). Zen 4 runs a zmm operation as two ymm
// halves, so the gain is in the instruction count (the fifth bits, the
// multiplies, one call for many rows); the scales' unpacking and the
// float64 terms stay as they were.
// The quants come as the x24 kernels split them (KX24NIBBLES, then
// Q5KX24FIFTH for Q5_K), 64 a zmm from two sub-blocks, and the input's
// values in the same order (int8Input.kqk: per super-block sub-blocks 0,
// 2, 1, 3, 4, 6, 5, 7). VPDPBUSD sums four products a lane, at most
// 4·31·127 in magnitude, so the sum fits the lane's low word and its
// high word is the sign; VPMADDWD by the lane's sub-block scale (below
// 64, high word zero) makes sc_j times the sum, exact. A lane l < 8
// holds positions 4l…4l+3 of its sub-block, lane 8+l those of the other;
// added over the four zmm and folded, lane l is the AVX2 kernel's Y4
// lane l, Σ_j sc_j·Σ q·x over positions 4l…4l+3 of every sub-block.
// Registers: Y0 the scales as dwords, Y1 the mins, Z15 0x0F bytes, Z22
// 0x10 bytes and Z18…Z21 the lanes' sub-blocks (KX24CONSTS), Z16, Z17,
// Z23, Z24 the four lane sums, Z25 the lanes' scales.

// KI8LANES puts the 64 quants zq times the input at off(DI), each lane
// times its sub-block's scale (lane indices idx), in za.
#define KI8LANES(zq, off, idx, za) \
	VPXORD za, za, za \
	VPDPBUSD off(DI), zq, za \
	VPERMD Z0, idx, Z25 \
	VPMADDWD Z25, za, za

// KI8BLOCK512 adds a Q4_K or Q5_K super-block of stride bytes (quants
// and fifth as in KX24BLOCK) into Y8 and moves on.
#define KI8BLOCK512(quants, fifth, stride) \
	KUNPACK(SI) \
	VPMOVZXBD X0, Y0 \
	VPMOVZXBD X1, Y1 \
	quants \
	fifth \
	KI8LANES(Z2, 0, Z18, Z16) \
	KI8LANES(Z13, 64, Z19, Z17) \
	KI8LANES(Z3, 128, Z20, Z23) \
	KI8LANES(Z14, 192, Z21, Z24) \
	VPADDD Z17, Z16, Z16 \
	VPADDD Z24, Z23, Z23 \
	VPADDD Z23, Z16, Z16 \
	VEXTRACTI64X4 $1, Z16, Y17 \
	VPADDD Y17, Y16, Y4 \
	KMINS((R13), 32(R13), Y5) \
	KI8TERMS2 \
	KI8NEXT2(stride)

// func dotQ4_KI8AVX512(w *byte, q *int8, c unsafe.Pointer, d *float32, nb, rows, rb int, out *float64)
// func dotQ5_KI8AVX512(w *byte, q *int8, c unsafe.Pointer, d *float32, nb, rows, rb int, out *float64)
// out[k] = the nb/8 > 0 super-blocks (nb blocks of 32) of row k (at w +
// k·rb) times the input: q its kqk, c its sums of 16s, d its scales.
TEXT ·dotQ4_KI8AVX512(SB), NOSPLIT, $0-64
	KI8FRAME(KX24CONSTS, KI8BLOCK512(KX24NIBBLES(16), NOFIFTH, 144), q4ki8row512, q4ki8loop512)

TEXT ·dotQ5_KI8AVX512(SB), NOSPLIT, $0-64
	KI8FRAME(KX24CONSTS, KI8BLOCK512(KX24NIBBLES(48), Q5KX24FIFTH, 176), q5ki8row512, q5ki8loop512)

// q4kx24idx: the lanes' sub-blocks of the four nibble zmm (0 and 2, 1
// and 3, 4 and 6, 5 and 7; eight lanes each).
DATA q4kx24idx<>+0(SB)/8, $0
DATA q4kx24idx<>+8(SB)/8, $0
DATA q4kx24idx<>+16(SB)/8, $0
DATA q4kx24idx<>+24(SB)/8, $0
DATA q4kx24idx<>+32(SB)/8, $0x0000000200000002
DATA q4kx24idx<>+40(SB)/8, $0x0000000200000002
DATA q4kx24idx<>+48(SB)/8, $0x0000000200000002
DATA q4kx24idx<>+56(SB)/8, $0x0000000200000002
DATA q4kx24idx<>+64(SB)/8, $0x0000000100000001
DATA q4kx24idx<>+72(SB)/8, $0x0000000100000001
DATA q4kx24idx<>+80(SB)/8, $0x0000000100000001
DATA q4kx24idx<>+88(SB)/8, $0x0000000100000001
DATA q4kx24idx<>+96(SB)/8, $0x0000000300000003
DATA q4kx24idx<>+104(SB)/8, $0x0000000300000003
DATA q4kx24idx<>+112(SB)/8, $0x0000000300000003
DATA q4kx24idx<>+120(SB)/8, $0x0000000300000003
DATA q4kx24idx<>+128(SB)/8, $0x0000000400000004
DATA q4kx24idx<>+136(SB)/8, $0x0000000400000004
DATA q4kx24idx<>+144(SB)/8, $0x0000000400000004
DATA q4kx24idx<>+152(SB)/8, $0x0000000400000004
DATA q4kx24idx<>+160(SB)/8, $0x0000000600000006
DATA q4kx24idx<>+168(SB)/8, $0x0000000600000006
DATA q4kx24idx<>+176(SB)/8, $0x0000000600000006
DATA q4kx24idx<>+184(SB)/8, $0x0000000600000006
DATA q4kx24idx<>+192(SB)/8, $0x0000000500000005
DATA q4kx24idx<>+200(SB)/8, $0x0000000500000005
DATA q4kx24idx<>+208(SB)/8, $0x0000000500000005
DATA q4kx24idx<>+216(SB)/8, $0x0000000500000005
DATA q4kx24idx<>+224(SB)/8, $0x0000000700000007
DATA q4kx24idx<>+232(SB)/8, $0x0000000700000007
DATA q4kx24idx<>+240(SB)/8, $0x0000000700000007
DATA q4kx24idx<>+248(SB)/8, $0x0000000700000007
GLOBL q4kx24idx<>(SB), RODATA|NOPTR, $256

// func dotQ6_KX24AVX512(w *byte, q *int8, c unsafe.Pointer, d *float32, nb, rows, rb int, out *float64)
// out[k] = the nb/8 > 0 super-blocks (nb blocks of 32) of row k (at w +
// k·rb) times the x24 input in the Q6_K layout (x24.go): p its planes (in element order),
// t its corrections (int32: −32 times each four values' m sum), s its
// scales.
// Per super-block the quants (Q6KQUANTS, 64 at a time) times the planes
// by VPDPBUSD from the top plane down with shifts of 8, then plus the
// corrections: Σ (q−32)·m per lane, exact in int32 (four products of 6
// and 24 bits; int32 arithmetic wraps, so the partials may overflow on
// the way); converted, times the lane's d·sc_k·s (Z6: the 16 groups'
// spread by VPERMPS) into Z4, widened every two super-blocks. Registers
// (ROWSFRAME's): SI the super-block, DI the planes, R13 the corrections,
// R11 s, CX the super-blocks left, R12 the row, R14 out.

// Q6KX24ACC adds the products of the quants zq (64 elements at element
// offset eo of the super-block) into Z4, lane scales from idx.
#define Q6KX24ACC(zq, eo, idx) \
	KX24DOTS(zq, eo, Z20) \
	VPADDD eo(R13), Z20, Z20 \
	VCVTDQ2PS Z20, Z20 \
	VPERMPS Z6, idx, Z21 \
	VFMADD231PS Z21, Z20, Z4

// Q6KX24CONSTS: Q6KCONSTS, Z24…Z27 the lanes' groups of 16 and Z28 the
// groups' blocks of 32 (q6kx24idx).
#define Q6KX24CONSTS \
	Q6KCONSTS \
	VMOVDQU32 q6kx24idx<>+0(SB), Z24 \
	VMOVDQU32 q6kx24idx<>+64(SB), Z25 \
	VMOVDQU32 q6kx24idx<>+128(SB), Z26 \
	VMOVDQU32 q6kx24idx<>+192(SB), Z27 \
	VMOVDQU32 q6kx24idx<>+256(SB), Z28

// Q6KX24BLOCK is a Q6_K super-block: the lanes' d·sc·s in Z6, then the
// quants of each half times the planes.
#define Q6KX24BLOCK \
	Q6KDSC(SI, Z6) \
	VMOVUPS (R11), Y7 \
	VPERMPS Z7, Z28, Z7 \
	VMULPS Z7, Z6, Z6 \
	Q6KQUANTS(0) \
	Q6KX24ACC(Z2, 0, Z24) \
	Q6KX24ACC(Z0, 64, Z25) \
	Q6KQUANTS(1) \
	Q6KX24ACC(Z2, 128, Z26) \
	Q6KX24ACC(Z0, 192, Z27) \
	ADDQ $210, SI \
	ADDQ $256, R13

TEXT ·dotQ6_KX24AVX512(SB), NOSPLIT, $0-64
	KX24FRAME(Q6KX24CONSTS, Q6KX24BLOCK, q6kx24row, q6kx24loop, q6kx24odd, q6kx24end)

// q6kx24idx: the lanes' groups of 16 for the four quant zmm (0–3, 4–7,
// 8–11, 12–15, four lanes each), then the groups' blocks of 32 (s).
DATA q6kx24idx<>+0(SB)/8, $0
DATA q6kx24idx<>+8(SB)/8, $0
DATA q6kx24idx<>+16(SB)/8, $0x0000000100000001
DATA q6kx24idx<>+24(SB)/8, $0x0000000100000001
DATA q6kx24idx<>+32(SB)/8, $0x0000000200000002
DATA q6kx24idx<>+40(SB)/8, $0x0000000200000002
DATA q6kx24idx<>+48(SB)/8, $0x0000000300000003
DATA q6kx24idx<>+56(SB)/8, $0x0000000300000003
DATA q6kx24idx<>+64(SB)/8, $0x0000000400000004
DATA q6kx24idx<>+72(SB)/8, $0x0000000400000004
DATA q6kx24idx<>+80(SB)/8, $0x0000000500000005
DATA q6kx24idx<>+88(SB)/8, $0x0000000500000005
DATA q6kx24idx<>+96(SB)/8, $0x0000000600000006
DATA q6kx24idx<>+104(SB)/8, $0x0000000600000006
DATA q6kx24idx<>+112(SB)/8, $0x0000000700000007
DATA q6kx24idx<>+120(SB)/8, $0x0000000700000007
DATA q6kx24idx<>+128(SB)/8, $0x0000000800000008
DATA q6kx24idx<>+136(SB)/8, $0x0000000800000008
DATA q6kx24idx<>+144(SB)/8, $0x0000000900000009
DATA q6kx24idx<>+152(SB)/8, $0x0000000900000009
DATA q6kx24idx<>+160(SB)/8, $0x0000000a0000000a
DATA q6kx24idx<>+168(SB)/8, $0x0000000a0000000a
DATA q6kx24idx<>+176(SB)/8, $0x0000000b0000000b
DATA q6kx24idx<>+184(SB)/8, $0x0000000b0000000b
DATA q6kx24idx<>+192(SB)/8, $0x0000000c0000000c
DATA q6kx24idx<>+200(SB)/8, $0x0000000c0000000c
DATA q6kx24idx<>+208(SB)/8, $0x0000000d0000000d
DATA q6kx24idx<>+216(SB)/8, $0x0000000d0000000d
DATA q6kx24idx<>+224(SB)/8, $0x0000000e0000000e
DATA q6kx24idx<>+232(SB)/8, $0x0000000e0000000e
DATA q6kx24idx<>+240(SB)/8, $0x0000000f0000000f
DATA q6kx24idx<>+248(SB)/8, $0x0000000f0000000f
DATA q6kx24idx<>+256(SB)/8, $0
DATA q6kx24idx<>+264(SB)/8, $0x0000000100000001
DATA q6kx24idx<>+272(SB)/8, $0x0000000200000002
DATA q6kx24idx<>+280(SB)/8, $0x0000000300000003
DATA q6kx24idx<>+288(SB)/8, $0x0000000400000004
DATA q6kx24idx<>+296(SB)/8, $0x0000000500000005
DATA q6kx24idx<>+304(SB)/8, $0x0000000600000006
DATA q6kx24idx<>+312(SB)/8, $0x0000000700000007
GLOBL q6kx24idx<>(SB), RODATA|NOPTR, $320
