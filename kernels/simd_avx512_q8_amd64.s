//go:build amd64

#include "textflag.h"

// The Q8_0 decoder of MatMul (gemmMatMul): blocks to the float32
// weights q·d (exact: an 8-bit q times an f16 d fits in float32's 24
// bits), over which the F32 kernels then run for every group of inputs.

// Q8WS decodes the block at SI (scale in Z7) to q·d in Z0, Z1.
#define Q8WS \
	VCVTPH2PS (SI), X7 \
	VBROADCASTSS X7, Z7 \
	VPMOVSXBD 2(SI), Z0 \
	VPMOVSXBD 18(SI), Z1 \
	VCVTDQ2PS Z0, Z0 \
	VCVTDQ2PS Z1, Z1 \
	VMULPS Z7, Z0, Z0 \
	VMULPS Z7, Z1, Z1

// func decQ8_0AVX512(dst *float32, src *byte, nb int) — nb > 0 blocks.
// Decodes Q8_0 blocks to the float32 weights q·d.
TEXT ·decQ8_0AVX512(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ nb+16(FP), CX
decq8loop:
	Q8WS
	VMOVUPS Z0, (DI)
	VMOVUPS Z1, 64(DI)
	ADDQ $34, SI
	ADDQ $128, DI
	DECQ CX
	JNZ  decq8loop
	VZEROUPPER
	RET
