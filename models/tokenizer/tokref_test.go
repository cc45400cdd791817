package tokenizer

import (
	"testing"

	"github.com/torchless-go/torchless/internal/testenv"
)

var tokrefNames = []string{"llama3", "qwen3", "gemma3", "llama2", "llama-spm"}

// compareVectors encodes every string of inp and compares with out.
func compareVectors(t *testing.T, tk *Tokenizer, inp, out string, parseSpecial bool) {
	t.Helper()
	strs := readInp(t, inp)
	want := readOut(t, out)
	if len(strs) != len(want) {
		t.Fatalf("%s: %d strings, %s: %d lines", inp, len(strs), out, len(want))
	}
	bad := 0
	for i, s := range strs {
		got, err := tk.Encode(s, EncodeOptions{ParseSpecial: parseSpecial})
		if err != nil {
			t.Errorf("%s[%d] %q: %v", out, i, s, err)
			continue
		}
		if !equalIDs(got, want[i]) {
			bad++
			if bad <= 5 {
				t.Errorf("%s[%d] %q:\n got %v\nwant %v", out, i, trunc(s), got, want[i])
			}
		}
	}
	if bad > 0 {
		t.Errorf("%s: %d/%d strings differ", out, bad, len(strs))
	}
}

func trunc(s string) string {
	if len(s) > 80 {
		return s[:80] + "..."
	}
	return s
}

func TestTokrefIDs(t *testing.T) {
	for _, name := range tokrefNames {
		t.Run(name, func(t *testing.T) {
			tk := tokrefTokenizer(t, name)
			dir := testenv.Shared(t, "tokref", "visible")
			compareVectors(t, tk, dir+"/"+name+".inp", dir+"/"+name+".out", true)
			compareVectors(t, tk, dir+"/"+name+".inp", dir+"/"+name+".split_special.out", false)
		})
	}
}

type decodeCase struct {
	Index              int      `json:"index"`
	Input              string   `json:"input"`
	IDs                []int    `json:"ids"`
	Tokens             []string `json:"tokens"`
	Decoded            string   `json:"decoded"`
	RoundtripExact     bool     `json:"roundtrip_exact"`
	DecodedDefault     string   `json:"decoded_default"`
	DecodedSkipSpecial string   `json:"decoded_skip_special"`
}

func TestTokrefDecode(t *testing.T) {
	for _, name := range tokrefNames {
		t.Run(name, func(t *testing.T) {
			tk := tokrefTokenizer(t, name)
			var d struct {
				Cases []decodeCase `json:"cases"`
			}
			readJSON(t, testenv.Shared(t, "tokref", "visible", name+".decode.json"), &d)
			if len(d.Cases) == 0 {
				t.Fatal("no cases")
			}
			bad := 0
			for _, c := range d.Cases {
				check := func(what, want string, opts DecodeOptions) {
					got, err := tk.Decode(c.IDs, opts)
					if err != nil {
						t.Errorf("case %d %s: %v", c.Index, what, err)
						return
					}
					if got != want {
						bad++
						if bad <= 6 {
							t.Errorf("case %d %s:\n got %q\nwant %q", c.Index, what, trunc(got), trunc(want))
						}
					}
				}
				check("raw", c.Decoded, DecodeOptions{})
				check("default", c.DecodedDefault, DecodeOptions{CleanUp: tk.CleanUpDefault()})
				check("skip_special", c.DecodedSkipSpecial, DecodeOptions{SkipSpecial: true})
				for i, id := range c.IDs {
					if i < len(c.Tokens) && tk.Token(id) != c.Tokens[i] {
						t.Errorf("case %d: Token(%d) = %q, want %q", c.Index, id, tk.Token(id), c.Tokens[i])
					}
				}
				// streaming gives the same text as a whole decode
				sd := tk.NewStreamDecoder()
				var s string
				for _, id := range c.IDs {
					s += sd.Add(id)
				}
				s += sd.Flush()
				if s != c.Decoded {
					t.Errorf("case %d stream:\n got %q\nwant %q", c.Index, trunc(s), trunc(c.Decoded))
				}
			}
		})
	}
}

func TestTokrefSpecial(t *testing.T) {
	for _, name := range tokrefNames {
		t.Run(name, func(t *testing.T) {
			tk := tokrefTokenizer(t, name)
			var s struct {
				IDs struct {
					BOS *int `json:"bos_id"`
					EOS *int `json:"eos_id"`
					PAD *int `json:"pad_id"`
					UNK *int `json:"unk_id"`
				} `json:"ids"`
				Cases []struct {
					Input   string `json:"input"`
					WithSp  []int  `json:"ids_add_special_true"`
					Without []int  `json:"ids_add_special_false"`
				} `json:"cases"`
			}
			readJSON(t, testenv.Shared(t, "tokref", "visible", name+".special.json"), &s)
			idOr := func(p *int) int {
				if p == nil {
					return -1
				}
				return *p
			}
			if got, want := tk.BOS(), idOr(s.IDs.BOS); got != want {
				t.Errorf("BOS = %d, want %d", got, want)
			}
			if got, want := tk.EOS(), idOr(s.IDs.EOS); got != want {
				t.Errorf("EOS = %d, want %d", got, want)
			}
			if got, want := tk.PAD(), idOr(s.IDs.PAD); got != want {
				t.Errorf("PAD = %d, want %d", got, want)
			}
			if got, want := tk.UNK(), idOr(s.IDs.UNK); got != want {
				t.Errorf("UNK = %d, want %d", got, want)
			}
			for _, c := range s.Cases {
				for _, add := range []bool{true, false} {
					want := c.Without
					if add {
						want = c.WithSp
					}
					got, err := tk.Encode(c.Input, EncodeOptions{AddSpecial: add, ParseSpecial: true})
					if err != nil {
						t.Fatal(err)
					}
					if !equalIDs(got, want) {
						t.Errorf("%q add_special=%v:\n got %v\nwant %v", c.Input, add, got, want)
					}
				}
			}
		})
	}
}
