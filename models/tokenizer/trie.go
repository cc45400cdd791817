package tokenizer

// trie matches added tokens leftmost-longest, like the Aho-Corasick
// automaton HF builds with MatchKind::LeftmostLongest.
type trie struct {
	edges map[uint64]int32 // node<<8 | byte -> child node
	term  []*addedToken    // by node; nil when no token ends there
}

func newTrie(toks []*addedToken, keep func(*addedToken) bool, key func(*addedToken) string) *trie {
	tr := &trie{edges: map[uint64]int32{}, term: []*addedToken{nil}}
	n := 0
	for _, tk := range toks {
		if !keep(tk) {
			continue
		}
		s := key(tk)
		if s == "" {
			continue
		}
		node := int32(0)
		for i := 0; i < len(s); i++ {
			k := uint64(node)<<8 | uint64(s[i])
			next, ok := tr.edges[k]
			if !ok {
				next = int32(len(tr.term))
				tr.term = append(tr.term, nil)
				tr.edges[k] = next
			}
			node = next
		}
		if tr.term[node] == nil {
			tr.term[node] = tk
		}
		n++
	}
	if n == 0 {
		return nil
	}
	return tr
}

// find returns the leftmost-longest match in s at or after pos.
func (tr *trie) find(s string, pos int) (start, end int, tok *addedToken) {
	for i := pos; i < len(s); i++ {
		node := int32(0)
		best := -1
		var bt *addedToken
		for j := i; j < len(s); j++ {
			next, ok := tr.edges[uint64(node)<<8|uint64(s[j])]
			if !ok {
				break
			}
			node = next
			if tr.term[node] != nil {
				best, bt = j+1, tr.term[node]
			}
		}
		if bt != nil {
			return i, best, bt
		}
	}
	return 0, 0, nil
}
