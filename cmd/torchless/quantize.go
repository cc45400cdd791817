package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/torchless-go/torchless/kernels"
	"github.com/torchless-go/torchless/models/gguf"
	"github.com/torchless-go/torchless/models/synth"
	"github.com/torchless-go/torchless/models/weights"
)

func init() {
	register("quantize", "write a GGUF (from a GGUF file or an HF directory) with its 2-D weights in another type (Q8_0, Q4_0, F16, BF16, K-quants …)", runQuantize)
}

func runQuantize(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("quantize", flag.ContinueOnError)
	outType := fs.String("output-type", "", "type of the output matrix (token_embd when tied); "+
		"default: as llama-quantize's default mix (Q6_K, or Q8_0 when the rows are not multiples of 256, "+
		"for 4/5-bit and K-quant types; TYPE otherwise); \"same\": TYPE")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: torchless quantize [--output-type T] IN OUT.gguf TYPE\n\nIN is a GGUF file or a Hugging Face directory (LLaMA, Mistral, Qwen2, Gemma, Phi-3 without RoPE scaling; no tokenizer is written).")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 3 {
		fs.Usage()
		return fmt.Errorf("want IN OUT TYPE, got %d arguments", fs.NArg())
	}
	dt, err := kernels.ParseDType(fs.Arg(2))
	if err != nil {
		return err
	}
	opts := quantizeOptions{dtype: dt}
	if *outType != "" && !strings.EqualFold(*outType, "same") {
		if opts.outputType, err = kernels.ParseDType(*outType); err != nil {
			return err
		}
		opts.outputSet = true
	} else if strings.EqualFold(*outType, "same") {
		opts.outputType, opts.outputSet = dt, true
	}
	return quantizeGGUF(ctx, fs.Arg(0), fs.Arg(1), opts)
}

type quantizeOptions struct {
	dtype      kernels.DType
	outputType kernels.DType
	outputSet  bool
}

// targetType is the stored type of tensor t in the output: 2-D weights
// in the requested type (the output matrix by the output rule), every
// other tensor F32; a matrix whose rows the type cannot hold keeps F32.
func (o quantizeOptions) targetType(t *weights.Tensor, isOutput bool) kernels.DType {
	if len(t.Shape) != 2 || !strings.HasSuffix(t.Name, ".weight") {
		return kernels.F32
	}
	dt := o.dtype
	cols := t.Shape[1]
	if isOutput {
		switch {
		case o.outputSet:
			dt = o.outputType
		default: // llama-quantize's default mix
			dt = synth.DefaultOutputType(dt, cols)
		}
	}
	if _, err := dt.RowBytes(cols); err != nil {
		return kernels.F32
	}
	return dt
}

// quantizeGGUF converts an HF directory in with synth.ConvertHF, or
// writes the GGUF file in's metadata (general.file_type updated) and
// tensors to out, re-encoding each tensor from its float values
// (dequantized when in is quantized) with kernels.QuantizeRow: the
// reference algorithms of ggml, so an F32 input gives the bytes
// llama-quantize writes. One tensor is held in memory at a time (the
// input is memory-mapped).
func quantizeGGUF(ctx context.Context, in, out string, o quantizeOptions) (err error) {
	if !kernels.CanQuantize(o.dtype) || !o.dtype.IsWeight() {
		return fmt.Errorf("cannot quantize to %s", o.dtype)
	}
	if st, err := os.Stat(in); err == nil && st.IsDir() {
		return synth.ConvertHF(ctx, in, out, synth.ConvertOptions{DType: o.dtype, OutputType: o.outputType, OutputSet: o.outputSet})
	}
	if o.outputSet && (!kernels.CanQuantize(o.outputType) || !o.outputType.IsWeight()) {
		return fmt.Errorf("cannot quantize to %s", o.outputType)
	}
	f, err := gguf.Open(in, weights.Lazy)
	if err != nil {
		return err
	}
	defer f.Close()
	outputName := "output.weight"
	if f.Tensor(outputName) == nil {
		outputName = "token_embd.weight" // tied embeddings
	}
	var kv []gguf.KeyValue
	for _, e := range f.KV {
		if e.Key == "general.file_type" {
			e.Value = gguf.Uint32(synth.FileType(o.dtype))
		}
		kv = append(kv, e)
	}
	infos := make([]gguf.TensorInfo, len(f.Tensors))
	for i, t := range f.Tensors {
		if !t.DType.IsWeight() {
			return fmt.Errorf("%s: tensor %s: dtype %s is not a float or quantized type", in, t.Name, t.DType)
		}
		dt := o.targetType(t, t.Name == outputName)
		if len(t.Shape) == 0 || len(t.Shape) > 2 {
			dt = t.DType // scalars and 3-D+ tensors are copied
		}
		infos[i] = gguf.TensorInfo{Name: t.Name, DType: dt, Shape: t.Shape}
	}
	w, err := os.Create(out)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := w.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			os.Remove(out)
		}
	}()
	bw := bufio.NewWriterSize(w, 4<<20)
	gw, err := gguf.NewWriter(bw, kv, infos, f.Alignment)
	if err != nil {
		return fmt.Errorf("%s: %w", out, err)
	}
	for i, t := range f.Tensors {
		if err := ctx.Err(); err != nil {
			return err
		}
		data, err := recode(t, infos[i].DType)
		if err != nil {
			return fmt.Errorf("%s: tensor %s: %w", in, t.Name, err)
		}
		if err := gw.WriteTensor(t.Name, data); err != nil {
			return fmt.Errorf("%s: %w", out, err)
		}
	}
	if err := gw.Close(); err != nil {
		return fmt.Errorf("%s: %w", out, err)
	}
	return bw.Flush()
}

// recode returns t's values encoded as dt, row by row (innermost
// dimension).
func recode(t *weights.Tensor, dt kernels.DType) ([]byte, error) {
	if dt == t.DType {
		return t.Data, nil
	}
	if err := t.Validate(); err != nil {
		return nil, err
	}
	cols := 1
	if len(t.Shape) > 0 {
		cols = t.Shape[len(t.Shape)-1]
	}
	n := 1
	for _, d := range t.Shape {
		n *= d
	}
	rows := 0
	if cols > 0 {
		rows = n / cols
	}
	inRB, err := t.DType.RowBytes(cols)
	if err != nil {
		return nil, err
	}
	outRB, err := dt.RowBytes(cols)
	if err != nil {
		return nil, err
	}
	out := make([]byte, rows*outRB)
	row := make([]float32, cols)
	for r := 0; r < rows; r++ {
		kernels.DequantizeRow(t.DType, row, t.Data[r*inRB:(r+1)*inRB])
		kernels.QuantizeRow(dt, out[r*outRB:(r+1)*outRB], row)
	}
	return out, nil
}
