//go:build !amd64

package kernels

import "math"

// softmaxExpVec is only called for sets with vecExp (none here).
func softmaxExpVec(_ uint8, e []float64, x []float32, shift float64) {
	for i, v := range x {
		e[i] = math.Exp(float64(v) - shift)
	}
}

// softmaxDivVec is only called for sets with vecExp (none here).
func softmaxDivVec(_ uint8, x []float32, e []float64, sum float64) {
	for i, v := range e {
		x[i] = float32(v / sum)
	}
}

// softmaxMaxVec is only called for sets with vecExp (none here).
func softmaxMaxVec(_ uint8, x []float32) (float32, bool) { panic("kernels: no vector softmax here") }
