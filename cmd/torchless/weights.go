package main

import (
	"context"
	"flag"
	"fmt"

	"github.com/torchless-go/torchless/models"
	"github.com/torchless-go/torchless/models/safetensors"
	"github.com/torchless-go/torchless/models/weights"
)

func init() {
	register("weights", "write chosen tensors, dequantized to float32, to a safetensors file", runWeights)
}

func runWeights(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("weights", flag.ContinueOnError)
	model := fs.String("model", "", "model `PATH` (HF directory, GGUF, model.bin)")
	names := fs.String("names", "*", "`GLOB` of tensor names to write (path.Match syntax)")
	out := fs.String("out", "", "output `FILE.safetensors`")
	lazy := fs.Bool("lazy", false, "memory-map the model")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *model == "" || *out == "" {
		fs.Usage()
		return fmt.Errorf("--model and --out are required")
	}
	mode := weights.Eager
	if *lazy {
		mode = weights.Lazy
	}
	src, err := models.Open(*model, mode)
	if err != nil {
		return err
	}
	defer src.Close()
	chosen, err := src.Set.Match(*names)
	if err != nil {
		return err
	}
	if len(chosen) == 0 {
		return fmt.Errorf("no tensor of %s matches %q", *model, *names)
	}
	var ts []safetensors.F32Tensor
	for _, t := range chosen {
		data, err := t.Float32()
		if err != nil {
			return err
		}
		ts = append(ts, safetensors.F32Tensor{Name: t.Name, Shape: t.Shape, Data: data})
	}
	if err := safetensors.WriteF32File(*out, ts, map[string]string{"source": *model}); err != nil {
		return err
	}
	fmt.Printf("wrote %d tensors to %s\n", len(ts), *out)
	return nil
}
