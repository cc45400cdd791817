package kernels

import "fmt"

// DType is the storage type of a weight tensor. Quantized types store
// blocks of elements exactly as llama.cpp (ggml) lays them out, so a
// tensor's bytes can be used straight from a GGUF file.
type DType uint8

// The storage types. The block layouts (elements per block, bytes per
// block) are those of ggml-common.h.
const (
	F32  DType = iota // 4 bytes per element
	F16               // IEEE half, 2 bytes per element
	BF16              // bfloat16, 2 bytes per element
	Q8_0              // 32 elements: f16 d, 32 × int8 q; w = d·q
	Q4_0              // 32 elements: f16 d, 16 bytes of nibbles; w = d·(q−8)
	Q4_1              // 32 elements: f16 d, f16 m, 16 bytes of nibbles; w = d·q + m
	Q5_0              // 32 elements: f16 d, u32 high bits, 16 bytes of nibbles; w = d·(q−16)
	Q5_1              // 32 elements: f16 d, f16 m, u32 high bits, 16 bytes nibbles; w = d·q + m
	Q2_K              // 256 elements in 84 bytes
	Q3_K              // 256 elements in 110 bytes
	Q4_K              // 256 elements in 144 bytes
	Q5_K              // 256 elements in 176 bytes
	Q6_K              // 256 elements in 210 bytes
	// TLInt8 is torchless's grouped int8: each group of 64 consecutive
	// elements of a row shares one float32 scale, held apart from the
	// data (Tensor.Scales); w = q / scale.
	TLInt8
	I8  // plain int8 (safetensors)
	U8  // plain uint8 (safetensors)
	I32 // plain int32 (safetensors, GGUF)
	I64 // plain int64 (safetensors, GGUF)
	F64 // float64 (GGUF)
	I16 // int16 (GGUF)
	numDTypes
)

// TLInt8Group is the number of elements sharing one scale in TLInt8.
const TLInt8Group = 64

type dtypeInfo struct {
	name       string
	blockSize  int // elements per block
	blockBytes int // bytes per block
	float      bool
}

var dtypeInfos = [numDTypes]dtypeInfo{
	F32:    {"F32", 1, 4, true},
	F16:    {"F16", 1, 2, true},
	BF16:   {"BF16", 1, 2, true},
	Q8_0:   {"Q8_0", 32, 34, true},
	Q4_0:   {"Q4_0", 32, 18, true},
	Q4_1:   {"Q4_1", 32, 20, true},
	Q5_0:   {"Q5_0", 32, 22, true},
	Q5_1:   {"Q5_1", 32, 24, true},
	Q2_K:   {"Q2_K", 256, 84, true},
	Q3_K:   {"Q3_K", 256, 110, true},
	Q4_K:   {"Q4_K", 256, 144, true},
	Q5_K:   {"Q5_K", 256, 176, true},
	Q6_K:   {"Q6_K", 256, 210, true},
	TLInt8: {"I8G64", 1, 1, true},
	I8:     {"I8", 1, 1, false},
	U8:     {"U8", 1, 1, false},
	I32:    {"I32", 1, 4, false},
	I64:    {"I64", 1, 8, false},
	F64:    {"F64", 1, 8, false},
	I16:    {"I16", 1, 2, false},
}

// Valid reports whether t is one of the defined types.
func (t DType) Valid() bool { return t < numDTypes }

// String returns the dtype's name as GGUF tools print it (I8G64 for TLInt8).
func (t DType) String() string {
	if !t.Valid() {
		return fmt.Sprintf("DType(%d)", uint8(t))
	}
	return dtypeInfos[t].name
}

// BlockSize is the number of elements in one block (1 for plain types).
func (t DType) BlockSize() int { return dtypeInfos[t].blockSize }

// BlockBytes is the number of bytes one block takes.
func (t DType) BlockBytes() int { return dtypeInfos[t].blockBytes }

// Quantized reports whether t stores blocks of several elements.
func (t DType) Quantized() bool { return t.Valid() && dtypeInfos[t].blockSize > 1 }

// IsWeight reports whether t is a floating-point or quantized type that
// DequantizeRow and the matrix products accept.
func (t DType) IsWeight() bool { return t.Valid() && dtypeInfos[t].float }

// RowBytes returns the bytes that n consecutive elements of type t take.
// It returns an error when n is not a whole number of blocks.
func (t DType) RowBytes(n int) (int, error) {
	if !t.Valid() {
		return 0, fmt.Errorf("unknown dtype %d", uint8(t))
	}
	bs := dtypeInfos[t].blockSize
	if n < 0 || n%bs != 0 {
		return 0, fmt.Errorf("%d elements of %s: not a multiple of the block size %d", n, t, bs)
	}
	return n / bs * dtypeInfos[t].blockBytes, nil
}

// ParseDType returns the type named s (as String prints it, case-insensitive).
func ParseDType(s string) (DType, error) {
	for i := DType(0); i < numDTypes; i++ {
		if equalFold(dtypeInfos[i].name, s) {
			return i, nil
		}
	}
	return 0, fmt.Errorf("unknown dtype %q", s)
}

func equalFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if 'a' <= x && x <= 'z' {
			x -= 'a' - 'A'
		}
		if 'a' <= y && y <= 'z' {
			y -= 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}
