package kernels

import "syscall"

// smallPageBuffer is a buffer advised not to use huge pages.
func smallPageBuffer(n int) []byte {
	b := make([]byte, n)
	_ = syscall.Madvise(b, syscall.MADV_NOHUGEPAGE)
	return b
}
