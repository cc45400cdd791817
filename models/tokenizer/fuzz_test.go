package tokenizer

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/torchless-go/torchless/internal/testenv"
)

var fuzzSeeds = []string{
	"", " ", "  ", "Hello world", " Hello", "\n\n", "\t\ta", "<s>x</s>", "<|endoftext|>", "<|im_start|>user",
	"ied 4 ½ months", "Führer", "🦙🦙 llama", "日本語", "a\u0301", "\u00a0\u2028\u0085", "\r\n", "'s 've 're",
	"123456789", "\x00", "\uFFFD", "<0x41>", "▁▁x", "ĠHello", "\xff", "a\xc3",
}

// FuzzEncodeDecode: valid text (without "▁") round-trips exactly through Encode (special
// text not parsed) and Decode for SentencePiece-style and byte-level
// tokenizers; streaming gives the whole decode; invalid UTF-8 is an error.
func FuzzEncodeDecode(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	var toks []*Tokenizer
	for _, v := range []string{"llama2", "qwen2", "gemma", "phi2"} {
		toks = append(toks, loadOnce(f, testenv.Shared(f, "fixtures", v, "hf")))
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, tk := range toks {
			ids, err := tk.Encode(s, EncodeOptions{ParseSpecial: false})
			if !utf8.ValidString(s) {
				if err == nil {
					t.Fatalf("Encode(%q): no error for invalid UTF-8", s)
				}
				continue
			}
			if err != nil {
				t.Fatal(err)
			}
			got, err := tk.Decode(ids, DecodeOptions{})
			if err != nil {
				t.Fatal(err)
			}
			// "▁" itself decodes as a space in SentencePiece-style tokenizers
			if got != s && !strings.Contains(s, "\u2581") {
				t.Fatalf("%s: round trip %q -> %v -> %q", tk.Source(), s, ids, got)
			}
			sd := tk.NewStreamDecoder()
			var sb strings.Builder
			for _, id := range ids {
				sb.WriteString(sd.Add(id))
			}
			sb.WriteString(sd.Flush())
			if sb.String() != got {
				t.Fatalf("stream %q, whole %q", sb.String(), got)
			}
			if _, err := tk.Encode(s, EncodeOptions{AddSpecial: true, ParseSpecial: true}); err != nil {
				t.Fatal(err)
			}
		}
	})
}

// FuzzSentencePieceModel: arbitrary bytes never panic the tokenizer.model
// parser; whatever parses can encode and decode.
func FuzzSentencePieceModel(f *testing.F) {
	f.Add(writeSentencePiece([]string{"<unk>", "<s>", "</s>", "<0x41>", "▁", "a", "▁a"}, []float32{0, 0, 0, 0, -1, -2, -3}, []int32{2, 3, 3, 6, 1, 1, 1}, true))
	f.Add(writeSentencePiece([]string{"a", "b", "ab"}, []float32{-1, -2, -0.5}, []int32{1, 1, 4}, false))
	f.Add([]byte{0x0a, 0x00})
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		tk, err := ParseSentencePiece(data, nil)
		if err != nil {
			return
		}
		exercise(t, tk)
	})
}

// FuzzTokenizerJSON: arbitrary tokenizer.json bytes never panic the
// loader; whatever loads can encode and decode.
func FuzzTokenizerJSON(f *testing.F) {
	f.Add([]byte(tinyJSON))
	f.Add([]byte(`{"model": {"type": "BPE", "vocab": {"a": 0, "b": 1, "ab": 2}, "merges": [["a", "b"]], "byte_fallback": true, "ignore_merges": true},
		"normalizer": {"type": "Sequence", "normalizers": [{"type": "Prepend", "prepend": "▁"}, {"type": "Replace", "pattern": {"String": " "}, "content": "▁"}, {"type": "NFKC"}]},
		"pre_tokenizer": {"type": "Sequence", "pretokenizers": [{"type": "Metaspace", "prepend_scheme": "first"}, {"type": "Digits", "individual_digits": true}, {"type": "Split", "pattern": {"String": "b"}, "behavior": "MergedWithNext", "invert": true}]},
		"decoder": {"type": "Sequence", "decoders": [{"type": "Replace", "pattern": {"String": "▁"}, "content": " "}, {"type": "ByteFallback"}, {"type": "Fuse"}, {"type": "Strip", "content": " ", "start": 1, "stop": 1}, {"type": "Metaspace"}]},
		"post_processor": {"type": "RobertaProcessing", "cls": ["a", 0], "sep": ["b", 1]},
		"added_tokens": [{"id": 2, "content": "ab", "special": false, "lstrip": true, "rstrip": true, "single_word": true, "normalized": true}]}`))
	for _, v := range []string{"llama2", "qwen2"} {
		if b, err := os.ReadFile(filepath.Join(testenv.Shared(f, "fixtures", v, "hf"), "tokenizer.json")); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		tk, err := ParseTokenizerJSON(data, nil)
		if err != nil {
			return
		}
		exercise(t, tk)
	})
}

// exercise calls every accessor and encodes/decodes a few strings.
func exercise(t *testing.T, tk *Tokenizer) {
	n := tk.VocabSize()
	for id := -1; id <= n && id < 300; id++ {
		s := tk.Token(id)
		tk.IsSpecial(id)
		if id >= 0 && id < n && s != "" {
			if _, ok := tk.ID(s); !ok {
				t.Fatalf("Token(%d) = %q not found by ID", id, s)
			}
		}
	}
	tk.BOS()
	tk.EOS()
	tk.EOSIDs()
	tk.SpecialTokens()
	tk.ChatFormat()
	for _, s := range fuzzSeeds[:12] {
		for _, o := range []EncodeOptions{{}, {AddSpecial: true, ParseSpecial: true}} {
			ids, err := tk.Encode(s, o)
			if err != nil {
				t.Fatal(err)
			}
			for _, id := range ids {
				if id < 0 || id >= n {
					t.Fatalf("Encode(%q) gave id %d outside [0,%d)", s, id, n)
				}
			}
			if _, err := tk.Decode(ids, DecodeOptions{SkipSpecial: true, CleanUp: true}); err != nil {
				t.Fatal(err)
			}
			sd := tk.NewStreamDecoder()
			for _, id := range ids {
				sd.Add(id)
			}
			sd.Flush()
		}
	}
}
