package main

import (
	"context"
	"flag"
	"fmt"
	"path"
	"strconv"
	"strings"

	"github.com/torchless-go/torchless/models"
	"github.com/torchless-go/torchless/models/safetensors"
)

func init() {
	register("dump", "run a forward pass over token ids and write activations (hook names) to safetensors", runDump)
}

func parseIDs(s string) ([]int, error) {
	var ids []int
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' }) {
		id, err := strconv.Atoi(f)
		if err != nil {
			return nil, fmt.Errorf("bad token id %q", f)
		}
		ids = append(ids, id)
	}
	if len(ids) == 0 {
		return nil, fmt.Errorf("no token ids")
	}
	return ids, nil
}

// modelFlags are the flags every command that loads a model shares.
type modelFlags struct {
	path   string
	lazy   bool
	window int
	arch   string
}

func (m *modelFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&m.path, "model", "", "model `PATH` (HF directory, GGUF, model.bin)")
	fs.BoolVar(&m.lazy, "lazy", false, "memory-map the weights instead of reading them")
	fs.IntVar(&m.window, "sliding-window", 0, "set the sliding window `W` (GGUF files of Mistral models lack it)")
	fs.StringVar(&m.arch, "arch", "", "load as this architecture instead of detecting it")
}

func (m *modelFlags) load() (models.Model, error) {
	if m.path == "" {
		return nil, fmt.Errorf("--model is required")
	}
	opts := models.LoadOptions{Lazy: m.lazy, SlidingWindow: m.window}
	if m.arch != "" {
		return models.LoadAs(m.path, models.Architecture(m.arch), opts)
	}
	return models.LoadAuto(m.path, opts)
}

// defaultDumpHooks is the issue-3 contract of dump: residuals, attention
// maps, the final norm and the logits.
func defaultDumpHooks(m models.Model) []models.HookName {
	var names []models.HookName
	for l := 0; l < m.Config().Layers; l++ {
		names = append(names, models.HookName{Layer: l, Point: models.HookResidPre},
			models.HookName{Layer: l, Point: models.HookResidPost},
			models.HookName{Layer: l, Point: models.HookPattern})
	}
	return append(names, models.HookName{Point: models.HookLnFinalNormalized})
}

func runDump(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("dump", flag.ContinueOnError)
	var mf modelFlags
	mf.register(fs)
	idsFlag := fs.String("ids", "", "comma-separated token `IDS`")
	out := fs.String("out", "", "output `FILE.safetensors`")
	hooks := fs.String("hooks", "", "`GLOB` of hook names to write instead of the default set (e.g. 'blocks.*.attn.hook_z')")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *out == "" {
		return fmt.Errorf("--out is required")
	}
	ids, err := parseIDs(*idsFlag)
	if err != nil {
		return err
	}
	m, err := mf.load()
	if err != nil {
		return err
	}
	defer m.Close()
	names := defaultDumpHooks(m)
	if *hooks != "" {
		names = nil
		for _, n := range m.(interface{ HookNames() []models.HookName }).HookNames() {
			if ok, err := path.Match(*hooks, n.String()); err != nil {
				return fmt.Errorf("--hooks: %w", err)
			} else if ok {
				names = append(names, n)
			}
		}
		if len(names) == 0 {
			return fmt.Errorf("--hooks %q matches no hook of this model", *hooks)
		}
	}
	acts, logits, err := models.RunCapture(ctx, m, ids, names)
	if err != nil {
		return err
	}
	var ts []safetensors.F32Tensor
	for _, n := range names {
		if a := acts[n]; a != nil {
			ts = append(ts, safetensors.F32Tensor{Name: n.String(), Shape: a.Shape, Data: a.Data})
		}
	}
	cfg := m.Config()
	if *hooks == "" {
		ts = append(ts, safetensors.F32Tensor{Name: "logits", Shape: []int{len(ids), cfg.VocabSize}, Data: logits})
		inv, cos, sin := cfg.RopeTables(len(ids))
		ts = append(ts,
			safetensors.F32Tensor{Name: "rope.inv_freq", Shape: []int{len(inv)}, Data: inv},
			safetensors.F32Tensor{Name: "rope.cos", Shape: []int{len(ids), len(inv)}, Data: cos},
			safetensors.F32Tensor{Name: "rope.sin", Shape: []int{len(ids), len(inv)}, Data: sin})
	}
	meta := map[string]string{"ids": fmt.Sprint(ids), "arch": string(m.Architecture()), "source": mf.path}
	if err := safetensors.WriteF32File(*out, ts, meta); err != nil {
		return err
	}
	fmt.Printf("wrote %d tensors to %s\n", len(ts), *out)
	return nil
}
