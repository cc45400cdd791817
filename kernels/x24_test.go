package kernels

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/klauspost/cpuid/v2"
)

// x24Inputs returns inputs of cols values whose blocks cover the cases
// x24Block tells apart: Gaussian values, a block with one outlier 1e4
// times the rest, a block of zeros, one of subnormals only, one spanning
// 1e-30 to 1e30, values halfway between integers of m, and (with
// special) blocks holding +Inf, −Inf or NaN.
func x24Inputs(rng *rand.Rand, cols int, special bool) [][]float32 {
	var xs [][]float32
	xs = append(xs, randVec(rng, cols, 1))
	x := randVec(rng, cols, 1)
	nb := cols / int8Block
	for b := 0; b < nb; b++ {
		blk := x[b*int8Block : (b+1)*int8Block]
		switch b % 6 {
		case 1:
			blk[rng.IntN(int8Block)] *= 1e4
		case 2:
			clear(blk)
		case 3:
			for j := range blk {
				blk[j] = math.Float32frombits(uint32(rng.IntN(1 << 23)))
			}
		case 4:
			for j := range blk {
				blk[j] = float32(math.Pow(10, rng.Float64()*60-30)) * float32(1-2*rng.IntN(2))
			}
		case 5:
			// amax = x24Max·2⁻¹⁰ makes s = 2⁻¹⁰: multiples of 2⁻¹¹ fall
			// halfway between integers of m (and on them).
			blk[0] = x24Max / 1024
			for j := 1; j < int8Block; j++ {
				blk[j] = float32(rng.IntN(1<<20)-1<<19) / 2048
			}
		}
	}
	xs = append(xs, x)
	if special && nb >= 3 {
		x := randVec(rng, cols, 1)
		x[5] = float32(math.Inf(1))
		x[int8Block+7] = float32(math.Inf(-1))
		x[2*int8Block+3] = float32(math.NaN())
		xs = append(xs, x)
	}
	return xs
}

// TestX24Quantize checks the x24 input: every set's quantizer (the
// AVX-512 kernel where the CPU has it) writes the planes, corrections and
// scales of the Go loop bit for bit, and those hold x24Block's m (the
// planes' digits give back m, each within x24Max) with |x − m·s| ≤ s/2
// (plus float64 rounding), corrections −8 times each lane's eight m.
func TestX24Quantize(t *testing.T) {
	rng := rand.New(rand.NewPCG(41, 42))
	for _, cols := range []int{32, 128, 256, 288, 1024, 1056, 2048 + 96} {
		for _, x := range x24Inputs(rng, cols, true) {
			want := quantizeEverySet(t, x, cols, needPlanes)
			if cols%superBlock == 0 {
				checkX24K(t, x, cols, want.s24)
				checkX24Q6(t, x, cols, want.s24)
			}
			nb := cols / int8Block
			var m [int8Block]int32
			for b := 0; b < nb; b++ {
				blk := x[b*int8Block : (b+1)*int8Block]
				s := x24Block(&m, blk)
				if math.Float32bits(s) != math.Float32bits(want.s24[b]) {
					t.Fatalf("cols=%d block %d: scale %v, x24Block %v", cols, b, want.s24[b], s)
				}
				finite := !math.IsNaN(float64(s))
				for j, v := range blk {
					got := want.x24Value(0, b, j)
					if got != m[j] || got > x24Max || got < -x24Max {
						t.Fatalf("cols=%d block %d value %d: planes give %d, x24Block %d", cols, b, j, got, m[j])
					}
					if finite && s > 0 && math.Abs(float64(v)-float64(got)*float64(s)) > float64(s)*(0.5+1e-9) {
						t.Fatalf("cols=%d block %d value %d: %v rounds to %d·%v", cols, b, j, v, got, s)
					}
					if (!finite || s == 0) && got != 0 {
						t.Fatalf("cols=%d block %d (scale %v): m = %d, want 0", cols, b, s, got)
					}
				}
			}
			for g := 0; g < cols/x24Group; g++ {
				for lane := 0; lane < 16; lane++ {
					b, l := 4*g+lane/4, lane%4
					var sum int32
					for j := 4 * l; j < 4*l+4; j++ {
						sum += want.x24Value(0, b, j) + want.x24Value(0, b, j+16)
					}
					if want.c24[16*g+lane] != -8*sum {
						t.Fatalf("cols=%d group %d lane %d: correction %d, want %d", cols, g, lane, want.c24[16*g+lane], -8*sum)
					}
				}
			}
		}
	}
}

// checkX24K and checkX24Q6 check the K-quants' forms of the x24 input
// (checkSuperPlanes): Q4_K's and Q5_K's with the blocks at x24KPos and
// s·Σm, the exact sum times s rounded once; Q6_K's in element order with
// each four values' correction, −32 times their m sum.
func checkX24K(t *testing.T, x []float32, cols int, s []float32) {
	checkSuperPlanes(t, x, cols, s, needPlanesK, &x24KPos, func(a *int8Input) []int8 { return a.pk24 },
		func(a *int8Input, b int, m *[int8Block]int32) bool {
			var sum int64
			for _, v := range m {
				sum += int64(v)
			}
			return math.Float32bits(float32(float64(a.s24[b])*float64(sum))) == math.Float32bits(a.sm24[b])
		})
}

func checkX24Q6(t *testing.T, x []float32, cols int, s []float32) {
	checkSuperPlanes(t, x, cols, s, needPlanes6, &x24Q6Pos, func(a *int8Input) []int8 { return a.p6 },
		func(a *int8Input, b int, m *[int8Block]int32) bool {
			for g := 0; g < 8; g++ {
				if a.c6[8*b+g] != -32*(m[4*g]+m[4*g+1]+m[4*g+2]+m[4*g+3]) {
					return false
				}
			}
			return true
		})
}

// checkSuperPlanes checks an x24 input form of the K-quants: every set's
// quantizer writes the Go loop's bits (quantizeEverySet), its scales are
// those of the Q4_0 form (s), its planes hold x24Block's m with block j
// of each super-block at 32-byte unit pos[j], and terms holds for every
// block.
func checkSuperPlanes(t *testing.T, x []float32, cols int, s []float32, needs int8Needs, pos *[8]int,
	planes func(*int8Input) []int8, terms func(a *int8Input, b int, m *[int8Block]int32) bool) {
	t.Helper()
	want := quantizeEverySet(t, x, cols, needs)
	if !sameBits(want.s24, s) {
		t.Fatalf("cols=%d needs %b: scales differ from the Q4_0 form's", cols, needs)
	}
	p := planes(want)
	var m [int8Block]int32
	for b := 0; b < cols/int8Block; b++ {
		x24Block(&m, x[b*int8Block:(b+1)*int8Block])
		off := 3*superBlock*(b/8) + int8Block*pos[b%8]
		for j, v := range m {
			if got := int32(p[off+j]) + 256*int32(p[off+superBlock+j]) + 65536*int32(p[off+2*superBlock+j]); got != v {
				t.Fatalf("cols=%d needs %b block %d value %d: planes give %d, x24Block %d", cols, needs, b, j, got, v)
			}
		}
		if !terms(want, b, &m) {
			t.Fatalf("cols=%d needs %b block %d: wrong s·Σm or corrections", cols, needs, b)
		}
	}
}

// quantizeInputWith quantizes x in the x24 form needs asks for with set
// name active.
func quantizeInputWith(t *testing.T, name string, x []float32, cols int, needs int8Needs) *int8Input {
	t.Helper()
	var a *int8Input
	withKernels(name, func() { a = quantizeInput(x, 1, cols, needs) })
	// The pool may hand a back to the next call: keep copies, and poison
	// a, so that a quantizer that leaves bytes unwritten cannot pass with
	// the last set's.
	c := &int8Input{cols: a.cols, p24: slices.Clone(a.p24), c24: slices.Clone(a.c24), s24: slices.Clone(a.s24),
		pk24: slices.Clone(a.pk24), sm24: slices.Clone(a.sm24), p6: slices.Clone(a.p6), c6: slices.Clone(a.c6)}
	for _, p := range [][]int8{a.p24, a.pk24, a.p6} {
		for i := range p {
			p[i] = 0x55
		}
	}
	for _, f := range [][]float32{a.s24, a.sm24} {
		for i := range f {
			f[i] = 12345
		}
	}
	for _, c := range [][]int32{a.c24, a.c6} {
		for i := range c {
			c[i] = 0x5555
		}
	}
	int8InputPool.Put(a)
	return c
}

// quantizeEverySet quantizes x in the x24 form needs asks for with
// every runnable set and fails unless each set's quantizer wrote the Go
// loop's bits (the generic set's input, which it returns).
func quantizeEverySet(t *testing.T, x []float32, cols int, needs int8Needs) *int8Input {
	t.Helper()
	want := quantizeInputWith(t, "generic", x, cols, needs)
	for _, name := range runnableSets() {
		got := quantizeInputWith(t, name, x, cols, needs)
		if !slices.Equal(got.p24, want.p24) || !slices.Equal(got.c24, want.c24) || !sameBits(got.s24, want.s24) ||
			!slices.Equal(got.pk24, want.pk24) || !sameBits(got.sm24, want.sm24) ||
			!slices.Equal(got.p6, want.p6) || !slices.Equal(got.c6, want.c6) {
			t.Fatalf("%s cols=%d: x24 input (needs %b) differs from the Go loop's", name, cols, needs)
		}
	}
	return want
}

// sameBits reports whether two float32 slices hold the same bits.
func sameBits(a, b []float32) bool {
	return slices.EqualFunc(a, b, func(u, v float32) bool { return math.Float32bits(u) == math.Float32bits(v) })
}

// TestX24MatVec checks MatVec on the x24 path (Q4_0, Q4_K) against the
// float64 reference, within the float32 kernels' bound plus the input's
// rounding, Σ|w|·|x − m·s| (what x24 trades for speed), on rows with and
// without tails (Q4_0: blocks past the last eight, and past the last
// whole group of four); and that a block holding ±Inf or NaN makes every
// product NaN.
func TestX24MatVec(t *testing.T) {
	sets := 0
	for _, name := range runnableSets() {
		withKernels(name, func() {
			rng := rand.New(rand.NewPCG(43, 44))
			for _, tc := range []struct {
				dt   DType
				cols []int
			}{{Q4_0, []int{256, 288, 416, 1056, 2048 + 96, 5632}}, {Q4_K, []int{256, 1280, 5632}}, {Q5_K, []int{256, 1280, 5632}}, {Q6_K, []int{256, 1280, 5632}}} {
				if k, _ := x24For(activeKernels(), Mat{DType: tc.dt, Cols: 256}, 1); k == nil {
					continue
				}
				sets++
				for _, cols := range tc.cols {
					for _, rows := range []int{1, 37, 70} {
						checkX24MatVec(t, name, rng, tc.dt, rows, cols)
					}
				}
			}
		})
	}
	if sets < 4 && cpuHas("avx512") && cpuid.CPU.Supports(cpuid.AVX512VNNI, cpuid.AVX512VBMI, cpuid.GFNI) {
		t.Fatalf("%d x24 kernels on an AVX-512 VNNI, VBMI and GFNI CPU, want 4 (Q4_0, Q4_K, Q5_K, Q6_K)", sets)
	}
}

func checkX24MatVec(t *testing.T, name string, rng *rand.Rand, dt DType, rows, cols int) {
	t.Helper()
	w := randomMat(rng, dt, rows, cols)
	for xi, x := range x24Inputs(rng, cols, true) {
		got := make([]float32, rows)
		MatVec(got, w, x)
		// The input's rounding, per value.
		dx := make([]float64, cols)
		var m [int8Block]int32
		for b := 0; b < cols/int8Block; b++ {
			s := float64(x24Block(&m, x[b*int8Block:(b+1)*int8Block]))
			for j := range m {
				c := b*int8Block + j
				dx[c] = math.Abs(float64(x[c]) - float64(m[j])*s)
			}
		}
		for r := range got {
			wr := refRow(w, r)
			ref, mag := refDot(wr, x)
			if xi == 2 {
				if !math.IsNaN(float64(got[r])) {
					t.Fatalf("%s %s %d×%d row %d: %v with ±Inf and NaN in the input, want NaN", name, dt, rows, cols, r, got[r])
				}
				continue
			}
			var inErr float64
			for c, v := range wr {
				inErr += math.Abs(float64(v)) * dx[c]
			}
			// A float32 lane of the kernels adds at most four products
			// (Q4_0) or eight (the K-quants) before it is widened, each
			// rounding relative to the lane's magnitude.
			lanes := 0x1p-22
			if dt != Q4_0 {
				lanes = 0x1p-21
			}
			bound := math.Abs(ref)*0x1p-24 + mag*lanes + inErr*(1+0x1p-20)
			if dt == Q4_K || dt == Q5_K {
				bound += splitMag(dt, w.Data[r*w.rowBytes():(r+1)*w.rowBytes()], x) * lanes
			}
			if e := math.Abs(float64(got[r]) - ref); e > bound {
				t.Fatalf("%s %s %d×%d input %d: MatVec[%d] = %v, reference %v (error %g > %g)", name, dt, rows, cols, xi, r, got[r], ref, e, bound)
			}
		}
	}
}

// splitMag is Σ_j |d·sc_j|·Σ q|x| + |dmin·m_j|·Σ|x| over a Q4_K or
// Q5_K row's sub-blocks: the K-quant x24 kernels sum d·sc_j·Σ q·x and
// dmin·m_j·Σ x apart, as llama.cpp does, and round relative to each,
// which can be far more than their difference, the weights' own size.
func splitMag(dt DType, row []byte, x []float32) float64 {
	bb, qo := 144, 16
	if dt == Q5_K {
		bb, qo = 176, 48
	}
	var sum float64
	for sb := 0; sb < len(row)/bb; sb++ {
		blk := row[bb*sb : bb*(sb+1)]
		d, dmin := float64(F16ToF32(le16(blk))), float64(F16ToF32(le16(blk[2:])))
		for j := 0; j < 8; j++ {
			sc, m := scaleMinK4(j, blk[4:16])
			var qx, ax float64
			for i := 0; i < 32; i++ {
				q := blk[qo+32*(j/2)+i]
				if j%2 == 1 {
					q >>= 4
				}
				q &= 15
				if dt == Q5_K {
					q |= (blk[16+i] >> j & 1) << 4
				}
				v := math.Abs(float64(x[256*sb+32*j+i]))
				qx += float64(q) * v
				ax += v
			}
			sum += math.Abs(d*float64(sc))*qx + math.Abs(dmin*float64(m))*ax
		}
	}
	return sum
}
