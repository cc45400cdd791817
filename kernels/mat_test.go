package kernels

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// weightDTypes are every dtype MatVec accepts.
var weightDTypes = []DType{F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q2_K, Q3_K, Q4_K, Q5_K, Q6_K, TLInt8}

// randomMat builds a rows×cols matrix of dtype dt with random contents:
// quantized blocks from the block builders, floats through QuantizeRow,
// int8 with random scales.
func randomMat(rng *rand.Rand, dt DType, rows, cols int) Mat {
	m := Mat{DType: dt, Rows: rows, Cols: cols}
	switch {
	case dt == TLInt8:
		m.Data = make([]byte, rows*cols)
		for i := range m.Data {
			m.Data[i] = byte(rng.IntN(256))
		}
		m.Scales = make([]float32, rows*cols/TLInt8Group)
		for i := range m.Scales {
			m.Scales[i] = float32(50 + rng.Float64()*200)
		}
	case dt.Quantized():
		for i := 0; i < rows*cols/dt.BlockSize(); i++ {
			m.Data = append(m.Data, blockBuilders[dt](rng).bytes...)
		}
	default:
		src := make([]float32, rows*cols)
		for i := range src {
			src[i] = float32(rng.NormFloat64())
		}
		m.Data = make([]byte, mustRowBytes(dt, rows*cols))
		QuantizeRow(dt, m.Data, src)
	}
	return m
}

// refRow returns row r of m as DequantizeRow/DequantizeTLInt8 give it.
func refRow(m Mat, r int) []float32 {
	out := make([]float32, m.Cols)
	rb := m.rowBytes()
	row := m.Data[r*rb : (r+1)*rb]
	if m.DType == TLInt8 {
		g := m.Cols / TLInt8Group
		DequantizeTLInt8(out, row, m.Scales[r*g:(r+1)*g])
	} else {
		DequantizeRow(m.DType, out, row)
	}
	return out
}

// refDot is the exact-ish reference: a float64 sum of float64 products,
// and the sum of magnitudes for the error bound.
func refDot(w, x []float32) (dot, mag float64) {
	for i := range w {
		p := float64(w[i]) * float64(x[i])
		dot += p
		mag += math.Abs(p)
	}
	return dot, mag
}

func colsFor(dt DType) []int {
	switch dt.BlockSize() {
	case 256:
		return []int{256, 768, 2048}
	case 32:
		return []int{32, 96, 544, 2048}
	}
	if dt == TLInt8 {
		return []int{64, 320, 2048}
	}
	// The last width is a wide row (wideRow) on any L1 up to 64 KiB.
	return []int{1, 5, 96, 300, 2048, 64<<10/8 + 69}
}

func TestMatVecMatMulAgainstFloat64(t *testing.T) {
	withKernels("generic", func() { testGenericAgainstFloat64(t) })
}

// testGenericAgainstFloat64 checks the generic kernels' float64 contract.
func testGenericAgainstFloat64(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, dt := range weightDTypes {
		for _, rows := range []int{1, 3, 7, 33} {
			for _, cols := range colsFor(dt) {
				w := randomMat(rng, dt, rows, cols)
				if err := w.Validate(); err != nil {
					t.Fatal(err)
				}
				const n = 3
				x := make([]float32, n*cols)
				for i := range x {
					x[i] = float32(rng.NormFloat64())
				}
				got := make([]float32, rows)
				MatVec(got, w, x[:cols])
				mm := make([]float32, n*rows)
				MatMul(mm, w, x, n)
				for r := 0; r < rows; r++ {
					wr := refRow(w, r)
					for i := 0; i < n; i++ {
						ref, mag := refDot(wr, x[i*cols:(i+1)*cols])
						// One float32 rounding of the result, plus float64 noise.
						bound := math.Abs(ref)*0x1p-24 + mag*1e-13
						v := mm[i*rows+r]
						if e := math.Abs(float64(v) - ref); e > bound {
							t.Fatalf("%s %d×%d: MatMul[%d,%d] = %v, reference %v (error %g > %g)", dt, rows, cols, i, r, v, ref, e, bound)
						}
						if i == 0 && math.Float32bits(got[r]) != math.Float32bits(v) {
							t.Fatalf("%s %d×%d row %d: MatVec %v differs from MatMul %v", dt, rows, cols, r, got[r], v)
						}
					}
				}
			}
		}
	}
}

// TestMatVecLargeParallel runs a product big enough to use the pool and
// checks it against the row-by-row reference.
func TestMatVecLargeParallel(t *testing.T) {
	withKernels("generic", func() { testLargeParallel(t) })
}

func testLargeParallel(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for _, dt := range []DType{F32, Q4_K, Q8_0} {
		w := randomMat(rng, dt, 301, 512)
		x := make([]float32, 512)
		for i := range x {
			x[i] = float32(rng.NormFloat64())
		}
		got := make([]float32, 301)
		MatVec(got, w, x)
		for r := range got {
			ref, _ := refDot(refRow(w, r), x)
			if float32(ref) != got[r] {
				t.Fatalf("%s row %d: %v, reference %v", dt, r, got[r], float32(ref))
			}
		}
	}
}

func TestMatValidate(t *testing.T) {
	good := Mat{DType: Q8_0, Rows: 2, Cols: 64, Data: make([]byte, 2*2*34)}
	if err := good.Validate(); err != nil {
		t.Fatalf("valid matrix: %v", err)
	}
	for _, c := range []struct {
		m    Mat
		want string
	}{
		{Mat{DType: I32, Rows: 1, Cols: 1, Data: make([]byte, 4)}, "not a weight type"},
		{Mat{DType: Q8_0, Rows: 1, Cols: 48, Data: make([]byte, 34)}, "multiple of the block size"},
		{Mat{DType: Q8_0, Rows: 2, Cols: 32, Data: make([]byte, 34)}, "needs 68 bytes"},
		{Mat{DType: F32, Rows: -1, Cols: 2}, "negative"},
		{Mat{DType: TLInt8, Rows: 1, Cols: 64, Data: make([]byte, 64)}, "needs 1 scales"},
		{Mat{DType: TLInt8, Rows: 1, Cols: 32, Data: make([]byte, 32), Scales: []float32{1}}, "multiple of 64"},
	} {
		err := c.m.Validate()
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Validate(%s %d×%d) = %v, want %q", c.m.DType, c.m.Rows, c.m.Cols, err, c.want)
		}
	}
}

func TestMatVecPanicsOnBadLengths(t *testing.T) {
	w := Mat{DType: F32, Rows: 2, Cols: 3, Data: make([]byte, 24)}
	for name, f := range map[string]func(){
		"short x":      func() { MatVec(make([]float32, 2), w, make([]float32, 2)) },
		"long dst":     func() { MatVec(make([]float32, 3), w, make([]float32, 3)) },
		"invalid mat":  func() { MatVec(make([]float32, 2), Mat{DType: F32, Rows: 2, Cols: 3}, make([]float32, 3)) },
		"MatMul x":     func() { MatMul(make([]float32, 4), w, make([]float32, 5), 2) },
		"MatMul neg n": func() { MatMul(nil, w, nil, -1) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			f()
		}()
	}
	MatMul(nil, w, nil, 0) // n = 0 is a no-op
}

func TestDot(t *testing.T) {
	a := []float32{1e8, 1, -1e8, 0.5}
	b := []float32{1, 1, 1, 1}
	if got := Dot(a, b); got != 1.5 {
		t.Errorf("Dot = %v, want 1.5 (float64 accumulation)", got)
	}
}
