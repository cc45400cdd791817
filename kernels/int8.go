package kernels

import "sync"

// Products with the input rounded to 8 bits (Mat.Int8Input).
//
// llama.cpp multiplies Q4_0 and Q8_0 weights by activations it has first
// quantized to Q8_0: per 32 values a scale d = amax/127 (kept as float16)
// and q = round(x·127/amax), rounding halves to even as its x86 code does.
// Each block's product is then a sum of integer products, exact, times the
// two scales. That is several times less work per weight than decoding
// every weight to float32, and it costs about 1e-2 relative error in the
// logits (the fixtures' llamacpp_logits_* against ref_dequant_logits_*).
// With Int8Input set on a Q4_0 or Q8_0 matrix, MatVec, MatMul and
// MatMulGroup do the same: the input is quantized exactly as llama.cpp
// quantizes it, each block's integer sum is exact, and what remains is
// float rounding of Σ_b isum_b·dw_b·dx_b: the generic and AVX2 kernels
// sum those terms in float64, where each is exact; the AVX-512 kernels
// in float32 lanes that add at most four products before they are
// widened to float64, within the bound of TestInt8Input. MatMul rows are
// bit-identical to MatVec.

// int8Block is the block length of the quantized input.
const int8Block = 32

// int8Input is n input rows quantized for the int8 kernels: per row,
// Cols int8 values q, one scale d per 32 (the float16 scale as float32),
// and per four values a correction the SIMD kernels start each four-value
// lane from, as they multiply unsigned weights by q: for Q8_0's values +
// 128, −128 times the four values' sum (c128); for Q4_0's nibbles −8
// times it (c8).
//
// The AVX-512 Q4_0 kernels take the input laid out for nibbles (q4, c4,
// when the set asks for it): per four blocks, the 16 values each block's
// low nibbles multiply (values 0–15 of blocks 0, 1, 2, 3), then the 16
// its high nibbles do (values 16–31), so one int32 lane sums a low and a
// high product of one block and two products share one accumulator; c4
// is −8 times the sum of each such lane's eight values. Blocks past the
// last whole four stay in q's order. q4 and c4 are filled only when the
// input is for Q4_0 weights.
type int8Input struct {
	cols      int
	q         []int8
	d         []float32
	c8, c128  []int32
	blockSums []int32 // per 32 values Σq (the generic kernels' correction)
	q4        []int8
	c4        []int32
	// For K-quant weights, the input as llama.cpp's Q8_K (quantizeSuper):
	// per 256 values a float32 scale kd, values kq, and per 16 their sum.
	kq    []int8
	kd    []float32
	ksums []int32
	// kqk is kq with each super-block's sub-blocks of 32 in x24KPos
	// order, for the AVX-512 K-quant int8 kernels (when the set wants it).
	kqk []int8
	// For exact products on the x24 path (x24.go): three planes of the
	// input rounded to 24 bits, in Q4_0's layout with corrections (p24,
	// c24), in Q4_K's and Q5_K's with s·Σm per block (pk24, sm24) or in
	// Q6_K's with its corrections (p6, c6), and the scales s24.
	p24   []int8
	c24   []int32
	s24   []float32
	pk24  []int8
	sm24  []float32
	p6    []int8
	c6    []int32
	x     []float32  // the input, while quantizeInput runs
	ks    *kernelSet // the set whose quantizers run, while quantizeInput runs
	needs int8Needs  // while quantizeInput runs
}

// int8Needs says which forms of the quantized input the weights need.
type int8Needs uint8

const (
	needBlocks  int8Needs = 1 << iota // q, d and corrections: Q8_0, Q4_0
	needNibbles                       // also q4 and c4 (AVX-512 Q4_0)
	needSuper                         // kq, kd, ksums: K-quants
	needPlanes                        // p24, c24, s24: the x24 Q4_0 kernel
	needPlanesK                       // pk24, s24, sm24: the x24 Q4_K and Q5_K kernels
	needPlanes6                       // p6, c6, s24: the x24 Q6_K kernel
	needKOrder                        // also kqk (AVX-512 Q4_K and Q5_K)
)

// int8NeedsOf is what weights of dtype dt need (0: no int8 path).
func int8NeedsOf(dt DType) int8Needs {
	switch {
	case dt == Q4_0:
		return needBlocks | needNibbles
	case dt == Q8_0:
		return needBlocks
	case genericInt8[dt] != nil:
		return needSuper | needKOrder
	}
	return 0
}

var int8InputPool = sync.Pool{New: func() any { return new(int8Input) }}

// quantizeInput quantizes the n rows of x (cols each, a multiple of 32,
// or of 256 for needSuper) into a pooled int8Input, in the forms needs
// asks for (the nibble layout only if the active set wants it); give it
// back with int8InputPool.Put. Large inputs (prompts) are quantized on
// the worker pool, by rows. The forms not asked for are left empty, so a
// kernel cannot read another input's.
func quantizeInput(x []float32, n, cols int, needs int8Needs) *int8Input {
	a := int8InputPool.Get().(*int8Input)
	ks := activeKernels()
	if !ks.q4Layout {
		needs &^= needNibbles
	}
	if !ks.kOrder {
		needs &^= needKOrder
	}
	m := n * cols
	a.cols = cols
	blocks, nibbles, super := needs&needBlocks != 0, needs&needNibbles != 0, needs&needSuper != 0
	planes, planesK, planes6 := needs&needPlanes != 0, needs&needPlanesK != 0, needs&needPlanes6 != 0
	a.q, a.d = sized(a.q, m, blocks), sized(a.d, m/int8Block, blocks)
	a.c8, a.c128 = sized(a.c8, m/4, blocks), sized(a.c128, m/4, blocks)
	a.blockSums = sized(a.blockSums, m/int8Block, blocks)
	a.q4, a.c4 = sized(a.q4, m, nibbles), sized(a.c4, m/8, nibbles)
	a.kq, a.kd, a.ksums = sized(a.kq, m, super), sized(a.kd, m/superBlock, super), sized(a.ksums, m/16, super)
	a.kqk = sized(a.kqk, m, needs&needKOrder != 0)
	a.p24, a.c24, a.s24 = sized(a.p24, 3*m, planes), sized(a.c24, m/8, planes), sized(a.s24, m/int8Block, planes || planesK || planes6)
	a.pk24, a.sm24 = sized(a.pk24, 3*m, planesK), sized(a.sm24, m/int8Block, planesK)
	a.p6, a.c6 = sized(a.p6, 3*m, planes6), sized(a.c6, m/4, planes6)
	a.x, a.ks, a.needs = x, ks, needs
	if m < parallelQuantize {
		a.Range(0, n)
	} else {
		parallel(n, max(1, parallelQuantize/cols), a)
	}
	a.x, a.ks = nil, nil
	return a
}

// parallelQuantize is the input size from which quantizeInput uses the
// pool (a 2048-wide decoding step takes ~0.7 µs with AVX-512 and ~7 µs in
// Go on one core, less than waking the pool is worth).
const parallelQuantize = 1 << 14

// Range quantizes rows [lo, hi) of a.x.
func (a *int8Input) Range(lo, hi int) {
	if a.needs&needBlocks != 0 {
		nb := a.cols / int8Block
		if a.ks.quantize != nil {
			a.ks.quantize(a, lo*nb, hi*nb)
		} else {
			for b := lo * nb; b < hi*nb; b++ {
				quantizeBlock(a, b, a.x[b*int8Block:(b+1)*int8Block])
			}
		}
	}
	if a.needs&needNibbles != 0 {
		for r := lo; r < hi; r++ {
			a.nibbleLayout(r)
		}
	}
	if a.needs&needSuper != 0 {
		nb := a.cols / superBlock
		for b := lo * nb; b < hi*nb; b++ {
			if q := a.ks.quantizeSuper; q != nil && q(a, b) {
				continue
			}
			quantizeSuper(a, b, a.x[b*superBlock:(b+1)*superBlock])
			if a.needs&needKOrder != 0 {
				a.kOrderLayout(b)
			}
		}
	}
	if a.needs&needPlanes != 0 {
		for r := lo; r < hi; r++ {
			a.quantizePlanes(r)
		}
	}
	if a.needs&needPlanesK != 0 {
		for r := lo; r < hi; r++ {
			a.quantizePlanesK(r)
		}
	}
	if a.needs&needPlanes6 != 0 {
		for r := lo; r < hi; r++ {
			a.quantizePlanes6(r)
		}
	}
}

// nibbleLayout fills row r of q4 and c4 from q and c8.
func (a *int8Input) nibbleLayout(r int) {
	q, q4 := a.q[r*a.cols:(r+1)*a.cols], a.q4[r*a.cols:(r+1)*a.cols]
	c8, c4 := a.c8[r*a.cols/4:], a.c4[r*a.cols/8:]
	const group = 4 * int8Block
	whole := a.cols / group * group
	for g := 0; g < whole; g += group {
		// Whole arrays, so each 16-byte copy is a move, not a call.
		src, dst := (*[group]int8)(q[g:]), (*[group]int8)(q4[g:])
		cs, cd := (*[group / 4]int32)(c8[g/4:]), (*[group / 8]int32)(c4[g/8:])
		for k := 0; k < 4; k++ {
			*(*[16]int8)(dst[16*k:]) = *(*[16]int8)(src[32*k:])
			*(*[16]int8)(dst[64+16*k:]) = *(*[16]int8)(src[32*k+16:])
			for l := 0; l < 4; l++ { // lane l of the block: values 4l…4l+3 and 16+4l…
				cd[4*k+l] = cs[8*k+l] + cs[8*k+4+l]
			}
		}
	}
	copy(q4[whole:], q[whole:])
}

// sized is s grown to n elements when the form is wanted, else emptied
// (a pooled input's values belong to another input).
func sized[T any](s []T, n int, want bool) []T {
	if !want {
		return s[:0]
	}
	return grow(s, n)
}

func grow[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	return s[:n]
}

// quantizeBlock quantizes block b of the input as llama.cpp's x86
// quantize_row_q8_0 does: d = amax/127 stored as float16, q =
// round-half-even(x·(127/amax)).
func quantizeBlock(a *int8Input, b int, x []float32) {
	x = x[:int8Block]
	var amax float32
	for _, v := range x {
		// max(amax, a), NaN included, without the builtin's slower code.
		if a := abs32(v); a > amax || a != a {
			amax = a
		}
	}
	d := amax / 127
	var id float32
	if amax != 0 {
		id = 127 / amax
	}
	a.d[b] = F16ToF32(F32ToF16(d))
	q := a.q[b*int8Block : (b+1)*int8Block]
	c8, c128 := a.c8[b*8:b*8+8], a.c128[b*8:b*8+8]
	var sum int32
	for j := 0; j < int8Block; j += 4 {
		var s int32
		for k := j; k < j+4; k++ {
			// |x·id| ≤ 127: adding and subtracting 1.5·2²³ rounds it to
			// an integer, halves to even, in float32 arithmetic (the
			// conversion keeps the product rounded, not fused).
			v := int8(int32((float32(x[k]*id) + roundMagic) - roundMagic))
			q[k] = v
			s += int32(v)
		}
		c8[j/4] = -8 * s
		c128[j/4] = -128 * s
		sum += s
	}
	a.blockSums[b] = sum
}

// roundMagic is 1.5·2²³: v + roundMagic − roundMagic is v rounded to an
// integer (halves to even) for |v| < 2²².
const roundMagic float32 = 12582912

// int8Rows computes dst[r] = W[r]·(input row i) for rows lo ≤ r < hi,
// with the input quantized in a.
type int8Rows func(dst []float32, w Mat, a *int8Input, i, lo, hi int)

// int8Rows4 computes dst[(i+k)·Rows + r] for the four input rows
// i…i+3 and rows lo ≤ r < hi, each bit-identical to the set's int8Rows.
type int8Rows4 func(dst []float32, w Mat, a *int8Input, i, lo, hi int)

// int8Supported reports whether MatVec and MatMul take the int8 path for
// w: Int8Input set on a dtype that has int8 kernels.
func int8Supported(w Mat) bool {
	return w.Int8Input && genericInt8[w.DType] != nil
}

// int8Kernel returns the active set's int8 kernel for dt.
func int8Kernel(ks *kernelSet, dt DType) int8Rows {
	if f := ks.int8[dt]; f != nil {
		return f
	}
	return genericInt8[dt]
}

var genericInt8 = [numDTypes]int8Rows{
	Q8_0: genericInt8Rows(q8_0Int8Dot), Q4_0: genericInt8Rows(q4_0Int8Dot),
	Q4_K: genericInt8Rows(q4_KInt8Dot), Q5_K: genericInt8Rows(q5_KInt8Dot),
}

// int8Dot sums blocks (super-blocks for the K-quants) [b0, b1) of one
// stored row times input row i.
type int8Dot func(row []byte, a *int8Input, i, b0, b1 int) float64

// genericInt8Rows is the generic kernel of a dtype: its int8Dot per row.
func genericInt8Rows(dot int8Dot) int8Rows {
	return func(dst []float32, w Mat, a *int8Input, i, lo, hi int) {
		rb, nb := w.rowBytes(), w.Cols/w.DType.BlockSize()
		for r := lo; r < hi; r++ {
			dst[r] = float32(dot(w.Data[r*rb:(r+1)*rb], a, i, 0, nb))
		}
	}
}

// q8_0Int8Dot sums blocks [b0, b1) of one Q8_0 row times input row i:
// per block the exact integer sum, then Σ isum·(dw·dx) in float64 (dw·dx,
// two float16 values, is exact in float32, and each term in float64).
func q8_0Int8Dot(row []byte, a *int8Input, i, b0, b1 int) float64 {
	nb := a.cols / int8Block
	var s float64
	for b := b0; b < b1; b++ {
		blk := row[b*34 : b*34+34]
		xq := a.q[(i*nb+b)*int8Block:][:int8Block]
		var isum int32
		for j, v := range blk[2:] {
			isum += int32(int8(v)) * int32(xq[j])
		}
		s += float64(isum) * float64(F16ToF32(le16(blk))*a.d[i*nb+b])
	}
	return s
}

// q4_0Int8Dot is q8_0Int8Dot for Q4_0: Σ (nibble−8)·q per block as
// Σ nibble·q − 8·Σq.
func q4_0Int8Dot(row []byte, a *int8Input, i, b0, b1 int) float64 {
	nb := a.cols / int8Block
	var s float64
	for b := b0; b < b1; b++ {
		blk := row[b*18 : b*18+18]
		xq := a.q[(i*nb+b)*int8Block:][:int8Block]
		isum := -8 * a.blockSums[i*nb+b]
		for j, v := range blk[2:] {
			isum += int32(v&15)*int32(xq[j]) + int32(v>>4)*int32(xq[j+16])
		}
		s += float64(isum) * float64(F16ToF32(le16(blk))*a.d[i*nb+b])
	}
	return s
}

// int8Task is the Ranger of a MatVec or MatMul on the int8 path: for a
// range of rows, tiles of int8Tile rows against every input (four at a
// time when the set has a four-input kernel), so a tile's weights are
// read from memory once and from cache for the other inputs.
type int8Task struct {
	ks  *kernelSet
	dst []float32
	w   Mat
	a   *int8Input
	n   int
}

const int8Tile = 16

func (t *int8Task) Range(lo, hi int) {
	int8Range(t.ks, t.dst, t.w, t.a, t.n, lo, hi)
}

func int8Range(ks *kernelSet, dst []float32, w Mat, a *int8Input, n, lo, hi int) {
	f, f4 := x24For(ks, w, n)
	if f == nil {
		f, f4 = int8Kernel(ks, w.DType), ks.int8x4[w.DType]
	}
	if n == 1 { // nothing to share a tile with
		f(dst, w, a, 0, lo, hi)
		return
	}
	for r0 := lo; r0 < hi; r0 += int8Tile {
		r1 := min(r0+int8Tile, hi)
		i := 0
		if f4 != nil {
			for ; i+4 <= n; i += 4 {
				f4(dst, w, a, i, r0, r1)
			}
		}
		for ; i < n; i++ {
			f(dst[i*w.Rows:(i+1)*w.Rows], w, a, i, r0, r1)
		}
	}
}

var int8TaskPool = sync.Pool{New: func() any { return new(int8Task) }}

// inputNeeds is what a product of w by n input rows needs quantized:
// the int8 forms for Int8Input weights, the x24 planes where x24For
// gives a kernel, nothing (0) for the float kernels.
func inputNeeds(ks *kernelSet, w Mat, n int) int8Needs {
	if int8Supported(w) {
		return int8NeedsOf(w.DType)
	}
	if f, _ := x24For(ks, w, n); f != nil {
		return x24NeedsOf(w.DType)
	}
	return 0
}

// int8MatMul runs MatVec (n = 1) or MatMul on the int8 or the x24 path
// of the set ks, with the input quantized as needs says (inputNeeds,
// which the caller has asked to choose the path).
func int8MatMul(ks *kernelSet, needs int8Needs, dst []float32, w Mat, x []float32, n int) {
	a := quantizeInput(x, n, w.Cols, needs)
	t := int8TaskPool.Get().(*int8Task)
	*t = int8Task{ks: ks, dst: dst, w: w, a: a, n: n}
	// Per weight, int8 products take about a quarter of the float
	// work, x24 ones about two thirds (BenchmarkKernels).
	work := n * w.Cols / 4
	if !int8Supported(w) {
		work = 2 * n * w.Cols / 3
	}
	runRows(w.Rows, work, t)
	*t = int8Task{}
	int8TaskPool.Put(t)
	int8InputPool.Put(a)
}
