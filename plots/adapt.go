package plots

import (
	"fmt"
	"math"
	"strconv"

	"github.com/torchless-go/torchless/introspect"
	"github.com/torchless-go/torchless/models"
)

// Adapters: figures straight from live objects of packages introspect and
// models (a cache, a score matrix, a logit-lens result, a config). Titles
// and labels come from hook names and token strings.

// TokenTexter maps a token id to its display text; *tokenizer.Tokenizer
// is one. A nil TokenTexter numbers the tokens instead ("#17").
type TokenTexter interface {
	TokenText(id int) string
}

// TokenTexts returns the display text of every id (see TokenTexter). A
// TokenTexter that panics (a typed nil *tokenizer.Tokenizer, say) numbers
// the tokens like a nil one.
func TokenTexts(ids []int, tok TokenTexter) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = tokenText(tok, id)
	}
	return out
}

func tokenText(tok TokenTexter, id int) (s string) {
	number := "#" + strconv.Itoa(id)
	if tok == nil {
		return number
	}
	defer func() {
		if recover() != nil {
			s = number
		}
	}()
	return tok.TokenText(id)
}

// Run is one named run of a model: its cache and the tokenizer that gives
// its tokens' text (nil numbers them). Several runs make per-layer curves
// with a legend and side-by-side comparisons.
type Run struct {
	// Name labels the run in legends and captions ("" becomes "run k").
	Name string
	// Cache is the run's captured activations.
	Cache *introspect.Cache
	// Tok gives the display text of the run's tokens.
	Tok TokenTexter
}

// maxLayers bounds the layer indices the adapters look for in a cache.
const maxLayers = 1024

func hookName(l int, p models.HookPoint) string { return models.HookName{Layer: l, Point: p}.String() }

// AttentionOf returns one head's attention pattern from a cache that holds
// blocks.{layer}.attn.hook_pattern, with token labels. Use it to adjust the
// map (colour range, title, mask) before PlotAttention.
func AttentionOf(c *introspect.Cache, tok TokenTexter, layer, head int) (AttentionMap, error) {
	if c == nil {
		return AttentionMap{}, fmt.Errorf("plots: attention: nil cache")
	}
	name := hookName(layer, models.HookPattern)
	t := c.Get(name)
	if t == nil {
		return AttentionMap{}, fmt.Errorf("plots: the cache has no %s (capture it with introspect.Names(%q))", name, name)
	}
	if len(t.Shape) != 3 || t.Shape[0]*t.Shape[1]*t.Shape[2] != len(t.Data) {
		return AttentionMap{}, fmt.Errorf("plots: %s has shape %v and %d values, want [heads, queries, keys]", name, t.Shape, len(t.Data))
	}
	nh, q, k := t.Shape[0], t.Shape[1], t.Shape[2]
	if head < 0 || head >= nh {
		return AttentionMap{}, fmt.Errorf("plots: %s: head %d out of range [0, %d)", name, head, nh)
	}
	a := AttentionMap{
		Name: name, Layer: layer, Head: head,
		Pattern: Matrix{Rows: q, Cols: k, Data: t.Data[head*q*k : (head+1)*q*k]},
	}
	if k == len(c.Tokens) {
		a.Keys = TokenTexts(c.Tokens, tok)
	}
	if c.Positions != nil && len(c.Positions) == q {
		trailing := true
		for i, p := range c.Positions {
			trailing = trailing && p == k-q+i
		}
		if !trailing {
			// Arbitrary query rows: label them, and mask only what is non-finite.
			a.Mask = MaskNone
			if a.Keys != nil {
				a.Queries = make([]string, q)
				for i, p := range c.Positions {
					if p >= 0 && p < len(a.Keys) {
						a.Queries[i] = a.Keys[p]
					}
				}
			}
		}
	}
	return a, nil
}

// Attention draws one head's attention pattern from a cache holding
// blocks.{layer}.attn.hook_pattern: keys across, queries down, token text
// on both axes, the causal region masked.
func Attention(c *introspect.Cache, tok TokenTexter, layer, head int) (*Figure, error) {
	a, err := AttentionOf(c, tok, layer, head)
	if err != nil {
		return nil, err
	}
	return PlotAttention(a)
}

// Heads draws every head of one layer in a grid with one colour scale.
func Heads(c *introspect.Cache, tok TokenTexter, layer int) (*Figure, error) {
	if c == nil {
		return nil, fmt.Errorf("plots: heads: nil cache")
	}
	name := hookName(layer, models.HookPattern)
	t := c.Get(name)
	if t == nil || len(t.Shape) != 3 {
		return nil, fmt.Errorf("plots: the cache has no %s (capture it)", name)
	}
	maps := make([]AttentionMap, t.Shape[0])
	for h := range maps {
		a, err := AttentionOf(c, tok, layer, h)
		if err != nil {
			return nil, err
		}
		maps[h] = a
	}
	return PlotHeadGrid(HeadGrid{Maps: maps})
}

// HeadAcrossLayers draws one head in every layer the cache holds a
// hook_pattern for, in a grid with one colour scale.
func HeadAcrossLayers(c *introspect.Cache, tok TokenTexter, head int) (*Figure, error) {
	if c == nil {
		return nil, fmt.Errorf("plots: head across layers: nil cache")
	}
	var maps []AttentionMap
	for l := 0; l < maxLayers; l++ {
		if !c.Has(hookName(l, models.HookPattern)) {
			continue
		}
		a, err := AttentionOf(c, tok, l, head)
		if err != nil {
			return nil, err
		}
		maps = append(maps, a)
	}
	if len(maps) == 0 {
		return nil, fmt.Errorf("plots: the cache has no blocks.*.attn.hook_pattern (capture them)")
	}
	return PlotHeadGrid(HeadGrid{
		Title: fmt.Sprintf("blocks.*.attn.hook_pattern — head %d across %d layers", head, len(maps)),
		Maps:  maps,
	})
}

// defaultLabels reports whether labels are just "prefix 0", "prefix 1", ...
func defaultLabels(labels []string, prefix string) bool {
	for i, s := range labels {
		if s != prefix+" "+strconv.Itoa(i) {
			return false
		}
	}
	return true
}

// Scores draws a layer × head matrix (induction, previous-token,
// duplicate-token scores, head logit attribution). signed uses a diverging
// palette centred at 0 (for attributions); it is also chosen when any value
// is negative. The matrix's own row and column labels are kept unless they
// are the plain "layer l" / "head h" numbering.
func Scores(m *introspect.Matrix, signed bool) (*Figure, error) {
	if m == nil {
		return nil, fmt.Errorf("plots: scores: nil matrix")
	}
	return PlotScores(ScoreMapOf(m, signed))
}

// ScoreMapOf is the ScoreMap that Scores draws, to adjust (title, colour
// range) before PlotScores. m must not be nil.
func ScoreMapOf(m *introspect.Matrix, signed bool) ScoreMap {
	s := ScoreMap{Name: m.Name, Values: Matrix{Rows: m.Rows, Cols: m.Cols, Data: m.Data}, Signed: signed}
	if len(m.RowLabels) == m.Rows && !defaultLabels(m.RowLabels, "layer") {
		s.RowLabels, s.RowTitle = m.RowLabels, " "
	}
	if len(m.ColLabels) == m.Cols && !defaultLabels(m.ColLabels, "head") {
		s.ColLabels, s.ColTitle = m.ColLabels, " "
	}
	return s
}

func runName(r Run, k int) string {
	if r.Name != "" {
		return r.Name
	}
	return "run " + strconv.Itoa(k)
}

// meanRowNorm is the mean L2 norm of the rows of a [T, H] tensor.
func meanRowNorm(t *introspect.Tensor) float64 {
	if t == nil || len(t.Shape) == 0 || t.Shape[0] <= 0 || len(t.Data)%t.Shape[0] != 0 {
		return math.NaN()
	}
	T := t.Shape[0]
	n := len(t.Data) / T
	var sum float64
	for i := 0; i < T; i++ {
		var sq float64
		for _, v := range t.Data[i*n : (i+1)*n] {
			sq += float64(v) * float64(v)
		}
		sum += math.Sqrt(sq)
	}
	return sum / float64(T)
}

// LayerNorms draws, for every run, the mean L2 norm over positions of a
// per-layer hook point (hook_resid_post, hook_attn_out, hook_mlp_out, ...)
// against the layer: one curve per run, with a legend.
func LayerNorms(runs []Run, point models.HookPoint) (*Figure, error) {
	if len(runs) == 0 {
		return nil, fmt.Errorf("plots: layer norms: no runs")
	}
	if !point.PerLayer() {
		return nil, fmt.Errorf("plots: layer norms: %s is not a per-layer hook point", point)
	}
	p := LinePlot{
		Title:  "mean norm of " + point.String() + " by layer",
		XLabel: "layer (blocks.l." + point.String() + ")",
		YLabel: "mean L2 norm over positions",
	}
	for k, r := range runs {
		if r.Cache == nil {
			return nil, fmt.Errorf("plots: layer norms: run %q has no cache", runName(r, k))
		}
		var x, y []float64
		for l := 0; l < maxLayers; l++ {
			if t := r.Cache.At(l, point); t != nil {
				x = append(x, float64(l))
				y = append(y, meanRowNorm(t))
			}
		}
		if len(y) == 0 {
			return nil, fmt.Errorf("plots: layer norms: run %q captured no blocks.*.%s", runName(r, k), point)
		}
		name := r.Name
		if len(runs) > 1 {
			name = runName(r, k)
		}
		p.Series = append(p.Series, Series{Name: name, X: x, Y: y})
	}
	if len(runs) == 1 && runs[0].Name != "" {
		p.Title += " — " + runs[0].Name
	}
	return PlotLines(p)
}

// ResidualNorms draws the mean norm of the residual stream after every
// block (hook_resid_post) for each run, on one axis with a legend.
func ResidualNorms(runs []Run) (*Figure, error) { return LayerNorms(runs, models.HookResidPost) }

// Lens draws a logit-lens result: layer × position, the top-1 token's text
// in each cell, coloured by its probability (or, with entropy set, by the
// entropy of the layer's prediction). inputs are the input token ids (the
// cache's Tokens) for the x labels; tok gives the texts.
func Lens(res *introspect.LensResult, tok TokenTexter, inputs []int, entropy bool) (*Figure, error) {
	if res == nil {
		return nil, fmt.Errorf("plots: logit lens: nil result")
	}
	L, T := res.Layers, res.T
	if len(res.TopIDs) != L || len(res.TopProbs) != L || len(res.Entropy) != L {
		return nil, fmt.Errorf("plots: logit lens: %d layers but %d/%d/%d rows of ids/probabilities/entropies", L, len(res.TopIDs), len(res.TopProbs), len(res.Entropy))
	}
	l := LogitLens{
		Title:  "logit lens — top-1 next-token prediction from each block's hook_resid_post",
		Values: NewMatrix(L, T),
		Top:    make([]string, L*T),
	}
	if entropy {
		l.ValueName = "entropy (nats)"
	}
	for i := 0; i < L; i++ {
		if len(res.TopIDs[i]) != T || len(res.TopProbs[i]) != T || len(res.Entropy[i]) != T {
			return nil, fmt.Errorf("plots: logit lens: layer %d has %d positions, want %d", i, len(res.TopIDs[i]), T)
		}
		for p := 0; p < T; p++ {
			if len(res.TopIDs[i][p]) == 0 || len(res.TopProbs[i][p]) == 0 {
				return nil, fmt.Errorf("plots: logit lens: layer %d position %d has no top token", i, p)
			}
			l.Top[i*T+p] = TokenTexts(res.TopIDs[i][p][:1], tok)[0]
			v := res.TopProbs[i][p][0]
			if entropy {
				v = res.Entropy[i][p]
			}
			l.Values.Set(i, p, v)
		}
	}
	if len(inputs) == T {
		l.Tokens = TokenTexts(inputs, tok)
	}
	return PlotLogitLens(l)
}

// ropeName describes a config's RoPE scaling for captions.
func ropeName(rs models.RopeScaling) string {
	f := strconv.FormatFloat(rs.Factor, 'g', 4, 64)
	switch rs.Kind {
	case models.RopeNone:
		return "none"
	case models.RopeLinear:
		return "linear ×" + f
	case models.RopeDynamic:
		return "dynamic NTK ×" + f
	case models.RopeYaRN:
		return "YaRN ×" + f
	case models.RopeLlama3:
		return "llama3 ×" + f
	case models.RopeLongRoPE:
		return "LongRoPE"
	case models.RopeQwenNTK:
		return "Qwen dynamic NTK"
	}
	return string(rs.Kind)
}

// ropeTable computes a config's tables for positions 0…T−1.
func ropeTable(cfg models.Config, T int, name string) (RoPETable, error) {
	if T <= 0 || T > 1<<16 {
		return RoPETable{}, fmt.Errorf("plots: RoPE tables: %d positions (want 1…65536)", T)
	}
	if cfg.RotaryDim < 2 || cfg.RotaryDim%2 != 0 || !(cfg.RopeTheta > 0) {
		return RoPETable{}, fmt.Errorf("plots: RoPE tables: the config has %d rotary dims and θ = %g (no RoPE to draw)", cfg.RotaryDim, cfg.RopeTheta)
	}
	inv, cos, sin := cfg.RopeTables(T)
	half := len(inv)
	if _, af := cfg.RopeFrequencies(T); af != 1 && af > 0 {
		name += fmt.Sprintf(" (cos, sin ×%.3g)", af)
	}
	f64 := make([]float64, half)
	for i, v := range inv {
		f64[i] = float64(v)
	}
	return RoPETable{
		Name:    name,
		Cos:     Matrix{Rows: T, Cols: half, Data: cos},
		Sin:     Matrix{Rows: T, Cols: half, Data: sin},
		InvFreq: f64,
	}, nil
}

// RopeTables draws a config's own RoPE cos and sin tables for positions
// 0…T−1 (with its scaling, if any).
func RopeTables(cfg models.Config, T int) (*Figure, error) {
	name := fmt.Sprintf("θ = %g, %d rotary dims, scaling %s", cfg.RopeTheta, cfg.RotaryDim, ropeName(cfg.RopeScaling))
	t, err := ropeTable(cfg, T, name)
	if err != nil {
		return nil, err
	}
	return PlotRoPE(t)
}

// RopeVariantTables returns the config's RoPE tables for positions 0…T−1
// under each scaling method: none, linear, dynamic NTK, YaRN and llama3,
// all with factor 4 and an original context of T/4, so that T is the
// extended context where the methods differ (llama3: low/high frequency
// factors 1 and 4; YaRN: β fast 32, slow 1).
func RopeVariantTables(cfg models.Config, T int) ([]RoPETable, error) {
	const factor = 4
	orig := max(1, T/factor)
	variants := []models.RopeScaling{
		{},
		{Kind: models.RopeLinear, Factor: factor},
		{Kind: models.RopeDynamic, Factor: factor, OriginalContext: orig},
		{Kind: models.RopeYaRN, Factor: factor, OriginalContext: orig, BetaFast: 32, BetaSlow: 1},
		{Kind: models.RopeLlama3, Factor: factor, OriginalContext: orig, LowFreqFactor: 1, HighFreqFactor: 4},
	}
	var out []RoPETable
	for _, rs := range variants {
		c := cfg
		c.RopeScaling = rs
		t, err := ropeTable(c, T, ropeName(rs))
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, nil
}

// RopeVariants draws the cos table of every scaling variant (see
// RopeVariantTables) side by side on one colour scale.
func RopeVariants(cfg models.Config, T int) (*Figure, error) {
	tables, err := RopeVariantTables(cfg, T)
	if err != nil {
		return nil, err
	}
	return PlotRoPEVariants(fmt.Sprintf("RoPE cos(p·θ) by scaling method — ×4 over an original context of %d", max(1, T/4)), tables)
}

// RopeSpectrum draws the inverse frequencies of every scaling variant (see
// RopeVariantTables) on a logarithmic axis.
func RopeSpectrum(cfg models.Config, T int) (*Figure, error) {
	tables, err := RopeVariantTables(cfg, T)
	if err != nil {
		return nil, err
	}
	return PlotRoPESpectrum(fmt.Sprintf("RoPE frequencies by scaling method (θ = %g, at %d positions)", cfg.RopeTheta, T), tables)
}

// ActivationHistogram draws the distribution of a captured activation's
// values on a logarithmic count axis (activations have outliers), titled
// by its hook name and shape.
func ActivationHistogram(t *introspect.Tensor) (*Figure, error) {
	if t == nil {
		return nil, fmt.Errorf("plots: histogram: nil tensor")
	}
	return PlotHistogram(Histogram{
		Name:   t.Name,
		Title:  t.Name + " " + FormatShape(t.Shape),
		Values: t.Data,
		LogY:   true,
	})
}

// TokenValues draws tokens as text coloured by one value each (loss,
// attribution, ...); name labels the colour bar.
func TokenValues(ids []int, tok TokenTexter, values []float64, name string) (*Figure, error) {
	if len(ids) != len(values) {
		return nil, fmt.Errorf("plots: token values %q: %d tokens but %d values", name, len(ids), len(values))
	}
	return PlotTokenStrip(TokenStrip{Tokens: TokenTexts(ids, tok), Values: values, ValueName: name})
}

// TokenLosses returns each token's loss (−log p of the token given the
// ones before it, in nats) from a cache's logits; position 0 is NaN.
func TokenLosses(c *introspect.Cache) ([]float64, error) {
	if c == nil || c.Logits == nil {
		return nil, fmt.Errorf("plots: token losses: the cache has no logits")
	}
	T := len(c.Tokens)
	if T == 0 || len(c.Logits.Data)%T != 0 || c.Positions != nil {
		return nil, fmt.Errorf("plots: token losses: logits %v do not cover the %d tokens", c.Logits.Shape, T)
	}
	V := len(c.Logits.Data) / T
	out := make([]float64, T)
	out[0] = math.NaN()
	for p := 1; p < T; p++ {
		row := c.Logits.Data[(p-1)*V : p*V]
		id := c.Tokens[p]
		if id < 0 || id >= V {
			return nil, fmt.Errorf("plots: token losses: token %d at position %d is outside the %d logits", id, p, V)
		}
		out[p] = -introspect.LogSoftmax(row)[id]
	}
	return out, nil
}

// TokenLoss draws the prompt coloured by each token's loss (see TokenLosses).
func TokenLoss(c *introspect.Cache, tok TokenTexter) (*Figure, error) {
	loss, err := TokenLosses(c)
	if err != nil {
		return nil, err
	}
	return PlotTokenStrip(TokenStrip{
		Title:     "loss of each token given the ones before it",
		Tokens:    TokenTexts(c.Tokens, tok),
		Values:    loss,
		ValueName: "−log p (nats)",
	})
}

// CompareArchitectures shows the same prompt through several models: one
// attention map per run (the given layer and head), side by side on one
// colour scale, and,
// when every run captured hook_resid_post, the residual-norm curves of all
// runs on one axis underneath.
func CompareArchitectures(runs []Run, layer, head int) (*Figure, error) {
	if len(runs) == 0 {
		return nil, fmt.Errorf("plots: compare: no runs")
	}
	var figs []*Figure
	norms := true
	maps := make([]AttentionMap, len(runs))
	for k, r := range runs {
		a, err := AttentionOf(r.Cache, r.Tok, layer, head)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", runName(r, k), err)
		}
		a.Title = fmt.Sprintf("%s — layer %d, head %d", runName(r, k), layer, head)
		maps[k] = a
	}
	// One colour scale for every map.
	lo, hi := attentionRange(Range{}, maps)
	for k, r := range runs {
		a := maps[k]
		a.Color = Range{Min: lo, Max: hi, Set: true}
		f, err := PlotAttention(a)
		if err != nil {
			return nil, err
		}
		figs = append(figs, f)
		norms = norms && r.Cache.At(0, models.HookResidPost) != nil
	}
	title := fmt.Sprintf("same prompt through %d models", len(runs))
	if !norms {
		return PlotPanel(title, figs, len(runs))
	}
	row, err := PlotPanel("", figs, len(runs))
	if err != nil {
		return nil, err
	}
	f, err := ResidualNorms(runs)
	if err != nil {
		return nil, err
	}
	return PlotPanel(title, []*Figure{row, f}, 1)
}

// Divergence draws, per layer, how far run B's activations are from run
// A's (introspect.Compare): the relative error max|a−b|/max|b| of the
// residual stream, attention output and MLP output, on a logarithmic axis.
// layers ≤ 0 takes the layer count from the compared hooks.
func Divergence(cmp *introspect.Comparison, layers int) (*Figure, error) {
	if cmp == nil {
		return nil, fmt.Errorf("plots: divergence: nil comparison")
	}
	if layers <= 0 {
		for _, d := range cmp.Hooks {
			layers = max(layers, d.Layer+1)
		}
	}
	if layers <= 0 || layers > maxLayers {
		return nil, fmt.Errorf("plots: divergence %s vs %s: %d layers (no per-layer hook compared?)", cmp.A, cmp.B, layers)
	}
	p := LinePlot{
		Title:  "divergence: " + cmp.A + " vs " + cmp.B,
		XLabel: "layer",
		YLabel: "relative error max|a−b| / max|b|",
		LogY:   true,
	}
	for _, pt := range []models.HookPoint{models.HookResidPost, models.HookAttnOut, models.HookMLPOut, models.HookPattern} {
		y := cmp.ByLayer(pt, layers)
		ok := false
		for _, v := range y {
			ok = ok || v > 0 && !math.IsInf(v, 0)
		}
		if ok {
			p.Series = append(p.Series, Series{Name: pt.String(), Y: y})
		}
	}
	if len(p.Series) == 0 {
		return nil, fmt.Errorf("plots: divergence %s vs %s: no per-layer hook differs (identical runs, or nothing compared)", cmp.A, cmp.B)
	}
	return PlotLines(p)
}
