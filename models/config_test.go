package models_test

import (
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/torchless-go/torchless/internal/testenv"
	"github.com/torchless-go/torchless/models"
)

// copyHF copies a fixture's hf/ directory so a test can edit config.json.
func copyHF(t *testing.T, variant string, edit func(cfg string) string) string {
	t.Helper()
	src := testenv.Shared(t, "fixtures", variant, "hf")
	dst := t.TempDir()
	ents, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		data, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if e.Name() == "config.json" {
			data = []byte(edit(string(data)))
		}
		if err := os.WriteFile(filepath.Join(dst, e.Name()), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dst
}

// A config that contradicts the weights fails at load, naming the tensor
// and both shapes.
func TestConfigContradictsWeights(t *testing.T) {
	cases := []struct {
		name, from, to string
		want           []string
	}{
		{"heads", `"num_attention_heads": 4`, `"num_attention_heads": 8`, []string{"model.layers.0.self_attn.q_proj.weight", "[64 64]", "[64 64]"}},
		{"hidden", `"hidden_size": 64`, `"hidden_size": 32`, []string{"model.embed_tokens.weight", "[384 64]", "[384 32]"}},
		{"ffn", `"intermediate_size": 128`, `"intermediate_size": 100`, []string{"model.layers.0.mlp.gate_proj.weight", "[128 64]", "[100 64]"}},
		{"kv heads", `"num_key_value_heads": 2`, `"num_key_value_heads": 1`, []string{"model.layers.0.self_attn.k_proj.weight", "[32 64]", "[16 64]"}},
		{"layers", `"num_hidden_layers": 2`, `"num_hidden_layers": 3`, []string{"missing tensor", "model.layers.2.input_layernorm.weight"}},
		{"vocab", `"vocab_size": 384`, `"vocab_size": 400`, []string{"model.embed_tokens.weight", "[384 64]", "[400 64]"}},
		{"bad json", `{`, `{{`, []string{"config.json", "invalid JSON"}},
		{"bad type", `"hidden_size": 64`, `"hidden_size": "lots"`, []string{"hidden_size", "not a number"}},
		{"unknown rope", `"rope_type": "linear"`, `"rope_type": "warp"`, []string{"rope_scaling", "warp"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := copyHF(t, "llama_linear", func(s string) string {
				if !strings.Contains(s, c.from) {
					t.Fatalf("config.json has no %s", c.from)
				}
				return strings.Replace(s, c.from, c.to, 1)
			})
			if c.name == "heads" {
				// Keep head_dim 16 so q_proj must be [128 64].
				c.want = []string{"model.layers.0.self_attn.q_proj.weight", "[64 64]", "[128 64]"}
				dir = copyHF(t, "llama_linear", func(s string) string {
					return strings.Replace(s, c.from, `"num_attention_heads": 8, "head_dim": 16`, 1)
				})
			}
			_, err := models.LoadAuto(dir, models.LoadOptions{})
			if err == nil {
				t.Fatal("loaded a contradictory model")
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

func TestRefusesPickle(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "pytorch_model.bin")
	os.WriteFile(p, []byte("PK\x03\x04 not really a zip"), 0o644)
	for _, path := range []string{p, dir} {
		_, err := models.LoadAuto(path, models.LoadOptions{})
		if err == nil || !strings.Contains(err.Error(), "unpickling") || !strings.Contains(err.Error(), "safetensors") {
			t.Errorf("%s: %v", path, err)
		}
	}
}

func TestDetectArchitecture(t *testing.T) {
	hf := func(n ...string) []string { return n }
	cases := []struct {
		hints models.ConfigHints
		names []string
		want  models.Architecture
	}{
		{models.ConfigHints{Architectures: []string{"MistralForCausalLM"}}, nil, models.Mistral},
		{models.ConfigHints{ModelType: "gemma2"}, nil, models.Gemma2},
		{models.ConfigHints{GGUFArchitecture: "qwen2"}, nil, models.Qwen2},
		{models.ConfigHints{Architectures: []string{"LlamaForCausalLM"}, RopeTheta: 500000}, nil, models.LLaMA3},
		{models.ConfigHints{Architectures: []string{"LlamaForCausalLM"}, VocabSize: 128256}, nil, models.LLaMA3},
		{models.ConfigHints{Architectures: []string{"LlamaForCausalLM"}, RopeTheta: 10000, VocabSize: 32000}, nil, models.LLaMA},
		{models.ConfigHints{}, hf("model.layers.0.self_attn.q_proj.weight", "lm_head.weight"), models.LLaMA},
		{models.ConfigHints{}, hf("model.final_layernorm.weight", "model.layers.0.self_attn.q_proj.weight"), models.Phi2},
		{models.ConfigHints{}, hf("model.layers.0.self_attn.qkv_proj.weight", "model.layers.0.mlp.gate_up_proj.weight"), models.Phi3},
		{models.ConfigHints{}, hf("model.layers.0.post_feedforward_layernorm.weight", "model.layers.0.self_attn.q_proj.weight"), models.Gemma2},
		{models.ConfigHints{}, hf("transformer.h.0.attn.c_attn.weight"), models.Qwen},
		{models.ConfigHints{}, hf("model.layers.0.self_attn.q_proj.bias", "model.layers.0.self_attn.q_proj.weight"), models.Qwen2},
		{models.ConfigHints{HiddenAct: "gelu_pytorch_tanh"}, hf("model.layers.0.self_attn.q_proj.weight", "model.embed_tokens.weight"), models.Gemma},
		{models.ConfigHints{RopeTheta: 500000}, hf("model.layers.0.self_attn.q_proj.weight"), models.LLaMA3},
	}
	for i, c := range cases {
		got, err := models.DetectArchitecture(c.hints, c.names)
		if err != nil || got != c.want {
			t.Errorf("case %d: %s, %v; want %s", i, got, err, c.want)
		}
	}
	_, err := models.DetectArchitecture(models.ConfigHints{ModelType: "bert"}, []string{"encoder.layer.0.attention.self.query.weight"})
	if err == nil || !strings.Contains(err.Error(), "encoder.layer.0") || !strings.Contains(err.Error(), "bert") {
		t.Errorf("unknown architecture: %v", err)
	}
}

// RoPE scaling variants against the formulas, computed here independently.
func TestRopeScaling(t *testing.T) {
	base := models.Config{RotaryDim: 16, HeadDim: 16, RopeTheta: 10000, MaxContext: 64}
	plain := func(i int) float64 { return math.Pow(10000, -float64(2*i)/16) }
	check := func(name string, c models.Config, seqLen int, want func(i int) float64, wantAttn float64) {
		t.Helper()
		inv, attn := c.RopeFrequencies(seqLen)
		for i := range inv {
			if w := want(i); math.Abs(inv[i]-w) > 1e-12*math.Max(1, w) {
				t.Errorf("%s: inv_freq[%d] = %g, want %g", name, i, inv[i], w)
			}
		}
		if math.Abs(attn-wantAttn) > 1e-12 {
			t.Errorf("%s: attention factor %g, want %g", name, attn, wantAttn)
		}
	}
	check("none", base, 10, plain, 1)

	lin := base
	lin.RopeScaling = models.RopeScaling{Kind: models.RopeLinear, Factor: 4}
	check("linear", lin, 10, func(i int) float64 { return plain(i) / 4 }, 1)

	dyn := base
	dyn.RopeScaling = models.RopeScaling{Kind: models.RopeDynamic, Factor: 2}
	check("dynamic short", dyn, 64, plain, 1)
	check("dynamic long", dyn, 100, func(i int) float64 {
		b := 10000 * math.Pow(2*100.0/64-(2-1), 16.0/14)
		return math.Pow(b, -float64(2*i)/16)
	}, 1)

	l3 := base
	l3.RopeScaling = models.RopeScaling{Kind: models.RopeLlama3, Factor: 8, LowFreqFactor: 1, HighFreqFactor: 4, OriginalContext: 64}
	check("llama3", l3, 10, func(i int) float64 {
		f := plain(i)
		wl := 2 * math.Pi / f
		if wl < 64.0/4 {
			return f
		}
		if wl > 64.0/1 {
			return f / 8
		}
		s := (64/wl - 1) / (4 - 1)
		return (1-s)*f/8 + s*f
	}, 1)

	yarn := base
	yarn.RopeScaling = models.RopeScaling{Kind: models.RopeYaRN, Factor: 4, OriginalContext: 64, BetaFast: 32, BetaSlow: 1}
	check("yarn", yarn, 10, func(i int) float64 {
		cd := func(r float64) float64 { return 16 * math.Log(64/(r*2*math.Pi)) / (2 * math.Log(10000)) }
		lo, hi := math.Max(math.Floor(cd(32)), 0), math.Min(math.Ceil(cd(1)), 15)
		ramp := math.Min(math.Max((float64(i)-lo)/(hi-lo), 0), 1)
		return plain(i)/4*ramp + plain(i)*(1-ramp)
	}, 0.1*math.Log(4)+1)

	lr := base
	long := []float64{1, 2, 3, 4, 5, 6, 7, 8}
	short := []float64{1, 1, 1, 1, 2, 2, 2, 2}
	lr.RopeScaling = models.RopeScaling{Kind: models.RopeLongRoPE, Factor: 4, OriginalContext: 16, LongFactor: long, ShortFactor: short}
	af := math.Sqrt(1 + math.Log(4)/math.Log(16))
	check("longrope short", lr, 16, func(i int) float64 { return plain(i) / short[i] }, af)
	check("longrope long", lr, 17, func(i int) float64 { return plain(i) / long[i] }, af)

	ff := base
	ff.RopeScaling = models.RopeScaling{Kind: models.RopeLlama3, FreqFactors: []float64{1, 1, 2, 2, 4, 4, 8, 8}}
	check("gguf rope_freqs", ff, 10, func(i int) float64 { return plain(i) / ff.RopeScaling.FreqFactors[i] }, 1)
}

// An eager load stops when its context is cancelled.
func TestLoadContextCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	path := filepath.Join(testenv.Shared(t, "fixtures", "llama2"), "model.gguf")
	if _, err := models.LoadContext(ctx, path, "", models.LoadOptions{}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled eager load: %v", err)
	}
	m, err := models.LoadContext(context.Background(), path, models.LLaMA, models.LoadOptions{})
	if err != nil || m.Architecture() != models.LLaMA {
		t.Errorf("load: %v", err)
	}
}

// The query scale override changes the attention scale (and so the
// patterns) of a Gemma 2 GGUF; at head_dim it changes nothing.
func TestQueryPreAttnScalarOverride(t *testing.T) {
	path := filepath.Join(testenv.Shared(t, "fixtures", "gemma2"), "model.gguf")
	def, err := models.LoadAuto(path, models.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	same, _ := models.LoadAuto(path, models.LoadOptions{QueryPreAttnScalar: 16})
	other, _ := models.LoadAuto(path, models.LoadOptions{QueryPreAttnScalar: 144})
	if def.Config().AttnScale != 0.25 || same.Config().AttnScale != 0.25 || math.Abs(other.Config().AttnScale-1.0/12) > 1e-12 {
		t.Errorf("scales %g %g %g", def.Config().AttnScale, same.Config().AttnScale, other.Config().AttnScale)
	}
	ids := []int{2, 356, 261, 383}
	if relErr(logitsOf(t, def, ids), logitsOf(t, other, ids)) == 0 {
		t.Error("the override did not change the logits")
	}
}

// attention_bias adds q/k/v/o biases (then required); mlp_bias on a
// gated MLP and qk_layernorm are refused, never ignored.
func TestStructuralConfigSwitches(t *testing.T) {
	dir := copyHF(t, "llama2", func(s string) string {
		return strings.Replace(s, `"attention_bias": false`, `"attention_bias": true`, 1)
	})
	_, err := models.LoadAuto(dir, models.LoadOptions{})
	if err == nil || !strings.Contains(err.Error(), "model.layers.0.self_attn.q_proj.bias") {
		t.Errorf("attention_bias without bias tensors: %v", err)
	}
	for _, c := range []struct{ from, to, want string }{
		{`"mlp_bias": false`, `"mlp_bias": true`, "mlp_bias"},
		{`"attention_bias": false`, `"attention_bias": false, "qk_layernorm": true`, "qk_layernorm"},
	} {
		dir := copyHF(t, "llama2", func(s string) string { return strings.Replace(s, c.from, c.to, 1) })
		if _, err := models.LoadAuto(dir, models.LoadOptions{}); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v", c.want, err)
		}
	}
}
