package models

import (
	"fmt"

	"github.com/torchless-go/torchless/kernels"
)

// HookShape returns the shape of the activation at n for a pass of T
// tokens attending to K positions (K = T for a fresh prompt), or nil if
// the model has no such hook.
func (d *Decoder) HookShape(n HookName, T, K int) []int {
	c := &d.cfg
	if n.Point.PerLayer() && (n.Layer < 0 || n.Layer >= c.Layers) || !d.desc.Has(n.Point) {
		return nil
	}
	switch n.Point {
	case HookLn1Scale, HookLn2Scale, HookLnFinalScale:
		return []int{T, 1}
	case HookQ, HookRotQ, HookZ:
		return []int{T, c.Heads, c.HeadDim}
	case HookK, HookV, HookRotK:
		return []int{T, c.KVHeads, c.HeadDim}
	case HookAttnScores, HookPattern:
		return []int{c.Heads, T, K}
	case HookMLPPre, HookMLPPreLinear, HookMLPPost:
		return []int{T, c.FFN}
	case HookLogits:
		return []int{T, c.VocabSize}
	}
	return []int{T, c.Hidden}
}

// LogitsFromResidual applies the model's head to residual-stream rows
// x [T,H]: the final norm (each row with its own statistics), the
// unembedding (and its bias) and any final soft-cap. Applied to the
// last layer's resid_post it gives the model's logits.
func (d *Decoder) LogitsFromResidual(x []float32, T int) []float32 {
	H, V := d.cfg.Hidden, d.cfg.VocabSize
	h := make([]float32, T*H)
	d.FinalNorm(h, x, T)
	out := make([]float32, T*V)
	d.output.apply(out, h, T)
	if d.cfg.FinalSoftcap > 0 {
		kernels.SoftCap(out, float32(d.cfg.FinalSoftcap))
	}
	return out
}

// FinalNorm writes the final norm of rows x [T,H] into dst.
func (d *Decoder) FinalNorm(dst, x []float32, T int) {
	H := d.cfg.Hidden
	eps := float32(d.cfg.NormEps)
	for i := 0; i < T; i++ {
		if d.desc.Norm == LayerNorm {
			kernels.LayerNorm(dst[i*H:(i+1)*H], x[i*H:(i+1)*H], d.outNorm.w, d.outNorm.b, eps)
		} else {
			kernels.RMSNorm(dst[i*H:(i+1)*H], x[i*H:(i+1)*H], d.outNorm.w, eps, 0)
		}
	}
}

// FinalNormWeight returns a copy of the final norm's weight (with any
// offset applied) and bias (nil for RMSNorm).
func (d *Decoder) FinalNormWeight() (w, b []float32) {
	return append([]float32(nil), d.outNorm.w...), append([]float32(nil), d.outNorm.b...)
}

// UnembedRow returns the unembedding vector of token id (the row of the
// output matrix whose dot product with the normalized residual is that
// token's logit).
func (d *Decoder) UnembedRow(id int) ([]float32, error) {
	if id < 0 || id >= d.cfg.VocabSize {
		return nil, fmt.Errorf("token id %d out of range [0, %d)", id, d.cfg.VocabSize)
	}
	row := make([]float32, d.output.w.Cols)
	matRow(d.output.w, id, row)
	return row, nil
}

// matRow dequantizes row r of m into dst.
func matRow(m kernels.Mat, r int, dst []float32) {
	rb, _ := m.DType.RowBytes(m.Cols)
	if m.DType == kernels.TLInt8 {
		g := m.Cols / kernels.TLInt8Group
		kernels.DequantizeTLInt8(dst, m.Data[r*rb:(r+1)*rb], m.Scales[r*g:(r+1)*g])
		return
	}
	kernels.DequantizeRow(m.DType, dst, m.Data[r*rb:(r+1)*rb])
}

// HeadContributions splits layer l's hook_attn_out into one [T,H] term
// per head plus a remainder (the output projection's bias), given that
// layer's hook_z [T, nh, d]: Σ heads + rest = hook_attn_out. With
// sandwich norms (Gemma 2) the post-attention norm is applied to each
// term with the per-row scale of the whole output, which keeps the sum
// exact.
func (d *Decoder) HeadContributions(l int, z []float32, T int) (heads [][]float32, rest []float32, err error) {
	c := &d.cfg
	if l < 0 || l >= c.Layers {
		return nil, nil, fmt.Errorf("layer %d out of range [0, %d)", l, c.Layers)
	}
	H, nh, hd := c.Hidden, c.Heads, c.HeadDim
	if len(z) != T*nh*hd {
		return nil, nil, fmt.Errorf("z has %d values, want T·heads·head_dim = %d", len(z), T*nh*hd)
	}
	bl := &d.blocks[l]
	heads = make([][]float32, nh)
	for h := range heads {
		heads[h] = make([]float32, T*H)
	}
	row := make([]float32, bl.o.w.Cols)
	for r := 0; r < H; r++ {
		matRow(bl.o.w, r, row)
		for h := 0; h < nh; h++ {
			wh := row[h*hd : (h+1)*hd]
			for t := 0; t < T; t++ {
				heads[h][t*H+r] = kernels.Dot(wh, z[(t*nh+h)*hd:(t*nh+h+1)*hd])
			}
		}
	}
	rest = make([]float32, T*H)
	if bl.o.b != nil {
		for t := 0; t < T; t++ {
			copy(rest[t*H:(t+1)*H], bl.o.b)
		}
	}
	if d.desc.SandwichNorms {
		eps := float32(c.NormEps)
		total := make([]float32, H)
		for t := 0; t < T; t++ {
			copy(total, rest[t*H:(t+1)*H])
			for h := 0; h < nh; h++ {
				kernels.Add(total, heads[h][t*H:(t+1)*H])
			}
			s := normScale(RMSNorm, total, eps)
			for _, term := range append(heads, rest) {
				seg := term[t*H : (t+1)*H]
				for i := range seg {
					seg[i] *= s * bl.postAttnNorm.w[i]
				}
			}
		}
	}
	return heads, rest, nil
}
