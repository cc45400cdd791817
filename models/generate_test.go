package models_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/torchless-go/torchless/internal/testenv"
	"github.com/torchless-go/torchless/models"
)

// stories260K, a real TinyStories LLaMA: greedy generation reproduces
// the reference continuation id for id, from hf/ and from model.gguf.
func TestStoriesGreedy(t *testing.T) {
	dir := testenv.Shared(t, "models", "stories260K")
	data, err := os.ReadFile(filepath.Join(dir, "greedy.json"))
	if err != nil {
		t.Fatal(err)
	}
	var g struct {
		Prompt       string `json:"prompt"`
		PromptIDs    []int  `json:"prompt_ids"`
		NGenerated   int    `json:"n_generated"`
		GeneratedIDs []int  `json:"generated_ids"`
		Text         string `json:"generated_text"`
	}
	if err := json.Unmarshal(data, &g); err != nil {
		t.Fatal(err)
	}
	for _, file := range []string{"hf", "model.gguf"} {
		m, err := models.LoadAuto(filepath.Join(dir, file), models.LoadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		ids, err := m.Encode(g.Prompt)
		if err != nil || !slices.Equal(ids, g.PromptIDs) {
			t.Errorf("%s: Encode(%q) = %v, %v; want %v", file, g.Prompt, ids, err, g.PromptIDs)
		}
		gen, err := models.Generate(context.Background(), m, nil, g.PromptIDs,
			models.GenerateOptions{MaxTokens: g.NGenerated, IgnoreEOS: true})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(gen.GeneratedIDs, g.GeneratedIDs) {
			t.Errorf("%s: generated %v\nwant %v", file, gen.GeneratedIDs, g.GeneratedIDs)
		}
		if g.Text != "" && gen.Text != g.Text {
			t.Errorf("%s: text %q\nwant %q", file, gen.Text, g.Text)
		}
		m.Close()
	}
}

func TestSampler(t *testing.T) {
	logits := []float32{1, 3, 2, -1}
	if id := models.NewSampler(models.SamplerOptions{}).Sample(logits, nil); id != 1 {
		t.Errorf("greedy picked %d", id)
	}
	// A repetition penalty of 10 on token 1 (logit 3 → 0.3) makes 2 the argmax.
	if id := models.NewSampler(models.SamplerOptions{RepetitionPenalty: 10}).Sample(logits, []int{1}); id != 2 {
		t.Errorf("penalised greedy picked %d", id)
	}
	// top-k 1 is greedy whatever the temperature.
	s := models.NewSampler(models.SamplerOptions{Temperature: 5, TopK: 1, Seed: 7})
	for i := 0; i < 50; i++ {
		if id := s.Sample(logits, nil); id != 1 {
			t.Fatalf("top-k 1 picked %d", id)
		}
	}
	// min-p 0.5 keeps only tokens at least half as likely as the best:
	// at temperature 1, p(2)/p(1) = e^-1 < 0.5, so only 1 remains.
	s = models.NewSampler(models.SamplerOptions{Temperature: 1, MinP: 0.5, Seed: 3})
	for i := 0; i < 50; i++ {
		if id := s.Sample(logits, nil); id != 1 {
			t.Fatalf("min-p picked %d", id)
		}
	}
	// The same seed gives the same sequence; top-p 0.99 never picks the
	// least likely token (p ≈ 0.03 after the other three's 0.97).
	a := models.NewSampler(models.SamplerOptions{Temperature: 1, TopP: 0.95, Seed: 42})
	b := models.NewSampler(models.SamplerOptions{Temperature: 1, TopP: 0.95, Seed: 42})
	counts := map[int]int{}
	for i := 0; i < 500; i++ {
		x, y := a.Sample(logits, nil), b.Sample(logits, nil)
		if x != y {
			t.Fatal("same seed, different samples")
		}
		counts[x]++
	}
	if counts[3] != 0 || counts[1] == 0 || counts[2] == 0 {
		t.Errorf("top-p counts %v", counts)
	}
}

func TestGenerateCancel(t *testing.T) {
	m, err := models.LoadEmbedded()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	gen, err := models.Generate(ctx, m, nil, []int{1, 2, 3}, models.GenerateOptions{MaxTokens: 100, IgnoreEOS: true,
		OnToken: func(id int, text string) error {
			cancel()
			return nil
		}})
	if !errors.Is(err, context.Canceled) || len(gen.GeneratedIDs) != 1 || gen.StopReason != "cancelled" {
		t.Errorf("after cancel: %v, %d tokens, %s", err, len(gen.GeneratedIDs), gen.StopReason)
	}
	// Stop strings cut the text.
	gen, err = models.Generate(context.Background(), m, nil, []int{1, 2, 3}, models.GenerateOptions{MaxTokens: 40, IgnoreEOS: true})
	if err != nil || len(gen.GeneratedIDs) != 40 || gen.Text == "" {
		t.Fatalf("generate: %v %v", gen, err)
	}
	stop := gen.Text[len(gen.Text)/2:][:1]
	gen2, err := models.Generate(context.Background(), m, nil, []int{1, 2, 3}, models.GenerateOptions{MaxTokens: 40, IgnoreEOS: true, StopStrings: []string{stop}})
	if err != nil || gen2.StopReason != "stop string" || len(gen2.Text) >= len(gen.Text) {
		t.Errorf("stop string %q: %v %v", stop, gen2, err)
	}
}

// A float16 KV cache stays close to the float32 one: the fixtures'
// logits within f16 rounding, and stories260K's greedy continuation
// unchanged for its first 32 tokens.
func TestKVCacheF16(t *testing.T) {
	for _, variant := range []string{"llama3", "gemma2", "phi3"} {
		dir := testenv.Shared(t, "fixtures", variant)
		m, err := models.LoadAuto(filepath.Join(dir, "hf"), models.LoadOptions{KVCacheF16: true})
		if err != nil {
			t.Fatal(err)
		}
		ref := expected(t, filepath.Join(dir, "expected.safetensors"))
		if e := relErr(logitsOf(t, m, fixtureIDs(t, dir)), ref["logits"]); !(e > 0 && e <= 5e-3) {
			t.Errorf("%s: f16 cache logits relative error %.3g (want (0, 5e-3])", variant, e)
		}
	}
	dir := testenv.Shared(t, "models", "stories260K")
	var want []int
	for _, half := range []bool{false, true} {
		m, err := models.LoadAuto(filepath.Join(dir, "model.gguf"), models.LoadOptions{KVCacheF16: half})
		if err != nil {
			t.Fatal(err)
		}
		gen, err := models.Generate(context.Background(), m, nil, []int{1, 403, 407, 261, 378}, models.GenerateOptions{MaxTokens: 32, IgnoreEOS: true})
		if err != nil {
			t.Fatal(err)
		}
		if !half {
			want = gen.GeneratedIDs
		} else if !slices.Equal(gen.GeneratedIDs, want) {
			t.Errorf("f16 cache: %v\nf32 cache: %v", gen.GeneratedIDs, want)
		}
	}
}

// The generated text is the decode of the generated ids, including bytes
// the stream held back at the end (the embedded random model emits
// incomplete UTF-8 sequences).
func TestGenerateTextIsDecode(t *testing.T) {
	m, err := models.LoadEmbedded()
	if err != nil {
		t.Fatal(err)
	}
	prompt, _ := m.Encode("The quick brown fox")
	gen, err := models.Generate(context.Background(), m, nil, prompt, models.GenerateOptions{MaxTokens: 16, IgnoreEOS: true})
	if err != nil {
		t.Fatal(err)
	}
	want, err := m.Decode(gen.GeneratedIDs)
	if err != nil || gen.Text != want || gen.Text == "" {
		t.Errorf("text %q, decode %q (%v)", gen.Text, want, err)
	}
}
