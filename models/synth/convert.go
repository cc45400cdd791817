package synth

import (
	"context"
	"fmt"

	"github.com/torchless-go/torchless/kernels"
	"github.com/torchless-go/torchless/models"
)

// ConvertOptions say how ConvertHF stores the weights.
type ConvertOptions struct {
	// DType is the type of the 2-D weights (1-D tensors are F32).
	DType kernels.DType
	// OutputType is the type of the output matrix (the token embedding
	// when it is tied) when OutputSet; otherwise DefaultOutputType.
	OutputType kernels.DType
	OutputSet  bool
}

// DefaultOutputType is the type llama-quantize's default mix gives the
// output matrix of a model quantized to dt with rows of cols elements:
// Q6_K for the 4- and 5-bit and K-quant types (Q8_0 when cols is not a
// multiple of 256), dt otherwise.
func DefaultOutputType(dt kernels.DType, cols int) kernels.DType {
	if !dt.Quantized() || dt == kernels.Q8_0 {
		return dt
	}
	if cols%256 != 0 {
		return kernels.Q8_0
	}
	return kernels.Q6_K
}

var convertArchs = map[models.Architecture]string{
	models.LLaMA: "llama", models.Mistral: "mistral", models.Qwen2: "qwen2", models.Gemma: "gemma", models.Phi3: "phi3",
}

// ConvertHF writes the Hugging Face model in dir as a GGUF file at out,
// laid out as llama.cpp's converter does (names, metadata keys, q/k rows
// permuted for the llama architecture, Gemma norms stored as 1+w), with
// the 2-D weights quantized by kernels.QuantizeRow. It handles the
// families and features Write produces: LLaMA, Mistral, Qwen2, Gemma
// and Phi-3 without RoPE scaling, partial rotary or sliding windows (a
// Mistral window is dropped, as llama.cpp does), and writes no
// tokenizer. Anything else is refused with an error naming the field or
// tensor.
func ConvertHF(ctx context.Context, dir, out string, opts ConvertOptions) error {
	m, err := models.LoadAuto(dir, models.LoadOptions{Lazy: true})
	if err != nil {
		return err
	}
	defer m.Close()
	src := m.Source()
	if src.Format != models.FormatHF {
		return fmt.Errorf("synth: %s is not a Hugging Face directory (format %q)", dir, src.Format)
	}
	cfg := m.Config()
	arch, ok := convertArchs[m.Architecture()]
	if !ok {
		return fmt.Errorf("synth: %s: converting %s models is not supported (llama, mistral, qwen2, gemma, phi3)", dir, m.Architecture())
	}
	switch {
	case cfg.RopeScaling.Kind != models.RopeNone:
		return fmt.Errorf("synth: %s: rope_scaling %q is not supported", dir, cfg.RopeScaling.Kind)
	case cfg.RotaryDim != cfg.HeadDim:
		return fmt.Errorf("synth: %s: partial rotary (%d of %d dims) is not supported", dir, cfg.RotaryDim, cfg.HeadDim)
	case cfg.SlidingWindow > 0 && arch != "mistral":
		return fmt.Errorf("synth: %s: sliding_window is not supported for %s", dir, arch)
	case cfg.AttnSoftcap != 0 || cfg.FinalSoftcap != 0:
		return fmt.Errorf("synth: %s: soft-capping is not supported", dir)
	}
	o := Options{Arch: arch, Hidden: cfg.Hidden, Layers: cfg.Layers, Heads: cfg.Heads, KVHeads: cfg.KVHeads,
		FFN: cfg.FFN, Vocab: cfg.VocabSize, HeadDim: cfg.HeadDim, Context: cfg.MaxContext, DType: opts.DType,
		Format: "gguf", NormEps: cfg.NormEps, RopeTheta: cfg.RopeTheta, noVocab: true, tie: -1}
	if cfg.TiedEmbeddings {
		o.tie = 1
	}
	o.outputType, o.outputSet = opts.OutputType, true
	if !opts.OutputSet {
		o.outputType = DefaultOutputType(opts.DType, cfg.Hidden)
	}
	if !kernels.CanQuantize(o.outputType) || !o.outputType.IsWeight() {
		return fmt.Errorf("synth: cannot quantize to %s", o.outputType)
	}
	if o, err = o.resolve(); err != nil {
		return err
	}
	set := src.Set
	want := map[string]bool{}
	for _, group := range o.specs() {
		for _, s := range group {
			want[s.hf] = true
			t := set.Get(s.hf)
			if t == nil {
				return fmt.Errorf("synth: %s: tensor %s is missing", dir, s.hf)
			}
			shape := []int{s.rows}
			if s.cols > 0 {
				shape = []int{s.rows, s.cols}
			}
			if fmt.Sprint(t.Shape) != fmt.Sprint(shape) || !t.DType.IsWeight() {
				return fmt.Errorf("synth: %s: tensor %s is %s %v, want a float %v", dir, s.hf, t.DType, t.Shape, shape)
			}
		}
	}
	for _, t := range set.Tensors() {
		if !want[t.Name] {
			return fmt.Errorf("synth: %s: tensor %s is not supported by the converter", dir, t.Name)
		}
	}
	gemma := arch == "gemma"
	o.source = func(s tensorSpec, r int, dst []float32) error {
		t := set.Get(s.hf)
		cols := s.cols
		if cols == 0 {
			cols, r = s.rows, 0
		}
		rb, err := t.DType.RowBytes(cols)
		if err != nil {
			return fmt.Errorf("synth: %s: tensor %s: %v", dir, s.hf, err)
		}
		kernels.DequantizeRow(t.DType, dst, t.Data[r*rb:(r+1)*rb])
		if gemma && s.norm { // GGUF stores Gemma's norms as 1+w
			for i := range dst {
				dst[i]++
			}
		}
		return nil
	}
	return writeGGUF(ctx, out, o)
}
