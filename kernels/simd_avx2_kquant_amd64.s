//go:build amd64

#include "textflag.h"
#include "simd_amd64.h"

// AVX2 row dots for Q4_K, Q5_K and Q6_K, decoders for MatMul (and, at the end, the int8 products of
// Q4_K and Q5_K, which the AVX-512 set uses too): the AVX-512 scheme
// (simd_avx512_kquant_amd64.s) on 8 lanes, weights decoded with ggml's
// roundings into two float32 partials (Y4, Y5) that are widened into
// float64 (Y8, Y9) every 128 elements.

// DOT4ARGS loads the four-input kernels' arguments (SI w, DI x, R8 the
// input stride, R9 = 3·R8, CX n, BX acc) and zeroes their partials
// Y8…Y15.
#define DOT4ARGS \
	X4ARGS \
	VXORPS Y8, Y8, Y8 \
	VXORPS Y9, Y9, Y9 \
	VXORPS Y10, Y10, Y10 \
	VXORPS Y11, Y11, Y11 \
	VXORPS Y12, Y12, Y12 \
	VXORPS Y13, Y13, Y13 \
	VXORPS Y14, Y14, Y14 \
	VXORPS Y15, Y15, Y15

// KF2M4 is KF2M for the four inputs.
#define KF2M4 \
	KF2M(0) \
	KF2M(128) \
	KF2M(256) \
	KF2M(384)

// DOT4K is the body of the decoded-row kernels (kd: 128 elements, KD128…;
// defined up here, before any TEXT, as it names the arguments).
#define DOT4K(loop, done, kd) \
	DOT4ARGS \
loop: \
	kd \
	KW2M4 \
	ADDQ $512, SI \
	ADDQ $512, DI \
	SUBQ $128, CX \
	JNZ  loop \
	MOVQ last+40(FP), AX \
	TESTQ AX, AX \
	JZ   done \
	KF2M4 \
done: \
	VZEROUPPER \
	RET

// DOT4F is the body of the four-input float kernels dot4F32AVX2,
// dot4F16AVX2 and dot4BF16AVX2 (ld: LDF32, LDF16, LDBF16; wb: weight
// bytes per 128 elements): dotF32AVX2's order (FLOOP1) for four inputs,
// whole 128s then the 32-element groups left, the float64 lanes in acc
// as DOT4K keeps them; the last chunk widens what is left, as the
// one-input kernels do at the end, and reduces.
#define DOT4F(loop, tail, fin, done, ld, wb) \
	DOT4ARGS \
loop: \
	CMPQ CX, $128 \
	JLT  tail \
	FK128(ld) \
	KW2M4 \
	ADDQ $wb, SI \
	ADDQ $512, DI \
	SUBQ $128, CX \
	JMP  loop \
tail: \
	TESTQ CX, CX \
	JZ   fin \
	FK32(ld, 0) \
	ADDQ $((wb)/4), SI \
	ADDQ $128, DI \
	SUBQ $32, CX \
	JMP  tail \
fin: \
	MOVQ last+40(FP), AX \
	TESTQ AX, AX \
	JZ   done \
	KW2M4 \
	KF2M4 \
done: \
	VZEROUPPER \
	RET

// KI8ARGS4 loads the four-input kernels' arguments: the strides into
// the frame (values stride, sums stride/4, scales stride/64 bytes; see
// KI8SCALES4), SI, DI, R13, R11 as KI8ARGS2, R12 the super-blocks; it
// zeroes the float64 lanes Y24…Y27 and puts 0x0F bytes in Y15.
#define KI8ARGS4 \
	MOVQ stride+32(FP), R8 \
	MOVQ R8, qs-8(SP) \
	SHRQ $2, R8 \
	MOVQ R8, ss-16(SP) \
	SHRQ $4, R8 \
	MOVQ R8, ds-24(SP) \
	MOVQ w+0(FP), SI \
	MOVQ q+8(FP), DI \
	MOVQ sums+16(FP), R13 \
	MOVQ d+24(FP), R11 \
	MOVQ nb+40(FP), R12 \
	VPXORD Y24, Y24, Y24 \
	VPXORD Y25, Y25, Y25 \
	VPXORD Y26, Y26, Y26 \
	VPXORD Y27, Y27, Y27 \
	VPBROADCASTB kbit<>+8(SB), Y15

// KI8CONSTS2 puts 0x0F bytes in Y15 (and, for Q5_K, 0x10 bytes in Y12).
#define KI8CONSTS2 \
	VPBROADCASTB kbit<>+8(SB), Y15

#define KI8CONSTS2Q5 \
	KI8CONSTS2 \
	VPBROADCASTB kbit<>+4(SB), Y12

// Q4K8 decodes 8 quants (dwords in zq, already nibbles) of sub-block j
// as d·sc_j·q − dmin·m_j (one FMS: the product is exact, so only the
// difference is rounded, as in decodeQ4_K), with d·sc_j and dmin·m_j
// from the frame's slots sd and sm (KSCALES), and out puts them at xo:
// KDOT2 multiplies them by x into zacc, KPUT2 (the decoders) stores them
// (simd_amd64.h).
#define Q4K8(zq, j, xo, zacc, sd, sm, out) \
	VCVTDQ2PS zq, zq \
	VBROADCASTSS sd+(4*(j))(SP), Y6 \
	VBROADCASTSS sm+(4*(j))(SP), Y7 \
	VFMSUB213PS Y7, Y6, zq \
	out(xo, zq, zacc)

// Q4K8PAIR handles bytes 16+32p+8i..+7 of the quants: sub-block 2p
// (low nibbles, into Y4) and 2p+1 (high, into Y5), elements 8i..8i+7 of
// each. So element e goes into the partial (e/32)%2, each partial's in
// increasing e, widened every 128 elements: the pattern dot4K32AVX2
// repeats on decoded rows.
#define Q4K8PAIR(p, i, sd, sm, out) \
	VPMOVZXBD (16+32*(p)+8*(i))(SI), Y2 \
	VPSRLD $4, Y2, Y3 \
	VPAND Y15, Y2, Y2 \
	Q4K8(Y2, 2*(p), 128*(2*(p))+32*(i), Y4, sd, sm, out) \
	Q4K8(Y3, 2*(p)+1, 128*(2*(p)+1)+32*(i), Y5, sd, sm, out)

#define Q4KPAIR2(p, sd, sm, out) \
	Q4K8PAIR(p, 0, sd, sm, out) \
	Q4K8PAIR(p, 1, sd, sm, out) \
	Q4K8PAIR(p, 2, sd, sm, out) \
	Q4K8PAIR(p, 3, sd, sm, out)

// Q4KBLOCK2 and Q5KBLOCK2 do one super-block with its scales in slots
// sd, sm (widen: KWIDEN2 every 128 elements for the row dots, NOWIDEN
// for the decoders) and count the super-blocks down in CX (the flags
// are DECQ's).
#define Q4KBLOCK2(sd, sm, out, widen) \
	Q4KPAIR2(0, sd, sm, out) \
	Q4KPAIR2(1, sd, sm, out) \
	widen \
	Q4KPAIR2(2, sd, sm, out) \
	Q4KPAIR2(3, sd, sm, out) \
	widen \
	ADDQ $144, SI \
	ADDQ $1024, DI \
	DECQ CX

// KSTART2 loads the arguments of the K-quant row dots, zeroes the
// partials and the float64 lanes and puts 15s in Y15.
#define KSTART2 \
	START1 \
	K15S2

// K15S2 puts 15s in Y15; K16S2 16s in Y14 (Q5_K's fifth bit).
#define K15S2 \
	MOVL $15, AX \
	VMOVD AX, X15 \
	VPBROADCASTD X15, Y15

#define K16S2 \
	MOVL $16, AX \
	VMOVD AX, X14 \
	VPBROADCASTD X14, Y14

#define Q5KCONSTS2 \
	K15S2 \
	K16S2

// Q5HI8 ORs bit j of the qh dwords yh, moved to bit 4 (by op $sh: a left
// shift by 4−j or a right one by j−4), into the quants yq (Y14 = 16s).
#define Q5HI8(yh, op, sh, yq) \
	op $(sh), yh, Y0 \
	VPAND Y14, Y0, Y0 \
	VPOR Y0, yq, yq

// Q5K8PAIR is Q4K8PAIR for Q5_K: quants at 48+32p+8i(SI), their fifth
// bits 2p (by op0 $s0) and 2p+1 (by op1 $s1) from the qh dwords yh
// (qh[8i..8i+7]).
#define Q5K8PAIR(p, i, yh, op0, s0, op1, s1, sd, sm, out) \
	VPMOVZXBD (48+32*(p)+8*(i))(SI), Y2 \
	VPSRLD $4, Y2, Y3 \
	VPAND Y15, Y2, Y2 \
	Q5HI8(yh, op0, s0, Y2) \
	Q5HI8(yh, op1, s1, Y3) \
	Q4K8(Y2, 2*(p), 128*(2*(p))+32*(i), Y4, sd, sm, out) \
	Q4K8(Y3, 2*(p)+1, 128*(2*(p)+1)+32*(i), Y5, sd, sm, out)

#define Q5KPAIR2(p, op0, s0, op1, s1, sd, sm, out) \
	Q5K8PAIR(p, 0, Y10, op0, s0, op1, s1, sd, sm, out) \
	Q5K8PAIR(p, 1, Y11, op0, s0, op1, s1, sd, sm, out) \
	Q5K8PAIR(p, 2, Y12, op0, s0, op1, s1, sd, sm, out) \
	Q5K8PAIR(p, 3, Y13, op0, s0, op1, s1, sd, sm, out)

#define Q5KBLOCK2(sd, sm, out, widen) \
	VPMOVZXBD 16(SI), Y10 \
	VPMOVZXBD 24(SI), Y11 \
	VPMOVZXBD 32(SI), Y12 \
	VPMOVZXBD 40(SI), Y13 \
	Q5KPAIR2(0, VPSLLD, 4, VPSLLD, 3, sd, sm, out) \
	Q5KPAIR2(1, VPSLLD, 2, VPSLLD, 1, sd, sm, out) \
	widen \
	Q5KPAIR2(2, VPSRLD, 0, VPSRLD, 1, sd, sm, out) \
	Q5KPAIR2(3, VPSRLD, 2, VPSRLD, 3, sd, sm, out) \
	widen \
	ADDQ $176, SI \
	ADDQ $1024, DI \
	DECQ CX

// func dotQ4_KAVX2(w *byte, x *float32, n int) float64 — n > 0
// super-blocks. Each super-block's scales are stored one super-block
// ahead, into the other pair of slots (see KSCALES).
TEXT ·dotQ4_KAVX2(SB), NOSPLIT, $128-32
	KSTART2
	KSCALES(SI, da-128, ma-96)
	KLOOP(q4kloop, q4kdone, KSCALES, Q4KBLOCK2, 144, KDOT2, KWIDEN2, da-128, ma-96, db-64, mb-32)
	FINISH2

// func dotQ5_KAVX2(w *byte, x *float32, n int) float64 — n > 0
// super-blocks (176 bytes: d, dmin, scales[12], qh[32], qs[128]), as
// dotQ4_KAVX2 with each quant's fifth bit from qh.
TEXT ·dotQ5_KAVX2(SB), NOSPLIT, $128-32
	KSTART2
	K16S2
	KSCALES(SI, da-128, ma-96)
	KLOOP(q5kloop, q5kdone, KSCALES, Q5KBLOCK2, 176, KDOT2, KWIDEN2, da-128, ma-96, db-64, mb-32)
	FINISH2

// func decQ4_KAVX2(dst *float32, src *byte, nb int) — nb > 0
// super-blocks decoded to dst: dotQ4_KAVX2's weights (decodeQ4_K's, bit
// for bit), stored (KPUT2) instead of multiplied.
TEXT ·decQ4_KAVX2(SB), NOSPLIT, $128-24
	KDEC(dq4kloop, dq4kdone, K15S2, KSCALES, Q4KBLOCK2, 144, KPUT2, da-128, ma-96, db-64, mb-32)

// func decQ5_KAVX2(dst *float32, src *byte, nb int) — as decQ4_KAVX2.
TEXT ·decQ5_KAVX2(SB), NOSPLIT, $128-24
	KDEC(dq5kloop, dq5kdone, Q5KCONSTS2, KSCALES, Q5KBLOCK2, 176, KPUT2, da-128, ma-96, db-64, mb-32)

// dot4K32AVX2 is the AVX2 MatMul of K-quant rows decoded to float32 (by
// decQ4_KAVX2 …) against four inputs (x + k·stride bytes), in the one-input
// kernels' pattern: element e of each 128 into input k's partial
// Y8+2k ((e/32)%2 = 0) or Y9+2k (= 1), in increasing e, widened every 128
// elements into its float64 lanes, which stay in acc (acc[16k:16k+4]
// the low lanes, acc[16k+4:16k+8] the high ones, as KWIDEN2's Y8 and
// Y9). On the last chunk (last ≠ 0) acc[16k] gets input k's result,
// reduced as FINISH2 does.
//
// func dot4K32AVX2(w *byte, x *float32, stride, n int, acc *[64]float64, last int)
// n a positive multiple of 128.
#define KD32(j, pa, pb, pc, pd) \
	FK(j, LDF32, pa, pb, pc, pd)

// FK loads 8 weights of chunk j (ld: LDF32, LDF16, LDBF16) into Y0 and
// multiplies them by the four inputs' x at 32j into pa…pd.
#define FK(j, ld, pa, pb, pc, pd) \
	ld(j) \
	VFMADD231PS (32*(j))(DI), Y0, pa \
	VFMADD231PS (32*(j))(DI)(R8*1), Y0, pb \
	VFMADD231PS (32*(j))(DI)(R8*2), Y0, pc \
	VFMADD231PS (32*(j))(DI)(R9*1), Y0, pd

#define LDF32(j) \
	VMOVUPS (32*(j))(SI), Y0

#define LDF16(j) \
	VCVTPH2PS (16*(j))(SI), Y0

#define LDBF16(j) \
	VPMOVZXWD (16*(j))(SI), Y0 \
	VPSLLD $16, Y0, Y0

// FK32 does the 32 elements from chunk c on in the float kernels' order
// (chunks alternate between the even and the odd partials); FK128 does
// 128.
#define FK32(ld, c) \
	FK((c)+0, ld, Y8, Y10, Y12, Y14) \
	FK((c)+1, ld, Y9, Y11, Y13, Y15) \
	FK((c)+2, ld, Y8, Y10, Y12, Y14) \
	FK((c)+3, ld, Y9, Y11, Y13, Y15)

#define FK128(ld) \
	FK32(ld, 0) \
	FK32(ld, 4) \
	FK32(ld, 8) \
	FK32(ld, 12)

// KW2M4 is KW2M for the four inputs.
#define KW2M4 \
	KW2M(Y8, Y9, 0) \
	KW2M(Y10, Y11, 128) \
	KW2M(Y12, Y13, 256) \
	KW2M(Y14, Y15, 384)

// KD64 does 64 elements: the first 32 into the even partials, the next
// 32 into the odd ones.
#define KD64(o) \
	KD32((o)+0, Y8, Y10, Y12, Y14) \
	KD32((o)+1, Y8, Y10, Y12, Y14) \
	KD32((o)+2, Y8, Y10, Y12, Y14) \
	KD32((o)+3, Y8, Y10, Y12, Y14) \
	KD32((o)+4, Y9, Y11, Y13, Y15) \
	KD32((o)+5, Y9, Y11, Y13, Y15) \
	KD32((o)+6, Y9, Y11, Y13, Y15) \
	KD32((o)+7, Y9, Y11, Y13, Y15)

// KDSB does sub-block sb of 16 elements in the Q2_K and Q3_K order:
// elements 0..7 into the even partials, 8..15 into the odd ones.
#define KDSB(sb) \
	KD32(2*(sb), Y8, Y10, Y12, Y14) \
	KD32(2*(sb)+1, Y9, Y11, Y13, Y15)

// KD128, KD128E and KD128Q2 do 128 elements in the order of the Q4_K
// (Q5_K, Q6_K), Q3_K and Q2_K row dots (Q2_K's even sub-blocks first).
#define KD128 \
	KD64(0) \
	KD64(8)

#define KD128E \
	KDSB(0) \
	KDSB(1) \
	KDSB(2) \
	KDSB(3) \
	KDSB(4) \
	KDSB(5) \
	KDSB(6) \
	KDSB(7)

#define KD128Q2 \
	KDSB(0) \
	KDSB(2) \
	KDSB(4) \
	KDSB(6) \
	KDSB(1) \
	KDSB(3) \
	KDSB(5) \
	KDSB(7)

// KW2M is KWIDEN2 for input k with its float64 lanes at off(BX).
#define KW2M(pa, pb, off) \
	VADDPS pb, pa, Y1 \
	VCVTPS2PD X1, Y2 \
	VEXTRACTF128 $1, Y1, X1 \
	VCVTPS2PD X1, Y1 \
	VADDPD off(BX), Y2, Y2 \
	VADDPD off+32(BX), Y1, Y1 \
	VMOVUPD Y2, off(BX) \
	VMOVUPD Y1, off+32(BX) \
	VXORPS pa, pa, pa \
	VXORPS pb, pb, pb

// KF2M is FINISH2's reduction of input k's float64 lanes at off(BX),
// left in off(BX).
#define KF2M(off) \
	VMOVUPD off(BX), Y1 \
	VADDPD off+32(BX), Y1, Y1 \
	VEXTRACTF128 $1, Y1, X2 \
	VADDPD X2, X1, X1 \
	VPERMILPD $1, X1, X2 \
	VADDSD X2, X1, X1 \
	VMOVSD X1, off(BX)

TEXT ·dot4K32AVX2(SB), NOSPLIT, $0-48
	DOT4K(kd32loop, kd32done, KD128)

// func dot4K8AVX2(w *byte, x *float32, stride, n int, acc *[64]float64, last int)
// is dot4K32AVX2 in the (e/8)%2 order of the Q3_K row dot.
TEXT ·dot4K8AVX2(SB), NOSPLIT, $0-48
	DOT4K(kd8loop, kd8done, KD128E)

// func dot4K2AVX2(w *byte, x *float32, stride, n int, acc *[64]float64, last int)
// is dot4K32AVX2 in the order of the Q2_K row dot.
TEXT ·dot4K2AVX2(SB), NOSPLIT, $0-48
	DOT4K(kd2loop, kd2done, KD128Q2)

// func dot4F32AVX2, dot4F16AVX2, dot4BF16AVX2(w *byte, x *float32, stride, n int, acc *[64]float64, last int)
// n a positive multiple of 32.
TEXT ·dot4F32AVX2(SB), NOSPLIT, $0-48
	DOT4F(f32loop, f32tail, f32fin, f32done, LDF32, 512)

TEXT ·dot4F16AVX2(SB), NOSPLIT, $0-48
	DOT4F(f16loop, f16tail, f16fin, f16done, LDF16, 256)

TEXT ·dot4BF16AVX2(SB), NOSPLIT, $0-48
	DOT4F(bf16loop, bf16tail, bf16fin, bf16done, LDBF16, 256)

// Q6KHALF2 is Q6KHALF of the AVX-512 file on 8 lanes: it decodes half h
// of a Q6_K super-block (the 64 ql bytes at 64h(SI), the 32 qh bytes at
// 128+32h(SI)) into the 128-byte buffer at R10 in element order, 32 bytes
// at a time (low or high nibbles, Y15 = 0x0F bytes, with qh's bits
// 0–1, 2–3, 4–5 or 6–7 moved to bits 4–5 under the 0x30 mask Y14), then
// puts its 8-element groups g through Q6K8, element e into the partial
// (e/32)%2 in increasing e, as Q4_K's do (dot4K32AVX2 repeats it on
// decoded rows), and widens.
#define Q6KHALF2(h, out, widen) \
	VMOVDQU (64*(h))(SI), Y0 \
	VMOVDQU (64*(h)+32)(SI), Y1 \
	VMOVDQU (128+32*(h))(SI), Y2 \
	VPAND Y15, Y0, Y3 \
	VPSLLW $4, Y2, Y10 \
	Q6KMERGE(Y10, Y3, 0) \
	VPAND Y15, Y1, Y3 \
	VPSLLW $2, Y2, Y10 \
	Q6KMERGE(Y10, Y3, 32) \
	VPSRLW $4, Y0, Y0 \
	VPAND Y15, Y0, Y0 \
	Q6KMERGE(Y2, Y0, 64) \
	VPSRLW $4, Y1, Y1 \
	VPAND Y15, Y1, Y1 \
	VPSRLW $2, Y2, Y10 \
	Q6KMERGE(Y10, Y1, 96) \
	Q6K8(0, 8*(h)+0, 512*(h)+0, Y4, out) \
	Q6K8(1, 8*(h)+0, 512*(h)+32, Y4, out) \
	Q6K8(2, 8*(h)+1, 512*(h)+64, Y4, out) \
	Q6K8(3, 8*(h)+1, 512*(h)+96, Y4, out) \
	Q6K8(4, 8*(h)+2, 512*(h)+128, Y5, out) \
	Q6K8(5, 8*(h)+2, 512*(h)+160, Y5, out) \
	Q6K8(6, 8*(h)+3, 512*(h)+192, Y5, out) \
	Q6K8(7, 8*(h)+3, 512*(h)+224, Y5, out) \
	Q6K8(8, 8*(h)+4, 512*(h)+256, Y4, out) \
	Q6K8(9, 8*(h)+4, 512*(h)+288, Y4, out) \
	Q6K8(10, 8*(h)+5, 512*(h)+320, Y4, out) \
	Q6K8(11, 8*(h)+5, 512*(h)+352, Y4, out) \
	Q6K8(12, 8*(h)+6, 512*(h)+384, Y5, out) \
	Q6K8(13, 8*(h)+6, 512*(h)+416, Y5, out) \
	Q6K8(14, 8*(h)+7, 512*(h)+448, Y5, out) \
	Q6K8(15, 8*(h)+7, 512*(h)+480, Y5, out) \
	widen

// Q6KMERGE ORs the 0x30 bits of yh into the nibbles yq and stores them
// to the buffer at off.
#define Q6KMERGE(yh, yq, off) \
	VPAND Y14, yh, Y11 \
	VPOR Y11, yq, yq \
	VMOVDQU yq, (off)(R10)

// Q6K8 takes the 8 quants of group g from the buffer; the weight
// d·sc·(q−32) of scale k is one FMA, q·(d·sc) + (−32·d·sc), rounded once
// as the product is (the frame's slots ds and dm), put by out (KDOT2,
// KPUT2) at xo with zacc.
#define Q6K8(g, k, xo, zacc, out) \
	VPMOVZXBD (8*(g))(R10), Y10 \
	VCVTDQ2PS Y10, Y10 \
	VBROADCASTSS ds-64+(4*(k))(SP), Y11 \
	VBROADCASTSS dm-128+(4*(k))(SP), Y3 \
	VFMADD213PS Y3, Y11, Y10 \
	out(xo, Y10, zacc)

// Q6KBLOCK2 does one super-block: its 16 scales times d (exact: 11 × 8
// bits; d is the block's last two bytes, loaded alone) and their −32
// multiples (Y12 = −32.0s) to the frame, then the two halves; it counts
// down in CX.
#define Q6KBLOCK2(out, widen) \
	MOVWLZX 208(SI), AX \
	VMOVD AX, X7 \
	VCVTPH2PS X7, X7 \
	VBROADCASTSS X7, Y7 \
	VPMOVSXBD 192(SI), Y0 \
	VPMOVSXBD 200(SI), Y1 \
	VCVTDQ2PS Y0, Y0 \
	VCVTDQ2PS Y1, Y1 \
	VMULPS Y7, Y0, Y0 \
	VMULPS Y7, Y1, Y1 \
	VMOVUPS Y0, ds-64(SP) \
	VMOVUPS Y1, ds-32(SP) \
	VMULPS Y12, Y0, Y0 \
	VMULPS Y12, Y1, Y1 \
	VMOVUPS Y0, dm-128(SP) \
	VMOVUPS Y1, dm-96(SP) \
	Q6KHALF2(0, out, widen) \
	Q6KHALF2(1, out, widen) \
	ADDQ $210, SI \
	ADDQ $1024, DI \
	DECQ CX

// Q6KCONSTS2: Y15 = 0x0F bytes, Y14 = 0x30 bytes, Y12 = −32.0s, and R10
// the quants' buffer: the frame's 160 bytes below the scale slots, from
// a multiple of 32.
#define Q6KCONSTS2 \
	MOVL $0x0f0f0f0f, AX \
	VMOVD AX, X15 \
	VPBROADCASTD X15, Y15 \
	MOVL $0x30303030, AX \
	VMOVD AX, X14 \
	VPBROADCASTD X14, Y14 \
	MOVL $-32, AX \
	VMOVD AX, X12 \
	VPBROADCASTD X12, Y12 \
	VCVTDQ2PS Y12, Y12 \
	LEAQ q6b-288(SP), R10 \
	ADDQ $31, R10 \
	ANDQ $-32, R10

// func dotQ6_KAVX2(w *byte, x *float32, n int) float64 — n > 0 super-blocks.
TEXT ·dotQ6_KAVX2(SB), NOSPLIT, $288-32
	START1
	Q6KCONSTS2
q6kloop:
	Q6KBLOCK2(KDOT2, KWIDEN2)
	JNZ  q6kloop
	FINISH2

// func decQ6_KAVX2(dst *float32, src *byte, nb int) — nb > 0
// super-blocks: dotQ6_KAVX2's weights (decodeQ6_K's), stored.
TEXT ·decQ6_KAVX2(SB), NOSPLIT, $288-24
	DECARGS
	Q6KCONSTS2
dq6kloop:
	Q6KBLOCK2(KPUT2, NOWIDEN)
	JNZ  dq6kloop
	VZEROUPPER
	RET

// K-quant int8 products (int8k.go) on AVX2: as dotQ4_KI8AVX512, with
// VPMADDUBSW (nibbles times the input in int16 pairs, at most
// 31·127·2) and VPMADDWD by each sub-block's scale into int32 lanes.

// KI8SCALES2 starts a super-block: its eight scales as words in both
// lanes of Y0, the mins' integer sums in the int32 lanes Y5 (m_j times
// the input's sums of 32: pairs of its sums of 16), Y4 zeroed.
#define KI8SCALES2 \
	KUNPACK(SI) \
	VPMOVZXBW X0, X0 \
	VINSERTI128 $1, X0, Y0, Y0 \
	VPMOVZXBD X1, Y1 \
	KMINS((R13), 32(R13), Y5) \
	VPXOR Y4, Y4, Y4

// KI8SUB2 adds sub-block j's products (its 32 unsigned values in yq, the
// input at xo(DI)) times its scale into Y4.
#define KI8SUB2(yq, j, xo) \
	VPMADDUBSW (xo)(DI), yq, yq \
	VPSHUFB kwb<>+(32*(j))(SB), Y0, Y6 \
	VPMADDWD Y6, yq, yq \
	VPADDD yq, Y4, Y4

// KNIB2 splits the 32 quant bytes at off(SI) into low nibbles (Y2) and
// high ones (Y3).
#define KNIB2(off) \
	VMOVDQU off(SI), Y2 \
	VPSRLW $4, Y2, Y3 \
	VPAND Y15, Y2, Y2 \
	VPAND Y15, Y3, Y3

// Q4KI8PAIR2 and Q5KI8PAIR2 add pair p's two sub-blocks (the quants at
// off) into Y4; Q5_K's take their fifth bits 2p and 2p+1 from qh (Y10).
#define Q4KI8PAIR2(p, off) \
	KNIB2(off) \
	KI8SUB2(Y2, 2*p, 64*p) \
	KI8SUB2(Y3, 2*p+1, 64*p+32)

#define Q5KI8PAIR2(p, off) \
	KNIB2(off) \
	FIFTH2(Y2, 2*p) \
	FIFTH2(Y3, 2*p+1) \
	KI8SUB2(Y2, 2*p, 64*p) \
	KI8SUB2(Y3, 2*p+1, 64*p+32)

// FIFTH2 adds 16 to the values in yq whose qh bit k (qh in Y10) is set.
#define FIFTH2(yq, k) \
	VPBROADCASTB kbit<>+(k)(SB), Y13 \
	VPAND Y10, Y13, Y11 \
	VPCMPEQB Y13, Y11, Y11 \
	VPAND Y12, Y11, Y11 \
	VPOR Y11, yq, yq

// KI8BLOCK2 and KI8BLOCK2Q5 add a Q4_K or Q5_K super-block into Y8 and
// move on (the flags are KI8NEXT2's count).
#define KI8BLOCK2 \
	KI8SCALES2 \
	Q4KI8PAIR2(0, 16) \
	Q4KI8PAIR2(1, 48) \
	Q4KI8PAIR2(2, 80) \
	Q4KI8PAIR2(3, 112) \
	KI8TERMS2 \
	KI8NEXT2(144)

#define KI8BLOCK2Q5 \
	KI8SCALES2 \
	VMOVDQU 16(SI), Y10 \
	Q5KI8PAIR2(0, 48) \
	Q5KI8PAIR2(1, 80) \
	Q5KI8PAIR2(2, 112) \
	Q5KI8PAIR2(3, 144) \
	KI8TERMS2 \
	KI8NEXT2(176)

// func dotQ4_KI8AVX2(w *byte, q *int8, c unsafe.Pointer, d *float32, nb, rows, rb int, out *float64)
// func dotQ5_KI8AVX2(w *byte, q *int8, c unsafe.Pointer, d *float32, nb, rows, rb int, out *float64)
// out[k] = the nb/8 > 0 super-blocks (nb blocks of 32) of row k (at w +
// k·rb) times the input: q its kq, c its sums of 16s, d its scales.
TEXT ·dotQ4_KI8AVX2(SB), NOSPLIT, $0-64
	KI8FRAME(KI8CONSTS2, KI8BLOCK2, q4ki8row2, q4ki8loop2)

TEXT ·dotQ5_KI8AVX2(SB), NOSPLIT, $0-64
	KI8FRAME(KI8CONSTS2Q5, KI8BLOCK2Q5, q5ki8row2, q5ki8loop2)

// kbit: bytes 1, 2, 4 … 128 (FIFTH2's bit k), then 0x0F.
DATA kbit<>+0(SB)/8, $0x8040201008040201
DATA kbit<>+8(SB)/1, $0x0f
GLOBL kbit<>(SB), RODATA|NOPTR, $9

// kwb: VPSHUFB indices that spread word j of a lane over the lane (32
// bytes for each j).
DATA kwb<>+0(SB)/8, $0x0100010001000100
DATA kwb<>+8(SB)/8, $0x0100010001000100
DATA kwb<>+16(SB)/8, $0x0100010001000100
DATA kwb<>+24(SB)/8, $0x0100010001000100
DATA kwb<>+32(SB)/8, $0x0302030203020302
DATA kwb<>+40(SB)/8, $0x0302030203020302
DATA kwb<>+48(SB)/8, $0x0302030203020302
DATA kwb<>+56(SB)/8, $0x0302030203020302
DATA kwb<>+64(SB)/8, $0x0504050405040504
DATA kwb<>+72(SB)/8, $0x0504050405040504
DATA kwb<>+80(SB)/8, $0x0504050405040504
DATA kwb<>+88(SB)/8, $0x0504050405040504
DATA kwb<>+96(SB)/8, $0x0706070607060706
DATA kwb<>+104(SB)/8, $0x0706070607060706
DATA kwb<>+112(SB)/8, $0x0706070607060706
DATA kwb<>+120(SB)/8, $0x0706070607060706
DATA kwb<>+128(SB)/8, $0x0908090809080908
DATA kwb<>+136(SB)/8, $0x0908090809080908
DATA kwb<>+144(SB)/8, $0x0908090809080908
DATA kwb<>+152(SB)/8, $0x0908090809080908
DATA kwb<>+160(SB)/8, $0x0b0a0b0a0b0a0b0a
DATA kwb<>+168(SB)/8, $0x0b0a0b0a0b0a0b0a
DATA kwb<>+176(SB)/8, $0x0b0a0b0a0b0a0b0a
DATA kwb<>+184(SB)/8, $0x0b0a0b0a0b0a0b0a
DATA kwb<>+192(SB)/8, $0x0d0c0d0c0d0c0d0c
DATA kwb<>+200(SB)/8, $0x0d0c0d0c0d0c0d0c
DATA kwb<>+208(SB)/8, $0x0d0c0d0c0d0c0d0c
DATA kwb<>+216(SB)/8, $0x0d0c0d0c0d0c0d0c
DATA kwb<>+224(SB)/8, $0x0f0e0f0e0f0e0f0e
DATA kwb<>+232(SB)/8, $0x0f0e0f0e0f0e0f0e
DATA kwb<>+240(SB)/8, $0x0f0e0f0e0f0e0f0e
DATA kwb<>+248(SB)/8, $0x0f0e0f0e0f0e0f0e
GLOBL kwb<>(SB), RODATA|NOPTR, $256

// The exact K-quant products (x24.go) on AVX2 for Q4_K and Q5_K: as
// dotQ4_KX24AVX512, a sub-block at a time. A ymm holds one sub-block's
// 32 quants (low or high nibbles of 32 quant bytes, with Q5_K's fifth
// bits by FIFTH2), and the planes hold its 32 values at 32-byte unit
// x24KPos[j]; per plane VPMADDUBSW (two products a word, at most
// 2·31·128) and VPMADDWD by ones make int32 lanes of four products,
// combined by Horner from the top plane (exact, as there), converted and
// multiply-added with the sub-block's d·sc_j·s_j (broadcast from the
// frame) into Y7. Y7 is widened into Y8 every super-block (eight
// products a float32 lane), and the mins' terms dmin·m_j·(s·Σm)_j are
// subtracted from Y8 as they come. Registers: Y14 words of one, Y15
// 0x0F bytes, Y12 0x10 bytes and Y10 qh (Q5_K), Y11 and Y13 FIFTH2's.

// INTOY8 widens the float32 lanes yf (low half xf; destroyed) and adds
// them into the float64 lanes Y8 by op (VADDPD or VSUBPD), using Y5.
#define INTOY8(xf, yf, op) \
	VCVTPS2PD xf, Y5 \
	op Y5, Y8, Y8 \
	VEXTRACTF128 $1, yf, xf \
	VCVTPS2PD xf, Y5 \
	op Y5, Y8, Y8

// KX24CONSTS2 and KX24CONSTS2Q5 load the constants.
#define KX24CONSTS2 \
	VPCMPEQW Y14, Y14, Y14 \
	VPSRLW $15, Y14, Y14 \
	VPBROADCASTB kbit<>+8(SB), Y15

#define KX24CONSTS2Q5 \
	KX24CONSTS2 \
	VPBROADCASTB kbit<>+4(SB), Y12

// KX24SUB2 adds sub-block j (quants in yq, values at unit u of each
// plane) into Y7.
#define KX24SUB2(yq, j, u) \
	VPMADDUBSW (32*u+512)(DI), yq, Y4 \
	VPMADDWD Y14, Y4, Y4 \
	VPSLLD $8, Y4, Y4 \
	VPMADDUBSW (32*u+256)(DI), yq, Y5 \
	VPMADDWD Y14, Y5, Y5 \
	VPADDD Y5, Y4, Y4 \
	VPSLLD $8, Y4, Y4 \
	VPMADDUBSW (32*u)(DI), yq, Y5 \
	VPMADDWD Y14, Y5, Y5 \
	VPADDD Y5, Y4, Y4 \
	VCVTDQ2PS Y4, Y4 \
	VBROADCASTSS sc-32+(4*(j))(SP), Y6 \
	VFMADD231PS Y6, Y4, Y7

// KX24PAIR2 adds sub-blocks 2p and 2p+1 (units u0, u1), the low and
// high nibbles of the 32 quant bytes at qo+32p; fifth is FIFTH2 or
// NOFIFTH2.
#define KX24PAIR2(qo, p, u0, u1, fifth) \
	VMOVDQU (qo+32*p)(SI), Y2 \
	VPAND Y15, Y2, Y3 \
	fifth(Y3, 2*p) \
	KX24SUB2(Y3, 2*p, u0) \
	VPSRLW $4, Y2, Y3 \
	VPAND Y15, Y3, Y3 \
	fifth(Y3, 2*p+1) \
	KX24SUB2(Y3, 2*p+1, u1)

#define NOFIFTH2(yq, k)

// KX24BLOCK2 adds a super-block of stride bytes (quants at qo; qh, when
// there, loaded by qh) into Y8 and moves on.
#define KX24BLOCK2(qo, qh, fifth, stride) \
	KSCALEVALS(SI) \
	VMULPS (R11), Y0, Y0 \
	VMOVUPS Y0, sc-32(SP) \
	VMULPS (R13), Y1, Y1 \
	VXORPS Y7, Y7, Y7 \
	qh \
	KX24PAIR2(qo, 0, 0, 2, fifth) \
	KX24PAIR2(qo, 1, 1, 3, fifth) \
	KX24PAIR2(qo, 2, 4, 6, fifth) \
	KX24PAIR2(qo, 3, 5, 7, fifth) \
	INTOY8(X1, Y1, VSUBPD) \
	INTOY8(X7, Y7, VADDPD) \
	KPREFETCH \
	ADDQ $stride, SI \
	ADDQ $768, DI \
	ADDQ $32, R13 \
	ADDQ $32, R11 \
	DECQ CX

#define QH5 VMOVDQU 16(SI), Y10

// func dotQ4_KX24AVX2(w *byte, q *int8, c unsafe.Pointer, d *float32, nb, rows, rb int, out *float64)
// func dotQ5_KX24AVX2(w *byte, q *int8, c unsafe.Pointer, d *float32, nb, rows, rb int, out *float64)
// out[k] = the nb/8 > 0 super-blocks (nb blocks of 32) of row k (at w +
// k·rb) times the x24 input (K order): q its planes, c its s·Σm per
// block, d its scales.
TEXT ·dotQ4_KX24AVX2(SB), NOSPLIT, $32-64
	KI8FRAME(KX24CONSTS2, KX24BLOCK2(16, NOFIFTH2(Y0, 0), NOFIFTH2, 144), q4kx24row2, q4kx24loop2)

TEXT ·dotQ5_KX24AVX2(SB), NOSPLIT, $32-64
	KI8FRAME(KX24CONSTS2Q5, KX24BLOCK2(48, QH5, FIFTH2, 176), q5kx24row2, q5kx24loop2)

// Four-input Q4_K and Q5_K int8 kernels (MatMul), on AVX-512VL's 32 ymm
// registers: each super-block's scales, nibbles and scale broadcasts are
// made once for inputs q + k·stride (k < 4); for each input the integer
// sums and the float64 terms are those of dotQ4_KI8AVX2 and
// dotQ5_KI8AVX2, so the results are bit-identical to them. Registers: input k's scales' sums Y16+k, mins'
// sums Y20+k, float64 lanes Y24+k. The strides live in the
// frame, as KUNPACK takes every free register.

// KI8SCALES4 starts a super-block for the four inputs (after KUNPACK):
// the scales in Y0, each input's mins' sums, its scales' sums zeroed;
// it reloads the strides: R8 and R10 = 3·R8 (values), BX and DX = 3·BX
// (sums), R9 and AX = 3·R9 (scales).
#define KI8SCALES4 \
	MOVQ qs-8(SP), R8 \
	LEAQ (R8)(R8*2), R10 \
	MOVQ ss-16(SP), BX \
	LEAQ (BX)(BX*2), DX \
	MOVQ ds-24(SP), R9 \
	LEAQ (R9)(R9*2), AX \
	VPMOVZXBW X0, X0 \
	VINSERTI128 $1, X0, Y0, Y0 \
	VPMOVZXBD X1, Y1 \
	KMINS((R13), 32(R13), Y20) \
	KMINS((R13)(BX*1), 32(R13)(BX*1), Y21) \
	KMINS((R13)(BX*2), 32(R13)(BX*2), Y22) \
	KMINS((R13)(DX*1), 32(R13)(DX*1), Y23) \
	VPXORD Y16, Y16, Y16 \
	VPXORD Y17, Y17, Y17 \
	VPXORD Y18, Y18, Y18 \
	VPXORD Y19, Y19, Y19

// KI8SUB4 adds sub-block j (values in yq, the inputs' at xo) times its
// scale into each input's Y16+k.
#define KI8SUB4(yq, j, xo) \
	VPSHUFB kwb<>+(32*(j))(SB), Y0, Y6 \
	KI8ONE(yq, (xo)(DI), Y16) \
	KI8ONE(yq, (xo)(DI)(R8*1), Y17) \
	KI8ONE(yq, (xo)(DI)(R8*2), Y18) \
	KI8ONE(yq, (xo)(DI)(R10*1), Y19)

#define KI8ONE(yq, x, yi) \
	VPMADDUBSW x, yq, Y4 \
	VPMADDWD Y6, Y4, Y4 \
	VPADDD Y4, yi, yi

#define Q4KI8PAIR4(p, off) \
	KNIB2(off) \
	KI8SUB4(Y2, 2*p, 64*p) \
	KI8SUB4(Y3, 2*p+1, 64*p+32)

// Q5KI8PAIR4 is Q4KI8PAIR4 for Q5_K: fifth bits 2p and 2p+1 from qh
// (Y10), 16s in Y14 (FIFTH4 uses Y5, Y9).
#define Q5KI8PAIR4(p, off) \
	KNIB2(off) \
	FIFTH4(Y2, 2*p) \
	FIFTH4(Y3, 2*p+1) \
	KI8SUB4(Y2, 2*p, 64*p) \
	KI8SUB4(Y3, 2*p+1, 64*p+32)

#define FIFTH4(yq, k) \
	VPBROADCASTB kbit<>+(k)(SB), Y9 \
	VPAND Y10, Y9, Y5 \
	VPCMPEQB Y9, Y5, Y5 \
	VPAND Y14, Y5, Y5 \
	VPOR Y5, yq, yq

// KI8TERMS4 is KI8TERMS2 for input k (scale at dy; its lanes yi, ym,
// whose low halves are xi, xm; the weights' d and dmin as floats in
// X12), into ya.
#define KI8TERMS4(dy, xi, yi, xm, ym, ya) \
	VBROADCASTSS dy, X7 \
	VMULPS X7, X12, X6 \
	KI8ADD(xi, yi, xm, ym, ya, VEXTRACTI32X4)

// KI8TERMS4ALL adds the four inputs' terms of the super-block at SI.
#define KI8TERMS4ALL \
	VCVTPH2PS (SI), X12 \
	KI8TERMS4((R11), X16, Y16, X20, Y20, Y24) \
	KI8TERMS4((R11)(R9*1), X17, Y17, X21, Y21, Y25) \
	KI8TERMS4((R11)(R9*2), X18, Y18, X22, Y22, Y26) \
	KI8TERMS4((R11)(AX*1), X19, Y19, X23, Y23, Y27)

// KI8NEXT4 moves the inputs on by a super-block and counts down in R12.
#define KI8NEXT4 \
	ADDQ $256, DI \
	ADDQ $64, R13 \
	ADDQ $4, R11 \
	DECQ R12

// KSUM4ALL stores the four sums at CX.
#define KSUM4ALL \
	KSUM4(Y24, 0) \
	KSUM4(Y25, 8) \
	KSUM4(Y26, 16) \
	KSUM4(Y27, 24) \
	VZEROUPPER

// KSUM4 sums input k's float64 lanes ya as SUMY8NZ does and stores the
// sum at off(CX).
#define KSUM4(ya, off) \
	VMOVAPD ya, Y8 \
	SUMY8NZ \
	VMOVSD X8, off(CX)

// func dot4Q4_KI8AVX512VL(w *byte, q *int8, sums *int32, d *float32, stride, nb int, out *[4]float64)
TEXT ·dot4Q4_KI8AVX512VL(SB), NOSPLIT, $24-56
	KI8ARGS4
q4ki8x4:
	KUNPACK(SI)
	KI8SCALES4
	Q4KI8PAIR4(0, 16)
	Q4KI8PAIR4(1, 48)
	Q4KI8PAIR4(2, 80)
	Q4KI8PAIR4(3, 112)
	KI8TERMS4ALL
	ADDQ $144, SI
	KI8NEXT4
	JNZ  q4ki8x4
	MOVQ out+48(FP), CX
	KSUM4ALL
	RET

// func dot4Q5_KI8AVX512VL(w *byte, q *int8, sums *int32, d *float32, stride, nb int, out *[4]float64)
TEXT ·dot4Q5_KI8AVX512VL(SB), NOSPLIT, $24-56
	KI8ARGS4
	VPBROADCASTB kbit<>+4(SB), Y14
q5ki8x4:
	KUNPACK(SI)
	KI8SCALES4
	VMOVDQU 16(SI), Y10
	Q5KI8PAIR4(0, 48)
	Q5KI8PAIR4(1, 80)
	Q5KI8PAIR4(2, 112)
	Q5KI8PAIR4(3, 144)
	KI8TERMS4ALL
	ADDQ $176, SI
	KI8NEXT4
	JNZ  q5ki8x4
	MOVQ out+48(FP), CX
	KSUM4ALL
	RET

// The exact Q6_K product (x24.go) on AVX2, as dotQ6_KX24AVX512: the
// input's planes in element order with Q6_K's corrections (−32 times
// each four values' m sum), 32 quants a ymm (ggml's q1…q4 of a half:
// low or high nibbles of 32 ql bytes, and two bits of the qh bytes), per
// plane VPMADDUBSW (two products a word, at most 2·63·128) and VPMADDWD
// by ones, Horner, the corrections, so each int32 lane holds Σ (q−32)·m
// over four values, exactly; then converted and multiply-added with the
// lane's d·sc·s (the 16s' scales times their block's s, in the frame:
// lanes 0–3 take one 16's, lanes 4–7 the next's) into Y7, widened into
// Y8 every super-block (eight products a lane). Registers: Y0, Y1 a
// half's ql, Y2 its qh, Y13 0x30 bytes, Y14 words of one, Y15 0x0F bytes.

// Q6X24CONSTS2 loads the constants.
#define Q6X24CONSTS2 \
	KX24CONSTS2 \
	VPBROADCASTB kbit<>+4(SB), Y13 \
	VPBROADCASTB kbit<>+5(SB), Y12 \
	VPOR Y12, Y13, Y13

// Q6X24SUB2 adds the 32 values from v0 (quants in Y3) into Y7.
#define Q6X24SUB2(v0) \
	VPMADDUBSW (v0+512)(DI), Y3, Y4 \
	VPMADDWD Y14, Y4, Y4 \
	VPSLLD $8, Y4, Y4 \
	VPMADDUBSW (v0+256)(DI), Y3, Y5 \
	VPMADDWD Y14, Y5, Y5 \
	VPADDD Y5, Y4, Y4 \
	VPSLLD $8, Y4, Y4 \
	VPMADDUBSW (v0)(DI), Y3, Y5 \
	VPMADDWD Y14, Y5, Y5 \
	VPADDD Y5, Y4, Y4 \
	VPADDD (v0)(R13), Y4, Y4 \
	VCVTDQ2PS Y4, Y4 \
	VBROADCASTSS fs-64+((v0)/4)(SP), Y5 \
	VBROADCASTSS fs-64+((v0)/4+4)(SP), Y6 \
	VBLENDPS $0xf0, Y6, Y5, Y5 \
	VFMADD231PS Y5, Y4, Y7

// Q6X24HALF2 adds half n of the super-block (values 128n…128n+127).
#define Q6X24HALF2(n) \
	VMOVDQU (64*n)(SI), Y0 \
	VMOVDQU (64*n+32)(SI), Y1 \
	VMOVDQU (128+32*n)(SI), Y2 \
	VPAND Y15, Y0, Y3 \
	VPSLLW $4, Y2, Y4 \
	VPAND Y13, Y4, Y4 \
	VPOR Y4, Y3, Y3 \
	Q6X24SUB2(128*n) \
	VPAND Y15, Y1, Y3 \
	VPSLLW $2, Y2, Y4 \
	VPAND Y13, Y4, Y4 \
	VPOR Y4, Y3, Y3 \
	Q6X24SUB2(128*n+32) \
	VPSRLW $4, Y0, Y3 \
	VPAND Y15, Y3, Y3 \
	VPAND Y13, Y2, Y4 \
	VPOR Y4, Y3, Y3 \
	Q6X24SUB2(128*n+64) \
	VPSRLW $4, Y1, Y3 \
	VPAND Y15, Y3, Y3 \
	VPSRLW $2, Y2, Y4 \
	VPAND Y13, Y4, Y4 \
	VPOR Y4, Y3, Y3 \
	Q6X24SUB2(128*n+96)

// Q6X24BLOCK2 adds a super-block into Y8 and moves on: the 16s' d·sc·s
// into the frame, both halves into Y7, Y7 widened.
#define Q6X24BLOCK2 \
	VPMOVSXBD 192(SI), Y9 \
	VPMOVSXBD 200(SI), Y10 \
	VCVTDQ2PS Y9, Y9 \
	VCVTDQ2PS Y10, Y10 \
	MOVWLZX 208(SI), AX \
	VMOVD AX, X11 \
	VCVTPH2PS X11, X11 \
	VBROADCASTSS X11, Y11 \
	VMULPS Y11, Y9, Y9 \
	VMULPS Y11, Y10, Y10 \
	VMOVDQU q6pair<>+0(SB), Y5 \
	VPERMPS (R11), Y5, Y5 \
	VMULPS Y5, Y9, Y9 \
	VMOVDQU q6pair<>+32(SB), Y6 \
	VPERMPS (R11), Y6, Y6 \
	VMULPS Y6, Y10, Y10 \
	VMOVUPS Y9, fs-64(SP) \
	VMOVUPS Y10, fs-32(SP) \
	VXORPS Y7, Y7, Y7 \
	Q6X24HALF2(0) \
	Q6X24HALF2(1) \
	INTOY8(X7, Y7, VADDPD) \
	KPREFETCH \
	ADDQ $210, SI \
	ADDQ $768, DI \
	ADDQ $256, R13 \
	ADDQ $32, R11 \
	DECQ CX

// func dotQ6_KX24AVX2(w *byte, q *int8, c unsafe.Pointer, d *float32, nb, rows, rb int, out *float64)
// out[k] = the nb/8 > 0 super-blocks (nb blocks of 32) of row k (at w +
// k·rb) times the x24 input (Q6_K's layout): q its planes, c its
// corrections, d its scales.
TEXT ·dotQ6_KX24AVX2(SB), NOSPLIT, $64-64
	KI8FRAME(Q6X24CONSTS2, Q6X24BLOCK2, q6kx24row2, q6kx24loop2)

// q6pair: VPERMPS indices spreading a super-block's eight blocks' s over
// its sixteen 16s (0, 0, 1, 1, …, 7, 7).
DATA q6pair<>+0(SB)/8, $0
DATA q6pair<>+8(SB)/8, $0x0000000100000001
DATA q6pair<>+16(SB)/8, $0x0000000200000002
DATA q6pair<>+24(SB)/8, $0x0000000300000003
DATA q6pair<>+32(SB)/8, $0x0000000400000004
DATA q6pair<>+40(SB)/8, $0x0000000500000005
DATA q6pair<>+48(SB)/8, $0x0000000600000006
DATA q6pair<>+56(SB)/8, $0x0000000700000007
GLOBL q6pair<>(SB), RODATA|NOPTR, $64
