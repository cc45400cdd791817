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
func dotQ8_0AVX512(w *byte, x *float32, nb int) float64

//go:noescape
func dotQ4_0AVX512(w *byte, x *float32, nb int) float64

//go:noescape
func dot4F32AVX512(w *byte, x *float32, stride, n int, out *[4]float64)

//go:noescape
func dot4F16AVX512(w *byte, x *float32, stride, n int, out *[4]float64)

//go:noescape
func dot4BF16AVX512(w *byte, x *float32, stride, n int, out *[4]float64)

//go:noescape
func dot4Q8_0AVX512(w *byte, x *float32, stride, n int, out *[4]float64)

//go:noescape
func dot4Q4_0AVX512(w *byte, x *float32, stride, n int, out *[4]float64)

type asmDot4 func(w *byte, x *float32, stride, n int, out *[4]float64)

// floatDot4 wraps a four-input kernel for a float type (as floatDot).
func floatDot4(k asmDot4, group, size int, decode func([]byte) float32) rowDot4Fn {
	return func(row []byte, x []float32, cols int, dst []float32, stride int) {
		var out [4]float64
		m := cols / group * group
		if m > 0 {
			k(&row[0], &x[0], 4*cols, m, &out)
		}
		for i := 0; i < 4; i++ {
			xi := x[i*cols : (i+1)*cols]
			s := out[i]
			for c := m; c < cols; c++ {
				s += float64(decode(row[size*c:])) * float64(xi[c])
			}
			dst[i*stride] = float32(s)
		}
	}
}

// blockDot4 wraps a four-input kernel for a 32-element block type.
func blockDot4(k asmDot4) rowDot4Fn {
	return func(row []byte, x []float32, cols int, dst []float32, stride int) {
		var out [4]float64
		if cols >= 32 {
			k(&row[0], &x[0], 4*cols, cols/32, &out)
		}
		for i, v := range out {
			dst[i*stride] = float32(v)
		}
	}
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
}

var avx512Dots = map[DType]rowDotFn{
	F32:  floatDot(dotF32AVX512, 64, 4, f32At),
	F16:  floatDot(dotF16AVX512, 64, 2, f16At),
	BF16: floatDot(dotBF16AVX512, 64, 2, bf16At),
	Q8_0: blockDot(dotQ8_0AVX512),
	Q4_0: blockDot(dotQ4_0AVX512),
}

var avx512Dots4 = map[DType]rowDot4Fn{
	F32:  floatDot4(dot4F32AVX512, 64, 4, f32At),
	F16:  floatDot4(dot4F16AVX512, 64, 2, f16At),
	BF16: floatDot4(dot4BF16AVX512, 64, 2, bf16At),
	Q8_0: blockDot4(dot4Q8_0AVX512),
	Q4_0: blockDot4(dot4Q4_0AVX512),
}

func init() {
	kernelSets["avx2"] = newDotSet("avx2", avx2Dots, nil)
	kernelSets["avx512"] = newDotSet("avx512", avx512Dots, avx512Dots4)
}
