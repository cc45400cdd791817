package kernels

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

func randVec(rng *rand.Rand, n int, scale float64) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(rng.NormFloat64() * scale)
	}
	return v
}

// near reports whether got is the float32 rounding of want, allowing one
// extra float32 ulp for float64 operations done in another order, and an
// absolute floor for results near zero.
func near(got float32, want, floor float64) bool {
	return math.Abs(float64(got)-want) <= math.Abs(want)*0x1p-23+floor
}

func checkVec(t *testing.T, name string, got []float32, want []float64, floor float64) {
	t.Helper()
	for i := range want {
		if !near(got[i], want[i], floor) {
			t.Fatalf("%s: element %d = %v, want %v", name, i, got[i], want[i])
		}
	}
}

func TestRMSNorm(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	for _, n := range []int{1, 7, 256, 3000} {
		for _, offset := range []float32{0, 1} {
			x := randVec(rng, n, 3)
			w := randVec(rng, n, 1)
			const eps = 1e-5
			var ss float64
			for _, v := range x {
				ss += float64(v) * float64(v)
			}
			r := math.Sqrt(ss/float64(n) + eps)
			want := make([]float64, n)
			for i := range x {
				want[i] = float64(x[i]) / r * (float64(offset) + float64(w[i]))
			}
			dst := make([]float32, n)
			RMSNorm(dst, x, w, eps, offset)
			checkVec(t, "RMSNorm", dst, want, 1e-30)
			RMSNorm(x, x, w, eps, offset) // aliasing
			checkVec(t, "RMSNorm in place", x, want, 1e-30)
		}
	}
}

func TestLayerNorm(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	for _, n := range []int{1, 5, 256, 2500} {
		for _, withBias := range []bool{false, true} {
			x := randVec(rng, n, 2)
			for i := range x {
				x[i] += 100 // a large mean: the variance must not cancel
			}
			w := randVec(rng, n, 1)
			var b []float32
			if withBias {
				b = randVec(rng, n, 1)
			}
			const eps = 1e-5
			var mean float64
			for _, v := range x {
				mean += float64(v)
			}
			mean /= float64(n)
			var vr float64
			for _, v := range x {
				vr += (float64(v) - mean) * (float64(v) - mean)
			}
			vr /= float64(n)
			want := make([]float64, n)
			for i := range x {
				want[i] = (float64(x[i]) - mean) / math.Sqrt(vr+eps) * float64(w[i])
				if b != nil {
					want[i] += float64(b[i])
				}
			}
			dst := make([]float32, n)
			LayerNorm(dst, x, w, b, eps)
			checkVec(t, "LayerNorm", dst, want, 1e-12)
			LayerNorm(x, x, w, b, eps)
			checkVec(t, "LayerNorm in place", x, want, 1e-12)
		}
	}
}

func TestSoftmax(t *testing.T) {
	for _, name := range runnableSets() {
		withKernels(name, func() { testSoftmax(t) })
	}
}

func testSoftmax(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	for _, n := range []int{1, 3, 100, 512, 513, 5000} {
		x := randVec(rng, n, 10)
		x[0] = float32(math.Inf(-1))
		if n > 2 {
			x[n-1] = 80 // exp would overflow float32 without the max shift
		}
		var mx float64 = math.Inf(-1)
		for _, v := range x {
			mx = math.Max(mx, float64(v))
		}
		want := make([]float64, n)
		var sum float64
		for i, v := range x {
			want[i] = math.Exp(float64(v) - mx)
			sum += want[i]
		}
		for i := range want {
			want[i] /= sum
		}
		if n == 1 {
			want[0] = 0 // a lone −Inf
		}
		Softmax(x)
		checkVec(t, "Softmax", x, want, 1e-45)
		if x[0] != 0 {
			t.Fatalf("Softmax of −Inf = %v", x[0])
		}
	}
	x := []float32{float32(math.Inf(-1)), float32(math.Inf(-1))}
	Softmax(x)
	if x[0] != 0 || x[1] != 0 {
		t.Errorf("Softmax of all −Inf = %v, want zeros", x)
	}
	x = []float32{1, 1, 1, 1}
	Softmax(x)
	for _, v := range x {
		if v != 0.25 {
			t.Errorf("Softmax of equal values = %v", x)
		}
	}
}

func TestActivations(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 16))
	x := randVec(rng, 1000, 4)
	x = append(x, 0, -0.0, 100, -100, 1000, -1000, 1e-20)
	n := len(x)

	silu := append([]float32(nil), x...)
	SiLU(silu)
	gelu := append([]float32(nil), x...)
	GELUTanh(gelu)
	capped := append([]float32(nil), x...)
	SoftCap(capped, 30)

	ws, wg, wc := make([]float64, n), make([]float64, n), make([]float64, n)
	for i, v := range x {
		f := float64(v)
		ws[i] = f / (1 + math.Exp(-f))
		// GELU's tanh form for x > −5, where 1 + tanh u keeps its bits
		// (GELUTanh computes x/(1 + e^−2u), the same function); below,
		// where that sum cancels, the exponential form.
		u := math.Sqrt(2/math.Pi) * (f + 0.044715*f*f*f)
		wg[i] = 0.5 * f * (1 + math.Tanh(u))
		if f <= -5 {
			wg[i] = f / (1 + math.Exp(-2*u))
		}
		wc[i] = 30 * math.Tanh(f/30)
	}
	checkVec(t, "SiLU", silu, ws, 1e-40)
	checkVec(t, "GELUTanh", gelu, wg, 1e-40)
	checkVec(t, "SoftCap", capped, wc, 1e-40)
	for i := range silu {
		if math.IsNaN(float64(silu[i])) || math.IsNaN(float64(gelu[i])) {
			t.Fatalf("NaN at %v", x[i])
		}
	}
	// A prompt's activations go over the worker pool in chunks (the last
	// one short): the same values as one call per chunk.
	big := randVec(rng, 5*actChunk+13, 4)
	for _, f := range []struct {
		name     string
		act, one func([]float32)
	}{{"SiLU", SiLU, func(x []float32) { siluChunk(x, 0) }}, {"GELUTanh", GELUTanh, func(x []float32) { geluTanhChunk(x, 0) }},
		{"SoftCap", func(x []float32) { SoftCap(x, 30) }, func(x []float32) { softCapChunk(x, 30) }}} {
		got, want := append([]float32(nil), big...), append([]float32(nil), big...)
		f.act(got)
		for i := 0; i < len(want); i += actChunk {
			f.one(want[i:min(i+actChunk, len(want))])
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s on %d values differs from its chunks'", f.name, len(big))
		}
	}
	// A few fixed points.
	one := []float32{1}
	GELUTanh(one)
	if !near(one[0], 0.8411919906082768, 0) {
		t.Errorf("GELUTanh(1) = %v", one[0])
	}
	one = []float32{1}
	SiLU(one)
	if !near(one[0], 0.7310585786300049, 0) {
		t.Errorf("SiLU(1) = %v", one[0])
	}
}

func TestElementwise(t *testing.T) {
	a := []float32{1, 2, 3}
	b := []float32{0.5, -1, 2}
	Add(a, b)
	if a[0] != 1.5 || a[1] != 1 || a[2] != 5 {
		t.Errorf("Add = %v", a)
	}
	Mul(a, b)
	if a[0] != 0.75 || a[1] != -1 || a[2] != 10 {
		t.Errorf("Mul = %v", a)
	}
	Scale(a, 2)
	if a[0] != 1.5 || a[1] != -2 || a[2] != 20 {
		t.Errorf("Scale = %v", a)
	}
	Axpy(a, 0.5, b)
	if a[0] != 1.75 || a[1] != -2.5 || a[2] != 21 {
		t.Errorf("Axpy = %v", a)
	}
	// 1 + 2^-24·(1+2^-23) lies just above the tie between 1 and 1+2^-23.
	c := []float32{1}
	Axpy(c, float32(math.Ldexp(1, -24)), []float32{1 + float32(math.Ldexp(1, -23))})
	if c[0] != 1+float32(math.Ldexp(1, -23)) {
		t.Errorf("Axpy single rounding: %v", c[0])
	}
	defer func() {
		if recover() == nil {
			t.Error("Add with different lengths did not panic")
		}
	}()
	Add(a, b[:2])
}

func TestRoPE(t *testing.T) {
	rng := rand.New(rand.NewPCG(17, 18))
	for _, rot := range []int{2, 8, 64} {
		h := rot / 2
		x := randVec(rng, rot, 1)
		cos, sin := make([]float32, h), make([]float32, h)
		for i := range cos {
			th := rng.Float64() * 100
			cos[i], sin[i] = float32(math.Cos(th)), float32(math.Sin(th))
		}
		want := make([]float64, rot)
		for i := 0; i < h; i++ {
			a, b := float64(x[i]), float64(x[i+h])
			want[i] = a*float64(cos[i]) - b*float64(sin[i])
			want[i+h] = b*float64(cos[i]) + a*float64(sin[i])
		}
		got := append([]float32(nil), x...)
		RoPEHalves(got, cos, sin)
		checkVec(t, "RoPEHalves", got, want, 1e-30)

		for i := 0; i < h; i++ {
			a, b := float64(x[2*i]), float64(x[2*i+1])
			want[2*i] = a*float64(cos[i]) - b*float64(sin[i])
			want[2*i+1] = b*float64(cos[i]) + a*float64(sin[i])
		}
		got = append(got[:0], x...)
		RoPEAdjacent(got, cos, sin)
		checkVec(t, "RoPEAdjacent", got, want, 1e-30)
	}
	// Position 0 (cos 1, sin 0) is the identity; a quarter turn swaps.
	x := []float32{1, 2, 3, 4}
	RoPEHalves(x, []float32{0, 1}, []float32{1, 0})
	if x[0] != -3 || x[1] != 2 || x[2] != 1 || x[3] != 4 {
		t.Errorf("RoPEHalves quarter turn = %v", x)
	}
	x = []float32{1, 2, 3, 4}
	RoPEAdjacent(x, []float32{0, 1}, []float32{1, 0})
	if x[0] != -2 || x[1] != 1 || x[2] != 3 || x[3] != 4 {
		t.Errorf("RoPEAdjacent quarter turn = %v", x)
	}
}

// TestSiLUSets checks SiLU, GELUTanh and SoftCap on every kernel set
// against math.Exp (math.Tanh) in float64 (rounded once), on lengths
// that hit the SIMD tail, with the special values (and for SoftCap
// values around 2⁻¹⁰·c, where its kernels change form).
func TestSiLUSets(t *testing.T) {
	rng := rand.New(rand.NewPCG(17, 18))
	inf := float32(math.Inf(1))
	acts := []struct {
		name string
		f    func([]float32)
		ref  func(float64) float64
	}{
		{"SiLU", SiLU, func(f float64) float64 { return f / (1 + math.Exp(-f)) }},
		{"GELUTanh", GELUTanh, func(f float64) float64 { return f / (1 + math.Exp(geluM2C*(f+geluA*f*f*f))) }},
		{"SoftCap", func(x []float32) { SoftCap(x, 30) }, func(f float64) float64 { return 30 * math.Tanh(f/30) }},
		{"SoftCap50", func(x []float32) { SoftCap(x, 50) }, func(f float64) float64 { return 50 * math.Tanh(f/50) }},
	}
	for _, name := range runnableSets() {
		withKernels(name, func() {
			for _, act := range acts {
				for _, n := range []int{1, 7, 8, 9, 23, 64, 5632} {
					x := randVec(rng, n, 8)
					special := []float32{0, float32(math.Copysign(0, -1)), 1e-30, -1e-30, 88, -88, 100, -100, 800, -800, 1e4, -1e4, inf, -inf, -6, -12, 3e38, -3e38,
						0.0292, -0.0293, 0.0294, 0.0488, -0.0489, 1e-5, -1e-7, float32(math.NaN())}
					for i := 0; i < n && i < len(special); i++ {
						x[i*7%n] = special[i]
					}
					got := append([]float32(nil), x...)
					act.f(got)
					for i, v := range x {
						want := float32(act.ref(float64(v)))
						if got[i] != want && !near(got[i], float64(want), 0) && !(math.IsNaN(float64(want)) && math.IsNaN(float64(got[i]))) {
							t.Fatalf("%s: %s(%v) = %v, want %v", name, act.name, v, got[i], want)
						}
						if math.Signbit(float64(got[i])) != math.Signbit(float64(want)) && !math.IsNaN(float64(want)) {
							t.Fatalf("%s: %s(%v) = %v, want %v (sign)", name, act.name, v, got[i], want)
						}
					}
				}
			}
		})
	}
}

// TestRows checks DotRows and AxpyRows on every kernel set against loops
// of Dot and Axpy, bit for bit: row lengths around the SIMD groups, row
// counts past a batch, zero coefficients (skipped) and a NaN (not); and
// their float16 forms against them on the widened rows.
func TestRows(t *testing.T) {
	for _, name := range runnableSets() {
		withKernels(name, func() {
			rng := rand.New(rand.NewPCG(71, 72))
			for _, n := range []int{1, 5, 63, 64, 80, 128, 200, 256, 640} {
				for _, rows := range []int{1, 7, 65, 130} {
					stride := n + rng.IntN(3)*16
					m := randVec(rng, (rows-1)*stride+n, 1)
					x := randVec(rng, n, 1)
					got, want := make([]float32, rows), make([]float32, rows)
					DotRows(got, x, m, stride)
					for j := range want {
						want[j] = Dot(x, m[j*stride:j*stride+n])
					}
					for j := range want {
						if math.Float32bits(got[j]) != math.Float32bits(want[j]) {
							t.Fatalf("%s: DotRows n=%d rows=%d: [%d] = %v, Dot %v", name, n, rows, j, got[j], want[j])
						}
					}
					// Coefficients with zeros, and the same with a NaN (which
					// makes every value NaN, so it gets a check of its own).
					a := randVec(rng, rows, 1)
					a[0], a[rows-1] = 0, 0
					if rows > 2 {
						a[1] = float32(math.Copysign(0, -1))
					}
					dst0 := randVec(rng, n, 1)
					ref := slices.Clone(dst0)
					for j, aj := range a {
						if aj != 0 {
							Axpy(ref, aj, m[j*stride:j*stride+n])
						}
					}
					dst := slices.Clone(dst0)
					AxpyRows(dst, a, m, stride)
					for i := range ref {
						if math.Float32bits(dst[i]) != math.Float32bits(ref[i]) {
							t.Fatalf("%s: AxpyRows n=%d rows=%d: [%d] = %v, Axpy loop %v", name, n, rows, i, dst[i], ref[i])
						}
					}
					if rows > 5 {
						an := slices.Clone(a)
						an[5] = float32(math.NaN())
						d := slices.Clone(dst0)
						AxpyRows(d, an, m, stride)
						for i := range d {
							if !math.IsNaN(float64(d[i])) {
								t.Fatalf("%s: AxpyRows n=%d rows=%d skipped a NaN coefficient: [%d] = %v", name, n, rows, i, d[i])
							}
						}
					}
					// The same rows as float16, against widened rows.
					h := make([]uint16, len(m))
					for i, v := range m {
						h[i] = F32ToF16(v)
						m[i] = F16ToF32(h[i])
					}
					buf := make([]float32, n)
					DotRowsF16(got, x, h, stride, buf)
					DotRows(want, x, m, stride)
					if !slices.Equal(got, want) {
						t.Fatalf("%s: DotRowsF16 n=%d rows=%d differs from DotRows of the widened rows", name, n, rows)
					}
					d16, d32 := slices.Clone(dst0), slices.Clone(dst0)
					AxpyRowsF16(d16, a, h, stride, buf)
					AxpyRows(d32, a, m, stride)
					for i := range d32 {
						if math.Float32bits(d16[i]) != math.Float32bits(d32[i]) {
							t.Fatalf("%s: AxpyRowsF16 n=%d rows=%d: [%d] = %v, AxpyRows %v", name, n, rows, i, d16[i], d32[i])
						}
					}
				}
			}
		})
	}
	for _, f := range []func(){
		func() { DotRows(make([]float32, 3), make([]float32, 4), make([]float32, 11), 4) },
		func() { AxpyRows(make([]float32, 4), make([]float32, 3), make([]float32, 11), 4) },
		func() { DotRows(make([]float32, 3), make([]float32, 4), make([]float32, 100), 3) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Error("no panic on rows that do not fit")
				}
			}()
			f()
		}()
	}
}

// TestSoftmaxExp checks the sets' vector e^(x − shift) against math.Exp:
// within 5e-14 relative (EXPPD: 3.2e-14 at worst over a million values
// in [−700, 700]), 0 for −Inf, and the underflow to subnormals and zero;
// far below float32's rounding, so Softmax's results are math.Exp's but
// where a value lies within ~1e-14 of a float32 rounding boundary.
func TestSoftmaxExp(t *testing.T) {
	rng := rand.New(rand.NewPCG(81, 82))
	x := make([]float32, 4096)
	for i := range x {
		x[i] = float32(rng.Float64()*800 - 760)
	}
	copy(x, []float32{float32(math.Inf(-1)), 0, 5, -745, -740, -708, 88, -1e-30, 1e-30, -0.5})
	const shift = 5
	for _, name := range runnableSets() {
		vec := kernelSets[name].vecExp
		if vec == 0 {
			continue
		}
		e := make([]float64, len(x))
		softmaxExpVec(vec, e, x, shift)
		for i, v := range x {
			want := math.Exp(float64(v) - shift)
			if d := math.Abs(e[i] - want); d > 5e-14*want && d > 1e-300 {
				t.Fatalf("%s: e^(%v − %v) = %v, math.Exp %v", name, v, shift, e[i], want)
			}
		}
	}
}

// TestSoftmaxDiv checks the vector division of Softmax against its
// scalar loop, bit for bit: exponentials in [0, 1] (with zeros, tiny
// values whose quotients are float32 subnormals or underflow, and
// values near float32 rounding boundaries) over sums from 1 up.
func TestSoftmaxDiv(t *testing.T) {
	rng := rand.New(rand.NewPCG(83, 84))
	e := make([]float64, 4096)
	for i := range e {
		e[i] = rng.Float64() * math.Pow(2, -float64(rng.IntN(160)))
	}
	copy(e, []float64{0, 1, 1e-300, 0x1p-149, 0x1p-150, 0x1p-126, 1 + 0x1p-24, 1 + 0x1p-25})
	for _, name := range runnableSets() {
		vec := kernelSets[name].vecExp
		if vec == 0 {
			continue
		}
		for _, sum := range []float64{1, 1.5, 3, 1024.75, 1e6} {
			got := make([]float32, len(e))
			softmaxDivVec(vec, got, e, sum)
			for i, v := range e {
				if want := float32(v / sum); math.Float32bits(got[i]) != math.Float32bits(want) {
					t.Fatalf("%s: %v / %v = %v, want %v", name, v, sum, got[i], want)
				}
			}
		}
	}
}

// TestSoftmaxMax checks the vector maximum of Softmax against its scalar
// loop: the largest value that is not NaN (equal as values: of −0 and +0
// either may come out, and x − m is the same for both), and the NaN flag.
func TestSoftmaxMax(t *testing.T) {
	rng := rand.New(rand.NewPCG(85, 86))
	inf := float32(math.Inf(1))
	nan := float32(math.NaN())
	cases := [][]float32{
		{-inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf},
		{0, float32(math.Copysign(0, -1))},
		{nan, -3},
		{-3, nan},
		{inf, nan, -inf},
		{-1e-45, -2},
	}
	for n := 1; n <= 100; n++ {
		x := make([]float32, n)
		for i := range x {
			x[i] = float32(rng.NormFloat64() * 10)
		}
		cases = append(cases, x)
	}
	for _, name := range runnableSets() {
		vec := kernelSets[name].vecExp
		if vec == 0 {
			continue
		}
		for ci, c := range cases {
			x := make([]float32, (len(c)+15)/16*16) // pad with copies of the first value
			for i := range x {
				x[i] = c[i%len(c)]
			}
			want, wantNaN := float32(math.Inf(-1)), false
			for _, v := range x {
				if v > want {
					want = v
				}
				wantNaN = wantNaN || v != v
			}
			got, gotNaN := softmaxMaxVec(vec, x)
			if got != want || gotNaN != wantNaN {
				t.Fatalf("%s case %d: max %v NaN %v, want %v %v", name, ci, got, gotNaN, want, wantNaN)
			}
		}
	}
}
