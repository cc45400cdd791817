// Macros shared by the amd64 assembly files.

// SUMY8Y9 sums the float64 lanes Y8 and Y9 into X8 and leaves AVX.
#define SUMY8Y9 \
	VADDPD Y9, Y8, Y8 \
	VEXTRACTF128 $1, Y8, X1 \
	VADDPD X1, X8, X8 \
	VPERMILPD $1, X8, X1 \
	VADDSD X1, X8, X8 \
	VZEROUPPER

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
