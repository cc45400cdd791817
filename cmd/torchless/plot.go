package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/torchless-go/torchless/introspect"
	"github.com/torchless-go/torchless/models"
	"github.com/torchless-go/torchless/plots"
)

func init() {
	register("plot", "draw a figure (attention, heads, scores, norms, lens, rope, hist, loss, compare, divergence) to PNG or SVG", runPlot)
}

// plotKinds describes every figure kind of the plot command.
var plotKinds = []struct{ name, help string }{
	{"attention", "one head's attention pattern (--layer, --head)"},
	{"heads", "every head of --layer in a grid (with --across-layers: --head in every layer)"},
	{"scores", "layer × head scores: --score induction (on a repeated random sequence), previous or duplicate (on the prompt)"},
	{"norms", "mean residual-stream norm after each block (a second curve with --model2)"},
	{"lens", "logit lens: top-1 token of every layer at every position (--entropy colours by entropy)"},
	{"rope", "RoPE cos/sin tables, scaling variants and frequency spectrum (--positions)"},
	{"hist", "histogram of one activation (--hook, default the last hook_resid_post)"},
	{"loss", "the prompt coloured by each token's loss"},
	{"compare", "the prompt through --model and --model2: attention maps (--layer, --head) and residual norms"},
	{"divergence", "per-layer relative error between --model and --model2 on the same token ids"},
}

func plotUsage(fs *flag.FlagSet) func() {
	return func() {
		w := fs.Output()
		fmt.Fprintln(w, "usage: torchless plot KIND [--model PATH] [--prompt TEXT] [--layer L] [--head H] [--out FILE.png|FILE.svg]\n\nkinds:")
		for _, k := range plotKinds {
			fmt.Fprintf(w, "  %-11s %s\n", k.name, k.help)
		}
		fmt.Fprintf(w, "\nWithout --model the embedded model %s is used.\n\nflags:\n", models.EmbeddedName)
		fs.PrintDefaults()
	}
}

// modelName is a short display name for a model path: the file or
// directory name, or its parent's for an HF directory called "hf".
func modelName(path string) string {
	if path == models.EmbeddedName {
		return strings.TrimPrefix(path, "embedded:")
	}
	p := filepath.Clean(path)
	base := filepath.Base(p)
	if base == "hf" {
		return filepath.Base(filepath.Dir(p))
	}
	return strings.TrimSuffix(base, filepath.Ext(base))
}

// tokenTexter returns the model's tokenizer as a TokenTexter (nil: none,
// so tokens are numbered).
func tokenTexter(m models.Model) plots.TokenTexter {
	if d, ok := m.(*models.Decoder); ok {
		if t, err := d.Tokenizer(); err == nil {
			return t
		}
	}
	return nil
}

type plotOptions struct {
	mf, mf2       modelFlags
	prompt        string
	layer, head   int
	out           string
	hook          string
	score         string
	positions     int
	repeat        int
	seed          uint64
	entropy       bool
	acrossLayers  bool
	maxBytes      int64
	theta         float64
	ropeView      string
	rotaryDims    int
	kind          string
	layerExplicit bool
}

func runPlot(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("plot", flag.ContinueOnError)
	fs.Usage = plotUsage(fs)
	var o plotOptions
	o.mf.register(fs)
	fs.StringVar(&o.mf2.path, "model2", "", "second model `PATH` (compare, divergence, norms)")
	fs.StringVar(&o.prompt, "prompt", "Once upon a time, there was a little girl named Lily. She loved to play outside.", "prompt `TEXT`")
	fs.IntVar(&o.layer, "layer", 0, "layer `L`")
	fs.IntVar(&o.head, "head", 0, "head `H`")
	fs.StringVar(&o.out, "out", "", "output `FILE` (.png or .svg; default KIND.png)")
	fs.StringVar(&o.hook, "hook", "", "hook `NAME` for hist (default: the last blocks.L.hook_resid_post)")
	fs.StringVar(&o.score, "score", "induction", "head score for scores: induction, previous or duplicate")
	fs.IntVar(&o.positions, "positions", 128, "positions `T` of the RoPE tables")
	fs.Float64Var(&o.theta, "theta", 0, "rope: use this base θ instead of the model's")
	fs.StringVar(&o.ropeView, "rope-view", "all", "rope: all, tables (the model's cos and sin), variants (cos per scaling method) or spectrum")
	fs.IntVar(&o.rotaryDims, "rotary-dims", 0, "rope: use this many rotary dims `D` instead of the model's (e.g. 128)")
	fs.IntVar(&o.repeat, "repeat", 24, "length `N` of the random sequence repeated for induction scores")
	fs.Uint64Var(&o.seed, "seed", 1, "seed of the random sequence for induction scores")
	fs.BoolVar(&o.entropy, "entropy", false, "lens: colour by entropy instead of top-1 probability")
	fs.BoolVar(&o.acrossLayers, "across-layers", false, "heads: one head (--head) in every layer instead of every head of a layer")
	fs.Int64Var(&o.maxBytes, "max-bytes", 0, "refuse captures larger than this many bytes (0: 1 GiB; negative: no limit)")
	// Flags may follow KIND: parse KIND first, then the rest.
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil
			}
			return err
		}
		fs.Usage()
		return fmt.Errorf("missing KIND")
	}
	o.kind, args = args[0], args[1:]
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	fs.Visit(func(f *flag.Flag) { o.layerExplicit = o.layerExplicit || f.Name == "layer" })
	known := false
	for _, k := range plotKinds {
		known = known || k.name == o.kind
	}
	if !known {
		names := make([]string, len(plotKinds))
		for i, k := range plotKinds {
			names[i] = k.name
		}
		return fmt.Errorf("unknown kind %q (want one of %s)", o.kind, strings.Join(names, ", "))
	}
	if o.out == "" {
		o.out = o.kind + ".png"
	}
	if ext := strings.ToLower(filepath.Ext(o.out)); ext != ".png" && ext != ".svg" {
		return fmt.Errorf("--out %q: want a .png or .svg file", o.out)
	}
	if o.mf.path == "" {
		o.mf.path = models.EmbeddedName
	}
	o.mf2.lazy, o.mf2.window = o.mf.lazy, o.mf.window
	fig, err := makePlot(ctx, &o)
	if err != nil {
		return err
	}
	if err := fig.Save(o.out); err != nil {
		return err
	}
	fmt.Printf("wrote %s (%d×%d): %s\n", o.out, fig.Width, fig.Height, fig.Title)
	return nil
}

// plotRun loads a model, encodes the prompt and captures the hooks the
// patterns name.
func plotRun(ctx context.Context, o *plotOptions, mf *modelFlags, patterns ...string) (models.Model, plots.Run, error) {
	m, err := mf.load()
	if err != nil {
		return nil, plots.Run{}, err
	}
	ids, err := m.Encode(o.prompt)
	if err != nil {
		m.Close()
		return nil, plots.Run{}, fmt.Errorf("%s: encoding the prompt: %w", mf.path, err)
	}
	if len(ids) == 0 {
		m.Close()
		return nil, plots.Run{}, fmt.Errorf("%s: the prompt has no tokens", mf.path)
	}
	r, err := plotCapture(ctx, m, mf.path, ids, o.maxBytes, patterns...)
	if err != nil {
		m.Close()
		return nil, plots.Run{}, err
	}
	return m, r, nil
}

func plotCapture(ctx context.Context, m models.Model, path string, ids []int, budget int64, patterns ...string) (plots.Run, error) {
	if len(patterns) > 0 {
		if _, err := introspect.Resolve(m, patterns...); err != nil {
			return plots.Run{}, err
		}
	}
	c, err := introspect.RunWithCache(ctx, m, ids, introspect.CaptureOptions{Filter: introspect.Names(patterns...), MaxBytes: budget})
	if err != nil {
		return plots.Run{}, fmt.Errorf("%s: %w", path, err)
	}
	return plots.Run{Name: modelName(path), Cache: c, Tok: tokenTexter(m)}, nil
}

func checkLayerHead(m models.Model, o *plotOptions, path string) error {
	cfg := m.Config()
	if o.layer < 0 || o.layer >= cfg.Layers {
		return fmt.Errorf("--layer %d: %s has layers 0…%d", o.layer, path, cfg.Layers-1)
	}
	if o.head < 0 || o.head >= cfg.Heads {
		return fmt.Errorf("--head %d: %s has heads 0…%d", o.head, path, cfg.Heads-1)
	}
	return nil
}

const patternHooks = "blocks.*.attn.hook_pattern"

func makePlot(ctx context.Context, o *plotOptions) (*plots.Figure, error) {
	needsTwo := o.kind == "compare" || o.kind == "divergence"
	if needsTwo && o.mf2.path == "" {
		return nil, fmt.Errorf("%s needs --model2", o.kind)
	}
	switch o.kind {
	case "rope":
		m, err := o.mf.load()
		if err != nil {
			return nil, err
		}
		defer m.Close()
		cfg := m.Config()
		if o.theta != 0 {
			cfg.RopeTheta = o.theta
		}
		if o.rotaryDims != 0 {
			if o.rotaryDims < 2 || o.rotaryDims%2 != 0 || o.rotaryDims > 1<<14 {
				return nil, fmt.Errorf("--rotary-dims %d: want an even number from 2 to 16384", o.rotaryDims)
			}
			cfg.RotaryDim, cfg.HeadDim = o.rotaryDims, max(cfg.HeadDim, o.rotaryDims)
		}
		return ropePanel(cfg, o.positions, o.ropeView)
	case "scores":
		return plotScores(ctx, o)
	case "divergence":
		return plotDivergence(ctx, o)
	case "compare":
		var runs []plots.Run
		for _, mf := range []*modelFlags{&o.mf, &o.mf2} {
			m, r, err := plotRun(ctx, o, mf, patternHooks, "blocks.*.hook_resid_post")
			if err != nil {
				return nil, err
			}
			err = checkLayerHead(m, o, mf.path)
			m.Close()
			if err != nil {
				return nil, err
			}
			runs = append(runs, r)
		}
		if runs[0].Name == runs[1].Name {
			runs[0].Name, runs[1].Name = runs[0].Name+" (1)", runs[1].Name+" (2)"
		}
		return plots.CompareArchitectures(runs, o.layer, o.head)
	case "norms":
		var runs []plots.Run
		for _, mf := range []*modelFlags{&o.mf, &o.mf2} {
			if mf.path == "" {
				continue
			}
			m, r, err := plotRun(ctx, o, mf, "blocks.*.hook_resid_post")
			if err != nil {
				return nil, err
			}
			m.Close()
			runs = append(runs, r)
		}
		return plots.ResidualNorms(runs)
	}
	var patterns []string
	switch o.kind {
	case "attention", "heads":
		patterns = []string{patternHooks}
	case "lens":
		patterns = []string{"blocks.*.hook_resid_post"}
	case "hist":
		if o.hook == "" {
			m, err := o.mf.load()
			if err != nil {
				return nil, err
			}
			o.hook = models.HookName{Layer: m.Config().Layers - 1, Point: models.HookResidPost}.String()
			m.Close()
		}
		patterns = []string{o.hook}
	}
	m, r, err := plotRun(ctx, o, &o.mf, patterns...)
	if err != nil {
		return nil, err
	}
	defer m.Close()
	switch o.kind {
	case "attention":
		if err := checkLayerHead(m, o, o.mf.path); err != nil {
			return nil, err
		}
		return plots.Attention(r.Cache, r.Tok, o.layer, o.head)
	case "heads":
		if err := checkLayerHead(m, o, o.mf.path); err != nil {
			return nil, err
		}
		if o.acrossLayers {
			return plots.HeadAcrossLayers(r.Cache, r.Tok, o.head)
		}
		return plots.Heads(r.Cache, r.Tok, o.layer)
	case "lens":
		res, err := introspect.LogitLens(m, r.Cache, 1, false)
		if err != nil {
			return nil, err
		}
		return plots.Lens(res, r.Tok, r.Cache.Tokens, o.entropy)
	case "hist":
		names := r.Cache.Names()
		if len(names) != 1 {
			return nil, fmt.Errorf("--hook %q matches %d hooks; name one", o.hook, len(names))
		}
		return plots.ActivationHistogram(r.Cache.Get(names[0]))
	case "loss":
		return plots.TokenLoss(r.Cache, r.Tok)
	}
	return nil, fmt.Errorf("unknown kind %q", o.kind)
}

// ropePanel stacks a config's own tables, the scaling variants and the
// frequency spectrum, or draws one of them (view).
func ropePanel(cfg models.Config, T int, view string) (*plots.Figure, error) {
	switch view {
	case "tables":
		return plots.RopeTables(cfg, T)
	case "variants":
		return plots.RopeVariants(cfg, T)
	case "spectrum":
		return plots.RopeSpectrum(cfg, T)
	case "all":
	default:
		return nil, fmt.Errorf("--rope-view %q: want all, tables, variants or spectrum", view)
	}
	own, err := plots.RopeTables(cfg, T)
	if err != nil {
		return nil, err
	}
	variants, err := plots.RopeVariants(cfg, T)
	if err != nil {
		return nil, err
	}
	spectrum, err := plots.RopeSpectrum(cfg, T)
	if err != nil {
		return nil, err
	}
	return plots.PlotPanel("", []*plots.Figure{own, variants, spectrum}, 1)
}

func plotScores(ctx context.Context, o *plotOptions) (*plots.Figure, error) {
	m, err := o.mf.load()
	if err != nil {
		return nil, err
	}
	defer m.Close()
	var ids []int
	switch o.score {
	case "induction":
		cfg := m.Config()
		if o.repeat < 2 {
			return nil, fmt.Errorf("--repeat %d: want at least 2", o.repeat)
		}
		var prefix []int
		if cfg.BOS >= 0 {
			prefix = []int{cfg.BOS}
		}
		// Skip the first ids (special and byte tokens in small vocabularies).
		lo := min(cfg.VocabSize/4, 260)
		ids = introspect.RepeatedTokens(prefix, o.repeat, lo, cfg.VocabSize, o.seed)
	case "previous", "duplicate":
		if ids, err = m.Encode(o.prompt); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("--score %q: want induction, previous or duplicate", o.score)
	}
	r, err := plotCapture(ctx, m, o.mf.path, ids, o.maxBytes, patternHooks)
	if err != nil {
		return nil, err
	}
	var s *introspect.Matrix
	switch o.score {
	case "induction":
		s, err = introspect.InductionScores(m, r.Cache)
	case "previous":
		s, err = introspect.PreviousTokenScores(m, r.Cache)
	default:
		s, err = introspect.DuplicateTokenScores(m, r.Cache)
	}
	if err != nil {
		return nil, err
	}
	sm := plots.ScoreMapOf(s, false)
	if o.score == "induction" {
		sm.Title = fmt.Sprintf("%s — induction score (%d random tokens, repeated)", r.Name, o.repeat)
	} else {
		sm.Title = r.Name + " — " + s.Name
	}
	return plots.PlotScores(sm)
}

func plotDivergence(ctx context.Context, o *plotOptions) (*plots.Figure, error) {
	a, err := o.mf.load()
	if err != nil {
		return nil, err
	}
	defer a.Close()
	b, err := o.mf2.load()
	if err != nil {
		return nil, err
	}
	defer b.Close()
	ids, err := a.Encode(o.prompt)
	if err != nil {
		return nil, err
	}
	cmp, err := introspect.Compare(ctx, a, b, ids, introspect.CaptureOptions{
		Filter: introspect.Names("blocks.*.hook_resid_post", "blocks.*.hook_attn_out", "blocks.*.hook_mlp_out"), MaxBytes: o.maxBytes})
	if err != nil {
		return nil, err
	}
	cmp.A, cmp.B = modelName(o.mf.path), modelName(o.mf2.path)
	return plots.Divergence(cmp, min(a.Config().Layers, b.Config().Layers))
}
