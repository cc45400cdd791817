//go:build amd64

#include "textflag.h"
#include "simd_amd64.h"

// AVX-512 row dots. Each input has two 16-lane float32 partials (Z4, Z5)
// that the products are fused-multiply-added into; every 256 elements
// (four 64-element groups of the float types, eight blocks of Q8_0 and
// Q4_0) and at the end of the row the partials are added, widened to
// float64 and added into two float64 accumulators (Z8, Z9), and zeroed.
// So each float32 partial sums at most eight products (plus the block
// scaling of Q8_0) before float64 takes over: the error stays near a
// few float32 roundings of the products (TestSIMDPrecision measures it),
// far below float32 accumulation over whole rows.
//
// simd_avx512_x4_amd64.s does the same for four inputs at once with
// exactly these operations per input, so MatMul equals MatVec bit for bit.
//
// Prefetching. The row dots ask for the weights 8 KiB ahead into L2
// (PREFETCHT1), about one line per 64 bytes they consume (the K-quants:
// KPREFETCH, four lines a super-block). Into L1 (PREFETCHT0) the weights
// push the input out of it, which long rows feel most. Measured on
// 5632-wide rows (ffn_down of a TinyLlama shape) against the streaming
// read, both cores, medians of 16–20 interleaved runs, no prefetch or
// T0 1–2 KiB ahead → T1 8 KiB ahead: F32 0.79 → 0.86, F16 0.66 → 0.79,
// BF16 0.67 → 0.75, exact Q8_0 0.57 → 0.93, x24 Q4_0 0.65 → 0.84, Q4_K
// 0.33 → 0.43, Q6_K 0.28 → 0.51, Q8_0 int8 0.85 → 0.91; 2048-wide rows
// stayed within ±4%. The Q4_0 int8 kernels, first left at T0 2 KiB
// (T1 8 KiB measured the same when the read was ~33 GB/s), decode ×1.15
// faster with T1 8 KiB when the machine reads ~55 GB/s (TinyLlama
// shape, `bench --int8-activations`, ten interleaved runs: 68 against
// 59 tokens/s).

// DRARGS (simd_amd64.h) loads the arguments of the rows dots (R12 the
// first row, R13 the rows' distance in bytes: stride shifted left by
// sh, R10 rows, R8 dst); DRROW starts a row (SI the row, DI x, CX n, zero partials);
// DRNEXT moves x on and loops over the row; DREND reduces the row as
// FINISH512 does, stores it and loops over the rows. (Defined before any
// TEXT, because they name the arguments.)
#define DRROW \
	MOVQ R12, SI \
	MOVQ x+8(FP), DI \
	MOVQ n+24(FP), CX \
	ZERO512 \
	MOVQ $4, R11

#define DRNEXT(loop) \
	ADDQ $256, DI \
	SUBQ $64, CX \
	JNZ  loop

#define DREND(rowloop) \
	KWIDEN \
	SUM512NZ \
	MOVSD X8, (R8) \
	ADDQ $8, R8 \
	ADDQ R13, R12 \
	DECQ R10 \
	JNZ  rowloop \
	VZEROUPPER \
	RET

// SMARGS loads the arguments of softmaxExpAVX512 and softmaxDivAVX512
// (x, e, a float64 s, n): x into xr, e into er, s broadcast into Z6, the
// groups of eight values into CX.
#define SMARGS(xr, er, s) \
	MOVQ x+0(FP), xr \
	MOVQ e+8(FP), er \
	VBROADCASTSD s, Z6 \
	MOVQ n+24(FP), CX \
	SHRQ $3, CX

// X24ARGS loads the arguments of the x24 quantizers (x in DI, p in SI,
// t, their corrections or s·Σm, in R8, s in R9, the count in CX) and
// their constants.
#define X24ARGS \
	MOVQ x+0(FP), DI \
	MOVQ p+8(FP), SI \
	MOVQ t+16(FP), R8 \
	MOVQ s+24(FP), R9 \
	MOVQ n+32(FP), CX \
	X24CONSTS

// ARCHUNK loads the next 64 values of dst into Z0…Z3 and starts the
// rows (ARARGS, ARROWS: simd_amd64.h). When fewer than 64 are left (CX),
// K1…K4 mask the lanes past them in every load and store, so nothing
// past dst or a row is read or written (masked-off elements of a memory
// operand do not fault).
#define ARCHUNK \
	MOVL $64, DX \
	CMPQ CX, DX \
	CMOVQLT CX, DX \
	MOVQ CX, R11 \
	LEAQ -1(DX), CX \
	MOVL $1, AX \
	SHLQ CL, AX \
	SHLQ $1, AX \
	DECQ AX \
	MOVQ R11, CX \
	KMOVQ AX, K1 \
	KSHIFTRQ $16, K1, K2 \
	KSHIFTRQ $32, K1, K3 \
	KSHIFTRQ $48, K1, K4 \
	VMOVUPS.Z (DI), K1, Z0 \
	VMOVUPS.Z 64(DI), K2, Z1 \
	VMOVUPS.Z 128(DI), K3, Z2 \
	VMOVUPS.Z 192(DI), K4, Z3 \
	ARROWS

// SCALESQ4 converts the f16 scales of the eight Q4_0 blocks at base (18
// bytes apart, all within 128 bytes) to float32 in Y14, picking the
// words with one two-table permute (index vector idx: scalesq4w).
#define SCALESQ4(base, idx) \
	VMOVDQU16 0(base), Z14 \
	VPERMT2W 64(base), idx, Z14 \
	VCVTPH2PS X14, Y14

// SCALESQ8 does it for eight Q8_0 blocks (34 bytes apart): four from
// each 128-byte half (index vector Z15 picks words 0, 17, 34, 51 of a
// half, the first block's and the fifth's: scalesq8w); it uses Z13.
#define SCALESQ8(base, idx) \
	VMOVDQU16 0(base), Z14 \
	VPERMT2W 64(base), idx, Z14 \
	VMOVDQU16 136(base), Z13 \
	VPERMT2W 200(base), idx, Z13 \
	VPUNPCKLQDQ X13, X14, X14 \
	VCVTPH2PS X14, Y14

// STEP counts a unit of work down in R11 and widens after every 4 (floats) or 8 (blocks).
#define STEP(label, units) \
	DECQ R11 \
	JNZ  label \
	KWIDEN \
	MOVQ $units, R11 \
label:

#define START(units) \
	KSTART512 \
	MOVQ $units, R11

// I8X4ARGS loads the arguments of the four-input int8 kernels (defined
// here, before any TEXT, because it names them): inputs' q at DI with
// stride R8 (R10 = 3·R8), corrections at R13, scales at R9 with stride BX
// (DX = 3·BX), CX = groups of eight blocks.
#define I8X4ARGS \
	MOVQ w+0(FP), SI \
	MOVQ q+8(FP), DI \
	MOVQ c+16(FP), R13 \
	MOVQ d+24(FP), R9 \
	MOVQ stride+32(FP), R8 \
	MOVQ nb+40(FP), CX \
	LEAQ (R8)(R8*2), R10 \
	MOVQ R8, BX \
	SHRQ $3, BX \
	LEAQ (BX)(BX*2), DX \
	SHRQ $3, CX

// REDUCE512 widens what is left and sums the float64 accumulators into
// X8 (leaving AVX); FINISH512 returns the sum (ret+24(FP)).
#define REDUCE512 \
	KWIDEN \
	SUM512NZ \
	VZEROUPPER

#define FINISH512 \
	KWIDEN \
	KFINISH

// GROUPS8 runs the eight-block groups of a Q8_0 or Q4_0 row (scales:
// SCALESQ8 or SCALESQ4 for the first group's scales, group: Q8GROUP or
// Q4GROUP, which makes the next group's ahead), alternating the two
// stack slots, and goes on to rest for the blocks left (CX mod 8).
#define GROUPS8(loop, rest, scales, group) \
	MOVQ CX, R10 \
	SHRQ $3, R10 \
	JZ   rest \
	scales(SI, Z20) \
	VMOVUPS Y14, 16(SP) \
loop: \
	group(16, 48) \
	JZ   rest \
	group(48, 16) \
	JNZ  loop

// Q8ROW is dotQ8_0AVX512's body after START: the CX blocks of the row at
// SI against x at DI into Z8/Z9 (label names as arguments, so that the
// one-row and the many-row kernels can both expand it). Q8ROW and Q4ROW
// are defined up here, before any TEXT, because go vet's frame check
// reads their 16(SP) as part of the function above them.
#define Q8ROW(loop, rest, tail, odd, next, done) \
	GROUPS8(loop, rest, SCALESQ8, Q8GROUP) \
rest: \
	ANDQ $7, CX \
	JZ   done \
	XORQ R10, R10 \
tail: \
	Q8W(0) \
	BTQ $0, R10 \
	JC   odd \
	Q8K(XS, Z6, Z4) \
	JMP  next \
odd: \
	Q8K(XS, Z6, Z5) \
next: \
	INCQ R10 \
	ADDQ $34, SI \
	ADDQ $128, DI \
	DECQ CX \
	JNZ  tail \
done:

// Q4ROW is dotQ4_0AVX512's body after START (as Q8ROW).
#define Q4ROW(loop, rest, tail, done) \
	GROUPS8(loop, rest, SCALESQ4, Q4GROUP) \
rest: \
	ANDQ $7, CX \
	JZ   done \
tail: \
	Q4W(0) \
	Q4K(XS, Z4, Z5) \
	ADDQ $18, SI \
	ADDQ $128, DI \
	DECQ CX \
	JNZ  tail \
done:

// GROUP64 fuses the weights Z0..Z3 times x at DI into Z4, Z5.
#define GROUP64 \
	VFMADD231PS (DI), Z0, Z4 \
	VFMADD231PS 64(DI), Z1, Z5 \
	VFMADD231PS 128(DI), Z2, Z4 \
	VFMADD231PS 192(DI), Z3, Z5

// The Q4_0 int8 kernels take the input in the q4 layout (see
// int8Input): per four blocks, the 16 values each block's low nibbles
// multiply, then the 16 its high nibbles do. Their weights come eight
// blocks (144 bytes) at a time: bytes 0–127 for blocks 0–3 (Q4NIBS0)
// and the eight scales, bytes 64–143 for blocks 4–7 (Q4NIBS1; 64–127
// loaded again, as the four-input kernels have no register left to keep
// them, and 128–143 as 16 bytes, so nothing past the blocks is read).
// Each gathers four blocks' 16 nibble bytes (gather indices i8g4a,
// i8g4b) into Z0 (low nibbles) and Z1 (high, by one GF(2) affine map: a
// right shift by 4; Q4SPLIT), so lanes 4k…4k+3 hold block k's; Q4NIBS0
// also makes the eight scales (as SCALESQ4, by sidx) in Y14. (Loading
// 64 bytes at 0, 16, 64 and 80 for the nibbles and again at 0 and 64
// for the scales, four of the six across two cache lines, left the int8
// row kernel ~4% slower; the x24 one measured the same.) Z10 holds 0x0F
// bytes, Z13 the shift's bit matrix.
#define Q4NIBS0(sidx) \
	VMOVDQU64 (SI), Z0 \
	VMOVDQU64 64(SI), Z1 \
	VMOVDQA64 Z0, Z14 \
	VPERMT2W Z1, sidx, Z14 \
	VCVTPH2PS X14, Y14 \
	VPERMT2B Z1, Z18, Z0 \
	Q4SPLIT

#define Q4NIBS1 \
	VMOVDQU64 64(SI), Z0 \
	VMOVDQU 128(SI), X1 \
	VPERMT2B Z1, Z19, Z0 \
	Q4SPLIT

#define Q4SPLIT \
	VGF2P8AFFINEQB $0, Z13, Z0, Z1 \
	VPANDD Z10, Z0, Z0

// Q4I8ACC adds to za four blocks' products: from the lanes' corrections
// cc (−8 times the sum of the lane's eight input values), the nibbles
// times the input's (qlo, qhi), exact in int32, then times the blocks'
// dw·dx per lane (zt) in float32.
#define Q4I8ACC(qlo, qhi, cc, zt, za) \
	VMOVDQU32 cc, Z2 \
	VPDPBUSD qlo, Z0, Z2 \
	VPDPBUSD qhi, Z1, Z2 \
	VCVTDQ2PS Z2, Z2 \
	VFMADD231PS zt, Z2, za

// Q4I8START loads the constants: Z10 the nibble mask, Z15 the scales'
// word indices, Z16/Z17 the lanes' block indices for blocks 0–3 and
// 4–7, Z18/Z19 the gather indices.
#define Q4I8START \
	VPBROADCASTD ·i8lo4(SB), Z10 \
	VPBROADCASTQ i8hi4<>(SB), Z13 \
	VMOVDQU16 scalesq4w<>(SB), Z15 \
	VMOVDQU32 i8s4<>+0(SB), Z16 \
	VMOVDQU32 i8s4<>+64(SB), Z17 \
	VMOVDQU64 i8g4a<>(SB), Z18 \
	VMOVDQU64 i8g4b<>(SB), Z19

// Q4SCALES4 makes the four inputs' dw·dx (or dw·s) of eight blocks in
// Y8, Y9, Y11, Y12 (dw in Y14; the inputs' scales at R9, stride BX, DX =
// 3·BX).
#define Q4SCALES4 \
	VMULPS (R9), Y14, Y8 \
	VMULPS (R9)(BX*1), Y14, Y9 \
	VMULPS (R9)(BX*2), Y14, Y11 \
	VMULPS (R9)(DX*1), Y14, Y12

// Q4TABLES4 spreads the four inputs' dw·dx (Y8, Y9, Y11, Y12) over four
// blocks' lanes (block indices idx) into Z20…Z23.
#define Q4TABLES4(idx) \
	VPERMPS Z8, idx, Z20 \
	VPERMPS Z9, idx, Z21 \
	VPERMPS Z11, idx, Z22 \
	VPERMPS Z12, idx, Z23

// Q4I8ACC4 is Q4I8ACC for the four inputs (q stride R8, R10 = 3·R8;
// corrections' stride R11, R12 = 3·R11), at q offset qo and correction
// offset co.
#define Q4I8ACC4(qo, co) \
	Q4I8ACC(qo(DI), qo+64(DI), co(R13), Z20, Z4) \
	Q4I8ACC(qo(DI)(R8*1), qo+64(DI)(R8*1), co(R13)(R11*1), Z21, Z5) \
	Q4I8ACC(qo(DI)(R8*2), qo+64(DI)(R8*2), co(R13)(R11*2), Z22, Z6) \
	Q4I8ACC(qo(DI)(R10*1), qo+64(DI)(R10*1), co(R13)(R12*1), Z23, Z7)

// Q4I8EIGHT adds eight blocks' products into Z4 and moves on to the next
// eight (the row kernel); Q4I8EIGHT4 does it for the four inputs into
// Z4…Z7. The kernels widen every sixteen blocks, so a float32 lane adds
// at most four products before it is widened, as Q8_0's do in eight.
// Q4PREFETCH asks for the lines of eight blocks PFD ahead (see the top
// of the file).
#define Q4PREFETCH \
	PREFETCHT1 PFD(SI) \
	PREFETCHT1 PFD+64(SI) \
	PREFETCHT1 PFD+128(SI)

#define Q4I8EIGHT \
	Q4PREFETCH \
	Q4NIBS0(Z15) \
	VMULPS (R9), Y14, Y6 \
	VPERMPS Z6, Z16, Z20 \
	Q4I8ACC(0(DI), 64(DI), 0(R13), Z20, Z4) \
	Q4NIBS1 \
	VPERMPS Z6, Z17, Z20 \
	Q4I8ACC(128(DI), 192(DI), 64(R13), Z20, Z4) \
	Q4I8ADVANCE

#define Q4I8EIGHT4 \
	Q4NIBS0(Z15) \
	Q4SCALES4 \
	Q4TABLES4(Z16) \
	Q4I8ACC4(0, 0) \
	Q4NIBS1 \
	Q4TABLES4(Z17) \
	Q4I8ACC4(128, 64) \
	Q4I8ADVANCE

#define Q4I8ADVANCE \
	ADDQ $144, SI \
	ADDQ $256, DI \
	ADDQ $128, R13 \
	ADDQ $32, R9

// The x24 kernels (x24.go) take the input as three planes of signed
// bytes, m = p0 + 256·p1 + 65536·p2 (m the value scaled to 24 bits per
// block), each plane in the q4 layout, per four blocks 384 bytes: plane
// 0's 128, plane 1's, plane 2's. Q4X24ACC adds four blocks' products of
// the input whose planes are at pk(off) into za: per plane the nibbles
// (Z0 low, Z1 high) times the plane's bytes by VPDPBUSD, plane 0 from
// the lanes' corrections cc (−8 times the sum of the lane's eight m),
// planes 2 and 1 by Horner, combined in int32 as acc0 + (acc2<<8 +
// acc1)<<8: exact, as int32 arithmetic wraps and the result fits
// (|Σ (nibble−8)·m| < 2³⁰ over a lane's eight values), then converted to
// float32 and multiply-added with the lanes' dw·s (zt). It uses Z2 and
// Z3. Q4X24EIGHT does eight blocks (as Q4I8EIGHT); Q4X24EIGHT4 does them
// for four inputs (as Q4I8EIGHT4), so MatMul rows equal MatVec's.
#define XP0(off) off(DI)
#define XP1(off) off(DI)(R8*1)
#define XP2(off) off(DI)(R8*2)
#define XP3(off) off(DI)(R10*1)

#define Q4X24ACC(pk, off, cc, zt, za) \
	VMOVDQU32 cc, Z2 \
	VPDPBUSD pk(off), Z0, Z2 \
	VPDPBUSD pk(off+64), Z1, Z2 \
	VPXORD Z3, Z3, Z3 \
	VPDPBUSD pk(off+256), Z0, Z3 \
	VPDPBUSD pk(off+320), Z1, Z3 \
	VPSLLD $8, Z3, Z3 \
	VPDPBUSD pk(off+128), Z0, Z3 \
	VPDPBUSD pk(off+192), Z1, Z3 \
	VPSLLD $8, Z3, Z3 \
	VPADDD Z3, Z2, Z2 \
	VCVTDQ2PS Z2, Z2 \
	VFMADD231PS zt, Z2, za

#define Q4X24EIGHT \
	Q4PREFETCH \
	Q4NIBS0(Z15) \
	VMULPS (R9), Y14, Y6 \
	VPERMPS Z6, Z16, Z20 \
	Q4X24ACC(XP0, 0, 0(R13), Z20, Z4) \
	Q4NIBS1 \
	VPERMPS Z6, Z17, Z20 \
	Q4X24ACC(XP0, 384, 64(R13), Z20, Z4) \
	Q4X24ADVANCE

#define Q4X24ACC4(po, co) \
	Q4X24ACC(XP0, po, co(R13), Z20, Z4) \
	Q4X24ACC(XP1, po, co(R13)(R11*1), Z21, Z5) \
	Q4X24ACC(XP2, po, co(R13)(R11*2), Z22, Z6) \
	Q4X24ACC(XP3, po, co(R13)(R12*1), Z23, Z7)

#define Q4X24EIGHT4 \
	Q4NIBS0(Z15) \
	Q4SCALES4 \
	Q4TABLES4(Z16) \
	Q4X24ACC4(0, 0) \
	Q4NIBS1 \
	Q4TABLES4(Z17) \
	Q4X24ACC4(384, 64) \
	Q4X24ADVANCE

// Q4X24ADVANCE moves past eight blocks: their weights (SI), planes (DI),
// corrections (R13) and scales (R9).
#define Q4X24ADVANCE \
	ADDQ $144, SI \
	ADDQ $768, DI \
	ADDQ $128, R13 \
	ADDQ $32, R9

// I8ARGS loads the arguments of the several-rows int8 and x24 kernels
// (w in R12, q in AX, c in BX, d in DX, the groups of eight blocks in
// R11, rows in R10, out in R8); Q4ROWS runs their rows (the row loops of
// dotQ4_0I8AVX512 and dotQ4_0X24AVX512, eight: Q4I8EIGHT or Q4X24EIGHT),
// widening every sixteen blocks, and returns.
#define I8ARGS \
	MOVQ w+0(FP), R12 \
	MOVQ q+8(FP), AX \
	MOVQ c+16(FP), BX \
	MOVQ d+24(FP), DX \
	MOVQ nb+32(FP), R11 \
	SHRQ $3, R11 \
	MOVQ rows+40(FP), R10 \
	MOVQ out+56(FP), R8

#define Q4ROWS(eight, row, loop, odd, end) \
row: \
	I8ROW \
	WIDEN2(eight, loop, odd, end) \
	I8ENDROW \
	ADDQ rb+48(FP), R12 \
	TESTQ R10, R10 \
	JNZ  row \
	VZEROUPPER \
	RET

// The float row dots (F32, F16, BF16) in two forms: for rows whose
// input fits in L1 beside the weights streaming through it, and for wide
// rows (…WideAVX512), whose weights are also asked for 512 bytes ahead
// with PREFETCHNTA, which keeps them from pushing the input out of L1
// (see wideRow). BenchmarkWideRows (5632-wide rows, both cores, medians
// of 15 interleaved rounds, fractions of the streaming read), narrow →
// wide: at 57–58 GB/s F16 0.62–0.64 → 0.64–0.65, BF16 0.63 → 0.67, F32
// 0.62–0.63 → 0.62–0.63; at 34–36 GB/s F16 0.88–0.89 → 0.87–0.89, BF16
// 0.84–0.88 → 0.89–0.91, F32 0.87 → 0.88–0.89. On 2048-wide F16 rows
// the NTA lines measured 0.01–0.03 slower at ~58 GB/s, so the narrow
// form keeps T1 alone. Both forms compute the same.
//
// FPF32 asks for the lines of 256 bytes of weights PFD ahead into L2,
// FPF16 for those of 128 bytes; the …NTA forms also ask for them 512
// bytes ahead into L1 as non-temporal.
#define FPF32 KPREFETCH

#define FPF32NTA \
	KPREFETCH \
	PREFETCHNTA 512(SI) \
	PREFETCHNTA 576(SI) \
	PREFETCHNTA 640(SI) \
	PREFETCHNTA 704(SI)

#define FPF16 \
	PREFETCHT1 PFD(SI) \
	PREFETCHT1 PFD+64(SI)

#define FPF16NTA \
	FPF16 \
	PREFETCHNTA 512(SI) \
	PREFETCHNTA 576(SI)

// FROW is the loop of the float row dots (n a positive multiple of 64
// in CX): pf asks for the weights ahead, load makes 64 of them float32
// in Z0…Z3 (F32LOAD, F16LOAD, BF16LOAD), from wstep bytes of the row.
#define FROW(loop, next, pf, load, wstep) \
loop: \
	pf \
	load \
	GROUP64 \
	STEP(next, 4) \
	ADDQ $wstep, SI \
	ADDQ $256, DI \
	SUBQ $64, CX \
	JNZ  loop

#define F32LOAD \
	VMOVUPS (SI), Z0 \
	VMOVUPS 64(SI), Z1 \
	VMOVUPS 128(SI), Z2 \
	VMOVUPS 192(SI), Z3

#define F16LOAD \
	VCVTPH2PS (SI), Z0 \
	VCVTPH2PS 32(SI), Z1 \
	VCVTPH2PS 64(SI), Z2 \
	VCVTPH2PS 96(SI), Z3

#define BF16LOAD \
	VPMOVZXWD (SI), Z0 \
	VPMOVZXWD 32(SI), Z1 \
	VPMOVZXWD 64(SI), Z2 \
	VPMOVZXWD 96(SI), Z3 \
	VPSLLD $16, Z0, Z0 \
	VPSLLD $16, Z1, Z1 \
	VPSLLD $16, Z2, Z2 \
	VPSLLD $16, Z3, Z3

// func dotF32AVX512(w *byte, x *float32, n int) float64 — n a positive multiple of 64.
TEXT ·dotF32AVX512(SB), NOSPLIT, $0-32
	START(4)
	FROW(f32loop, f32next, FPF32, F32LOAD, 256)
	FINISH512

// func dotF32WideAVX512(w *byte, x *float32, n int) float64 is dotF32AVX512 for wide rows.
TEXT ·dotF32WideAVX512(SB), NOSPLIT, $0-32
	START(4)
	FROW(f32wloop, f32wnext, FPF32NTA, F32LOAD, 256)
	FINISH512

// func dotI8G64AVX512(w *byte, s *float32, x *float32, ng int) float64 —
// ng > 0 groups of 64 TLInt8 weights, group g's scale at s[g]. Each
// weight is q/s (VDIVPS: DequantizeTLInt8's division, bit for bit),
// summed as dotF32AVX512 does.
TEXT ·dotI8G64AVX512(SB), NOSPLIT, $0-40
	MOVQ w+0(FP), SI
	MOVQ s+8(FP), DX
	MOVQ x+16(FP), DI
	MOVQ ng+24(FP), CX
	ZERO512
	MOVQ $4, R11
i8loop:
	VBROADCASTSS (DX), Z7
	VPMOVSXBD (SI), Z0
	VPMOVSXBD 16(SI), Z1
	VPMOVSXBD 32(SI), Z2
	VPMOVSXBD 48(SI), Z3
	VCVTDQ2PS Z0, Z0
	VCVTDQ2PS Z1, Z1
	VCVTDQ2PS Z2, Z2
	VCVTDQ2PS Z3, Z3
	VDIVPS Z7, Z0, Z0
	VDIVPS Z7, Z1, Z1
	VDIVPS Z7, Z2, Z2
	VDIVPS Z7, Z3, Z3
	GROUP64
	STEP(i8next, 4)
	ADDQ $64, SI
	ADDQ $4, DX
	ADDQ $256, DI
	DECQ CX
	JNZ  i8loop
	REDUCE512
	MOVSD X8, ret+32(FP)
	RET

// func dotF16AVX512(w *byte, x *float32, n int) float64 — n a positive multiple of 64.
TEXT ·dotF16AVX512(SB), NOSPLIT, $0-32
	START(4)
	FROW(f16loop, f16next, FPF16, F16LOAD, 128)
	FINISH512

// func dotF16WideAVX512(w *byte, x *float32, n int) float64 is dotF16AVX512 for wide rows.
TEXT ·dotF16WideAVX512(SB), NOSPLIT, $0-32
	START(4)
	FROW(f16wloop, f16wnext, FPF16NTA, F16LOAD, 128)
	FINISH512

// func dotBF16AVX512(w *byte, x *float32, n int) float64 — n a positive multiple of 64.
TEXT ·dotBF16AVX512(SB), NOSPLIT, $0-32
	START(4)
	FROW(bf16loop, bf16next, FPF16, BF16LOAD, 128)
	FINISH512

// func dotBF16WideAVX512(w *byte, x *float32, n int) float64 is dotBF16AVX512 for wide rows.
TEXT ·dotBF16WideAVX512(SB), NOSPLIT, $0-32
	START(4)
	FROW(bf16wloop, bf16wnext, FPF16NTA, BF16LOAD, 128)
	FINISH512

// D7 broadcasts the f16 scale at off(SI) into Z7 (VCVTPH2PS reads four
// halves from d: the block goes on past them).
#define D7(off) \
	VCVTPH2PS off(SI), X7 \
	VBROADCASTSS X7, Z7

// Q8W loads the Q8_0 block at off(SI): the quants as floats in Z0 (0..15)
// and Z1 (16..31), d in Z7.
#define Q8W(off) \
	VPMOVSXBD off+2(SI), Z0 \
	VPMOVSXBD off+18(SI), Z1 \
	VCVTDQ2PS Z0, Z0 \
	VCVTDQ2PS Z1, Z1 \
	D7(off)

// Q8K: Z4 += d·(q·x) for one input at xk (block products in zt).
#define Q8K(xk, zt, za) \
	VMULPS xk(0), Z0, zt \
	VFMADD231PS xk(64), Z1, zt \
	VFMADD231PS Z7, zt, za

#define XS(off) off(DI)

// Q8BLK does block b of an eight-block group (its scale at slot+4b(SP)):
// the quants as floats in z0, z1, times x into zt, times d into za.
#define Q8BLK(slot, b, z0, z1, zt, za) \
	VPMOVSXBD (34*b+2)(SI), z0 \
	VPMOVSXBD (34*b+18)(SI), z1 \
	VCVTDQ2PS z0, z0 \
	VCVTDQ2PS z1, z1 \
	VMULPS (128*b)(DI), z0, zt \
	VFMADD231PS (128*b+64)(DI), z1, zt \
	VFMADD231PS.BCST (slot+4*b)(SP), zt, za

// NEXTSCALES points R12 at the next eight-block group (stride bytes on),
// or back at this one when this is the last (R10 = 1), so the next
// group's scales are converted and stored (to the other stack slot) one
// group ahead: a block's broadcast load of its scale then reads a store
// that has long completed, not one still in flight (loading the scales
// right after storing them measured ~12% slower: BenchmarkMatVec Q4_0,
// one thread).
#define NEXTSCALES(stride) \
	LEAQ stride(SI), R12 \
	CMPQ R10, $1 \
	CMOVQEQ SI, R12

// Q8GROUP and Q4GROUP do an eight-block group with its scales in slot
// cur while storing the next group's in slot nxt, and count the groups
// down in R10 (the flags are DECQ's).
#define Q8GROUP(cur, nxt) \
	KPREFETCH \
	PREFETCHT1 PFD+256(SI) \
	NEXTSCALES(272) \
	SCALESQ8(R12, Z20) \
	VMOVUPS Y14, nxt(SP) \
	Q8BLK(cur, 0, Z0, Z1, Z6, Z4) \
	Q8BLK(cur, 1, Z2, Z3, Z13, Z5) \
	Q8BLK(cur, 2, Z0, Z1, Z6, Z4) \
	Q8BLK(cur, 3, Z2, Z3, Z13, Z5) \
	Q8BLK(cur, 4, Z0, Z1, Z6, Z4) \
	Q8BLK(cur, 5, Z2, Z3, Z13, Z5) \
	Q8BLK(cur, 6, Z0, Z1, Z6, Z4) \
	Q8BLK(cur, 7, Z2, Z3, Z13, Z5) \
	KWIDEN \
	ADDQ $272, SI \
	ADDQ $1024, DI \
	DECQ R10

#define Q4GROUP(cur, nxt) \
	PREFETCHT0 1024(SI) \
	PREFETCHT0 1088(SI) \
	PREFETCHT0 1152(SI) \
	NEXTSCALES(144) \
	SCALESQ4(R12, Z20) \
	VMOVUPS Y14, nxt(SP) \
	Q4BLK(cur, 0, Z6, Z0, Z1) \
	Q4BLK(cur, 1, Z13, Z2, Z3) \
	Q4BLK(cur, 2, Z6, Z0, Z1) \
	Q4BLK(cur, 3, Z13, Z2, Z3) \
	Q4BLK(cur, 4, Z6, Z0, Z1) \
	Q4BLK(cur, 5, Z13, Z2, Z3) \
	Q4BLK(cur, 6, Z6, Z0, Z1) \
	Q4BLK(cur, 7, Z13, Z2, Z3) \
	KWIDEN \
	ADDQ $144, SI \
	ADDQ $1024, DI \
	DECQ R10

// func dotQ8_0AVX512(w *byte, x *float32, n int) float64 — n > 0 blocks.
// Even blocks (counting from the row's start) go into Z4, odd ones into
// Z5, so two chains of dependent FMAs run side by side. Eight blocks (a
// widening period) per iteration: their f16 scales are gathered and
// converted together first (SCALESQ8), so each block takes d by a
// broadcast load; the tail takes the blocks one at a time (Q8W, Q8K),
// with the same results.
TEXT ·dotQ8_0AVX512(SB), NOSPLIT, $80-32
	START(4)
	VMOVDQU16 scalesq8w<>(SB), Z20
	Q8ROW(q8loop, q8rest, q8tail, q8odd, q8next, q8done)
	FINISH512

// func dotQ8_0RowsAVX512(w *byte, x *float32, n, rows, rb int, out *float32)
// is dotQ8_0AVX512 for rows > 0 rows rb bytes apart, out[r] = the r-th
// row's dot rounded to float32 (as MatVec rounds it): one call per chunk
// of rows instead of one per row, and each row's reduction overlaps the
// next row's products.
TEXT ·dotQ8_0RowsAVX512(SB), NOSPLIT, $80-48
	ROWSARGS
	VMOVDQU16 scalesq8w<>(SB), Z20
q8row:
	ROWSTART
	Q8ROW(q8rloop, q8rrest, q8rtail, q8rodd, q8rnext, q8rdone)
	ROWEND(q8row, KWIDEN)

// Q4W decodes the Q4_0 block at off(SI) into Z0 (elements 0..15, low
// nibbles) and Z1 (16..31, high nibbles) as d·(q−8): exact in float32,
// ggml's dequantized values, looked up by VPERMPS (which uses the low
// four bits of each index, so the low nibble needs no mask) in the table
// Z15 (−8…7) scaled by d.
#define Q4W(off) \
	D7(off) \
	VMULPS Z15, Z7, Z6 \
	VPMOVZXBD off+2(SI), Z0 \
	VPSRLD $4, Z0, Z1 \
	VPERMPS Z6, Z0, Z0 \
	VPERMPS Z6, Z1, Z1

#define Q4K(xk, za, zb) \
	VFMADD231PS xk(0), Z0, za \
	VFMADD231PS xk(64), Z1, zb

// Q4BLK is Q4W and Q4K for block b of an eight-block group, with the
// scale from slot+4b(SP) and the table in zt, the weights in z0, z1.
#define Q4BLK(slot, b, zt, z0, z1) \
	VMULPS.BCST (slot+4*b)(SP), Z15, zt \
	VPMOVZXBD (18*b+2)(SI), z0 \
	VPSRLD $4, z0, z1 \
	VPERMPS zt, z0, z0 \
	VPERMPS zt, z1, z1 \
	VFMADD231PS (128*b)(DI), z0, Z4 \
	VFMADD231PS (128*b+64)(DI), z1, Z5

// func dotQ4_0AVX512(w *byte, x *float32, n int) float64 — n > 0 blocks.
// Eight blocks (a widening period) per iteration: their eight f16 scales
// are first copied to the stack and converted together, so each block
// takes d by a broadcast load instead of a conversion and a shuffle; the
// products are those of Q4W and Q4K block by block (dot4Q4_0AVX512
// decodes one block at a time and gets the same bits).
TEXT ·dotQ4_0AVX512(SB), NOSPLIT, $80-32
	START(4)
	VMOVUPS q4tab<>(SB), Z15
	VMOVDQU16 scalesq4w<>(SB), Z20
	Q4ROW(q4loop, q4rest, q4tail, q4done)
	FINISH512

// func dotQ4_0RowsAVX512(w *byte, x *float32, n, rows, rb int, out *float32)
// is dotQ4_0AVX512 for many rows (as dotQ8_0RowsAVX512).
TEXT ·dotQ4_0RowsAVX512(SB), NOSPLIT, $80-48
	ROWSARGS
	VMOVUPS q4tab<>(SB), Z15
	VMOVDQU16 scalesq4w<>(SB), Z20
q4row:
	ROWSTART
	Q4ROW(q4rloop, q4rrest, q4rtail, q4rdone)
	ROWEND(q4row, KWIDEN)

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

// func axpyAVX512(dst *float32, a float32, x *float32, n int) — n a positive multiple of 16:
// dst[i] = fma(a, x[i], dst[i]), one rounding per element.
TEXT ·axpyAVX512(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	VBROADCASTSS a+8(FP), Z7
	MOVQ x+16(FP), SI
	MOVQ n+24(FP), CX
axpyloop:
	VMOVUPS (DI), Z0
	VFMADD231PS (SI), Z7, Z0
	VMOVUPS Z0, (DI)
	ADDQ $64, DI
	ADDQ $64, SI
	SUBQ $16, CX
	JNZ  axpyloop
	VZEROUPPER
	RET

// Int8-input row dots (int8.go): the weights as unsigned bytes times the
// input's int8 values by VPDPBUSD into int32 lanes that start from the
// input's correction, so each lane holds an exact partial of Σ w·q.
// Q8_0: two blocks at a time, their values + 128 in Z0 (the correction
// is −128 times the lane's sum of inputs), sixteen lanes of four
// products. Q4_0: four blocks at a time (Q4NIBS0, Q4NIBS1), low nibbles times
// the input's values 0–15 and high nibbles times 16–31 (the input in the
// q4 layout) into the same sixteen lanes, four per block, each of eight
// products (the correction is −8 times their inputs' sum). The lanes are
// converted to float32 and multiply-added with their block's dw·dx
// (eight blocks' scales converted together, times dx, spread over the
// lanes by VPERMPS with the index vectors Z16…Z17 or Z19) into Z4,
// widened to float64 every eight blocks (sixteen for Q4_0: in both, four
// products per float32 lane). The four-input kernels (MatMul)
// do exactly these operations for each input, so MatMul rows are
// bit-identical to MatVec on this path too.
//
// func dotQ4_0I8AVX512(w *byte, q *int8, c *int32, d *float32, nb, rows, rb int, out *float64)
// func dotQ8_0I8AVX512(w *byte, q *int8, c *int32, d *float32, nb, rows, rb int, out *float64)
// out[k] = the first nb blocks of row k (at w + k·rb) times the input, for
// rows > 0 rows; nb a positive multiple of 8. For Q4_0, q and c are the
// input's q4 and c4 (see int8Input), for Q8_0 its q and c128.

// I8SUM adds the products of a pair of blocks (weights in Z0, input at
// off(DI), correction at off(R13)) into za.
#define I8SUM(off, idx, za) \
	VMOVDQU32 off(R13), Z2 \
	VPDPBUSD off(DI), Z0, Z2 \
	VPERMPS Z6, idx, Z3 \
	VCVTDQ2PS Z2, Z2 \
	VFMADD231PS Z3, Z2, za

// I8START loads the index vectors; I8ROW starts a row: the input's
// pointers again (q, c, d kept in AX, BX, DX), CX = its groups of eight
// blocks (kept in R11), SI = the row (R12), and zero partials.
#define I8START \
	VMOVDQU32 i8idx<>+0(SB), Z16 \
	VMOVDQU32 i8idx<>+64(SB), Z17 \
	VMOVDQU32 i8idx<>+128(SB), Z18 \
	VMOVDQU32 i8idx<>+192(SB), Z19

#define I8ROW \
	MOVQ AX, DI \
	MOVQ BX, R13 \
	MOVQ DX, R9 \
	MOVQ R11, CX \
	MOVQ R12, SI \
	VXORPD Z8, Z8, Z8 \
	VXORPD Z9, Z9, Z9 \
	VXORPS Z4, Z4, Z4

// I8ENDROW stores the row's sum to (R8) and counts the rows down in R10
// (the caller then moves R12 to the next row and loops).
#define I8ENDROW \
	SUM512NZ \
	MOVSD X8, (R8) \
	ADDQ $8, R8 \
	DECQ R10

// I8NEXT widens, advances past eight blocks of bb bytes (and the
// correction by cstep) and loops.
#define I8NEXT(bb, cstep, label) \
	WIDEN1(Z4, Y4, Z8, Z9) \
	ADDQ $(8*bb), SI \
	ADDQ $256, DI \
	ADDQ cstep, R13 \
	ADDQ $32, R9 \
	DECQ CX \
	JNZ  label

TEXT ·dotQ4_0I8AVX512(SB), NOSPLIT, $0-64
	I8ARGS
	Q4I8START
	Q4ROWS(Q4I8EIGHT, q4i8row, q4i8loop, q4i8odd, q4i8end)

// func dotQ4_0X24AVX512(w *byte, p *int8, c *int32, s *float32, nb, rows, rb int, out *float64)
// is dotQ4_0I8AVX512 for the x24 input (x24.go): p its planes, c its
// corrections, s its scales; the same frame, with Q4X24EIGHT for
// Q4I8EIGHT.
TEXT ·dotQ4_0X24AVX512(SB), NOSPLIT, $0-64
	I8ARGS
	Q4I8START
	Q4ROWS(Q4X24EIGHT, q4x24row, q4x24loop, q4x24odd, q4x24end)

TEXT ·dotQ8_0I8AVX512(SB), NOSPLIT, $0-64
	I8ARGS
	I8START
	VPBROADCASTD i8sign<>(SB), Z10
	VMOVDQU16 scalesq8w<>(SB), Z15
q8i8row:
	I8ROW
q8i8loop:
	KPREFETCH
	PREFETCHT1 PFD+256(SI)
	SCALESQ8(SI, Z15)
	VMULPS (R9), Y14, Y6
	VMOVDQU 2(SI), Y0
	VINSERTI64X4 $1, 36(SI), Z0, Z0
	VPXORD Z10, Z0, Z0
	I8SUM(0, Z16, Z4)
	VMOVDQU 70(SI), Y0
	VINSERTI64X4 $1, 104(SI), Z0, Z0
	VPXORD Z10, Z0, Z0
	I8SUM(64, Z17, Z4)
	VMOVDQU 138(SI), Y0
	VINSERTI64X4 $1, 172(SI), Z0, Z0
	VPXORD Z10, Z0, Z0
	I8SUM(128, Z18, Z4)
	VMOVDQU 206(SI), Y0
	VINSERTI64X4 $1, 240(SI), Z0, Z0
	VPXORD Z10, Z0, Z0
	I8SUM(192, Z19, Z4)
	I8NEXT(34, $256, q8i8loop)
	I8ENDROW
	ADDQ rb+48(FP), R12
	TESTQ R10, R10
	JNZ  q8i8row
	VZEROUPPER
	RET

DATA i8sign<>+0(SB)/4, $0x80808080
GLOBL i8sign<>(SB), RODATA|NOPTR, $4

// i8idx: for pair p, lanes 0–7 take scale 2p and lanes 8–15 scale 2p+1.
DATA i8idx<>+0(SB)/4, $0
DATA i8idx<>+4(SB)/4, $0
DATA i8idx<>+8(SB)/4, $0
DATA i8idx<>+12(SB)/4, $0
DATA i8idx<>+16(SB)/4, $0
DATA i8idx<>+20(SB)/4, $0
DATA i8idx<>+24(SB)/4, $0
DATA i8idx<>+28(SB)/4, $0
DATA i8idx<>+32(SB)/4, $1
DATA i8idx<>+36(SB)/4, $1
DATA i8idx<>+40(SB)/4, $1
DATA i8idx<>+44(SB)/4, $1
DATA i8idx<>+48(SB)/4, $1
DATA i8idx<>+52(SB)/4, $1
DATA i8idx<>+56(SB)/4, $1
DATA i8idx<>+60(SB)/4, $1
DATA i8idx<>+64(SB)/4, $2
DATA i8idx<>+68(SB)/4, $2
DATA i8idx<>+72(SB)/4, $2
DATA i8idx<>+76(SB)/4, $2
DATA i8idx<>+80(SB)/4, $2
DATA i8idx<>+84(SB)/4, $2
DATA i8idx<>+88(SB)/4, $2
DATA i8idx<>+92(SB)/4, $2
DATA i8idx<>+96(SB)/4, $3
DATA i8idx<>+100(SB)/4, $3
DATA i8idx<>+104(SB)/4, $3
DATA i8idx<>+108(SB)/4, $3
DATA i8idx<>+112(SB)/4, $3
DATA i8idx<>+116(SB)/4, $3
DATA i8idx<>+120(SB)/4, $3
DATA i8idx<>+124(SB)/4, $3
DATA i8idx<>+128(SB)/4, $4
DATA i8idx<>+132(SB)/4, $4
DATA i8idx<>+136(SB)/4, $4
DATA i8idx<>+140(SB)/4, $4
DATA i8idx<>+144(SB)/4, $4
DATA i8idx<>+148(SB)/4, $4
DATA i8idx<>+152(SB)/4, $4
DATA i8idx<>+156(SB)/4, $4
DATA i8idx<>+160(SB)/4, $5
DATA i8idx<>+164(SB)/4, $5
DATA i8idx<>+168(SB)/4, $5
DATA i8idx<>+172(SB)/4, $5
DATA i8idx<>+176(SB)/4, $5
DATA i8idx<>+180(SB)/4, $5
DATA i8idx<>+184(SB)/4, $5
DATA i8idx<>+188(SB)/4, $5
DATA i8idx<>+192(SB)/4, $6
DATA i8idx<>+196(SB)/4, $6
DATA i8idx<>+200(SB)/4, $6
DATA i8idx<>+204(SB)/4, $6
DATA i8idx<>+208(SB)/4, $6
DATA i8idx<>+212(SB)/4, $6
DATA i8idx<>+216(SB)/4, $6
DATA i8idx<>+220(SB)/4, $6
DATA i8idx<>+224(SB)/4, $7
DATA i8idx<>+228(SB)/4, $7
DATA i8idx<>+232(SB)/4, $7
DATA i8idx<>+236(SB)/4, $7
DATA i8idx<>+240(SB)/4, $7
DATA i8idx<>+244(SB)/4, $7
DATA i8idx<>+248(SB)/4, $7
DATA i8idx<>+252(SB)/4, $7
GLOBL i8idx<>(SB), RODATA|NOPTR, $256

// scalesq4w, scalesq8w: word indices of the scales (see SCALESQ4, SCALESQ8).
DATA scalesq4w<>+0(SB)/4, $0x00090000
DATA scalesq4w<>+4(SB)/4, $0x001b0012
DATA scalesq4w<>+8(SB)/4, $0x002d0024
DATA scalesq4w<>+12(SB)/4, $0x003f0036
DATA scalesq4w<>+16(SB)/4, $0x00000000
DATA scalesq4w<>+20(SB)/4, $0x00000000
DATA scalesq4w<>+24(SB)/4, $0x00000000
DATA scalesq4w<>+28(SB)/4, $0x00000000
DATA scalesq4w<>+32(SB)/4, $0x00000000
DATA scalesq4w<>+36(SB)/4, $0x00000000
DATA scalesq4w<>+40(SB)/4, $0x00000000
DATA scalesq4w<>+44(SB)/4, $0x00000000
DATA scalesq4w<>+48(SB)/4, $0x00000000
DATA scalesq4w<>+52(SB)/4, $0x00000000
DATA scalesq4w<>+56(SB)/4, $0x00000000
DATA scalesq4w<>+60(SB)/4, $0x00000000
GLOBL scalesq4w<>(SB), RODATA|NOPTR, $64
DATA scalesq8w<>+0(SB)/4, $0x00110000
DATA scalesq8w<>+4(SB)/4, $0x00330022
DATA scalesq8w<>+8(SB)/4, $0x00000000
DATA scalesq8w<>+12(SB)/4, $0x00000000
DATA scalesq8w<>+16(SB)/4, $0x00000000
DATA scalesq8w<>+20(SB)/4, $0x00000000
DATA scalesq8w<>+24(SB)/4, $0x00000000
DATA scalesq8w<>+28(SB)/4, $0x00000000
DATA scalesq8w<>+32(SB)/4, $0x00000000
DATA scalesq8w<>+36(SB)/4, $0x00000000
DATA scalesq8w<>+40(SB)/4, $0x00000000
DATA scalesq8w<>+44(SB)/4, $0x00000000
DATA scalesq8w<>+48(SB)/4, $0x00000000
DATA scalesq8w<>+52(SB)/4, $0x00000000
DATA scalesq8w<>+56(SB)/4, $0x00000000
DATA scalesq8w<>+60(SB)/4, $0x00000000
GLOBL scalesq8w<>(SB), RODATA|NOPTR, $64

// Four-input int8 kernels for MatMul: one weight row against the int8
// inputs q, q+stride, q+2·stride, q+3·stride (corrections c likewise
// for Q8_0, at stride/2 bytes for Q4_0's c4; scales d at stride/8
// bytes), each weight pair decoded once. For each
// input the operations are those of the one-input kernel above, so the
// results (out[k]) are bit-identical to it. Registers: input k's float32
// partials Z4+k, float64 accumulators Z24+2k, Z25+2k, scale table Z20+k.
//
// func dot4Q4_0I8AVX512(w *byte, q *int8, c *int32, d *float32, stride, nb int, out *[4]float64)
// func dot4Q8_0I8AVX512(w *byte, q *int8, c *int32, d *float32, stride, nb int, out *[4]float64)

// SUMK sums the float64 accumulators fa, fb (as SUM512NZ does) into
// off(AX).
#define SUMK(fa, fb, off) \
	VADDPD fb, fa, fa \
	VEXTRACTF64X4 $1, fa, Y1 \
	VMOVAPD fa, Z2 \
	VADDPD Y1, Y2, Y2 \
	VEXTRACTF128 $1, Y2, X1 \
	VADDPD X1, X2, X2 \
	VPERMILPD $1, X2, X1 \
	VADDSD X1, X2, X2 \
	VMOVSD X2, off(AX)

// I8SUMK adds input k's products of a pair (weights in Z0; input at qa,
// correction at ca) into its partials za, with its scale table zt.
#define I8SUMK(qa, ca, zt, idx, za) \
	VMOVDQU32 ca, Z2 \
	VPDPBUSD qa, Z0, Z2 \
	VPERMPS zt, idx, Z3 \
	VCVTDQ2PS Z2, Z2 \
	VFMADD231PS Z3, Z2, za

// I8SUM4 is I8SUMK for the four inputs (q and c stride R8; R10 = 3·R8).
#define I8SUM4(off, idx) \
	I8SUMK(off(DI), off(R13), Z20, idx, Z4) \
	I8SUMK(off(DI)(R8*1), off(R13)(R8*1), Z21, idx, Z5) \
	I8SUMK(off(DI)(R8*2), off(R13)(R8*2), Z22, idx, Z6) \
	I8SUMK(off(DI)(R10*1), off(R13)(R10*1), Z23, idx, Z7)

// Q8TABLES4 makes the four inputs' scale tables from the weights'
// scales in Y14 (scales d at R9, stride BX; DX = 3·BX).
#define Q8TABLES4 \
	VMULPS (R9), Y14, Y20 \
	VMULPS (R9)(BX*1), Y14, Y21 \
	VMULPS (R9)(BX*2), Y14, Y22 \
	VMULPS (R9)(DX*1), Y14, Y23

#define ZERO4I8 \
	VXORPS Z4, Z4, Z4 \
	VXORPS Z5, Z5, Z5 \
	VXORPS Z6, Z6, Z6 \
	VXORPS Z7, Z7, Z7 \
	VXORPD Z24, Z24, Z24 \
	VXORPD Z25, Z25, Z25 \
	VXORPD Z26, Z26, Z26 \
	VXORPD Z27, Z27, Z27 \
	VXORPD Z28, Z28, Z28 \
	VXORPD Z29, Z29, Z29 \
	VXORPD Z30, Z30, Z30 \
	VXORPD Z31, Z31, Z31

#define WIDEN4I8 \
	WIDEN1(Z4, Y4, Z24, Z25) \
	WIDEN1(Z5, Y5, Z26, Z27) \
	WIDEN1(Z6, Y6, Z28, Z29) \
	WIDEN1(Z7, Y7, Z30, Z31)

#define SUMK4 \
	SUMK(Z24, Z25, 0) \
	SUMK(Z26, Z27, 8) \
	SUMK(Z28, Z29, 16) \
	SUMK(Z30, Z31, 24)

// Q4X4ROWS is the frame of the four-input Q4_0 kernels (eight:
// Q4I8EIGHT4 or Q4X24EIGHT4), as Q4ROWS is of the one-input ones:
// corrections' stride R11 = half the q stride (c4, c24: an int32 per
// eight values), R12 = 3·R11; qscale scales the q stride (R8, R10 =
// 3·R8) for the input's layout; widening every sixteen blocks.
#define Q4X4ROWS(eight, qscale, loop, odd, end) \
	I8X4ARGS \
	MOVQ R8, R11 \
	SHRQ $1, R11 \
	LEAQ (R11)(R11*2), R12 \
	qscale \
	Q4I8START \
	ZERO4I8 \
loop: \
	eight \
	DECQ CX \
	JZ   odd \
	eight \
	WIDEN4I8 \
	DECQ CX \
	JNZ  loop \
	JMP  end \
odd: \
	WIDEN4I8 \
end: \
	MOVQ out+48(FP), AX \
	SUMK4 \
	VZEROUPPER \
	RET

// The q4 layout: a byte per value (R8, R10 as I8X4ARGS set them); the
// x24 planes: three (R8 = 3·stride, R10 = 9·stride).
#define Q4STRIDES

#define X24STRIDES \
	LEAQ (R8)(R8*2), R8 \
	LEAQ (R8)(R8*2), R10

TEXT ·dot4Q4_0I8AVX512(SB), NOSPLIT, $0-56
	Q4X4ROWS(Q4I8EIGHT4, Q4STRIDES, q4x4loop, q4x4odd, q4x4end)

// func dot4Q4_0X24AVX512(w *byte, p *int8, c unsafe.Pointer, s *float32, stride, nb int, out *[4]float64)
// is dot4Q4_0I8AVX512 for the x24 input: p its planes, c its
// corrections, s its scales, stride its values per row.
TEXT ·dot4Q4_0X24AVX512(SB), NOSPLIT, $0-56
	Q4X4ROWS(Q4X24EIGHT4, X24STRIDES, q4x24x4loop, q4x24x4odd, q4x24x4end)

TEXT ·dot4Q8_0I8AVX512(SB), NOSPLIT, $0-56
	I8X4ARGS
	VMOVDQU32 i8idx<>+0(SB), Z16
	VMOVDQU32 i8idx<>+64(SB), Z17
	VMOVDQU32 i8idx<>+128(SB), Z18
	VMOVDQU32 i8idx<>+192(SB), Z19
	ZERO4I8
	VPBROADCASTD i8sign<>(SB), Z12
	VMOVDQU16 scalesq8w<>(SB), Z15
q8x4loop:
	SCALESQ8(SI, Z15)
	Q8TABLES4
	VMOVDQU 2(SI), Y0
	VINSERTI64X4 $1, 36(SI), Z0, Z0
	VPXORD Z12, Z0, Z0
	I8SUM4(0, Z16)
	VMOVDQU 70(SI), Y0
	VINSERTI64X4 $1, 104(SI), Z0, Z0
	VPXORD Z12, Z0, Z0
	I8SUM4(64, Z17)
	VMOVDQU 138(SI), Y0
	VINSERTI64X4 $1, 172(SI), Z0, Z0
	VPXORD Z12, Z0, Z0
	I8SUM4(128, Z18)
	VMOVDQU 206(SI), Y0
	VINSERTI64X4 $1, 240(SI), Z0, Z0
	VPXORD Z12, Z0, Z0
	I8SUM4(192, Z19)
	WIDEN4I8
	ADDQ $272, SI
	ADDQ $256, DI
	ADDQ $256, R13
	ADDQ $32, R9
	DECQ CX
	JNZ  q8x4loop
	MOVQ out+48(FP), AX
	SUMK4
	VZEROUPPER
	RET

// ABSMAX puts the largest |value| of the 32 float32 in Z0, Z1 into X2
// (absmask: 0x7fffffff in every lane; Z3 is scratch), comparing their
// bits as integers: the same order for numbers, and a NaN's bits are
// above +Inf's, so a NaN wins (VMAXPS would drop it by its position).
#define ABSMAX(absmask) \
	VPANDD absmask, Z0, Z2 \
	VPANDD absmask, Z1, Z3 \
	VPMAXUD Z3, Z2, Z2 \
	REDUCE16(Z2, Y2, X2, Y3, X3, VPMAXUD, VEXTRACTI32X8, VEXTRACTI128, VPSHUFD)

// REDUCE16 folds the 16 dword lanes of z (y, x its lower halves) into
// lane 0 of x by op (VMAXPS, VPADDD …): halves, quarters, then pairs by
// shuf (VPERMILPS, VPSHUFD); ext8 and ext4 extract the upper halves,
// into ty and tx.
#define REDUCE16(z, y, x, ty, tx, op, ext8, ext4, shuf) \
	ext8 $1, z, ty \
	op ty, y, y \
	ext4 $1, y, tx \
	op tx, x, x \
	shuf $0x4E, x, tx \
	op tx, x, x \
	shuf $0xB1, x, tx \
	op tx, x, x

// func quantizeQ8AVX512(x *float32, q *int8, d *float32, c8, c128, sums *int32, nb int)
// quantizes nb blocks of 32 exactly as quantizeBlock does (int8.go): amax,
// d = amax/127 through float16, q = round-half-even(x·(127/amax)) (the
// conversion's default rounding), the quads' sums by VPDPBUSD with ones,
// the corrections and the block sums.
TEXT ·quantizeQ8AVX512(SB), NOSPLIT, $0-56
	MOVQ x+0(FP), SI
	MOVQ q+8(FP), DI
	MOVQ d+16(FP), R9
	MOVQ c8+24(FP), R10
	MOVQ c128+32(FP), R12
	MOVQ sums+40(FP), R13
	MOVQ nb+48(FP), CX
	VPBROADCASTD ·i8abs(SB), Z15
	VMOVSS ·i8c127(SB), X14
	VPBROADCASTD ·i8ones(SB), Y13
	VPXORD Y12, Y12, Y12
quantloop:
	VMOVUPS (SI), Z0
	VMOVUPS 64(SI), Z1
	ABSMAX(Z15)
	VDIVSS X14, X2, X4
	VCVTPS2PH $0, X4, X4
	VCVTPH2PS X4, X4
	VMOVSS X4, (R9)
	VXORPS X5, X5, X5
	VUCOMISS X5, X2
	JEQ  quantzero
	VDIVSS X2, X14, X5
quantzero:
	VBROADCASTSS X5, Z5
	VMULPS Z5, Z0, Z0
	VMULPS Z5, Z1, Z1
	VCVTPS2DQ Z0, Z0
	VCVTPS2DQ Z1, Z1
	VPMOVDB Z0, X0
	VPMOVDB Z1, X1
	VMOVDQU X0, (DI)
	VMOVDQU X1, 16(DI)
	VINSERTI128 $1, X1, Y0, Y0
	VPXORD Y6, Y6, Y6
	VPDPBUSD Y0, Y13, Y6
	VPSLLD $3, Y6, Y7
	VPSUBD Y7, Y12, Y7
	VPSLLD $7, Y6, Y8
	VPSUBD Y8, Y12, Y8
	VMOVDQU Y7, (R10)
	VMOVDQU Y8, (R12)
	VEXTRACTI128 $1, Y6, X10
	VPADDD X10, X6, X6
	VPSHUFD $0x4E, X6, X10
	VPADDD X10, X6, X6
	VPSHUFD $0xB1, X6, X10
	VPADDD X10, X6, X6
	VMOVD X6, (R13)
	ADDQ $128, SI
	ADDQ $32, DI
	ADDQ $4, R9
	ADDQ $32, R10
	ADDQ $32, R12
	ADDQ $4, R13
	DECQ CX
	JNZ  quantloop
	VZEROUPPER
	RET

// Q8KMAX takes the largest |x| bits of zx into Z16 (Z31 the abs mask);
// Q8KQ turns the 16 values in zx into int8 q in xq (iscale in Z20): as
// |iscale·x| ≤ 127·(1+2⁻²³) the cap at 127 never bites, and a value the
// conversion cannot hold (iscale infinite, when mx is subnormal) gives
// 0x80000000, whose low byte 0 is what the Go loop's bit trick gives;
// Q8KSUMS stores the sums of the four 16s of the 64 q in zq at
// off(R9) (Z23 bytes of one, K2 every fourth dword).
#define Q8KMAX(zx) \
	VPANDD Z31, zx, Z17 \
	VPMAXUD Z17, Z16, Z16

#define Q8KQ(zx, xq) \
	VMULPS Z20, zx, zx \
	VCVTPS2DQ zx, zx \
	VPMOVDB zx, xq

#define Q8KSUMS(zq, off) \
	VPXORD Z17, Z17, Z17 \
	VPDPBUSD zq, Z23, Z17 \
	VPSHUFD $0x4e, Z17, Z18 \
	VPADDD Z18, Z17, Z17 \
	VPSHUFD $0xb1, Z17, Z18 \
	VPADDD Z18, Z17, Z17 \
	VPCOMPRESSD Z17, K2, Z18 \
	VMOVDQU32 X18, off(R9)

// func quantizeQ8KAVX512(x *float32, q, qk *int8, sums *int32, d *float32) bool
// quantizes one super-block of 256 values exactly as quantizeSuper does
// (int8k.go): the first value of largest magnitude mx (found by the
// largest |x| as integer bits, then the first lane that equals it),
// iscale = 127/(−mx) (= −127/mx), q = round-half-even(iscale·x) (the
// conversion's default rounding), d = 1/iscale, and the sums of each 16
// values (VPDPBUSD with ones, four 16s to a zmm, one per 128-bit lane). It writes q, and the same values in kqk's order at qk
// unless qk is nil. It returns false, writing nothing, when the largest
// |x| is 0, ±Inf or NaN: the Go loop handles those.
TEXT ·quantizeQ8KAVX512(SB), NOSPLIT, $0-41
	MOVQ x+0(FP), SI
	MOVQ q+8(FP), DI
	MOVQ qk+16(FP), R8
	MOVQ sums+24(FP), R9
	MOVQ d+32(FP), R10
	VPBROADCASTD ·i8abs(SB), Z31
	VMOVUPS (SI), Z0
	VMOVUPS 64(SI), Z1
	VMOVUPS 128(SI), Z2
	VMOVUPS 192(SI), Z3
	VMOVUPS 256(SI), Z4
	VMOVUPS 320(SI), Z5
	VMOVUPS 384(SI), Z6
	VMOVUPS 448(SI), Z7
	VMOVUPS 512(SI), Z8
	VMOVUPS 576(SI), Z9
	VMOVUPS 640(SI), Z10
	VMOVUPS 704(SI), Z11
	VMOVUPS 768(SI), Z12
	VMOVUPS 832(SI), Z13
	VMOVUPS 896(SI), Z14
	VMOVUPS 960(SI), Z15
	VPANDD Z31, Z0, Z16
	Q8KMAX(Z1)
	Q8KMAX(Z2)
	Q8KMAX(Z3)
	Q8KMAX(Z4)
	Q8KMAX(Z5)
	Q8KMAX(Z6)
	Q8KMAX(Z7)
	Q8KMAX(Z8)
	Q8KMAX(Z9)
	Q8KMAX(Z10)
	Q8KMAX(Z11)
	Q8KMAX(Z12)
	Q8KMAX(Z13)
	Q8KMAX(Z14)
	Q8KMAX(Z15)
	VEXTRACTI64X4 $1, Z16, Y17
	VPMAXUD Y17, Y16, Y16
	VEXTRACTI32X4 $1, Y16, X17
	VPMAXUD X17, X16, X16
	VPSHUFD $0x4e, X16, X17
	VPMAXUD X17, X16, X16
	VPSHUFD $0xb1, X16, X17
	VPMAXUD X17, X16, X16
	VMOVD X16, AX
	TESTL AX, AX
	JZ   q8kgo
	CMPL AX, $0x7f800000
	JAE  q8kgo
	VPBROADCASTD X16, Z16
	XORQ BX, BX
q8kfind:
	VPANDD (SI)(BX*4), Z31, Z17
	VPCMPEQD Z16, Z17, K1
	KMOVW K1, AX
	TESTL AX, AX
	JNZ  q8kfound
	ADDQ $16, BX
	JMP  q8kfind
q8kfound:
	TZCNTL AX, AX
	ADDQ AX, BX
	VXORPS X18, X18, X18
	VSUBSS (SI)(BX*4), X18, X18
	VMOVSS ·i8c127(SB), X19
	VDIVSS X18, X19, X20
	MOVL $0x3f800000, AX
	VMOVD AX, X19
	VDIVSS X20, X19, X19
	VMOVSS X19, (R10)
	VBROADCASTSS X20, Z20
	Q8KQ(Z0, X0)
	Q8KQ(Z1, X1)
	Q8KQ(Z2, X2)
	Q8KQ(Z3, X3)
	Q8KQ(Z4, X4)
	Q8KQ(Z5, X5)
	Q8KQ(Z6, X6)
	Q8KQ(Z7, X7)
	Q8KQ(Z8, X8)
	Q8KQ(Z9, X9)
	Q8KQ(Z10, X10)
	Q8KQ(Z11, X11)
	Q8KQ(Z12, X12)
	Q8KQ(Z13, X13)
	Q8KQ(Z14, X14)
	Q8KQ(Z15, X15)
	VINSERTI32X4 $1, X1, Z0, Z0
	VINSERTI32X4 $2, X2, Z0, Z0
	VINSERTI32X4 $3, X3, Z0, Z0
	VINSERTI32X4 $1, X5, Z4, Z4
	VINSERTI32X4 $2, X6, Z4, Z4
	VINSERTI32X4 $3, X7, Z4, Z4
	VINSERTI32X4 $1, X9, Z8, Z8
	VINSERTI32X4 $2, X10, Z8, Z8
	VINSERTI32X4 $3, X11, Z8, Z8
	VINSERTI32X4 $1, X13, Z12, Z12
	VINSERTI32X4 $2, X14, Z12, Z12
	VINSERTI32X4 $3, X15, Z12, Z12
	VMOVDQU64 Z0, (DI)
	VMOVDQU64 Z4, 64(DI)
	VMOVDQU64 Z8, 128(DI)
	VMOVDQU64 Z12, 192(DI)
	TESTQ R8, R8
	JZ   q8ksums
	VSHUFI64X2 $0x44, Z4, Z0, Z17
	VSHUFI64X2 $0xee, Z4, Z0, Z18
	VMOVDQU64 Z17, (R8)
	VMOVDQU64 Z18, 64(R8)
	VSHUFI64X2 $0x44, Z12, Z8, Z17
	VSHUFI64X2 $0xee, Z12, Z8, Z18
	VMOVDQU64 Z17, 128(R8)
	VMOVDQU64 Z18, 192(R8)
q8ksums:
	VPBROADCASTD ·i8ones(SB), Z23
	MOVL $0x1111, AX
	KMOVW AX, K2
	Q8KSUMS(Z0, 0)
	Q8KSUMS(Z4, 16)
	Q8KSUMS(Z8, 32)
	Q8KSUMS(Z12, 48)
	MOVB $1, ret+40(FP)
	VZEROUPPER
	RET
q8kgo:
	MOVB $0, ret+40(FP)
	VZEROUPPER
	RET

// func quantizeX24AVX512(x *float32, p *int8, t *int32, s *float32, n int)
// writes the x24 form (x24.go) of n > 0 whole groups of four blocks:
// per block s = amax/x24Max rounded up (NaN if a value is not finite,
// and then m = 0), m = round-half-even(x·(1/s)) in float64 (0 when s is
// 0), as x24Block does; the planes, the corrections (t) and s as
// quantizePlanes lays them out.
//
// X24M turns the 16 values in zx into m (int32) in zm, with 1/s in Z5
// (float64); X24DIGITS stores the three bytes of zm (destroyed) at
// off(SI), off+128(SI) and off+256(SI); X24BLK does block k of a group.
#define X24M(zx, yx, zm, ym) \
	VCVTPS2PD yx, Z6 \
	VEXTRACTF32X8 $1, zx, Y7 \
	VCVTPS2PD Y7, Z7 \
	VMULPD Z5, Z6, Z6 \
	VMULPD Z5, Z7, Z7 \
	VCVTPD2DQ Z6, ym \
	VCVTPD2DQ Z7, Y7 \
	VINSERTI64X4 $1, Y7, zm, zm

#define X24DIGIT(zm) \
	VPSLLD $24, zm, Z6 \
	VPSRAD $24, Z6, Z6 \
	VPSUBD Z6, zm, zm \
	VPSRAD $8, zm, zm

#define X24DIGITS(zm, off, ps) \
	VPMOVDB zm, off(SI) \
	X24DIGIT(zm) \
	VPMOVDB zm, off+ps(SI) \
	X24DIGIT(zm) \
	VPMOVDB zm, off+2*ps(SI)

// X24SCALE rounds block k (x at 128k(DI)): its scale to 4k(R9), m of
// values 0–15 in Z8 and 16–31 in Z9; the scale is left in AX.
#define X24SCALE(k) \
	VMOVUPS (128*k)(DI), Z0 \
	VMOVUPS (128*k+64)(DI), Z1 \
	VFPCLASSPSZ $0x99, Z0, K1 \
	VFPCLASSPSZ $0x99, Z1, K2 \
	VMOVAPS Z28, K1, Z0 \
	VMOVAPS Z28, K2, Z1 \
	ABSMAX(Z31) \
	VDIVSS.RU_SAE X27, X2, X4 \
	VCVTSS2SD X4, X4, X5 \
	VDIVSD X5, X26, X5 \
	VMOVD X4, AX \
	VMOVQ X5, BX \
	TESTL AX, AX \
	CMOVQEQ DX, BX \
	KORTESTW K2, K1 \
	CMOVQNE DX, BX \
	CMOVLNE R11, AX \
	MOVL AX, (4*k)(R9) \
	VPBROADCASTQ BX, Z5 \
	X24M(Z0, Y0, Z8, Y8) \
	X24M(Z1, Y1, Z9, Y9)

// X24BLK does block k of a group of four in Q4_0's layout: the
// corrections to 16k(R8), the planes 128 bytes apart.
#define X24BLK(k) \
	X24SCALE(k) \
	VPADDD Z9, Z8, Z12 \
	X24FOURS(Z12, 3, 16*k) \
	X24DIGITS(Z8, 16*k, 128) \
	X24DIGITS(Z9, 64+16*k, 128)

// X24KBLK does block j of a super-block in the K-quants' layout (at
// 32-byte unit pos of each 256-byte plane): s·Σm to 4j(R8), from the
// stored scale (NaN for a block that is not finite) and the exact sum.
#define X24KBLK(j, pos) \
	X24SCALE(j) \
	VPADDD Z9, Z8, Z10 \
	REDUCE16(Z10, Y10, X10, Y11, X11, VPADDD, VEXTRACTI64X4, VEXTRACTI128, VPSHUFD) \
	VCVTDQ2PD X10, X10 \
	VMOVD AX, X11 \
	VCVTSS2SD X11, X11, X11 \
	VMULSD X11, X10, X10 \
	VCVTSD2SS X10, X10, X10 \
	VMOVSS X10, (4*j)(R8) \
	X24DIGITS(Z8, 32*pos, 256) \
	X24DIGITS(Z9, 32*pos+16, 256)

// X24Q6BLK does block j of a super-block in Q6_K's layout (at 32-byte
// unit j of each 256-byte plane): the corrections of its eight fours of
// values, −32 times their m sums, to 32j(R8).
#define X24Q6BLK(j) \
	X24SCALE(j) \
	X24FOURS(Z8, 5, 32*j) \
	X24FOURS(Z9, 5, 32*j+16) \
	X24DIGITS(Z8, 32*j, 256) \
	X24DIGITS(Z9, 32*j+16, 256)

// X24FOURS stores −2^sh times the sums of zm's four fours (one per
// 128-bit lane) at off(R8): Q6_K's corrections (−32 times four values'
// m sum), or Q4_0's (−8 times a lane's eight, zm = the block's two
// halves added).
#define X24FOURS(zm, sh, off) \
	VPSHUFD $0xB1, zm, Z10 \
	VPADDD zm, Z10, Z10 \
	VPSHUFD $0x4E, Z10, Z11 \
	VPADDD Z11, Z10, Z10 \
	VPERMD Z10, Z25, Z10 \
	VPSLLD $sh, X10, X10 \
	VPSUBD X10, X28, X10 \
	VMOVDQU X10, off(R8)

// X24CONSTS loads the quantizers' constants.
#define X24CONSTS \
	VPBROADCASTD ·i8abs(SB), Z31 \
	VPXORD Z28, Z28, Z28 \
	VMOVSS ·x24maxf(SB), X27 \
	VMOVSD ·x24one(SB), X26 \
	VMOVDQU32 x24lanes<>(SB), Z25 \
	XORQ DX, DX \
	MOVL $0x7fc00000, R11

TEXT ·quantizeX24AVX512(SB), NOSPLIT, $0-40
	X24ARGS
x24loop:
	X24BLK(0)
	X24BLK(1)
	X24BLK(2)
	X24BLK(3)
	ADDQ $512, DI
	ADDQ $384, SI
	ADDQ $64, R8
	ADDQ $16, R9
	DECQ CX
	JNZ  x24loop
	VZEROUPPER
	RET

// func quantizeX24Q6AVX512(x *float32, p *int8, t *int32, s *float32, n int)
// is quantizeX24AVX512 for n > 0 super-blocks in Q6_K's layout
// (quantizePlanes6; t the corrections).
TEXT ·quantizeX24Q6AVX512(SB), NOSPLIT, $0-40
	X24ARGS
x24q6loop:
	X24Q6BLK(0)
	X24Q6BLK(1)
	X24Q6BLK(2)
	X24Q6BLK(3)
	X24Q6BLK(4)
	X24Q6BLK(5)
	X24Q6BLK(6)
	X24Q6BLK(7)
	ADDQ $1024, DI
	ADDQ $768, SI
	ADDQ $256, R8
	ADDQ $32, R9
	DECQ CX
	JNZ  x24q6loop
	VZEROUPPER
	RET

// func quantizeX24KAVX512(x *float32, p *int8, t, s *float32, n int)
// is quantizeX24AVX512 for n > 0 super-blocks in Q4_K's and Q5_K's
// layout (quantizePlanesK; t the blocks' s·Σm).
TEXT ·quantizeX24KAVX512(SB), NOSPLIT, $0-40
	X24ARGS
x24kloop:
	X24KBLK(0, 0)
	X24KBLK(1, 2)
	X24KBLK(2, 1)
	X24KBLK(3, 3)
	X24KBLK(4, 4)
	X24KBLK(5, 6)
	X24KBLK(6, 5)
	X24KBLK(7, 7)
	ADDQ $1024, DI
	ADDQ $768, SI
	ADDQ $32, R8
	ADDQ $32, R9
	DECQ CX
	JNZ  x24kloop
	VZEROUPPER
	RET

// ·x24maxf and ·x24one (and ·i8abs, ·i8c127, ·i8ones, ·i8lo4 below) are
// global: the AVX2 kernels read the same constants.
DATA ·x24maxf+0(SB)/4, $0x4afefefe
GLOBL ·x24maxf(SB), RODATA|NOPTR, $4
DATA ·x24one+0(SB)/8, $0x3ff0000000000000
GLOBL ·x24one(SB), RODATA|NOPTR, $8
// x24lanes: VPERMD indices taking dword 0 of each 128-bit lane.
DATA x24lanes<>+0(SB)/4, $0
DATA x24lanes<>+4(SB)/4, $4
DATA x24lanes<>+8(SB)/4, $8
DATA x24lanes<>+12(SB)/4, $12
DATA x24lanes<>+16(SB)/8, $0
DATA x24lanes<>+24(SB)/8, $0
DATA x24lanes<>+32(SB)/8, $0
DATA x24lanes<>+40(SB)/8, $0
DATA x24lanes<>+48(SB)/8, $0
DATA x24lanes<>+56(SB)/8, $0
GLOBL x24lanes<>(SB), RODATA|NOPTR, $64

DATA ·i8abs+0(SB)/4, $0x7fffffff
GLOBL ·i8abs(SB), RODATA|NOPTR, $4
DATA ·i8c127+0(SB)/4, $0x42fe0000
GLOBL ·i8c127(SB), RODATA|NOPTR, $4
DATA ·i8ones+0(SB)/4, $0x01010101
GLOBL ·i8ones(SB), RODATA|NOPTR, $4

// EXPPD sets Z5 = e^Z4 in float64 (Z4 is clamped to ±800 first, so ±Inf
// give what math.Exp gives; a NaN becomes 800): 2^k·e^r with k =
// round(x·log2 e), r = x − k·ln 2 (ln 2 in two parts, so r is exact to
// float64 rounding), e^r by its Taylor polynomial of degree 11 (|r| ≤
// 0.35), 2^k by VSCALEFPD: within 3.2e-14 relative of math.Exp
// (TestSoftmaxExp). Uses Z1, Z2, Z4.
#define EXPPD \
	VMINPD.BCST ·exp800(SB), Z4, Z4 \
	VMAXPD.BCST ·expm800(SB), Z4, Z4 \
	VMULPD.BCST ·explog2e(SB), Z4, Z1 \
	VRNDSCALEPD $0, Z1, Z2 \
	VFNMADD231PD.BCST ·expln2hi(SB), Z2, Z4 \
	VFNMADD231PD.BCST ·expln2lo(SB), Z2, Z4 \
	VBROADCASTSD ·expc+88(SB), Z5 \
	VFMADD213PD.BCST ·expc+80(SB), Z4, Z5 \
	VFMADD213PD.BCST ·expc+72(SB), Z4, Z5 \
	VFMADD213PD.BCST ·expc+64(SB), Z4, Z5 \
	VFMADD213PD.BCST ·expc+56(SB), Z4, Z5 \
	VFMADD213PD.BCST ·expc+48(SB), Z4, Z5 \
	VFMADD213PD.BCST ·expc+40(SB), Z4, Z5 \
	VFMADD213PD.BCST ·expc+32(SB), Z4, Z5 \
	VFMADD213PD.BCST ·expc+24(SB), Z4, Z5 \
	VFMADD213PD.BCST ·expc+16(SB), Z4, Z5 \
	VFMADD213PD.BCST ·expc+8(SB), Z4, Z5 \
	VFMADD213PD.BCST ·expc+0(SB), Z4, Z5 \
	VSCALEFPD Z2, Z5, Z5

// ACT512 is the frame of the AVX-512 activations (func(x *float32, n
// int, …), n a positive multiple of 8, x changed in place): consts, then
// for every eight values Z0 = x widened to float64, body (which leaves
// the result in Z0), rounded once to float32 and stored.
#define ACT512(consts, body, loop) \
	MOVQ x+0(FP), SI \
	MOVQ n+8(FP), CX \
	SHRQ $3, CX \
	consts \
loop: \
	VCVTPS2PD (SI), Z0 \
	body \
	VCVTPD2PS Z0, Y0 \
	VMOVUPS Y0, (SI) \
	ADDQ $32, SI \
	DECQ CX \
	JNZ  loop \
	VZEROUPPER \
	RET

#define NOCONSTS

// SOFTCAP512CONSTS loads softCap's constants (here, for vet: a macro naming an
// argument after a TEXT line counts as that function's).
#define SOFTCAP512CONSTS \
	VBROADCASTSD c+16(FP), Z8 \
	VBROADCASTSD ·expc(SB), Z9 \
	VADDPD Z9, Z9, Z10 \
	VBROADCASTSD ·sctiny2(SB), Z11 \
	VBROADCASTSD ·scthird(SB), Z12

// func siluAVX512(x *float32, n int) — n a positive multiple of 8:
// x[i] = x/(1+e^−x) computed in float64 (e^−x by EXPPD) and rounded once,
// as SiLU does with math.Exp.
#define SILU512 \
	VXORPD.BCST ·expsign(SB), Z0, Z4 \
	EXPPD \
	VADDPD.BCST ·expc+0(SB), Z5, Z5 \
	VDIVPD Z5, Z0, Z0

TEXT ·siluAVX512(SB), NOSPLIT, $0-16
	ACT512(NOCONSTS, SILU512, siluloop)

// func geluAVX512(x *float32, n int) — n a positive multiple of 8:
// x[i] = x/(1+e^−2u), u = √(2/π)·(x + 0.044715·x³), in float64 (e^−2u by
// EXPPD) and rounded once, as GELUTanh does with math.Exp.
#define GELU512 \
	VMULPD.BCST ·gelua(SB), Z0, Z3 \
	VMULPD Z0, Z3, Z3 \
	VMULPD Z0, Z3, Z3 \
	VADDPD Z3, Z0, Z3 \
	VMULPD.BCST ·gelum2c(SB), Z3, Z4 \
	EXPPD \
	VADDPD.BCST ·expc+0(SB), Z5, Z5 \
	VDIVPD Z5, Z0, Z0

TEXT ·geluAVX512(SB), NOSPLIT, $0-16
	ACT512(NOCONSTS, GELU512, geluloop)

// func softCapAVX512(x *float32, n int, c float64) — n a positive
// multiple of 8: x[i] = c·tanh(x[i]/c) in float64, rounded once: tanh y
// as 1 − 2/(e^2y + 1) (e^2y by EXPPD), or as y·(1 − y²/3) where
// |y| < 2⁻¹⁰, where the first form loses bits to its difference (the
// series' next term is 2y⁵/15: within 1.2e-13 relative); a NaN stays
// NaN.
#define SOFTCAP512 \
	VDIVPD Z8, Z0, Z0 \
	VADDPD Z0, Z0, Z4 \
	EXPPD \
	VADDPD Z9, Z5, Z5 \
	VDIVPD Z5, Z10, Z5 \
	VSUBPD Z5, Z9, Z6 \
	VMULPD Z0, Z0, Z7 \
	VCMPPD $1, Z11, Z7, K1 \
	VFMADD213PD Z9, Z12, Z7 \
	VMULPD Z0, Z7, Z7 \
	VMOVAPD Z7, K1, Z6 \
	VCMPPD $3, Z0, Z0, K2 \
	VMOVAPD Z0, K2, Z6 \
	VMULPD Z8, Z6, Z0

TEXT ·softCapAVX512(SB), NOSPLIT, $0-24
	ACT512(SOFTCAP512CONSTS, SOFTCAP512, softcaploop)

// The constants of EXPPD and of the AVX2 set's EXP4PD (global, so both
// files read one table): the Taylor coefficients 1/k! (expc), the sign
// bit, the clamp ±800, log2 e and ln 2 in two parts.
DATA ·expc+0(SB)/8, $0x3ff0000000000000
DATA ·expc+8(SB)/8, $0x3ff0000000000000
DATA ·expc+16(SB)/8, $0x3fe0000000000000
DATA ·expc+24(SB)/8, $0x3fc5555555555555
DATA ·expc+32(SB)/8, $0x3fa5555555555555
DATA ·expc+40(SB)/8, $0x3f81111111111111
DATA ·expc+48(SB)/8, $0x3f56c16c16c16c17
DATA ·expc+56(SB)/8, $0x3f2a01a01a01a01a
DATA ·expc+64(SB)/8, $0x3efa01a01a01a01a
DATA ·expc+72(SB)/8, $0x3ec71de3a556c734
DATA ·expc+80(SB)/8, $0x3e927e4fb7789f5c
DATA ·expc+88(SB)/8, $0x3e5ae64567f544e4
GLOBL ·expc(SB), RODATA|NOPTR, $96
DATA ·expsign+0(SB)/8, $0x8000000000000000
GLOBL ·expsign(SB), RODATA|NOPTR, $8
DATA ·exp800+0(SB)/8, $0x4089000000000000
GLOBL ·exp800(SB), RODATA|NOPTR, $8
DATA ·expm800+0(SB)/8, $0xc089000000000000
GLOBL ·expm800(SB), RODATA|NOPTR, $8
DATA ·explog2e+0(SB)/8, $0x3ff71547652b82fe
GLOBL ·explog2e(SB), RODATA|NOPTR, $8
DATA ·expln2hi+0(SB)/8, $0x3fe62e4200000000
GLOBL ·expln2hi(SB), RODATA|NOPTR, $8
DATA ·expln2lo+0(SB)/8, $0x3e9fdf473de00000
GLOBL ·expln2lo(SB), RODATA|NOPTR, $8
DATA ·sctiny2+0(SB)/8, $0x3eb0000000000000
GLOBL ·sctiny2(SB), RODATA|NOPTR, $8
DATA ·scthird+0(SB)/8, $0xbfd5555555555555
GLOBL ·scthird(SB), RODATA|NOPTR, $8
DATA ·gelua+0(SB)/8, $0x3fa6e4e26d4801f7
GLOBL ·gelua(SB), RODATA|NOPTR, $8
DATA ·gelum2c+0(SB)/8, $0xbff9884533d43651
GLOBL ·gelum2c(SB), RODATA|NOPTR, $8

// i8g4a, i8g4b: gather indices of Q4NIBS0 and Q4NIBS1 (byte 16k+j of
// the result is byte j of block k's nibbles; i8g4a for the 128 bytes at
// 0 into eight blocks, i8g4b for the 80 at 64 and blocks 4–7).
DATA i8g4a<>+0(SB)/8, $0x0908070605040302
DATA i8g4a<>+8(SB)/8, $0x11100f0e0d0c0b0a
DATA i8g4a<>+16(SB)/8, $0x1b1a191817161514
DATA i8g4a<>+24(SB)/8, $0x232221201f1e1d1c
DATA i8g4a<>+32(SB)/8, $0x2d2c2b2a29282726
DATA i8g4a<>+40(SB)/8, $0x3534333231302f2e
DATA i8g4a<>+48(SB)/8, $0x3f3e3d3c3b3a3938
DATA i8g4a<>+56(SB)/8, $0x4746454443424140
GLOBL i8g4a<>(SB), RODATA|NOPTR, $64
DATA i8g4b<>+0(SB)/8, $0x11100f0e0d0c0b0a
DATA i8g4b<>+8(SB)/8, $0x1918171615141312
DATA i8g4b<>+16(SB)/8, $0x232221201f1e1d1c
DATA i8g4b<>+24(SB)/8, $0x2b2a292827262524
DATA i8g4b<>+32(SB)/8, $0x3534333231302f2e
DATA i8g4b<>+40(SB)/8, $0x3d3c3b3a39383736
DATA i8g4b<>+48(SB)/8, $0x4746454443424140
DATA i8g4b<>+56(SB)/8, $0x4f4e4d4c4b4a4948
GLOBL i8g4b<>(SB), RODATA|NOPTR, $64

// i8s4: lane l takes block l/4's scale (blocks 0–3, then 4–7).
DATA i8s4<>+0(SB)/8, $0x0000000000000000
DATA i8s4<>+8(SB)/8, $0x0000000000000000
DATA i8s4<>+16(SB)/8, $0x0000000100000001
DATA i8s4<>+24(SB)/8, $0x0000000100000001
DATA i8s4<>+32(SB)/8, $0x0000000200000002
DATA i8s4<>+40(SB)/8, $0x0000000200000002
DATA i8s4<>+48(SB)/8, $0x0000000300000003
DATA i8s4<>+56(SB)/8, $0x0000000300000003
DATA i8s4<>+64(SB)/8, $0x0000000400000004
DATA i8s4<>+72(SB)/8, $0x0000000400000004
DATA i8s4<>+80(SB)/8, $0x0000000500000005
DATA i8s4<>+88(SB)/8, $0x0000000500000005
DATA i8s4<>+96(SB)/8, $0x0000000600000006
DATA i8s4<>+104(SB)/8, $0x0000000600000006
DATA i8s4<>+112(SB)/8, $0x0000000700000007
DATA i8s4<>+120(SB)/8, $0x0000000700000007
GLOBL i8s4<>(SB), RODATA|NOPTR, $128

DATA ·i8lo4+0(SB)/4, $0x0f0f0f0f
GLOBL ·i8lo4(SB), RODATA|NOPTR, $4
DATA i8hi4<>+0(SB)/8, $0x1020408000000000
GLOBL i8hi4<>(SB), RODATA|NOPTR, $8

// func dotRowsF32AVX512(m *float32, x *float32, stride, n, rows int, dst *float64)
// sets dst[j] to what dotF32AVX512(row j, x, n) returns, row j at
// m + 4·j·stride bytes, for rows > 0 rows; n a positive multiple of 64.
TEXT ·dotRowsF32AVX512(SB), NOSPLIT, $0-48
	DRARGS(2)
drrow:
	DRROW
drloop:
	VMOVUPS (SI), Z0
	VMOVUPS 64(SI), Z1
	VMOVUPS 128(SI), Z2
	VMOVUPS 192(SI), Z3
	GROUP64
	STEP(drnext, 4)
	ADDQ $256, SI
	DRNEXT(drloop)
	DREND(drrow)

// func dotRowsF16AVX512(m *uint16, x *float32, stride, n, rows int, dst *float64)
// is dotRowsF32AVX512 for float16 rows (2·j·stride bytes apart), each
// value widened exactly, as dotF16AVX512 does.
TEXT ·dotRowsF16AVX512(SB), NOSPLIT, $0-48
	DRARGS(1)
drhrow:
	DRROW
drhloop:
	VCVTPH2PS (SI), Z0
	VCVTPH2PS 32(SI), Z1
	VCVTPH2PS 64(SI), Z2
	VCVTPH2PS 96(SI), Z3
	GROUP64
	STEP(drhnext, 4)
	ADDQ $128, SI
	DRNEXT(drhloop)
	DREND(drhrow)

// ARSTORE stores the chunk, moves the rows on by step bytes and loops.
#define ARSTORE(step, chunkloop) \
	VMOVUPS Z0, K1, (DI) \
	VMOVUPS Z1, K2, 64(DI) \
	VMOVUPS Z2, K3, 128(DI) \
	VMOVUPS Z3, K4, 192(DI) \
	ADDQ $256, DI \
	ADDQ $step, R12 \
	SUBQ $64, CX \
	JG   chunkloop \
	VZEROUPPER \
	RET

// func axpyRowsAVX512(dst *float32, a *float32, m *float32, stride, n, rows int)
// does dst[i] += a[j]·(row j)[i] with one rounding (Axpy's) for j = 0 …
// rows−1 in order, skipping a[j] = 0 (not NaN), row j at m + 4·j·stride
// bytes; n > 0. dst is kept in Z0…Z3 64 values at a time.
TEXT ·axpyRowsAVX512(SB), NOSPLIT, $0-48
	ARARGS(2)
archunk:
	ARCHUNK
arrow:
	ARSKIP(ardo, arnext, Z7)
	VFMADD231PS (SI), Z7, K1, Z0
	VFMADD231PS 64(SI), Z7, K2, Z1
	VFMADD231PS 128(SI), Z7, K3, Z2
	VFMADD231PS 192(SI), Z7, K4, Z3
arnext:
	ARNEXT(arrow)
	ARSTORE(256, archunk)

// func axpyRowsF16AVX512(dst *float32, a *float32, m *uint16, stride, n, rows int)
// is axpyRowsAVX512 for float16 rows, each value widened exactly.
TEXT ·axpyRowsF16AVX512(SB), NOSPLIT, $0-48
	ARARGS(1)
arhchunk:
	ARCHUNK
arhrow:
	ARSKIP(arhdo, arhnext, Z7)
	VCVTPH2PS.Z (SI), K1, Z8
	VCVTPH2PS.Z 32(SI), K2, Z9
	VCVTPH2PS.Z 64(SI), K3, Z10
	VCVTPH2PS.Z 96(SI), K4, Z11
	VFMADD231PS Z8, Z7, Z0
	VFMADD231PS Z9, Z7, Z1
	VFMADD231PS Z10, Z7, Z2
	VFMADD231PS Z11, Z7, Z3
arhnext:
	ARNEXT(arhrow)
	ARSTORE(128, arhchunk)

// func softmaxExpAVX512(x *float32, e *float64, shift float64, n int) —
// n a positive multiple of 8: e[i] = e^(x[i] − shift) (EXPPD).
TEXT ·softmaxExpAVX512(SB), NOSPLIT, $0-32
	SMARGS(SI, DI, shift+16(FP))
smexploop:
	VCVTPS2PD (SI), Z4
	VSUBPD Z6, Z4, Z4
	EXPPD
	VMOVUPD Z5, (DI)
	ADDQ $32, SI
	ADDQ $64, DI
	DECQ CX
	JNZ  smexploop
	VZEROUPPER
	RET

// func softmaxMaxAVX512(x *float32, n int) (m float32, nan bool) — n a
// positive multiple of 16: the largest value that is not NaN (−Inf if
// none is larger) and whether any value is NaN. VMAXPS returns its
// second source when either is NaN, so the running maximum Z0 (second)
// never takes one; VCMPPS $3 (unordered) flags them.
TEXT ·softmaxMaxAVX512(SB), NOSPLIT, $0-21
	MOVQ x+0(FP), SI
	MOVQ n+8(FP), CX
	SHRQ $4, CX
	MOVL $0xff800000, AX
	VPBROADCASTD AX, Z0
	KXORW K2, K2, K2
smmaxloop:
	VMOVUPS (SI), Z1
	VMAXPS Z0, Z1, Z0
	VCMPPS $3, Z1, Z1, K1
	KORW K1, K2, K2
	ADDQ $64, SI
	DECQ CX
	JNZ  smmaxloop
	VEXTRACTF32X8 $1, Z0, Y1
	VMAXPS Y1, Y0, Y0
	VEXTRACTF128 $1, Y0, X1
	VMAXPS X1, X0, X0
	VPERMILPS $0x4e, X0, X1
	VMAXPS X1, X0, X0
	VPERMILPS $0xb1, X0, X1
	VMAXPS X1, X0, X0
	VMOVSS X0, m+16(FP)
	KORTESTW K2, K2
	SETNE nan+20(FP)
	VZEROUPPER
	RET

// func softmaxDivAVX512(x *float32, e *float64, sum float64, n int) — n a
// positive multiple of 8: x[i] = float32(e[i] / sum).
TEXT ·softmaxDivAVX512(SB), NOSPLIT, $0-32
	SMARGS(DI, SI, sum+16(FP))
smdivloop:
	VMOVUPD (SI), Z4
	VDIVPD Z6, Z4, Z4
	VCVTPD2PS Z4, Y4
	VMOVUPS Y4, (DI)
	ADDQ $64, SI
	ADDQ $32, DI
	DECQ CX
	JNZ  smdivloop
	VZEROUPPER
	RET
