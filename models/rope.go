package models

import "math"

// RopeFrequencies returns the inverse frequencies θ_i (i < rotaryDim/2)
// and the factor that multiplies cos and sin, for a forward pass whose
// last position is seqLen−1. Only the dynamic methods (dynamic NTK,
// Qwen's NTK, LongRoPE) depend on seqLen, as in Hugging Face, where they
// are chosen from the length of each pass.
func (c *Config) RopeFrequencies(seqLen int) (invFreq []float64, attnFactor float64) {
	d := c.RotaryDim
	rs := c.RopeScaling
	base := c.RopeTheta
	attnFactor = 1
	switch rs.Kind {
	case RopeDynamic:
		orig := float64(c.MaxContext)
		if rs.OriginalContext > 0 {
			orig = float64(rs.OriginalContext)
		}
		if float64(seqLen) > orig {
			base *= math.Pow(rs.Factor*float64(seqLen)/orig-(rs.Factor-1), float64(d)/float64(d-2))
		}
	case RopeQwenNTK:
		if seqLen > rs.OriginalContext && rs.OriginalContext > 0 {
			ctx := math.Log2(float64(seqLen)/float64(rs.OriginalContext)) + 1
			alpha := math.Max(math.Pow(2, math.Ceil(ctx))-1, 1)
			base *= math.Pow(alpha, float64(d)/float64(d-2))
		}
	}
	invFreq = make([]float64, d/2)
	for i := range invFreq {
		invFreq[i] = 1 / math.Pow(base, float64(2*i)/float64(d))
	}
	for i, f := range rs.FreqFactors {
		invFreq[i] /= f
	}
	switch rs.Kind {
	case RopeLinear:
		for i := range invFreq {
			invFreq[i] /= rs.Factor
		}
	case RopeLlama3:
		if len(rs.FreqFactors) > 0 { // GGUF rope_freqs already hold the result
			break
		}
		orig := float64(rs.OriginalContext)
		lowWavelen := orig / rs.LowFreqFactor
		highWavelen := orig / rs.HighFreqFactor
		for i, f := range invFreq {
			wavelen := 2 * math.Pi / f
			switch {
			case wavelen < highWavelen:
			case wavelen > lowWavelen:
				invFreq[i] = f / rs.Factor
			default:
				smooth := (orig/wavelen - rs.LowFreqFactor) / (rs.HighFreqFactor - rs.LowFreqFactor)
				invFreq[i] = (1-smooth)*f/rs.Factor + smooth*f
			}
		}
	case RopeYaRN:
		invFreq, attnFactor = yarn(c, rs, invFreq)
	case RopeLongRoPE:
		ext := rs.ShortFactor
		if seqLen > rs.OriginalContext {
			ext = rs.LongFactor
		}
		for i := range invFreq {
			invFreq[i] /= ext[i]
		}
		attnFactor = rs.AttnFactor
		if attnFactor == 0 {
			attnFactor = 1
			if rs.Factor > 1 && rs.OriginalContext > 1 {
				attnFactor = math.Sqrt(1 + math.Log(rs.Factor)/math.Log(float64(rs.OriginalContext)))
			}
		}
	}
	return invFreq, attnFactor
}

// yarn applies HF's YaRN: a ramp between interpolated (÷factor) and
// extrapolated frequencies over the dimensions whose number of rotations
// in the original context lies between beta_slow and beta_fast.
func yarn(c *Config, rs RopeScaling, extrapolated []float64) ([]float64, float64) {
	d := float64(c.RotaryDim)
	base := c.RopeTheta
	orig := float64(rs.OriginalContext)
	if orig == 0 {
		orig = float64(c.MaxContext)
	}
	mscale := func(scale, m float64) float64 {
		if scale <= 1 {
			return 1
		}
		return 0.1*m*math.Log(scale) + 1
	}
	attn := rs.AttnFactor
	if attn == 0 {
		if rs.Mscale != 0 && rs.MscaleAllDim != 0 {
			attn = mscale(rs.Factor, rs.Mscale) / mscale(rs.Factor, rs.MscaleAllDim)
		} else {
			attn = mscale(rs.Factor, 1)
		}
	}
	corrDim := func(rot float64) float64 {
		return d * math.Log(orig/(rot*2*math.Pi)) / (2 * math.Log(base))
	}
	low := math.Max(math.Floor(corrDim(rs.BetaFast)), 0)
	high := math.Min(math.Ceil(corrDim(rs.BetaSlow)), d-1)
	if low == high {
		high += 0.001
	}
	out := make([]float64, len(extrapolated))
	for i, e := range extrapolated {
		ramp := math.Min(math.Max((float64(i)-low)/(high-low), 0), 1)
		extrapolation := 1 - ramp
		out[i] = e/rs.Factor*(1-extrapolation) + e*extrapolation
	}
	return out, attn
}

// ropeTable holds cos and sin for the positions of one forward pass.
type ropeTable struct {
	start    int       // first position
	half     int       // rotaryDim/2
	cos, sin []float32 // [position-start][half]
}

// dynamic reports whether the frequencies depend on the pass length.
func (rs *RopeScaling) dynamic() bool {
	return rs.Kind == RopeDynamic || rs.Kind == RopeQwenNTK || rs.Kind == RopeLongRoPE
}

// ropeFor computes a new table for positions start … start+n−1.
func (c *Config) ropeFor(start, n int) *ropeTable {
	invFreq, attn := c.RopeFrequencies(start + n)
	t := &ropeTable{}
	t.fill(invFreq, attn, start, n)
	return t
}

// fill computes cos and sin for positions start … start+n−1, reusing
// the table's buffers.
func (t *ropeTable) fill(invFreq []float64, attn float64, start, n int) {
	half := len(invFreq)
	t.start, t.half = start, half
	t.cos, t.sin = grow(&t.cos, n*half), grow(&t.sin, n*half)
	for p := 0; p < n; p++ {
		pos := float64(start + p)
		for i, f := range invFreq {
			// HF computes the angle in float32 (position · inv_freq); the
			// reference computes it exactly. Keep float64 here.
			sin, cos := math.Sincos(pos * f)
			t.cos[p*half+i] = float32(cos * attn)
			t.sin[p*half+i] = float32(sin * attn)
		}
	}
}
