package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/torchless-go/torchless/models/tokenizer"
)

func init() {
	register("tokenize", "turn text into token ids (or ids into text) with a model's tokenizer", runTokenize)
}

func runTokenize(ctx context.Context, args []string) error {
	return tokenizeMain(ctx, args, os.Stdin, os.Stdout)
}

// tokenizeMain is the tokenize command with its streams as parameters.
func tokenizeMain(ctx context.Context, args []string, stdin io.Reader, stdout io.Writer) error {
	fs := flag.NewFlagSet("tokenize", flag.ContinueOnError)
	model := fs.String("model", "", "model `PATH`: a model directory, GGUF file (model or vocab-only), model.bin, or tokenizer.json / tokenizer.model / qwen.tiktoken")
	text := fs.String("text", "", "text to encode (default: all of stdin, bytes as read)")
	decode := fs.String("decode", "", "comma-separated `ids` to decode instead")
	parseSpecial := fs.Bool("parse-special", true, "match special-token text in the input (\"<s>\", \"<|im_start|>\") as special tokens, as Hugging Face does")
	addSpecial := fs.Bool("add-special", false, "add BOS/EOS as the tokenizer's config says")
	inp := fs.String("inp", "", "llama.cpp test `FILE`: tokenize every string (separated by \"\\n__ggml_vocab_test__\\n\") and print one .out line per string")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: torchless tokenize --model PATH [--text T | --decode 1,2,3 | --inp FILE] [--parse-special=true|false] [--add-special]")
		fmt.Fprintln(fs.Output(), "\nEncoding prints the ids on one line, separated by spaces; decoding prints the text.")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		fs.Usage()
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if *model == "" {
		fs.Usage()
		return fmt.Errorf("--model is required")
	}
	textSet := false
	fs.Visit(func(f *flag.Flag) {
		if f.Name == "text" {
			textSet = true
		}
	})
	modes := 0
	for _, set := range []bool{textSet, *decode != "", *inp != ""} {
		if set {
			modes++
		}
	}
	if modes > 1 {
		return fmt.Errorf("give only one of --text, --decode and --inp")
	}
	tk, err := tokenizer.Load(*model)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(stdout)
	defer w.Flush()
	opts := tokenizer.EncodeOptions{AddSpecial: *addSpecial, ParseSpecial: *parseSpecial}

	switch {
	case *decode != "":
		var ids []int
		for _, f := range strings.FieldsFunc(*decode, func(r rune) bool { return r == ',' || r == ' ' }) {
			id, err := strconv.Atoi(f)
			if err != nil {
				return fmt.Errorf("--decode: %q is not an id", f)
			}
			ids = append(ids, id)
		}
		s, err := tk.Decode(ids, tokenizer.DecodeOptions{})
		if err != nil {
			return err
		}
		fmt.Fprintln(w, s)
	case *inp != "":
		data, err := os.ReadFile(*inp)
		if err != nil {
			return err
		}
		parts := strings.Split(string(data), "\n__ggml_vocab_test__\n")
		if n := len(parts); n > 0 && parts[n-1] == "" {
			parts = parts[:n-1]
		}
		for i, s := range parts {
			if err := ctx.Err(); err != nil {
				return err
			}
			ids, err := tk.Encode(s, opts)
			if err != nil {
				return fmt.Errorf("%s: string %d: %w", *inp, i, err)
			}
			var sb strings.Builder
			for _, id := range ids {
				sb.WriteByte(' ')
				sb.WriteString(strconv.Itoa(id))
			}
			fmt.Fprintln(w, sb.String())
		}
	default:
		s := *text
		if !textSet {
			b, err := io.ReadAll(stdin)
			if err != nil {
				return err
			}
			s = string(b)
		}
		ids, err := tk.Encode(s, opts)
		if err != nil {
			return err
		}
		strs := make([]string, len(ids))
		for i, id := range ids {
			strs[i] = strconv.Itoa(id)
		}
		fmt.Fprintln(w, strings.Join(strs, " "))
	}
	return w.Flush()
}
