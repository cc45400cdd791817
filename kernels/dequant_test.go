package kernels

import (
	"encoding/binary"
	"math"
	"math/rand/v2"
	"testing"
)

// The block builders below pack chosen values (scales, mins, quants) into
// ggml's byte layouts following the packing side of ggml-quants.c (the
// quantizers), so they check the dequantizers' unpacking independently.
// Scales are powers of two and quants small integers, so every expected
// weight is exact in float32 and the comparison is bit-exact.

type builtBlock struct {
	bytes []byte
	want  []float64
}

func pow2(rng *rand.Rand) float64 { return math.Ldexp(1, -rng.IntN(8)) }

func h16(v float64) []byte {
	return binary.LittleEndian.AppendUint16(nil, F32ToF16(float32(v)))
}

func buildQ8_0(rng *rand.Rand) builtBlock {
	d := pow2(rng)
	b := h16(d)
	var want []float64
	for j := 0; j < 32; j++ {
		q := rng.IntN(256) - 128
		b = append(b, byte(int8(q)))
		want = append(want, d*float64(q))
	}
	return builtBlock{b, want}
}

// buildNibbles builds Q4_0/Q4_1/Q5_0/Q5_1 blocks: bits is 4 or 5, off the
// offset subtracted (8, 16) or 0 with a min m.
func buildNibbles(rng *rand.Rand, bits int, withMin bool) builtBlock {
	d := pow2(rng)
	m := 0.0
	b := h16(d)
	if withMin {
		m = -float64(rng.IntN(64)) / 4
		b = append(b, h16(m)...)
	}
	off := 0
	if !withMin {
		off = 1 << (bits - 1)
	}
	var q [32]int
	for j := range q {
		q[j] = rng.IntN(1 << bits)
	}
	if bits == 5 {
		var qh uint32
		for j := 0; j < 16; j++ {
			qh |= uint32(q[j]>>4) << j
			qh |= uint32(q[j+16]>>4) << (j + 16)
		}
		b = binary.LittleEndian.AppendUint32(b, qh)
	}
	for j := 0; j < 16; j++ {
		b = append(b, byte(q[j]&15|(q[j+16]&15)<<4))
	}
	want := make([]float64, 32)
	for j := range q {
		want[j] = d*float64(q[j]-off) + m
	}
	return builtBlock{b, want}
}

// pack2 packs 256 two-bit values as Q2_K/Q3_K's qs.
func pack2(L []int) []byte {
	qs := make([]byte, 64)
	for j := 0; j < 256; j += 128 {
		for l := 0; l < 32; l++ {
			qs[j/4+l] = byte(L[j+l] | L[j+l+32]<<2 | L[j+l+64]<<4 | L[j+l+96]<<6)
		}
	}
	return qs
}

func buildQ2_K(rng *rand.Rand) builtBlock {
	d, dmin := pow2(rng), pow2(rng)
	scales := make([]byte, 16)
	L := make([]int, 256)
	want := make([]float64, 256)
	for k := 0; k < 16; k++ {
		sc, m := rng.IntN(16), rng.IntN(16)
		scales[k] = byte(sc | m<<4)
		for i := 0; i < 16; i++ {
			L[16*k+i] = rng.IntN(4)
			want[16*k+i] = d*float64(sc)*float64(L[16*k+i]) - dmin*float64(m)
		}
	}
	b := append(scales, pack2(L)...)
	b = append(b, h16(d)...)
	b = append(b, h16(dmin)...)
	return builtBlock{b, want}
}

func buildQ3_K(rng *rand.Rand) builtBlock {
	d := pow2(rng)
	scales := make([]byte, 12)
	L := make([]int, 256)
	want := make([]float64, 256)
	for j := 0; j < 16; j++ {
		s := rng.IntN(64) - 32
		l := s + 32
		if j < 8 {
			scales[j] = byte(l & 0xf)
		} else {
			scales[j-8] |= byte(l&0xf) << 4
		}
		scales[j%4+8] |= byte(l>>4) << (2 * (j / 4))
		for i := 0; i < 16; i++ {
			q := rng.IntN(8) - 4
			L[16*j+i] = q + 4
			want[16*j+i] = d * float64(s) * float64(q)
		}
	}
	hmask := make([]byte, 32)
	for j := 0; j < 256; j++ {
		if L[j] > 3 {
			hmask[j%32] |= 1 << (j / 32)
			L[j] -= 4
		}
	}
	b := append(hmask, pack2(L)...)
	b = append(b, scales...)
	b = append(b, h16(d)...)
	return builtBlock{b, want}
}

// packK4 packs 8 six-bit scales and mins as Q4_K/Q5_K's 12 bytes.
func packK4(sc, m []int) []byte {
	s := make([]byte, 12)
	for j := 0; j < 8; j++ {
		ls, lm := byte(sc[j]), byte(m[j])
		if j < 4 {
			s[j] = ls
			s[j+4] = lm
		} else {
			s[j+4] = ls&0xf | (lm&0xf)<<4
			s[j-4] |= (ls >> 4) << 6
			s[j] |= (lm >> 4) << 6
		}
	}
	return s
}

func buildK45(rng *rand.Rand, bits int) builtBlock {
	d, dmin := pow2(rng), pow2(rng)
	sc, m := make([]int, 8), make([]int, 8)
	L := make([]int, 256)
	want := make([]float64, 256)
	for j := 0; j < 8; j++ {
		sc[j], m[j] = rng.IntN(64), rng.IntN(64)
		for i := 0; i < 32; i++ {
			L[32*j+i] = rng.IntN(1 << bits)
			want[32*j+i] = d*float64(sc[j])*float64(L[32*j+i]) - dmin*float64(m[j])
		}
	}
	b := append(h16(d), h16(dmin)...)
	b = append(b, packK4(sc, m)...)
	if bits == 5 {
		qh := make([]byte, 32)
		m1, m2 := byte(1), byte(2)
		for n := 0; n < 256; n += 64 {
			for j := 0; j < 32; j++ {
				if L[n+j] > 15 {
					L[n+j] -= 16
					qh[j] |= m1
				}
				if L[n+j+32] > 15 {
					L[n+j+32] -= 16
					qh[j] |= m2
				}
			}
			m1 <<= 2
			m2 <<= 2
		}
		b = append(b, qh...)
	}
	for j := 0; j < 256; j += 64 {
		for l := 0; l < 32; l++ {
			b = append(b, byte(L[j+l]|L[j+l+32]<<4))
		}
	}
	return builtBlock{b, want}
}

func buildQ6_K(rng *rand.Rand) builtBlock {
	d := pow2(rng)
	scales := make([]byte, 16)
	L := make([]int, 256)
	want := make([]float64, 256)
	for j := 0; j < 16; j++ {
		s := rng.IntN(256) - 128
		scales[j] = byte(int8(s))
		for i := 0; i < 16; i++ {
			q := rng.IntN(64) - 32
			L[16*j+i] = q + 32
			want[16*j+i] = d * float64(s) * float64(q)
		}
	}
	ql := make([]byte, 128)
	qh := make([]byte, 64)
	for j := 0; j < 256; j += 128 {
		o, h := ql[j/2:], qh[j/4:]
		for l := 0; l < 32; l++ {
			q1, q2, q3, q4 := L[j+l], L[j+l+32], L[j+l+64], L[j+l+96]
			o[l] = byte(q1&0xf | (q3&0xf)<<4)
			o[l+32] = byte(q2&0xf | (q4&0xf)<<4)
			h[l] = byte(q1>>4 | (q2>>4)<<2 | (q3>>4)<<4 | (q4>>4)<<6)
		}
	}
	b := append(ql, qh...)
	b = append(b, scales...)
	b = append(b, h16(d)...)
	return builtBlock{b, want}
}

var blockBuilders = map[DType]func(*rand.Rand) builtBlock{
	Q8_0: buildQ8_0,
	Q4_0: func(r *rand.Rand) builtBlock { return buildNibbles(r, 4, false) },
	Q4_1: func(r *rand.Rand) builtBlock { return buildNibbles(r, 4, true) },
	Q5_0: func(r *rand.Rand) builtBlock { return buildNibbles(r, 5, false) },
	Q5_1: func(r *rand.Rand) builtBlock { return buildNibbles(r, 5, true) },
	Q2_K: buildQ2_K,
	Q3_K: buildQ3_K,
	Q4_K: func(r *rand.Rand) builtBlock { return buildK45(r, 4) },
	Q5_K: func(r *rand.Rand) builtBlock { return buildK45(r, 5) },
	Q6_K: buildQ6_K,
}

func TestDequantizeBuiltBlocks(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for dt, build := range blockBuilders {
		for rep := 0; rep < 20; rep++ {
			// A row of three blocks, to check block strides too.
			var src []byte
			var want []float64
			for k := 0; k < 3; k++ {
				b := build(rng)
				if len(b.bytes) != dt.BlockBytes() || len(b.want) != dt.BlockSize() {
					t.Fatalf("%s: builder made %d bytes / %d values", dt, len(b.bytes), len(b.want))
				}
				src = append(src, b.bytes...)
				want = append(want, b.want...)
			}
			got := make([]float32, len(want))
			DequantizeRow(dt, got, src)
			for i := range want {
				if float64(got[i]) != want[i] {
					t.Fatalf("%s rep %d: element %d = %v, want %v", dt, rep, i, got[i], want[i])
				}
			}
		}
	}
}

// TestDequantizeKnownBlocks pins a few blocks written out byte by byte.
func TestDequantizeKnownBlocks(t *testing.T) {
	// Q8_0: d = 0.5 (0x3800), q = 0, 1, -1, 127, -128, then zeros.
	q8 := make([]byte, 34)
	copy(q8, []byte{0x00, 0x38, 0, 1, 0xff, 127, 0x80})
	got := make([]float32, 32)
	DequantizeRow(Q8_0, got, q8)
	if want := []float32{0, 0.5, -0.5, 63.5, -64}; !equal32(got[:5], want) || got[31] != 0 {
		t.Errorf("Q8_0 = %v, want %v then zeros", got[:5], want)
	}

	// Q4_0: d = 2 (0x4000); byte 0 = 0xF0: element 0 = (0−8)·2, element 16 = (15−8)·2.
	q4 := make([]byte, 18)
	q4[1] = 0x40
	q4[2] = 0xf0
	for j := 1; j < 16; j++ {
		q4[2+j] = 0x88
	}
	DequantizeRow(Q4_0, got, q4)
	if got[0] != -16 || got[16] != 14 || got[1] != 0 || got[17] != 0 {
		t.Errorf("Q4_0 = %v", got)
	}

	// Q5_0: d = 1, qh bit 0 and bit 16 set, nibbles 0: element 0 = 16−16 = 0,
	// element 16 = 0, element 1 = −16.
	q5 := make([]byte, 22)
	q5[1] = 0x3c
	binary.LittleEndian.PutUint32(q5[2:], 1|1<<16)
	DequantizeRow(Q5_0, got, q5)
	if got[0] != 0 || got[16] != 0 || got[1] != -16 || got[17] != -16 {
		t.Errorf("Q5_0 = %v", got)
	}

	// Q4_K with only sub-block 5 non-zero: scale byte layout puts its low
	// scale bits in scales[9] low nibble and high bits in scales[1] bits 6-7.
	q4k := make([]byte, 144)
	binary.LittleEndian.PutUint16(q4k[0:], 0x3c00) // d = 1
	binary.LittleEndian.PutUint16(q4k[2:], 0x3c00) // dmin = 1
	sc := q4k[4:16]
	sc[9] = 0x2 | 0x3<<4 // sub-block 5: scale low 2, min low 3
	sc[1] = 1 << 6       // scale high bits 01 → scale 18
	sc[5] = 2 << 6       // min high bits 10 → min 35
	for i := range q4k[16:] {
		q4k[16+i] = 0x11 // every quant 1
	}
	got256 := make([]float32, 256)
	DequantizeRow(Q4_K, got256, q4k)
	for i, v := range got256 {
		want := float32(0)
		if i/32 == 5 {
			want = 18 - 35
		}
		if v != want {
			t.Fatalf("Q4_K element %d = %v, want %v", i, v, want)
		}
	}
}

func equal32(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestDequantizeFloatTypes(t *testing.T) {
	vals := []float32{0, 1, -2.5, 65504, float32(math.Inf(-1)), 1e-7, 3.14159}
	for _, dt := range []DType{F32, F16, BF16} {
		src := make([]byte, mustRowBytes(dt, len(vals)))
		QuantizeRow(dt, src, vals)
		got := make([]float32, len(vals))
		DequantizeRow(dt, got, src)
		for i, v := range vals {
			var want float32
			switch dt {
			case F32:
				want = v
			case F16:
				want = F16ToF32(F32ToF16(v))
			case BF16:
				want = BF16ToF32(F32ToBF16(v))
			}
			if got[i] != want {
				t.Errorf("%s element %d = %v, want %v", dt, i, got[i], want)
			}
		}
	}
}

func mustRowBytes(dt DType, n int) int {
	b, err := dt.RowBytes(n)
	if err != nil {
		panic(err)
	}
	return b
}

func TestDequantizeRowPanics(t *testing.T) {
	for _, c := range []struct {
		name string
		dt   DType
		n    int
		src  int
	}{
		{"TLInt8", TLInt8, 64, 64},
		{"I32", I32, 4, 16},
		{"short source", Q8_0, 32, 33},
		{"partial block", Q4_K, 128, 72},
		{"invalid dtype", DType(200), 1, 4},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", c.name)
				}
			}()
			DequantizeRow(c.dt, make([]float32, c.n), make([]byte, c.src))
		}()
	}
}

func TestDequantizeTLInt8(t *testing.T) {
	src := make([]byte, 128)
	src[0] = 0xfc // -4
	src[64] = 10
	got := make([]float32, 128)
	DequantizeTLInt8(got, src, []float32{2, 4})
	if got[0] != -2 || got[64] != 2.5 || got[1] != 0 {
		t.Errorf("DequantizeTLInt8 = %v %v %v", got[0], got[64], got[1])
	}
}
