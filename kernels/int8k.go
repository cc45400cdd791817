package kernels

import "math"

// Int8 products of the K-quants (Mat.Int8Input on Q4_K and Q5_K).
//
// llama.cpp multiplies K-quant weights by activations quantized to Q8_K:
// per super-block of 256 values one float32 scale and int8 values, and the
// sum of each 16 values (so the Q4_K/Q5_K mins cost one product per 32
// values). Each super-block's products are then integer sums, exact, times
// the two scales: here Σ isum·(d·dy) − Σ msum·(dmin·dy) in float64, with
// d·dy and dmin·dy rounded to float32 as llama.cpp rounds them, so the
// result differs from llama.cpp's only in how its float sums are ordered
// (TestInt8ActivationsMatchLlamaCpp: ~3e-7 on the quants fixture).
//
// Q6_K has no int8 path: the same construction (Σ_g sc_g·Σ(q−32)·x per
// 16, exact) lands 1.2e-2 from the fixture's llama.cpp logits for Q6_K,
// as far as the exact product is, so llama.cpp computes Q6_K otherwise
// than its x86 vec_dot reads; until that is understood Q6_K stays exact.

// superBlock is the K-quants' super-block length (ggml's QK_K).
const superBlock = 256

// quantizeSuper quantizes super-block b of the input as llama.cpp's
// quantize_row_q8_K_ref: max the value of largest magnitude, iscale =
// −127/max, q = min(127, round-half-even(iscale·x)), d = 1/iscale (all in
// float32), and the sums of each 16 values. A zero block has d = 0; a
// block holding a NaN has d = NaN (llama.cpp's max skips a NaN, which
// would then vanish from the products), so its products are NaN.
func quantizeSuper(a *int8Input, b int, x []float32) {
	x = x[:superBlock]
	q := a.kq[b*superBlock : (b+1)*superBlock]
	sums := a.ksums[b*16 : b*16+16]
	// The first value of largest |x|, comparing the bits of |x| as
	// integers: the same order for numbers, and a NaN's are above +Inf's.
	var amax uint32
	var mx float32
	for _, v := range x {
		if av := math.Float32bits(v) &^ (1 << 31); av > amax {
			amax, mx = av, v
		}
	}
	if amax == 0 || mx != mx {
		a.kd[b] = 0
		if mx != mx {
			a.kd[b] = float32(math.NaN())
		}
		clear(q)
		clear(sums)
		return
	}
	iscale := -127 / mx
	for j, v := range x {
		q[j] = int8(min(127, nearestInt(iscale*v)))
	}
	for g := range sums {
		var s int32
		for _, v := range q[16*g : 16*g+16] {
			s += int32(v)
		}
		sums[g] = s
	}
	a.kd[b] = 1 / iscale
}

// kOrderLayout fills super-block b of kqk from kq: sub-block j at
// 32-byte unit x24KPos[j].
func (a *int8Input) kOrderLayout(b int) {
	src := (*[superBlock]int8)(a.kq[b*superBlock:])
	dst := (*[superBlock]int8)(a.kqk[b*superBlock:])
	for j, k := range x24KPos {
		*(*[32]int8)(dst[32*k:]) = *(*[32]int8)(src[32*j:])
	}
}

// superInput returns input row i's super-block b: its values, the sums
// of its 16s, and its scale.
func superInput(a *int8Input, i, b int) (q []int8, sums []int32, d float32) {
	k := i*(a.cols/superBlock) + b
	return a.kq[k*superBlock : (k+1)*superBlock], a.ksums[k*16 : k*16+16], a.kd[k]
}

// kMinSum is Σ_j m_j·(the input's sum over sub-block j of 32), the Q4_K
// and Q5_K mins' part of a super-block's product.
func kMinSum(scales []byte, sums []int32) int64 {
	var s int64
	for j := 0; j < 8; j++ {
		_, m := scaleMinK4(j, scales)
		s += int64(m) * int64(sums[2*j]+sums[2*j+1])
	}
	return s
}

// q4_KInt8Dot sums super-blocks [b0, b1) of one Q4_K row times input row
// i: per super-block Σ_j sc_j·Σ q·x exactly, minus the mins' part.
func q4_KInt8Dot(row []byte, a *int8Input, i, b0, b1 int) float64 {
	var s float64
	for b := b0; b < b1; b++ {
		blk := row[b*144 : (b+1)*144]
		s += k45Super(blk, blk[16:144], nil, a, i, b)
	}
	return s
}

// q5_KInt8Dot is q4_KInt8Dot for Q5_K (the fifth bits from qh).
func q5_KInt8Dot(row []byte, a *int8Input, i, b0, b1 int) float64 {
	var s float64
	for b := b0; b < b1; b++ {
		blk := row[b*176 : (b+1)*176]
		s += k45Super(blk, blk[48:176], blk[16:48], a, i, b)
	}
	return s
}

// k45Super is one Q4_K or Q5_K super-block blk (quants qs, fifth bits qh
// or nil) times super-block b of input row i.
func k45Super(blk, qs, qh []byte, a *int8Input, i, b int) float64 {
	x, sums, dy := superInput(a, i, b)
	scales := blk[4:16]
	var isum int64
	for j := 0; j < 8; j++ { // sub-block j: 32 values, low or high nibbles
		sc, _ := scaleMinK4(j, scales)
		q, xj := qs[32*(j/2):32*(j/2)+32], x[32*j:32*j+32]
		shift := 4 * uint(j%2)
		var t int32
		for l, v := range q {
			w := int32(v >> shift & 15)
			if qh != nil {
				w |= int32(qh[l]>>uint(j)&1) << 4
			}
			t += w * int32(xj[l])
		}
		isum += int64(sc) * int64(t)
	}
	d := F16ToF32(le16(blk)) * dy
	dmin := F16ToF32(le16(blk[2:])) * dy
	return float64(d)*float64(isum) - float64(dmin)*float64(kMinSum(scales, sums))
}
