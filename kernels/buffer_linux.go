package kernels

import (
	"syscall"
	"unsafe"
)

const hugePage = 2 << 20

// adviseHugePages asks for transparent huge pages on the whole 2 MiB
// pages inside b. Pages already touched keep their size (a fresh large
// allocation is untouched: the Go heap knows it is zero).
func adviseHugePages(b []byte) {
	if len(b) < 2*hugePage {
		return
	}
	start := uintptr(unsafe.Pointer(&b[0]))
	lo := (start + hugePage - 1) &^ (hugePage - 1)
	hi := (start + uintptr(len(b))) &^ (hugePage - 1)
	if hi <= lo {
		return
	}
	_ = syscall.Madvise(b[lo-start:hi-start], syscall.MADV_HUGEPAGE) // advice only
}
