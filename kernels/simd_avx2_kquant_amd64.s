//go:build amd64

#include "textflag.h"

// AVX2 row dots for Q4_K and Q6_K: the AVX-512 scheme
// (simd_avx512_kquant_amd64.s) on 8 lanes, weights decoded with ggml's
// roundings into two float32 partials (Y4, Y5) that are widened into
// float64 (Y8, Y9) every 128 elements.

#define KWIDEN2 \
	VADDPS Y5, Y4, Y0 \
	VCVTPS2PD X0, Y1 \
	VEXTRACTF128 $1, Y0, X0 \
	VCVTPS2PD X0, Y0 \
	VADDPD Y1, Y8, Y8 \
	VADDPD Y0, Y9, Y9 \
	VXORPS Y4, Y4, Y4 \
	VXORPS Y5, Y5, Y5

#define KFINISH2 \
	VADDPD Y9, Y8, Y8 \
	VEXTRACTF128 $1, Y8, X1 \
	VADDPD X1, X8, X8 \
	VPERMILPD $1, X8, X1 \
	VADDSD X1, X8, X8 \
	VZEROUPPER \
	MOVSD X8, ret+24(FP) \
	RET

// Q4K8 decodes 8 quants (dwords in zq, already nibbles) of sub-block j
// as d·sc_j·q − dmin·m_j and multiplies them by x at xo into zacc.
#define Q4K8(zq, j, xo, zacc) \
	VCVTDQ2PS zq, zq \
	VBROADCASTSS d1-64+(4*(j))(SP), Y6 \
	VBROADCASTSS m1-32+(4*(j))(SP), Y7 \
	VMULPS Y6, zq, zq \
	VSUBPS Y7, zq, zq \
	VFMADD231PS xo(DI), zq, zacc

// Q4K8PAIR handles bytes 16+32p+8i..+7 of the quants: sub-block 2p
// (low nibbles) and 2p+1 (high), elements 8i..8i+7 of each.
#define Q4K8PAIR(p, i) \
	VPMOVZXBD (16+32*(p)+8*(i))(SI), Y2 \
	VPSRLD $4, Y2, Y3 \
	VPAND Y15, Y2, Y2 \
	Q4K8(Y2, 2*(p), 128*(2*(p))+32*(i), Y4) \
	Q4K8(Y3, 2*(p)+1, 128*(2*(p)+1)+32*(i), Y5)

#define Q4KPAIR2(p) \
	Q4K8PAIR(p, 0) \
	Q4K8PAIR(p, 1) \
	Q4K8PAIR(p, 2) \
	Q4K8PAIR(p, 3)

// func dotQ4_KAVX2(w *byte, x *float32, n int) float64 — n > 0 super-blocks.
TEXT ·dotQ4_KAVX2(SB), NOSPLIT, $80-32
	MOVQ w+0(FP), SI
	MOVQ x+8(FP), DI
	MOVQ n+16(FP), CX
	VXORPD Y8, Y8, Y8
	VXORPD Y9, Y9, Y9
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	MOVL $15, AX
	VMOVD AX, X15
	VPBROADCASTD X15, Y15
q4kloop:
	// Scales and mins as in dotQ4_KAVX512.
	MOVL 4(SI), AX
	MOVL 8(SI), BX
	MOVL 12(SI), DX
	MOVL DX, R8
	SHRL $4, R8
	ANDL $0x0f0f0f0f, R8
	MOVL BX, R9
	SHRL $6, R9
	ANDL $0x03030303, R9
	SHLL $4, R9
	ORL  R9, R8
	MOVL BX, R10
	ANDL $0x3f3f3f3f, R10
	ANDL $0x0f0f0f0f, DX
	MOVL AX, R9
	SHRL $6, R9
	ANDL $0x03030303, R9
	SHLL $4, R9
	ORL  R9, DX
	ANDL $0x3f3f3f3f, AX
	MOVL AX, sc-80(SP)
	MOVL DX, sc-76(SP)
	MOVL R10, sc-72(SP)
	MOVL R8, sc-68(SP)
	MOVWLZX (SI), AX
	VMOVD AX, X6
	VCVTPH2PS X6, X6
	VBROADCASTSS X6, Y6
	MOVWLZX 2(SI), AX
	VMOVD AX, X7
	VCVTPH2PS X7, X7
	VBROADCASTSS X7, Y7
	VPMOVZXBD sc-80(SP), Y0
	VPMOVZXBD sc-72(SP), Y1
	VCVTDQ2PS Y0, Y0
	VCVTDQ2PS Y1, Y1
	VMULPS Y6, Y0, Y0
	VMULPS Y7, Y1, Y1
	VMOVUPS Y0, d1-64(SP)
	VMOVUPS Y1, m1-32(SP)
	Q4KPAIR2(0)
	Q4KPAIR2(1)
	KWIDEN2
	Q4KPAIR2(2)
	Q4KPAIR2(3)
	KWIDEN2
	ADDQ $144, SI
	ADDQ $1024, DI
	DECQ CX
	JNZ  q4kloop
	KFINISH2

// Q6K8 is Q6KQ of the AVX-512 file on 8 lanes (Y15 = 15s, Y14 = 0x30s,
// Y12 = 32s, qh dwords in Y13).
#define Q6K8(zl, lsh, hop, hsh, k, xo, zacc) \
	VPSRLD $lsh, zl, Y10 \
	VPAND Y15, Y10, Y10 \
	hop $hsh, Y13, Y11 \
	VPAND Y14, Y11, Y11 \
	VPOR Y11, Y10, Y10 \
	VPSUBD Y12, Y10, Y10 \
	VCVTDQ2PS Y10, Y10 \
	VBROADCASTSS ds-64+(4*(k))(SP), Y11 \
	VMULPS Y11, Y10, Y10 \
	VFMADD231PS xo(DI), Y10, zacc

// Q6K8GROUP does 8 values of l from ql at qlo(SI), qh at qho(SI).
#define Q6K8GROUP(qlo, qho, s0, xo) \
	VPMOVZXBD qlo(SI), Y2 \
	VPMOVZXBD (qlo+32)(SI), Y3 \
	VPMOVZXBD qho(SI), Y13 \
	Q6K8(Y2, 0, VPSLLD, 4, s0, xo, Y4) \
	Q6K8(Y3, 0, VPSLLD, 2, s0+2, xo+128, Y5) \
	Q6K8(Y2, 4, VPSRLD, 0, s0+4, xo+256, Y4) \
	Q6K8(Y3, 4, VPSRLD, 2, s0+6, xo+384, Y5)

// func dotQ6_KAVX2(w *byte, x *float32, n int) float64 — n > 0 super-blocks.
TEXT ·dotQ6_KAVX2(SB), NOSPLIT, $64-32
	MOVQ w+0(FP), SI
	MOVQ x+8(FP), DI
	MOVQ n+16(FP), CX
	VXORPD Y8, Y8, Y8
	VXORPD Y9, Y9, Y9
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	MOVL $15, AX
	VMOVD AX, X15
	VPBROADCASTD X15, Y15
	MOVL $0x30, AX
	VMOVD AX, X14
	VPBROADCASTD X14, Y14
	MOVL $32, AX
	VMOVD AX, X12
	VPBROADCASTD X12, Y12
q6kloop:
	MOVWLZX 208(SI), AX
	VMOVD AX, X7
	VCVTPH2PS X7, X7
	VBROADCASTSS X7, Y7
	VPMOVSXBD 192(SI), Y0
	VPMOVSXBD 200(SI), Y1
	VCVTDQ2PS Y0, Y0
	VCVTDQ2PS Y1, Y1
	VMULPS Y7, Y0, Y0
	VMULPS Y7, Y1, Y1
	VMOVUPS Y0, ds-64(SP)
	VMOVUPS Y1, ds-32(SP)
	// half 0: l = 0..7, 8..15 (scale index 0), 16..23, 24..31 (index 1)
	Q6K8GROUP(0, 128, 0, 0)
	Q6K8GROUP(8, 136, 0, 32)
	Q6K8GROUP(16, 144, 1, 64)
	Q6K8GROUP(24, 152, 1, 96)
	KWIDEN2
	// half 1
	Q6K8GROUP(64, 160, 8, 512)
	Q6K8GROUP(72, 168, 8, 544)
	Q6K8GROUP(80, 176, 9, 576)
	Q6K8GROUP(88, 184, 9, 608)
	KWIDEN2
	ADDQ $210, SI
	ADDQ $1024, DI
	DECQ CX
	JNZ  q6kloop
	KFINISH2
