package kernels

import (
	"math"
	"testing"
)

// magicF32ToF16 is the float-arithmetic formulation of fp32→fp16 used by
// ggml's portable path (the FP16 library's "magic" rounding through a
// float addition). It is an independent check of F32ToF16's bit logic.
func magicF32ToF16(f float32) uint16 {
	scaleToInf := math.Float32frombits(0x77800000)  // 2^112
	scaleToZero := math.Float32frombits(0x08800000) // 2^-110
	base := float32(float32(abs32(f)*scaleToInf) * scaleToZero)
	w := math.Float32bits(f)
	shl1 := w + w
	sign := w & 0x80000000
	bias := shl1 & 0xff000000
	if bias < 0x71000000 {
		bias = 0x71000000
	}
	base = math.Float32frombits(bias>>1+0x07800000) + base
	bits := math.Float32bits(base)
	nonsign := (bits>>13)&0x7c00 + bits&0x0fff
	if shl1 > 0xff000000 {
		nonsign = 0x7e00
	}
	return uint16(sign>>16) | uint16(nonsign)
}

func TestF16ToF32AllValues(t *testing.T) {
	for i := 0; i < 1<<16; i++ {
		h := uint16(i)
		f := F16ToF32(h)
		exp := int(h>>10) & 0x1f
		man := int(h & 0x3ff)
		neg := h&0x8000 != 0
		var want float64
		switch {
		case exp == 0x1f && man != 0:
			if !math.IsNaN(float64(f)) {
				t.Fatalf("F16ToF32(%#04x) = %v, want NaN", h, f)
			}
			if got := math.Float32bits(f); got>>31 != uint32(h>>15) || (got>>13)&0x3ff != uint32(man) {
				t.Fatalf("F16ToF32(%#04x) = %#08x: sign or payload lost", h, got)
			}
			continue
		case exp == 0x1f:
			want = math.Inf(1)
		case exp == 0:
			want = math.Ldexp(float64(man), -24)
		default:
			want = math.Ldexp(float64(1024+man), exp-25)
		}
		if neg {
			want = -want
		}
		if float64(f) != want || math.Signbit(float64(f)) != neg {
			t.Fatalf("F16ToF32(%#04x) = %v, want %v", h, f, want)
		}
		// Every non-NaN half survives the round trip.
		if back := F32ToF16(f); back != h {
			t.Fatalf("F32ToF16(F16ToF32(%#04x)) = %#04x", h, back)
		}
	}
}

func TestF32ToF16Edges(t *testing.T) {
	cases := []struct {
		in   float32
		want uint16
	}{
		{0, 0x0000},
		{float32(math.Copysign(0, -1)), 0x8000},
		{1, 0x3c00},
		{-2, 0xc000},
		{65504, 0x7bff},                            // largest half
		{65519.99, 0x7bff},                         // just below the rounding point to Inf
		{65520, 0x7c00},                            // tie between 65504 and 2^16: even is Inf
		{float32(math.Inf(1)), 0x7c00},             // +Inf
		{float32(math.Inf(-1)), 0xfc00},            // -Inf
		{math.Float32frombits(0x7fc00001), 0x7e00}, // NaN: canonical quiet NaN
		{math.Float32frombits(0xff800001), 0xfe00}, // signalling NaN with sign
		{float32(math.Ldexp(1, -24)), 0x0001},      // smallest subnormal
		{float32(math.Ldexp(1, -25)), 0x0000},      // tie between 0 and 2^-24: even is 0
		{float32(math.Ldexp(1.5, -25)), 0x0001},    // above the tie
		{float32(math.Ldexp(3, -25)), 0x0002},      // tie between 1 and 2 subnormal units: even is 2
		{float32(math.Ldexp(5, -25)), 0x0002},      // tie between 2 and 3: even is 2
		{float32(math.Ldexp(1023.5, -24)), 0x0400}, // tie at the top of subnormals rounds to the smallest normal
		{float32(math.Ldexp(1, -14)), 0x0400},      // smallest normal
		{1 + float32(math.Ldexp(1, -11)), 0x3c00},  // tie 1 / 1+2^-10: even is 1
		{1 + float32(math.Ldexp(3, -11)), 0x3c02},  // tie 1+2^-10 / 1+2^-9: even is 1+2^-9
		{1 + float32(math.Ldexp(1, -11)) + float32(math.Ldexp(1, -23)), 0x3c01},
		{math.Float32frombits(0x00000001), 0x0000}, // float32 subnormal
		{math.SmallestNonzeroFloat32 * -1, 0x8000},
		{1e-8, 0x0000},
		{6e-8, 0x0001},
	}
	for _, c := range cases {
		if got := F32ToF16(c.in); got != c.want {
			t.Errorf("F32ToF16(%g [%#08x]) = %#04x, want %#04x", c.in, math.Float32bits(c.in), got, c.want)
		}
		if got := magicF32ToF16(c.in); got != c.want {
			t.Errorf("reference magicF32ToF16(%g) = %#04x, want %#04x (test bug)", c.in, got, c.want)
		}
	}
}

func TestF32ToF16MatchesReference(t *testing.T) {
	// Every tie and its neighbours: the midpoint between consecutive halves.
	for i := 0; i < 0x7c00; i++ {
		lo := float64(F16ToF32(uint16(i)))
		hi := float64(F16ToF32(uint16(i + 1)))
		mid := float32((lo + hi) / 2) // exact in float32
		for _, v := range []float32{mid, math.Nextafter32(mid, 0), math.Nextafter32(mid, 1e9)} {
			for _, s := range []float32{v, -v} {
				if got, want := F32ToF16(s), magicF32ToF16(s); got != want {
					t.Fatalf("F32ToF16(%g [%#08x]) = %#04x, reference %#04x", s, math.Float32bits(s), got, want)
				}
			}
		}
	}
	// A stride through all float32 bit patterns.
	for u := uint64(0); u < 1<<32; u += 2999 {
		f := math.Float32frombits(uint32(u))
		if got, want := F32ToF16(f), magicF32ToF16(f); got != want {
			t.Fatalf("F32ToF16(%g [%#08x]) = %#04x, reference %#04x", f, uint32(u), got, want)
		}
	}
}

func TestBF16(t *testing.T) {
	cases := []struct {
		in   uint32 // float32 bits
		want uint16
	}{
		{0x3f800000, 0x3f80},          // 1
		{0x3f808000, 0x3f80},          // tie, even stays
		{0x3f818000, 0x3f82},          // tie, odd rounds up
		{0x3f808001, 0x3f81},          // above the tie
		{0x3f807fff, 0x3f80},          // below the tie
		{0x7f7fffff, 0x7f80},          // MaxFloat32 rounds to +Inf
		{0x7f800000, 0x7f80},          // +Inf
		{0xff800000, 0xff80},          // -Inf
		{0x7f800001, 0x7fc0},          // signalling NaN gets the quiet bit
		{0xffc12345, 0xffc1},          // quiet NaN keeps sign and top payload
		{0x7fa00000, 0x7fe0},          // NaN payload kept, quiet bit added
		{0x00000001, 0x0000},          // tiny subnormal rounds to 0
		{0x00018000, 0x0002},          // subnormal tie rounds to even (not flushed)
		{0x00408000, 0x0040},          // subnormal tie, even
		{0x80000000, 0x8000},          // -0
		{0xc0490fdb, 0xc049},          // -π
		{0x40490fdb + 0x8000, 0x404a}, // rounding up through the mantissa
	}
	for _, c := range cases {
		if got := F32ToBF16(math.Float32frombits(c.in)); got != c.want {
			t.Errorf("F32ToBF16(%#08x) = %#04x, want %#04x", c.in, got, c.want)
		}
	}
	for i := 0; i < 1<<16; i++ {
		f := BF16ToF32(uint16(i))
		if math.Float32bits(f) != uint32(i)<<16 {
			t.Fatalf("BF16ToF32(%#04x) = %#08x", i, math.Float32bits(f))
		}
		if math.IsNaN(float64(f)) {
			continue
		}
		if back := F32ToBF16(f); back != uint16(i) {
			t.Fatalf("F32ToBF16(BF16ToF32(%#04x)) = %#04x", i, back)
		}
	}
}
