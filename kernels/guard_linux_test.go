package kernels

import (
	"math/rand/v2"
	"os"
	"syscall"
	"testing"
	"unsafe"
)

// guarded returns a copy of b that ends where an inaccessible page
// begins, so a kernel reading one byte past it faults (as it would past
// the last tensor of a memory-mapped file ending on a page boundary).
func guarded(t *testing.T, b []byte) []byte {
	t.Helper()
	page := os.Getpagesize()
	n := (len(b) + page - 1) / page * page
	m, err := syscall.Mmap(-1, 0, n+page, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { syscall.Munmap(m) })
	if err := syscall.Mprotect(m[n:], syscall.PROT_NONE); err != nil {
		t.Fatal(err)
	}
	g := m[n-len(b) : n : n]
	copy(g, b)
	return g
}

// guardedOf is guarded for a slice of numbers.
func guardedOf[T float32 | uint16](t *testing.T, x []T) []T {
	size := int(unsafe.Sizeof(x[0]))
	b := guarded(t, unsafe.Slice((*byte)(unsafe.Pointer(&x[0])), size*len(x)))
	return unsafe.Slice((*T)(unsafe.Pointer(&b[0])), len(x))
}

// TestNoReadPastEnd runs MatVec and MatMul (4 inputs, and 64 as a
// prompt) of every dtype (and the int8 path) on every kernel set with
// the weights and the input each ending at a guard page: no kernel may
// read past a matrix's last byte (a lazily loaded model's last tensor
// can end on the file's last page) or past its input.
func TestNoReadPastEnd(t *testing.T) {
	rng := rand.New(rand.NewPCG(51, 52))
	for _, name := range runnableSets() {
		withKernels(name, func() {
			for _, dt := range weightDTypes {
				for _, cols := range colsFor(dt) {
					for _, int8 := range []bool{false, true} {
						if int8 && genericInt8[dt] == nil {
							continue
						}
						w := randomMat(rng, dt, 9, cols)
						w.Data = guarded(t, w.Data)
						w.Int8Input = int8
						MatVec(make([]float32, w.Rows), w, guardedOf(t, randVec(rng, cols, 1)))
						for _, n := range []int{4, 64} {
							MatMul(make([]float32, n*w.Rows), w, guardedOf(t, randVec(rng, n*cols, 1)), n)
						}
					}
				}
			}
		})
	}
}

// TestRowsNoAccessPastEnd runs AxpyRows and AxpyRowsF16 (an attention's
// scores over a short context) on every kernel set with dst and the
// last row each ending at a guard page, at lengths that leave a short
// last chunk: no kernel may read or write past them.
func TestRowsNoAccessPastEnd(t *testing.T) {
	rng := rand.New(rand.NewPCG(53, 54))
	for _, name := range runnableSets() {
		withKernels(name, func() {
			for _, n := range []int{1, 5, 16, 17, 63, 65, 100} {
				const rows = 3
				stride := n + 16
				m := randVec(rng, (rows-1)*stride+n, 1)
				a := randVec(rng, rows, 1)
				AxpyRows(guardedOf(t, randVec(rng, n, 1)), a, guardedOf(t, m), stride)
				h := make([]uint16, len(m))
				for i, v := range m {
					h[i] = F32ToF16(v)
				}
				AxpyRowsF16(guardedOf(t, randVec(rng, n, 1)), a, guardedOf(t, h), stride, make([]float32, n))
			}
		})
	}
}
