package kernels

import "math"

// Float products by integer instructions (x24).
//
// Decoding Q4_0 weights to float32 costs the AVX-512 row kernel about
// five cycles a block on Zen 4, more than the memory takes to deliver the
// block when both cores stream: float32 decoding made exact Q4_0 products
// compute-bound. VPDPBUSD multiplies 64 unsigned bytes by 64 signed ones
// and adds them, four at a time, into sixteen int32 lanes in one
// instruction, so the AVX-512 set does exact Q4_0 products in integers:
// it rounds each block of 32 input values to 24-bit integers against the
// block's largest, m = round(x/s) with s = amax/x24Max, and writes m as
// three signed bytes, m = p0 + 256·p1 + 65536·p2. The weights' nibbles
// times each plane are exact int32 sums, and so is their combination
// Σ (nibble−8)·m (see Q4X24ACC); only the conversion to float32 and the
// block scales dw·s round, as float32 products do.
//
// 24 bits is float32's significand, but against the block's largest
// value rather than each value's own: the input error is at most s/2 =
// amax·2⁻²⁴ per value (TestX24MatVec checks the product against that
// bound), where float32 products would round each value's own product.
// On activations the two are alike (TestSIMDPrecision holds the set to
// the float32 kernels' 1e-6); a value far smaller than its block's
// largest keeps fewer of its own bits. An input block holding ±Inf or
// NaN gets s = NaN and m = 0, so the products are NaN.
//
// Q4_K and Q5_K take the same input in another layout (quantizePlanesK):
// per sub-block d·sc·Σ q·m, exact in int32 before its scaling, and the
// mins' dmin·m·(s·Σm) apart, as llama.cpp sums them. The two can be far
// larger than their difference, the weights' own size, so where they
// nearly cancel it rounds relative to them (TestX24MatVec's bound adds
// that); on random rows it is at 1e-7 and 3.5e-7 as Q4_0 is. Q6_K's
// (quantizePlanes6) keeps the input in element order with Q4_0's kind of
// corrections, −32 times each four values' m sum, so its lanes hold
// Σ (q−32)·m exactly and nothing cancels after rounding.
//
// The AVX2 set does exact Q4_0, Q4_K, Q5_K and Q6_K MatVec the same way,
// with VPMADDUBSW (pairs of products) and VPMADDWD instead of VPDPBUSD:
// on Zen 4 forced to AVX2, Q4_0 and Q6_K decode ~1.65× and Q4_K ~1.45× as
// fast as with AVX2's float32 kernels. Both sets quantize the input in
// assembly (quantizeX24AVX2 … as quantizeX24AVX512 …), bit for bit as
// the Go loops here.
//
// MatVec and MatMulGroup of one input row take this path (x24For), and
// so do MatMul and MatMulGroup of several where the set has a
// four-input kernel (Q4_0): it shares the weights' decoding among four
// inputs as the int8 kernels do, and its rows equal MatVec's bit for
// bit, at the float32 kernels' speed. The K-quants' MatMul keeps the
// float32 kernels, their tiles decoded once for all the inputs: a
// four-input x24 kernel for Q4_K and Q5_K, built the same way, took
// ~1.25× their time per product (3.5 cycles a block and input, where
// the float32 multiply-adds of a decoded block take two), and prompts
// ran ~12% slower (tokens/s). So on AVX-512 a Q4_K, Q5_K or Q6_K MatMul row equals
// MatVec within their error bounds, not bit for bit.

// x24Max is the largest |m|: three signed bytes p0 + 256·p1 + 65536·p2
// reach 127·(1 + 256 + 65536).
const x24Max = 127 * (1 + 256 + 65536)

// x24For returns the set's x24 kernel for w, and its four-input kernel
// (nil for none), when a product of n input rows takes that path: float
// weights (not Int8Input) of a dtype with an x24 kernel, at least one
// eight-block period per row, and one input row or a four-input kernel
// (calling the one-input kernel once per input would decode the weights
// for each: about 1.5× the float32 kernels' time on prompts).
func x24For(ks *kernelSet, w Mat, n int) (int8Rows, int8Rows4) {
	f, f4 := ks.x24[w.DType], ks.x24x4[w.DType]
	if f == nil || w.Int8Input || w.Cols < 8*int8Block || n > 1 && f4 == nil {
		return nil, nil
	}
	return f, f4
}

// x24Layout: per row, cols/128 whole groups of four blocks, each 384
// bytes (plane 0's 128, plane 1's, plane 2's; within a plane the q4
// order: block k's values 0–15 at 16k, its values 16–31 at 64+16k), then
// the blocks past the last whole group, plane by plane in their order.
// c24 has an int32 per eight values of the whole groups (lane 4k+l of a
// group: block k's values 4l…4l+3 and 16+4l…16+4l+3), −8 times their m
// sum; s24 a float32 scale per block.
const x24Group = 4 * int8Block

// x24Row returns input row r's values, its planes in planes (three
// bytes a value) and its scales.
func (a *int8Input) x24Row(r int, planes []int8) (x []float32, p []int8, s []float32) {
	cols, nb := a.cols, a.cols/int8Block
	return a.x[r*cols : (r+1)*cols], planes[3*r*cols : 3*(r+1)*cols], a.s24[r*nb : (r+1)*nb]
}

// quantizePlanes fills input row r's planes, corrections and scales
// from a.x: the whole groups by the set's quantizeX24 when the set has one, the
// rest here.
func (a *int8Input) quantizePlanes(r int) {
	cols, nb := a.cols, a.cols/int8Block
	x, p, s := a.x24Row(r, a.p24)
	c := a.c24[r*cols/8 : (r+1)*cols/8]
	whole := cols / x24Group * x24Group
	clear(c[whole/8:]) // no corrections past the whole groups
	b := 0
	if q := a.ks.quantizeX24; q != nil && whole > 0 {
		q(&x[0], &p[0], &c[0], &s[0], whole/x24Group)
		b = whole / int8Block
	}
	var m [int8Block]int32
	for ; b < nb; b++ {
		s[b] = x24Block(&m, x[b*int8Block:(b+1)*int8Block])
		e := b * int8Block
		if e < whole {
			g, k := e/x24Group, b%4
			grp := p[3*g*x24Group : 3*(g+1)*x24Group]
			for j, v := range m {
				off := 16*k + j
				if j >= 16 {
					off = 64 + 16*k + j - 16
				}
				grp[off], grp[x24Group+off], grp[2*x24Group+off] = x24Digits(v)
			}
			for l := 0; l < 4; l++ {
				var sum int32
				for j := 4 * l; j < 4*l+4; j++ {
					sum += m[j] + m[j+16]
				}
				c[g*16+4*k+l] = -8 * sum
			}
			continue
		}
		tail := cols - whole
		for j, v := range m {
			off := 3*whole + e - whole + j
			p[off], p[off+tail], p[off+2*tail] = x24Digits(v)
		}
	}
}

// x24NeedsOf is the input form the x24 kernel of dt takes.
func x24NeedsOf(dt DType) int8Needs {
	switch dt {
	case Q6_K:
		return needPlanes6
	case Q4_K, Q5_K:
		return needPlanesK
	}
	return needPlanes
}

// quantizePlanes6 fills input row r's planes in Q6_K's layout (per
// super-block 768 bytes, plane 0's 256, plane 1's, plane 2's, each in
// element order), its corrections (−32 times the m sum of each four
// values) and scales: by the set's quantizeX24Q6 when the set has one, else here.
func (a *int8Input) quantizePlanes6(r int) {
	cols := a.cols
	x, p, s := a.x24Row(r, a.p6)
	c := a.c6[r*cols/4 : (r+1)*cols/4]
	if q := a.ks.quantizeX24Q6; q != nil {
		q(&x[0], &p[0], &c[0], &s[0], cols/superBlock)
		return
	}
	superPlanes(x, p, s, &x24Q6Pos, func(b int, m [int8Block]int32) {
		for g := 0; g < 8; g++ {
			c[8*b+g] = -32 * (m[4*g] + m[4*g+1] + m[4*g+2] + m[4*g+3])
		}
	})
}

// x24KPos is where sub-block j of a super-block sits in each of its
// 256-byte planes, in 32-byte units, for Q4_K and Q5_K: their kernels
// multiply 64 bytes of nibbles at a time, the low or the high nibbles of
// two 32-byte chunks of quants, which are sub-blocks j and j+2. Q6_K's
// builds its quants in element order (x24Q6Pos).
var x24KPos, x24Q6Pos = [8]int{0, 2, 1, 3, 4, 6, 5, 7}, [8]int{0, 1, 2, 3, 4, 5, 6, 7}

// quantizePlanesK fills input row r's planes in Q4_K's and Q5_K's layout
// (per super-block 768 bytes, plane 0's 256, plane 1's, plane 2's, each
// holding the eight sub-blocks in x24KPos order), its scales and s·Σm
// per block (rounded once, from the exact sum): by the set's quantizeX24K when
// the set has one, else here.
func (a *int8Input) quantizePlanesK(r int) {
	cols, nb := a.cols, a.cols/int8Block
	x, p, s := a.x24Row(r, a.pk24)
	sm := a.sm24[r*nb : (r+1)*nb]
	if q := a.ks.quantizeX24K; q != nil {
		q(&x[0], &p[0], &sm[0], &s[0], cols/superBlock)
		return
	}
	superPlanes(x, p, s, &x24KPos, func(b int, m [int8Block]int32) {
		var sum int64
		for _, v := range m {
			sum += int64(v)
		}
		sm[b] = float32(float64(s[b]) * float64(sum))
	})
}

// superPlanes is the Go loop of quantizePlanesK and quantizePlanes6:
// each block's m into the planes p (block j of a super-block at 32-byte
// unit pos[j] of each of its three 256-byte planes), its scale into s,
// then terms(b, m) for what else the layout keeps of the block (m by
// value: a pointer passed through a func value would move m to the heap,
// an allocation per call).
func superPlanes(x []float32, p []int8, s []float32, pos *[8]int, terms func(b int, m [int8Block]int32)) {
	var m [int8Block]int32
	for b := range s {
		s[b] = x24Block(&m, x[b*int8Block:(b+1)*int8Block])
		off := 3*superBlock*(b/8) + int8Block*pos[b%8]
		for j, v := range m {
			p[off+j], p[off+superBlock+j], p[off+2*superBlock+j] = x24Digits(v)
		}
		terms(b, m)
	}
}

// x24Block rounds a block of 32 values to m and returns the scale s:
// s = amax/x24Max rounded up, m = round-half-even of x·(1/s) in float64;
// m = 0 when s is 0 (a block of zeros) and when a value is ±Inf or NaN
// (then s is NaN). Rounding s up keeps |m| ≤ x24Max: |x|·(1/s) ≤
// x24Max·(1+2⁻⁵³) before its rounding, which leaves it at most x24Max.
func x24Block(m *[int8Block]int32, x []float32) float32 {
	x = x[:int8Block]
	var amax float32
	for _, v := range x {
		a := abs32(v)
		if !(a <= math.MaxFloat32) {
			*m = [int8Block]int32{}
			return float32(math.NaN())
		}
		if a > amax {
			amax = a
		}
	}
	s := amax / x24Max
	if float64(s)*x24Max < float64(amax) { // exact: 24 by 23 bits
		s = math.Nextafter32(s, float32(math.Inf(1)))
	}
	if s == 0 {
		*m = [int8Block]int32{}
		return 0
	}
	inv := 1 / float64(s)
	for j, v := range x {
		m[j] = int32(math.RoundToEven(float64(v) * inv))
	}
	return s
}

// x24Digits splits |m| ≤ x24Max into signed bytes, m = p0 + 256·p1 +
// 65536·p2.
func x24Digits(m int32) (p0, p1, p2 int8) {
	p0 = int8(m)
	m = (m - int32(p0)) >> 8
	p1 = int8(m)
	return p0, p1, int8((m - int32(p1)) >> 8)
}

// x24Value returns m of value j of block b of input row r (the inverse
// of quantizePlanes' layout).
func (a *int8Input) x24Value(r, b, j int) int32 {
	cols := a.cols
	p := a.p24[3*r*cols : 3*(r+1)*cols]
	whole := cols / x24Group * x24Group
	e := b*int8Block + j
	var o0, step int
	if e < whole {
		g, k := e/x24Group, b%4
		o0 = 3*g*x24Group + 16*k + j
		if j >= 16 {
			o0 = 3*g*x24Group + 64 + 16*k + j - 16
		}
		step = x24Group
	} else {
		step = cols - whole
		o0 = 3*whole + e - whole
	}
	return int32(p[o0]) + 256*int32(p[o0+step]) + 65536*int32(p[o0+2*step])
}

// q4_0X24Dot sums blocks [b0, b1) of one Q4_0 row times input row i from
// its planes: per block the exact Σ (nibble−8)·m, times dw·s in float64.
// The x24 kernels' tail (blocks past the last whole eight).
func q4_0X24Dot(row []byte, a *int8Input, i, b0, b1 int) float64 {
	nb := a.cols / int8Block
	var s float64
	for b := b0; b < b1; b++ {
		blk := row[b*18 : b*18+18]
		var isum int64
		for j, v := range blk[2:] {
			isum += int64(int32(v&15)-8)*int64(a.x24Value(i, b, j)) + int64(int32(v>>4)-8)*int64(a.x24Value(i, b, j+16))
		}
		s += float64(isum) * float64(F16ToF32(le16(blk))) * float64(a.s24[i*nb+b])
	}
	return s
}
