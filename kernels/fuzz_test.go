package kernels

import (
	"encoding/binary"
	"math"
	"math/rand/v2"
	"testing"
)

// FuzzDequantizeRow feeds arbitrary block bytes (weights come from files)
// to every decoder: no input of the right length may panic, the generic
// MatVec over the row must agree with Dot of the dequantized row, and
// every SIMD set with the float64 dot within its bound (float32 partials:
// a few float32 roundings of Σ|w·x|; unchecked where Σ|w·x| nears the
// float32 range, where partials may overflow).
func FuzzDequantizeRow(f *testing.F) {
	rng := rand.New(rand.NewPCG(21, 22))
	for dt, build := range blockBuilders {
		f.Add(uint8(dt), build(rng).bytes)
	}
	f.Add(uint8(F16), []byte{0x00, 0x7c, 0x01, 0x7c, 0xff, 0xff, 0x00, 0x80})
	f.Add(uint8(BF16), []byte{0x80, 0x7f, 0xc1, 0xff})
	f.Add(uint8(F32), []byte{0, 0, 0x80, 0x7f, 1, 0, 0x80, 0x7f})
	f.Fuzz(func(t *testing.T, code uint8, data []byte) {
		dt := DType(code % uint8(numDTypes))
		if !dt.IsWeight() || dt == TLInt8 {
			return
		}
		n := len(data) / dt.BlockBytes() * dt.BlockSize()
		data = data[:n/dt.BlockSize()*dt.BlockBytes()]
		if n == 0 {
			return
		}
		row := make([]float32, n)
		DequantizeRow(dt, row, data)
		x := make([]float32, n)
		for i := range x {
			x[i] = float32(i%7) - 3
		}
		got := make([]float32, 1)
		m := Mat{DType: dt, Rows: 1, Cols: n, Data: data}
		withKernels("generic", func() { MatVec(got, m, x) })
		var ref, mag float64
		for i := range row {
			ref += float64(row[i]) * float64(x[i])
			mag += math.Abs(float64(row[i]) * float64(x[i]))
		}
		for _, name := range runnableSets() {
			if name == "generic" || math.IsNaN(mag) || mag > 1e30 {
				continue
			}
			simd := make([]float32, 1)
			withKernels(name, func() { MatVec(simd, m, x) })
			if e := math.Abs(float64(simd[0]) - ref); !(e <= math.Abs(ref)*0x1p-24+mag*0x1p-21) {
				t.Fatalf("%s %s: MatVec %v, float64 dot %v (Σ|w·x| %v)", name, dt, simd[0], ref, mag)
			}
		}
		// The generic Dot sums in float64 (a SIMD set's Dot in float32
		// partials, whose bound the loop above checks).
		var want float32
		withKernels("generic", func() { want = Dot(row, x) })
		if math.Float32bits(got[0]) != math.Float32bits(want) && !(math.IsNaN(float64(got[0])) && math.IsNaN(float64(want))) {
			// Dot sums in one pass, MatVec by chunks of 256: allow float64
			// noise (relative to Σ|w·x| when the sum cancels).
			if math.Abs(float64(got[0]-want)) > 1e-6*math.Abs(float64(want))+1e-14*mag {
				t.Fatalf("%s: MatVec %v, Dot of the dequantized row %v", dt, got[0], want)
			}
		}
	})
}

// FuzzQuantizeRoundTrip quantizes arbitrary finite values and checks
// that dequantizing gives them back within a step of the block's scale.
func FuzzQuantizeRoundTrip(f *testing.F) {
	f.Add(uint8(Q8_0), make([]byte, 128))
	f.Add(uint8(Q4_0), binary.LittleEndian.AppendUint32(make([]byte, 124), math.Float32bits(-3)))
	f.Add(uint8(Q5_1), binary.LittleEndian.AppendUint32(make([]byte, 124), math.Float32bits(1e30)))
	f.Fuzz(func(t *testing.T, code uint8, data []byte) {
		dt := []DType{Q8_0, Q4_0, Q4_1, Q5_0, Q5_1}[int(code)%5]
		if len(data) < 128 {
			return
		}
		x := make([]float32, 32)
		var amax float64
		for i := range x {
			v := math.Float32frombits(binary.LittleEndian.Uint32(data[4*i:]))
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) || math.Abs(float64(v)) > 6e4 || math.Abs(float64(v)) < 1e-3 {
				v = 0 // keep scales inside the f16 range
			}
			x[i] = v
			amax = math.Max(amax, math.Abs(float64(v)))
		}
		q := make([]byte, dt.BlockBytes())
		QuantizeRow(dt, q, x)
		y := make([]float32, 32)
		DequantizeRow(dt, y, q)
		// A step is at most 2·amax/15 (Q4_1 over a range of 2·amax);
		// allow one step plus f16 rounding.
		bound := 2*amax/15 + amax*0x1p-9 + 1e-3
		for i := range x {
			if e := math.Abs(float64(x[i]) - float64(y[i])); e > bound {
				t.Fatalf("%s: %v → %v (error %g > %g)", dt, x[i], y[i], e, bound)
			}
		}
	})
}

// FuzzQuantizeKQuants quantizes arbitrary values (NaN and Inf included)
// with the K-quant quantizers: they must not panic, and finite inputs of
// moderate size must come back finite.
func FuzzQuantizeKQuants(f *testing.F) {
	f.Add(uint8(0), make([]byte, 1024))
	f.Add(uint8(2), binary.LittleEndian.AppendUint32(make([]byte, 1020), math.Float32bits(float32(math.NaN()))))
	f.Add(uint8(4), binary.LittleEndian.AppendUint32(make([]byte, 1020), math.Float32bits(7)))
	f.Fuzz(func(t *testing.T, code uint8, data []byte) {
		dt := []DType{Q2_K, Q3_K, Q4_K, Q5_K, Q6_K}[int(code)%5]
		if len(data) < 1024 {
			return
		}
		x := make([]float32, 256)
		finite := true
		for i := range x {
			x[i] = math.Float32frombits(binary.LittleEndian.Uint32(data[4*i:]))
			if v := float64(x[i]); math.IsNaN(v) || math.Abs(v) > 1e4 || (v != 0 && math.Abs(v) < 1e-4) {
				finite = false
			}
		}
		q := make([]byte, dt.BlockBytes())
		QuantizeRow(dt, q, x)
		y := make([]float32, 256)
		DequantizeRow(dt, y, q)
		if !finite {
			return
		}
		for i, v := range y {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				t.Fatalf("%s: element %d of %v came back %v", dt, i, x[i], v)
			}
		}
	})
}
