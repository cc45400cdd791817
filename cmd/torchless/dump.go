package main

import (
	"context"
	"flag"
	"fmt"
	"strconv"
	"strings"

	"github.com/torchless-go/torchless/introspect"
	"github.com/torchless-go/torchless/models"
)

func init() {
	register("dump", "run a forward pass over token ids and write activations, named by hook, to safetensors", runDump)
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
	kvF16  bool
	qscale float64
	int8   bool
}

func (m *modelFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&m.path, "model", "", "model `PATH` (HF directory, GGUF, model.bin)")
	fs.BoolVar(&m.lazy, "lazy", false, "memory-map the weights instead of reading them")
	fs.IntVar(&m.window, "sliding-window", 0, "set the sliding window `W` (GGUF files of Mistral models lack it)")
	fs.StringVar(&m.arch, "arch", "", "load as this architecture instead of detecting it")
	fs.BoolVar(&m.kvF16, "kv-f16", false, "keep the KV cache in float16 (half the memory)")
	fs.Float64Var(&m.qscale, "query-pre-attn-scalar", 0, "scale attention by `S`^-½ (Gemma 2 GGUFs lack it; 144 for the 27B)")
	fs.BoolVar(&m.int8, "int8-activations", false, "multiply Q4_0/Q8_0/Q4_K/Q5_K weights by 8-bit activations as llama.cpp does (faster, ~1e-2 relative error)")
}

func (m *modelFlags) load() (models.Model, error) {
	if m.path == "" {
		return nil, fmt.Errorf("--model is required")
	}
	opts := models.LoadOptions{Lazy: m.lazy, SlidingWindow: m.window, KVCacheF16: m.kvF16, QueryPreAttnScalar: m.qscale,
		Int8Activations: m.int8}
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
	budget := fs.Int64("max-bytes", 0, "refuse captures larger than this many bytes (0: 1 GiB; negative: no limit)")
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
	opts := introspect.CaptureOptions{MaxBytes: *budget}
	if *hooks != "" {
		if _, err := introspect.Resolve(m, *hooks); err != nil {
			return fmt.Errorf("--hooks: %w", err)
		}
		opts.Filter = introspect.Names(*hooks)
	} else {
		want := map[models.HookName]bool{}
		for _, n := range defaultDumpHooks(m) {
			want[n] = true
		}
		opts.Filter = func(n models.HookName) bool { return want[n] }
		opts.Rope = true
	}
	cache, err := introspect.RunWithCache(ctx, m, ids, opts)
	if err != nil {
		return err
	}
	if *hooks != "" {
		cache.Logits = nil // only what was asked for
	}
	if err := cache.Save(*out); err != nil {
		return err
	}
	fmt.Printf("wrote %d tensors to %s\n", len(cache.Names())+btoi(cache.Logits != nil), *out)
	return nil
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}
