package kernels

import (
	"math"
	"math/rand/v2"
	"sort"
	"testing"
)

// withKernels runs f with the kernel set name active (tests cover every
// set the CPU can run in one go test, without TORCHLESS_ISA).
func withKernels(name string, f func()) {
	ks := activeKernels()
	active = kernelSets[name]
	defer func() { active = ks }()
	f()
}

// runnableSets lists the implemented kernel sets this CPU can run, and
// the test-only variants of them it can (partialSets).
func runnableSets() []string {
	var names []string
	for _, name := range isaOrder {
		if kernelSets[name] != nil && cpuHas(name) {
			names = append(names, name)
		}
	}
	for _, p := range partialSets {
		if p.runs() {
			names = append(names, p.name)
		}
	}
	return names
}

// partialSets are sets as CPUs with fewer extensions than this one would
// get them (registered in kernelSets by the tests of an architecture), so
// that the tests cover those combinations too.
var partialSets []partialSet

type partialSet struct {
	name string
	runs func() bool // this CPU can run it
}

// TestSIMDKernels compares every kernel set with the float64 reference on
// sizes that hit every tail (odd row counts, columns that are not
// multiples of the SIMD group for the float types), and checks that
// MatMul rows are bit-identical to MatVec within each set.
func TestSIMDKernels(t *testing.T) {
	t.Logf("sets runnable here: %v", runnableSets())
	for _, name := range runnableSets() {
		withKernels(name, func() {
			rng := rand.New(rand.NewPCG(11, 12))
			for _, dt := range weightDTypes {
				cols := colsFor(dt)
				if dt.BlockSize() == 1 && dt != TLInt8 {
					cols = append(cols, 31, 32, 33, 63, 64, 65, 127, 129, 1000, 1100, 2300)
				} else if dt.BlockSize() == 32 {
					cols = append(cols, 64, 160, 416, 1056, 2080, 4096)
				}
				for _, rows := range []int{1, 5, 17, 40, 70} { // 70: more than a batch of rows
					for _, c := range cols {
						checkSet(t, name, rng, dt, rows, c)
					}
				}
			}
		})
	}
}

func checkSet(t *testing.T, set string, rng *rand.Rand, dt DType, rows, cols int) {
	t.Helper()
	w := randomMat(rng, dt, rows, cols)
	const n = 5
	x := randVec(rng, n*cols, 1)
	mv := make([]float32, rows)
	mm := make([]float32, n*rows)
	for i := 0; i < n; i++ {
		MatVec(mv, w, x[i*cols:(i+1)*cols])
		if i == 0 {
			MatMul(mm, w, x, n)
		}
		for r := 0; r < rows; r++ {
			ref, mag := refDot(refRow(w, r), x[i*cols:(i+1)*cols])
			// The result's float32 rounding plus at most four float32
			// roundings of partial sums of products (see the .s files).
			bound := math.Abs(ref)*0x1p-24 + mag*0x1p-22
			if e := math.Abs(float64(mv[r]) - ref); e > bound {
				t.Fatalf("%s %s %d×%d: MatVec[%d] input %d = %v, reference %v (error %g > %g)", set, dt, rows, cols, r, i, mv[r], ref, e, bound)
			}
			v := mm[i*rows+r]
			if matMulInexact(dt, cols, n) {
				if e := math.Abs(float64(v) - ref); e > bound {
					t.Fatalf("%s %s %d×%d: MatMul[%d,%d] = %v, reference %v (error %g > %g)", set, dt, rows, cols, i, r, v, ref, e, bound)
				}
			} else if math.Float32bits(v) != math.Float32bits(mv[r]) {
				t.Fatalf("%s %s %d×%d: MatMul[%d,%d] = %v differs from MatVec %v", set, dt, rows, cols, i, r, v, mv[r])
			}
		}
	}
}

// matMulInexact reports whether the active set's MatMul of dt may differ
// from its MatVec, within MatVec's error bound against the exact result,
// instead of matching it bit for bit: Q8_0 with four inputs or more on
// rows of whole 64-element groups (AVX-512) or 256 (AVX2), which MatMul
// decodes to float32 (see gemmKernels), and products whose MatVec takes
// the x24 path but MatMul does not (the active set's, x24For).
func matMulInexact(dt DType, cols, n int) bool {
	ks := activeKernels()
	w := Mat{DType: dt, Cols: cols}
	one, _ := x24For(ks, w, 1)
	many, _ := x24For(ks, w, n)
	q8 := ks.name == "avx512" && cols%64 == 0 || ks.name == "avx2" && cols%256 == 0
	return q8 && dt == Q8_0 && n >= 4 || one != nil && many == nil
}

// TestSIMDMatMulBatch checks MatMul rows against MatVec bit for bit at
// batch sizes that take the large-product paths (row pairs, tiles decoded
// to float32, inputs left over after the groups of four), on row counts
// that leave a single row in a tile and lengths with and without a
// float tail or an odd block (or, where matMulInexact, against the
// reference within MatVec's bound).
func TestSIMDMatMulBatch(t *testing.T) {
	for _, name := range runnableSets() {
		withKernels(name, func() {
			rng := rand.New(rand.NewPCG(15, 16))
			for _, dt := range []DType{F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q2_K, Q3_K, Q4_K, Q5_K, Q6_K} {
				cols := []int{256, 2048}
				if dt.BlockSize() == 1 {
					cols = append(cols, 100, 1000, 1088)
				} else if dt.BlockSize() == 32 {
					cols = append(cols, 96, 1056, 1088)
				}
				for _, c := range cols {
					const rows, n = 35, 19
					w := randomMat(rng, dt, rows, c)
					x := randVec(rng, n*c, 1)
					mm := make([]float32, n*rows)
					MatMul(mm, w, x, n)
					mv := make([]float32, rows)
					for i := 0; i < n; i++ {
						MatVec(mv, w, x[i*c:(i+1)*c])
						for r, v := range mv {
							got := mm[i*rows+r]
							if matMulInexact(dt, c, n) {
								ref, mag := refDot(refRow(w, r), x[i*c:(i+1)*c])
								bound := math.Abs(ref)*0x1p-24 + mag*0x1p-22
								if e := math.Abs(float64(got) - ref); e > bound {
									t.Fatalf("%s %s %d×%d n=%d: MatMul[%d,%d] = %v, reference %v (error %g > %g)", name, dt, rows, c, n, i, r, got, ref, e, bound)
								}
							} else if math.Float32bits(got) != math.Float32bits(v) {
								t.Fatalf("%s %s %d×%d n=%d: MatMul[%d,%d] = %v differs from MatVec %v", name, dt, rows, c, n, i, r, got, v)
							}
						}
					}
				}
			}
		})
	}
}

// TestSIMDPrecision measures each set's error on random 4096-long dot
// products against the exact (float64) result, two ways: relative to
// each result (median; a mean or max is dominated by the rows whose
// result nearly cancels) and relative to the rms of the results (what
// the decoder's max|ours−ref|/max|ref| comparison sees). Both must stay
// below 1e-6; float32 accumulation over whole rows gives ~3e-6.
func TestSIMDPrecision(t *testing.T) {
	for _, name := range runnableSets() {
		withKernels(name, func() {
			rng := rand.New(rand.NewPCG(13, 14))
			for _, dt := range []DType{F32, F16, BF16, Q8_0, Q4_0, Q4_K, Q5_K, Q6_K} {
				const rows, cols = 300, 4096
				w := randomMat(rng, dt, rows, cols)
				x := randVec(rng, cols, 1)
				got := make([]float32, rows)
				MatVec(got, w, x)
				rel := make([]float64, rows)
				abs := make([]float64, rows)
				var ms float64
				for r := range got {
					ref, _ := refDot(refRow(w, r), x)
					abs[r] = math.Abs(float64(got[r]) - ref)
					rel[r] = abs[r] / math.Abs(ref)
					ms += ref * ref / rows
				}
				sort.Float64s(rel)
				sort.Float64s(abs)
				rms := math.Sqrt(ms)
				t.Logf("%s %s: error relative to each result: median %.2g, max %.2g; max error relative to the rms result %.2g",
					name, dt, rel[rows/2], rel[rows-1], abs[rows-1]/rms)
				if rel[rows/2] > 1e-6 || abs[rows-1]/rms > 1e-6 {
					t.Errorf("%s %s: error above 1e-6", name, dt)
				}
			}
		})
	}
}

// TestDotAxpySets checks Dot and Axpy of every set on lengths that hit
// the tails: Dot within the MatVec bound of the float64 dot, Axpy exactly
// the fused multiply-add of each element (the generic Axpy within one
// float32 ulp of it: it rounds through float64).
func TestDotAxpySets(t *testing.T) {
	for _, name := range runnableSets() {
		withKernels(name, func() {
			rng := rand.New(rand.NewPCG(31, 32))
			for _, n := range []int{1, 7, 8, 15, 16, 17, 63, 64, 65, 100, 256, 1000} {
				a, b := randVec(rng, n, 1), randVec(rng, n, 1)
				ref, mag := refDot(a, b)
				got := Dot(a, b)
				if e := math.Abs(float64(got) - ref); e > math.Abs(ref)*0x1p-24+mag*0x1p-22 {
					t.Fatalf("%s Dot n=%d: %v, reference %v", name, n, got, ref)
				}
				dst := randVec(rng, n, 1)
				want := make([]float32, n)
				s := float32(rng.NormFloat64())
				for i := range want {
					want[i] = float32(math.FMA(float64(s), float64(b[i]), float64(dst[i])))
				}
				Axpy(dst, s, b)
				for i := range want {
					if d := math.Abs(float64(dst[i] - want[i])); d != 0 && (name != "generic" || d > math.Abs(float64(want[i]))*0x1p-23) {
						t.Fatalf("%s Axpy n=%d [%d]: %v, fma %v", name, n, i, dst[i], want[i])
					}
				}
			}
		})
	}
}
