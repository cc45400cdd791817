// Package kernels holds the numeric building blocks of the decoder: the
// storage types of weights (DType) with ggml-exact conversions between
// them (DequantizeRow, QuantizeRow, F16/BF16), matrix–vector and
// matrix–matrix products that work directly on stored blocks (Mat,
// MatVec, MatMul), the vector operations of a transformer layer
// (RMSNorm, LayerNorm, Softmax, SiLU, GELUTanh, RoPE, SoftCap, …),
// attention over a KV cache's rows (DotRows, AxpyRows, and their float16
// forms), buffers for weights in huge pages (WeightBuffer) and the
// worker pool that spreads work over the cores (Parallel).
//
// Numerics: dequantization is bit-identical to ggml's dequantize_row_*;
// the generic products and reductions accumulate in float64 and round
// once, so they agree with a float64 reference to float32 rounding; the
// SIMD products keep float32 partials of at most a few hundred elements
// (eight products per lane) and accumulate them in float64, which stays
// within ~2.5e-7 of the exact result relative to the rms of the results
// (see MatVec and TestSIMDPrecision); AVX-512's Q4_0 MatVec and MatMul,
// AVX2's Q4_0 MatVec and both sets' Q4_K, Q5_K and Q6_K MatVec round
// their input to 24 bits per 32 values (float32's significand, against
// the block's largest value) and multiply in integers (x24.go), within
// 4.2e-7. With Mat.Int8Input a Q4_0, Q8_0, Q4_K or Q5_K product instead
// rounds its input to 8 bits per 32 values (per 256 for the K-quants),
// as llama.cpp does, and multiplies in integers (int8.go, int8k.go):
// faster, ~1e-2 from the exact result in a model's logits, and equal to
// llama.cpp's to float rounding.
//
// Instruction sets: ISA reports the kernel set in use: "generic" (pure
// Go, every architecture), "avx2" (AVX2+FMA+F16C: every weight type,
// with four-input MatMul kernels, those of the K-quants, and of Q4_0
// and Q8_0 from 256 columns, over tiles decoded to float32; attention
// rows; SiLU, GELU, soft-capping and Softmax's exponentials) or "avx512"
// (AVX-512 F/BW/VL/DQ: the same, with four- and eight-input MatMul
// kernels, the quantized types' over tiles decoded to float32 for the
// F32 kernels), in Go assembly on amd64, chosen at first use from the CPU (cpuid) and
// TORCHLESS_ISA. MatMul rows are MatVec's bit for bit but where MatMul
// says otherwise (Q8_0's decoded tiles, and the x24 MatVecs).
// Both have int8-input kernels for Q4_0, Q8_0, Q4_K and Q5_K, and
// vectorised quantizers of their input (AVX-512's with VNNI; without
// VNNI, or VBMI and GFNI for Q4_0, the AVX-512 set runs AVX2's).
//
// Parallelism: MatVec and MatMul spread rows over a persistent worker
// pool (Parallel, ParallelRanger) without allocating per call.
//
// Errors: Mat.Validate returns errors for malformed matrices; the other
// functions panic on programmer errors (mismatched lengths, unsupported
// types), never on the contents of the bytes.
package kernels
