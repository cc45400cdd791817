package main

import (
	"bytes"
	"context"
	"fmt"
	"image/png"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/torchless-go/torchless/internal/testenv"
	"github.com/torchless-go/torchless/models"
	"github.com/torchless-go/torchless/plots"
)

var wroteLine = regexp.MustCompile(`^wrote (.+) \((\d+)×(\d+)\): `)

// plotFile runs the plot command and checks the file it wrote: a PNG of
// twice the reported display size, or an SVG whose width and height are
// that size. It returns the file's bytes.
func plotFile(t *testing.T, out string, args ...string) []byte {
	t.Helper()
	args = append(args, "--out", out)
	stdout := capture(t, func() error { return runPlot(context.Background(), args) })
	m := wroteLine.FindStringSubmatch(stdout)
	if m == nil || m[1] != out {
		t.Fatalf("plot %v printed %q", args, stdout)
	}
	w, _ := strconv.Atoi(m[2])
	h, _ := strconv.Atoi(m[3])
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	switch filepath.Ext(out) {
	case ".png":
		cfg, err := png.DecodeConfig(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("plot %v: %s is not a PNG: %v", args, out, err)
		}
		if cfg.Width != 2*w || cfg.Height != 2*h {
			t.Errorf("plot %v: PNG is %d×%d, want twice %d×%d", args, cfg.Width, cfg.Height, w, h)
		}
		if w < 100 || h < 100 {
			t.Errorf("plot %v: a %d×%d figure", args, w, h)
		}
	case ".svg":
		head := fmt.Sprintf(`<svg width="%d" height="%d"`, w, h)
		if !bytes.Contains(b, []byte(head)) || !bytes.HasSuffix(bytes.TrimSpace(b), []byte("</svg>")) {
			t.Errorf("plot %v: %s is not an SVG starting %s", args, out, head)
		}
	}
	return b
}

// tokenLabels returns the axis labels of a prompt's tokens in a model.
func tokenLabels(t *testing.T, path, prompt string) []string {
	t.Helper()
	m, err := models.LoadAuto(path, models.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	ids, err := m.Encode(prompt)
	if err != nil {
		t.Fatal(err)
	}
	texts := plots.TokenTexts(ids, tokenTexter(m))
	for i, s := range texts {
		texts[i] = plots.TokenLabel(s, 14)
	}
	return texts
}

func svgHasTexts(t *testing.T, what string, svg []byte, texts ...string) {
	t.Helper()
	esc := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")
	for _, s := range texts {
		if !bytes.Contains(svg, []byte(">"+esc.Replace(s)+"<")) {
			t.Errorf("%s: the SVG lacks the text %q", what, s)
		}
	}
}

func TestPlotKinds(t *testing.T) {
	fx := testenv.Shared(t, "fixtures")
	llama, qwen := filepath.Join(fx, "llama2", "hf"), filepath.Join(fx, "qwen2", "hf")
	dir := t.TempDir()
	const prompt = "Hello world, hello"
	labels := tokenLabels(t, llama, prompt)

	svg := plotFile(t, filepath.Join(dir, "attention.svg"), "attention", "--model", llama, "--prompt", prompt, "--layer", "1", "--head", "2")
	svgHasTexts(t, "attention", svg, append([]string{"blocks.1.attn.hook_pattern — head 2"}, labels...)...)
	svg = plotFile(t, filepath.Join(dir, "lens.svg"), "lens", "--model", llama, "--prompt", prompt)
	svgHasTexts(t, "lens", svg, labels...)
	svg = plotFile(t, filepath.Join(dir, "loss.svg"), "loss", "--model", llama, "--prompt", prompt)
	svgHasTexts(t, "loss", svg, labels...)

	for _, args := range [][]string{
		{"heads", "--model", llama, "--prompt", prompt, "--layer", "1"},
		{"heads", "--model", llama, "--prompt", prompt, "--across-layers", "--head", "3"},
		{"scores", "--model", llama},
		{"scores", "--model", llama, "--score", "previous"},
		{"norms", "--model", llama, "--model2", qwen},
		{"lens", "--model", llama, "--entropy"},
		{"rope", "--model", llama, "--positions", "64"},
		{"rope", "--model", llama, "--rotary-dims", "32", "--theta", "500000", "--rope-view", "variants"},
		{"rope", "--model", llama, "--rope-view", "spectrum"},
		{"hist", "--model", llama},
		{"hist", "--model", llama, "--hook", "blocks.0.mlp.hook_post"},
		{"compare", "--model", llama, "--model2", qwen, "--layer", "1"},
		{"divergence", "--model", llama, "--model2", filepath.Join(fx, "llama2", "model-q8_0.gguf")},
	} {
		plotFile(t, filepath.Join(dir, args[0]+".png"), args...)
	}
	svg = plotFile(t, filepath.Join(dir, "hist.svg"), "hist", "--model", llama, "--prompt", prompt, "--hook", "blocks.0.mlp.hook_post")
	if want := fmt.Sprintf(">blocks.0.mlp.hook_post [%d, ", len(labels)); !bytes.Contains(svg, []byte(want)) {
		t.Errorf("hist: the SVG lacks a title starting %q", want[1:])
	}
}

// Without --model the embedded model draws the figure.
func TestPlotEmbeddedDefault(t *testing.T) {
	dir := t.TempDir()
	svg := plotFile(t, filepath.Join(dir, "a.svg"), "attention", "--prompt", "Once upon a time")
	svgHasTexts(t, "embedded attention", svg, tokenLabels(t, models.EmbeddedName, "Once upon a time")...)
	plotFile(t, filepath.Join(dir, "heads.png"), "heads")
}

func TestPlotErrors(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		args []string
		want string
	}{
		{nil, "missing KIND"},
		{[]string{"pie"}, `unknown kind "pie"`},
		{[]string{"attention", "--out", filepath.Join(dir, "a.jpg")}, "want a .png or .svg"},
		{[]string{"compare"}, "needs --model2"},
		{[]string{"attention", "--layer", "9", "--out", filepath.Join(dir, "a.png")}, "--layer 9"},
		{[]string{"heads", "--head", "-1", "--out", filepath.Join(dir, "a.png")}, "--head -1"},
		{[]string{"hist", "--hook", "blocks.*.nope", "--out", filepath.Join(dir, "a.png")}, "blocks.*.nope"},
		{[]string{"scores", "--score", "magic", "--out", filepath.Join(dir, "a.png")}, `--score "magic"`},
		{[]string{"attention", "--model", filepath.Join(dir, "missing"), "--out", filepath.Join(dir, "a.png")}, "missing"},
		{[]string{"attention", "extra", "--out", filepath.Join(dir, "a.png")}, "unexpected arguments"},
		{[]string{"rope", "--rope-view", "side", "--out", filepath.Join(dir, "a.png")}, `--rope-view "side"`},
		{[]string{"rope", "--rotary-dims", "7", "--out", filepath.Join(dir, "a.png")}, "--rotary-dims 7"},
	} {
		var err error
		capture(t, func() error {
			err = runPlot(context.Background(), c.args)
			return nil
		})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("plot %q: error %v, want one containing %q", c.args, err, c.want)
		}
	}
}
