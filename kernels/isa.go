package kernels

import (
	"cmp"
	"os"
	"strings"
	"sync"

	"github.com/klauspost/cpuid/v2"
)

// Instruction-set selection. A kernel set provides, per weight dtype, the
// row-range bodies of MatVec and MatMul; an entry left nil falls back to
// the generic (pure Go) kernel of that dtype. The AVX2 and AVX-512 sets
// (Go assembly, simd_*_amd64.*) register themselves in kernelSets on
// amd64 and are chosen when the CPU has the instructions and
// TORCHLESS_ISA allows it. A set must keep the contracts of MatVec and
// MatMul: accuracy near float32 rounding of the products (float64
// accumulation of short float32 partials), and each row of a MatMul
// bit-identical to the MatVec of that input row (except where MatMul's
// doc says otherwise: Q8_0).

// matVecRows computes dst[r] for rows lo ≤ r < hi of w·x (dst is the
// whole output vector).
type matVecRows func(dst []float32, w Mat, x []float32, lo, hi int)

// matMulRows computes dst[i·Rows + r] for every i < n and rows
// lo ≤ r < hi.
type matMulRows func(dst []float32, w Mat, x []float32, n, lo, hi int)

type kernelSet struct {
	name   string
	matVec [numDTypes]matVecRows
	matMul [numDTypes]matMulRows
	// int8 holds the Int8Input kernels; nil entries use genericInt8.
	// int8x4 holds four-input ones for MatMul (optional).
	int8   [numDTypes]int8Rows
	int8x4 [numDTypes]int8Rows4
	// x24 holds kernels of exact products by integers (x24.go) that
	// MatVec takes instead of matVec where x24For says so; x24x4
	// four-input ones, with which MatMul takes that path too.
	x24   [numDTypes]int8Rows
	x24x4 [numDTypes]int8Rows4
	// quantize quantizes blocks of an int8 input (nil: quantizeBlock);
	// quantizeX24 whole groups of four blocks of an x24 input in Q4_0's
	// layout, quantizeX24K super-blocks in Q4_K's and Q5_K's,
	// quantizeX24Q6 in Q6_K's (nil: the Go loops of quantizePlanes,
	// quantizePlanesK, quantizePlanes6).
	quantize func(a *int8Input, lo, hi int)
	// quantizeSuper quantizes super-block b of a K-quant int8 input (and
	// its kqk when asked, which only a set with kOrder does), or returns
	// false to leave it to quantizeSuper.
	quantizeSuper func(a *int8Input, b int) bool
	quantizeX24   func(x *float32, p *int8, c *int32, s *float32, groups int)
	quantizeX24K  func(x *float32, p *int8, sm, s *float32, superBlocks int)
	quantizeX24Q6 func(x *float32, p *int8, c *int32, s *float32, superBlocks int)
	// q4Layout: the Q4_0 int8 kernels take the input as q4 and c4.
	q4Layout bool
	// kOrder: the Q4_K and Q5_K int8 kernels take the input's values as
	// kqk.
	kOrder bool
	// silu and gelu are SiLU and GELUTanh on a multiple of 8 values
	// (nil: the Go loops).
	silu, gelu func(x []float32)
	// softCap is SoftCap on a multiple of 8 values (nil: the Go loop).
	softCap func(x []float32, c float64)
	// vecExp, when not 0, is the vector form (vecExpAVX2, vecExpAVX512)
	// Softmax passes to softmaxMaxVec, softmaxExpVec (within 5e-14
	// relative of math.Exp) and softmaxDivVec. Plain functions switching
	// on it, not func fields: a func value would move Softmax's stack
	// buffer to the heap.
	vecExp uint8
	// dot is the F32 row dot (Dot), axpy Axpy; nil: the generic ones.
	dot  rowDotFn
	axpy axpyFn
	// dotRows and axpyRows are DotRows for len(x) at least 64 and
	// AxpyRows for any len(dst) > 0, with Dot's and Axpy's results; nil:
	// loops of Dot and Axpy.
	dotRows  func(dst, x, m []float32, stride int)
	axpyRows func(dst, a, m []float32, stride int)
	// dotRowsF16 and axpyRowsF16 are the same for float16 rows.
	dotRowsF16  func(dst, x []float32, m []uint16, stride int)
	axpyRowsF16 func(dst, a []float32, m []uint16, stride int)
}

// axpyFn sets dst[i] += a·x[i] with one rounding per element.
type axpyFn func(dst []float32, a float32, x []float32)

// isaOrder lists the instruction sets from the most capable down.
var isaOrder = []string{"avx512", "avx2", "generic"}

// kernelSets holds the implemented sets by name.
var kernelSets = map[string]*kernelSet{"generic": &genericKernels}

var (
	isaOnce   sync.Once
	active    *kernelSet
	isaReport string
)

// cpuHas reports whether this CPU can run the named instruction set.
func cpuHas(name string) bool {
	switch name {
	case "generic":
		return true
	case "avx2":
		return cpuid.CPU.Supports(cpuid.AVX2, cpuid.FMA3, cpuid.F16C)
	case "avx512":
		return cpuid.CPU.Supports(cpuid.AVX512F, cpuid.AVX512BW, cpuid.AVX512VL, cpuid.AVX512DQ)
	}
	return false
}

func selectISA() {
	active, isaReport = chooseISA(os.Getenv("TORCHLESS_ISA"), cpuHas, kernelSets)
}

// chooseISA picks the kernel set for the request req (an ISA name, or
// auto/empty), given what the CPU has and which sets are implemented, and
// describes the choice.
func chooseISA(req string, has func(string) bool, sets map[string]*kernelSet) (*kernelSet, string) {
	req = strings.ToLower(strings.TrimSpace(req))
	var avail []string
	for _, name := range isaOrder {
		if has(name) {
			avail = append(avail, name)
		}
	}
	var notes []string
	start := 0
	if req == "" || req == "auto" {
		req = "auto"
	} else if i := indexOf(isaOrder, req); i < 0 {
		notes = append(notes, "unknown TORCHLESS_ISA "+req)
	} else {
		start = i
		if !has(req) {
			notes = append(notes, req+" not supported by this CPU")
		}
	}
	var ks *kernelSet
	for _, name := range isaOrder[start:] {
		if !has(name) {
			continue
		}
		if ks = sets[name]; ks != nil {
			break
		}
		notes = append(notes, name+" kernels not implemented")
	}
	if ks == nil {
		ks = &genericKernels
	}
	report := "requested " + req + "; cpu: " + strings.Join(avail, ",") + "; using " + ks.name
	if len(notes) > 0 {
		report += " (" + strings.Join(notes, "; ") + ")"
	}
	return ks, report
}

func indexOf(list []string, s string) int {
	for i, v := range list {
		if v == s {
			return i
		}
	}
	return -1
}

func activeKernels() *kernelSet {
	isaOnce.Do(selectISA)
	return active
}

// ISA returns the name of the kernel set in use: "generic", "avx2" or
// "avx512". It is chosen once, at first use, from the environment
// variable TORCHLESS_ISA (generic, avx2, avx512, or auto/empty for the
// best available) and what the CPU supports; a requested set that the CPU
// lacks or that is not implemented falls back to the next one down, and
// ISA reports the set actually used.
func ISA() string { return activeKernels().name }

// ISAReport describes the choice ISA made: what was requested, what the
// CPU supports and why a fallback happened.
func ISAReport() string {
	activeKernels()
	return isaReport
}

// l1Bytes is the L1 data cache's size (32 KiB when cpuid does not say).
var l1Bytes = cmp.Or(max(cpuid.CPU.Cache.L1D, 0), 32<<10)

// wideRow reports whether a row of n elements of size bytes and its
// float32 input fill more than 3/4 of L1: the weights streaming through
// it then push the input out before the next row reads it again (FFN
// down projections: 5632-wide F16 rows with their input are 33 KiB).
func wideRow(n, size int) bool {
	return n*(size+4) > l1Bytes*3/4
}
