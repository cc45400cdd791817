package kernels

// WeightBuffer returns a zeroed byte slice of length n for weights (or
// anything else streamed from memory once per step). On Linux its
// 2 MiB-aligned interior is advised to be backed by transparent huge
// pages (madvise MADV_HUGEPAGE, which the default THP setting "madvise"
// honours): the hardware prefetchers stop at every 4 KiB page boundary
// and each page costs a TLB miss, so MatVec can stream weights in small
// pages slower (Q4_0 int8 from memory, two threads, in one interleaved
// run: 13–16% slower; BenchmarkRoofline's Q4_0-int8-4k shows it, noisily).
// Where the system declines, it is an ordinary slice. The memory belongs
// to the Go heap and is freed as any slice is.
func WeightBuffer(n int) []byte {
	b := make([]byte, n)
	adviseHugePages(b)
	return b
}
