package kernels

import "math"

// Reference quantizers of the K-quants (ggml's quantize_row_q*_K_ref,
// what llama-quantize uses without an importance matrix). Every float32
// operation is written in ggml's order with explicit float32 conversions
// where ggml writes a*b+c, so no FMA is fused: the bytes are those of a
// ggml built without FMA contraction.

const groupMaxEps = 1e-15

// nearestInt rounds to the nearest integer, ties to even, through ggml's
// float trick (valid for |v| ≤ 4194303). The conversion rounds v first:
// inlined, nearestInt(a*b) would otherwise fuse into one multiply-add on
// CPUs that have it (arm64), which rounds a·b + 2²³·1.5 once instead of
// twice, and a product just off a half then lands on the other integer.
func nearestInt(v float32) int {
	bits := math.Float32bits(float32(v) + 12582912)
	return int(bits&0x007fffff) - 0x00400000
}

func clampInt(v, lo, hi int) int { return max(lo, min(hi, v)) }

// makeQXQuants is ggml's make_qx_quants for rmse_type 1 without
// importance weights (w = x²): L gets values in [0, 2·nmax).
func makeQXQuants(nmax int, x []float32, L []int8) float32 {
	var maxv, amax float32
	for _, v := range x {
		if a := abs32(v); a > amax {
			amax, maxv = a, v
		}
	}
	if amax < groupMaxEps {
		clear(L)
		return 0
	}
	fn := float32(nmax)
	iscale := float32(-nmax) / maxv
	var sumlx, suml2 float32
	for i, v := range x {
		l := clampInt(nearestInt(iscale*v), -nmax, nmax-1)
		L[i] = int8(l + nmax)
		w := v * v
		sumlx = float32(w*v*float32(l)) + sumlx
		suml2 = float32(w*float32(l)*float32(l)) + suml2
	}
	var scale float32
	if suml2 != 0 {
		scale = sumlx / suml2
	}
	best := scale * sumlx
	for is := -9; is <= 9; is++ {
		if is == 0 {
			continue
		}
		iscale = -(fn + float32(0.1*float32(is))) / maxv
		sumlx, suml2 = 0, 0
		for _, v := range x {
			l := clampInt(nearestInt(iscale*v), -nmax, nmax-1)
			w := v * v
			sumlx = float32(w*v*float32(l)) + sumlx
			suml2 = float32(w*float32(l)*float32(l)) + suml2
		}
		if suml2 > 0 && float32(sumlx*sumlx) > float32(best*suml2) {
			for i, v := range x {
				L[i] = int8(nmax + clampInt(nearestInt(iscale*v), -nmax, nmax-1))
			}
			scale = sumlx / suml2
			best = scale * sumlx
		}
	}
	return scale
}

// makeQ3Quants is ggml's make_q3_quants with do_rmse: L gets values in
// [0, 2·nmax).
func makeQ3Quants(nmax int, x []float32, L []int8) float32 {
	var maxv, amax float32
	for _, v := range x {
		if a := abs32(v); a > amax {
			amax, maxv = a, v
		}
	}
	if amax < groupMaxEps {
		clear(L)
		return 0
	}
	iscale := float32(-nmax) / maxv
	var sumlx, suml2 float32
	for i, v := range x {
		l := clampInt(nearestInt(iscale*v), -nmax, nmax-1)
		L[i] = int8(l)
		w := v * v
		sumlx = float32(w*v*float32(l)) + sumlx
		suml2 = float32(w*float32(l)*float32(l)) + suml2
	}
	for itry := 0; itry < 5; itry++ {
		changed := 0
		for i, v := range x {
			w := v * v
			li := float32(L[i])
			slx := sumlx - float32(w*v*li)
			if slx > 0 {
				sl2 := suml2 - float32(w*li*li)
				nl := clampInt(nearestInt(v*sl2/slx), -nmax, nmax-1)
				if nl != int(L[i]) {
					fl := float32(nl)
					slx = float32(w*v*fl) + slx
					sl2 = float32(w*fl*fl) + sl2
					if sl2 > 0 && float32(float32(slx*slx)*suml2) > float32(float32(sumlx*sumlx)*sl2) {
						L[i] = int8(nl)
						sumlx, suml2 = slx, sl2
						changed++
					}
				}
			}
		}
		if changed == 0 {
			break
		}
	}
	for i := range L {
		L[i] += int8(nmax)
	}
	if suml2 > 0 {
		return sumlx / suml2
	}
	return 0
}

// makeQKX2Quants is ggml's make_qkx2_quants: an asymmetric fit
// x ≈ scale·L − theMin with L in [0, nmax], searched over nstep+1 scales.
func makeQKX2Quants(nmax int, x, weights []float32, L, Laux []uint8, rmin, rdelta float32, nstep int, useMad bool) (scale, theMin float32) {
	n := len(x)
	minv, maxv := x[0], x[0]
	sumW := weights[0]
	sumX := sumW * x[0]
	for i := 1; i < n; i++ {
		if x[i] < minv {
			minv = x[i]
		}
		if x[i] > maxv {
			maxv = x[i]
		}
		w := weights[i]
		sumW += w
		sumX = float32(w*x[i]) + sumX
	}
	if minv > 0 {
		minv = 0
	}
	if maxv == minv {
		clear(L[:n])
		return 0, -minv
	}
	fn := float32(nmax)
	errOf := func(diff float32) float32 {
		if useMad {
			return abs32(diff)
		}
		return diff * diff
	}
	iscale := fn / (maxv - minv)
	scale = 1 / iscale
	var bestError float32
	for i := range x {
		l := clampInt(nearestInt(iscale*(x[i]-minv)), 0, nmax)
		L[i] = uint8(l)
		diff := float32(float32(scale*float32(L[i]))+minv) - x[i]
		bestError = float32(weights[i]*errOf(diff)) + bestError
	}
	if nstep < 1 {
		return scale, -minv
	}
	for is := 0; is <= nstep; is++ {
		iscale = float32(float32(rdelta*float32(is))+rmin) + fn
		iscale /= maxv - minv
		var sumL, sumL2, sumXL float32
		for i := range x {
			l := clampInt(nearestInt(iscale*(x[i]-minv)), 0, nmax)
			Laux[i] = uint8(l)
			w := weights[i]
			fl := float32(l)
			sumL = float32(w*fl) + sumL
			sumL2 = float32(w*fl*fl) + sumL2
			sumXL = float32(w*fl*x[i]) + sumXL
		}
		D := float32(sumW*sumL2) - float32(sumL*sumL)
		if D > 0 {
			thisScale := (float32(sumW*sumXL) - float32(sumX*sumL)) / D
			thisMin := (float32(sumL2*sumX) - float32(sumL*sumXL)) / D
			if thisMin > 0 {
				thisMin = 0
				thisScale = sumXL / sumL2
			}
			var cur float32
			for i := range x {
				diff := float32(float32(thisScale*float32(Laux[i]))+thisMin) - x[i]
				cur = float32(weights[i]*errOf(diff)) + cur
			}
			if cur < bestError {
				copy(L[:n], Laux[:n])
				bestError = cur
				scale, minv = thisScale, thisMin
			}
		}
	}
	return scale, -minv
}

func encodeQ2_K(dst []byte, src []float32) {
	var L, Laux [256]uint8
	var weights [16]float32
	var mins, scales [16]float32
	const q4scale = 15
	for ; len(src) >= 256; src, dst = src[256:], dst[84:] {
		x := src[:256]
		var maxScale, maxMin float32
		for j := 0; j < 16; j++ {
			for l := 0; l < 16; l++ {
				weights[l] = abs32(x[16*j+l])
			}
			scales[j], mins[j] = makeQKX2Quants(3, x[16*j:16*j+16], weights[:], L[16*j:16*j+16], Laux[:16], -0.5, 0.1, 15, true)
			if scales[j] > maxScale {
				maxScale = scales[j]
			}
			if mins[j] > maxMin {
				maxMin = mins[j]
			}
		}
		sc := dst[0:16]
		if maxScale > 0 {
			iscale := q4scale / maxScale
			for j := range sc {
				sc[j] = uint8(nearestInt(iscale * scales[j]))
			}
			put16(dst[80:], F32ToF16(maxScale/q4scale))
		} else {
			clear(sc)
			put16(dst[80:], 0)
		}
		if maxMin > 0 {
			iscale := q4scale / maxMin
			for j := range sc {
				sc[j] |= uint8(nearestInt(iscale*mins[j]) << 4)
			}
			put16(dst[82:], F32ToF16(maxMin/q4scale))
		} else {
			put16(dst[82:], 0)
		}
		dAll, mAll := F16ToF32(le16(dst[80:])), F16ToF32(le16(dst[82:]))
		for j := 0; j < 16; j++ {
			d := dAll * float32(sc[j]&0xf)
			if d == 0 {
				continue
			}
			dm := mAll * float32(sc[j]>>4)
			for ii := 0; ii < 16; ii++ {
				L[16*j+ii] = uint8(clampInt(nearestInt((x[16*j+ii]+dm)/d), 0, 3))
			}
		}
		pack2bit(dst[16:80], L[:])
	}
}

// pack2bit stores 256 two-bit values as Q2_K/Q3_K's qs: byte l of each
// 32-byte half holds elements l, l+32, l+64, l+96 of that 128.
func pack2bit(qs []byte, L []uint8) {
	for j := 0; j < 256; j += 128 {
		for l := 0; l < 32; l++ {
			qs[j/4+l] = L[j+l] | L[j+l+32]<<2 | L[j+l+64]<<4 | L[j+l+96]<<6
		}
	}
}

func encodeQ3_K(dst []byte, src []float32) {
	var L [256]int8
	var scales [16]float32
	for ; len(src) >= 256; src, dst = src[256:], dst[110:] {
		x := src[:256]
		var maxScale, amax float32
		for j := 0; j < 16; j++ {
			scales[j] = makeQ3Quants(4, x[16*j:16*j+16], L[16*j:16*j+16])
			if s := abs32(scales[j]); s > amax {
				amax, maxScale = s, scales[j]
			}
		}
		sb := dst[96:108]
		clear(sb)
		if maxScale != 0 {
			iscale := -32 / maxScale
			for j := 0; j < 16; j++ {
				l := clampInt(int(int8(nearestInt(iscale*scales[j]))), -32, 31) + 32
				if j < 8 {
					sb[j] = byte(l & 0xf)
				} else {
					sb[j-8] |= byte(l&0xf) << 4
				}
				l >>= 4
				sb[j%4+8] |= byte(l << (2 * (j / 4)))
			}
			put16(dst[108:], F32ToF16(1/iscale))
		} else {
			put16(dst[108:], 0)
		}
		dAll := F16ToF32(le16(dst[108:]))
		for j := 0; j < 16; j++ {
			var sc int
			if j < 8 {
				sc = int(sb[j] & 0xf)
			} else {
				sc = int(sb[j-8] >> 4)
			}
			sc = (sc | int((sb[8+j%4]>>(2*(j/4)))&3)<<4) - 32
			d := dAll * float32(sc)
			if d == 0 {
				continue
			}
			for ii := 0; ii < 16; ii++ {
				L[16*j+ii] = int8(clampInt(nearestInt(x[16*j+ii]/d), -4, 3) + 4)
			}
		}
		hm := dst[0:32]
		clear(hm)
		var U [256]uint8
		for j := 0; j < 256; j++ {
			v := L[j]
			if v > 3 {
				hm[j%32] |= 1 << (j / 32)
				v -= 4
			}
			U[j] = uint8(v)
		}
		pack2bit(dst[32:96], U[:])
	}
}

// k4Scales packs 8 six-bit scales and mins as Q4_K/Q5_K's 12 bytes.
func k4Scales(s []byte, ls, lm *[8]uint8) {
	for j := 0; j < 8; j++ {
		if j < 4 {
			s[j] = ls[j]
			s[j+4] = lm[j]
		} else {
			s[j+4] = ls[j]&0xf | (lm[j]&0xf)<<4
			s[j-4] |= (ls[j] >> 4) << 6
			s[j] |= (lm[j] >> 4) << 6
		}
	}
}

// encodeK45 is quantize_row_q4_K_ref (bits 4) and q5_K_ref (bits 5).
func encodeK45(dst []byte, src []float32, bits int) {
	nmax := 1<<bits - 1
	rmin, nstep := float32(-1), 20
	bb := 144
	if bits == 5 {
		rmin, nstep = -0.5, 15
		bb = 176
	}
	var L, Laux [256]uint8
	var weights [32]float32
	var mins, scales [8]float32
	for ; len(src) >= 256; src, dst = src[256:], dst[bb:] {
		x := src[:256]
		var maxScale, maxMin float32
		for j := 0; j < 8; j++ {
			xs := x[32*j : 32*j+32]
			var sumX2 float32
			for _, v := range xs {
				sumX2 = float32(v*v) + sumX2
			}
			avX := float32(math.Sqrt(float64(sumX2 / 32)))
			for l, v := range xs {
				weights[l] = avX + abs32(v)
			}
			scales[j], mins[j] = makeQKX2Quants(nmax, xs, weights[:], L[32*j:32*j+32], Laux[:32], rmin, 0.1, nstep, false)
			if scales[j] > maxScale {
				maxScale = scales[j]
			}
			if mins[j] > maxMin {
				maxMin = mins[j]
			}
		}
		var invScale, invMin float32
		if maxScale > 0 {
			invScale = 63 / maxScale
		}
		if maxMin > 0 {
			invMin = 63 / maxMin
		}
		var ls, lm [8]uint8
		for j := 0; j < 8; j++ {
			ls[j] = min(63, uint8(nearestInt(invScale*scales[j])))
			lm[j] = min(63, uint8(nearestInt(invMin*mins[j])))
		}
		sb := dst[4:16]
		clear(sb)
		k4Scales(sb, &ls, &lm)
		put16(dst, F32ToF16(maxScale/63))
		put16(dst[2:], F32ToF16(maxMin/63))
		dAll, mAll := F16ToF32(le16(dst)), F16ToF32(le16(dst[2:]))
		for j := 0; j < 8; j++ {
			sc, m := scaleMinK4(j, sb)
			d := dAll * float32(sc)
			if d == 0 {
				continue
			}
			dm := mAll * float32(m)
			for ii := 0; ii < 32; ii++ {
				L[32*j+ii] = uint8(clampInt(nearestInt((x[32*j+ii]+dm)/d), 0, nmax))
			}
		}
		if bits == 4 {
			q := dst[16:144]
			for j := 0; j < 256; j += 64 {
				for l := 0; l < 32; l++ {
					q[j/2+l] = L[j+l] | L[j+l+32]<<4
				}
			}
			continue
		}
		qh := dst[16:48]
		ql := dst[48:176]
		clear(qh)
		m1, m2 := uint8(1), uint8(2)
		for n := 0; n < 256; n += 64 {
			for j := 0; j < 32; j++ {
				l1, l2 := L[n+j], L[n+j+32]
				if l1 > 15 {
					l1 -= 16
					qh[j] |= m1
				}
				if l2 > 15 {
					l2 -= 16
					qh[j] |= m2
				}
				ql[n/2+j] = l1 | l2<<4
			}
			m1 <<= 2
			m2 <<= 2
		}
	}
}

func encodeQ4_K(dst []byte, src []float32) { encodeK45(dst, src, 4) }
func encodeQ5_K(dst []byte, src []float32) { encodeK45(dst, src, 5) }

func encodeQ6_K(dst []byte, src []float32) {
	var L [256]int8
	var scales [16]float32
	for ; len(src) >= 256; src, dst = src[256:], dst[210:] {
		x := src[:256]
		var maxScale, maxAbs float32
		for ib := 0; ib < 16; ib++ {
			scales[ib] = makeQXQuants(32, x[16*ib:16*ib+16], L[16*ib:16*ib+16])
			if a := abs32(scales[ib]); a > maxAbs {
				maxAbs, maxScale = a, scales[ib]
			}
		}
		blk := dst[:210]
		if maxAbs < groupMaxEps {
			clear(blk)
			continue
		}
		iscale := -128 / maxScale
		put16(blk[208:], F32ToF16(1/iscale))
		sc := blk[192:208]
		for ib := range sc {
			sc[ib] = byte(int8(min(127, nearestInt(iscale*scales[ib]))))
		}
		dAll := F16ToF32(le16(blk[208:]))
		for j := 0; j < 16; j++ {
			d := dAll * float32(int8(sc[j]))
			if d == 0 {
				continue
			}
			for ii := 0; ii < 16; ii++ {
				L[16*j+ii] = int8(clampInt(nearestInt(x[16*j+ii]/d), -32, 31) + 32)
			}
		}
		for j := 0; j < 256; j += 128 {
			ql := blk[j/2 : j/2+64]
			qh := blk[128+j/4 : 128+j/4+32]
			for l := 0; l < 32; l++ {
				q1, q2, q3, q4 := uint8(L[j+l]), uint8(L[j+l+32]), uint8(L[j+l+64]), uint8(L[j+l+96])
				ql[l] = q1&0xf | (q3&0xf)<<4
				ql[l+32] = q2&0xf | (q4&0xf)<<4
				qh[l] = q1>>4 | (q2>>4)<<2 | (q3>>4)<<4 | (q4>>4)<<6
			}
		}
	}
}
