package models

import "github.com/torchless-go/torchless/kernels"

// The KV cache of one layer holds its keys and values as float32 or, to
// halve the cache's memory, as IEEE float16 (rounded when stored, widened
// when read).

// valueCache holds a layer's values, [positions, nkv·d]: a query's mix of
// them adds whole rows (kernels.AxpyRows over the positions).
type valueCache struct {
	f32 []float32
	f16 []uint16
}

// resize makes room for n values, keeping the first keep.
func (c *valueCache) resize(n, keep int, half bool) {
	if half {
		c.f16 = regrow(c.f16, 0, 1, n, keep)
	} else {
		c.f32 = regrow(c.f32, 0, 1, n, keep)
	}
}

// regrow returns dims rows of stride elements that start with the first
// keep elements of old's rows (oldStride apart): a cache's buffer grown.
func regrow[T float32 | uint16](old []T, oldStride, dims, stride, keep int) []T {
	b := make([]T, dims*stride)
	for d := 0; keep > 0 && d < dims; d++ {
		copy(b[d*stride:d*stride+keep], old[d*oldStride:])
	}
	return b
}

// store writes x at value offset off.
func (c *valueCache) store(off int, x []float32) {
	if c.f16 == nil {
		copy(c.f32[off:], x)
		return
	}
	for i, v := range x {
		c.f16[off+i] = kernels.F32ToF16(v)
	}
}

// keyCache holds a layer's keys transposed, [nkv·d, stride]: each
// dimension's positions are contiguous, so a query's scores against
// every position are one kernels.AxpyRows (per dimension, one
// multiply-add across the positions in SIMD lanes) instead of a dot
// product and a horizontal sum per position.
type keyCache struct {
	f32    []float32
	f16    []uint16
	stride int // positions per dimension row, at least the capacity
}

// keyStride pads a capacity so that consecutive dimension rows do not
// start a multiple of 4 KiB apart, where they would compete for the same
// L1 sets (an AxpyRows over 64 such rows ran 1.6× slower).
func keyStride(capacity int) int {
	s := (capacity+15)/16*16 + 16
	if s%1024 == 0 {
		s += 16
	}
	return s
}

// resize makes room for capacity positions of dims dimensions, keeping
// the first keep positions.
func (c *keyCache) resize(dims, capacity, keep int, half bool) {
	stride := keyStride(capacity)
	if half {
		c.f16 = regrow(c.f16, c.stride, dims, stride, keep)
	} else {
		c.f32 = regrow(c.f32, c.stride, dims, stride, keep)
	}
	c.stride = stride
}

// store writes the rows of x ([T, dims]) at positions pos … pos+T−1.
func (c *keyCache) store(pos int, x []float32, dims int) {
	T := len(x) / dims
	for d := 0; d < dims; d++ {
		at := d*c.stride + pos
		if c.f16 == nil {
			for i := 0; i < T; i++ {
				c.f32[at+i] = x[i*dims+d]
			}
		} else {
			for i := 0; i < T; i++ {
				c.f16[at+i] = kernels.F32ToF16(x[i*dims+d])
			}
		}
	}
}
