package plots

import (
	"math"
	"testing"
)

// figureKinds builds one figure of every kind from synthetic data.
func figureKinds(t testing.TB) map[string]*Figure {
	t.Helper()
	must := func(f *Figure, err error) *Figure {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	toks := synthTokens(16)
	out := map[string]*Figure{}
	out["attention"] = must(PlotAttention(AttentionMap{Name: "blocks.3.attn.hook_pattern", Layer: 3, Head: 5, Pattern: synthPattern(16, 1), Keys: toks}))
	var heads []AttentionMap
	for h := range 8 {
		heads = append(heads, AttentionMap{Name: "blocks.3.attn.hook_pattern", Layer: 3, Head: h, Pattern: synthPattern(16, int64(h)), Keys: toks})
	}
	out["heads"] = must(PlotHeadGrid(HeadGrid{Maps: heads}))
	out["scores"] = must(PlotScores(ScoreMap{Name: "direct logit attribution", Values: synthMatrix(6, 8, 3, true)}))
	out["scores_seq"] = must(PlotScores(ScoreMap{Name: "induction score", Values: synthMatrix(12, 16, 4, false)}))
	out["matrix_wide"] = must(PlotScores(ScoreMap{Name: "activation", Title: "blocks.0.hook_resid_post", Values: synthMatrix(24, 300, 9, true),
		RowTitle: "position", ColTitle: "residual dimension", RowLabels: synthTokens(24)}))
	var runs []Series
	for k, name := range []string{"llama", "mistral", "qwen2"} {
		y := make([]float64, 12)
		for i := range y {
			y[i] = float64(i*i)*0.3 + float64(k)*5 + 1
		}
		runs = append(runs, Series{Name: name, Y: y})
	}
	out["lines"] = must(PlotLines(LinePlot{Title: "residual norm by layer", YLabel: "‖resid_post‖", Series: runs}))
	top := make([]string, 6*10)
	for i := range top {
		top[i] = toks[(i*7)%len(toks)]
	}
	lensVals := synthMatrix(6, 10, 5, false)
	out["lens"] = must(PlotLogitLens(LogitLens{Tokens: toks[:10], Top: top, Values: lensVals}))
	rope := synthRoPE("none", 128, 64, 1)
	out["rope"] = must(PlotRoPE(rope))
	variants := []RoPETable{rope, synthRoPE("linear ×4", 128, 64, 4), synthRoPE("dynamic NTK", 128, 64, 2), synthRoPE("YaRN", 128, 64, 3), synthRoPE("llama3", 128, 64, 8)}
	out["rope_variants"] = must(PlotRoPEVariants("", variants))
	out["rope_spectrum"] = must(PlotRoPESpectrum("", variants))
	vals := make([]float32, 5000)
	for i := range vals {
		vals[i] = float32(math.Sin(float64(i)*0.37) * math.Exp(math.Cos(float64(i)*1.3)))
	}
	vals[3] = float32(math.NaN())
	out["hist"] = must(PlotHistogram(Histogram{Name: "blocks.3.hook_resid_post", Values: vals}))
	loss := make([]float64, len(toks)*3)
	for i := range loss {
		loss[i] = math.Abs(math.Sin(float64(i))) * 6
	}
	loss[0] = math.NaN()
	out["strip"] = must(PlotTokenStrip(TokenStrip{Tokens: synthTokens(48), Values: loss, ValueName: "loss (nats)"}))
	a := must(PlotAttention(AttentionMap{Name: "llama: blocks.0.attn.hook_pattern", Head: 1, Pattern: synthPattern(10, 7), Keys: toks[:10]}))
	b := must(PlotAttention(AttentionMap{Name: "qwen2: blocks.0.attn.hook_pattern", Head: 1, Pattern: synthPattern(10, 8), Keys: toks[:10]}))
	out["panel"] = must(PlotPanel("same prompt, two families", []*Figure{a, b}, 0))
	return out
}

func TestLookAll(t *testing.T) {
	if *lookDir == "" {
		return // a tool for looking at the figures: go test -run TestLookAll -look DIR
	}
	for name, f := range figureKinds(t) {
		saveLook(t, name, f)
	}
	toks := synthTokens(64)
	f, err := PlotAttention(AttentionMap{Name: "blocks.3.attn.hook_pattern", Head: 5, Pattern: synthPattern(64, 1), Keys: toks})
	if err != nil {
		t.Fatal(err)
	}
	saveLook(t, "attention64", f)
	var g HeadGrid
	for h := range 32 {
		g.Maps = append(g.Maps, AttentionMap{Name: "blocks.3.attn.hook_pattern", Layer: 3, Head: h, Pattern: synthPattern(64, int64(h)), Keys: toks})
	}
	if f, err = PlotHeadGrid(g); err != nil {
		t.Fatal(err)
	}
	saveLook(t, "heads32", f)
	if f, err = PlotAttention(AttentionMap{Name: "blocks.0.attn.hook_pattern", Pattern: synthPattern(300, 2), Keys: synthTokens(300)}); err != nil {
		t.Fatal(err)
	}
	saveLook(t, "attention300", f)
}
