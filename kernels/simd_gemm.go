package kernels

import (
	"sync"
	"unsafe"
)

// gemmKernels are the row dots gemmMatMul runs for one dtype.
type gemmKernels struct {
	f  rowDotFn  // one row, one input (inputs left after the fours)
	f4 rowDot4Fn // one row, four inputs (rows without f8, a tile's odd row)
	f8 rowDot8Fn // two rows, four inputs (optional)
	// f8t, when set, does f8's work for all the pairs of a tile in one
	// call (a call per pair costs ~5%).
	f8t rowDot8TFn
	// bb is the block size in bytes of Q4_0, whose f8 takes the block
	// scales decoded to float32; 0 for the others.
	bb int
	// decode, when set, converts the stored columns [c0, c1) of a row to
	// float32 in dst[c0:c1]: then large products run d4 (and d8t) over
	// the decoded rows. This is for dtypes whose row dots multiply each
	// input by exactly those float32 weights (fused multiply-adds of w·x)
	// into the partials d4 uses, in the same order, widened at the same
	// boundaries, so the results are the dtype's own, bit for bit, when
	// the row length is a multiple of decodeAlign. On AVX-512 d4 and d8t
	// are the F32 kernels (elements 16j..16j+15 of each 64-element group
	// into the first partial for even j, the second for odd j, widened
	// every 256 elements), whose order the Q4_0, Q4_1, Q5_0, Q5_1 and
	// K-quant row dots keep; on AVX2 they are dot4K32AVX2 and its kin,
	// which repeat the AVX2 K-quant row dots' orders (AVX2 Q4_0's
	// MatVec takes the x24 path where it decodes). (F16 could be
	// decoded too, but its own two-row kernel is as fast.) The one
	// exception is Q8_0: its weights q·d are exact, but its kernels sum
	// d·(q·x) block by block, so its decoded MatMul differs from its
	// MatVec within MatVec's error bound (see MatMul). (AVX-512's row
	// dot could multiply by q·d too and stay identical, but that takes
	// one operation more per block and made token generation on Q8_0
	// about 5% slower.)
	decode      func(dst []float32, row []byte, c0, c1 int)
	decodeAlign int
	decodeMin   int // inputs from which decoding pays
	d4          rowDot4Fn
	d8t         rowDot8TFn
}

// The blocking of gemmMatMul: a tile of gemmRows weight rows (in L2) is
// cut into column chunks of gemmChunk (a multiple of 256, the kernels'
// widening period); each group of four inputs' chunk (16 KiB) stays in
// L1 while the tile's rows pass over it. Measured on Zen 4 at 2048
// columns and 64 inputs: 16 rows and 1024 columns beat 4 or 8 rows and
// 512 or 2048 columns by 5–20%.
const (
	gemmRows  = 16
	gemmChunk = 1024
)

// gemmAcc holds the float64 accumulators of a tile's rows for one group
// of four inputs (rowDot4Fn's acc for each row).
type gemmAcc [gemmRows][64]float64

// gemmBuf is gemmMatMul's scratch memory, pooled.
type gemmBuf struct {
	acc []gemmAcc // one per group of four inputs
	sc  []float32 // the tile's block scales, gemmRows × cols/32
	dec []float32 // the tile's decoded rows, gemmRows × decStride(cols)
}

var gemmPool = sync.Pool{New: func() any { return new(gemmBuf) }}

// decStride is the row stride (in float32s) of decoded tiles: one cache
// line more than the row, so the rows fall in different L1 sets.
func decStride(cols int) int { return cols + 16 }

// gemmMatMul returns the MatMul of a dtype with two-row kernels: tiles
// of gemmRows rows × all inputs, looping over column chunks, then groups
// of four inputs, then pairs of rows (see gemmRows). Inputs beyond a
// multiple of four go through f one by one.
func gemmMatMul(g *gemmKernels) matMulRows {
	return func(dst []float32, w Mat, x []float32, n, lo, hi int) {
		rb := w.rowBytes()
		cols := w.Cols
		decode := g.decode != nil && n >= g.decodeMin && cols%g.decodeAlign == 0
		f4, f8, f8t := g.f4, g.f8, g.f8t
		if decode {
			f4, f8, f8t = g.d4, nil, g.d8t
		}
		nq := 0
		if f4 != nil {
			nq = n / 4
		}
		var b *gemmBuf
		if nq > 0 {
			b = gemmPool.Get().(*gemmBuf)
			defer gemmPool.Put(b)
			if cap(b.acc) < nq {
				b.acc = make([]gemmAcc, nq)
			}
		}
		decode = decode && b != nil
		var dec []byte
		ds := decStride(cols)
		if decode {
			if cap(b.dec) < gemmRows*ds {
				b.dec = make([]float32, gemmRows*ds)
			}
			dec = unsafe.Slice((*byte)(unsafe.Pointer(&b.dec[0])), 4*gemmRows*ds)
		}
		nb := cols / 32
		if b != nil && !decode && g.bb > 0 && cap(b.sc) < gemmRows*nb {
			b.sc = make([]float32, gemmRows*nb)
		}
		for r0 := lo; r0 < hi; r0 += gemmRows {
			r1 := min(r0+gemmRows, hi)
			if b != nil {
				acc := b.acc[:nq]
				clear(acc)
				var sc []float32
				if !decode && g.bb > 0 {
					sc = b.sc[:gemmRows*nb]
					for r := r0; r < r1; r++ {
						row := w.Data[r*rb : (r+1)*rb]
						s := sc[(r-r0)*nb : (r-r0+1)*nb]
						for k := range s {
							s[k] = F16ToF32(le16(row[k*g.bb:]))
						}
					}
				}
				// The tile's row r is data[(r-r0)*drb:].
				data, drb := w.Data[r0*rb:r1*rb], rb
				if decode {
					data, drb = dec, 4*ds
				}
				for c0 := 0; c0 < cols; c0 += gemmChunk {
					c1 := min(c0+gemmChunk, cols)
					if decode {
						for r := r0; r < r1; r++ {
							g.decode(b.dec[(r-r0)*ds:(r-r0)*ds+cols], w.Data[r*rb:(r+1)*rb], c0, c1)
						}
					}
					for q := range acc {
						xq := x[4*q*cols : (4*q+4)*cols]
						r := 0
						if np := (r1 - r0) / 2; f8t != nil && np > 0 {
							f8t(data, drb, xq, cols, c0, c1, acc[q][:2*np], np)
							r = 2 * np
						}
						for ; f8 != nil && r+2 <= r1-r0; r += 2 {
							var s []float32
							if sc != nil {
								s = sc[r*nb : (r+2)*nb]
							}
							f8(data[r*drb:], drb, s, xq, cols, c0, c1, (*[2][64]float64)(acc[q][r:r+2]))
						}
						for ; r < r1-r0; r++ {
							f4(data[r*drb:(r+1)*drb], xq, cols, c0, c1, &acc[q][r])
						}
					}
				}
				for q := range acc {
					for r := r0; r < r1; r++ {
						for k := 0; k < 4; k++ {
							dst[(4*q+k)*w.Rows+r] = float32(acc[q][r-r0][16*k])
						}
					}
				}
			}
			for i := 4 * nq; i < n; i++ {
				xi := x[i*cols : (i+1)*cols]
				out := dst[i*w.Rows:]
				for r := r0; r < r1; r++ {
					out[r] = float32(g.f(w.Data[r*rb:(r+1)*rb], xi))
				}
			}
		}
	}
}
