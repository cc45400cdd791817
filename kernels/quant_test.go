package kernels

import (
	"encoding/binary"
	"math"
	"math/rand/v2"
	"testing"
)

func TestQuantizeQ8_0KnownBytes(t *testing.T) {
	// amax 127 makes d = 1 exactly, so the quants are roundf(x): halves
	// round away from zero.
	x := make([]float32, 32)
	copy(x, []float32{127, -127, 0.5, -0.5, 1.5, 2.5, -2.5, 126.4, 0.49999997})
	got := make([]byte, 34)
	QuantizeRow(Q8_0, got, x)
	want := make([]byte, 34)
	copy(want, []byte{0x00, 0x3c, 127, 0x81, 1, 0xff, 2, 3, 0xfd, 126, 0})
	if string(got) != string(want) {
		t.Errorf("Q8_0 bytes\n got %x\nwant %x", got, want)
	}
	// All zeros: d = 0, id = 0, every quant 0.
	QuantizeRow(Q8_0, got, make([]float32, 32))
	if string(got) != string(make([]byte, 34)) {
		t.Errorf("Q8_0 of zeros = %x", got)
	}
}

func TestQuantizeQ4_0KnownBytes(t *testing.T) {
	// Largest magnitude negative: d = −8/−8 = 1, q = trunc(x + 8.5), clamped to 15.
	x := make([]float32, 32)
	copy(x, []float32{-8, 7, 0.5, -0.5, 3.49, -3.5, 7.6})
	x[16] = 8 // ties |−8| but comes later: the first one sets the sign
	got := make([]byte, 18)
	QuantizeRow(Q4_0, got, x)
	lo := []byte{0, 15, 9, 8, 11, 5, 15} // elements 0..6; the rest are 0 → 8
	want := []byte{0x00, 0x3c}
	for j := 0; j < 16; j++ {
		l := byte(8)
		if j < len(lo) {
			l = lo[j]
		}
		h := byte(8)
		if j == 0 {
			h = 15 // 8 + 8.5 = 16.5 → 16 → clamped 15
		}
		want = append(want, l|h<<4)
	}
	if string(got) != string(want) {
		t.Errorf("Q4_0 bytes\n got %x\nwant %x", got, want)
	}

	// Largest magnitude positive: d = 8/−8 = −1 (f16 0xbc00), so 8 → 0, −7 → 15.
	x = make([]float32, 32)
	copy(x, []float32{8, -7, 1})
	QuantizeRow(Q4_0, got, x)
	if got[0] != 0x00 || got[1] != 0xbc || got[2]&0xf != 0 || got[3]&0xf != 15 || got[4]&0xf != 7 {
		t.Errorf("Q4_0 with positive max: %x", got)
	}
	deq := make([]float32, 32)
	DequantizeRow(Q4_0, deq, got)
	if deq[0] != 8 || deq[1] != -7 || deq[2] != 1 {
		t.Errorf("Q4_0 round trip %v", deq[:3])
	}
}

func TestQuantizeQ5KnownBytes(t *testing.T) {
	// Q5_0: max −16 → d = 1; x = −16 → 0, 15 → 31, 0 → 16 (fifth bit set).
	x := make([]float32, 32)
	copy(x, []float32{-16, 15, 0})
	got := make([]byte, 22)
	QuantizeRow(Q5_0, got, x)
	qh := binary.LittleEndian.Uint32(got[2:])
	if got[0] != 0 || got[1] != 0x3c || got[6]&0xf != 0 || got[7]&0xf != 15 || got[8]&0xf != 0 {
		t.Errorf("Q5_0 bytes %x", got)
	}
	// Element 0 (q 0) has no fifth bit; every other element (q ≥ 16) has.
	if qh != 0xfffffffe {
		t.Errorf("Q5_0 qh = %#x, want 0xfffffffe", qh)
	}
	// Q5_1: min 0, max 31 → d = 1, m = 0; q = trunc(x + 0.5).
	for i := range x {
		x[i] = float32(i) - 0.4
	}
	x[0], x[31] = 0, 31
	got = make([]byte, 24)
	QuantizeRow(Q5_1, got, x)
	deq := make([]float32, 32)
	DequantizeRow(Q5_1, deq, got)
	for i := range deq {
		if deq[i] != float32(i) {
			t.Fatalf("Q5_1 element %d = %v, want %d", i, deq[i], i)
		}
	}
}

// TestQuantizeRoundTrip checks that every element comes back within half
// a quantization step (plus the f16 rounding of the block's d and m).
func TestQuantizeRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	// lo, hi: the range of the integer multiplying d. Q4_0 and Q5_0 give
	// the largest magnitude q = −8 (−16), so values of the other sign
	// beyond 7.5·|d| (15.5·|d|) clamp to 7 (15) and may miss by up to a
	// whole step: the test allows the distance to the range on top.
	types := []struct {
		dt     DType
		lo, hi float64
		qmax   float64 // largest |q| multiplying d
	}{{Q8_0, -127, 127, 127}, {Q4_0, -8, 7, 8}, {Q4_1, 0, 15, 15}, {Q5_0, -16, 15, 16}, {Q5_1, 0, 31, 31}}
	for _, tc := range types {
		for rep := 0; rep < 200; rep++ {
			x := make([]float32, 32*4)
			scale := math.Ldexp(1, rng.IntN(20)-10)
			shift := 0.0
			if rep%3 == 0 {
				shift = rng.NormFloat64() * scale
			}
			for i := range x {
				x[i] = float32(rng.NormFloat64()*scale + shift)
			}
			q := make([]byte, mustRowBytes(tc.dt, len(x)))
			QuantizeRow(tc.dt, q, x)
			y := make([]float32, len(x))
			DequantizeRow(tc.dt, y, q)
			bb := tc.dt.BlockBytes()
			for b := 0; b < len(x)/32; b++ {
				blk := q[b*bb:]
				sd := float64(F16ToF32(binary.LittleEndian.Uint16(blk)))
				d := math.Abs(sd)
				sm := 0.0
				if tc.dt == Q4_1 || tc.dt == Q5_1 {
					sm = float64(F16ToF32(binary.LittleEndian.Uint16(blk[2:])))
				}
				m := math.Abs(sm)
				// Half a step, plus what rounding d and m to f16 can move a
				// quant (q·|Δd| ≤ qmax·d·2^-11, |Δm| ≤ m·2^-11).
				// (Below 2^-14 f16 is subnormal: its absolute step is 2^-24.)
				dd := math.Max(d*0x1p-11, 0x1p-25)
				dm := math.Max(m*0x1p-11, 0x1p-25)
				bound := 0.5*d + tc.qmax*dd + dm + 1e-6*scale
				for j := 0; j < 32; j++ {
					i := b*32 + j
					excess := 0.0
					if sd != 0 {
						t := (float64(x[i]) - sm) / sd
						excess = math.Max(0, math.Max(t-tc.hi, tc.lo-t)) * d
					}
					if e := math.Abs(float64(x[i]) - float64(y[i])); e > bound+excess {
						t.Fatalf("%s rep %d element %d: %v → %v, error %g > %g", tc.dt, rep, i, x[i], y[i], e, bound)
					}
				}
			}
		}
	}
}

func TestQuantizeFloatTypes(t *testing.T) {
	x := []float32{1, -0.1, 65519, 1e-9}
	f16 := make([]byte, 8)
	QuantizeRow(F16, f16, x)
	want := []uint16{0x3c00, F32ToF16(-0.1), 0x7bff, 0}
	for i, w := range want {
		if got := binary.LittleEndian.Uint16(f16[2*i:]); got != w {
			t.Errorf("F16 element %d = %#04x, want %#04x", i, got, w)
		}
	}
	bf := make([]byte, 8)
	QuantizeRow(BF16, bf, x)
	if got := binary.LittleEndian.Uint16(bf); got != 0x3f80 {
		t.Errorf("BF16 of 1 = %#04x", got)
	}
	f32 := make([]byte, 16)
	QuantizeRow(F32, f32, x)
	if got := math.Float32frombits(binary.LittleEndian.Uint32(f32[4:])); got != -0.1 {
		t.Errorf("F32 element 1 = %v", got)
	}
}

func TestQuantizeRowPanics(t *testing.T) {
	for _, c := range []struct {
		name string
		dt   DType
		n    int
		dst  int
	}{
		{"I32 unsupported", I32, 4, 16},
		{"TLInt8 unsupported", TLInt8, 64, 64},
		{"partial block", Q8_0, 16, 17},
		{"short destination", Q4_0, 32, 17},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", c.name)
				}
			}()
			QuantizeRow(c.dt, make([]byte, c.dst), make([]float32, c.n))
		}()
	}
	if CanQuantize(TLInt8) || CanQuantize(I8) || !CanQuantize(Q6_K) || !CanQuantize(Q5_1) {
		t.Error("CanQuantize disagrees with QuantizeRow")
	}
}

// TestQuantizeKQuants checks the K-quant quantizers' round trip on random
// rows: the relative RMS error must stay within what each type's bits
// allow, and degenerate blocks (zeros, constants, one spike) must give
// finite weights.
func TestQuantizeKQuants(t *testing.T) {
	rng := rand.New(rand.NewPCG(31, 32))
	// Measured: 0.017, 0.035, 0.071, 0.15, 0.30 (σ = 0.02 normal data).
	for _, c := range []struct {
		dt    DType
		limit float64
	}{{Q6_K, 0.022}, {Q5_K, 0.045}, {Q4_K, 0.09}, {Q3_K, 0.19}, {Q2_K, 0.38}} {
		dt, limit := c.dt, c.limit
		x := make([]float32, 256*8)
		for i := range x {
			x[i] = float32(rng.NormFloat64() * 0.02)
		}
		q := make([]byte, mustRowBytes(dt, len(x)))
		QuantizeRow(dt, q, x)
		y := make([]float32, len(x))
		DequantizeRow(dt, y, q)
		var se, sx float64
		for i := range x {
			d := float64(x[i] - y[i])
			se += d * d
			sx += float64(x[i]) * float64(x[i])
		}
		if rel := math.Sqrt(se / sx); rel > limit {
			t.Errorf("%s: relative RMS error %.4f > %.3f", dt, rel, limit)
		}

		for _, name := range []string{"zeros", "constant", "spike", "negative"} {
			b := make([]float32, 256)
			switch name {
			case "constant":
				for i := range b {
					b[i] = 0.5
				}
			case "spike":
				b[77] = 3
			case "negative":
				for i := range b {
					b[i] = -float32(i) / 256
				}
			}
			qb := make([]byte, dt.BlockBytes())
			QuantizeRow(dt, qb, b)
			yb := make([]float32, 256)
			DequantizeRow(dt, yb, qb)
			for i, v := range yb {
				if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) || math.Abs(float64(v-b[i])) > 0.5 {
					t.Fatalf("%s %s: element %d = %v, want about %v", dt, name, i, v, b[i])
				}
			}
		}
	}
}
