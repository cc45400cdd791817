package kernels

// Fused generic MatVec kernels for the commonest storage types (F16 and
// BF16 safetensors; Q8_0, Q4_0, Q4_K, Q5_K and Q6_K GGUF; torchless int8): they convert each weight as the decoder
// does and multiply it at once, without the decode buffer. Each keeps the
// exact summation order of dotWide over decodeChunk-element chunks (four
// lanes, lane i%4, then (s0+s1)+(s2+s3) added to the row total), so the
// results are bit-identical to genericMatVec and to MatMul.

func f16MatVec(dst []float32, w Mat, x []float32, lo, hi int) {
	xd, p := widen(x)
	defer widePool.Put(p)
	t := f16Table
	rb := 2 * w.Cols
	for r := lo; r < hi; r++ {
		row := w.Data[r*rb : (r+1)*rb]
		var acc float64
		for c := 0; c < w.Cols; c += decodeChunk {
			n := min(decodeChunk, w.Cols-c)
			seg := row[2*c : 2*(c+n)]
			xs := xd[c : c+n]
			var s0, s1, s2, s3 float64
			i := 0
			for ; i+4 <= n; i += 4 {
				b := seg[2*i : 2*i+8]
				s0 += float64(t[uint16(b[0])|uint16(b[1])<<8]) * xs[i]
				s1 += float64(t[uint16(b[2])|uint16(b[3])<<8]) * xs[i+1]
				s2 += float64(t[uint16(b[4])|uint16(b[5])<<8]) * xs[i+2]
				s3 += float64(t[uint16(b[6])|uint16(b[7])<<8]) * xs[i+3]
			}
			for ; i < n; i++ {
				s0 += float64(t[uint16(seg[2*i])|uint16(seg[2*i+1])<<8]) * xs[i]
			}
			acc += (s0 + s1) + (s2 + s3)
		}
		dst[r] = float32(acc)
	}
}

// bf16 widens bfloat16 bits (low byte lo, high byte hi) to float64.
func bf16(lo, hi byte) float64 {
	return float64(BF16ToF32(uint16(lo) | uint16(hi)<<8))
}

func bf16MatVec(dst []float32, w Mat, x []float32, lo, hi int) {
	xd, p := widen(x)
	defer widePool.Put(p)
	rb := 2 * w.Cols
	for r := lo; r < hi; r++ {
		row := w.Data[r*rb : (r+1)*rb]
		var acc float64
		for c := 0; c < w.Cols; c += decodeChunk {
			n := min(decodeChunk, w.Cols-c)
			seg := row[2*c : 2*(c+n)]
			xs := xd[c : c+n]
			var s0, s1, s2, s3 float64
			i := 0
			for ; i+4 <= n; i += 4 {
				b := seg[2*i : 2*i+8]
				s0 += bf16(b[0], b[1]) * xs[i]
				s1 += bf16(b[2], b[3]) * xs[i+1]
				s2 += bf16(b[4], b[5]) * xs[i+2]
				s3 += bf16(b[6], b[7]) * xs[i+3]
			}
			for ; i < n; i++ {
				s0 += bf16(seg[2*i], seg[2*i+1]) * xs[i]
			}
			acc += (s0 + s1) + (s2 + s3)
		}
		dst[r] = float32(acc)
	}
}

func q8_0MatVec(dst []float32, w Mat, x []float32, lo, hi int) {
	xd, p := widen(x)
	defer widePool.Put(p)
	rb := w.rowBytes()
	for r := lo; r < hi; r++ {
		row := w.Data[r*rb : (r+1)*rb]
		var acc float64
		for c := 0; c < w.Cols; c += decodeChunk {
			n := min(decodeChunk, w.Cols-c) // a multiple of 32
			var s0, s1, s2, s3 float64
			for b := 0; b < n; b += 32 {
				blk := row[(c+b)/32*34 : (c+b)/32*34+34]
				d := F16ToF32(le16(blk))
				q := blk[2:34]
				xs := xd[c+b : c+b+32]
				for j := 0; j < 32; j += 4 {
					s0 += float64(float32(int8(q[j]))*d) * xs[j]
					s1 += float64(float32(int8(q[j+1]))*d) * xs[j+1]
					s2 += float64(float32(int8(q[j+2]))*d) * xs[j+2]
					s3 += float64(float32(int8(q[j+3]))*d) * xs[j+3]
				}
			}
			acc += (s0 + s1) + (s2 + s3)
		}
		dst[r] = float32(acc)
	}
}

func q4_0MatVec(dst []float32, w Mat, x []float32, lo, hi int) {
	xd, p := widen(x)
	defer widePool.Put(p)
	rb := w.rowBytes()
	for r := lo; r < hi; r++ {
		row := w.Data[r*rb : (r+1)*rb]
		var acc float64
		for c := 0; c < w.Cols; c += decodeChunk {
			n := min(decodeChunk, w.Cols-c) // a multiple of 32
			var s0, s1, s2, s3 float64
			for b := 0; b < n; b += 32 {
				blk := row[(c+b)/32*18 : (c+b)/32*18+18]
				d := F16ToF32(le16(blk))
				q := blk[2:18]
				xs := xd[c+b : c+b+32]
				for j := 0; j < 16; j += 4 { // elements 0..15: low nibbles
					s0 += float64(float32(int(q[j]&0xf)-8)*d) * xs[j]
					s1 += float64(float32(int(q[j+1]&0xf)-8)*d) * xs[j+1]
					s2 += float64(float32(int(q[j+2]&0xf)-8)*d) * xs[j+2]
					s3 += float64(float32(int(q[j+3]&0xf)-8)*d) * xs[j+3]
				}
				xs = xs[16:]
				for j := 0; j < 16; j += 4 { // elements 16..31: high nibbles
					s0 += float64(float32(int(q[j]>>4)-8)*d) * xs[j]
					s1 += float64(float32(int(q[j+1]>>4)-8)*d) * xs[j+1]
					s2 += float64(float32(int(q[j+2]>>4)-8)*d) * xs[j+2]
					s3 += float64(float32(int(q[j+3]>>4)-8)*d) * xs[j+3]
				}
			}
			acc += (s0 + s1) + (s2 + s3)
		}
		dst[r] = float32(acc)
	}
}

// q4_KMatVec: a chunk is exactly one 256-element super-block.
func q4_KMatVec(dst []float32, w Mat, x []float32, lo, hi int) {
	xd, p := widen(x)
	defer widePool.Put(p)
	rb := w.rowBytes()
	for r := lo; r < hi; r++ {
		row := w.Data[r*rb : (r+1)*rb]
		var acc float64
		for c := 0; c < w.Cols; c += 256 {
			blk := row[c/256*144 : c/256*144+144]
			d := F16ToF32(le16(blk))
			min := F16ToF32(le16(blk[2:]))
			scales := blk[4:16]
			var s0, s1, s2, s3 float64
			for j := 0; j < 4; j++ {
				q := blk[16+32*j : 16+32*j+32]
				xs := xd[c+64*j : c+64*j+64]
				sc, m := scaleMinK4(2*j, scales)
				d1, m1 := d*float32(sc), min*float32(m)
				for l := 0; l < 32; l += 4 {
					s0 += float64(float32(d1*float32(q[l]&0xf))-m1) * xs[l]
					s1 += float64(float32(d1*float32(q[l+1]&0xf))-m1) * xs[l+1]
					s2 += float64(float32(d1*float32(q[l+2]&0xf))-m1) * xs[l+2]
					s3 += float64(float32(d1*float32(q[l+3]&0xf))-m1) * xs[l+3]
				}
				sc, m = scaleMinK4(2*j+1, scales)
				d2, m2 := d*float32(sc), min*float32(m)
				xs = xs[32:]
				for l := 0; l < 32; l += 4 {
					s0 += float64(float32(d2*float32(q[l]>>4))-m2) * xs[l]
					s1 += float64(float32(d2*float32(q[l+1]>>4))-m2) * xs[l+1]
					s2 += float64(float32(d2*float32(q[l+2]>>4))-m2) * xs[l+2]
					s3 += float64(float32(d2*float32(q[l+3]>>4))-m2) * xs[l+3]
				}
			}
			acc += (s0 + s1) + (s2 + s3)
		}
		dst[r] = float32(acc)
	}
}

// q6_KMatVec: a chunk is exactly one 256-element super-block; each half of
// 128 elements is four runs of 32 (ql low/high nibbles with qh bit pairs).
func q6_KMatVec(dst []float32, w Mat, x []float32, lo, hi int) {
	xd, p := widen(x)
	defer widePool.Put(p)
	rb := w.rowBytes()
	for r := lo; r < hi; r++ {
		row := w.Data[r*rb : (r+1)*rb]
		var acc float64
		for c := 0; c < w.Cols; c += 256 {
			blk := row[c/256*210 : c/256*210+210]
			d := F16ToF32(le16(blk[208:]))
			var s0, s1, s2, s3 float64
			for n := 0; n < 2; n++ {
				ql := blk[64*n : 64*n+64]
				qh := blk[128+32*n : 128+32*n+32]
				sc := blk[192+8*n : 192+8*n+8]
				for k := 0; k < 4; k++ { // elements 32k..32k+31 of this half
					xs := xd[c+128*n+32*k : c+128*n+32*k+32]
					qlk := ql[32*(k&1) : 32*(k&1)+32]
					nib := uint(4 * (k >> 1)) // runs 2, 3 use the high nibbles
					hs := uint(2 * k)
					for h := 0; h < 32; h += 16 { // 16 elements share a scale
						ds := d * float32(int8(sc[h/16+2*k])) // decodeQ6_K's d·sc, same rounding
						for l := h; l < h+16; l += 4 {
							s0 += q6(ds, qlk[l], qh[l], nib, hs) * xs[l]
							s1 += q6(ds, qlk[l+1], qh[l+1], nib, hs) * xs[l+1]
							s2 += q6(ds, qlk[l+2], qh[l+2], nib, hs) * xs[l+2]
							s3 += q6(ds, qlk[l+3], qh[l+3], nib, hs) * xs[l+3]
						}
					}
				}
			}
			acc += (s0 + s1) + (s2 + s3)
		}
		dst[r] = float32(acc)
	}
}

// q6 is one Q6_K weight as decodeQ6_K computes it ((d·sc)·q), widened.
func q6(ds float32, ql, qh byte, nib, hs uint) float64 {
	q := int((ql>>nib)&0xf|(qh>>hs&3)<<4) - 32
	return float64(ds * float32(q))
}

// q5_KMatVec: as q4_KMatVec with the fifth bits from qh.
func q5_KMatVec(dst []float32, w Mat, x []float32, lo, hi int) {
	xd, p := widen(x)
	defer widePool.Put(p)
	rb := w.rowBytes()
	for r := lo; r < hi; r++ {
		row := w.Data[r*rb : (r+1)*rb]
		var acc float64
		for c := 0; c < w.Cols; c += 256 {
			blk := row[c/256*176 : c/256*176+176]
			d := F16ToF32(le16(blk))
			min := F16ToF32(le16(blk[2:]))
			scales := blk[4:16]
			qh := blk[16:48]
			var s0, s1, s2, s3 float64
			for j := 0; j < 4; j++ {
				ql := blk[48+32*j : 48+32*j+32]
				xs := xd[c+64*j : c+64*j+64]
				sc, m := scaleMinK4(2*j, scales)
				d1, m1 := d*float32(sc), min*float32(m)
				sh := uint(2 * j)
				for l := 0; l < 32; l += 4 {
					s0 += float64(float32(d1*float32(ql[l]&0xf|(qh[l]>>sh&1)<<4))-m1) * xs[l]
					s1 += float64(float32(d1*float32(ql[l+1]&0xf|(qh[l+1]>>sh&1)<<4))-m1) * xs[l+1]
					s2 += float64(float32(d1*float32(ql[l+2]&0xf|(qh[l+2]>>sh&1)<<4))-m1) * xs[l+2]
					s3 += float64(float32(d1*float32(ql[l+3]&0xf|(qh[l+3]>>sh&1)<<4))-m1) * xs[l+3]
				}
				sc, m = scaleMinK4(2*j+1, scales)
				d2, m2 := d*float32(sc), min*float32(m)
				xs = xs[32:]
				sh++
				for l := 0; l < 32; l += 4 {
					s0 += float64(float32(d2*float32(ql[l]>>4|(qh[l]>>sh&1)<<4))-m2) * xs[l]
					s1 += float64(float32(d2*float32(ql[l+1]>>4|(qh[l+1]>>sh&1)<<4))-m2) * xs[l+1]
					s2 += float64(float32(d2*float32(ql[l+2]>>4|(qh[l+2]>>sh&1)<<4))-m2) * xs[l+2]
					s3 += float64(float32(d2*float32(ql[l+3]>>4|(qh[l+3]>>sh&1)<<4))-m2) * xs[l+3]
				}
			}
			acc += (s0 + s1) + (s2 + s3)
		}
		dst[r] = float32(acc)
	}
}

// tlInt8MatVec: w = q / scale per group of 64, as DequantizeTLInt8.
func tlInt8MatVec(dst []float32, w Mat, x []float32, lo, hi int) {
	xd, p := widen(x)
	defer widePool.Put(p)
	cols := w.Cols
	g := cols / TLInt8Group
	for r := lo; r < hi; r++ {
		row := w.Data[r*cols : (r+1)*cols]
		scales := w.Scales[r*g : (r+1)*g]
		var acc float64
		for c := 0; c < cols; c += decodeChunk {
			n := min(decodeChunk, cols-c) // a multiple of 64
			var s0, s1, s2, s3 float64
			for b := c; b < c+n; b += TLInt8Group {
				s := scales[b/TLInt8Group]
				q := row[b : b+TLInt8Group]
				xs := xd[b : b+TLInt8Group]
				for j := 0; j < TLInt8Group; j += 4 {
					s0 += float64(float32(int8(q[j]))/s) * xs[j]
					s1 += float64(float32(int8(q[j+1]))/s) * xs[j+1]
					s2 += float64(float32(int8(q[j+2]))/s) * xs[j+2]
					s3 += float64(float32(int8(q[j+3]))/s) * xs[j+3]
				}
			}
			acc += (s0 + s1) + (s2 + s3)
		}
		dst[r] = float32(acc)
	}
}
