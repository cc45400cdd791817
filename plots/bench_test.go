package plots

import "testing"

func BenchmarkAttentionPNG64(b *testing.B) {
	a := AttentionMap{Name: "blocks.3.attn.hook_pattern", Head: 5, Pattern: synthPattern(64, 1), Keys: synthTokens(64)}
	for b.Loop() {
		f, err := PlotAttention(a)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := f.PNG(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkHeadGrid32PNG(b *testing.B) {
	toks := synthTokens(64)
	g := HeadGrid{}
	for h := range 32 {
		g.Maps = append(g.Maps, AttentionMap{Name: "blocks.3.attn.hook_pattern", Layer: 3, Head: h, Pattern: synthPattern(64, int64(h)), Keys: toks})
	}
	for b.Loop() {
		f, err := PlotHeadGrid(g)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := f.PNG(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAttentionSVG64(b *testing.B) {
	a := AttentionMap{Name: "blocks.3.attn.hook_pattern", Head: 5, Pattern: synthPattern(64, 1), Keys: synthTokens(64)}
	for b.Loop() {
		f, err := PlotAttention(a)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := f.SVG(); err != nil {
			b.Fatal(err)
		}
	}
}
