package tokenizer

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
)

// hfConfig is the part of tokenizer_config.json this package reads.
type hfConfig struct {
	BOS, EOS, UNK, PAD string
	AddBOS, AddEOS     *bool
	Legacy             *bool
	CleanUp            bool
	ChatTemplate       string
	AddedTokens        []*addedToken // added_tokens_decoder
}

// parseConfig reads tokenizer_config.json. Token fields may be strings or
// AddedToken objects ({"content": ...}); chat_template may be a string or
// a list of {name, template} (the "default" one is kept).
func parseConfig(data []byte) (*hfConfig, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("tokenizer_config.json: %w", err)
	}
	c := &hfConfig{}
	tok := func(k string) string {
		v, ok := raw[k]
		if !ok {
			return ""
		}
		var s string
		if json.Unmarshal(v, &s) == nil {
			return s
		}
		var o struct{ Content string }
		if json.Unmarshal(v, &o) == nil {
			return o.Content
		}
		return ""
	}
	c.BOS, c.EOS, c.UNK, c.PAD = tok("bos_token"), tok("eos_token"), tok("unk_token"), tok("pad_token")
	boolean := func(k string) *bool {
		var b bool
		if v, ok := raw[k]; ok && json.Unmarshal(v, &b) == nil {
			return &b
		}
		return nil
	}
	c.AddBOS, c.AddEOS = boolean("add_bos_token"), boolean("add_eos_token")
	c.Legacy = boolean("legacy")
	if b := boolean("clean_up_tokenization_spaces"); b != nil {
		c.CleanUp = *b
	}
	if v, ok := raw["chat_template"]; ok {
		var s string
		if json.Unmarshal(v, &s) == nil {
			c.ChatTemplate = s
		} else {
			var l []struct{ Name, Template string }
			if json.Unmarshal(v, &l) == nil {
				for _, x := range l {
					if x.Name == "default" || c.ChatTemplate == "" {
						c.ChatTemplate = x.Template
					}
				}
			}
		}
	}
	if v, ok := raw["added_tokens_decoder"]; ok {
		var m map[string]hfAddedToken
		if err := json.Unmarshal(v, &m); err != nil {
			return nil, fmt.Errorf("tokenizer_config.json: added_tokens_decoder: %w", err)
		}
		for k, a := range m {
			id, err := strconv.Atoi(k)
			if err != nil || id < 0 {
				return nil, fmt.Errorf("tokenizer_config.json: added_tokens_decoder: bad id %q", k)
			}
			c.AddedTokens = append(c.AddedTokens, &addedToken{id: id, content: a.Content, special: a.Special,
				lstrip: a.Lstrip, rstrip: a.Rstrip, singleWord: a.SingleWord, normalized: a.Normalized})
		}
		sort.Slice(c.AddedTokens, func(i, j int) bool { return c.AddedTokens[i].id < c.AddedTokens[j].id })
	}
	return c, nil
}

// maxVocab bounds ids read from files (no real vocabulary comes close).
const maxVocab = 1 << 24

// assemble builds the id table, the special flags and the added-token
// tries from the model vocabulary and the added tokens.
func (t *Tokenizer) assemble(added []*addedToken) error {
	n := 0
	for tok, id := range t.model.vocab {
		if id < 0 || id >= maxVocab {
			return fmt.Errorf("vocab: token %q has id %d out of range", tok, id)
		}
		n = max(n, id+1)
	}
	for _, a := range added {
		if a.id < 0 || a.id >= maxVocab {
			return fmt.Errorf("added token %q has id %d out of range", a.content, a.id)
		}
		n = max(n, a.id+1)
	}
	if lim := 2*(len(t.model.vocab)+len(added)) + 256; n > lim {
		return fmt.Errorf("ids too sparse: largest id %d for %d tokens", n-1, len(t.model.vocab)+len(added))
	}
	t.vocab = make([]string, n)
	t.special = make([]bool, n)
	for tok, id := range t.model.vocab {
		t.vocab[id] = tok
	}
	t.ids = nil
	for _, a := range added {
		t.vocab[a.id] = a.content
		t.special[a.id] = a.special
		if id, ok := t.model.vocab[a.content]; !ok || id != a.id {
			if t.ids == nil {
				t.ids = map[string]int{}
			}
			t.ids[a.content] = a.id
		}
	}
	t.added = added
	t.buildTries()
	t.bos, t.eos, t.unk, t.pad = -1, -1, t.model.unk, -1
	return nil
}

func (t *Tokenizer) buildTries() {
	all := func(*addedToken) bool { return true }
	plain := func(a *addedToken) bool { return !a.special }
	var raw, nrm []*addedToken
	for _, a := range t.added {
		if a.normalized {
			nrm = append(nrm, a)
		} else {
			raw = append(raw, a)
		}
	}
	content := func(a *addedToken) string { return a.content }
	normed := func(a *addedToken) string {
		if t.norm == nil {
			return a.content
		}
		return t.norm.normalize(a.content)
	}
	t.rawAll, t.rawPlain = newTrie(raw, all, content), newTrie(raw, plain, content)
	t.normAll, t.normPlain = newTrie(nrm, all, normed), newTrie(nrm, plain, normed)
}

// applyConfig takes BOS/EOS/UNK/PAD, clean-up and the chat template from
// the config; when useAddFlags (no post-processor said otherwise), its
// add_bos_token/add_eos_token decide the special prefix/suffix.
func (t *Tokenizer) applyConfig(c *hfConfig, useAddFlags bool) {
	if c != nil {
		look := func(s string, cur int) int {
			if s == "" {
				return cur
			}
			if id, ok := t.ID(s); ok {
				return id
			}
			return cur
		}
		t.bos, t.eos = look(c.BOS, t.bos), look(c.EOS, t.eos)
		t.unk, t.pad = look(c.UNK, t.unk), look(c.PAD, t.pad)
		t.cleanUp = c.CleanUp
		if c.ChatTemplate != "" {
			t.chatTemplate = c.ChatTemplate
		}
		if useAddFlags {
			if c.AddBOS != nil {
				t.addBOS = *c.AddBOS
			}
			if c.AddEOS != nil {
				t.addEOS = *c.AddEOS
			}
		}
	}
	if useAddFlags {
		t.prefix, t.suffix = nil, nil
		if t.addBOS && t.bos >= 0 {
			t.prefix = []int{t.bos}
		}
		if t.addEOS && t.eos >= 0 {
			t.suffix = []int{t.eos}
		}
	}
	t.addBOS = t.bos >= 0 && contains(t.prefix, t.bos)
	t.addEOS = t.eos >= 0 && contains(t.suffix, t.eos)
	t.collectEOS(nil)
}

// collectEOS gathers EOS and the end-of-turn tokens of the known chat
// formats (plus extra ids, e.g. GGUF eot/eom ids).
func (t *Tokenizer) collectEOS(extra []int) {
	t.eosIDs = nil
	add := func(id int) {
		if id >= 0 && id < len(t.vocab) && !contains(t.eosIDs, id) {
			t.eosIDs = append(t.eosIDs, id)
		}
	}
	add(t.eos)
	for _, id := range extra {
		add(id)
	}
	for _, s := range []string{"<|eot_id|>", "<|eom_id|>", "<|im_end|>", "<end_of_turn>", "<|end|>", "<|endoftext|>", "<|end_of_text|>", "</s>", "<eos>"} {
		if id, ok := t.ID(s); ok && t.IsSpecial(id) {
			add(id)
		}
	}
}

func contains(l []int, x int) bool {
	for _, v := range l {
		if v == x {
			return true
		}
	}
	return false
}
