package kernels

import "github.com/klauspost/cpuid/v2"

// The AVX-512 set as Skylake-X (no VNNI, no VBMI/GFNI) and Cascade Lake
// (VNNI alone) get it, tested on CPUs that can run them.
func init() {
	avx2 := kernelSets["avx2"]
	kernelSets["avx512-skx"] = newAVX512Set(avx2, false, false)
	kernelSets["avx512-clx"] = newAVX512Set(avx2, true, false)
	partialSets = append(partialSets,
		partialSet{"avx512-skx", func() bool { return cpuHas("avx512") }},
		partialSet{"avx512-clx", func() bool { return cpuHas("avx512") && cpuid.CPU.Supports(cpuid.AVX512VNNI) }})
}
