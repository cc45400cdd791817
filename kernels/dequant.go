package kernels

import (
	"encoding/binary"
	"math"
)

// The dequantizers below reproduce ggml's dequantize_row_* (ggml-quants.c)
// bit for bit: the same block layouts (ggml-common.h), the same float32
// operations in the same order. Every product that ggml writes as a*b+c is
// computed here as float32(a*b)+c: the explicit conversion forbids the Go
// compiler from fusing it into an FMA, so the result is that of a plain C
// build of ggml (a build that lets the C compiler contract into FMA can
// differ in the last bit of Q4_1, Q5_1 and the K-quants with mins).

// rowDecoder converts whole blocks: len(dst) is a multiple of the block
// size and src holds exactly the bytes of those blocks.
type rowDecoder func(dst []float32, src []byte)

var rowDecoders = [numDTypes]rowDecoder{
	F32:  decodeF32,
	F16:  decodeF16,
	BF16: decodeBF16,
	Q8_0: decodeQ8_0,
	Q4_0: decodeQ4_0,
	Q4_1: decodeQ4_1,
	Q5_0: decodeQ5_0,
	Q5_1: decodeQ5_1,
	Q2_K: decodeQ2_K,
	Q3_K: decodeQ3_K,
	Q4_K: decodeQ4_K,
	Q5_K: decodeQ5_K,
	Q6_K: decodeQ6_K,
}

// DequantizeRow converts len(dst) elements stored as dt in src into dst,
// bit-identical to ggml's dequantize_row_* for the quantized types (and
// exact for F32, F16 and BF16). src must hold exactly the bytes
// dt.RowBytes(len(dst)) reports; it panics otherwise (a programmer error:
// readers validate sizes at load). It panics for TLInt8 (use
// DequantizeTLInt8) and for the integer types.
func DequantizeRow(dt DType, dst []float32, src []byte) {
	if !dt.Valid() || rowDecoders[dt] == nil {
		panic("kernels: DequantizeRow: unsupported dtype " + dt.String())
	}
	want, err := dt.RowBytes(len(dst))
	if err != nil {
		panic("kernels: DequantizeRow: " + err.Error())
	}
	if len(src) != want {
		panic("kernels: DequantizeRow: " + dt.String() + " source has the wrong length")
	}
	rowDecoders[dt](dst, src)
}

// DequantizeTLInt8 converts torchless grouped int8 values: each group of
// TLInt8Group elements of src shares scales[g]; dst[i] = q / scale.
func DequantizeTLInt8(dst []float32, src []byte, scales []float32) {
	for i := range dst {
		dst[i] = float32(int8(src[i])) / scales[i/TLInt8Group]
	}
}

func le16(b []byte) uint16 { return binary.LittleEndian.Uint16(b) }
func le32(b []byte) uint32 { return binary.LittleEndian.Uint32(b) }

func decodeF32(dst []float32, src []byte) {
	src = src[:4*len(dst)]
	for i := range dst {
		dst[i] = math.Float32frombits(le32(src[4*i:]))
	}
}

// f16Table holds F16ToF32 of every half (256 KiB), for decoding F16 rows.
var f16Table = func() *[1 << 16]float32 {
	t := new([1 << 16]float32)
	for i := range t {
		t[i] = F16ToF32(uint16(i))
	}
	return t
}()

func decodeF16(dst []float32, src []byte) {
	src = src[:2*len(dst)]
	t := f16Table
	for i := range dst {
		dst[i] = t[uint16(src[2*i])|uint16(src[2*i+1])<<8]
	}
}

func decodeBF16(dst []float32, src []byte) {
	src = src[:2*len(dst)]
	for i := range dst {
		dst[i] = BF16ToF32(le16(src[2*i:]))
	}
}

// Q8_0: f16 d, 32 × int8 q; w = q·d.
func decodeQ8_0(dst []float32, src []byte) {
	for ; len(dst) >= 32; dst, src = dst[32:], src[34:] {
		d := F16ToF32(le16(src))
		q := src[2:34]
		y := dst[:32]
		for j := range y {
			y[j] = float32(int8(q[j])) * d
		}
	}
}

// Q4_0: f16 d, 16 bytes; low nibbles are elements 0..15, high 16..31;
// w = (q−8)·d.
func decodeQ4_0(dst []float32, src []byte) {
	for ; len(dst) >= 32; dst, src = dst[32:], src[18:] {
		d := F16ToF32(le16(src))
		q := src[2:18]
		y := dst[:32]
		for j := 0; j < 16; j++ {
			y[j] = float32(int(q[j]&0xf)-8) * d
			y[j+16] = float32(int(q[j]>>4)-8) * d
		}
	}
}

// Q4_1: f16 d, f16 m, 16 bytes of nibbles; w = q·d + m.
func decodeQ4_1(dst []float32, src []byte) {
	for ; len(dst) >= 32; dst, src = dst[32:], src[20:] {
		d := F16ToF32(le16(src))
		m := F16ToF32(le16(src[2:]))
		q := src[4:20]
		y := dst[:32]
		for j := 0; j < 16; j++ {
			y[j] = float32(float32(q[j]&0xf)*d) + m
			y[j+16] = float32(float32(q[j]>>4)*d) + m
		}
	}
}

// Q5_0: f16 d, u32 qh (bit j is the fifth bit of element j), 16 bytes of
// nibbles; w = (q−16)·d.
func decodeQ5_0(dst []float32, src []byte) {
	for ; len(dst) >= 32; dst, src = dst[32:], src[22:] {
		d := F16ToF32(le16(src))
		qh := le32(src[2:])
		q := src[6:22]
		y := dst[:32]
		for j := 0; j < 16; j++ {
			h0 := byte(qh>>uint(j)<<4) & 0x10
			h1 := byte(qh>>uint(j+12)) & 0x10
			y[j] = float32(int(q[j]&0xf|h0)-16) * d
			y[j+16] = float32(int(q[j]>>4|h1)-16) * d
		}
	}
}

// Q5_1: f16 d, f16 m, u32 qh, 16 bytes of nibbles; w = q·d + m.
func decodeQ5_1(dst []float32, src []byte) {
	for ; len(dst) >= 32; dst, src = dst[32:], src[24:] {
		d := F16ToF32(le16(src))
		m := F16ToF32(le16(src[2:]))
		qh := le32(src[4:])
		q := src[8:24]
		y := dst[:32]
		for j := 0; j < 16; j++ {
			h0 := byte(qh>>uint(j)<<4) & 0x10
			h1 := byte(qh>>uint(j+12)) & 0x10
			y[j] = float32(float32(q[j]&0xf|h0)*d) + m
			y[j+16] = float32(float32(q[j]>>4|h1)*d) + m
		}
	}
}

// Q2_K (84 bytes): scales[16] (low nibble scale, high nibble min, one per
// 16 elements), qs[64] (2-bit quants), f16 d, f16 dmin.
// w = d·sc·q − dmin·m.
func decodeQ2_K(dst []float32, src []byte) {
	for ; len(dst) >= 256; dst, src = dst[256:], src[84:] {
		scales := src[0:16]
		qs := src[16:80]
		d := F16ToF32(le16(src[80:]))
		min := F16ToF32(le16(src[82:]))
		y := dst[:256]
		is := 0
		for n := 0; n < 2; n++ {
			q := qs[32*n : 32*n+32]
			for shift := uint(0); shift < 8; shift += 2 {
				for half := 0; half < 2; half++ {
					sc := scales[is]
					is++
					dl := d * float32(sc&0xf)
					ml := min * float32(sc>>4)
					qq := q[16*half : 16*half+16]
					yy := y[:16]
					for l := range yy {
						yy[l] = float32(dl*float32((qq[l]>>shift)&3)) - ml
					}
					y = y[16:]
				}
			}
		}
	}
}

// Q3_K (110 bytes): hmask[32] (high bits), qs[64] (low 2 bits),
// scales[12] (16 six-bit scales), f16 d. w = d·(sc−32)·(q−4·!hbit).
func decodeQ3_K(dst []float32, src []byte) {
	const kmask1 = 0x03030303
	const kmask2 = 0x0f0f0f0f
	var scales [16]int8
	for ; len(dst) >= 256; dst, src = dst[256:], src[110:] {
		hm := src[0:32]
		qs := src[32:96]
		sb := src[96:108]
		dAll := F16ToF32(le16(src[108:]))

		a0, a1, tmp := le32(sb), le32(sb[4:]), le32(sb[8:])
		aux := [4]uint32{
			a0&kmask2 | (tmp>>0&kmask1)<<4,
			a1&kmask2 | (tmp>>2&kmask1)<<4,
			a0>>4&kmask2 | (tmp>>4&kmask1)<<4,
			a1>>4&kmask2 | (tmp>>6&kmask1)<<4,
		}
		for k := range scales {
			scales[k] = int8(aux[k/4] >> (8 * uint(k%4)))
		}

		y := dst[:256]
		is := 0
		m := byte(1)
		for n := 0; n < 2; n++ {
			q := qs[32*n : 32*n+32]
			for shift := uint(0); shift < 8; shift += 2 {
				for half := 0; half < 2; half++ {
					dl := dAll * float32(int(scales[is])-32)
					is++
					qq := q[16*half : 16*half+16]
					hh := hm[16*half : 16*half+16]
					yy := y[:16]
					for l := range yy {
						v := int((qq[l] >> shift) & 3)
						if hh[l]&m == 0 {
							v -= 4
						}
						yy[l] = dl * float32(v)
					}
					y = y[16:]
				}
				m <<= 1
			}
		}
	}
}

// scaleMinK4 unpacks the j-th 6-bit scale and min of Q4_K/Q5_K's 12
// scale bytes (ggml's get_scale_min_k4).
func scaleMinK4(j int, q []byte) (sc, m byte) {
	if j < 4 {
		return q[j] & 63, q[j+4] & 63
	}
	return q[j+4]&0xf | (q[j-4]>>6)<<4, q[j+4]>>4 | (q[j]>>6)<<4
}

// Q4_K (144 bytes): f16 d, f16 dmin, scales[12], qs[128]. Each 64
// elements use 32 bytes: low nibbles the first 32, high nibbles the next.
// w = d·sc·q − dmin·m.
func decodeQ4_K(dst []float32, src []byte) {
	for ; len(dst) >= 256; dst, src = dst[256:], src[144:] {
		d := F16ToF32(le16(src))
		min := F16ToF32(le16(src[2:]))
		scales := src[4:16]
		qs := src[16:144]
		y := dst[:256]
		for j := 0; j < 4; j++ {
			sc, m := scaleMinK4(2*j, scales)
			d1, m1 := d*float32(sc), min*float32(m)
			sc, m = scaleMinK4(2*j+1, scales)
			d2, m2 := d*float32(sc), min*float32(m)
			q := qs[32*j : 32*j+32]
			lo, hi := y[:32], y[32:64]
			for l := range q {
				lo[l] = float32(d1*float32(q[l]&0xf)) - m1
				hi[l] = float32(d2*float32(q[l]>>4)) - m2
			}
			y = y[64:]
		}
	}
}

// Q5_K (176 bytes): f16 d, f16 dmin, scales[12], qh[32], qs[128].
// Element group j (64 elements) takes fifth bits from qh bits 2j, 2j+1.
func decodeQ5_K(dst []float32, src []byte) {
	for ; len(dst) >= 256; dst, src = dst[256:], src[176:] {
		d := F16ToF32(le16(src))
		min := F16ToF32(le16(src[2:]))
		scales := src[4:16]
		qh := src[16:48]
		qs := src[48:176]
		y := dst[:256]
		u1, u2 := byte(1), byte(2)
		for j := 0; j < 4; j++ {
			sc, m := scaleMinK4(2*j, scales)
			d1, m1 := d*float32(sc), min*float32(m)
			sc, m = scaleMinK4(2*j+1, scales)
			d2, m2 := d*float32(sc), min*float32(m)
			ql := qs[32*j : 32*j+32]
			lo, hi := y[:32], y[32:64]
			for l := range ql {
				v1 := int(ql[l] & 0xf)
				if qh[l]&u1 != 0 {
					v1 += 16
				}
				v2 := int(ql[l] >> 4)
				if qh[l]&u2 != 0 {
					v2 += 16
				}
				lo[l] = float32(d1*float32(v1)) - m1
				hi[l] = float32(d2*float32(v2)) - m2
			}
			y = y[64:]
			u1 <<= 2
			u2 <<= 2
		}
	}
}

// Q6_K (210 bytes): ql[128] (low 4 bits), qh[64] (high 2 bits),
// scales[16] (int8, one per 16 elements), f16 d. w = d·sc·(q−32).
func decodeQ6_K(dst []float32, src []byte) {
	for ; len(dst) >= 256; dst, src = dst[256:], src[210:] {
		d := F16ToF32(le16(src[208:]))
		for n := 0; n < 2; n++ {
			ql := src[64*n : 64*n+64]
			qh := src[128+32*n : 128+32*n+32]
			sc := src[192+8*n : 192+8*n+8]
			y := dst[128*n : 128*n+128]
			for l := 0; l < 32; l++ {
				is := l / 16
				q1 := int(ql[l]&0xf|(qh[l]>>0&3)<<4) - 32
				q2 := int(ql[l+32]&0xf|(qh[l]>>2&3)<<4) - 32
				q3 := int(ql[l]>>4|(qh[l]>>4&3)<<4) - 32
				q4 := int(ql[l+32]>>4|(qh[l]>>6&3)<<4) - 32
				y[l] = d * float32(int8(sc[is])) * float32(q1)
				y[l+32] = d * float32(int8(sc[is+2])) * float32(q2)
				y[l+64] = d * float32(int8(sc[is+4])) * float32(q3)
				y[l+96] = d * float32(int8(sc[is+6])) * float32(q4)
			}
		}
	}
}
