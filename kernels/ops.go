package kernels

import (
	"fmt"
	"math"
	"sync"
	"unsafe"
)

// The vector operations compute in float64 and round once per output
// element, so they agree with a float64 reference to float32 rounding.
// They panic when slice lengths disagree (programmer errors).

func sameLen(op string, n int, others ...int) {
	for _, m := range others {
		if m != n {
			panic("kernels: " + op + ": slice lengths differ")
		}
	}
}

// Dot returns Σ a[i]·b[i], accumulated in float64 and rounded once (the
// SIMD kernel sets use their F32 MatVec kernel: float32 partials of a few
// products accumulated in float64, see MatVec). It panics if the lengths
// differ.
func Dot(a, b []float32) float32 {
	sameLen("Dot", len(a), len(b))
	if f := activeKernels().dot; f != nil && len(a) > 0 {
		return float32(f(unsafe.Slice((*byte)(unsafe.Pointer(&a[0])), 4*len(a)), b))
	}
	return float32(dot64(a, b))
}

// DotRows sets dst[j] = Dot(x, m[j·stride : j·stride+len(x)]) for every
// j < len(dst), bit for bit, in one call: a head's attention scores
// against its cached keys (rows stride apart) without a call per key.
func DotRows(dst, x, m []float32, stride int) {
	checkRows("DotRows", len(dst), len(x), len(m), stride)
	if len(dst) == 0 {
		return
	}
	if f := activeKernels().dotRows; f != nil && len(x) >= 64 {
		f(dst, x, m, stride)
		return
	}
	for j := range dst {
		dst[j] = Dot(x, m[j*stride:j*stride+len(x)])
	}
}

// AxpyRows adds a[j]·m[j·stride : j·stride+len(dst)] to dst for j = 0,
// 1, … in order, skipping a[j] = 0, bit for bit as those Axpy calls: a
// head's attention mix of its cached values in one call.
func AxpyRows(dst, a, m []float32, stride int) {
	checkRows("AxpyRows", len(a), len(dst), len(m), stride)
	if len(a) == 0 || len(dst) == 0 {
		return
	}
	if f := activeKernels().axpyRows; f != nil {
		f(dst, a, m, stride)
		return
	}
	for j, aj := range a {
		if aj != 0 {
			Axpy(dst, aj, m[j*stride:j*stride+len(dst)])
		}
	}
}

// DotRowsF16 is DotRows for rows of float16 values (a float16 KV cache):
// dst[j] = Dot(x, row j widened to float32), bit for bit. buf (len(x)
// values) holds a widened row on sets without a float16 kernel.
func DotRowsF16(dst, x []float32, m []uint16, stride int, buf []float32) {
	checkRows("DotRowsF16", len(dst), len(x), len(m), stride)
	if len(dst) == 0 {
		return
	}
	if f := activeKernels().dotRowsF16; f != nil && len(x) >= 64 {
		f(dst, x, m, stride)
		return
	}
	buf = buf[:len(x)]
	for j := range dst {
		widenF16(buf, m[j*stride:])
		dst[j] = Dot(x, buf)
	}
}

// AxpyRowsF16 is AxpyRows for rows of float16 values, bit for bit as
// Axpy of each row widened to float32. buf (len(dst) values) holds a
// widened row on sets without a float16 kernel.
func AxpyRowsF16(dst, a []float32, m []uint16, stride int, buf []float32) {
	checkRows("AxpyRowsF16", len(a), len(dst), len(m), stride)
	if len(a) == 0 || len(dst) == 0 {
		return
	}
	if f := activeKernels().axpyRowsF16; f != nil {
		f(dst, a, m, stride)
		return
	}
	buf = buf[:len(dst)]
	for j, aj := range a {
		if aj != 0 {
			widenF16(buf, m[j*stride:])
			Axpy(dst, aj, buf)
		}
	}
}

// widenF16 sets dst[i] to the float16 h[i] as float32.
func widenF16(dst []float32, h []uint16) {
	for i := range dst {
		dst[i] = F16ToF32(h[i])
	}
}

// checkRows panics unless m holds rows rows of n values stride apart.
func checkRows(op string, rows, n, lenM, stride int) {
	if rows > 0 && (stride < n || (rows-1)*stride+n > lenM) {
		panic(fmt.Sprintf("kernels: %s: %d rows of %d values %d apart need %d values, have %d", op, rows, n, stride, (rows-1)*stride+n, lenM))
	}
}

// RMSNorm sets dst[i] = x[i] / sqrt(mean(x²) + eps) · (offset + w[i]).
// offset is 0 for LLaMA-style norms and 1 for Gemma's (which store w−1).
// dst may alias x. All slices must have the same length.
func RMSNorm(dst, x, w []float32, eps float32, offset float32) {
	sameLen("RMSNorm", len(x), len(dst), len(w))
	if len(x) == 0 {
		return
	}
	var ss float64
	for _, v := range x {
		ss += float64(v) * float64(v)
	}
	inv := 1 / math.Sqrt(ss/float64(len(x))+float64(eps))
	off := float64(offset)
	for i, v := range x {
		dst[i] = float32(float64(v) * inv * (off + float64(w[i])))
	}
}

// LayerNorm sets dst[i] = (x[i] − mean) / sqrt(var + eps) · w[i] + b[i],
// with the mean and (biased) variance of x. b may be nil (no bias); dst
// may alias x. dst, x, w (and b when given) must have the same length.
func LayerNorm(dst, x, w, b []float32, eps float32) {
	sameLen("LayerNorm", len(x), len(dst), len(w))
	if b != nil {
		sameLen("LayerNorm", len(x), len(b))
	}
	if len(x) == 0 {
		return
	}
	n := float64(len(x))
	var sum float64
	for _, v := range x {
		sum += float64(v)
	}
	mean := sum / n
	var sq float64
	for _, v := range x {
		d := float64(v) - mean
		sq += d * d
	}
	inv := 1 / math.Sqrt(sq/n+float64(eps))
	for i, v := range x {
		y := (float64(v) - mean) * inv * float64(w[i])
		if b != nil {
			y += float64(b[i])
		}
		dst[i] = float32(y)
	}
}

// Softmax replaces x with exp(x − max) / Σ exp(x − max), in place.
// Entries equal to −Inf become 0. If every entry is −Inf (nothing to
// attend to) the result is all zeros. The exponentials and their sum are
// float64 (on AVX2 and AVX-512 a vector exp within 5e-14 of math.Exp's).
func Softmax(x []float32) {
	if len(x) == 0 {
		return
	}
	vec := activeKernels().vecExp
	m := float32(math.Inf(-1))
	nan := false
	rest := x
	if vec != 0 && len(x) >= 16 {
		k := len(x) / 16 * 16
		m, nan = softmaxMaxVec(vec, x[:k])
		rest = x[k:]
	}
	for _, v := range rest {
		if v > m {
			m = v
		}
		nan = nan || v != v
	}
	if math.IsInf(float64(m), -1) {
		clear(x)
		return
	}
	mf := float64(m)
	// The exponentials stay in float64 until the division, in a stack
	// buffer for short rows and a pooled one for long rows.
	var stack [softmaxStack]float64
	var e []float64
	if len(x) <= softmaxStack {
		e = stack[:len(x)]
	} else {
		p := softmaxPool.Get().(*[]float64)
		defer softmaxPool.Put(p)
		if cap(*p) < len(x) {
			*p = make([]float64, len(x))
		}
		e = (*p)[:len(x)]
	}
	k := 0
	if vec != 0 && !nan && !math.IsInf(mf, 1) {
		k = len(x) / 8 * 8
		if k > 0 {
			softmaxExpVec(vec, e[:k], x[:k], mf)
		}
	}
	for i := k; i < len(x); i++ {
		e[i] = math.Exp(float64(x[i]) - mf)
	}
	var sum float64
	for _, v := range e {
		sum += v
	}
	k = 0
	if vec != 0 {
		k = len(x) / 8 * 8
		if k > 0 {
			softmaxDivVec(vec, x[:k], e[:k], sum)
		}
	}
	for i := k; i < len(x); i++ {
		x[i] = float32(e[i] / sum)
	}
}

var softmaxPool = sync.Pool{New: func() any { return new([]float64) }}

const softmaxStack = 512

// SiLU replaces x[i] with x[i]·σ(x[i]) = x/(1 + e^−x), in place (a
// prompt's on the worker pool).
func SiLU(x []float32) {
	if !parallelAct(x, siluChunk, 0) {
		siluChunk(x, 0)
	}
}

func siluChunk(x []float32, _ float64) {
	x = simdHead(x, activeKernels().silu)
	for i, v := range x {
		f := float64(v)
		x[i] = float32(f / (1 + math.Exp(-f)))
	}
}

// GELUTanh replaces x with the tanh approximation of GELU,
// 0.5·x·(1 + tanh(u)) with u = √(2/π)·(x + 0.044715·x³), in place (a
// prompt's on the worker pool). It computes the same function as
// x/(1 + e^−2u) (as 1 + tanh u = 2/(1 + e^−2u)) in float64, rounded
// once: that form has no cancellation where tanh u nears −1 (x below
// about −5), and takes the vector exponential SiLU's kernels use.
func GELUTanh(x []float32) {
	if !parallelAct(x, geluTanhChunk, 0) {
		geluTanhChunk(x, 0)
	}
}

func geluTanhChunk(x []float32, _ float64) {
	x = simdHead(x, activeKernels().gelu)
	for i, v := range x {
		f := float64(v)
		x[i] = float32(f / (1 + math.Exp(geluM2C*(f+geluA*f*f*f))))
	}
}

// The constants of GELUTanh: −2·√(2/π) and 0.044715.
const (
	geluM2C = -2 * 0.7978845608028654
	geluA   = 0.044715
)

// simdHead runs f, a set's kernel on a multiple of 8 values, on the
// longest such head of x and returns the rest (all of x if f is nil).
func simdHead(x []float32, f func([]float32)) []float32 {
	m := len(x) / 8 * 8
	if f == nil || m == 0 {
		return x
	}
	f(x[:m])
	return x[m:]
}

// actChunk is how many values an activation's pool task takes; inputs
// of fewer than four chunks (a decoding step's) stay on the caller.
const actChunk = 8192

// actFn applies an elementwise function with parameter c (SoftCap's
// cap; unused by the others) to x.
type actFn func(x []float32, c float64)

// actTask applies f to chunks of x (a Ranger, so a pooled one runs
// without allocating).
type actTask struct {
	x []float32
	f actFn
	c float64
}

func (t *actTask) Range(lo, hi int) {
	t.f(t.x[lo*actChunk:min(hi*actChunk, len(t.x))], t.c)
}

var actTaskPool = sync.Pool{New: func() any { return new(actTask) }}

// parallelAct applies f to x on the worker pool and reports true, or
// reports false for an x too short to be worth it.
func parallelAct(x []float32, f actFn, c float64) bool {
	if len(x) < 4*actChunk || Workers() == 1 {
		return false
	}
	t := actTaskPool.Get().(*actTask)
	*t = actTask{x: x, f: f, c: c}
	ParallelRanger((len(x)+actChunk-1)/actChunk, 1, t)
	*t = actTask{}
	actTaskPool.Put(t)
	return true
}

// Add sets dst[i] += a[i].
func Add(dst, a []float32) {
	sameLen("Add", len(dst), len(a))
	for i, v := range a {
		dst[i] += v
	}
}

// Mul sets dst[i] *= a[i].
func Mul(dst, a []float32) {
	sameLen("Mul", len(dst), len(a))
	for i, v := range a {
		dst[i] *= v
	}
}

// Scale sets x[i] *= s.
func Scale(x []float32, s float32) {
	for i := range x {
		x[i] *= s
	}
}

// Axpy sets dst[i] += a·x[i], rounding once per element (the SIMD
// kernel sets use a float32 fused multiply-add: exactly one rounding).
func Axpy(dst []float32, a float32, x []float32) {
	sameLen("Axpy", len(dst), len(x))
	if f := activeKernels().axpy; f != nil {
		f(dst, a, x)
		return
	}
	af := float64(a)
	for i, v := range x {
		dst[i] = float32(float64(dst[i]) + af*float64(v))
	}
}

// RoPEHalves rotates x (the rotary dimensions of one head, rot = len(x))
// pairing element i with i + rot/2 (the HF "rotate_half" layout used by
// LLaMA, Mistral, Qwen, Phi, Gemma in HF form):
//
//	x_i'       = x_i·cos_i − x_{i+rot/2}·sin_i
//	x_{i+rot/2}' = x_{i+rot/2}·cos_i + x_i·sin_i
//
// len(cos) = len(sin) = rot/2.
func RoPEHalves(x []float32, cos, sin []float32) {
	h := len(x) / 2
	if len(x)%2 != 0 {
		panic("kernels: RoPEHalves: odd rotary dimension")
	}
	sameLen("RoPEHalves", h, len(cos), len(sin))
	for i := 0; i < h; i++ {
		a, b := float64(x[i]), float64(x[i+h])
		c, s := float64(cos[i]), float64(sin[i])
		x[i] = float32(a*c - b*s)
		x[i+h] = float32(b*c + a*s)
	}
}

// RoPEAdjacent rotates x pairing elements 2i and 2i+1 with cos_i, sin_i
// (the GPT-J / original LLaMA interleaved layout). len(cos) = len(sin) =
// len(x)/2.
func RoPEAdjacent(x []float32, cos, sin []float32) {
	h := len(x) / 2
	if len(x)%2 != 0 {
		panic("kernels: RoPEAdjacent: odd rotary dimension")
	}
	sameLen("RoPEAdjacent", h, len(cos), len(sin))
	for i := 0; i < h; i++ {
		a, b := float64(x[2*i]), float64(x[2*i+1])
		c, s := float64(cos[i]), float64(sin[i])
		x[2*i] = float32(a*c - b*s)
		x[2*i+1] = float32(b*c + a*s)
	}
}

// SoftCap replaces x[i] with c·tanh(x[i]/c) (Gemma 2's logit
// soft-capping), in float64 and rounded once (a long x's on the worker
// pool: a vocabulary's logits).
func SoftCap(x []float32, c float32) {
	if !parallelAct(x, softCapChunk, float64(c)) {
		softCapChunk(x, float64(c))
	}
}

func softCapChunk(x []float32, c float64) {
	if f := activeKernels().softCap; f != nil {
		x = simdHead(x, func(x []float32) { f(x, c) })
	}
	for i, v := range x {
		x[i] = float32(c * math.Tanh(float64(v)/c))
	}
}
