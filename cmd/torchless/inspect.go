package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"sort"
	"text/tabwriter"

	"github.com/torchless-go/torchless/models"
	"github.com/torchless-go/torchless/models/weights"
)

func init() {
	register("inspect", "show a model file's format, architecture, config and tensors", runInspect)
}

type inspectTensor struct {
	Name  string `json:"name"`
	DType string `json:"dtype"`
	Shape []int  `json:"shape"`
	Bytes int64  `json:"bytes"`
}

type inspectReport struct {
	Path         string `json:"path"`
	Format       string `json:"format"`
	Architecture string `json:"architecture"`
	DetectError  string `json:"detect_error,omitempty"`
	// LoadError is why the file does not load as its architecture
	// (missing tensors, shapes that contradict the config), if it does not.
	LoadError string `json:"load_error,omitempty"`
	// UnusedConfig lists config keys the loader did not read.
	UnusedConfig []string        `json:"unused_config_keys,omitempty"`
	Metadata     map[string]any  `json:"metadata"`
	Tensors      []inspectTensor `json:"tensors"`
	TotalBytes   int64           `json:"total_bytes"`
	TotalParams  int64           `json:"total_params"`
}

func runInspect(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("inspect", flag.ContinueOnError)
	lazy := fs.Bool("lazy", false, "memory-map the file instead of reading it")
	asJSON := fs.Bool("json", false, "print one JSON object")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: torchless inspect [--lazy] [--json] PATH")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return fmt.Errorf("want one PATH")
	}
	mode := weights.Eager
	if *lazy {
		mode = weights.Lazy
	}
	src, err := models.Open(fs.Arg(0), mode)
	if err != nil {
		return err
	}
	defer src.Close()
	rep := inspectReport{Path: src.Path, Format: string(src.Format), Metadata: src.Metadata}
	if a, err := src.Detect(); err != nil {
		rep.DetectError = err.Error()
	} else {
		rep.Architecture = string(a)
		if src.Format != models.FormatSafetensors {
			// Check the weights against the config as a load would.
			if d, err := models.Build(src, a, models.LoadOptions{}); err != nil {
				rep.LoadError = err.Error()
			} else {
				rep.UnusedConfig = d.UnusedConfigKeys()
			}
		}
	}
	for _, t := range src.Set.Tensors() {
		b := int64(len(t.Data)) + 4*int64(len(t.Scales))
		rep.Tensors = append(rep.Tensors, inspectTensor{t.Name, t.DType.String(), t.Shape, b})
		rep.TotalBytes += b
		rep.TotalParams += int64(t.NumElements())
	}
	if *asJSON {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	fmt.Printf("path:         %s\nformat:       %s\n", rep.Path, rep.Format)
	if rep.DetectError != "" {
		fmt.Printf("architecture: unknown (%s)\n", rep.DetectError)
	} else {
		fmt.Printf("architecture: %s\n", rep.Architecture)
	}
	switch {
	case rep.LoadError != "":
		fmt.Printf("loads:        no: %s\n", rep.LoadError)
	case src.Format != models.FormatSafetensors:
		fmt.Println("loads:        yes (tensors and config agree)")
	}
	if len(rep.UnusedConfig) > 0 {
		fmt.Printf("config keys the loader does not use: %v\n", rep.UnusedConfig)
	}
	fmt.Println("metadata:")
	keys := make([]string, 0, len(rep.Metadata))
	for k := range rep.Metadata {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v, _ := json.Marshal(rep.Metadata[k])
		s := string(v)
		if len(s) > 100 {
			s = s[:97] + "..."
		}
		fmt.Printf("  %s = %s\n", k, s)
	}
	tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "\nNAME\tDTYPE\tSHAPE\tBYTES")
	for _, t := range rep.Tensors {
		fmt.Fprintf(tw, "%s\t%s\t%v\t%d\n", t.Name, t.DType, t.Shape, t.Bytes)
	}
	fmt.Fprintf(tw, "total: %d tensors\t\t%d params\t%d\n", len(rep.Tensors), rep.TotalParams, rep.TotalBytes)
	return tw.Flush()
}
