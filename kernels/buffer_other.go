//go:build !linux

package kernels

func adviseHugePages(b []byte) {}
