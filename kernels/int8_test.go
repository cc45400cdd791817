package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// refInt8Dot is the int8 path's product of stored row r of w with x,
// computed independently: x quantized per 32 as llama.cpp's x86 code does
// (d = amax/127 rounded to float16, q = round-half-even(x·127/amax)), the
// weights dequantized to integers and scales, and Σ isum·dw·dx summed in
// float64 (every term exact). mag is Σ|lane·dw·dx| over the AVX-512
// kernels' int32 lanes, whose float32 roundings the error bound counts:
// for Q8_0 four products each, for Q4_0 the four of low nibbles j…j+3
// and those of high nibbles j+16…j+19 (the −8 included).
func refInt8Dot(t *testing.T, w Mat, r int, x []float32) (ref, mag float64) {
	t.Helper()
	rb := w.rowBytes()
	row := w.Data[r*rb : (r+1)*rb]
	bb := w.DType.BlockBytes()
	for b := 0; b < w.Cols/32; b++ {
		xb := x[b*32 : (b+1)*32]
		var amax float32
		for _, v := range xb {
			amax = float32(math.Max(float64(amax), math.Abs(float64(v))))
		}
		dx := F16ToF32(F32ToF16(amax / 127))
		id := float32(0)
		if amax > 0 {
			id = 127 / amax
		}
		blk := row[b*bb : (b+1)*bb]
		dw := F16ToF32(uint16(blk[0]) | uint16(blk[1])<<8)
		var isum int64
		var lanes [8]int64
		for j := 0; j < 32; j++ {
			xq := int64(math.RoundToEven(float64(xb[j] * id)))
			var wq int64
			lane := j / 4
			switch w.DType {
			case Q8_0:
				wq = int64(int8(blk[2+j]))
			case Q4_0:
				if j < 16 {
					wq = int64(blk[2+j]&15) - 8
				} else {
					wq = int64(blk[2+j-16]>>4) - 8
				}
				lane = j % 16 / 4
			default:
				t.Fatalf("no int8 reference for %s", w.DType)
			}
			isum += wq * xq
			lanes[lane] += wq * xq
		}
		for _, l := range lanes {
			mag += math.Abs(float64(l) * float64(dw) * float64(dx))
		}
		ref += float64(isum) * float64(dw) * float64(dx)
	}
	return ref, mag
}

// TestInt8Input checks the int8 path of every kernel set against the
// independent reference, MatMul rows bit-identical to MatVec,
// MatMulGroup equal to separate products, on row and block counts that
// hit every tail of the SIMD loops.
func TestInt8Input(t *testing.T) {
	for _, name := range runnableSets() {
		withKernels(name, func() {
			rng := rand.New(rand.NewPCG(21, 22))
			for _, dt := range []DType{Q8_0, Q4_0} {
				for _, rows := range []int{1, 5, 17, 40, 70} { // 70: two batches of rows
					for _, cols := range []int{32, 64, 96, 256, 288, 512, 544, 2080, 4096} { // 5×4096: quantized on the pool
						checkInt8(t, name, rng, dt, rows, cols)
					}
				}
			}
		})
	}
}

func checkInt8(t *testing.T, set string, rng *rand.Rand, dt DType, rows, cols int) {
	t.Helper()
	w := randomMat(rng, dt, rows, cols)
	w.Int8Input = true
	const n = 5
	x := randVec(rng, n*cols, 1)
	x[3] = 0 // a zero and a block of zeros (amax 0)
	clear(x[cols-32 : cols])
	mv := make([]float32, rows)
	mm := make([]float32, n*rows)
	MatMul(mm, w, x, n)
	for i := 0; i < n; i++ {
		MatVec(mv, w, x[i*cols:(i+1)*cols])
		for r := 0; r < rows; r++ {
			ref, mag := refInt8Dot(t, w, r, x[i*cols:(i+1)*cols])
			// The AVX-512 kernels round each lane's product with dw·dx
			// once (fused) and add at most four of them in float32
			// before widening: five roundings of at most mag, and the
			// result's own.
			bound := math.Abs(ref)*0x1p-24 + mag*5*0x1p-24
			checkInt8Out(t, fmt.Sprintf("%s %s %d×%d: row %d input %d", set, dt, rows, cols, r, i), mv[r], mm[i*rows+r], ref, bound)
		}
	}
	// MatMulGroup: with an exact F32 matrix beside it (ignoring the flag).
	f := randomMat(rng, F32, 3, cols)
	f.Int8Input = true
	gw := []Mat{w, f}
	gd := [][]float32{make([]float32, n*rows), make([]float32, n*3)}
	MatMulGroup(gd, gw, x, n)
	if !slices.Equal(gd[0], mm) {
		t.Fatalf("%s %s %d×%d: int8 MatMulGroup differs from MatMul", set, dt, rows, cols)
	}
	f.Int8Input = false
	want := make([]float32, n*3)
	MatMul(want, f, x, n)
	if !slices.Equal(gd[1], want) {
		t.Fatalf("%s %s %d×%d: Int8Input changed an F32 product", set, dt, rows, cols)
	}
}

// TestInt8Quantize checks the input quantization itself: llama.cpp's x86
// rounding (halves to even), the float16 scale, the corrections.
func TestInt8Quantize(t *testing.T) {
	x := make([]float32, 64)
	x[0] = 127 // amax 127: id = 1, d = 1
	x[1], x[2], x[3], x[4] = 2.5, 3.5, -2.5, -0.5
	x[5] = 1.25
	for i := 32; i < 64; i++ {
		x[i] = float32(i-48) / 7 // a block with an inexact scale
	}
	a := quantizeInput(x, 1, 64, needBlocks|needNibbles)
	defer int8InputPool.Put(a)
	if got := a.q[:6]; !slices.Equal(got, []int8{127, 2, 4, -2, 0, 1}) {
		t.Errorf("q = %v, want 127 2 4 −2 0 1 (halves to even)", got)
	}
	if a.d[0] != 1 {
		t.Errorf("d = %v, want 1", a.d[0])
	}
	amax := float32(16) / 7
	if want := F16ToF32(F32ToF16(amax / 127)); a.d[1] != want {
		t.Errorf("d[1] = %v, want %v (amax/127 as float16)", a.d[1], want)
	}
	var s int32
	for j := 0; j < 4; j++ {
		s += int32(a.q[32+j])
	}
	if a.c8[8] != -8*s || a.c128[8] != -128*s {
		t.Errorf("corrections of q[32:36] = %d, %d; want %d, %d", a.c8[8], a.c128[8], -8*s, -128*s)
	}
}

// TestInt8QuantizeSets checks every set's input quantization against
// quantizeBlock, bit for bit: random values, exact halves (ties), zero
// blocks, one-value blocks, tiny, subnormal and huge magnitudes, ±Inf
// and NaN.
func TestInt8QuantizeSets(t *testing.T) {
	rng := rand.New(rand.NewPCG(31, 32))
	const blocks = 64
	x := make([]float32, blocks*32)
	for i := range x {
		switch b := i / 32; {
		case b%8 == 1: // halves: amax 127 makes id 1
			x[i] = float32(rng.IntN(255)-127) + 0.5
			if i%32 == 0 {
				x[i] = 127
			}
		case b%8 == 2: // zeros
		case b%8 == 3: // one value
			if i%32 == 5 {
				x[i] = -3
			}
		case b%8 == 4:
			x[i] = float32(rng.NormFloat64()) * 1e-30
		case b%8 == 5:
			x[i] = float32(rng.NormFloat64()) * 1e30
		case b == 6: // subnormals: 127/amax overflows to +Inf
			x[i] = float32(rng.NormFloat64()) * 1e-40
		case b == 14 || b == 22 || b == 30: // an infinity or a NaN among finite values
			x[i] = float32(rng.NormFloat64())
			if i%32 == 7 {
				x[i] = [...]float32{float32(math.Inf(1)), float32(math.NaN()), float32(math.Inf(-1))}[b/8-1]
			}
		default:
			x[i] = float32(rng.NormFloat64()) * float32(1+b)
		}
	}
	want := &int8Input{cols: len(x), x: x}
	want.q, want.d = make([]int8, len(x)), make([]float32, blocks)
	want.c8, want.c128 = make([]int32, len(x)/4), make([]int32, len(x)/4)
	want.blockSums = make([]int32, blocks)
	for b := 0; b < blocks; b++ {
		quantizeBlock(want, b, x[b*32:(b+1)*32])
	}
	for _, name := range runnableSets() {
		withKernels(name, func() {
			for _, n := range []int{1, 16} { // one row, and rows quantized on the pool
				xs := slices.Repeat(x, n)
				a := quantizeInput(xs, n, len(x), needBlocks|needNibbles)
				for r := 0; r < n; r++ {
					o := r * len(x)
					if !slices.Equal(a.q[o:o+len(x)], want.q) || !sameBits(a.d[r*blocks:(r+1)*blocks], want.d) ||
						!slices.Equal(a.c8[o/4:(o+len(x))/4], want.c8) ||
						!slices.Equal(a.c128[o/4:(o+len(x))/4], want.c128) || !slices.Equal(a.blockSums[r*blocks:(r+1)*blocks], want.blockSums) {
						t.Fatalf("%s: quantizing %d rows: row %d differs from quantizeBlock", name, n, r)
					}
				}
				int8InputPool.Put(a)
			}
		})
	}
}

// TestInt8NotFinite checks that a NaN or an infinity in the input makes
// every int8 product NaN on every set, as in float arithmetic, rather
// than being dropped by the quantization (a SIMD max that loses a NaN,
// a value that rounds to 0).
func TestInt8NotFinite(t *testing.T) {
	rng := rand.New(rand.NewPCG(51, 52))
	const cols = 512
	for _, name := range runnableSets() {
		withKernels(name, func() {
			for _, dt := range []DType{Q8_0, Q4_0, Q4_K, Q5_K} {
				w := randomMat(rng, dt, 9, cols)
				w.Int8Input = true
				for _, v := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
					x := randVec(rng, cols, 1)
					x[300] = float32(v)
					dst := make([]float32, w.Rows)
					MatVec(dst, w, x)
					for r, y := range dst {
						if !math.IsNaN(float64(y)) {
							t.Errorf("%s %s: x[300] = %v: row %d = %v, want NaN", name, dt, v, r, y)
							break
						}
					}
				}
			}
		})
	}
}

// TestInt8GroupMixed checks MatMulGroup on int8 matrices of both dtypes,
// in both orders (the input is quantized once, in every layout they
// need), against separate products, on every kernel set.
func TestInt8GroupMixed(t *testing.T) {
	for _, name := range runnableSets() {
		withKernels(name, func() {
			rng := rand.New(rand.NewPCG(41, 42))
			const n, cols = 3, 512
			for _, dts := range [][2]DType{{Q8_0, Q4_0}, {Q4_0, Q8_0}} {
				x := randVec(rng, n*cols, 1) // new values: pooled inputs hold the last ones
				w := []Mat{randomMat(rng, dts[0], 7, cols), randomMat(rng, dts[1], 9, cols)}
				dst := make([][]float32, len(w))
				for j := range w {
					w[j].Int8Input = true
					dst[j] = make([]float32, n*w[j].Rows)
				}
				MatMulGroup(dst, w, x, n)
				for j, m := range w {
					want := make([]float32, n*m.Rows)
					MatMul(want, m, x, n)
					if !slices.Equal(dst[j], want) {
						t.Fatalf("%s: MatMulGroup's %s product (of %v) differs from MatMul", name, m.DType, dts)
					}
				}
			}
		})
	}
}

// refSuperInput quantizes x as llama.cpp's quantize_row_q8_K_ref does,
// written out independently: per 256 values the value of largest
// magnitude mx, iscale = −127/mx, q = min(127, round-half-even(iscale·x)),
// and returns the values q/iscale.
func refSuperInput(x []float32) []float64 {
	out := make([]float64, len(x))
	for b := 0; b+256 <= len(x); b += 256 {
		var amax, mx float32
		for _, v := range x[b : b+256] {
			if a := float32(math.Abs(float64(v))); a > amax {
				amax, mx = a, v
			}
		}
		if amax == 0 {
			continue
		}
		iscale := -127 / mx
		d := 1 / iscale
		for j, v := range x[b : b+256] {
			q := math.Min(127, math.RoundToEven(float64(iscale*v)))
			out[b+j] = q * float64(d)
		}
	}
	return out
}

// TestInt8Super checks the K-quants' int8 path (Q8_K input) of every
// kernel set against the dequantized weights times the independently
// quantized input, MatMul rows bit-identical to MatVec, and MatMulGroup
// with mixed int8 dtypes equal to separate products.
func TestInt8Super(t *testing.T) {
	for _, name := range runnableSets() {
		withKernels(name, func() {
			rng := rand.New(rand.NewPCG(61, 62))
			for _, dt := range []DType{Q4_K, Q5_K} {
				for _, rows := range []int{1, 5, 17} {
					for _, cols := range []int{256, 768, 2048} {
						w := randomMat(rng, dt, rows, cols)
						w.Int8Input = true
						const n = 5 // four inputs at a time, and one
						x := randVec(rng, n*cols, 1)
						clear(x[cols-256 : cols]) // a zero super-block
						mv := make([]float32, rows)
						mm := make([]float32, n*rows)
						MatMul(mm, w, x, n)
						deq := make([]float32, cols)
						for i := 0; i < n; i++ {
							xq := refSuperInput(x[i*cols : (i+1)*cols])
							MatVec(mv, w, x[i*cols:(i+1)*cols])
							for r := 0; r < rows; r++ {
								rb := w.rowBytes()
								DequantizeRow(dt, deq, w.Data[r*rb:(r+1)*rb])
								var ref, mag float64
								for j, v := range deq {
									ref += float64(v) * xq[j]
									mag += math.Abs(float64(v) * xq[j])
								}
								// The dequantized weights are rounded to float32;
								// the kernels' integer sums are exact.
								bound := math.Abs(ref)*0x1p-24 + mag*0x1p-22
								checkInt8Out(t, fmt.Sprintf("%s %s %d×%d: row %d input %d", name, dt, rows, cols, r, i), mv[r], mm[i*rows+r], ref, bound)
							}
						}
						q := randomMat(rng, Q4_0, 7, cols)
						q.Int8Input = true
						gd := [][]float32{make([]float32, n*rows), make([]float32, n*7)}
						MatMulGroup(gd, []Mat{w, q}, x, n)
						want := make([]float32, n*7)
						MatMul(want, q, x, n)
						if !slices.Equal(gd[0], mm) || !slices.Equal(gd[1], want) {
							t.Fatalf("%s %s %d×%d: MatMulGroup with Q4_0 differs from MatMul", name, dt, rows, cols)
						}
					}
				}
			}
		})
	}
}

// TestQuantizeSuperEverySet checks that every set quantizes the K-quant
// int8 input (Q8_K: values, scales, sums of 16s, and kqk where the set
// takes it) exactly as quantizeSuper does, on super-blocks where the
// largest magnitude comes twice with both signs (the first decides the
// scale's sign), of zeros, with ±Inf or NaN, of subnormals, and random.
func TestQuantizeSuperEverySet(t *testing.T) {
	rng := rand.New(rand.NewPCG(65, 66))
	const cols, n = 2048, 2
	x := randVec(rng, n*cols, 1)
	blk := func(k int) []float32 { return x[k*superBlock : (k+1)*superBlock] }
	blk(0)[7], blk(0)[9], blk(0)[200] = -30, 30, 30 // in one zmm, and in another
	blk(1)[3], blk(1)[100] = 25, -25
	clear(blk(2))
	blk(3)[50] = float32(math.Inf(-1))
	blk(4)[9] = float32(math.NaN())
	for i := range blk(5) {
		blk(5)[i] *= 1e-40
	}
	for i := range blk(6) {
		blk(6)[i] *= 1e30
	}
	blk(7)[255] = 40               // the largest in the last lane
	blk(8)[1], blk(8)[5] = -35, 35 // in one ymm
	var want *int8Input
	withKernels("generic", func() { want = quantizeInput(x, n, cols, needSuper|needKOrder) })
	defer int8InputPool.Put(want)
	for _, name := range runnableSets() {
		withKernels(name, func() {
			got := quantizeInput(x, n, cols, needSuper|needKOrder)
			defer int8InputPool.Put(got)
			if !slices.Equal(got.kq, want.kq) || !sameBits(got.kd, want.kd) || !slices.Equal(got.ksums, want.ksums) {
				for b := range want.kd {
					q, s, d := superInput(got, 0, b)
					wq, ws, wd := superInput(want, 0, b)
					if !slices.Equal(q, wq) || !slices.Equal(s, ws) || math.Float32bits(d) != math.Float32bits(wd) {
						t.Fatalf("%s: super-block %d: d %v, want %v; sums %v, want %v", name, b, d, wd, s, ws)
					}
				}
			}
			if !activeKernels().kOrder {
				return
			}
			for b := range want.kd {
				for j, k := range x24KPos {
					if !slices.Equal(got.kqk[b*superBlock+32*k:][:32], want.kq[b*superBlock+32*j:][:32]) {
						t.Fatalf("%s: super-block %d: kqk's unit %d is not sub-block %d", name, b, k, j)
					}
				}
			}
		})
	}
}

// checkInt8Out checks one int8 MatVec result against its reference,
// within bound, and MatMul's result for the same row and input bit for
// bit.
func checkInt8Out(t *testing.T, what string, mv, mm float32, ref, bound float64) {
	t.Helper()
	if e := math.Abs(float64(mv) - ref); e > bound {
		t.Fatalf("%s: int8 MatVec = %v, reference %v (error %g > %g)", what, mv, ref, e, bound)
	}
	if math.Float32bits(mm) != math.Float32bits(mv) {
		t.Fatalf("%s: int8 MatMul = %v differs from MatVec %v", what, mm, mv)
	}
}
