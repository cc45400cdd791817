package tokenizer

import (
	"fmt"
	"unicode/utf8"
)

// bpeModel turns one pre-token (a "word") into ids by byte-pair merging.
//
// Two ways to rank a candidate pair exist:
//   - a merges table (HF tokenizer.json, GGUF gpt2 merges): pair of ids ->
//     (rank, merged id); the rank is the position in the merges list;
//   - rank by the merged token (SentencePiece scores, tiktoken ranks): the
//     pair is a candidate when the concatenated text is a vocab token, and
//     its rank is tokenRank[merged id].
//
// Both are driven by the same priority queue, ordered by rank and then by
// position, so long words (Gemma 3 has 1,579-character ones) cost
// O(n log n).
type bpeModel struct {
	vocab  map[string]int
	merges map[uint64]uint64 // (a<<32 | b) -> (rank<<32 | merged id)
	// tokenRank ranks merged tokens (lower merges first); nil with merges.
	tokenRank []int32

	byteFallback bool
	byteIDs      [256]int32 // <0xXX> token ids, -1 when absent
	unk          int        // -1 when none
	fuseUnk      bool
	ignoreMerges bool
}

func newBPEModel(vocab map[string]int) *bpeModel {
	m := &bpeModel{vocab: vocab, unk: -1}
	for b := 0; b < 256; b++ {
		m.byteIDs[b] = -1
		if id, ok := vocab[fmt.Sprintf("<0x%02X>", b)]; ok {
			m.byteIDs[b] = int32(id)
		}
	}
	return m
}

// symbol is a span of the word, linked to its neighbours.
type symbol struct {
	start, end int32 // byte span in the word
	id         int32 // token id, -1 when the span is not a token
	prev, next int32
	bytes      bool // an expanded byte-fallback symbol (merges mode)
}

// merge is a candidate in the priority queue: merging the symbol at left
// (spanning [start,mid)) with its neighbour spanning [mid,end).
type merge struct {
	rank            int32
	left            int32
	mid, end, newID int32
}

func (a merge) less(b merge) bool {
	if a.rank != b.rank {
		return a.rank < b.rank
	}
	return a.left < b.left
}

type mergeHeap []merge

func (h *mergeHeap) push(m merge) {
	*h = append(*h, m)
	s := *h
	i := len(s) - 1
	for i > 0 {
		p := (i - 1) / 2
		if !s[i].less(s[p]) {
			break
		}
		s[i], s[p] = s[p], s[i]
		i = p
	}
}

func (h *mergeHeap) pop() merge {
	s := *h
	top := s[0]
	n := len(s) - 1
	s[0] = s[n]
	s = s[:n]
	i := 0
	for {
		l := 2*i + 1
		if l >= n {
			break
		}
		c := l
		if r := l + 1; r < n && s[r].less(s[l]) {
			c = r
		}
		if !s[c].less(s[i]) {
			break
		}
		s[i], s[c] = s[c], s[i]
		i = c
	}
	*h = s
	return top
}

// pair returns the rank and merged id of two adjacent symbols.
func (m *bpeModel) pair(word string, a, b *symbol) (rank, id int32, ok bool) {
	if m.tokenRank != nil {
		if a.bytes || b.bytes {
			return 0, 0, false
		}
		t, found := m.vocab[word[a.start:b.end]]
		if !found || t >= len(m.tokenRank) || m.tokenRank[t] < 0 {
			return 0, 0, false
		}
		return m.tokenRank[t], int32(t), true
	}
	if a.id < 0 || b.id < 0 {
		return 0, 0, false
	}
	v, found := m.merges[uint64(a.id)<<32|uint64(uint32(b.id))]
	if !found {
		return 0, 0, false
	}
	return int32(v >> 32), int32(uint32(v)), true
}

// encodeWord appends the ids of word to dst.
func (m *bpeModel) encodeWord(dst []int, word string) []int {
	if word == "" {
		return dst
	}
	if m.ignoreMerges {
		if id, ok := m.vocab[word]; ok {
			return append(dst, id)
		}
	}
	syms := make([]symbol, 0, len(word))
	add := func(s symbol) {
		s.prev = int32(len(syms)) - 1
		s.next = int32(len(syms)) + 1
		syms = append(syms, s)
	}
	for i := 0; i < len(word); {
		_, n := utf8.DecodeRuneInString(word[i:])
		ch := word[i : i+n]
		s := symbol{start: int32(i), end: int32(i + n), id: -1}
		if id, ok := m.vocab[ch]; ok {
			s.id = int32(id)
			add(s)
		} else if m.tokenRank != nil {
			add(s) // resolved after merging
		} else if m.byteFallback && m.hasBytes(ch) {
			for j := 0; j < n; j++ {
				add(symbol{start: int32(i + j), end: int32(i + j + 1), id: m.byteIDs[ch[j]], bytes: true})
			}
		} else if m.unk >= 0 {
			if m.fuseUnk && len(syms) > 0 && syms[len(syms)-1].id == int32(m.unk) && !syms[len(syms)-1].bytes {
				syms[len(syms)-1].end = int32(i + n)
			} else {
				s.id = int32(m.unk)
				add(s)
			}
		}
		// else: no unk token, the character is dropped (as HF does).
		i += n
	}
	if len(syms) == 0 {
		return dst
	}
	syms[len(syms)-1].next = -1

	var h mergeHeap
	for i := 0; i+1 < len(syms); i++ {
		if r, id, ok := m.pair(word, &syms[i], &syms[i+1]); ok {
			h.push(merge{rank: r, left: int32(i), mid: syms[i].end, end: syms[i+1].end, newID: id})
		}
	}
	for len(h) > 0 {
		c := h.pop()
		l := &syms[c.left]
		if l.end != c.mid || l.next < 0 { // left symbol was merged away or grew
			continue
		}
		r := &syms[l.next]
		if r.end != c.end || l.start < 0 {
			continue
		}
		// merge r into l
		l.end = r.end
		l.id = c.newID
		l.bytes = false
		l.next = r.next
		if r.next >= 0 {
			syms[r.next].prev = c.left
		}
		r.start, r.end = -1, -1 // dead
		if l.prev >= 0 {
			p := &syms[l.prev]
			if rk, id, ok := m.pair(word, p, l); ok {
				h.push(merge{rank: rk, left: l.prev, mid: p.end, end: l.end, newID: id})
			}
		}
		if l.next >= 0 {
			n := &syms[l.next]
			if rk, id, ok := m.pair(word, l, n); ok {
				h.push(merge{rank: rk, left: c.left, mid: l.end, end: n.end, newID: id})
			}
		}
	}
	for i := int32(0); i >= 0; i = syms[i].next {
		s := &syms[i]
		if s.id >= 0 {
			dst = append(dst, int(s.id))
			continue
		}
		// Only in rank mode: a character that is not a token.
		ch := word[s.start:s.end]
		if m.byteFallback && m.hasBytes(ch) {
			for j := 0; j < len(ch); j++ {
				dst = append(dst, int(m.byteIDs[ch[j]]))
			}
		} else if m.unk >= 0 {
			if !(m.fuseUnk && len(dst) > 0 && dst[len(dst)-1] == m.unk) {
				dst = append(dst, m.unk)
			}
		}
	}
	return dst
}

func (m *bpeModel) hasBytes(s string) bool {
	for i := 0; i < len(s); i++ {
		if m.byteIDs[s[i]] < 0 {
			return false
		}
	}
	return true
}
