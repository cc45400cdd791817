package models

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"strings"
	"time"

	"github.com/torchless-go/torchless/models/tokenizer"
)

// SamplerOptions chooses the next token from logits. The zero value is
// greedy decoding.
type SamplerOptions struct {
	// Temperature divides the logits; 0 means greedy (argmax).
	Temperature float64
	// TopK keeps the K most likely tokens (0: all).
	TopK int
	// TopP keeps the smallest set of tokens whose probability reaches P
	// (0 or 1: all).
	TopP float64
	// MinP drops tokens less likely than MinP × the most likely one (0: none).
	MinP float64
	// RepetitionPenalty divides positive (multiplies negative) logits of
	// tokens already in the sequence, as HF does (0 or 1: none).
	RepetitionPenalty float64
	// Seed makes sampling reproducible.
	Seed uint64
}

// Sampler picks tokens from logits. It keeps its random state between
// calls.
type Sampler struct {
	opts  SamplerOptions
	rng   *rand.Rand
	probs []candidate
}

type candidate struct {
	id int
	p  float64
}

// NewSampler returns a sampler with the given options.
func NewSampler(opts SamplerOptions) *Sampler {
	return &Sampler{opts: opts, rng: rand.New(rand.NewPCG(opts.Seed, opts.Seed^0x9e3779b97f4a7c15))}
}

// Sample returns the next token given the logits and the tokens so far
// (for the repetition penalty). logits is not modified.
func (s *Sampler) Sample(logits []float32, history []int) int {
	o := s.opts
	penalized := func(id int) float64 { return float64(logits[id]) }
	if o.RepetitionPenalty > 0 && o.RepetitionPenalty != 1 {
		seen := make(map[int]bool, len(history))
		for _, id := range history {
			seen[id] = true
		}
		penalized = func(id int) float64 {
			l := float64(logits[id])
			if seen[id] {
				if l > 0 {
					return l / o.RepetitionPenalty
				}
				return l * o.RepetitionPenalty
			}
			return l
		}
	}
	if o.Temperature <= 0 {
		best, bestL := 0, math.Inf(-1)
		for id := range logits {
			if l := penalized(id); l > bestL {
				best, bestL = id, l
			}
		}
		return best
	}
	c := s.probs[:0]
	maxL := math.Inf(-1)
	for id := range logits {
		l := penalized(id) / o.Temperature
		c = append(c, candidate{id, l})
		maxL = math.Max(maxL, l)
	}
	sort.Slice(c, func(i, j int) bool { return c[i].p > c[j].p || c[i].p == c[j].p && c[i].id < c[j].id })
	if o.TopK > 0 && o.TopK < len(c) {
		c = c[:o.TopK]
	}
	var sum float64
	for i := range c {
		c[i].p = math.Exp(c[i].p - maxL)
		sum += c[i].p
	}
	for i := range c {
		c[i].p /= sum
	}
	if o.TopP > 0 && o.TopP < 1 {
		var cum float64
		for i := range c {
			cum += c[i].p
			if cum >= o.TopP {
				c = c[:i+1]
				break
			}
		}
	}
	if o.MinP > 0 {
		floor := o.MinP * c[0].p
		n := 1
		for n < len(c) && c[n].p >= floor {
			n++
		}
		c = c[:n]
	}
	s.probs = c
	sum = 0
	for _, x := range c {
		sum += x.p
	}
	r := s.rng.Float64() * sum
	for _, x := range c {
		if r -= x.p; r < 0 {
			return x.id
		}
	}
	return c[len(c)-1].id
}

// TokenFunc receives each generated token and the text it completes
// (possibly empty while a UTF-8 character is incomplete). Returning an
// error stops generation with it.
type TokenFunc func(id int, text string) error

// GenerateOptions controls Generate.
type GenerateOptions struct {
	// MaxTokens is the most tokens to generate.
	MaxTokens int
	Sampler   SamplerOptions
	// IgnoreEOS keeps generating past end-of-sequence tokens.
	IgnoreEOS bool
	// StopStrings end generation when the generated text contains one
	// (the text is cut before it).
	StopStrings []string
	// OnToken, if set, is called with every generated token.
	OnToken TokenFunc
}

// Generation is the result of Generate.
type Generation struct {
	PromptIDs    []int
	GeneratedIDs []int
	Text         string // the generated text (prompt excluded)
	// StopReason is "eos", "stop string", "length" or "cancelled".
	StopReason string
	PromptTime time.Duration // the batched prompt pass
	GenTime    time.Duration // the single-token steps
}

// PromptTokensPerSecond is the prompt pass's speed.
func (g *Generation) PromptTokensPerSecond() float64 {
	return float64(len(g.PromptIDs)) / g.PromptTime.Seconds()
}

// TokensPerSecond is the generation speed: generated tokens after the
// first (each a single-token step) over the time of those steps.
func (g *Generation) TokensPerSecond() float64 {
	if len(g.GeneratedIDs) <= 1 || g.GenTime <= 0 {
		return 0
	}
	return float64(len(g.GeneratedIDs)-1) / g.GenTime.Seconds()
}

// Generate continues prompt with up to opts.MaxTokens tokens, reusing
// the KV cache: one batched pass over the prompt, then one step per
// token. Hooks installed on s (or a fresh state when s is nil) run at
// every step. ctx is checked between tokens; on cancellation Generate
// returns what it has with ctx's error.
func Generate(ctx context.Context, m Model, s *InferenceState, prompt []int, opts GenerateOptions) (*Generation, error) {
	if len(prompt) == 0 {
		return nil, errors.New("generate: empty prompt")
	}
	if s == nil {
		s = m.NewState()
	}
	g := &Generation{PromptIDs: append([]int(nil), prompt...)}
	var tok *tokenizer.Tokenizer
	if d, ok := m.(*Decoder); ok {
		tok = d.tok
	}
	eos := map[int]bool{}
	if !opts.IgnoreEOS {
		for _, id := range m.Config().EOS {
			eos[id] = true
		}
		if tok != nil {
			for _, id := range tok.EOSIDs() {
				eos[id] = true
			}
		}
	}
	var stream *tokenizer.StreamDecoder
	if tok != nil {
		stream = tok.NewStreamDecoder()
	}
	var text strings.Builder
	sampler := NewSampler(opts.Sampler)
	history := append([]int(nil), prompt...)

	start := time.Now()
	logits, err := m.FastForward(ctx, s, prompt)
	g.PromptTime = time.Since(start)
	if err != nil {
		return g, err
	}
	// Never sample ids the tokenizer cannot decode (embedding matrices
	// are often padded past the vocabulary).
	nv := len(logits)
	if tok != nil && tok.VocabSize() < nv {
		nv = tok.VocabSize()
	}
	g.StopReason = "length"
	var stepStart time.Time
	for n := 0; n < opts.MaxTokens; n++ {
		id := sampler.Sample(logits[:nv], history)
		history = append(history, id)
		g.GeneratedIDs = append(g.GeneratedIDs, id)
		if eos[id] {
			g.StopReason = "eos"
			break
		}
		piece := ""
		if stream != nil {
			piece = stream.Add(id)
			text.WriteString(piece)
		}
		if opts.OnToken != nil {
			if err := opts.OnToken(id, piece); err != nil {
				return g.finish(text.String()+flush(stream), stepStart), err
			}
		}
		if stop := firstStop(text.String(), opts.StopStrings); stop >= 0 {
			g.StopReason = "stop string"
			g.Text = text.String()[:stop]
			g.GenTime = sinceOrZero(stepStart)
			return g, nil
		}
		if n == opts.MaxTokens-1 {
			break
		}
		if err := ctx.Err(); err != nil {
			g.StopReason = "cancelled"
			return g.finish(text.String()+flush(stream), stepStart), err
		}
		if n == 0 {
			stepStart = time.Now()
		}
		if logits, err = m.Forward(ctx, s, id); err != nil {
			if ctx.Err() != nil {
				g.StopReason = "cancelled"
			}
			return g.finish(text.String()+flush(stream), stepStart), err
		}
	}
	return g.finish(text.String()+flush(stream), stepStart), nil
}

// flush returns what a stream decoder still holds back (an incomplete
// UTF-8 sequence at the end, decoded as the tokenizer decodes it).
func flush(s *tokenizer.StreamDecoder) string {
	if s == nil {
		return ""
	}
	return s.Flush()
}

func (g *Generation) finish(text string, stepStart time.Time) *Generation {
	g.Text = text
	g.GenTime = sinceOrZero(stepStart)
	return g
}

func sinceOrZero(t time.Time) time.Duration {
	if t.IsZero() {
		return 0
	}
	return time.Since(t)
}

func firstStop(text string, stops []string) int {
	best := -1
	for _, s := range stops {
		if s == "" {
			continue
		}
		if i := strings.Index(text, s); i >= 0 && (best < 0 || i < best) {
			best = i
		}
	}
	return best
}

// String summarises the generation.
func (g *Generation) String() string {
	return fmt.Sprintf("%d prompt + %d generated tokens (%s): %q", len(g.PromptIDs), len(g.GeneratedIDs), g.StopReason, g.Text)
}
