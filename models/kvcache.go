package models

import "github.com/torchless-go/torchless/kernels"

// kvCache is one layer's cached keys or values, [positions, nkv·d], held
// as float32 or, to halve the cache's memory, as IEEE float16 (values
// are rounded when stored and widened when read).
type kvCache struct {
	f32 []float32
	f16 []uint16
}

// resize makes room for n values, keeping the first keep.
func (c *kvCache) resize(n, keep int, half bool) {
	if half {
		b := make([]uint16, n)
		copy(b, c.f16[:keep])
		c.f16 = b
		return
	}
	b := make([]float32, n)
	copy(b, c.f32[:keep])
	c.f32 = b
}

// store writes x at value offset off.
func (c *kvCache) store(off int, x []float32) {
	if c.f16 == nil {
		copy(c.f32[off:], x)
		return
	}
	for i, v := range x {
		c.f16[off+i] = kernels.F32ToF16(v)
	}
}
