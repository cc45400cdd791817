package plots

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/torchless-go/torchless/internal/testenv"
	"github.com/torchless-go/torchless/kernels"
	"github.com/torchless-go/torchless/models/safetensors"
	"github.com/torchless-go/torchless/models/weights"
)

// fixtureRun is the reference run of one fixture model: its expected
// tensors and its token strings.
type fixtureRun struct {
	name   string
	file   *safetensors.File
	tokens []string
}

func openFixture(t *testing.T, family string) *fixtureRun {
	t.Helper()
	dir := testenv.Shared(t, "fixtures", family)
	f, err := safetensors.Open(filepath.Join(dir, "expected.safetensors"), weights.Eager)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	var toks struct{ IDs []int }
	b, err := os.ReadFile(filepath.Join(dir, "tokens.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &toks); err != nil {
		t.Fatal(err)
	}
	vocab := fixtureVocab(t, filepath.Join(dir, "hf", "tokenizer.json"))
	run := &fixtureRun{name: family, file: f}
	for _, id := range toks.IDs {
		run.tokens = append(run.tokens, vocab[id])
	}
	return run
}

// fixtureVocab maps ids to token text from an HF tokenizer.json, undoing
// the GPT-2 byte-to-unicode mapping of byte-level vocabularies.
func fixtureVocab(t *testing.T, path string) map[int]string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var tj struct {
		Model struct {
			Vocab map[string]int `json:"vocab"`
		} `json:"model"`
		AddedTokens []struct {
			ID      int    `json:"id"`
			Content string `json:"content"`
		} `json:"added_tokens"`
		PreTokenizer json.RawMessage `json:"pre_tokenizer"`
	}
	if err := json.Unmarshal(b, &tj); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	byteLevel := strings.Contains(string(tj.PreTokenizer), "ByteLevel")
	dec := map[rune]byte{}
	n := 0
	for c := 0; c < 256; c++ {
		if c >= '!' && c <= '~' || c >= 0xa1 && c <= 0xac || c >= 0xae && c <= 0xff {
			dec[rune(c)] = byte(c)
		} else {
			dec[rune(256+n)] = byte(c)
			n++
		}
	}
	out := map[int]string{}
	for s, id := range tj.Model.Vocab {
		if byteLevel {
			var raw []byte
			for _, r := range s {
				raw = append(raw, dec[r])
			}
			s = string(raw)
		}
		out[id] = s
	}
	for _, a := range tj.AddedTokens {
		out[a.ID] = a.Content
	}
	return out
}

// tensor returns a float32 tensor and its shape.
func (r *fixtureRun) tensor(t *testing.T, name string) ([]float32, []int) {
	t.Helper()
	tn := r.file.Get(name)
	if tn == nil {
		t.Fatalf("%s: no tensor %q", r.name, name)
	}
	if tn.DType != kernels.F32 {
		t.Fatalf("%s: %s is %v, want F32", r.name, name, tn.DType)
	}
	v := make([]float32, len(tn.Data)/4)
	for i := range v {
		v[i] = math.Float32frombits(binary.LittleEndian.Uint32(tn.Data[4*i:]))
	}
	return v, tn.Shape
}

// heads returns attn_probs.{layer} as one Matrix per head.
func (r *fixtureRun) heads(t *testing.T, layer int) []AttentionMap {
	t.Helper()
	v, shape := r.tensor(t, fmt.Sprintf("attn_probs.%d", layer))
	if len(shape) != 3 {
		t.Fatalf("attn_probs.%d has shape %v", layer, shape)
	}
	nh, q, k := shape[0], shape[1], shape[2]
	maps := make([]AttentionMap, nh)
	for h := range nh {
		maps[h] = AttentionMap{
			Name: r.name + ": blocks." + itoa(layer) + ".attn.hook_pattern", Layer: layer, Head: h,
			Pattern: Matrix{Rows: q, Cols: k, Data: v[h*q*k : (h+1)*q*k]},
			Keys:    r.tokens,
		}
	}
	return maps
}

// TestFixtureAttention draws reference attention patterns and checks that
// every cell shows its value on the colour scale and the causal region is
// masked.
func TestFixtureAttention(t *testing.T) {
	var panel []*Figure
	windows := map[string]int{"llama2": 1 << 30, "qwen2": 1 << 30, "mistral_swa": 5, "gemma2": 6}
	for _, fam := range []string{"llama2", "mistral_swa", "qwen2", "gemma2"} {
		run := openFixture(t, fam)
		maps := run.heads(t, 0)
		a := maps[0]
		f, err := PlotAttention(a)
		if err != nil {
			t.Fatal(err)
		}
		img := renderPNG(t, f)
		_, hi, _ := finiteRange(a.Pattern.Data)
		r := f.regions["data"]
		n := a.Pattern.Rows
		for i := range n {
			for j := range n {
				p := cellCentre(r, n, n, i, j)
				got := img.RGBAAt(p.X, p.Y)
				// Sliding layers (mistral_swa window 5, gemma2 window 6 on even
				// layers): a key is visible when i−W < j ≤ i; the window is detected.
				if j > i || j <= i-windows[fam] {
					if !isMaskGrey(got) {
						t.Fatalf("%s (%d,%d): %v, want masked", fam, i, j, got)
					}
					continue
				}
				want := Viridis().At(float64(a.Pattern.At(i, j)) / hi)
				if !near(got, want, 2) {
					t.Fatalf("%s (%d,%d) = %.4f: pixel %v, want %v", fam, i, j, a.Pattern.At(i, j), got, want)
				}
			}
		}
		g, err := PlotHeadGrid(HeadGrid{Maps: maps})
		if err != nil {
			t.Fatal(err)
		}
		saveLook(t, "fixture_"+fam+"_attention", f)
		saveLook(t, "fixture_"+fam+"_heads", g)
		panel = append(panel, f)
	}
	p, err := PlotPanel("layer 0, head 0 — same prompt through four families", panel, 2)
	if err != nil {
		t.Fatal(err)
	}
	img := renderPNG(t, p)
	if img.Rect.Dx() != 2*p.Width {
		t.Errorf("panel PNG is %v", img.Rect)
	}
	for k := range panel {
		if _, ok := p.regions[itoa(k)+".data"]; !ok {
			t.Errorf("panel lost figure %d's data region", k)
		}
	}
	saveLook(t, "fixture_compare", p)
}

// TestFixtureRoPEAndNorms draws RoPE tables and per-layer residual norms
// from the reference runs.
func TestFixtureRoPEAndNorms(t *testing.T) {
	var tables []RoPETable
	var norms []Series
	for _, fam := range []string{"llama2", "llama3", "llama_linear", "phi3_longrope", "qwen2"} {
		run := openFixture(t, fam)
		inv, _ := run.tensor(t, "rope_inv_freq")
		cos, shape := run.tensor(t, "rope_cos")
		sin, _ := run.tensor(t, "rope_sin")
		T, rot := shape[0], shape[1]
		half := rot / 2
		tab := RoPETable{Name: fam, Cos: NewMatrix(T, half), Sin: NewMatrix(T, half)}
		for p := range T {
			copy(tab.Cos.Data[p*half:(p+1)*half], cos[p*rot:p*rot+half]) // HF layout: cat(f, f)
			copy(tab.Sin.Data[p*half:(p+1)*half], sin[p*rot:p*rot+half])
		}
		for _, f := range inv {
			tab.InvFreq = append(tab.InvFreq, float64(f))
		}
		tables = append(tables, tab)
		var s Series
		s.Name = fam
		for l := 0; ; l++ {
			if run.file.Get(fmt.Sprintf("residual.%d", l)) == nil {
				break
			}
			v, _ := run.tensor(t, fmt.Sprintf("residual.%d", l))
			st := ComputeStats(v)
			s.Y = append(s.Y, st.RMS)
		}
		if len(s.Y) == 0 {
			t.Fatalf("%s: no residual.{l} tensors", fam)
		}
		norms = append(norms, s)
	}
	f, err := PlotRoPE(tables[0])
	if err != nil {
		t.Fatal(err)
	}
	// cos(0) = 1 in every column of position 0 (top row): the top colour of
	// the diverging map; sin(0) = 0: its centre.
	img := renderPNG(t, f)
	for k, want := range []float64{1, 0.5} {
		r := f.regions["data."+itoa(k)]
		for j := 0; j < tables[0].Cos.Cols; j++ {
			p := cellCentre(r, tables[0].Cos.Rows, tables[0].Cos.Cols, 0, j)
			if got := img.RGBAAt(p.X, p.Y); !near(got, Diverging().At(want), 2) {
				t.Fatalf("RoPE map %d, position 0, column %d: %v, want %v", k, j, got, Diverging().At(want))
			}
		}
	}
	saveLook(t, "fixture_rope", f)
	v, err := PlotRoPEVariants("", tables)
	if err != nil {
		t.Fatal(err)
	}
	saveLook(t, "fixture_rope_variants", v)
	s, err := PlotRoPESpectrum("", tables)
	if err != nil {
		t.Fatal(err)
	}
	saveLook(t, "fixture_rope_spectrum", s)
	l, err := PlotLines(LinePlot{Title: "residual stream RMS by layer", YLabel: "RMS of resid_post", Series: norms})
	if err != nil {
		t.Fatal(err)
	}
	saveLook(t, "fixture_norms", l)
	for _, fig := range []*Figure{v, s, l} {
		if img := renderPNG(t, fig); img.Rect.Dx() != 2*fig.Width {
			t.Errorf("%s: PNG %v", fig.Title, img.Rect)
		}
	}
}
