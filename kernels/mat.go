package kernels

import (
	"fmt"
	"math"
	"sync"
	"unsafe"
)

// Mat is a row-major matrix stored in its own dtype (no up-conversion):
// Data holds Rows rows of DType.RowBytes(Cols) bytes each, in ggml's
// block layout for the quantized types. For TLInt8, Scales holds
// Cols/TLInt8Group scales per row (row r's are Scales[r·Cols/64:]).
type Mat struct {
	DType      DType
	Rows, Cols int
	Data       []byte
	Scales     []float32 // TLInt8 only

	// Int8Input makes MatVec, MatMul and MatMulGroup round the input to
	// 8 bits per 32 values (Q8_0, Q4_0) or per 256 (Q4_K, Q5_K: Q8_K) and
	// multiply in integers, as llama.cpp does (see int8.go, int8k.go):
	// less work per block, for about 1e-2 relative error in a model's
	// logits. Only those four dtypes have such kernels; the others ignore
	// it and stay exact.
	Int8Input bool
}

// Validate reports whether the dtype is a weight type and Data (and
// Scales for TLInt8) have exactly the lengths Rows and Cols need.
func (m Mat) Validate() error {
	if !m.DType.IsWeight() {
		return fmt.Errorf("kernels: matrix dtype %s is not a weight type", m.DType)
	}
	if m.Rows < 0 || m.Cols < 0 {
		return fmt.Errorf("kernels: matrix %s has negative shape %d×%d", m.DType, m.Rows, m.Cols)
	}
	rb, err := m.DType.RowBytes(m.Cols)
	if err != nil {
		return fmt.Errorf("kernels: matrix %d×%d: %v", m.Rows, m.Cols, err)
	}
	if m.Rows > 0 && rb > math.MaxInt/m.Rows {
		return fmt.Errorf("kernels: matrix %s %d×%d is too large", m.DType, m.Rows, m.Cols)
	}
	if len(m.Data) != m.Rows*rb {
		return fmt.Errorf("kernels: matrix %s %d×%d needs %d bytes, has %d", m.DType, m.Rows, m.Cols, m.Rows*rb, len(m.Data))
	}
	if m.DType == TLInt8 {
		if m.Cols%TLInt8Group != 0 {
			return fmt.Errorf("kernels: int8 matrix row length %d is not a multiple of %d", m.Cols, TLInt8Group)
		}
		if g := m.Rows * (m.Cols / TLInt8Group); len(m.Scales) != g {
			return fmt.Errorf("kernels: int8 matrix %d×%d needs %d scales, has %d", m.Rows, m.Cols, g, len(m.Scales))
		}
	}
	return nil
}

// rowBytes is the byte length of one row (the matrix is valid).
func (m Mat) rowBytes() int {
	rb, _ := m.DType.RowBytes(m.Cols)
	return rb
}

// parallelMinWork is the number of multiply-adds below which a product
// runs on the calling goroutine only: handing rows to the pool costs a
// few microseconds.
const parallelMinWork = 1 << 15

// MatVec computes dst[r] = Σ_c W[r,c]·x[c] for every row r, where W[r,c]
// is the weight as DequantizeRow (or DequantizeTLInt8) gives it. It works
// on the stored blocks (never converting the whole matrix) and spreads
// the rows over the worker pool when the product is large.
//
// Precision: the generic kernels accumulate each row in float64 (each
// product W·x is exact in float64) and round once at the end, so the
// result is the float32 rounding of the dot product computed with an
// error near 1e-16·Σ|W·x|, independent of how the rows are split.
// Measured on random normal data (300 dot products per length, error
// relative to the exact result): float32 accumulation in four lanes has
// a mean error of 0.75e-6 at 512 columns and 3e-6 at 2048–11008, and
// worst cases of 2.5e-5 to 3.5e-4 (cancellation); the float64
// accumulation used here stays below 5.6e-8 (one float32 rounding) at
// every length. The decoder is compared with a float64 reference at
// ~1e-6, hence float64 in the generic path. The SIMD kernels (AVX2,
// AVX-512) multiply in float32 into partials of at most eight products
// per lane, widened into float64 every 32–256 elements: on 4096-long
// random rows their median error is 5–8e-8 of each result and the
// largest 2.6e-7 of the rms result (TestSIMDPrecision), against 3e-6
// mean for float32 accumulation over whole rows. AVX-512 Q4_0 rows of
// 256 columns or more, and Q4_K, Q5_K and Q6_K rows, round x to 24 bits
// against each 32-value block's largest value and multiply in integers
// (x24.go): 1e-7 and up to 4.2e-7 on the same rows.
//
// It panics when w is invalid (see Validate) or the lengths disagree:
// len(dst) must be Rows and len(x) Cols.
func MatVec(dst []float32, w Mat, x []float32) {
	checkMat(w)
	if len(dst) != w.Rows || len(x) != w.Cols {
		panic(fmt.Sprintf("kernels: MatVec: %d×%d matrix with len(x)=%d, len(dst)=%d", w.Rows, w.Cols, len(x), len(dst)))
	}
	ks := activeKernels()
	if needs := inputNeeds(ks, w, 1); needs != 0 {
		int8MatMul(ks, needs, dst, w, x, 1)
		return
	}
	f := ks.matVec[w.DType]
	if f == nil {
		f = genericKernels.matVec[w.DType]
	}
	t := matTaskPool.Get().(*matTask)
	*t = matTask{vec: f, dst: dst, w: w, x: x}
	runRows(w.Rows, w.Cols, t)
	*t = matTask{}
	matTaskPool.Put(t)
}

// matTask is the Ranger of one MatVec or MatMul call, recycled so that
// a product does not allocate.
type matTask struct {
	vec    matVecRows
	mul    matMulRows
	dst, x []float32
	w      Mat
	n      int
}

func (t *matTask) Range(lo, hi int) {
	if t.vec != nil {
		t.vec(t.dst, t.w, t.x, lo, hi)
	} else {
		t.mul(t.dst, t.w, t.x, t.n, lo, hi)
	}
}

var matTaskPool = sync.Pool{New: func() any { return new(matTask) }}

// widen returns x converted to float64 in a pooled buffer p, to be given
// back with widePool.Put(p). The generic kernels multiply weights by
// these (the same products as converting at each use, one conversion
// fewer per multiply-add).
func widen(x []float32) (xd []float64, p *[]float64) {
	p = widePool.Get().(*[]float64)
	if cap(*p) < len(x) {
		*p = make([]float64, len(x))
	}
	xd = (*p)[:len(x)]
	for i, v := range x {
		xd[i] = float64(v)
	}
	return xd, p
}

var widePool = sync.Pool{New: func() any { return new([]float64) }}

// MatMul computes dst[i·Rows + r] = Σ_c W[r,c]·x[i·Cols + c] for n input
// rows: x is n×Cols and dst n×Rows, both row-major. Each block of W is
// decoded once and used for several rows of x. Every output row equals
// what MatVec gives for that row of x, bit for bit, with two exceptions
// on the SIMD sets, which agree with MatVec only within the error bounds
// each has against the exact result (see MatVec): Q8_0 products of four
// or more inputs with Cols a multiple of 64 (AVX-512) or 256 (AVX2)
// decode the weights to float32 and sum w·x instead of MatVec's
// per-block d·(q·x); and where MatVec rounds the input to 24 bits per
// block and multiplies in integers (x24.go) but MatMul keeps float32:
// Q4_K, Q5_K and Q6_K on both sets, and Q4_0 on AVX2 (AVX-512 does
// Q4_0 in both).
// It panics on an invalid w or lengths other than len(x) = n·Cols,
// len(dst) = n·Rows.
func MatMul(dst []float32, w Mat, x []float32, n int) {
	checkMat(w)
	if n < 0 || len(dst) != n*w.Rows || len(x) != n*w.Cols {
		panic(fmt.Sprintf("kernels: MatMul: %d×%d matrix, n=%d with len(x)=%d, len(dst)=%d", w.Rows, w.Cols, n, len(x), len(dst)))
	}
	if n == 0 {
		return
	}
	if n == 1 {
		MatVec(dst, w, x) // the same sums, without the per-row accumulators
		return
	}
	ks := activeKernels()
	if needs := inputNeeds(ks, w, n); needs != 0 {
		int8MatMul(ks, needs, dst, w, x, n)
		return
	}
	f := ks.matMul[w.DType]
	if f == nil {
		f = genericKernels.matMul[w.DType]
	}
	t := matTaskPool.Get().(*matTask)
	*t = matTask{mul: f, dst: dst, w: w, x: x, n: n}
	runRows(w.Rows, n*w.Cols, t)
	*t = matTask{}
	matTaskPool.Put(t)
}

func checkMat(w Mat) {
	if err := w.Validate(); err != nil {
		panic(err.Error())
	}
}

// runRows runs fn over [0, rows), on the pool when rows·perRow is large.
func runRows(rows, perRow int, fn Ranger) {
	if rows < 2 || rows*perRow < parallelMinWork {
		fn.Range(0, rows)
		return
	}
	grain := (rows + 4*Workers() - 1) / (4 * Workers())
	if perRow > 0 {
		grain = max(grain, (parallelMinWork/4+perRow-1)/perRow)
	}
	parallel(rows, grain, fn)
}

// decodeChunk is the number of elements the generic kernels decode at a
// time into a stack buffer: one K-quant super-block, eight 32-blocks.
const decodeChunk = 256

var genericKernels = kernelSet{name: "generic"}

func init() {
	for dt := DType(0); dt < numDTypes; dt++ {
		if rowDecoders[dt] != nil {
			genericKernels.matVec[dt] = genericMatVec
			genericKernels.matMul[dt] = genericMatMul
		}
	}
	genericKernels.matVec[F32] = f32MatVec
	genericKernels.matVec[F16] = f16MatVec // mat_fused.go
	genericKernels.matVec[BF16] = bf16MatVec
	genericKernels.matVec[Q8_0] = q8_0MatVec
	genericKernels.matVec[Q4_0] = q4_0MatVec
	genericKernels.matVec[Q4_K] = q4_KMatVec
	genericKernels.matVec[Q5_K] = q5_KMatVec
	genericKernels.matVec[Q6_K] = q6_KMatVec
	genericKernels.matVec[TLInt8] = tlInt8MatVec
	genericKernels.matMul[TLInt8] = genericMatMul
}

// asF32 views little-endian float32 bytes as []float32 when the slice is
// aligned (it always is for Go allocations and GGUF/safetensors data at
// aligned offsets), or returns nil.
func asF32(b []byte) []float32 {
	if len(b) == 0 || uintptr(unsafe.Pointer(&b[0]))%4 != 0 || !littleEndian {
		return nil
	}
	return unsafe.Slice((*float32)(unsafe.Pointer(&b[0])), len(b)/4)
}

var littleEndian = func() bool {
	x := uint16(1)
	return *(*byte)(unsafe.Pointer(&x)) == 1
}()

func f32MatVec(dst []float32, w Mat, x []float32, lo, hi int) {
	xd, p := widen(x)
	defer widePool.Put(p)
	rb := w.rowBytes()
	for r := lo; r < hi; r++ {
		row := asF32(w.Data[r*rb : (r+1)*rb])
		if row == nil { // unaligned data: decode instead
			buf := chunkPool.Get().(*[decodeChunk]float32)
			dst[r] = float32(rowDot(w, r, xd, buf))
			chunkPool.Put(buf)
			continue
		}
		// The same chunking as the other kernels, so MatVec and MatMul
		// sum in the same order.
		var acc float64
		for c := 0; c < w.Cols; c += decodeChunk {
			n := min(decodeChunk, w.Cols-c)
			acc += dotWide(row[c:c+n], xd[c:c+n])
		}
		dst[r] = float32(acc)
	}
}

// decodeTLInt8Chunk decodes n elements of a TLInt8 row starting at column
// c (a multiple of the group size) as DequantizeTLInt8 does.
func decodeTLInt8Chunk(dst []float32, row []byte, scales []float32, c int) {
	for i := range dst {
		dst[i] = float32(int8(row[c+i])) / scales[(c+i)/TLInt8Group]
	}
}

// decodeRowChunk decodes the k elements of row r of w from column c (a
// multiple of decodeChunk) into dst.
func decodeRowChunk(dst []float32, w Mat, row []byte, r, c int) {
	if w.DType == TLInt8 {
		g := w.Cols / TLInt8Group
		decodeTLInt8Chunk(dst, row, w.Scales[r*g:(r+1)*g], c)
		return
	}
	bs, bb := w.DType.BlockSize(), w.DType.BlockBytes()
	rowDecoders[w.DType](dst, row[c/bs*bb:(c+len(dst))/bs*bb])
}

// rowDot returns Σ_c W[r,c]·x[c] in float64 for one row of w, decoding
// decodeChunk elements at a time into buf.
func rowDot(w Mat, r int, xd []float64, buf *[decodeChunk]float32) float64 {
	rb := w.rowBytes()
	row := w.Data[r*rb : (r+1)*rb]
	var acc float64
	for c := 0; c < w.Cols; c += decodeChunk {
		n := min(decodeChunk, w.Cols-c)
		decodeRowChunk(buf[:n], w, row, r, c)
		acc += dotWide(buf[:n], xd[c:c+n])
	}
	return acc
}

// chunkPool holds decode buffers (a stack array would escape to the heap
// through the decoders' indirect calls).
var chunkPool = sync.Pool{New: func() any { return new([decodeChunk]float32) }}

func genericMatVec(dst []float32, w Mat, x []float32, lo, hi int) {
	xd, p := widen(x)
	defer widePool.Put(p)
	buf := chunkPool.Get().(*[decodeChunk]float32)
	defer chunkPool.Put(buf)
	for r := lo; r < hi; r++ {
		dst[r] = float32(rowDot(w, r, xd, buf))
	}
}

// matMulTile is the number of weight rows genericMatMul decodes together:
// each row of x (Cols float64s) is then read once per tile instead of
// once per weight row, and the tile (matMulTile·Cols float32s) stays in
// cache while all n rows of x pass.
const matMulTile = 16

var tilePool = sync.Pool{New: func() any { return new([]float32) }}

func genericMatMul(dst []float32, w Mat, x []float32, n, lo, hi int) {
	xd, p := widen(x)
	defer widePool.Put(p)
	cols := w.Cols
	tp := tilePool.Get().(*[]float32)
	defer tilePool.Put(tp)
	if cap(*tp) < matMulTile*cols {
		*tp = make([]float32, matMulTile*cols)
	}
	tile := (*tp)[:matMulTile*cols]
	rb := w.rowBytes()
	for r0 := lo; r0 < hi; r0 += matMulTile {
		r1 := min(r0+matMulTile, hi)
		for r := r0; r < r1; r++ {
			wr := tile[(r-r0)*cols : (r-r0+1)*cols]
			row := w.Data[r*rb : (r+1)*rb]
			if w.DType == TLInt8 {
				g := cols / TLInt8Group
				decodeTLInt8Chunk(wr, row, w.Scales[r*g:(r+1)*g], 0)
			} else {
				rowDecoders[w.DType](wr, row)
			}
		}
		for i := 0; i < n; i++ {
			xi := xd[i*cols : (i+1)*cols]
			for r := r0; r < r1; r++ {
				wr := tile[(r-r0)*cols : (r-r0+1)*cols]
				// The chunked sum of rowDot, for bit-identity with MatVec.
				var acc float64
				for c := 0; c < cols; c += decodeChunk {
					k := min(decodeChunk, cols-c)
					acc += dotWide(wr[c:c+k], xi[c:c+k])
				}
				dst[i*w.Rows+r] = float32(acc)
			}
		}
	}
}

// dot64 returns Σ a[i]·b[i] accumulated in float64 (len(b) ≥ len(a)).
func dot64(a, b []float32) float64 {
	b = b[:len(a)]
	var s0, s1, s2, s3 float64
	i := 0
	for ; i+4 <= len(a); i += 4 {
		s0 += float64(a[i]) * float64(b[i])
		s1 += float64(a[i+1]) * float64(b[i+1])
		s2 += float64(a[i+2]) * float64(b[i+2])
		s3 += float64(a[i+3]) * float64(b[i+3])
	}
	for ; i < len(a); i++ {
		s0 += float64(a[i]) * float64(b[i])
	}
	return (s0 + s1) + (s2 + s3)
}

// dotWide is dot64 with b already in float64 (the same sum, bit for bit).
func dotWide(a []float32, b []float64) float64 {
	b = b[:len(a)]
	var s0, s1, s2, s3 float64
	i := 0
	for ; i+4 <= len(a); i += 4 {
		s0 += float64(a[i]) * b[i]
		s1 += float64(a[i+1]) * b[i+1]
		s2 += float64(a[i+2]) * b[i+2]
		s3 += float64(a[i+3]) * b[i+3]
	}
	for ; i < len(a); i++ {
		s0 += float64(a[i]) * b[i]
	}
	return (s0 + s1) + (s2 + s3)
}
