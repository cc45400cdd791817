package models_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/torchless-go/torchless/internal/testenv"
	"github.com/torchless-go/torchless/models"
)

// benchDecode measures single-token steps (generation speed) after a
// 16-token prompt; b.N steps, cache reset every 256 tokens.
func benchDecode(b *testing.B, m models.Model, hooks *models.Hooks) {
	ctx := context.Background()
	s := m.NewState()
	s.SetHooks(hooks)
	prompt := []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if s.Pos() == 0 || s.Pos() >= 256 {
			b.StopTimer()
			s.Reset()
			if _, err := m.FastForward(ctx, s, prompt); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
		}
		if _, err := m.Forward(ctx, s, 5); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "tok/s")
}

func BenchmarkDecodeStories260K(b *testing.B) {
	m, err := models.LoadAuto(filepath.Join(testenv.Shared(b, "models", "stories260K"), "model.gguf"), models.LoadOptions{})
	if err != nil {
		b.Fatal(err)
	}
	b.Run("nil-hooks", func(b *testing.B) { benchDecode(b, m, nil) })
	b.Run("empty-hooks", func(b *testing.B) { benchDecode(b, m, models.NewHooks(m.Config().Layers)) })
}

func BenchmarkDecodeFixtureQuants(b *testing.B) {
	for _, typ := range []string{"model", "model-q8_0", "model-q4_0"} {
		m, err := models.LoadAuto(filepath.Join(testenv.Shared(b, "fixtures", "quants"), typ+".gguf"), models.LoadOptions{})
		if err != nil {
			b.Fatal(err)
		}
		b.Run(typ, func(b *testing.B) { benchDecode(b, m, nil) })
	}
}

func BenchmarkPromptStories260K(b *testing.B) {
	m, err := models.LoadAuto(filepath.Join(testenv.Shared(b, "models", "stories260K"), "model.gguf"), models.LoadOptions{})
	if err != nil {
		b.Fatal(err)
	}
	prompt := make([]int, 64)
	for i := range prompt {
		prompt[i] = i + 1
	}
	ctx := context.Background()
	s := m.NewState()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		s.Reset()
		if _, err := m.FastForward(ctx, s, prompt); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*len(prompt))/b.Elapsed().Seconds(), "tok/s")
}

// BenchmarkPromptHooks compares, in one run, a 64-token prompt pass with
// no hook table, with an empty table (the "no hooks registered"),
// and with every hook point captured (copying each activation).
func BenchmarkPromptHooks(b *testing.B) {
	m, err := models.LoadAuto(filepath.Join(testenv.Shared(b, "models", "stories260K"), "model.gguf"), models.LoadOptions{})
	if err != nil {
		b.Fatal(err)
	}
	prompt := make([]int, 64)
	for i := range prompt {
		prompt[i] = i + 1
	}
	capture := models.NewHooks(m.Config().Layers)
	var kept int
	for _, n := range m.HookNames() {
		capture.Add(n, func(a *models.Activation) error {
			kept += len(append([]float32(nil), a.Data...))
			return nil
		})
	}
	ctx := context.Background()
	for _, c := range []struct {
		name  string
		hooks *models.Hooks
	}{{"nil", nil}, {"empty", models.NewHooks(m.Config().Layers)}, {"capture-all", capture}} {
		b.Run(c.name, func(b *testing.B) {
			s := m.NewState()
			s.SetHooks(c.hooks)
			for i := 0; i < b.N; i++ {
				s.Reset()
				if _, err := m.ForwardBatch(ctx, s, prompt); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
