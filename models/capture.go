package models

// RopeTables returns the RoPE tables a pass of n tokens from position 0
// uses: inverse frequencies [rot/2] and cos, sin [n, rot/2] (including
// any attention factor, as HF's rotary embedding returns them).
func (c *Config) RopeTables(n int) (invFreq, cos, sin []float32) {
	f, _ := c.RopeFrequencies(n)
	invFreq = make([]float32, len(f))
	for i, v := range f {
		invFreq[i] = float32(v)
	}
	t := c.ropeFor(0, n)
	return invFreq, t.cos, t.sin
}
