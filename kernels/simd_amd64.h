// Macros shared by the amd64 assembly files.

// SUMY8Y9 sums the float64 lanes Y8 and Y9 into X8 and leaves AVX.
#define SUMY8Y9 \
	VADDPD Y9, Y8, Y8 \
	SUMY8NZ \
	VZEROUPPER

// SUMY8NZ sums the float64 lanes Y8 into X8, leaving the upper halves
// (loops over rows clear them once at the end).
#define SUMY8NZ \
	VEXTRACTF128 $1, Y8, X1 \
	VADDPD X1, X8, X8 \
	VPERMILPD $1, X8, X1 \
	VADDSD X1, X8, X8

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
// kernels (AVX2 and AVX-512) run it one super-block ahead (KNEXT): the
// weights' broadcast loads of the scales then read stores that have long
// completed; unpacking through the stack right before them was ~1.6×
// slower (BenchmarkMatVec Q4_K, one thread, AVX-512).
#define KSCALES(base, sd, sm) \
	KSCALEVALS(base) \
	VMOVUPS Y0, sd(SP) \
	VMOVUPS Y1, sm(SP)

// KSCALEVALS puts the super-block at base's d·sc_j in Y0 and dmin·m_j
// in Y1 (KUNPACK's registers, and X6, X7).
#define KSCALEVALS(base) \
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
	VMULPS Y7, Y1, Y1

// PFD is how far ahead the row dots ask for the weights into L2 (see
// simd_avx512_amd64.s on prefetching); KPREFETCH asks for four lines, a
// super-block's 84–210 bytes.
#define PFD 8192

#define KPREFETCH \
	PREFETCHT1 PFD(SI) \
	PREFETCHT1 PFD+64(SI) \
	PREFETCHT1 PFD+128(SI) \
	PREFETCHT1 PFD+192(SI)

// KNEXT points R12 at the next super-block (stride bytes on), or at
// this one on the last (CX = 1), so KSCALES never reads past the row.
#define KNEXT(stride) \
	KPREFETCH \
	LEAQ stride(SI), R12 \
	CMPQ CX, $1 \
	CMOVQEQ SI, R12

// KWIDEN2 adds the AVX2 K-quant kernels' float32 partials Y4+Y5 into the
// float64 lanes Y8, Y9 and zeroes them (uses Y0, Y1).
#define KWIDEN2 \
	VADDPS Y5, Y4, Y0 \
	VCVTPS2PD X0, Y1 \
	VEXTRACTF128 $1, Y0, X0 \
	VCVTPS2PD X0, Y0 \
	VADDPD Y1, Y8, Y8 \
	VADDPD Y0, Y9, Y9 \
	VXORPS Y4, Y4, Y4 \
	VXORPS Y5, Y5, Y5

// FINISH2 ends an AVX2 row dot: the float64 lanes Y8, Y9 summed
// (SUMY8Y9) and returned (ret+24(FP)).
#define FINISH2 \
	SUMY8Y9 \
	MOVSD X8, ret+24(FP) \
	RET

// The AVX2 weight decoders (one- and four-input kernels): the 32 weights
// of a group (float types) or block (Q8_0, Q4_0; LOADD puts its scale in
// Y7) at SI as float32 in Y0..Y3. Q4W2 uses the 16-byte constants
// ·q4low2 (0x0F bytes) and ·q4eight2 (8s) of simd_avx2_amd64.s.
#define F32W \
	VMOVUPS (SI), Y0 \
	VMOVUPS 32(SI), Y1 \
	VMOVUPS 64(SI), Y2 \
	VMOVUPS 96(SI), Y3

#define F16W \
	VCVTPH2PS (SI), Y0 \
	VCVTPH2PS 16(SI), Y1 \
	VCVTPH2PS 32(SI), Y2 \
	VCVTPH2PS 48(SI), Y3

#define BF16W \
	VPMOVZXWD (SI), Y0 \
	VPMOVZXWD 16(SI), Y1 \
	VPMOVZXWD 32(SI), Y2 \
	VPMOVZXWD 48(SI), Y3 \
	VPSLLD $16, Y0, Y0 \
	VPSLLD $16, Y1, Y1 \
	VPSLLD $16, Y2, Y2 \
	VPSLLD $16, Y3, Y3

// LOADD broadcasts the block's f16 scale at SI, widened to float64, into Y7.
#define LOADD \
	MOVWLZX (SI), AX \
	VMOVD AX, X7 \
	VCVTPH2PS X7, X7 \
	VCVTSS2SD X7, X7, X7 \
	VBROADCASTSD X7, Y7

#define Q8W2 \
	LOADD \
	VPMOVSXBD 2(SI), Y0 \
	VPMOVSXBD 10(SI), Y1 \
	VPMOVSXBD 18(SI), Y2 \
	VPMOVSXBD 26(SI), Y3 \
	VCVTDQ2PS Y0, Y0 \
	VCVTDQ2PS Y1, Y1 \
	VCVTDQ2PS Y2, Y2 \
	VCVTDQ2PS Y3, Y3

// Q4W2 makes the nibbles q − 8 (uses X4, X5).
#define Q4W2 \
	LOADD \
	VMOVDQU 2(SI), X4 \
	VPSRLW $4, X4, X5 \
	VPAND ·q4low2(SB), X4, X4 \
	VPAND ·q4low2(SB), X5, X5 \
	VPSUBB ·q4eight2(SB), X4, X4 \
	VPSUBB ·q4eight2(SB), X5, X5 \
	VPMOVSXBD X4, Y0 \
	VPSHUFD $0x4e, X4, X4 \
	VPMOVSXBD X4, Y1 \
	VPMOVSXBD X5, Y2 \
	VPSHUFD $0x4e, X5, X5 \
	VPMOVSXBD X5, Y3 \
	VCVTDQ2PS Y0, Y0 \
	VCVTDQ2PS Y1, Y1 \
	VCVTDQ2PS Y2, Y2 \
	VCVTDQ2PS Y3, Y3

// KWIDEN adds the AVX-512 K-quant kernels' float32 partials Z4+Z5 into
// the float64 lanes Z8, Z9 and zeroes them (uses Z0..Z3); KFINISH sums
// the float64 lanes and returns the sum (a row dot's ret+24(FP)).
#define KWIDEN \
	VADDPS Z5, Z4, Z0 \
	VEXTRACTF32X8 $1, Z0, Y1 \
	VCVTPS2PD Y0, Z2 \
	VCVTPS2PD Y1, Z3 \
	VADDPD Z2, Z8, Z8 \
	VADDPD Z3, Z9, Z9 \
	VXORPS Z4, Z4, Z4 \
	VXORPS Z5, Z5, Z5

// WIDEN1 widens the float32 partials za into the float64 fa, fb and
// zeroes za (KWIDEN for one partial; Z1…Z3 are scratch).
#define WIDEN1(za, ya, fa, fb) \
	VEXTRACTF32X8 $1, za, Y1 \
	VCVTPS2PD ya, Z2 \
	VCVTPS2PD Y1, Z3 \
	VADDPD Z2, fa, fa \
	VADDPD Z3, fb, fb \
	VXORPS za, za, za

// WIDEN2 runs step CX > 0 times (counting CX down), widening Z4 into
// Z8, Z9 after every second and after an odd last one.
#define WIDEN2(step, loop, odd, end) \
loop: \
	step \
	DECQ CX \
	JZ   odd \
	step \
	WIDEN1(Z4, Y4, Z8, Z9) \
	DECQ CX \
	JNZ  loop \
	JMP  end \
odd: \
	WIDEN1(Z4, Y4, Z8, Z9) \
end:

// SUM512NZ sums the AVX-512 float64 accumulators Z8, Z9 into X8 (lanes
// of the two added, then halves, quarters and the last pair), leaving
// the upper halves (loops over rows clear them once at the end).
#define SUM512NZ \
	VADDPD Z9, Z8, Z8 \
	VEXTRACTF64X4 $1, Z8, Y1 \
	VADDPD Y1, Y8, Y8 \
	VEXTRACTF128 $1, Y8, X1 \
	VADDPD X1, X8, X8 \
	VPERMILPD $1, X8, X1 \
	VADDSD X1, X8, X8

#define KFINISH \
	SUM512NZ \
	VZEROUPPER \
	MOVSD X8, ret+24(FP) \
	RET

// ZERO512 clears an AVX-512 row dot's float64 lanes Z8, Z9 and float32
// partials Z4, Z5 (ZERO2 is the AVX2 set's).
#define ZERO512 \
	VXORPD Z8, Z8, Z8 \
	VXORPD Z9, Z9, Z9 \
	VXORPS Z4, Z4, Z4 \
	VXORPS Z5, Z5, Z5

// ROWSARGS, ROWSTART and ROWEND frame the AVX-512 many-row kernels
// (func(w *byte, x *float32, n, rows, rb int, out *float32), rows > 0):
// R13 the row, R11 the rows left, R14 out; x, n and rb stay in the
// arguments (the K-quant kernels' scale unpacking takes every other
// register). ROWSTART sets up a row (SI, DI, CX = n, zero partials and
// float64 lanes); ROWEND widens (widen: KWIDEN, or NOWIDEN for kernels
// that widen after every super-block), reduces as the one-row kernels
// do, stores the float32 result and loops to label.
#define ROWSARGS \
	MOVQ w+0(FP), R13 \
	MOVQ rows+24(FP), R11 \
	MOVQ out+40(FP), R14

#define ROWSTART \
	MOVQ R13, SI \
	MOVQ x+8(FP), DI \
	MOVQ n+16(FP), CX \
	ZERO512

#define ROWEND(label, widen) \
	widen \
	SUM512NZ \
	VCVTSD2SS X8, X8, X8 \
	VMOVSS X8, (R14) \
	ADDQ $4, R14 \
	ADDQ rb+32(FP), R13 \
	DECQ R11 \
	JNZ  label \
	VZEROUPPER \
	RET

// KLOOP is the loop of the K-quant kernels: the scales of the super-block
// after the current one made one ahead (sc: KSCALES, Q6KSCALES,
// Q2KSCALES or Q3KSCALES, super-blocks stride bytes apart) into the other
// pair of slots (sa0/sb0 and sa1/sb1, alternately), then block(slots,
// out, widen) on the current one, until CX runs out; the first
// super-block's scales must be in sa0, sb0 already.
#define KLOOP(loop, done, sc, block, stride, out, widen, sa0, sb0, sa1, sb1) \
loop: \
	KNEXT(stride) \
	sc(R12, sa1, sb1) \
	block(sa0, sb0, out, widen) \
	JZ   done \
	KNEXT(stride) \
	sc(R12, sa0, sb0) \
	block(sa1, sb1, out, widen) \
	JNZ  loop \
done:

// NOWIDEN is the decoders' widen step (the K-quant block macros take
// KWIDEN or KWIDEN2 for the row dots): nothing.
#define NOWIDEN

// The AVX2 decoders of Q4_1, Q5_0 and Q5_1 blocks (one- and four-input
// kernels), into Y0..Y3 as the others: each weight exact as ggml's
// dequantize_row_* makes it, q·d + m (Q4_1, Q5_1) or (q − 16)·d (Q5_0)
// as one FMA q·d + Y6 (Y6 = m, or −16·d: the product and the sum are
// exact, so the FMA rounds as ggml's product and sum do). d is in Y7;
// Y4, Y5 are temporaries. The constants ·q45nib, ·q45bit4, ·q45cnt and
// ·q45m16 are defined in simd_avx2_amd64.s.

// Q4NIB2 splits the 16 quant bytes at off(SI) into nibble dwords: Y0 =
// low nibbles of bytes 0..7 (elements 0..7), Y1 = of bytes 8..15, Y2 =
// their high nibbles (elements 16..23), Y3 (24..31).
#define Q4NIB2(off) \
	VPMOVZXBD off(SI), Y0 \
	VPMOVZXBD off+8(SI), Y1 \
	VPSRLD $4, Y0, Y2 \
	VPSRLD $4, Y1, Y3 \
	VPAND ·q45nib(SB), Y0, Y0 \
	VPAND ·q45nib(SB), Y1, Y1

// QH2 ORs the fifth bits (bit j of the u32 qh at off(SI) for element j)
// into Y0..Y3 as 16s: element j's bit moved to bit 4 by a right shift of
// qh<<4 by j (j < 16) or of qh by j − 12.
#define QH2(off) \
	VPBROADCASTD off(SI), Y5 \
	VPSRLVD ·q45cnt+64(SB), Y5, Y4 \
	VPAND ·q45bit4(SB), Y4, Y4 \
	VPOR Y4, Y2, Y2 \
	VPSRLVD ·q45cnt+96(SB), Y5, Y4 \
	VPAND ·q45bit4(SB), Y4, Y4 \
	VPOR Y4, Y3, Y3 \
	VPSLLD $4, Y5, Y5 \
	VPSRLVD ·q45cnt(SB), Y5, Y4 \
	VPAND ·q45bit4(SB), Y4, Y4 \
	VPOR Y4, Y0, Y0 \
	VPSRLVD ·q45cnt+32(SB), Y5, Y4 \
	VPAND ·q45bit4(SB), Y4, Y4 \
	VPOR Y4, Y1, Y1

// Q45FMA2 makes the weights q·d + Y6 from the quant dwords Y0..Y3.
#define Q45FMA2 \
	VCVTDQ2PS Y0, Y0 \
	VCVTDQ2PS Y1, Y1 \
	VCVTDQ2PS Y2, Y2 \
	VCVTDQ2PS Y3, Y3 \
	VFMADD213PS Y6, Y7, Y0 \
	VFMADD213PS Y6, Y7, Y1 \
	VFMADD213PS Y6, Y7, Y2 \
	VFMADD213PS Y6, Y7, Y3

// DM2 broadcasts the block's f16 d (Y7) and m (Y6) at SI.
#define DM2 \
	VCVTPH2PS (SI), X7 \
	VMOVSHDUP X7, X6 \
	VBROADCASTSS X7, Y7 \
	VBROADCASTSS X6, Y6

// Q41W2: f16 d, f16 m, qs[16].
#define Q41W2 \
	DM2 \
	Q4NIB2(4) \
	Q45FMA2

// Q50W2: f16 d, u32 qh, qs[16].
#define Q50W2 \
	VCVTPH2PS (SI), X7 \
	VBROADCASTSS X7, Y7 \
	VBROADCASTSS ·q45m16(SB), Y6 \
	VMULPS Y7, Y6, Y6 \
	Q4NIB2(6) \
	QH2(2) \
	Q45FMA2

// Q51W2: f16 d, f16 m, u32 qh, qs[16].
#define Q51W2 \
	DM2 \
	Q4NIB2(8) \
	QH2(4) \
	Q45FMA2

// X4ARGS loads a four-input kernel's arguments (func(w *byte, x
// *float32, stride, n int, acc *[64]float64 …)): SI w, DI x, R8 the
// input stride, R9 = 3·R8, CX n, BX acc.
#define X4ARGS \
	MOVQ w+0(FP), SI \
	MOVQ x+8(FP), DI \
	MOVQ stride+16(FP), R8 \
	LEAQ (R8)(R8*2), R9 \
	MOVQ n+24(FP), CX \
	MOVQ acc+32(FP), BX

// DOTARGS loads a one-row dot's arguments: SI w, DI x, CX n.
#define DOTARGS \
	MOVQ w+0(FP), SI \
	MOVQ x+8(FP), DI \
	MOVQ n+16(FP), CX

// KSTART512 loads a one-row AVX-512 kernel's arguments (SI w, DI x, CX
// n) and zeroes the partials Z4, Z5 and the float64 lanes Z8, Z9.
#define KSTART512 \
	DOTARGS \
	ZERO512

// DECARGS loads a decoder's arguments (dst in DI, src in SI, nb in CX).
#define DECARGS \
	MOVQ dst+0(FP), DI \
	MOVQ src+8(FP), SI \
	MOVQ nb+16(FP), CX

// KDOT2 and KPUT2 are the AVX2 K-quant kernels' outs: the weights zq of
// x offset xo multiplied by x into zacc (row dots), or stored to dst at
// DI (decoders).
#define KDOT2(xo, zq, zacc) \
	VFMADD231PS xo(DI), zq, zacc

#define KPUT2(xo, zq, zacc) \
	VMOVUPS zq, xo(DI)

// KDEC is a K-quant decoder's body (func(dst *float32, src *byte, nb
// int)): its constants, the first super-block's scales (sc) into slots
// sa0, sb0, then KLOOP with out storing the weights.
#define KDEC(loop, done, consts, sc, block, stride, out, sa0, sb0, sa1, sb1) \
	DECARGS \
	consts \
	sc(SI, sa0, sb0) \
	KLOOP(loop, done, sc, block, stride, out, NOWIDEN, sa0, sb0, sa1, sb1) \
	VZEROUPPER \
	RET

// KROWS is an AVX-512 many-row K-quant kernel's body (see ROWSARGS).
#define KROWS(row, loop, done, consts, sc, block, stride, out, sa0, sb0, sa1, sb1) \
	ROWSARGS \
	consts \
row: \
	ROWSTART \
	sc(SI, sa0, sb0) \
	KLOOP(loop, done, sc, block, stride, out, KWIDEN, sa0, sb0, sa1, sb1) \
	ROWEND(row, NOWIDEN)

// START1 loads an AVX2 row dot's arguments (SI w, DI x, CX n) and zeroes
// the float64 lanes Y8, Y9 and the partials Y4, Y5.
#define START1 \
	DOTARGS \
	ZERO2

// ZERO2 clears an AVX2 row dot's float64 lanes Y8, Y9 and float32
// partials Y4, Y5.
#define ZERO2 \
	VXORPD Y8, Y8, Y8 \
	VXORPD Y9, Y9, Y9 \
	VXORPS Y4, Y4, Y4 \
	VXORPS Y5, Y5, Y5

// The rows axpys (AxpyRows: dst += a[j]·row j for each row j in order).
// ARARGS loads their arguments (DI dst, R12 the first row, R13 the rows'
// distance in bytes: stride shifted left by sh, CX n, X6 zero); ARROWS
// starts the rows of a chunk of dst (BX a, SI the row, R10 rows); ARSKIP
// broadcasts a[j] into r7, or jumps to skip when it is zero (not NaN:
// x ≠ x compares unordered); ARNEXT moves to the next row and loops.
#define ARARGS(sh) \
	MOVQ dst+0(FP), DI \
	MOVQ stride+24(FP), R13 \
	SHLQ $sh, R13 \
	MOVQ n+32(FP), CX \
	MOVQ m+16(FP), R12 \
	VXORPS X6, X6, X6

// DRARGS loads the arguments of the rows dots, AVX2 and AVX-512 (R12
// the first row, R13 the rows' distance in bytes: stride shifted left
// by sh, R10 rows, R8 dst); DRROW2 starts an AVX2 row (SI the row at
// R12, DI x, CX n, zero partials).
#define DRARGS(sh) \
	MOVQ m+0(FP), R12 \
	MOVQ stride+16(FP), R13 \
	SHLQ $sh, R13 \
	MOVQ rows+32(FP), R10 \
	MOVQ dst+40(FP), R8

#define DRROW2 \
	MOVQ R12, SI \
	MOVQ x+8(FP), DI \
	MOVQ n+24(FP), CX \
	ZERO2

#define ARROWS \
	MOVQ a+8(FP), BX \
	MOVQ R12, SI \
	MOVQ rows+40(FP), R10

#define ARSKIP(do, skip, r7) \
	VMOVSS (BX), X7 \
	VUCOMISS X6, X7 \
	JNE  do \
	JPS  do \
	JMP  skip \
do: \
	VBROADCASTSS X7, r7

#define ARNEXT(rowloop) \
	ADDQ $4, BX \
	ADDQ R13, SI \
	DECQ R10 \
	JNZ  rowloop

// The K-quant int8 kernels' super-block steps (Q4_K and Q5_K, in
// simd_avx2_kquant_amd64.s and simd_avx512_kquant_amd64.s).

// KROWS0, KROWS1 and KI8FRAME name the kernels' arguments, so they
// are defined here, before any TEXT, for go vet's frame check.

// KROWS0 and KROWS1 open and close the K-quant several-rows kernels'
// loop over rows: rowreg holds the row's weights, R14 the next sum's place
// in out; each row ends with its sum in X8.
#define KROWS0(rowreg, consts) \
	MOVQ w+0(FP), rowreg \
	MOVQ out+56(FP), R14 \
	consts

#define KROWS1(rowreg, row) \
	MOVSD X8, (R14) \
	ADDQ $8, R14 \
	ADDQ rb+48(FP), rowreg \
	DECQ rows+40(FP) \
	JNZ  row \
	VZEROUPPER \
	RET

// ROWSFRAME is the frame of the several-rows int8 and x24 kernels
// (func(w *byte, q *int8, c unsafe.Pointer, d *float32, nb, rows, rb
// int, out *float64)): consts, then for each row zero, its groups of
// eight blocks by block (SI the weights, DI the input's values, R13 its
// corrections or sums, R11 its scales, CX the groups left; block ends
// with the DECQ that ends the loop), fin, and the float64 lanes of Y8
// summed to out. KI8FRAME is the frame of the K-quant int8 kernels, AVX2
// and AVX-512 (a group is a super-block), which sum into Y8 alone.
#define ROWSFRAME(consts, zero, block, fin, row, loop) \
	KROWS0(R12, consts) \
row: \
	MOVQ R12, SI \
	MOVQ q+8(FP), DI \
	MOVQ c+16(FP), R13 \
	MOVQ d+24(FP), R11 \
	MOVQ nb+32(FP), CX \
	SHRQ $3, CX \
	zero \
loop: \
	block \
	JNZ  loop \
	fin \
	SUMY8NZ \
	KROWS1(R12, row)

#define ZEROY8 VXORPD Y8, Y8, Y8
#define NOFIN

#define KI8FRAME(consts, block, row, loop) \
	ROWSFRAME(consts, ZEROY8, block, NOFIN, row, loop)

// KI8NEXT2 moves to the next super-block (stride bytes of weights) and
// counts down (the flags are DECQ's).
#define KI8NEXT2(stride) \
	KPREFETCH \
	ADDQ $stride, SI \
	ADDQ $256, DI \
	ADDQ $64, R13 \
	ADDQ $4, R11 \
	DECQ CX

// KI8ADD adds a super-block's int32 lanes yi (scales' sums) and ym (mins'
// sums), whose low halves are xi, xm, times d·dy and −dmin·dy (the
// float32 products in X6's two low lanes) into the float64 lanes ya:
// lane l of each gets the super-block's lanes l and l+4, added in int32
// (exact), each term exact in float64. extract takes the upper halves:
// VEXTRACTI128 (AVX2), or VEXTRACTI32X4 for the upper registers only
// EVEX reaches.
#define KI8ADD(xi, yi, xm, ym, ya, extract) \
	VCVTPS2PD X6, X6 \
	VPERMILPD $1, X6, X7 \
	VBROADCASTSD X6, Y6 \
	VBROADCASTSD X7, Y7 \
	extract $1, yi, X1 \
	VPADDD xi, X1, X1 \
	VCVTDQ2PD X1, Y1 \
	VFMADD231PD Y6, Y1, ya \
	extract $1, ym, X1 \
	VPADDD xm, X1, X1 \
	VCVTDQ2PD X1, Y1 \
	VFNMADD231PD Y7, Y1, ya

// KI8TERMS2 adds the super-block's lanes Y4, Y5 times d·dy and −dmin·dy
// into the float64 lanes Y8.
#define KI8TERMS2 \
	VCVTPH2PS (SI), X6 \
	VBROADCASTSS (R11), X7 \
	VMULPS X7, X6, X6 \
	KI8ADD(X4, Y4, X5, Y5, Y8, VEXTRACTI128)

// KMINS is an input's mins' sums (its sums of 16 at s0, s1; the mins
// as dwords in Y1) into ym.
#define KMINS(s0, s1, ym) \
	VMOVDQU s0, Y2 \
	VPHADDD s1, Y2, Y2 \
	VPERMQ $0xd8, Y2, Y2 \
	VPMULLD Y1, Y2, ym
