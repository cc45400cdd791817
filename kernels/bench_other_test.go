//go:build !linux

package kernels

func smallPageBuffer(n int) []byte { return make([]byte, n) }
