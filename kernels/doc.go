// Package kernels holds the numeric building blocks of the decoder: the
// storage types of weights (DType) with ggml-exact conversions between
// them (DequantizeRow, QuantizeRow, F16/BF16), matrix–vector and
// matrix–matrix products that work directly on stored blocks (Mat,
// MatVec, MatMul), the vector operations of a transformer layer
// (RMSNorm, LayerNorm, Softmax, SiLU, GELUTanh, RoPE, SoftCap, …) and
// the worker pool that spreads work over the cores (Parallel).
//
// Numerics: dequantization is bit-identical to ggml's dequantize_row_*;
// products and reductions accumulate in float64 and round once, so they
// agree with a float64 reference to float32 rounding (see MatVec).
//
// Instruction sets: ISA reports the kernel set in use. Only the portable
// Go ("generic") set exists today; the selection (TORCHLESS_ISA, CPU
// features via cpuid) and the per-dtype dispatch table are in place for
// AVX2/AVX-512 kernels in Go assembly to be added per dtype.
//
// Errors: Mat.Validate returns errors for malformed matrices; the other
// functions panic on programmer errors (mismatched lengths, unsupported
// types), never on the contents of the bytes.
package kernels
