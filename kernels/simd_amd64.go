//go:build amd64

package kernels

import "math"

// Row dot products in Go assembly (simd_avx2_amd64.s,
// simd_avx512_amd64.s). The float types process whole 32-element groups
// in assembly and the remainder here; quantized rows are whole blocks.

//go:noescape
func dotF32AVX2(w *byte, x *float32, n int) float64

//go:noescape
func dotF16AVX2(w *byte, x *float32, n int) float64

//go:noescape
func dotBF16AVX2(w *byte, x *float32, n int) float64

//go:noescape
func dotQ8_0AVX2(w *byte, x *float32, nb int) float64

//go:noescape
func dotQ4_0AVX2(w *byte, x *float32, nb int) float64

//go:noescape
func dotF32AVX512(w *byte, x *float32, n int) float64

//go:noescape
func dotF16AVX512(w *byte, x *float32, n int) float64

//go:noescape
func dotBF16AVX512(w *byte, x *float32, n int) float64

//go:noescape
func dotQ8_0AVX512(w *byte, x *float32, n int) float64

//go:noescape
func dotQ4_0AVX512(w *byte, x *float32, n int) float64

//go:noescape
func dot4F32AVX512(w *byte, x *float32, stride, n int, acc *[64]float64, last int)

//go:noescape
func dot4F16AVX512(w *byte, x *float32, stride, n int, acc *[64]float64, last int)

//go:noescape
func dot4BF16AVX512(w *byte, x *float32, stride, n int, acc *[64]float64, last int)

//go:noescape
func dot4Q8_0AVX512(w *byte, x *float32, stride, n int, acc *[64]float64, last int)

//go:noescape
func dot4Q4_0AVX512(w *byte, x *float32, stride, n int, acc *[64]float64, last int)

//go:noescape
func dotQ4_KAVX2(w *byte, x *float32, n int) float64

//go:noescape
func dotQ6_KAVX2(w *byte, x *float32, n int) float64

//go:noescape
func dotQ4_KAVX512(w *byte, x *float32, n int) float64

//go:noescape
func dotQ5_KAVX512(w *byte, x *float32, n int) float64

//go:noescape
func dotQ6_KAVX512(w *byte, x *float32, n int) float64

// superDot wraps an assembly kernel for a 256-element super-block type.
func superDot(k asmDot) rowDotFn {
	return func(row []byte, x []float32) float64 {
		if len(x) < 256 {
			return 0
		}
		return k(&row[0], &x[0], len(x)/256)
	}
}

//go:noescape
func axpyAVX2(dst *float32, a float32, x *float32, n int)

//go:noescape
func axpyAVX512(dst *float32, a float32, x *float32, n int)

// simdAxpy wraps an assembly Axpy working on multiples of lanes elements.
func simdAxpy(k func(dst *float32, a float32, x *float32, n int), lanes int) axpyFn {
	return func(dst []float32, a float32, x []float32) {
		m := len(x) / lanes * lanes
		if m > 0 {
			k(&dst[0], a, &x[0], m)
		}
		for i := m; i < len(x); i++ {
			dst[i] = float32(math.FMA(float64(a), float64(x[i]), float64(dst[i])))
		}
	}
}

type asmDot4 func(w *byte, x *float32, stride, n int, acc *[64]float64, last int)

// floatDot4 wraps a four-input kernel for a float type (as floatDot).
// The kernel leaves the reduced results in acc[16i] when it runs on the
// last chunk; otherwise finish4 reduces the accumulators as it would.
func floatDot4(k asmDot4, group, size int, decode func([]byte) float32) rowDot4Fn {
	return func(row []byte, x []float32, cols, c0, c1 int, acc *[64]float64) {
		last := c1 == cols
		m := c0 + (c1-c0)/group*group
		if m > c0 {
			k(&row[size*c0], &x[c0], 4*cols, m-c0, acc, b2i(last))
		}
		if !last {
			return
		}
		for i := 0; i < 4; i++ {
			s := acc[16*i]
			if m == c0 {
				s = finish4(acc[16*i : 16*i+16])
			}
			xi := x[i*cols : (i+1)*cols]
			for c := m; c < cols; c++ {
				s += float64(decode(row[size*c:])) * float64(xi[c])
			}
			acc[16*i] = s
		}
	}
}

// blockDot4 wraps a four-input kernel for a 32-element block type.
func blockDot4(k asmDot4, bytes int) rowDot4Fn {
	return func(row []byte, x []float32, cols, c0, c1 int, acc *[64]float64) {
		if c1 > c0 {
			k(&row[c0/32*bytes], &x[c0], 4*cols, (c1-c0)/32, acc, b2i(c1 == cols))
		}
	}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// finish4 reduces one input's two float64 accumulators (8 lanes each) as
// the one-input kernels' FINISH512 does: lanes of the two added, then
// halves, quarters and the last pair.
func finish4(a []float64) float64 {
	var t [8]float64
	for i := range t {
		t[i] = a[i] + a[8+i]
	}
	u0, u1, u2, u3 := t[0]+t[4], t[1]+t[5], t[2]+t[6], t[3]+t[7]
	v0, v1 := u0+u2, u1+u3
	return v0 + v1
}

type asmDot func(w *byte, x *float32, n int) float64

// floatDot wraps an assembly kernel for a float type of size bytes per
// element (decode converts one element for the tail).
func floatDot(k asmDot, group, size int, decode func([]byte) float32) rowDotFn {
	return func(row []byte, x []float32) float64 {
		n := len(x)
		m := n / group * group
		var s float64
		if m > 0 {
			s = k(&row[0], &x[0], m)
		}
		for c := m; c < n; c++ {
			s += float64(decode(row[size*c:])) * float64(x[c])
		}
		return s
	}
}

// blockDot wraps an assembly kernel for a 32-element block type.
func blockDot(k asmDot) rowDotFn {
	return func(row []byte, x []float32) float64 {
		if len(x) < 32 {
			return 0
		}
		return k(&row[0], &x[0], len(x)/32)
	}
}

func f32At(b []byte) float32  { return math.Float32frombits(le32(b)) }
func f16At(b []byte) float32  { return F16ToF32(le16(b)) }
func bf16At(b []byte) float32 { return BF16ToF32(le16(b)) }

var avx2Dots = map[DType]rowDotFn{
	F32:  floatDot(dotF32AVX2, 32, 4, f32At),
	F16:  floatDot(dotF16AVX2, 32, 2, f16At),
	BF16: floatDot(dotBF16AVX2, 32, 2, bf16At),
	Q8_0: blockDot(dotQ8_0AVX2),
	Q4_0: blockDot(dotQ4_0AVX2),
	Q4_K: superDot(dotQ4_KAVX2),
	Q6_K: superDot(dotQ6_KAVX2),
}

var avx512Dots = map[DType]rowDotFn{
	F32:  floatDot(dotF32AVX512, 64, 4, f32At),
	F16:  floatDot(dotF16AVX512, 64, 2, f16At),
	BF16: floatDot(dotBF16AVX512, 64, 2, bf16At),
	Q8_0: blockDot(dotQ8_0AVX512),
	Q4_0: blockDot(dotQ4_0AVX512),
	Q4_K: superDot(dotQ4_KAVX512),
	Q5_K: superDot(dotQ5_KAVX512),
	Q6_K: superDot(dotQ6_KAVX512),
}

var avx512Dots4 = map[DType]rowDot4Fn{
	F32:  floatDot4(dot4F32AVX512, 64, 4, f32At),
	F16:  floatDot4(dot4F16AVX512, 64, 2, f16At),
	BF16: floatDot4(dot4BF16AVX512, 64, 2, bf16At),
	Q8_0: blockDot4(dot4Q8_0AVX512, 34),
	Q4_0: blockDot4(dot4Q4_0AVX512, 18),
}

func init() {
	avx2 := newDotSet("avx2", avx2Dots, nil)
	avx2.axpy = simdAxpy(axpyAVX2, 8)
	kernelSets["avx2"] = avx2
	avx512 := newDotSet("avx512", avx512Dots, avx512Gemm())
	avx512.axpy = simdAxpy(axpyAVX512, 16)
	kernelSets["avx512"] = avx512
}
