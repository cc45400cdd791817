package plots

import (
	"bytes"
	"context"
	"image/color"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/torchless-go/torchless/internal/testenv"
	"github.com/torchless-go/torchless/introspect"
	"github.com/torchless-go/torchless/models"
	"github.com/torchless-go/torchless/models/tokenizer"
)

// liveRun loads a fixture model and captures attention patterns and
// residuals of a short prompt.
func liveRun(t *testing.T, family string) (models.Model, Run) {
	t.Helper()
	m, err := models.LoadAuto(filepath.Join(testenv.Shared(t, "fixtures", family), "hf"), models.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	ids, err := m.Encode("Hello world, hello")
	if err != nil {
		t.Fatal(err)
	}
	c, err := introspect.RunWithCache(context.Background(), m, ids, introspect.CaptureOptions{
		Filter: introspect.Names("blocks.*.attn.hook_pattern", "blocks.*.hook_resid_post"), Rope: true})
	if err != nil {
		t.Fatal(err)
	}
	tok, err := m.(*models.Decoder).Tokenizer()
	if err != nil {
		t.Fatal(err)
	}
	return m, Run{Name: family, Cache: c, Tok: tok}
}

// checkFigure renders f as PNG and SVG, checks both sizes and that the SVG
// holds every wanted text.
func checkFigure(t *testing.T, name string, f *Figure, err error, texts ...string) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	img := renderPNG(t, f)
	if w, h := img.Rect.Dx(), img.Rect.Dy(); w != 2*f.Width || h != 2*f.Height {
		t.Errorf("%s: PNG %d×%d, want %d×%d", name, w, h, 2*f.Width, 2*f.Height)
	}
	// Not blank: a good part of the picture is drawn, in several colours.
	inked, colours := 0, map[color.RGBA]bool{}
	for y := 0; y < img.Rect.Dy(); y += 2 {
		for x := 0; x < img.Rect.Dx(); x += 2 {
			c := img.RGBAAt(x, y)
			if c != (color.RGBA{255, 255, 255, 255}) {
				inked++
				colours[c] = true
			}
		}
	}
	if total := img.Rect.Dx() * img.Rect.Dy() / 4; inked < total/50 || len(colours) < 8 {
		t.Errorf("%s: looks blank (%d of %d sampled pixels drawn, %d colours)", name, inked, total, len(colours))
	}
	svg, err := f.SVGNoFonts()
	if err != nil {
		t.Fatal(err)
	}
	checkSVG(t, svg, f)
	for _, s := range texts {
		if !bytes.Contains(svg, []byte(">"+escapeXML(s)+"<")) {
			t.Errorf("%s: SVG lacks the text %q", name, s)
		}
	}
	saveLook(t, "live-"+name, f)
}

func escapeXML(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

func TestAdaptersFromLiveRun(t *testing.T) {
	m, r := liveRun(t, "llama2")
	c := r.Cache
	toks := TokenTexts(c.Tokens, r.Tok)
	label := TokenLabel(toks[1], 14) // the first token after BOS
	cfg := m.Config()

	f, err := Attention(c, r.Tok, 1, 2)
	checkFigure(t, "attention", f, err, "blocks.1.attn.hook_pattern — head 2", label)
	// Row 0 at the top: query 0 sees only key 0 (attention 1, the top of
	// the colour scale), and key 1 of query 0 is masked.
	img := renderPNG(t, f)
	T := len(c.Tokens)
	if got := img.RGBAAt(cellCentre(f.regions["data"], T, T, 0, 0).X, cellCentre(f.regions["data"], T, T, 0, 0).Y); !near(got, Viridis().At(1), 8) {
		t.Errorf("cell (0, 0) is %v, want the colour of 1 %v", got, Viridis().At(1))
	}
	if p := cellCentre(f.regions["data"], T, T, 0, 1); !isMaskGrey(img.RGBAAt(p.X, p.Y)) {
		t.Errorf("cell (0, 1) is %v, want the mask", img.RGBAAt(p.X, p.Y))
	}
	// The last row is the last query's pattern, cell by cell.
	a, _ := AttentionOf(c, r.Tok, 1, 2)
	for j := 0; j < T; j++ {
		p := cellCentre(f.regions["data"], T, T, T-1, j)
		if want := Viridis().At(float64(a.Pattern.At(T-1, j))); !near(img.RGBAAt(p.X, p.Y), want, 8) {
			t.Errorf("cell (%d, %d) is %v, want %v", T-1, j, img.RGBAAt(p.X, p.Y), want)
		}
	}
	checkColorBar(t, img, f.regions["colorbar"], Viridis())

	f, err = Heads(c, r.Tok, 0)
	checkFigure(t, "heads", f, err, "head 0", "head 3")
	f, err = HeadAcrossLayers(c, r.Tok, 1)
	checkFigure(t, "across", f, err, "layer 0", "layer 1")

	sc, err := introspect.PreviousTokenScores(m, c)
	if err != nil {
		t.Fatal(err)
	}
	f, err = Scores(sc, false)
	checkFigure(t, "scores", f, err, "previous-token score by layer and head")

	f, err = ResidualNorms([]Run{r, {Name: "again", Cache: c}})
	checkFigure(t, "norms", f, err, "llama2", "again")

	lens, err := introspect.LogitLens(m, c, 1, false)
	if err != nil {
		t.Fatal(err)
	}
	f, err = Lens(lens, r.Tok, c.Tokens, false)
	checkFigure(t, "lens", f, err, label, TokenLabel(r.Tok.TokenText(lens.TopIDs[0][0][0]), 12))
	f, err = Lens(lens, r.Tok, c.Tokens, true)
	checkFigure(t, "lens-entropy", f, err, "entropy (nats)")

	last := c.At(cfg.Layers-1, models.HookResidPost)
	f, err = ActivationHistogram(last)
	checkFigure(t, "hist", f, err, "blocks.1.hook_resid_post "+FormatShape(last.Shape))
	f, err = TokenLoss(c, r.Tok)
	checkFigure(t, "loss", f, err, label)

	f, err = RopeTables(cfg, 32)
	checkFigure(t, "rope", f, err, "cos(p·θᵢ)")
	f, err = RopeVariants(cfg, 64)
	checkFigure(t, "rope-variants", f, err, "none", "linear ×4", "dynamic NTK ×4", "llama3 ×4")
	f, err = RopeSpectrum(cfg, 64)
	checkFigure(t, "rope-spectrum", f, err, "none")

	_, r2 := liveRun(t, "qwen2")
	f, err = CompareArchitectures([]Run{r, r2}, 0, 1)
	checkFigure(t, "compare", f, err, "llama2 — layer 0, head 1", "qwen2 — layer 0, head 1")
}

func TestAdapterErrors(t *testing.T) {
	_, r := liveRun(t, "llama2")
	cases := map[string]func() error{
		"missing hook": func() error { _, err := Attention(r.Cache, r.Tok, 7, 0); return err },
		"bad head":     func() error { _, err := Attention(r.Cache, r.Tok, 0, 4); return err },
		"nil cache":    func() error { _, err := Heads(nil, nil, 0); return err },
		"no runs":      func() error { _, err := ResidualNorms(nil); return err },
		"no hook":      func() error { _, err := LayerNorms([]Run{r}, models.HookMLPOut); return err },
		"global point": func() error { _, err := LayerNorms([]Run{r}, models.HookEmbed); return err },
		"nil lens":     func() error { _, err := Lens(nil, nil, nil, false); return err },
		"rope T":       func() error { _, err := RopeTables(models.Config{RotaryDim: 8, RopeTheta: 1e4}, 0); return err },
		"no rope":      func() error { _, err := RopeTables(models.Config{}, 8); return err },
		"values":       func() error { _, err := TokenValues([]int{1, 2}, nil, []float64{1}, "x"); return err },
		"divergence":   func() error { _, err := Divergence(&introspect.Comparison{}, 2); return err },
	}
	for name, fn := range cases {
		err := fn()
		if err == nil {
			t.Errorf("%s: no error", name)
		} else if !strings.HasPrefix(err.Error(), "plots: ") {
			t.Errorf("%s: error %q does not say where it comes from", name, err)
		}
	}
	if _, err := Attention(r.Cache, r.Tok, 7, 0); err == nil || !strings.Contains(err.Error(), "blocks.7.attn.hook_pattern") {
		t.Errorf("missing hook error %v does not name the hook", err)
	}
}

// Attention maps of a capture at selected positions label the query rows
// with their tokens.
func TestAttentionAtPositions(t *testing.T) {
	m, r := liveRun(t, "llama2")
	c, err := introspect.RunWithCache(context.Background(), m, r.Cache.Tokens, introspect.CaptureOptions{
		Filter: introspect.Names("blocks.0.attn.hook_pattern"), Positions: []int{0, 2}})
	if err != nil {
		t.Fatal(err)
	}
	a, err := AttentionOf(c, r.Tok, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	toks := TokenTexts(c.Tokens, r.Tok)
	if a.Pattern.Rows != 2 || len(a.Queries) != 2 || a.Queries[1] != toks[2] || a.Mask != MaskNone {
		t.Errorf("queries %q (mask %v), want rows of positions 0 and 2", a.Queries, a.Mask)
	}
	f, err := PlotAttention(a)
	checkFigure(t, "positions", f, err, TokenLabel(toks[2], 14))
}

func TestTokenLosses(t *testing.T) {
	// Two positions, three-way vocabulary: the second token is id 2.
	c := &introspect.Cache{Tokens: []int{0, 2}, Logits: &introspect.Tensor{Name: "logits", Shape: []int{2, 3}, Data: []float32{0, 0, float32(math.Log(2)), 5, 5, 5}}}
	loss, err := TokenLosses(c)
	if err != nil {
		t.Fatal(err)
	}
	if !math.IsNaN(loss[0]) || math.Abs(loss[1]-math.Log(2)) > 1e-6 { // p = 2/4
		t.Errorf("losses %v, want [NaN ln 2]", loss)
	}
	c.Tokens[1] = 3
	if _, err := TokenLosses(c); err == nil {
		t.Error("a token outside the logits: no error")
	}
}

func TestRopeVariantTables(t *testing.T) {
	cfg := models.Config{RotaryDim: 16, HeadDim: 16, RopeTheta: 10000, MaxContext: 4096}
	tables, err := RopeVariantTables(cfg, 64)
	if err != nil {
		t.Fatal(err)
	}
	if len(tables) != 5 {
		t.Fatalf("%d variants", len(tables))
	}
	_, cos, _ := cfg.RopeTables(64)
	for i, v := range cos {
		if tables[0].Cos.Data[i] != v {
			t.Fatalf("the unscaled table differs from Config.RopeTables at %d", i)
		}
	}
	// Linear scaling divides every frequency by 4; llama3 divides the
	// lowest by 4 and the highest by less; YaRN scales cos and sin by its attention factor.
	for i, f := range tables[0].InvFreq {
		if math.Abs(tables[1].InvFreq[i]-f/4) > 1e-9*f {
			t.Errorf("linear frequency %d is %g, want %g", i, tables[1].InvFreq[i], f/4)
		}
	}
	f0, f7 := tables[0].InvFreq[0], tables[0].InvFreq[7]
	if l3 := tables[4].InvFreq; !(l3[0] > f0/4) || math.Abs(l3[7]-f7/4) > 1e-9*f7 {
		t.Errorf("llama3 frequencies %v", tables[4].InvFreq)
	}
	if !strings.Contains(tables[3].Name, "YaRN") || !strings.Contains(tables[3].Name, "×1.14") {
		t.Errorf("YaRN variant named %q, want its attention factor", tables[3].Name)
	}
	if tables[2].InvFreq[7] >= tables[0].InvFreq[7] {
		t.Error("dynamic NTK at 4× the original context does not lower the frequencies")
	}
}

func TestDivergenceFromCompare(t *testing.T) {
	dir := testenv.Shared(t, "fixtures", "llama2")
	a, err := models.LoadAuto(filepath.Join(dir, "hf"), models.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := models.LoadAuto(filepath.Join(dir, "model-q8_0.gguf"), models.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	cmp, err := introspect.Compare(context.Background(), a, b, []int{1, 20, 30, 40}, introspect.CaptureOptions{
		Filter: introspect.Names("blocks.*.hook_resid_post", "blocks.*.hook_mlp_out")})
	if err != nil {
		t.Fatal(err)
	}
	f, err := Divergence(cmp, a.Config().Layers)
	checkFigure(t, "divergence", f, err, "hook_resid_post", "hook_mlp_out")
	f, err = Divergence(cmp, 0) // layers from the hooks
	checkFigure(t, "divergence-auto", f, err, "hook_resid_post")
}

func TestCards(t *testing.T) {
	m, r := liveRun(t, "llama2")
	s := ModelCard(m)
	cfg := m.Config()
	var params, bytes int64
	for _, w := range m.Source().Set.Tensors() {
		params += int64(w.NumElements())
		bytes += int64(len(w.Data))
	}
	if s.Family != "llama" || s.Layers != cfg.Layers || s.Heads != cfg.Heads || s.KVHeads != cfg.KVHeads ||
		s.HeadDim != cfg.HeadDim || s.Parameters != params || s.MemoryBytes != bytes || s.Name != "llama2/hf" {
		t.Errorf("model card %+v", s)
	}
	if len(s.DTypes) == 0 || s.DTypes[0].DType != "F32" || s.DTypes[0].Bytes != bytes {
		t.Errorf("dtypes %+v", s.DTypes)
	}
	checkEscaped(t, "model card", s.HTML(), "llama", "RMSNorm, ε = 1e-05", "SiLU, gated MLP")

	ht := CacheTable(r.Cache)
	if n := len(r.Cache.Names()) + 1; len(ht.Hooks) != n || ht.Hooks[n-1].Name != "logits" {
		t.Errorf("cache table has %d hooks, want %d ending with logits", len(ht.Hooks), n)
	}
	checkEscaped(t, "cache table", ht.HTML(), "blocks.0.attn.hook_pattern", "rope.cos")

	tt := Tokens(r.Cache.Tokens, r.Tok)
	if len(tt.Texts) != len(r.Cache.Tokens) || tt.Texts[1] != r.Tok.TokenText(r.Cache.Tokens[1]) {
		t.Errorf("token table %+v", tt)
	}
	checkEscaped(t, "tokens", tt.HTML(), TokenLabel(tt.Texts[1], 0))
	if got := Tokens([]int{5}, nil).Texts[0]; got != "#5" {
		t.Errorf("token text without a tokenizer %q", got)
	}
	var none *tokenizer.Tokenizer // a model without a tokenizer gives a typed nil
	if got := TokenTexts([]int{7}, none)[0]; got != "#7" {
		t.Errorf("token text from a nil *Tokenizer %q", got)
	}

	ts := Tensor(r.Cache.At(0, models.HookResidPost))
	if ts.Name != "blocks.0.hook_resid_post" || len(ts.Values) != len(r.Cache.At(0, models.HookResidPost).Data) {
		t.Errorf("tensor summary %s %v", ts.Name, ts.Shape)
	}
	big := &introspect.Tensor{Name: "big", Shape: []int{3 << 20}, Data: make([]float32, 3<<20)}
	if n := len(Tensor(big).Values); n > maxSummaryValues || n < maxSummaryValues/2 {
		t.Errorf("a 3M-value tensor summary keeps %d values", n)
	}
	for _, v := range []interface{ HTML() string }{ModelCard(nil), CacheTable(nil), Tensor(nil)} {
		if v.HTML() == "" {
			t.Error("empty HTML for a nil object")
		}
	}
}
