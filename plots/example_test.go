package plots_test

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/torchless-go/torchless/plots"
)

// An attention pattern from plain data: probabilities [query, key] and the
// token strings.
func ExamplePlotAttention() {
	toks := []string{"<s>", " The", " cat", " sat"}
	p := plots.NewMatrix(4, 4)
	for i := range 4 {
		for j := 0; j <= i; j++ {
			p.Set(i, j, 1/float32(i+1))
		}
	}
	fig, err := plots.PlotAttention(plots.AttentionMap{Name: "blocks.0.attn.hook_pattern", Head: 2, Pattern: p, Keys: toks})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(fig.Title)
	if err := fig.Save(filepath.Join(os.TempDir(), "attention.png")); err != nil {
		fmt.Println(err)
	}
	// Output: blocks.0.attn.hook_pattern — head 2
}

// Per-layer curves of several runs on one axis.
func ExamplePlotLines() {
	fig, err := plots.PlotLines(plots.LinePlot{
		Title:  "logit difference by layer",
		YLabel: "logit(correct) − logit(wrong)",
		Series: []plots.Series{
			{Name: "clean", Y: []float64{0.1, 0.4, 1.9, 3.2}},
			{Name: "corrupted", Y: []float64{0.1, 0.2, 0.1, -0.4}},
		},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	w, h := fig.PNGSize()
	fmt.Println(w == 2*fig.Width, h == 2*fig.Height)
	// Output: true true
}
