package kernels

import "math"

// F16ToF32 converts an IEEE 754 binary16 value (given by its bits) to
// float32. The conversion is exact for every input, subnormals included;
// NaNs keep their sign and payload (shifted into the float32 mantissa),
// as ggml's GGML_FP16_TO_FP32 does.
func F16ToF32(h uint16) float32 {
	sign := uint32(h&0x8000) << 16
	exp := uint32(h>>10) & 0x1f
	man := uint32(h & 0x3ff)
	switch {
	case exp == 0x1f: // Inf or NaN
		return math.Float32frombits(sign | 0x7f800000 | man<<13)
	case exp != 0: // normal: rebias 15 → 127
		return math.Float32frombits(sign | (exp+112)<<23 | man<<13)
	case man == 0:
		return math.Float32frombits(sign)
	}
	// Subnormal half: man·2^-24, normalised into a float32.
	e := uint32(113) // biased float32 exponent of 2^-14
	for man&0x400 == 0 {
		man <<= 1
		e--
	}
	return math.Float32frombits(sign | e<<23 | (man&0x3ff)<<13)
}

// F32ToF16 converts f to IEEE 754 binary16 bits, rounding to nearest with
// ties to even. Values beyond the half range become ±Inf, values below
// half the smallest subnormal become ±0, and every NaN becomes the quiet
// NaN 0x7E00 with f's sign. This is bit-identical to ggml's portable
// GGML_FP32_TO_FP16 (ggml_compute_fp32_to_fp16), which the reference
// quantizers in ggml-quants.c use; the F16C instruction (_cvtss_sh) that
// ggml-cpu uses on x86 agrees on every non-NaN input and differs only in
// keeping the NaN payload.
func F32ToF16(f float32) uint16 {
	bits := math.Float32bits(f)
	sign := uint16(bits>>16) & 0x8000
	exp := int(bits>>23) & 0xff
	man := bits & 0x7fffff
	if exp == 0xff {
		if man != 0 {
			return sign | 0x7e00
		}
		return sign | 0x7c00
	}
	he := exp - 127 + 15 // biased half exponent
	if he >= 0x1f {
		return sign | 0x7c00
	}
	if he <= 0 {
		// Result is a half subnormal (or zero, or rounds up to the smallest
		// normal): value in units of 2^-24 is m·2^(exp-126-23+23).
		m := man
		if exp != 0 {
			m |= 0x800000
		} else {
			exp = 1 // float32 subnormal: same scale as exponent 1
		}
		shift := uint(126 - exp) // ≥ 14
		if shift > 24 {
			return sign // below 2^-25: m < 2^24 ≤ half an ulp of 2^-24
		}
		q := m >> shift
		rem := m & (1<<shift - 1)
		half := uint32(1) << (shift - 1)
		if rem > half || (rem == half && q&1 == 1) {
			q++
		}
		return sign | uint16(q)
	}
	q := uint32(he)<<10 | man>>13
	rem := man & 0x1fff
	if rem > 0x1000 || (rem == 0x1000 && q&1 == 1) {
		q++ // may carry into the exponent, up to 0x7c00 (Inf): correct
	}
	return sign | uint16(q)
}

// BF16ToF32 converts bfloat16 bits to float32 (exact: the upper half of
// a float32).
func BF16ToF32(h uint16) float32 { return math.Float32frombits(uint32(h) << 16) }

// F32ToBF16 converts f to bfloat16 bits as ggml's GGML_FP32_TO_BF16 does:
// round to nearest, ties to even, subnormals kept (not flushed), and a NaN
// truncated to its upper half with the quiet bit (0x40) forced on.
func F32ToBF16(f float32) uint16 {
	u := math.Float32bits(f)
	if u&0x7fffffff > 0x7f800000 {
		return uint16(u>>16) | 0x40
	}
	return uint16((u + 0x7fff + (u>>16)&1) >> 16)
}
