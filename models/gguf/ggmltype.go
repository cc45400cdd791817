package gguf

import (
	"strconv"

	"github.com/torchless-go/torchless/kernels"
)

// GGMLType is a tensor type number as GGUF stores it (enum ggml_type in
// llama.cpp's ggml.h). Only the types listed in the table of DType have a
// kernels.DType; the reader rejects the others.
type GGMLType uint32

// ggmlNames names every ggml type number, supported or not, for messages.
var ggmlNames = [...]string{
	0: "F32", 1: "F16", 2: "Q4_0", 3: "Q4_1", 4: "Q4_2", 5: "Q4_3", 6: "Q5_0", 7: "Q5_1",
	8: "Q8_0", 9: "Q8_1", 10: "Q2_K", 11: "Q3_K", 12: "Q4_K", 13: "Q5_K", 14: "Q6_K", 15: "Q8_K",
	16: "IQ2_XXS", 17: "IQ2_XS", 18: "IQ3_XXS", 19: "IQ1_S", 20: "IQ4_NL", 21: "IQ3_S",
	22: "IQ2_S", 23: "IQ4_XS", 24: "I8", 25: "I16", 26: "I32", 27: "I64", 28: "F64",
	29: "IQ1_M", 30: "BF16", 31: "Q4_0_4_4", 32: "Q4_0_4_8", 33: "Q4_0_8_8", 34: "TQ1_0",
	35: "TQ2_0", 36: "IQ4_NL_4_4", 37: "IQ4_NL_4_8", 38: "IQ4_NL_8_8", 39: "MXFP4",
}

// ggmlToDType maps the supported ggml types to kernels.DType.
var ggmlToDType = map[GGMLType]kernels.DType{
	0:  kernels.F32,
	1:  kernels.F16,
	2:  kernels.Q4_0,
	3:  kernels.Q4_1,
	6:  kernels.Q5_0,
	7:  kernels.Q5_1,
	8:  kernels.Q8_0,
	10: kernels.Q2_K,
	11: kernels.Q3_K,
	12: kernels.Q4_K,
	13: kernels.Q5_K,
	14: kernels.Q6_K,
	24: kernels.I8,
	25: kernels.I16,
	26: kernels.I32,
	27: kernels.I64,
	28: kernels.F64,
	30: kernels.BF16,
}

// String returns ggml's name of the type ("Q4_K"), or "type(N)".
func (t GGMLType) String() string {
	if int(t) < len(ggmlNames) && ggmlNames[t] != "" {
		return ggmlNames[t]
	}
	return "type(" + strconv.FormatUint(uint64(t), 10) + ")"
}

// DType returns the kernels.DType of a supported ggml type; ok is false
// for the types this project cannot compute with.
func (t GGMLType) DType() (dt kernels.DType, ok bool) {
	dt, ok = ggmlToDType[t]
	return dt, ok
}

// GGMLTypeOf returns the ggml type that stores dt; ok is false for types
// GGUF cannot hold (kernels.TLInt8, kernels.U8).
func GGMLTypeOf(dt kernels.DType) (t GGMLType, ok bool) {
	for g, d := range ggmlToDType {
		if d == dt {
			return g, true
		}
	}
	return 0, false
}
