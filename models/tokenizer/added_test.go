package tokenizer

import "testing"

const addedJSON = `{
 "model": {"type": "BPE", "unk_token": "?", "vocab": {"a": 0, "b": 1, " ": 2, "x": 3, "<L>": 4, "<R>": 5, "<W>": 6, "<s>": 7, "ab": 8, "?": 9, "</s>": 10},
  "merges": ["a b"]},
 "normalizer": {"type": "Lowercase"},
 "added_tokens": [
  {"id": 4, "content": "<L>", "special": true, "lstrip": true},
  {"id": 5, "content": "<R>", "special": false, "rstrip": true},
  {"id": 6, "content": "<W>", "special": false, "single_word": true},
  {"id": 3, "content": "X", "special": false, "normalized": true},
  {"id": 7, "content": "<s>", "special": true},
  {"id": 10, "content": "</s>", "special": true}],
 "post_processor": {"type": "RobertaProcessing", "cls": ["<s>", 7], "sep": ["</s>", 10]}}`

// Added tokens follow HF's lstrip, rstrip, single_word and normalized
// rules; special ones are matched only with ParseSpecial.
func TestAddedTokenRules(t *testing.T) {
	tk, err := ParseTokenizerJSON([]byte(addedJSON), nil)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		in    string
		parse bool
		want  []int
	}{
		{"ab", true, []int{8}},
		{"a <L>b", true, []int{0, 4, 1}},           // lstrip takes the space
		{"a <L>b", false, []int{0, 2, 9, 9, 9, 1}}, // special not matched: "<", "l", ">" unknown (fused? no: fuse_unk false)
		{"a<R>  b", false, []int{0, 5, 1}},         // rstrip takes both spaces; non-special matches either way
		{"a<W>b", true, []int{0, 9, 9, 9, 1}},      // not a single word: plain text
		{"a <W> b", true, []int{0, 2, 6, 2, 1}},    // a single word
		{"<W>", true, []int{6}},
		{"aXa", true, []int{0, 3, 0}}, // normalized token matched after lowercasing
		{"axa", true, []int{0, 3, 0}},
	}
	for _, c := range cases {
		got, err := tk.Encode(c.in, EncodeOptions{ParseSpecial: c.parse})
		if err != nil {
			t.Fatal(err)
		}
		if !equalIDs(got, c.want) {
			t.Errorf("Encode(%q, parse=%v) = %v, want %v", c.in, c.parse, got, c.want)
		}
	}
	got, _ := tk.Encode("ab", EncodeOptions{AddSpecial: true})
	if !equalIDs(got, []int{7, 8, 10}) || tk.BOS() != -1 || !equalIDs(tk.SpecialPrefix(), []int{7}) || !equalIDs(tk.SpecialSuffix(), []int{10}) {
		t.Errorf("RobertaProcessing: %v prefix %v suffix %v", got, tk.SpecialPrefix(), tk.SpecialSuffix())
	}
	// no decoder: tokens joined with spaces, as HF does
	if s, _ := tk.Decode([]int{7, 8, 10}, DecodeOptions{}); s != "<s> ab </s>" {
		t.Errorf("decode %q", s)
	}
	if s, _ := tk.Decode([]int{7, 8, 10}, DecodeOptions{SkipSpecial: true}); s != "ab" {
		t.Errorf("decode skip %q", s)
	}
}

const metaspaceJSON = `{
 "model": {"type": "BPE", "vocab": {"▁": 0, "h": 1, "i": 2, "▁h": 3, "<s>": 4, "▁hi": 5, "hi": 6}, "merges": ["▁ h", "▁h i", "h i"]},
 "added_tokens": [{"id": 4, "content": "<s>", "special": true}],
 "pre_tokenizer": {"type": "Metaspace", "replacement": "▁", "prepend_scheme": "first", "split": %s},
 "decoder": {"type": "Metaspace", "replacement": "▁", "prepend_scheme": "first", "split": false}}`

// Metaspace with prepend_scheme "first" (Llama tokenizers with
// legacy=false): only the text at the start of the input gets "▁", and
// not when it already starts with a space.
func TestMetaspaceFirst(t *testing.T) {
	for _, split := range []string{"false", "true"} {
		tk, err := ParseTokenizerJSON([]byte(sprintf(metaspaceJSON, split)), nil)
		if err != nil {
			t.Fatal(err)
		}
		for in, want := range map[string][]int{"hi": {5}, "<s>hi": {4, 6}, "hi hi": {5, 5}, " hi": {5}} {
			got, _ := tk.Encode(in, EncodeOptions{ParseSpecial: true})
			if !equalIDs(got, want) {
				t.Errorf("split=%s Encode(%q) = %v, want %v", split, in, got, want)
			}
		}
		for want, ids := range map[string][]int{"hi hi": {5, 5}, "<s>hi": {4, 6}, " hi": {0, 5}} {
			if s, _ := tk.Decode(ids, DecodeOptions{}); s != want {
				t.Errorf("Decode(%v) = %q, want %q", ids, s, want)
			}
		}
	}
}
