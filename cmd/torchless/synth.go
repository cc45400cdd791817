package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/torchless-go/torchless/kernels"
	"github.com/torchless-go/torchless/models/synth"
)

func init() {
	register("synth", "write a random-weight model of a real architecture and size (GGUF or HF)", runSynth)
}

func runSynth(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("synth", flag.ContinueOnError)
	var o synth.Options
	var dtype, out string
	fs.StringVar(&o.Arch, "arch", "llama", "family: "+strings.Join(synth.Archs(), ", "))
	fs.StringVar(&o.Shape, "shape", "", "preset sizes: "+strings.Join(synth.ShapeNames(), ", ")+" (the size flags override its fields)")
	fs.IntVar(&o.Hidden, "hidden", 0, "hidden size")
	fs.IntVar(&o.Layers, "layers", 0, "number of layers")
	fs.IntVar(&o.Heads, "heads", 0, "attention heads")
	fs.IntVar(&o.KVHeads, "kv-heads", 0, "key/value heads (default: heads)")
	fs.IntVar(&o.FFN, "ffn", 0, "MLP width")
	fs.IntVar(&o.Vocab, "vocab", 0, "vocabulary size (≥ 259)")
	fs.IntVar(&o.HeadDim, "head-dim", 0, "head dimension (default hidden/heads)")
	fs.IntVar(&o.Context, "context", 0, "context length in the metadata (default 2048)")
	fs.StringVar(&dtype, "dtype", "f32", "type of the 2-D weights (f32, f16, bf16, q8_0, q4_0, q4_k, q6_k …; HF: f32, f16, bf16)")
	fs.StringVar(&o.Format, "format", "gguf", "gguf or hf (a directory)")
	fs.Uint64Var(&o.Seed, "seed", 1, "random seed")
	fs.StringVar(&out, "out", "", "output `PATH` (a file for gguf, a directory for hf)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if out == "" {
		return fmt.Errorf("--out is required")
	}
	dt, err := kernels.ParseDType(dtype)
	if err != nil {
		return err
	}
	o.DType = dt
	n, err := synth.WeightBytes(o)
	if err != nil {
		return err
	}
	if err := synth.Write(ctx, out, o); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "wrote %s (%s %s, %.1f MB of weights)\n", out, o.Arch, dt, float64(n)/1e6)
	return nil
}
