package kernels

import (
	"encoding/binary"
	"math"
)

// The quantizers reproduce ggml's reference quantizers
// (quantize_row_*_ref in ggml-quants.c) bit for bit, including the
// rounding (roundf for Q8_0, truncation of x+0.5 for the others), the
// sign convention of Q4_0/Q5_0 (d = max/−8, max being the element of
// largest magnitude with its sign) and the f16 rounding of the scales.
// As in the dequantizers, a*b+c is written float32(a*b)+c so no FMA is
// fused.

type rowEncoder func(dst []byte, src []float32)

var rowEncoders = [numDTypes]rowEncoder{
	F32:  encodeF32,
	F16:  encodeF16,
	BF16: encodeBF16,
	Q8_0: encodeQ8_0,
	Q4_0: encodeQ4_0,
	Q4_1: encodeQ4_1,
	Q5_0: encodeQ5_0,
	Q5_1: encodeQ5_1,
	Q2_K: encodeQ2_K, // kquant.go
	Q3_K: encodeQ3_K,
	Q4_K: encodeQ4_K,
	Q5_K: encodeQ5_K,
	Q6_K: encodeQ6_K,
}

// CanQuantize reports whether QuantizeRow supports dt.
func CanQuantize(dt DType) bool { return dt.Valid() && rowEncoders[dt] != nil }

// QuantizeRow stores the len(src) values of src as dt in dst, which must
// be exactly dt.RowBytes(len(src)) bytes. It supports every weight type
// but TLInt8 (see CanQuantize): F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0,
// Q5_1 and the K-quants Q2_K…Q6_K, producing the bytes ggml's reference
// quantizers (quantize_row_*_ref, what llama-quantize runs without an
// importance matrix) produce. It panics for other types and for wrong
// lengths (programmer errors).
func QuantizeRow(dt DType, dst []byte, src []float32) {
	if !CanQuantize(dt) {
		panic("kernels: QuantizeRow: unsupported dtype " + dt.String())
	}
	want, err := dt.RowBytes(len(src))
	if err != nil {
		panic("kernels: QuantizeRow: " + err.Error())
	}
	if len(dst) != want {
		panic("kernels: QuantizeRow: " + dt.String() + " destination has the wrong length")
	}
	rowEncoders[dt](dst, src)
}

func put16(b []byte, v uint16) { binary.LittleEndian.PutUint16(b, v) }

func encodeF32(dst []byte, src []float32) {
	for i, v := range src {
		binary.LittleEndian.PutUint32(dst[4*i:], math.Float32bits(v))
	}
}

func encodeF16(dst []byte, src []float32) {
	for i, v := range src {
		put16(dst[2*i:], F32ToF16(v))
	}
}

func encodeBF16(dst []byte, src []float32) {
	for i, v := range src {
		put16(dst[2*i:], F32ToBF16(v))
	}
}

func abs32(v float32) float32 { return math.Float32frombits(math.Float32bits(v) &^ (1 << 31)) }

// inverse returns 1/d, or 0 when d is 0 (ggml's `d ? 1.0f/d : 0.0f`).
func inverse(d float32) float32 {
	if d != 0 {
		return 1 / d
	}
	return 0
}

// signedMax returns the element of largest magnitude (the first one on
// ties), with its sign.
func signedMax(x []float32) float32 {
	var amax, max float32
	for _, v := range x {
		if a := abs32(v); amax < a {
			amax, max = a, v
		}
	}
	return max
}

// minMax returns the smallest and largest values of x, starting from
// ±FLT_MAX as ggml does.
func minMax(x []float32) (min, max float32) {
	min, max = math.MaxFloat32, -math.MaxFloat32
	for _, v := range x {
		if v < min {
			min = v
		}
		if v > max {
			max = v
		}
	}
	return min, max
}

func minByte(a int8, b int8) byte {
	if a < b {
		return byte(a)
	}
	return byte(b)
}

func encodeQ8_0(dst []byte, src []float32) {
	for ; len(src) >= 32; src, dst = src[32:], dst[34:] {
		x := src[:32]
		var amax float32
		for _, v := range x {
			if a := abs32(v); a > amax {
				amax = a
			}
		}
		d := amax / 127
		id := inverse(d)
		put16(dst, F32ToF16(d))
		for j, v := range x {
			dst[2+j] = byte(int8(float32(math.Round(float64(v * id)))))
		}
	}
}

func encodeQ4_0(dst []byte, src []float32) {
	for ; len(src) >= 32; src, dst = src[32:], dst[18:] {
		x := src[:32]
		d := signedMax(x) / -8
		id := inverse(d)
		put16(dst, F32ToF16(d))
		for j := 0; j < 16; j++ {
			x0 := float32(x[j] * id)
			x1 := float32(x[j+16] * id)
			q0 := minByte(15, int8(x0+8.5))
			q1 := minByte(15, int8(x1+8.5))
			dst[2+j] = q0 | q1<<4
		}
	}
}

func encodeQ4_1(dst []byte, src []float32) {
	for ; len(src) >= 32; src, dst = src[32:], dst[20:] {
		x := src[:32]
		min, max := minMax(x)
		d := (max - min) / 15
		id := inverse(d)
		put16(dst, F32ToF16(d))
		put16(dst[2:], F32ToF16(min))
		for j := 0; j < 16; j++ {
			x0 := float32((x[j] - min) * id)
			x1 := float32((x[j+16] - min) * id)
			q0 := minByte(15, int8(x0+0.5))
			q1 := minByte(15, int8(x1+0.5))
			dst[4+j] = q0 | q1<<4
		}
	}
}

func encodeQ5_0(dst []byte, src []float32) {
	for ; len(src) >= 32; src, dst = src[32:], dst[22:] {
		x := src[:32]
		d := signedMax(x) / -16
		id := inverse(d)
		put16(dst, F32ToF16(d))
		var qh uint32
		for j := 0; j < 16; j++ {
			x0 := float32(x[j] * id)
			x1 := float32(x[j+16] * id)
			q0 := minByte(31, int8(x0+16.5))
			q1 := minByte(31, int8(x1+16.5))
			dst[6+j] = q0&0xf | (q1&0xf)<<4
			qh |= uint32(q0>>4&1) << uint(j)
			qh |= uint32(q1>>4&1) << uint(j+16)
		}
		binary.LittleEndian.PutUint32(dst[2:], qh)
	}
}

func encodeQ5_1(dst []byte, src []float32) {
	for ; len(src) >= 32; src, dst = src[32:], dst[24:] {
		x := src[:32]
		min, max := minMax(x)
		d := (max - min) / 31
		id := inverse(d)
		put16(dst, F32ToF16(d))
		put16(dst[2:], F32ToF16(min))
		var qh uint32
		for j := 0; j < 16; j++ {
			x0 := float32((x[j] - min) * id)
			x1 := float32((x[j+16] - min) * id)
			q0 := uint8(x0 + 0.5)
			q1 := uint8(x1 + 0.5)
			dst[8+j] = q0&0xf | (q1&0xf)<<4
			qh |= uint32(q0>>4&1) << uint(j)
			qh |= uint32(q1>>4&1) << uint(j+16)
		}
		binary.LittleEndian.PutUint32(dst[4:], qh)
	}
}
