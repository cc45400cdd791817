//go:build !amd64

package kernels

import "math"

// softmaxExpVec is only called for sets with vecExp (none here).
func softmaxExpVec(e []float64, x []float32, shift float64) {
	for i, v := range x {
		e[i] = math.Exp(float64(v) - shift)
	}
}
