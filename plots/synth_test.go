package plots

import (
	"math"
	"math/rand"
)

// synthTokens returns n token strings including awkward ones.
func synthTokens(n int) []string {
	base := []string{"<s>", "▁The", " cat", " sat", " on", " the", " mat", ".", "\n", "<0x0A>", " <script>", "\t", " supercalifragilistic", "中", " it", " was"}
	out := make([]string, n)
	for i := range out {
		out[i] = base[i%len(base)]
	}
	return out
}

// synthPattern is a causal softmax pattern whose mass sits on the diagonal
// (weight diag) and the previous token.
func synthPattern(n int, seed int64) Matrix {
	r := rand.New(rand.NewSource(seed))
	m := NewMatrix(n, n)
	for i := range n {
		sum := 0.0
		row := make([]float64, i+1)
		for j := 0; j <= i; j++ {
			v := 0.05 + 0.1*r.Float64()
			if j == i {
				v += 4
			}
			if j == i-1 {
				v += 1
			}
			row[j] = v
			sum += v
		}
		for j := 0; j <= i; j++ {
			m.Set(i, j, float32(row[j]/sum))
		}
	}
	return m
}

func synthMatrix(rows, cols int, seed int64, signed bool) Matrix {
	r := rand.New(rand.NewSource(seed))
	m := NewMatrix(rows, cols)
	for i := range m.Data {
		v := r.Float64()
		if signed {
			v = 2*v - 1
		}
		m.Data[i] = float32(v)
	}
	return m
}

func synthRoPE(name string, pos, dim int, scale float64) RoPETable {
	half := dim / 2
	inv := make([]float64, half)
	for i := range inv {
		inv[i] = math.Pow(10000, -2*float64(i)/float64(dim)) / scale
	}
	cos, sin := NewMatrix(pos, half), NewMatrix(pos, half)
	for p := range pos {
		for i := range half {
			cos.Set(p, i, float32(math.Cos(float64(p)*inv[i])))
			sin.Set(p, i, float32(math.Sin(float64(p)*inv[i])))
		}
	}
	return RoPETable{Name: name, Cos: cos, Sin: sin, InvFreq: inv}
}
