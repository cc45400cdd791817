//go:build amd64

#include "textflag.h"
#include "simd_amd64.h"

// AVX2+FMA row dot products: Σ w[i]·x[i] for one weight row (stored
// format) and a float32 input x. The block types here (Q8_0, Q4_0, Q4_1,
// Q5_0, Q5_1) multiply each 32-element block in float32 into two 8-lane
// partials of depth 2 ((w0·x0 + w2·x2) + (w1·x1 + w3·x3), products exact
// inside the FMAs), and widen the block's 8 lane sums to float64 (times
// the block scale for Q8_0 and Q4_0) into two float64 accumulators, so
// each float32 rounding touches at most four products. The float types
// (FLOOP1) and the K-quants keep eight products per lane between
// widenings, every 128 elements. Either way the error stays near one
// float32 rounding of the products, far below float32 accumulation over
// whole rows (see MatVec).

// REDUCE32 widens the float32 partials Y0 (group sum) into Y8/Y9 (float64).
#define REDUCE32 \
	VCVTPS2PD X0, Y1 \
	VEXTRACTF128 $1, Y0, X0 \
	VCVTPS2PD X0, Y0 \
	VADDPD Y1, Y8, Y8 \
	VADDPD Y0, Y9, Y9

// REDUCE32D is REDUCE32 with the float64 scale broadcast in Y7.
#define REDUCE32D \
	VCVTPS2PD X0, Y1 \
	VEXTRACTF128 $1, Y0, X0 \
	VCVTPS2PD X0, Y0 \
	VFMADD231PD Y7, Y1, Y8 \
	VFMADD231PD Y7, Y0, Y9

// GROUP multiplies the float32 weights in Y0..Y3 by x at DI.
#define GROUP \
	VMULPS (DI), Y0, Y0 \
	VMULPS 32(DI), Y1, Y1 \
	VFMADD231PS 64(DI), Y2, Y0 \
	VFMADD231PS 96(DI), Y3, Y1 \
	VADDPS Y1, Y0, Y0

// LOOP1 is the loop of the one-input kernels: decode (the weights into
// Y0..Y3), GROUP, reduce (REDUCE32, or REDUCE32D with the block scale),
// then on by wb weight bytes and 32 inputs, counting CX down by dec (32
// elements or one block). It and FLOOP1 prefetch the weights PFD bytes
// ahead into L2, as the AVX-512 kernels do: with this set on 5632-wide
// rows against the streaming read (both cores, medians of 16 interleaved
// runs) F16 went from 0.58 to 0.93 and Q8_0 from 0.41 to 0.69; 2048-wide
// rows stayed within 1%.
#define LOOP1(label, decode, reduce, wb, dec) \
label: \
	PREFETCHT1 PFD(SI) \
	decode \
	GROUP \
	reduce \
	ADDQ $wb, SI \
	ADDQ $128, DI \
	SUBQ $dec, CX \
	JNZ  label

// FLOOP1 is the loop of the float kernels (F32, F16, BF16): 8-element
// chunks of the weights (decode: 32 into Y0..Y3) alternate between the
// float32 partials Y4 and Y5, widened into float64 (KWIDEN2) every 128
// elements and at the end: eight products per lane, as the K-quant
// kernels have. dot4F32AVX2 … repeat it for four inputs.
#define FLOOP1(label, next, decode, wb) \
	MOVQ $4, R11 \
label: \
	PREFETCHT1 PFD(SI) \
	PREFETCHT1 PFD+64(SI) \
	decode \
	VFMADD231PS (DI), Y0, Y4 \
	VFMADD231PS 32(DI), Y1, Y5 \
	VFMADD231PS 64(DI), Y2, Y4 \
	VFMADD231PS 96(DI), Y3, Y5 \
	DECQ R11 \
	JNZ  next \
	KWIDEN2 \
	MOVQ $4, R11 \
next: \
	ADDQ $wb, SI \
	ADDQ $128, DI \
	SUBQ $32, CX \
	JNZ  label \
	KWIDEN2

// func dotF32AVX2(w *byte, x *float32, n int) float64 — n a positive multiple of 32.
TEXT ·dotF32AVX2(SB), NOSPLIT, $0-32
	START1
	FLOOP1(f32loop, f32next, F32W, 128)
	FINISH2

// func dotF16AVX2(w *byte, x *float32, n int) float64 — n a positive multiple of 32.
TEXT ·dotF16AVX2(SB), NOSPLIT, $0-32
	START1
	FLOOP1(f16loop, f16next, F16W, 64)
	FINISH2

// func dotBF16AVX2(w *byte, x *float32, n int) float64 — n a positive multiple of 32.
TEXT ·dotBF16AVX2(SB), NOSPLIT, $0-32
	START1
	FLOOP1(bf16loop, bf16next, BF16W, 64)
	FINISH2

// I8W2 decodes 32 TLInt8 weights at off(SI) as q/s (s broadcast in Y7)
// into Y0..Y3.
#define I8W2(off) \
	VPMOVSXBD off(SI), Y0 \
	VPMOVSXBD off+8(SI), Y1 \
	VPMOVSXBD off+16(SI), Y2 \
	VPMOVSXBD off+24(SI), Y3 \
	VCVTDQ2PS Y0, Y0 \
	VCVTDQ2PS Y1, Y1 \
	VCVTDQ2PS Y2, Y2 \
	VCVTDQ2PS Y3, Y3 \
	VDIVPS Y7, Y0, Y0 \
	VDIVPS Y7, Y1, Y1 \
	VDIVPS Y7, Y2, Y2 \
	VDIVPS Y7, Y3, Y3

// func dotI8G64AVX2(w *byte, s *float32, x *float32, ng int) float64 —
// ng > 0 groups of 64 TLInt8 weights (group g's scale at s[g]): each
// weight q/s (DequantizeTLInt8's division, bit for bit), summed as
// dotF32AVX2 does.
TEXT ·dotI8G64AVX2(SB), NOSPLIT, $0-40
	MOVQ w+0(FP), SI
	MOVQ s+8(FP), DX
	MOVQ x+16(FP), DI
	MOVQ ng+24(FP), CX
	VXORPD Y8, Y8, Y8
	VXORPD Y9, Y9, Y9
i8loop:
	VBROADCASTSS (DX), Y7
	I8W2(0)
	GROUP
	REDUCE32
	I8W2(32)
	ADDQ $128, DI
	GROUP
	REDUCE32
	ADDQ $64, SI
	ADDQ $4, DX
	ADDQ $128, DI
	DECQ CX
	JNZ  i8loop
	SUMY8Y9
	MOVSD X8, ret+32(FP)
	RET

// func dotQ8_0AVX2(w *byte, x *float32, nb int) float64 — nb > 0 blocks.
TEXT ·dotQ8_0AVX2(SB), NOSPLIT, $0-32
	START1
	LOOP1(q8loop, Q8W2, REDUCE32D, 34, 1)
	FINISH2

// func dotQ4_0AVX2(w *byte, x *float32, nb int) float64 — nb > 0 blocks.
TEXT ·dotQ4_0AVX2(SB), NOSPLIT, $0-32
	START1
	LOOP1(q4loop, Q4W2, REDUCE32D, 18, 1)
	FINISH2

// func dotQ4_1AVX2(w *byte, x *float32, nb int) float64 — nb > 0 blocks.
// Q4_1, Q5_0 and Q5_1 decode each block's weights exactly (Q41W2 …) and
// sum them as dotF32AVX2 does (GROUP, REDUCE32).
TEXT ·dotQ4_1AVX2(SB), NOSPLIT, $0-32
	START1
	LOOP1(q41loop, Q41W2, REDUCE32, 20, 1)
	FINISH2

// func dotQ5_0AVX2(w *byte, x *float32, nb int) float64 — nb > 0 blocks.
TEXT ·dotQ5_0AVX2(SB), NOSPLIT, $0-32
	START1
	LOOP1(q50loop, Q50W2, REDUCE32, 22, 1)
	FINISH2

// func dotQ5_1AVX2(w *byte, x *float32, nb int) float64 — nb > 0 blocks.
TEXT ·dotQ5_1AVX2(SB), NOSPLIT, $0-32
	START1
	LOOP1(q51loop, Q51W2, REDUCE32, 24, 1)
	FINISH2

// The constants of the Q4_1/Q5_0/Q5_1 decoders (simd_amd64.h), shared by
// the AVX2 files: 0x0F in every dword, 0x10 in every dword, QH2's shift
// counts (elements 0..7, 8..15 of qh<<4; 16..23, 24..31 of qh) and −16.0.
DATA ·q45nib+0(SB)/8, $0x0000000f0000000f
DATA ·q45nib+8(SB)/8, $0x0000000f0000000f
DATA ·q45nib+16(SB)/8, $0x0000000f0000000f
DATA ·q45nib+24(SB)/8, $0x0000000f0000000f
GLOBL ·q45nib(SB), RODATA|NOPTR, $32

DATA ·q45bit4+0(SB)/8, $0x0000001000000010
DATA ·q45bit4+8(SB)/8, $0x0000001000000010
DATA ·q45bit4+16(SB)/8, $0x0000001000000010
DATA ·q45bit4+24(SB)/8, $0x0000001000000010
GLOBL ·q45bit4(SB), RODATA|NOPTR, $32

DATA ·q45cnt+0(SB)/8, $0x0000000100000000
DATA ·q45cnt+8(SB)/8, $0x0000000300000002
DATA ·q45cnt+16(SB)/8, $0x0000000500000004
DATA ·q45cnt+24(SB)/8, $0x0000000700000006
DATA ·q45cnt+32(SB)/8, $0x0000000900000008
DATA ·q45cnt+40(SB)/8, $0x0000000b0000000a
DATA ·q45cnt+48(SB)/8, $0x0000000d0000000c
DATA ·q45cnt+56(SB)/8, $0x0000000f0000000e
DATA ·q45cnt+64(SB)/8, $0x0000000d0000000c
DATA ·q45cnt+72(SB)/8, $0x0000000f0000000e
DATA ·q45cnt+80(SB)/8, $0x0000001100000010
DATA ·q45cnt+88(SB)/8, $0x0000001300000012
DATA ·q45cnt+96(SB)/8, $0x0000001500000014
DATA ·q45cnt+104(SB)/8, $0x0000001700000016
DATA ·q45cnt+112(SB)/8, $0x0000001900000018
DATA ·q45cnt+120(SB)/8, $0x0000001b0000001a
GLOBL ·q45cnt(SB), RODATA|NOPTR, $128

DATA ·q45m16+0(SB)/4, $0xc1800000
GLOBL ·q45m16(SB), RODATA|NOPTR, $4

DATA ·q4low2+0(SB)/8, $0x0f0f0f0f0f0f0f0f
DATA ·q4low2+8(SB)/8, $0x0f0f0f0f0f0f0f0f
GLOBL ·q4low2(SB), RODATA|NOPTR, $16

DATA ·q4eight2+0(SB)/8, $0x0808080808080808
DATA ·q4eight2+8(SB)/8, $0x0808080808080808
GLOBL ·q4eight2(SB), RODATA|NOPTR, $16

// func axpyAVX2(dst *float32, a float32, x *float32, n int) — n a positive multiple of 8:
// dst[i] = fma(a, x[i], dst[i]), one rounding per element.
TEXT ·axpyAVX2(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	VBROADCASTSS a+8(FP), Y7
	MOVQ x+16(FP), SI
	MOVQ n+24(FP), CX
axpyloop:
	VMOVUPS (DI), Y0
	VFMADD231PS (SI), Y7, Y0
	VMOVUPS Y0, (DI)
	ADDQ $32, DI
	ADDQ $32, SI
	SUBQ $8, CX
	JNZ  axpyloop
	VZEROUPPER
	RET

// The x24 Q4_0 product (x24.go) on AVX2: the AVX-512 kernel's integers
// (Q4X24ACC) with VPMADDUBSW instead of VPDPBUSD. A ymm takes two
// blocks' nibbles, low (LO) and high (HI), 16 each per 128-bit half, as
// the q4 layout of the planes holds the two blocks' values next to each
// other; per plane VPMADDUBSW of LO and of HI (two products a word, at
// most 2·15·128 in magnitude) added in words and VPMADDWD by ones give
// the int32 lane of the AVX-512 kernel, block k's values 4l…4l+3 and
// 16+4l…16+4l+3 (lane 4k+l, whose correction c24 holds). The planes are
// combined by Horner as there (exact: int32 wraps and the sum fits),
// converted to float32 and multiply-added with the lane's block's dw·s
// into Y7, widened every eight blocks, so a float32 lane adds four
// products as the AVX-512 kernel's do. Rows whose blocks are not a
// multiple of eight leave the rest to q4_0X24Dot (int8RowDots).

// I8CONSTS2: Y10 0x0F bytes, Y11 words of one; X24CONSTS2 also Y12 and
// Y13, the lanes' blocks of a group's two pairs (x24pair).
#define I8CONSTS2 \
	VPBROADCASTD ·i8lo4(SB), Y10 \
	VPCMPEQW Y11, Y11, Y11 \
	VPSRLW $15, Y11, Y11

#define X24CONSTS2 \
	I8CONSTS2 \
	VMOVDQU x24pair<>+0(SB), Y12 \
	VMOVDQU x24pair<>+32(SB), Y13

// NIB2 splits blocks wo/18 and wo/18+1 of the row into their low
// nibbles (Y1) and high nibbles (Y2), a block per 128-bit half.
#define NIB2(wo) \
	VMOVDQU wo+2(SI), X0 \
	VINSERTI128 $1, wo+20(SI), Y0, Y0 \
	VPSRLW $4, Y0, Y2 \
	VPAND Y10, Y0, Y1 \
	VPAND Y10, Y2, Y2

// QUAD2 makes the int32 lanes of LO (Y1) and HI (Y2) times the values
// at po(DI) and po+64(DI) in Y3 (Y5 scratch).
#define QUAD2(po) \
	VPMADDUBSW po(DI), Y1, Y3 \
	VPMADDUBSW po+64(DI), Y2, Y5 \
	VPADDW Y5, Y3, Y3 \
	VPMADDWD Y11, Y3, Y3

// X24PLANE2 adds plane po's products, as int32 lanes, into Y4.
#define X24PLANE2(po) \
	QUAD2(po) \
	VPADDD Y3, Y4, Y4

// LANES2 adds the lanes' corrections at co(R13) to the int32 lanes yl,
// converts them to float32 and multiply-adds them with their blocks'
// scales from X14 (picked by idx) into Y7.
#define LANES2(yl, co, idx) \
	VPADDD co(R13), yl, yl \
	VCVTDQ2PS yl, yl \
	VPERMPS Y14, idx, Y6 \
	VFMADD231PS Y6, yl, Y7

// X24PAIR2 adds blocks wo/18 and wo/18+1 of the row (planes at po, their
// lanes' corrections at co, their dw·s in X14's lanes picked by idx)
// into Y7.
#define X24PAIR2(wo, po, co, idx) \
	NIB2(wo) \
	VPXOR Y4, Y4, Y4 \
	X24PLANE2(po+256) \
	VPSLLD $8, Y4, Y4 \
	X24PLANE2(po+128) \
	VPSLLD $8, Y4, Y4 \
	X24PLANE2(po) \
	LANES2(Y4, co, idx)

// F16X4 makes the float16 values at o0…o3(SI) float32 in x (gathered in
// AX; BX, DX scratch).
#define F16X4(o0, o1, o2, o3, x) \
	MOVWLZX o0(SI), AX \
	MOVWLZX o1(SI), BX \
	SHLL $16, BX \
	ORL  BX, AX \
	MOVWLZX o2(SI), BX \
	MOVWLZX o3(SI), DX \
	SHLL $16, DX \
	ORL  DX, BX \
	SHLQ $32, BX \
	ORQ  BX, AX \
	VMOVQ AX, x \
	VCVTPH2PS x, x

// SCALES4 makes the dw·s (or dw·dx) of the four blocks of bb bytes from
// wo in X14: their float16 scales, times the input's scales at so(R11).
#define SCALES4(wo, bb, so) \
	F16X4(wo, wo+bb, wo+2*bb, wo+3*bb, X14) \
	VMULPS so(R11), X14, X14

// X24GROUP2 adds the four blocks of group g (weights from 72g, planes
// from 384g, corrections from 64g, scales from 16g) into Y7: their
// dw·s in X14, then the two pairs.
#define X24GROUP2(g) \
	SCALES4(72*g, 18, 16*g) \
	X24PAIR2(72*g, 384*g, 64*g, Y12) \
	X24PAIR2(72*g+36, 384*g+32, 64*g+32, Y13)

// WIDENY7 widens Y7's float32 lanes into Y8, Y9 and clears it.
#define WIDENY7 \
	VCVTPS2PD X7, Y5 \
	VEXTRACTF128 $1, Y7, X6 \
	VCVTPS2PD X6, Y6 \
	VADDPD Y5, Y8, Y8 \
	VADDPD Y6, Y9, Y9 \
	VXORPS Y7, Y7, Y7

// func dotQ4_0X24AVX2(w *byte, q *int8, c unsafe.Pointer, d *float32, nb, rows, rb int, out *float64)
// out[k] = the first nb blocks (a positive multiple of 8) of row k (at w
// + k·rb) times the x24 input: q its planes, c its corrections, d its
// scales s.
// ZEROY89 and ADDY98 open and close a row summed in Y8 and Y9 (the
// float32 lanes in Y7 from zero too, for the x24 kernel).
#define ZEROY89 \
	VXORPD Y8, Y8, Y8 \
	VXORPD Y9, Y9, Y9 \
	VXORPS Y7, Y7, Y7

#define ADDY98 VADDPD Y9, Y8, Y8

#define Q4X24EIGHT2 \
	X24GROUP2(0) \
	X24GROUP2(1) \
	WIDENY7 \
	ADDQ $144, SI \
	ADDQ $768, DI \
	ADDQ $128, R13 \
	ADDQ $32, R11 \
	DECQ CX

TEXT ·dotQ4_0X24AVX2(SB), NOSPLIT, $0-64
	ROWSFRAME(X24CONSTS2, ZEROY89, Q4X24EIGHT2, ADDY98, q4x24row2, q4x24loop2)

// x24pair: VPERMPS indices putting a group's blocks 0, 1 (then 2, 3)
// dw·s over the two halves of a ymm.
DATA x24pair<>+0(SB)/8, $0
DATA x24pair<>+8(SB)/8, $0
DATA x24pair<>+16(SB)/8, $0x0000000100000001
DATA x24pair<>+24(SB)/8, $0x0000000100000001
DATA x24pair<>+32(SB)/8, $0x0000000200000002
DATA x24pair<>+40(SB)/8, $0x0000000200000002
DATA x24pair<>+48(SB)/8, $0x0000000300000003
DATA x24pair<>+56(SB)/8, $0x0000000300000003
GLOBL x24pair<>(SB), RODATA|NOPTR, $64

// The int8 products on AVX2, several rows a call: per block the exact
// integer sum (int32 lanes of the x24 kernels' kind, then added across
// by VPHADDD), times its dw·dx (exact in float32) in float64, exact too,
// so the only roundings are those of the float64 additions, as in the
// generic kernels. (Summing float32 lanes, as the AVX-512 kernels do,
// was as fast here but moved a Q4_0 fixture's logits 1e-2 from
// llama.cpp's: a product's last bits move an 8-bit rounding of the next
// layer's input, which then moves the logits by a quantum.) Rows whose
// blocks are not a multiple of eight leave the rest to the generic
// per-block sum (int8RowDots).
//
// func dotQ4_0I8AVX2(w *byte, q *int8, c unsafe.Pointer, d *float32, nb, rows, rb int, out *float64)
// func dotQ8_0I8AVX2(w *byte, q *int8, c unsafe.Pointer, d *float32, nb, rows, rb int, out *float64)
// out[k] = the first nb blocks (a positive multiple of 8) of row k (at w
// + k·rb) times the input: for Q4_0 q its q4, c its c4 (the AVX-512
// layout), for Q8_0 q its values in order (c unused); d its scales.
//
// Q4_0 takes two blocks a ymm as the x24 kernel does (NIB2, QUAD2: lanes
// 4l…4l+3 of a half hold its block's values 4l…4l+3 and 16+4l…16+4l+3,
// from the lane's correction, −8 times their sum); two VPHADDD levels
// over the eight blocks' four pairs leave blocks 0, 2, 4, 6 in the lower
// half and 1, 3, 5, 7 in the upper, which meet their dw·dx in Y14 and
// Y15.

// I8PAIRQ makes blocks wo/18 and wo/18+1's corrected lanes (values at
// qo, corrections at co) in y.
#define I8PAIRQ(wo, qo, co, y) \
	NIB2(wo) \
	QUAD2(qo) \
	VPADDD co(R13), Y3, y

// EVENODD makes the dw·dx of the eight blocks of bb bytes at SI, blocks
// 0, 2, 4, 6 in Y14 and 1, 3, 5, 7 in Y15, as float64 (the input's dx at
// R11, picked by VSHUFPS; X7, X12 scratch).
#define EVENODD(bb) \
	VMOVUPS (R11), X12 \
	F16X4(0, 2*bb, 4*bb, 6*bb, X14) \
	VSHUFPS $0x88, 16(R11), X12, X7 \
	VMULPS X7, X14, X14 \
	VCVTPS2PD X14, Y14 \
	F16X4(bb, 3*bb, 5*bb, 7*bb, X15) \
	VSHUFPS $0xDD, 16(R11), X12, X7 \
	VMULPS X7, X15, X15 \
	VCVTPS2PD X15, Y15

// ADDBLOCKS multiply-adds the eight blocks' sums in y (the even ones in
// the lower half, the odd in the upper) with their dw·dx into Y8, Y9.
#define ADDBLOCKS(y, x) \
	VCVTDQ2PD x, Y5 \
	VEXTRACTI128 $1, y, x \
	VCVTDQ2PD x, Y6 \
	VFMADD231PD Y14, Y5, Y8 \
	VFMADD231PD Y15, Y6, Y9

// I8ROWS2 is the frame of both (ROWSFRAME), summing into Y8 and Y9.
#define I8ROWS2(consts, group, row, loop) \
	ROWSFRAME(consts, ZEROY89, group, ADDY98, row, loop)

#define Q4I8GROUP2 \
	EVENODD(18) \
	I8PAIRQ(0, 0, 0, Y4) \
	I8PAIRQ(36, 32, 32, Y3) \
	VPHADDD Y3, Y4, Y4 \
	I8PAIRQ(72, 128, 64, Y6) \
	I8PAIRQ(108, 160, 96, Y3) \
	VPHADDD Y3, Y6, Y6 \
	VPHADDD Y6, Y4, Y4 \
	ADDBLOCKS(Y4, X4) \
	ADDQ $144, SI \
	ADDQ $256, DI \
	ADDQ $128, R13 \
	ADDQ $32, R11 \
	DECQ CX

TEXT ·dotQ4_0I8AVX2(SB), NOSPLIT, $0-64
	I8ROWS2(I8CONSTS2, Q4I8GROUP2, q4i8row2, q4i8loop2)

// Q8_0: per block |w| (VPABSB) times the input's values with w's signs
// (VPSIGNB) by VPMADDUBSW (pairs, which cannot saturate here) and
// VPMADDWD (quads), eight int32 lanes; VPHADDD over four blocks' lanes
// twice, then their halves added, leave the four blocks' sums in order.

// Q8QUAD makes block wo/34's int32 lanes (values at qo) in y (Y2
// scratch).
#define Q8QUAD(wo, qo, y) \
	VPABSB wo+2(SI), y \
	VMOVDQU qo(DI), Y2 \
	VPSIGNB wo+2(SI), Y2, Y2 \
	VPMADDUBSW Y2, y, y \
	VPMADDWD Y11, y, y

// Q8FOUR multiply-adds the four blocks from wo/34 (values at qo, dw·dx
// at so(R11)) into ya.
#define Q8FOUR(wo, qo, so, ya) \
	SCALES4(wo, 34, so) \
	VCVTPS2PD X14, Y14 \
	Q8QUAD(wo, qo, Y1) \
	Q8QUAD(wo+34, qo+32, Y3) \
	VPHADDD Y3, Y1, Y1 \
	Q8QUAD(wo+68, qo+64, Y3) \
	Q8QUAD(wo+102, qo+96, Y4) \
	VPHADDD Y4, Y3, Y3 \
	VPHADDD Y3, Y1, Y1 \
	VEXTRACTI128 $1, Y1, X3 \
	VPADDD X3, X1, X1 \
	VCVTDQ2PD X1, Y1 \
	VFMADD231PD Y14, Y1, ya

#define Q8I8GROUP2 \
	Q8FOUR(0, 0, 0, Y8) \
	Q8FOUR(136, 128, 16, Y9) \
	ADDQ $272, SI \
	ADDQ $256, DI \
	ADDQ $32, R11 \
	DECQ CX

TEXT ·dotQ8_0I8AVX2(SB), NOSPLIT, $0-64
	I8ROWS2(I8CONSTS2, Q8I8GROUP2, q8i8row2, q8i8loop2)

// EXP4PD sets Y5 = e^Y4 in float64 as the AVX-512 set's EXPPD does (the
// same clamp, reduction and polynomial, from the same constants), but
// for VSCALEFPD: 2^k is applied as 2^(k>>1) times 2^(k−(k>>1)), each a
// normal float64 built from its exponent bits, so the first product is
// exact and the second rounds once, as VSCALEFPD does (into the
// subnormals, or to +Inf). Uses Y1, Y2, Y3, Y4, Y6, Y7.
#define EXP4PD \
	VBROADCASTSD ·exp800(SB), Y7 \
	VMINPD Y7, Y4, Y4 \
	VBROADCASTSD ·expm800(SB), Y7 \
	VMAXPD Y7, Y4, Y4 \
	VBROADCASTSD ·explog2e(SB), Y7 \
	VMULPD Y7, Y4, Y1 \
	VROUNDPD $0, Y1, Y2 \
	VBROADCASTSD ·expln2hi(SB), Y7 \
	VFNMADD231PD Y7, Y2, Y4 \
	VBROADCASTSD ·expln2lo(SB), Y7 \
	VFNMADD231PD Y7, Y2, Y4 \
	VBROADCASTSD ·expc+88(SB), Y5 \
	EXPSTEP(80) \
	EXPSTEP(72) \
	EXPSTEP(64) \
	EXPSTEP(56) \
	EXPSTEP(48) \
	EXPSTEP(40) \
	EXPSTEP(32) \
	EXPSTEP(24) \
	EXPSTEP(16) \
	EXPSTEP(8) \
	EXPSTEP(0) \
	VCVTPD2DQY Y2, X3 \
	VPSRAD $1, X3, X6 \
	VPSUBD X6, X3, X3 \
	POW2(X6, Y6) \
	POW2(X3, Y3) \
	VMULPD Y6, Y5, Y5 \
	VMULPD Y3, Y5, Y5

// EXPSTEP is a Horner step of EXP4PD: Y5 = Y5·r + expc[off/8].
#define EXPSTEP(off) \
	VBROADCASTSD ·expc+off(SB), Y7 \
	VFMADD213PD Y7, Y4, Y5

// POW2 makes 2^k in y from the four int32 k in x (−1022 ≤ k ≤ 1023).
#define POW2(x, y) \
	VPMOVSXDQ x, y \
	VPADDQ exp2bias<>(SB), y, y \
	VPSLLQ $52, y, y

DATA exp2bias<>+0(SB)/8, $1023
DATA exp2bias<>+8(SB)/8, $1023
DATA exp2bias<>+16(SB)/8, $1023
DATA exp2bias<>+24(SB)/8, $1023
GLOBL exp2bias<>(SB), RODATA|NOPTR, $32

// DQ4W stores the eight nibbles in y as (q−8)·d (d in Y7) at off(DI).
#define DQ4W(y, off) \
	VPSUBD Y15, y, y \
	VCVTDQ2PS y, y \
	VMULPS Y7, y, y \
	VMOVUPS y, off(DI)

// DQ8W stores the eight int8 at so(SI) as q·d (d in Y7) at off(DI).
#define DQ8W(so, off) \
	VPMOVSXBD so(SI), Y0 \
	VCVTDQ2PS Y0, Y0 \
	VMULPS Y7, Y0, Y0 \
	VMOVUPS Y0, off(DI)

DATA dq4lo<>+0(SB)/4, $0x0f
GLOBL dq4lo<>(SB), RODATA|NOPTR, $4
DATA dq4eight<>+0(SB)/4, $8
GLOBL dq4eight<>(SB), RODATA|NOPTR, $4

// Softmax's loops on AVX2 (as the AVX-512 set's): SMARGS2 loads the
// pointers, the shift or sum broadcast into Y8, and CX = n/4.
#define SMARGS2(xr, er, s) \
	MOVQ x+0(FP), xr \
	MOVQ e+8(FP), er \
	VBROADCASTSD s, Y8 \
	MOVQ n+24(FP), CX \
	SHRQ $2, CX

// ACT2 is the frame of the AVX2 activations (func(x *float32, n int, …),
// n a positive multiple of 4, x changed in place): consts, then for
// every four values Y0 = x widened to float64, body (which leaves the
// result in Y0), rounded once to float32 and stored.
#define ACT2(consts, body, loop) \
	MOVQ x+0(FP), SI \
	MOVQ n+8(FP), CX \
	SHRQ $2, CX \
	consts \
loop: \
	VCVTPS2PD (SI), Y0 \
	body \
	VCVTPD2PSY Y0, X0 \
	VMOVUPS X0, (SI) \
	ADDQ $16, SI \
	DECQ CX \
	JNZ  loop \
	VZEROUPPER \
	RET

// SOFTCAP2CONSTS loads softCap's constants (here, for vet: a macro naming an
// argument after a TEXT line counts as that function's).
#define SOFTCAP2CONSTS \
	VBROADCASTSD c+16(FP), Y8 \
	VBROADCASTSD ·expc(SB), Y9 \
	VADDPD Y9, Y9, Y10 \
	VBROADCASTSD ·sctiny2(SB), Y11 \
	VBROADCASTSD ·scthird(SB), Y12

// func geluAVX2(x *float32, n int) — n a positive multiple of 4: as
// geluAVX512 (e^−2u by EXP4PD).
#define GELU2CONSTS \
	VBROADCASTSD ·expc(SB), Y9 \
	VBROADCASTSD ·gelua(SB), Y10 \
	VBROADCASTSD ·gelum2c(SB), Y11

#define GELU2 \
	VMULPD Y10, Y0, Y3 \
	VMULPD Y0, Y3, Y3 \
	VMULPD Y0, Y3, Y3 \
	VADDPD Y3, Y0, Y3 \
	VMULPD Y11, Y3, Y4 \
	EXP4PD \
	VADDPD Y9, Y5, Y5 \
	VDIVPD Y5, Y0, Y0

TEXT ·geluAVX2(SB), NOSPLIT, $0-16
	ACT2(GELU2CONSTS, GELU2, gelu2loop)

// func softCapAVX2(x *float32, n int, c float64) — n a positive multiple
// of 4: as softCapAVX512 (e^2y by EXP4PD).
#define SOFTCAP2 \
	VDIVPD Y8, Y0, Y0 \
	VADDPD Y0, Y0, Y4 \
	EXP4PD \
	VADDPD Y9, Y5, Y5 \
	VDIVPD Y5, Y10, Y5 \
	VSUBPD Y5, Y9, Y5 \
	VMULPD Y0, Y0, Y6 \
	VCMPPD $1, Y11, Y6, Y7 \
	VFMADD213PD Y9, Y12, Y6 \
	VMULPD Y0, Y6, Y6 \
	VBLENDVPD Y7, Y6, Y5, Y5 \
	VCMPPD $3, Y0, Y0, Y7 \
	VBLENDVPD Y7, Y0, Y5, Y5 \
	VMULPD Y8, Y5, Y0

TEXT ·softCapAVX2(SB), NOSPLIT, $0-24
	ACT2(SOFTCAP2CONSTS, SOFTCAP2, softcap2loop)

// func siluAVX2(x *float32, n int) — n a positive multiple of 4:
// x[i] = x/(1+e^−x) computed in float64 (e^−x by EXP4PD) and rounded
// once, as SiLU does with math.Exp.
#define SILU2CONSTS \
	VBROADCASTSD ·expsign(SB), Y8 \
	VBROADCASTSD ·expc(SB), Y9

#define SILU2 \
	VXORPD Y8, Y0, Y4 \
	EXP4PD \
	VADDPD Y9, Y5, Y5 \
	VDIVPD Y5, Y0, Y0

TEXT ·siluAVX2(SB), NOSPLIT, $0-16
	ACT2(SILU2CONSTS, SILU2, silu2loop)

// func softmaxExpAVX2(x *float32, e *float64, shift float64, n int) — n a
// positive multiple of 4: e[i] = e^(x[i] − shift) (EXP4PD).
TEXT ·softmaxExpAVX2(SB), NOSPLIT, $0-32
	SMARGS2(SI, DI, shift+16(FP))
smexp2loop:
	VCVTPS2PD (SI), Y4
	VSUBPD Y8, Y4, Y4
	EXP4PD
	VMOVUPD Y5, (DI)
	ADDQ $16, SI
	ADDQ $32, DI
	DECQ CX
	JNZ  smexp2loop
	VZEROUPPER
	RET

// func softmaxDivAVX2(x *float32, e *float64, sum float64, n int) — n a
// positive multiple of 4: x[i] = float32(e[i] / sum).
TEXT ·softmaxDivAVX2(SB), NOSPLIT, $0-32
	SMARGS2(DI, SI, sum+16(FP))
smdiv2loop:
	VMOVUPD (SI), Y4
	VDIVPD Y8, Y4, Y4
	VCVTPD2PSY Y4, X4
	VMOVUPS X4, (DI)
	ADDQ $32, SI
	ADDQ $16, DI
	DECQ CX
	JNZ  smdiv2loop
	VZEROUPPER
	RET

// func softmaxMaxAVX2(x *float32, n int) (m float32, nan bool) — n a
// positive multiple of 8: as softmaxMaxAVX512 (the running maximum Y0
// is VMAXPS's second source, so it never takes a NaN; VCMPPS $3 flags
// them into Y2).
TEXT ·softmaxMaxAVX2(SB), NOSPLIT, $0-21
	MOVQ x+0(FP), SI
	MOVQ n+8(FP), CX
	SHRQ $3, CX
	MOVL $0xff800000, AX
	VMOVD AX, X0
	VBROADCASTSS X0, Y0
	VXORPS Y2, Y2, Y2
smmax2loop:
	VMOVUPS (SI), Y1
	VMAXPS Y0, Y1, Y0
	VCMPPS $3, Y1, Y1, Y3
	VORPS Y3, Y2, Y2
	ADDQ $32, SI
	DECQ CX
	JNZ  smmax2loop
	VEXTRACTF128 $1, Y0, X1
	VMAXPS X1, X0, X0
	VPERMILPS $0x4e, X0, X1
	VMAXPS X1, X0, X0
	VPERMILPS $0xb1, X0, X1
	VMAXPS X1, X0, X0
	VMOVSS X0, m+16(FP)
	VMOVMSKPS Y2, AX
	TESTL AX, AX
	SETNE nan+20(FP)
	VZEROUPPER
	RET

// REDUCE8 folds the eight dword lanes of y (x its lower half) into lane
// 0 of x by op (VPMAXUD, VPADDD): halves, then pairs of pairs, then
// pairs (tx scratch).
#define REDUCE8(y, x, tx, op) \
	VEXTRACTI128 $1, y, tx \
	op tx, x, x \
	VPSHUFD $0x4e, x, tx \
	op tx, x, x \
	VPSHUFD $0xb1, x, tx \
	op tx, x, x

// ABSMAX4 puts the largest |x| bits of the 32 float32 in Y0…Y3 into
// lane 0 of X4 (Y15 the abs mask; Y5, Y6 scratch): as integers, so the
// order is exact and a NaN wins (see ABSMAX).
#define ABSMAX4 \
	VPAND Y15, Y0, Y4 \
	VPAND Y15, Y1, Y5 \
	VPMAXUD Y5, Y4, Y4 \
	VPAND Y15, Y2, Y5 \
	VPAND Y15, Y3, Y6 \
	VPMAXUD Y6, Y5, Y5 \
	VPMAXUD Y5, Y4, Y4 \
	REDUCE8(Y4, X4, X5, VPMAXUD)

// QPACK rounds the 32 float32 in Y0…Y3 times ys to int32 (the default
// rounding) and packs their low bytes, in order, into Y0 (Y10 0xFF in
// each dword; Y1 scratch): a value the conversion cannot hold gives
// 0x80000000, whose low byte 0 is what Go's conversions give.
#define QPACK(ys) \
	VMULPS ys, Y0, Y0 \
	VMULPS ys, Y1, Y1 \
	VMULPS ys, Y2, Y2 \
	VMULPS ys, Y3, Y3 \
	VCVTPS2DQ Y0, Y0 \
	VCVTPS2DQ Y1, Y1 \
	VCVTPS2DQ Y2, Y2 \
	VCVTPS2DQ Y3, Y3 \
	VPAND Y10, Y0, Y0 \
	VPAND Y10, Y1, Y1 \
	VPAND Y10, Y2, Y2 \
	VPAND Y10, Y3, Y3 \
	VPACKUSDW Y1, Y0, Y0 \
	VPACKUSDW Y3, Y2, Y2 \
	VPACKUSWB Y2, Y0, Y0 \
	VMOVDQU q2perm<>(SB), Y1 \
	VPERMD Y0, Y1, Y0

// func decQ4_0AVX2(dst *float32, src *byte, nb int) — nb > 0 blocks:
// the float32 weights (q−8)·d of Q4_0 blocks (exact: a 4-bit integer
// times a float16), for the decoded MatMul (gemmKernels.decode).
TEXT ·decQ4_0AVX2(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ nb+16(FP), CX
	VPBROADCASTD dq4lo<>(SB), Y14
	VPBROADCASTD dq4eight<>(SB), Y15
decq42loop:
	MOVWLZX (SI), AX
	VMOVD AX, X7
	VCVTPH2PS X7, X7
	VBROADCASTSS X7, Y7
	VPMOVZXBD 2(SI), Y0
	VPMOVZXBD 10(SI), Y1
	VPSRLD $4, Y0, Y2
	VPSRLD $4, Y1, Y3
	VPAND Y14, Y0, Y0
	VPAND Y14, Y1, Y1
	DQ4W(Y0, 0)
	DQ4W(Y1, 32)
	DQ4W(Y2, 64)
	DQ4W(Y3, 96)
	ADDQ $18, SI
	ADDQ $128, DI
	DECQ CX
	JNZ  decq42loop
	VZEROUPPER
	RET

// func decQ8_0AVX2(dst *float32, src *byte, nb int) — nb > 0 blocks:
// the float32 weights q·d of Q8_0 blocks (exact: an 8-bit integer times
// a float16), for the decoded MatMul.
TEXT ·decQ8_0AVX2(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ nb+16(FP), CX
decq82loop:
	MOVWLZX (SI), AX
	VMOVD AX, X7
	VCVTPH2PS X7, X7
	VBROADCASTSS X7, Y7
	DQ8W(2, 0)
	DQ8W(10, 32)
	DQ8W(18, 64)
	DQ8W(26, 96)
	ADDQ $34, SI
	ADDQ $128, DI
	DECQ CX
	JNZ  decq82loop
	VZEROUPPER
	RET

// func quantizeQ8AVX2(x *float32, q *int8, d *float32, c8, c128, sums *int32, nb int)
// quantizes nb blocks of 32 exactly as quantizeBlock does (int8.go), and
// as quantizeQ8AVX512: amax (the integer max of the |x| bits, so a NaN
// wins, see ABSMAX), d = amax/127 through float16, q = the low byte of
// round-half-even(x·(127/amax)) (the conversion's default rounding; the
// low byte, as Go's conversion gives, where the value is not finite),
// the quads' sums by VPMADDUBSW and VPMADDWD with ones, the corrections
// and the block sums.
TEXT ·quantizeQ8AVX2(SB), NOSPLIT, $0-56
	MOVQ x+0(FP), SI
	MOVQ q+8(FP), DI
	MOVQ d+16(FP), R9
	MOVQ c8+24(FP), R10
	MOVQ c128+32(FP), R12
	MOVQ sums+40(FP), R13
	MOVQ nb+48(FP), CX
	VPBROADCASTD ·i8abs(SB), Y15
	VMOVSS ·i8c127(SB), X14
	VPBROADCASTD ·i8ones(SB), Y13
	VPXOR Y12, Y12, Y12
	VPCMPEQW Y11, Y11, Y11
	VPSRLW $15, Y11, Y11
	VPCMPEQW Y10, Y10, Y10
	VPSRLD $24, Y10, Y10
q2loop:
	VMOVUPS (SI), Y0
	VMOVUPS 32(SI), Y1
	VMOVUPS 64(SI), Y2
	VMOVUPS 96(SI), Y3
	ABSMAX4
	VDIVSS X14, X4, X8
	VCVTPS2PH $0, X8, X8
	VCVTPH2PS X8, X8
	VMOVSS X8, (R9)
	VXORPS X9, X9, X9
	VUCOMISS X9, X4
	JEQ  q2zero
	VDIVSS X4, X14, X9
q2zero:
	VBROADCASTSS X9, Y9
	QPACK(Y9)
	VMOVDQU Y0, (DI)
	VPMADDUBSW Y0, Y13, Y6
	VPMADDWD Y11, Y6, Y6
	VPSLLD $3, Y6, Y7
	VPSUBD Y7, Y12, Y7
	VPSLLD $7, Y6, Y8
	VPSUBD Y8, Y12, Y8
	VMOVDQU Y7, (R10)
	VMOVDQU Y8, (R12)
	REDUCE8(Y6, X6, X7, VPADDD)
	VMOVD X6, (R13)
	ADDQ $128, SI
	ADDQ $32, DI
	ADDQ $4, R9
	ADDQ $32, R10
	ADDQ $32, R12
	ADDQ $4, R13
	DECQ CX
	JNZ  q2loop
	VZEROUPPER
	RET

// func quantizeQ8KAVX2(x *float32, q *int8, sums *int32, d *float32) bool
// is quantizeQ8KAVX512 on AVX2 (without kqk): one super-block of 256
// values as quantizeSuper does, the first value of largest magnitude mx
// found by the largest |x| bits and then the first lane equal to them;
// q by QPACK with iscale = 127/(−mx), d = 1/iscale, the sums of each 16
// by VPMADDUBSW and VPMADDWD with ones, then VPHADDD twice over two
// 32s. It returns false, writing nothing, when the largest |x| is 0,
// ±Inf or NaN, for the Go loop.
TEXT ·quantizeQ8KAVX2(SB), NOSPLIT, $0-33
	MOVQ x+0(FP), SI
	MOVQ q+8(FP), DI
	MOVQ sums+16(FP), R9
	MOVQ d+24(FP), R10
	VPBROADCASTD ·i8abs(SB), Y15
	VPXOR Y4, Y4, Y4
	XORQ BX, BX
q8k2max:
	VPAND (SI)(BX*4), Y15, Y5
	VPMAXUD Y5, Y4, Y4
	VPAND 32(SI)(BX*4), Y15, Y6
	VPMAXUD Y6, Y4, Y4
	ADDQ $16, BX
	CMPQ BX, $256
	JB   q8k2max
	REDUCE8(Y4, X4, X5, VPMAXUD)
	VMOVD X4, AX
	TESTL AX, AX
	JZ   q8k2go
	CMPL AX, $0x7f800000
	JAE  q8k2go
	VPBROADCASTD X4, Y4
	XORQ BX, BX
q8k2find:
	VPAND (SI)(BX*4), Y15, Y5
	VPCMPEQD Y4, Y5, Y5
	VMOVMSKPS Y5, AX
	TESTL AX, AX
	JNZ  q8k2found
	ADDQ $8, BX
	JMP  q8k2find
q8k2found:
	BSFL AX, AX
	ADDQ AX, BX
	VXORPS X5, X5, X5
	VSUBSS (SI)(BX*4), X5, X5
	VMOVSS ·i8c127(SB), X6
	VDIVSS X5, X6, X7
	MOVL $0x3f800000, AX
	VMOVD AX, X6
	VDIVSS X7, X6, X6
	VMOVSS X6, (R10)
	VBROADCASTSS X7, Y14
	VPCMPEQW Y10, Y10, Y10
	VPSRLD $24, Y10, Y10
	VPCMPEQW Y11, Y11, Y11
	VPSRLW $15, Y11, Y11
	VPBROADCASTD ·i8ones(SB), Y13
	VMOVDQU q2perm<>(SB), Y12
	MOVQ $4, CX
q8k2loop:
	VMOVUPS (SI), Y0
	VMOVUPS 32(SI), Y1
	VMOVUPS 64(SI), Y2
	VMOVUPS 96(SI), Y3
	QPACK(Y14)
	VMOVDQU Y0, (DI)
	VPMADDUBSW Y0, Y13, Y8
	VPMADDWD Y11, Y8, Y8
	VMOVUPS 128(SI), Y0
	VMOVUPS 160(SI), Y1
	VMOVUPS 192(SI), Y2
	VMOVUPS 224(SI), Y3
	QPACK(Y14)
	VMOVDQU Y0, 32(DI)
	VPMADDUBSW Y0, Y13, Y9
	VPMADDWD Y11, Y9, Y9
	VPHADDD Y9, Y8, Y8
	VPHADDD Y8, Y8, Y8
	VPERMD Y8, Y12, Y8
	VMOVDQU X8, (R9)
	ADDQ $256, SI
	ADDQ $64, DI
	ADDQ $16, R9
	DECQ CX
	JNZ  q8k2loop
	MOVB $1, ret+32(FP)
	VZEROUPPER
	RET
q8k2go:
	MOVB $0, ret+32(FP)
	VZEROUPPER
	RET

// q2perm: VPERMD indices putting the packs' quads of bytes back in order.
DATA q2perm<>+0(SB)/8, $0x0000000400000000
DATA q2perm<>+8(SB)/8, $0x0000000500000001
DATA q2perm<>+16(SB)/8, $0x0000000600000002
DATA q2perm<>+24(SB)/8, $0x0000000700000003
GLOBL q2perm<>(SB), RODATA|NOPTR, $32

// The attention rows on AVX2 (DotRows, DotRowsF16: a head's scores
// against its cached keys; AxpyRowsF16: its mix of cached values). The
// row dots run FLOOP1 with the row as the weights (F32W or F16W) and x
// as the input: Dot's order for each row, as Dot(x, row) takes x for
// the weights and FMA's product is the same either way round.
// DRARGS and DRROW2 (simd_amd64.h) load the arguments and start a row;
// DREND2 stores its sum to (R8) and moves on to the next row (R13 the
// rows' distance in bytes, R10 the rows left).
#define DREND2(row) \
	VADDPD Y9, Y8, Y8 \
	SUMY8NZ \
	MOVSD X8, (R8) \
	ADDQ $8, R8 \
	ADDQ R13, R12 \
	DECQ R10 \
	JNZ  row \
	VZEROUPPER \
	RET

// func dotRowsF32AVX2(m *float32, x *float32, stride, n, rows int, dst *float64)
// dst[r] = Σ x[i]·row r[i] (row r at m + 4·r·stride) for rows > 0 rows,
// n a positive multiple of 32, in dotF32AVX2's order.
TEXT ·dotRowsF32AVX2(SB), NOSPLIT, $0-48
	DRARGS(2)
drf32row:
	DRROW2
	FLOOP1(drf32loop, drf32next, F32W, 128)
	DREND2(drf32row)

// func dotRowsF16AVX2(m *uint16, x *float32, stride, n, rows int, dst *float64)
// is dotRowsF32AVX2 for float16 rows, each value widened exactly.
TEXT ·dotRowsF16AVX2(SB), NOSPLIT, $0-48
	DRARGS(1)
drf16row:
	DRROW2
	FLOOP1(drf16loop, drf16next, F16W, 64)
	DREND2(drf16row)

// func axpyRowsF16AVX2(dst *float32, a *float32, m *uint16, stride, n, rows int)
// is axpyRowsAVX2 for float16 rows (each value widened exactly) and n a
// positive multiple of 8: 32 values of dst at a time over all the rows,
// then 8.
TEXT ·axpyRowsF16AVX2(SB), NOSPLIT, $0-48
	ARARGS(1)
	CMPQ CX, $32
	JB   arh2eight
arh2chunk:
	VMOVUPS (DI), Y0
	VMOVUPS 32(DI), Y1
	VMOVUPS 64(DI), Y2
	VMOVUPS 96(DI), Y3
	ARROWS
arh2row:
	ARSKIP(arh2do, arh2next, Y7)
	VCVTPH2PS (SI), Y8
	VCVTPH2PS 16(SI), Y9
	VCVTPH2PS 32(SI), Y10
	VCVTPH2PS 48(SI), Y11
	VFMADD231PS Y8, Y7, Y0
	VFMADD231PS Y9, Y7, Y1
	VFMADD231PS Y10, Y7, Y2
	VFMADD231PS Y11, Y7, Y3
arh2next:
	ARNEXT(arh2row)
	VMOVUPS Y0, (DI)
	VMOVUPS Y1, 32(DI)
	VMOVUPS Y2, 64(DI)
	VMOVUPS Y3, 96(DI)
	ADDQ $128, DI
	ADDQ $64, R12
	SUBQ $32, CX
	CMPQ CX, $32
	JAE  arh2chunk
arh2eight:
	TESTQ CX, CX
	JZ   arh2done
arh2e:
	VMOVUPS (DI), Y0
	ARROWS
arh2erow:
	ARSKIP(arh2edo, arh2enext, Y7)
	VCVTPH2PS (SI), Y8
	VFMADD231PS Y8, Y7, Y0
arh2enext:
	ARNEXT(arh2erow)
	VMOVUPS Y0, (DI)
	ADDQ $32, DI
	ADDQ $16, R12
	SUBQ $8, CX
	JNZ  arh2e
arh2done:
	VZEROUPPER
	RET

// ar2idx is 0, 1, …, 31: lane numbers of a 32-value chunk, against which
// axpyRowsAVX2 compares the count left to make the last chunk's masks.
DATA ar2idx<>+0(SB)/4, $0
DATA ar2idx<>+4(SB)/4, $1
DATA ar2idx<>+8(SB)/4, $2
DATA ar2idx<>+12(SB)/4, $3
DATA ar2idx<>+16(SB)/4, $4
DATA ar2idx<>+20(SB)/4, $5
DATA ar2idx<>+24(SB)/4, $6
DATA ar2idx<>+28(SB)/4, $7
DATA ar2idx<>+32(SB)/4, $8
DATA ar2idx<>+36(SB)/4, $9
DATA ar2idx<>+40(SB)/4, $10
DATA ar2idx<>+44(SB)/4, $11
DATA ar2idx<>+48(SB)/4, $12
DATA ar2idx<>+52(SB)/4, $13
DATA ar2idx<>+56(SB)/4, $14
DATA ar2idx<>+60(SB)/4, $15
DATA ar2idx<>+64(SB)/4, $16
DATA ar2idx<>+68(SB)/4, $17
DATA ar2idx<>+72(SB)/4, $18
DATA ar2idx<>+76(SB)/4, $19
DATA ar2idx<>+80(SB)/4, $20
DATA ar2idx<>+84(SB)/4, $21
DATA ar2idx<>+88(SB)/4, $22
DATA ar2idx<>+92(SB)/4, $23
DATA ar2idx<>+96(SB)/4, $24
DATA ar2idx<>+100(SB)/4, $25
DATA ar2idx<>+104(SB)/4, $26
DATA ar2idx<>+108(SB)/4, $27
DATA ar2idx<>+112(SB)/4, $28
DATA ar2idx<>+116(SB)/4, $29
DATA ar2idx<>+120(SB)/4, $30
DATA ar2idx<>+124(SB)/4, $31
GLOBL ar2idx<>(SB), RODATA|NOPTR, $128

// func axpyRowsAVX2(dst *float32, a *float32, m *float32, stride, n, rows int)
// does dst[i] += a[j]·(row j)[i] with one rounding (Axpy's) for j = 0 …
// rows−1 in order, skipping a[j] = 0 (not NaN), row j at m + 4·j·stride
// bytes; n > 0. dst is kept in Y0…Y3 32 values at a time; a last chunk
// of fewer goes through VMASKMOVPS with the masks Y8…Y11, so nothing
// past dst or a row is read or written.
TEXT ·axpyRowsAVX2(SB), NOSPLIT, $0-48
	ARARGS(2)
	CMPQ CX, $32
	JB   ar2tail
ar2chunk:
	VMOVUPS (DI), Y0
	VMOVUPS 32(DI), Y1
	VMOVUPS 64(DI), Y2
	VMOVUPS 96(DI), Y3
	ARROWS
ar2row:
	ARSKIP(ar2do, ar2next, Y7)
	VFMADD231PS (SI), Y7, Y0
	VFMADD231PS 32(SI), Y7, Y1
	VFMADD231PS 64(SI), Y7, Y2
	VFMADD231PS 96(SI), Y7, Y3
ar2next:
	ARNEXT(ar2row)
	VMOVUPS Y0, (DI)
	VMOVUPS Y1, 32(DI)
	VMOVUPS Y2, 64(DI)
	VMOVUPS Y3, 96(DI)
	ADDQ $128, DI
	ADDQ $128, R12
	SUBQ $32, CX
	CMPQ CX, $32
	JAE  ar2chunk
ar2tail:
	TESTQ CX, CX
	JZ   ar2done
	MOVQ CX, X14
	VPBROADCASTD X14, Y14
	VMOVDQU ar2idx<>+0(SB), Y8
	VMOVDQU ar2idx<>+32(SB), Y9
	VMOVDQU ar2idx<>+64(SB), Y10
	VMOVDQU ar2idx<>+96(SB), Y11
	VPCMPGTD Y8, Y14, Y8
	VPCMPGTD Y9, Y14, Y9
	VPCMPGTD Y10, Y14, Y10
	VPCMPGTD Y11, Y14, Y11
	VMASKMOVPS (DI), Y8, Y0
	VMASKMOVPS 32(DI), Y9, Y1
	VMASKMOVPS 64(DI), Y10, Y2
	VMASKMOVPS 96(DI), Y11, Y3
	ARROWS
ar2trow:
	ARSKIP(ar2tdo, ar2tnext, Y7)
	VMASKMOVPS (SI), Y8, Y12
	VFMADD231PS Y12, Y7, Y0
	VMASKMOVPS 32(SI), Y9, Y12
	VFMADD231PS Y12, Y7, Y1
	VMASKMOVPS 64(SI), Y10, Y12
	VFMADD231PS Y12, Y7, Y2
	VMASKMOVPS 96(SI), Y11, Y12
	VFMADD231PS Y12, Y7, Y3
ar2tnext:
	ARNEXT(ar2trow)
	VMASKMOVPS Y0, Y8, (DI)
	VMASKMOVPS Y1, Y9, 32(DI)
	VMASKMOVPS Y2, Y10, 64(DI)
	VMASKMOVPS Y3, Y11, 96(DI)
ar2done:
	VZEROUPPER
	RET

// The x24 input quantizers (x24.go) on AVX2: quantizeX24AVX512 and its
// K-quant and Q6_K forms with ymm registers. Per block X24B2 takes the
// 32 values into Y0…Y3, the largest |x| as integer bits (so a NaN or
// ±Inf is above every number), s = amax/x24Max rounded up (the division
// rounded to nearest, then one ulp up when s·x24Max < amax, exact in
// float64: as x24Block), 1/s in float64 (0 when s is 0, and when a
// value is not finite, which makes s NaN), and m = round-half-even(x·(1/s))
// into Y0…Y3 as int32. The layout's terms come from m, then X24PLANES2
// writes its three bytes: each plane the low bytes of m (PACKM), then
// m = (m+128)>>8, which is (m − p)/256 for the low byte's signed value
// p, as x24Digits takes it.
//
// Registers: DI the values, SI the planes, R8 the terms, R9 the scales,
// CX the count; Y10 0xFF dwords, Y11 128 dwords, Y12 q2perm, Y13 zero,
// Y15 the abs mask, X9 x24Max in float64, R10 zero, R11 a NaN's bits.

DATA x2c128<>+0(SB)/4, $128
GLOBL x2c128<>(SB), RODATA|NOPTR, $4

#define X24ARGS2 \
	MOVQ x+0(FP), DI \
	MOVQ p+8(FP), SI \
	MOVQ t+16(FP), R8 \
	MOVQ s+24(FP), R9 \
	MOVQ n+32(FP), CX \
	VPCMPEQW Y10, Y10, Y10 \
	VPSRLD $24, Y10, Y10 \
	VPBROADCASTD x2c128<>(SB), Y11 \
	VMOVDQU q2perm<>(SB), Y12 \
	VPXOR Y13, Y13, Y13 \
	VPBROADCASTD ·i8abs(SB), Y15 \
	VMOVSS ·x24maxf(SB), X9 \
	VCVTSS2SD X9, X9, X9 \
	XORQ R10, R10 \
	MOVL $0x7fc00000, R11

// X24M8 turns the eight float32 in y (x its lower half) into m, as int32
// in place (X5, Y4, Y5 scratch; 1/s in Y8).
#define X24M8(y, x) \
	VEXTRACTF128 $1, y, X5 \
	VCVTPS2PD x, Y4 \
	VCVTPS2PD X5, Y5 \
	VMULPD Y8, Y4, Y4 \
	VMULPD Y8, Y5, Y5 \
	VCVTPD2DQY Y4, x \
	VCVTPD2DQY Y5, X5 \
	VINSERTI128 $1, X5, y, y

// X24B2 rounds block k (values at 128k(DI)) to m in Y0…Y3 and stores its
// scale to 4k(R9), leaving it in BX.
#define X24B2(k) \
	VMOVUPS (128*k)(DI), Y0 \
	VMOVUPS (128*k+32)(DI), Y1 \
	VMOVUPS (128*k+64)(DI), Y2 \
	VMOVUPS (128*k+96)(DI), Y3 \
	ABSMAX4 \
	VMOVD X4, AX \
	VDIVSS ·x24maxf(SB), X4, X5 \
	VCVTSS2SD X5, X5, X6 \
	VMULSD X9, X6, X6 \
	VCVTSS2SD X4, X4, X7 \
	VMOVD X5, BX \
	VUCOMISD X7, X6 \
	ADCL $0, BX \
	VMOVD BX, X5 \
	VCVTSS2SD X5, X5, X6 \
	VMOVSD ·x24one(SB), X7 \
	VDIVSD X6, X7, X7 \
	VMOVQ X7, DX \
	TESTL BX, BX \
	CMOVQEQ R10, DX \
	CMPL AX, $0x7f800000 \
	CMOVQCC R10, DX \
	CMOVLCC R11, BX \
	MOVL BX, (4*k)(R9) \
	VMOVQ DX, X8 \
	VBROADCASTSD X8, Y8 \
	X24M8(Y0, X0) \
	X24M8(Y1, X1) \
	X24M8(Y2, X2) \
	X24M8(Y3, X3)

// PACKM packs the low bytes of m (Y0…Y3), in order, into Y4 (Y5…Y7
// scratch); DIGITUP moves m on to the next plane's digit.
#define PACKM \
	VPAND Y10, Y0, Y4 \
	VPAND Y10, Y1, Y5 \
	VPAND Y10, Y2, Y6 \
	VPAND Y10, Y3, Y7 \
	VPACKUSDW Y5, Y4, Y4 \
	VPACKUSDW Y7, Y6, Y6 \
	VPACKUSWB Y6, Y4, Y4 \
	VPERMD Y4, Y12, Y4

#define DIGITUP \
	VPADDD Y11, Y0, Y0 \
	VPSRAD $8, Y0, Y0 \
	VPADDD Y11, Y1, Y1 \
	VPSRAD $8, Y1, Y1 \
	VPADDD Y11, Y2, Y2 \
	VPSRAD $8, Y2, Y2 \
	VPADDD Y11, Y3, Y3 \
	VPSRAD $8, Y3, Y3

// X24PLANES2 stores the block's three planes by store (ST32 or ST16S,
// the plane's bytes in Y4) at off, off+ps and off+2ps.
#define X24PLANES2(store, off, ps) \
	PACKM \
	store(off) \
	DIGITUP \
	PACKM \
	store(off+ps) \
	DIGITUP \
	PACKM \
	store(off+2*ps)

// ST32 stores the 32 bytes at off(SI); ST16S the values 0–15 at off and
// 16–31 at off+64 (Q4_0's layout).
#define ST32(off) VMOVDQU Y4, off(SI)

#define ST16S(off) \
	VMOVDQU X4, off(SI) \
	VEXTRACTI128 $1, Y4, off+64(SI)

// X24Q4BLK2 does block k of a group of four in Q4_0's layout: its lanes'
// corrections (−8 times the sums of values 4l…4l+3 and 16+4l…16+4l+3)
// to 16k(R8), then the planes.
#define X24Q4BLK2(k) \
	X24B2(k) \
	VPADDD Y2, Y0, Y4 \
	VPADDD Y3, Y1, Y5 \
	VPHADDD Y5, Y4, Y4 \
	VPHADDD Y4, Y4, Y4 \
	VPERMD Y4, Y12, Y4 \
	VPSLLD $3, X4, X4 \
	VPSUBD X4, X13, X4 \
	VMOVDQU X4, (16*k)(R8) \
	X24PLANES2(ST16S, 16*k, 128)

// X24KBLK2 does block j of a super-block in the K-quants' layout (at
// 32-byte unit pos of each plane): s·Σm to 4j(R8), from the exact sum,
// in float64, rounded once.
#define X24KBLK2(j, pos) \
	X24B2(j) \
	VPADDD Y1, Y0, Y4 \
	VPADDD Y3, Y2, Y5 \
	VPADDD Y5, Y4, Y4 \
	REDUCE8(Y4, X4, X5, VPADDD) \
	VMOVD X4, AX \
	VCVTSI2SDL AX, X5, X5 \
	VMOVD BX, X6 \
	VCVTSS2SD X6, X6, X6 \
	VMULSD X6, X5, X5 \
	VCVTSD2SS X5, X5, X5 \
	VMOVSS X5, (4*j)(R8) \
	X24PLANES2(ST32, 32*pos, 256)

// X24Q6BLK2 does block j of a super-block in Q6_K's layout (unit j of
// each plane): the corrections of its eight fours, −32 times their m
// sums, to 32j(R8).
#define X24Q6BLK2(j) \
	X24B2(j) \
	VPHADDD Y1, Y0, Y4 \
	VPHADDD Y3, Y2, Y5 \
	VPHADDD Y5, Y4, Y4 \
	VPERMD Y4, Y12, Y4 \
	VPSLLD $5, Y4, Y4 \
	VPSUBD Y4, Y13, Y4 \
	VMOVDQU Y4, (32*j)(R8) \
	X24PLANES2(ST32, 32*j, 256)

// func quantizeX24AVX2(x *float32, p *int8, t *int32, s *float32, n int)
TEXT ·quantizeX24AVX2(SB), NOSPLIT, $0-40
	X24ARGS2
x24q4loop2:
	X24Q4BLK2(0)
	X24Q4BLK2(1)
	X24Q4BLK2(2)
	X24Q4BLK2(3)
	ADDQ $512, DI
	ADDQ $384, SI
	ADDQ $64, R8
	ADDQ $16, R9
	DECQ CX
	JNZ  x24q4loop2
	VZEROUPPER
	RET

// func quantizeX24KAVX2(x *float32, p *int8, t, s *float32, n int)
TEXT ·quantizeX24KAVX2(SB), NOSPLIT, $0-40
	X24ARGS2
x24kloop2:
	X24KBLK2(0, 0)
	X24KBLK2(1, 2)
	X24KBLK2(2, 1)
	X24KBLK2(3, 3)
	X24KBLK2(4, 4)
	X24KBLK2(5, 6)
	X24KBLK2(6, 5)
	X24KBLK2(7, 7)
	ADDQ $1024, DI
	ADDQ $768, SI
	ADDQ $32, R8
	ADDQ $32, R9
	DECQ CX
	JNZ  x24kloop2
	VZEROUPPER
	RET

// func quantizeX24Q6AVX2(x *float32, p *int8, t *int32, s *float32, n int)
TEXT ·quantizeX24Q6AVX2(SB), NOSPLIT, $0-40
	X24ARGS2
x24q6loop2:
	X24Q6BLK2(0)
	X24Q6BLK2(1)
	X24Q6BLK2(2)
	X24Q6BLK2(3)
	X24Q6BLK2(4)
	X24Q6BLK2(5)
	X24Q6BLK2(6)
	X24Q6BLK2(7)
	ADDQ $1024, DI
	ADDQ $768, SI
	ADDQ $256, R8
	ADDQ $32, R9
	DECQ CX
	JNZ  x24q6loop2
	VZEROUPPER
	RET
