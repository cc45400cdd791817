package kernels

// DequantizeRow converts len(dst) elements stored as dt in src into dst.
// src must hold exactly the bytes dt.RowBytes(len(dst)) reports; it
// panics otherwise (a programmer error: readers validate sizes at load).
// It panics for TLInt8 (use DequantizeTLInt8) and integer types.
func DequantizeRow(dt DType, dst []float32, src []byte) {
	panic("kernels: DequantizeRow not implemented for " + dt.String())
}

// DequantizeTLInt8 converts torchless grouped int8 values: each group of
// TLInt8Group elements of src shares scales[g]; dst[i] = q / scale.
func DequantizeTLInt8(dst []float32, src []byte, scales []float32) {
	for i := range dst {
		dst[i] = float32(int8(src[i])) / scales[i/TLInt8Group]
	}
}
