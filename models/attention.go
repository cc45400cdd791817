package models

import (
	"math"

	"github.com/torchless-go/torchless/kernels"
)

// attention computes out [T,H] for the normalized input h [T,H] of layer
// l: projections, RoPE, the KV cache update, causal (and sliding-window)
// attention over the cache, and the output projection.
func (d *Decoder) attention(s *InferenceState, hk *Hooks, l int, h, out []float32, T int, rope *ropeTable) error {
	c := &d.cfg
	bl := &d.blocks[l]
	b := &s.buf
	nh, nkv, hd := c.Heads, c.KVHeads, c.HeadDim
	qDim, kvDim := nh*hd, nkv*hd

	// Projections: q [T,nh·d], k and v [T,nkv·d].
	q, k, v := grow(&b.q, T*qDim), grow(&b.k, T*kvDim), grow(&b.v, T*kvDim)
	if d.desc.FusedQKV {
		all := qDim + 2*kvDim
		qkv := grow(&b.qkv, T*all)
		bl.qkv.apply(qkv, h, T)
		for i := 0; i < T; i++ {
			r := qkv[i*all : (i+1)*all]
			copy(q[i*qDim:(i+1)*qDim], r[:qDim])
			copy(k[i*kvDim:(i+1)*kvDim], r[qDim:qDim+kvDim])
			copy(v[i*kvDim:(i+1)*kvDim], r[qDim+kvDim:])
		}
	} else {
		ls := b.group.ls[:3]
		ls[0], ls[1], ls[2] = &bl.q, &bl.k, &bl.v
		s.applyGroup(h, T, ls, q, k, v)
	}
	if d.permutedQK {
		unpermuteHeads(q, hd, &b.scores)
		unpermuteHeads(k, hd, &b.scores)
	}
	if err := d.hook(hk, s, l, HookQ, q, dims{T, nh, hd}); err != nil {
		return err
	}
	if err := d.hook(hk, s, l, HookK, k, dims{T, nkv, hd}); err != nil {
		return err
	}
	if err := d.hook(hk, s, l, HookV, v, dims{T, nkv, hd}); err != nil {
		return err
	}

	// RoPE on the first RotaryDim dims of every head, pairs (i, i+rot/2)
	// (or (2i, 2i+1) for a model kept in llama.cpp's layout).
	rot := c.RotaryDim
	rotate := kernels.RoPEHalves
	if d.ropePairing == RopeAdjacent {
		rotate = kernels.RoPEAdjacent
	}
	for i := 0; i < T; i++ {
		cos, sin := rope.cos[i*rope.half:(i+1)*rope.half], rope.sin[i*rope.half:(i+1)*rope.half]
		for hh := 0; hh < nh; hh++ {
			rotate(q[i*qDim+hh*hd:i*qDim+hh*hd+rot], cos, sin)
		}
		for hh := 0; hh < nkv; hh++ {
			rotate(k[i*kvDim+hh*hd:i*kvDim+hh*hd+rot], cos, sin)
		}
		if c.LogNAttn {
			if p := s.pos + i + 1; p > c.LogNBase {
				kernels.Scale(q[i*qDim:(i+1)*qDim], float32(math.Log(float64(p))/math.Log(float64(c.LogNBase))))
			}
		}
	}
	if err := d.hook(hk, s, l, HookRotQ, q, dims{T, nh, hd}); err != nil {
		return err
	}
	if err := d.hook(hk, s, l, HookRotK, k, dims{T, nkv, hd}); err != nil {
		return err
	}

	// Append k and v to the cache.
	s.k[l].store(s.pos, k, kvDim)
	s.v[l].store(s.pos*kvDim, v)

	K := s.pos + T // positions attended (cache + this pass)
	z := grow(&b.z, T*qDim)
	a := &b.att
	*a = attender{d: d, s: s, l: l, q: q, z: z, K: K, T: T}
	if s.kvHalf {
		a.rowLen = max(hd, K)
		a.rows = grow(&b.kvRows, nh*a.rowLen)
	}
	wantScores := hk.Has(HookName{Layer: l, Point: HookAttnScores})
	wantPattern := hk.Has(HookName{Layer: l, Point: HookPattern})
	if !wantScores && !wantPattern {
		// One row of scores per head at a time, in each worker; the
		// heads that share a key-value head run together on one worker
		// (its cached keys and values then come from memory once per
		// worker), in at least two chunks per worker.
		a.work = grow(&b.scores, nh*K)
		kernels.ParallelRanger(nh, max(1, min(nh/nkv, nh/(2*kernels.Workers()))), a)
	} else {
		// Materialize [nh,T,K] so hooks can read and replace it.
		all := grow(&b.scores, nh*T*K)
		kernels.Parallel(nh, func(lo, hi int) {
			for hh := lo; hh < hi; hh++ {
				for i := 0; i < T; i++ {
					a.scores(hh, i, all[(hh*T+i)*K:(hh*T+i+1)*K])
				}
			}
		})
		if err := d.hook(hk, s, l, HookAttnScores, all, dims{nh, T, K}); err != nil {
			return err
		}
		for r := 0; r < nh*T; r++ {
			kernels.Softmax(all[r*K : (r+1)*K])
		}
		if err := d.hook(hk, s, l, HookPattern, all, dims{nh, T, K}); err != nil {
			return err
		}
		kernels.Parallel(nh, func(lo, hi int) {
			for hh := lo; hh < hi; hh++ {
				for i := 0; i < T; i++ {
					a.mix(hh, i, all[(hh*T+i)*K:(hh*T+i+1)*K])
				}
			}
		})
	}
	if err := d.hook(hk, s, l, HookZ, z, dims{T, nh, hd}); err != nil {
		return err
	}
	bl.o.apply(out, z, T)
	*a = attender{} // drop references to this pass's buffers
	return nil
}

// attender computes attention rows of one layer in one pass.
type attender struct {
	d      *Decoder
	s      *InferenceState
	l      int
	q, z   []float32
	K, T   int
	rows   []float32 // [nh, rowLen]: each head's buffer for float16 cache rows
	rowLen int
	work   []float32 // [nh, K]: each head's row of scores (no-hook path)
}

// Range computes heads [lo, hi) for every query of the pass: scores,
// softmax and the mix of values, one row at a time.
func (a *attender) Range(lo, hi int) {
	for hh := lo; hh < hi; hh++ {
		row := a.work[hh*a.K : (hh+1)*a.K]
		for i := 0; i < a.T; i++ {
			a.scores(hh, i, row)
			kernels.Softmax(row[:a.s.pos+i+1])
			a.mix(hh, i, row)
		}
	}
}

// scores writes the scaled, soft-capped, masked scores of query i of
// head hh against every position into row [K] (−Inf where masked).
func (a *attender) scores(hh, i int, row []float32) {
	c := &a.d.cfg
	hd := c.HeadDim
	kvh := hh / (c.Heads / c.KVHeads)
	p := a.s.pos + i // absolute position of the query
	lo := 0
	if c.IsSliding(a.l) {
		lo = max(p-c.SlidingWindow+1, 0) // visible: p−W < j ≤ p
	}
	q := a.q[i*c.Heads*hd+hh*hd : i*c.Heads*hd+(hh+1)*hd]
	kc := &a.s.k[a.l]
	scale := float32(c.AttnScale)
	ninf := float32(math.Inf(-1))
	for j := 0; j < lo; j++ {
		row[j] = ninf
	}
	// Every visible key in one call: Σ_d q[d]·(dimension d's keys).
	vis := row[lo : p+1]
	clear(vis)
	at := kvh*hd*kc.stride + lo
	if kc.f16 == nil {
		kernels.AxpyRows(vis, q, kc.f32[at:], kc.stride)
	} else {
		kernels.AxpyRowsF16(vis, q, kc.f16[at:], kc.stride, a.headBuf(hh))
	}
	kernels.Scale(vis, scale)
	if c.AttnSoftcap > 0 {
		kernels.SoftCap(vis, float32(c.AttnSoftcap))
	}
	for j := p + 1; j < a.K; j++ {
		row[j] = ninf
	}
}

// mix writes z for query i of head hh: the probabilities in row times
// the cached values.
func (a *attender) mix(hh, i int, row []float32) {
	c := &a.d.cfg
	hd := c.HeadDim
	kvDim := c.KVHeads * hd
	kvh := hh / (c.Heads / c.KVHeads)
	z := a.z[i*c.Heads*hd+hh*hd : i*c.Heads*hd+(hh+1)*hd]
	clear(z)
	vc := &a.s.v[a.l]
	// Every cached value in one call (zero probabilities skipped).
	if vc.f16 == nil {
		kernels.AxpyRows(z, row[:a.s.pos+i+1], vc.f32[kvh*hd:], kvDim)
	} else {
		kernels.AxpyRowsF16(z, row[:a.s.pos+i+1], vc.f16[kvh*hd:], kvDim, a.headBuf(hh))
	}
}

// headBuf is head hh's buffer for widening float16 cache rows (nil for
// a float32 cache). Heads run in parallel, so each has its own.
func (a *attender) headBuf(hh int) []float32 {
	if a.rows == nil {
		return nil
	}
	return a.rows[hh*a.rowLen : (hh+1)*a.rowLen]
}

// unpermuteHeads reorders each head of x (rows of hd values) from GGUF's
// llama layout, where the pair (i, i+hd/2) of HF is stored at (2i, 2i+1),
// back to the HF layout.
func unpermuteHeads(x []float32, hd int, tmp *[]float32) {
	t := grow(tmp, hd)
	half := hd / 2
	for o := 0; o+hd <= len(x); o += hd {
		head := x[o : o+hd]
		for i := 0; i < half; i++ {
			t[i] = head[2*i]
			t[half+i] = head[2*i+1]
		}
		copy(head, t)
	}
}
