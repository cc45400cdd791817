package main

import (
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/torchless-go/torchless/internal/fixture"
	"github.com/torchless-go/torchless/internal/testenv"
)

// capture runs fn with stdout redirected and returns what it printed.
func capture(t *testing.T, fn func() error) string {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	old := os.Stdout
	os.Stdout = w
	done := make(chan string)
	go func() { b, _ := io.ReadAll(r); done <- string(b) }()
	err = fn()
	os.Stdout = old
	w.Close()
	out := <-done
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	return out
}

func readF32(t *testing.T, path string) map[string][]float32 { return fixture.Tensors(t, path) }

func rel(got, want []float32) float64 { return fixture.RelErr(got, want) }

// dump's output agrees with the fixture's reference under the hook names.
func TestDumpMatchesReference(t *testing.T) {
	ctx := context.Background()
	for _, v := range []string{"phi3_longrope", "gemma2", "llama3"} {
		dir := testenv.Shared(t, "fixtures", v)
		var tj struct{ IDs []int }
		data, _ := os.ReadFile(filepath.Join(dir, "tokens.json"))
		json.Unmarshal(data, &tj)
		ids := strings.Trim(strings.Join(strings.Fields(strings.Trim(jsonString(tj.IDs), "[]")), ""), ",")
		out := filepath.Join(t.TempDir(), "d.safetensors")
		capture(t, func() error {
			return runDump(ctx, []string{"--model", filepath.Join(dir, "model.gguf"), "--lazy", "--ids", ids, "--out", out})
		})
		got, ref := readF32(t, out), readF32(t, filepath.Join(dir, "expected.safetensors"))
		pairs := map[string]string{"logits": "logits", "blocks.0.hook_resid_pre": "embeddings",
			"blocks.1.hook_resid_post": "residual.1", "blocks.1.attn.hook_pattern": "attn_probs.1",
			"ln_final.hook_normalized": "final_norm", "rope.inv_freq": "rope_inv_freq"}
		for g, r := range pairs {
			if e := rel(got[g], ref[r]); !(e <= 1e-5) {
				t.Errorf("%s: %s vs %s: relative error %.3g", v, g, r, e)
			}
		}
		half := len(got["rope.inv_freq"])
		for p := 0; p < len(tj.IDs); p++ {
			if e := rel(got["rope.cos"][p*half:(p+1)*half], ref["rope_cos"][p*2*half:p*2*half+half]); !(e <= 1e-5) {
				t.Errorf("%s: rope.cos row %d: %.3g", v, p, e)
			}
		}
	}
}

func jsonString(v any) string { b, _ := json.Marshal(v); return string(b) }

func TestInspectAndWeights(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(testenv.Shared(t, "fixtures", "qwen2"), "model-q8_0.gguf")
	out := capture(t, func() error { return runInspect(ctx, []string{"--lazy", path}) })
	for _, want := range []string{"format:       gguf", "architecture: qwen2", "blk.0.attn_q.weight", "Q8_0", "[64 64]", "total: "} {
		if !strings.Contains(out, want) {
			t.Errorf("inspect output lacks %q:\n%s", want, out)
		}
	}
	js := capture(t, func() error { return runInspect(ctx, []string{"--json", path}) })
	var rep inspectReport
	if err := json.Unmarshal([]byte(js), &rep); err != nil || rep.Architecture != "qwen2" || len(rep.Tensors) == 0 {
		t.Errorf("inspect --json: %v %+v", err, rep.Architecture)
	}
	w := filepath.Join(t.TempDir(), "w.safetensors")
	capture(t, func() error { return runWeights(ctx, []string{"--model", path, "--names", "blk.1.attn_*", "--out", w}) })
	ts := readF32(t, w)
	if len(ts) != 8 || // attn_norm, attn_{q,k,v} weights and biases, attn_output
		ts["blk.1.attn_q.weight"] == nil || len(ts["blk.1.attn_q.weight"]) != 64*64 {
		t.Errorf("weights wrote %d tensors", len(ts))
	}
}

func TestRunJSON(t *testing.T) {
	out := capture(t, func() error {
		return runRun(context.Background(), []string{"--json", "-n", "8", "--ignore-eos", "--prompt", "The quick brown fox"})
	})
	var r struct {
		PromptIDs    []int  `json:"prompt_ids"`
		GeneratedIDs []int  `json:"generated_ids"`
		Text         string `json:"text"`
	}
	if err := json.Unmarshal([]byte(out), &r); err != nil || len(r.GeneratedIDs) != 8 || len(r.PromptIDs) == 0 {
		t.Errorf("run --json: %v\n%s", err, out)
	}
}

// inspect checks the weights against the config and lists config keys
// the loader does not read.
func TestInspectChecksLoad(t *testing.T) {
	src := filepath.Join(testenv.Shared(t, "fixtures", "llama2"), "hf")
	dir := t.TempDir()
	for _, name := range []string{"model.safetensors", "tokenizer.json", "tokenizer_config.json", "config.json"} {
		data, err := os.ReadFile(filepath.Join(src, name))
		if err != nil {
			t.Fatal(err)
		}
		if name == "config.json" {
			data = []byte(strings.Replace(string(data), `"hidden_act"`, `"frobnicate": 3, "hidden_act"`, 1))
		}
		os.WriteFile(filepath.Join(dir, name), data, 0o644)
	}
	out := capture(t, func() error { return runInspect(context.Background(), []string{dir}) })
	if !strings.Contains(out, "loads:        yes") || !strings.Contains(out, "[frobnicate]") {
		t.Errorf("inspect:\n%s", out)
	}
	cfg, _ := os.ReadFile(filepath.Join(dir, "config.json"))
	os.WriteFile(filepath.Join(dir, "config.json"), []byte(strings.Replace(string(cfg), `"intermediate_size": 128`, `"intermediate_size": 96`, 1)), 0o644)
	out = capture(t, func() error { return runInspect(context.Background(), []string{dir}) })
	if !strings.Contains(out, "loads:        no") || !strings.Contains(out, "gate_proj") {
		t.Errorf("inspect of a contradictory config:\n%s", out)
	}
}
