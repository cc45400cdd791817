package models

import (
	"fmt"
	"io/fs"

	"github.com/torchless-go/torchless/models/tokenizer"
)

// loadTokenizer finds the tokenizer that came with the model's files.
// A model without one still runs on token ids.
func (s *Source) loadTokenizer() (*tokenizer.Tokenizer, error) {
	switch {
	case s.embedded:
		files := EmbeddedFiles()
		tj, err := fs.ReadFile(files, "tokenizer.json")
		if err != nil {
			return nil, err
		}
		cfg, _ := fs.ReadFile(files, "tokenizer_config.json")
		return tokenizer.ParseTokenizerJSON(tj, cfg)
	case s.Format == FormatGGUF:
		return tokenizer.FromGGUF(s.gguf)
	case s.Format == FormatSafetensors:
		return nil, fmt.Errorf("%s: a lone safetensors file has no tokenizer", s.Path)
	}
	return tokenizer.Load(s.Path)
}

// Tokenizer returns the model's tokenizer, or nil and the reason there
// is none.
func (d *Decoder) Tokenizer() (*tokenizer.Tokenizer, error) {
	if d.tok == nil {
		return nil, fmt.Errorf("%w: %v", ErrNoTokenizer, d.tokErr)
	}
	return d.tok, nil
}

// Encode turns text into token ids as the model's tokenizer does by
// default: special-token text is parsed, and BOS/EOS are added as its
// config says.
func (d *Decoder) Encode(text string) ([]int, error) {
	t, err := d.Tokenizer()
	if err != nil {
		return nil, err
	}
	return t.Encode(text, tokenizer.EncodeOptions{AddSpecial: true, ParseSpecial: true})
}

// Decode turns token ids into text, special tokens included.
func (d *Decoder) Decode(ids []int) (string, error) {
	t, err := d.Tokenizer()
	if err != nil {
		return "", err
	}
	return t.Decode(ids, tokenizer.DecodeOptions{})
}
