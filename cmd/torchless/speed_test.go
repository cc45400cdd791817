package main

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/torchless-go/torchless/internal/testenv"
	"github.com/torchless-go/torchless/models/gguf"
	"github.com/torchless-go/torchless/models/weights"
)

// sameTensors compares every tensor of got with want: names, types,
// shapes and bytes.
func sameTensors(t *testing.T, got, want string) {
	t.Helper()
	g, err := gguf.Open(got, weights.Eager)
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	w, err := gguf.Open(want, weights.Eager)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if len(g.Tensors) != len(w.Tensors) {
		t.Fatalf("%s: %d tensors, %s has %d", got, len(g.Tensors), want, len(w.Tensors))
	}
	for _, wt := range w.Tensors {
		gt := g.Tensor(wt.Name)
		if gt == nil {
			t.Fatalf("%s: no tensor %s", got, wt.Name)
		}
		if gt.DType != wt.DType || !bytes.Equal(gt.Data, wt.Data) {
			t.Errorf("%s: tensor %s: %s (%d bytes) differs from %s's %s", got, wt.Name, gt.DType, len(gt.Data), want, wt.DType)
		}
	}
	if ft, _ := g.GetUint("general.file_type"); true {
		if wft, _ := w.GetUint("general.file_type"); ft != wft {
			t.Errorf("%s: general.file_type %d, want %d", got, ft, wft)
		}
	}
}

// TestQuantizeMatchesLlamaCpp quantizes every fixture's F32 GGUF as
// llama-quantize did (its default mix) and compares every tensor's bytes.
func TestQuantizeMatchesLlamaCpp(t *testing.T) {
	root := testenv.Shared(t, "fixtures")
	entries, err := os.ReadDir(root)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	tmp := t.TempDir()
	n := 0
	for _, e := range entries {
		src := filepath.Join(root, e.Name(), "model.gguf")
		if _, err := os.Stat(src); err != nil || e.Name() == "quants" {
			continue
		}
		for _, typ := range []string{"q8_0", "q4_0"} {
			ref := filepath.Join(root, e.Name(), "model-"+typ+".gguf")
			if _, err := os.Stat(ref); err != nil {
				continue
			}
			out := filepath.Join(tmp, e.Name()+"-"+typ+".gguf")
			if err := runQuantize(ctx, []string{src, out, typ}); err != nil {
				t.Fatalf("%s %s: %v", e.Name(), typ, err)
			}
			sameTensors(t, out, ref)
			n++
		}
	}
	// The quants fixture: every type, --pure (every 2-D weight in it).
	dir := testenv.Shared(t, "fixtures", "quants")
	for _, typ := range []string{"f16", "bf16", "q8_0", "q4_0", "q4_1", "q5_0", "q5_1", "q2_k", "q3_k", "q4_k", "q5_k", "q6_k"} {
		out := filepath.Join(tmp, "quants-"+typ+".gguf")
		if err := runQuantize(ctx, []string{"--output-type", "same", filepath.Join(dir, "model.gguf"), out, typ}); err != nil {
			t.Fatalf("quants %s: %v", typ, err)
		}
		sameTensors(t, out, filepath.Join(dir, "model-"+typ+".gguf"))
		n++
	}
	if n < 20 {
		t.Errorf("compared only %d files", n)
	}
}

func TestQuantizeErrors(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	for _, args := range [][]string{
		{"a", "b"},
		{filepath.Join(dir, "missing.gguf"), filepath.Join(dir, "o.gguf"), "q8_0"},
		{dir, filepath.Join(dir, "o.gguf"), "q8_0"}, // a directory without a model
		{"x", "y", "q9_9"},
	} {
		if err := runQuantize(ctx, args); err == nil {
			t.Errorf("quantize %v succeeded", args)
		}
	}
}

// The synth, quantize and bench commands on a tiny synthesized model.
func TestSynthQuantizeBench(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	f32 := filepath.Join(dir, "tiny.gguf")
	if err := runSynth(ctx, []string{"--arch", "llama", "--shape", "tiny", "--dtype", "f32", "--out", f32}); err != nil {
		t.Fatal(err)
	}
	q8 := filepath.Join(dir, "tiny-q8.gguf")
	if err := runQuantize(ctx, []string{f32, q8, "q8_0"}); err != nil {
		t.Fatal(err)
	}
	direct := filepath.Join(dir, "tiny-q8-direct.gguf")
	if err := runSynth(ctx, []string{"--shape", "tiny", "--dtype", "q8_0", "--out", direct}); err != nil {
		t.Fatal(err)
	}
	// synth quantizes the same values with the same code, except the
	// output matrix, which quantize leaves in Q8_0 too.
	sameTensors(t, q8, direct)
	hf := filepath.Join(dir, "tiny-hf")
	if err := runSynth(ctx, []string{"--arch", "qwen2", "--hidden", "64", "--layers", "1", "--heads", "2", "--kv-heads", "1",
		"--ffn", "128", "--vocab", "300", "--format", "hf", "--out", hf}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(hf, "config.json")); err != nil {
		t.Fatal(err)
	}
	// quantize of an HF directory equals quantize of the GGUF of the same seed.
	hfLlama := filepath.Join(dir, "tiny-llama-hf")
	if err := runSynth(ctx, []string{"--shape", "tiny", "--format", "hf", "--out", hfLlama}); err != nil {
		t.Fatal(err)
	}
	fromHF := filepath.Join(dir, "from-hf-q4.gguf")
	if err := runQuantize(ctx, []string{hfLlama, fromHF, "q4_0"}); err != nil {
		t.Fatal(err)
	}
	fromGGUF := filepath.Join(dir, "from-gguf-q4.gguf")
	if err := runQuantize(ctx, []string{f32, fromGGUF, "q4_0"}); err != nil {
		t.Fatal(err)
	}
	sameTensors(t, fromHF, fromGGUF)
	for _, m := range []string{q8, hf} {
		out := capture(t, func() error {
			return runBench(ctx, []string{"--model", m, "-p", "4", "-n", "3", "-t", "2", "-r", "3", "--json", "--stream-mb", "16"})
		})
		var r map[string]any
		if err := json.Unmarshal([]byte(out), &r); err != nil {
			t.Fatalf("bench --json printed %q: %v", out, err)
		}
		for _, k := range []string{"pp_tokens_per_s", "tg_tokens_per_s", "peak_rss_bytes", "roofline_tg_tokens_per_s", "weight_bytes_per_token", "pp_tokens_per_s_stddev", "tg_tokens_per_s_stddev"} {
			if v, ok := r[k].(float64); !ok || v <= 0 {
				t.Errorf("%s: bench %s = %v", m, k, r[k])
			}
		}
		if rt, _ := r["core_round_trip_ns"].(float64); rt <= 0 && runtime.NumCPU() > 1 {
			t.Errorf("%s: bench core_round_trip_ns = %v with two threads", m, r["core_round_trip_ns"])
		}
		if r["repetitions"] != 3.0 {
			t.Errorf("%s: bench repetitions = %v, want 3", m, r["repetitions"])
		}
		// The roofline is the mean read; the best read bounds it.
		f := func(k string) float64 { v, _ := r[k].(float64); return v }
		mean, best := f("stream_read_bytes_per_s"), f("stream_read_best_bytes_per_s")
		if mean <= 0 || best < mean {
			t.Errorf("%s: mean streaming read %v, best %v", m, mean, best)
		}
		if got, want := f("roofline_tg_tokens_per_s"), mean/f("weight_bytes_per_token"); math.Abs(got-want) > 1e-9*want {
			t.Errorf("%s: roofline %v tokens/s, want the mean read over the bytes per token, %v", m, got, want)
		}
		if fr, fb := f("tg_fraction_of_roofline"), f("tg_fraction_of_best_roofline"); fb <= 0 || fb > fr || math.Abs(fr-f("tg_tokens_per_s")/f("roofline_tg_tokens_per_s")) > 1e-9*fr {
			t.Errorf("%s: tg fractions of the roofline %v and of the best read %v", m, fr, fb)
		}
	}
	out := capture(t, func() error {
		return runBench(ctx, []string{"--model", q8, "-p", "2", "-n", "2", "-r", "1", "--stream-mb", "16", "--hooks"})
	})
	if !strings.Contains(out, "tg") || !strings.Contains(out, "roofline") || !strings.Contains(out, "hooks true") {
		t.Errorf("bench text output:\n%s", out)
	}
	for _, args := range [][]string{
		{"--shape", "tiny"},
		{"--shape", "nope", "--out", filepath.Join(dir, "x.gguf")},
		{"--shape", "tiny", "--dtype", "q9", "--out", filepath.Join(dir, "x.gguf")},
	} {
		if err := runSynth(ctx, args); err == nil {
			t.Errorf("synth %v succeeded", args)
		}
	}
	if err := runBench(ctx, []string{"-p", "2"}); err == nil {
		t.Error("bench without --model succeeded")
	}
	if err := runBench(ctx, []string{"--model", q8, "-r", "0"}); err == nil {
		t.Error("bench -r 0 succeeded")
	}
}
