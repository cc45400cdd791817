package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/torchless-go/torchless/models"
	"github.com/torchless-go/torchless/models/tokenizer"
)

func init() {
	register("run", "generate text from a prompt", runRun)
}

func runRun(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	var mf modelFlags
	mf.register(fs)
	prompt := fs.String("prompt", "Once upon a time", "prompt `TEXT`")
	n := fs.Int("n", 32, "tokens to generate")
	var so models.SamplerOptions
	fs.Float64Var(&so.Temperature, "temp", 0, "temperature (0: greedy)")
	fs.IntVar(&so.TopK, "top-k", 0, "keep the K most likely tokens (0: all)")
	fs.Float64Var(&so.TopP, "top-p", 0, "nucleus sampling threshold (0: off)")
	fs.Float64Var(&so.MinP, "min-p", 0, "drop tokens below this fraction of the best one's probability")
	fs.Float64Var(&so.RepetitionPenalty, "repeat-penalty", 1, "repetition penalty (1: off)")
	fs.Uint64Var(&so.Seed, "seed", 0, "random seed")
	ignoreEOS := fs.Bool("ignore-eos", false, "keep generating past end-of-sequence tokens")
	asJSON := fs.Bool("json", false, "print one JSON object instead of streaming text")
	chat := fs.Bool("chat", false, "wrap the prompt as a user turn in the model's chat format")
	chatFormat := fs.String("chat-format", "", "chat `FORMAT` to use instead of the detected one (llama2, llama3, mistral, chatml, gemma, phi3)")
	system := fs.String("system", "", "system message for --chat")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if mf.path == "" {
		mf.path = models.EmbeddedName
	}
	m, err := mf.load()
	if err != nil {
		return err
	}
	defer m.Close()
	var ids []int
	if *chat || *chatFormat != "" {
		ids, err = chatPrompt(m, *prompt, *system, *chatFormat)
	} else {
		ids, err = m.Encode(*prompt)
	}
	if err != nil {
		return err
	}
	opts := models.GenerateOptions{MaxTokens: *n, Sampler: so, IgnoreEOS: *ignoreEOS}
	var streamed strings.Builder
	if !*asJSON {
		fmt.Print(*prompt)
		opts.OnToken = func(id int, text string) error {
			streamed.WriteString(text)
			fmt.Print(text)
			return nil
		}
	}
	gen, err := models.Generate(ctx, m, nil, ids, opts)
	if err != nil && gen == nil {
		return err
	}
	if *asJSON {
		out := map[string]any{
			"prompt_ids": gen.PromptIDs, "generated_ids": gen.GeneratedIDs, "text": gen.Text,
			"stop_reason": gen.StopReason, "prompt_seconds": gen.PromptTime.Seconds(),
			"generation_seconds": gen.GenTime.Seconds(), "prompt_tokens_per_s": gen.PromptTokensPerSecond(),
			"tokens_per_s": gen.TokensPerSecond(),
		}
		if e := json.NewEncoder(os.Stdout).Encode(out); e != nil {
			return e
		}
	} else {
		// Bytes held back while they did not yet form a character.
		if rest, ok := strings.CutPrefix(gen.Text, streamed.String()); ok {
			fmt.Print(rest)
		}
		fmt.Printf("\n\n[%d prompt tokens at %.1f t/s, %d generated at %.1f t/s, stop: %s]\n",
			len(gen.PromptIDs), gen.PromptTokensPerSecond(), len(gen.GeneratedIDs), gen.TokensPerSecond(), gen.StopReason)
	}
	return err
}

// chatPrompt encodes prompt as a user turn in the model's chat format.
func chatPrompt(m models.Model, prompt, system, format string) ([]int, error) {
	d, ok := m.(*models.Decoder)
	if !ok {
		return nil, fmt.Errorf("--chat needs a decoder model")
	}
	tok, err := d.Tokenizer()
	if err != nil {
		return nil, err
	}
	f := tok.ChatFormat()
	if format != "" {
		if f, err = tokenizer.ParseChatFormat(format); err != nil {
			return nil, err
		}
	}
	if f == tokenizer.ChatNone {
		return nil, fmt.Errorf("the model's tokenizer has no chat format (a base model?); pass --chat-format")
	}
	var msgs []tokenizer.Message
	if system != "" {
		msgs = append(msgs, tokenizer.Message{Role: "system", Content: system})
	}
	msgs = append(msgs, tokenizer.Message{Role: "user", Content: prompt})
	text, err := tok.FormatChat(f, msgs, true)
	if err != nil {
		return nil, err
	}
	return tok.Encode(text, tokenizer.EncodeOptions{ParseSpecial: true})
}
