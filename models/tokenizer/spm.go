package tokenizer

import (
	"encoding/binary"
	"fmt"
	"math"
	"sort"
)

// SentencePiece piece types (sentencepiece_model.proto).
const (
	pieceNormal      = 1
	pieceUnknown     = 2
	pieceControl     = 3
	pieceUserDefined = 4
	pieceUnused      = 5
	pieceByte        = 6
)

// spmSpec describes a SentencePiece-style vocabulary, from tokenizer.model
// or from GGUF tokenizer.ggml.* (model "llama").
type spmSpec struct {
	source         string
	pieces         []string
	scores         []float32
	types          []int32 // nil: all normal
	addDummyPrefix bool
	unk, bos, eos  int
	pad            int
	addBOS, addEOS bool
}

// buildSPM builds the tokenizer SentencePiece BPE describes: merges by the
// merged piece's score (ties leftmost), byte fallback, "▁" for spaces and
// a "▁" before each text segment when add_dummy_prefix is set.
func buildSPM(s *spmSpec) (*Tokenizer, error) {
	n := len(s.pieces)
	if n == 0 {
		return nil, fmt.Errorf("%s: empty vocabulary", s.source)
	}
	if len(s.scores) != 0 && len(s.scores) != n {
		return nil, fmt.Errorf("%s: %d scores for %d tokens", s.source, len(s.scores), n)
	}
	if len(s.types) != 0 && len(s.types) != n {
		return nil, fmt.Errorf("%s: %d token types for %d tokens", s.source, len(s.types), n)
	}
	vocab := make(map[string]int, n)
	for i, p := range s.pieces {
		vocab[p] = i
	}
	m := newBPEModel(vocab)
	m.byteFallback = true
	m.fuseUnk = true
	// dense rank by score, highest first
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	score := func(i int) float32 {
		if len(s.scores) == 0 {
			return -float32(i)
		}
		return s.scores[i]
	}
	sort.SliceStable(order, func(a, b int) bool { return score(order[a]) > score(order[b]) })
	m.tokenRank = make([]int32, n)
	rank := int32(-1)
	for k, i := range order {
		if k == 0 || score(i) != score(order[k-1]) {
			rank++
		}
		m.tokenRank[i] = rank
	}
	var added []*addedToken
	for i := range s.pieces {
		typ := int32(pieceNormal)
		if len(s.types) != 0 {
			typ = s.types[i]
		}
		switch typ {
		case pieceUnknown, pieceControl:
			added = append(added, &addedToken{id: i, content: s.pieces[i], special: true})
			m.tokenRank[i] = -1
		case pieceUserDefined:
			added = append(added, &addedToken{id: i, content: s.pieces[i]})
		case pieceByte, pieceUnused:
			m.tokenRank[i] = -1
		}
	}
	if s.unk >= 0 && s.unk < n {
		m.unk = s.unk
	}
	t := &Tokenizer{source: s.source, model: m}
	var norm normSequence
	var dec decSequence
	if s.addDummyPrefix {
		norm = append(norm, normPrepend("\u2581"))
	}
	norm = append(norm, normReplace{old: " ", new: "\u2581"})
	dec = append(dec, decReplace{"\u2581", " "}, decByteFallback{}, decFuse{})
	if s.addDummyPrefix {
		dec = append(dec, decStrip{" ", 1, 0})
	}
	t.norm, t.dec = norm, dec
	if err := t.assemble(added); err != nil {
		return nil, fmt.Errorf("%s: %w", s.source, err)
	}
	check := func(id int) int {
		if id >= 0 && id < len(t.vocab) {
			return id
		}
		return -1
	}
	t.bos, t.eos, t.pad = check(s.bos), check(s.eos), check(s.pad)
	t.addBOS, t.addEOS = s.addBOS, s.addEOS
	return t, nil
}

// ---- tokenizer.model (SentencePiece ModelProto) ----

// protoReader reads protobuf wire format from a byte slice; every length
// is checked against the bytes remaining.
type protoReader struct {
	b   []byte
	off int
	ctx string
}

func (r *protoReader) errf(format string, args ...any) error {
	return fmt.Errorf("%s: offset %d: %s", r.ctx, r.off, fmt.Sprintf(format, args...))
}

func (r *protoReader) varint() (uint64, error) {
	v, n := binary.Uvarint(r.b[r.off:])
	if n <= 0 {
		return 0, r.errf("bad varint")
	}
	r.off += n
	return v, nil
}

// next returns the next field number, wire type and, for
// length-delimited fields, the payload; for varints, the value.
func (r *protoReader) next() (field int, wt int, payload []byte, val uint64, err error) {
	key, err := r.varint()
	if err != nil {
		return 0, 0, nil, 0, err
	}
	field, wt = int(key>>3), int(key&7)
	if field == 0 {
		return 0, 0, nil, 0, r.errf("field number 0")
	}
	switch wt {
	case 0:
		val, err = r.varint()
	case 1:
		if len(r.b)-r.off < 8 {
			return 0, 0, nil, 0, r.errf("truncated 64-bit field %d", field)
		}
		val = binary.LittleEndian.Uint64(r.b[r.off:])
		r.off += 8
	case 5:
		if len(r.b)-r.off < 4 {
			return 0, 0, nil, 0, r.errf("truncated 32-bit field %d", field)
		}
		val = uint64(binary.LittleEndian.Uint32(r.b[r.off:]))
		r.off += 4
	case 2:
		var l uint64
		if l, err = r.varint(); err != nil {
			return
		}
		if l > uint64(len(r.b)-r.off) {
			return 0, 0, nil, 0, r.errf("field %d: length %d exceeds the %d bytes left", field, l, len(r.b)-r.off)
		}
		payload = r.b[r.off : r.off+int(l)]
		r.off += int(l)
	default:
		return 0, 0, nil, 0, r.errf("field %d: unsupported wire type %d", field, wt)
	}
	return field, wt, payload, val, err
}

// parseSentencePieceModel reads the pieces, scores and types, the trainer's
// model type, byte_fallback and special ids, and the normalizer's
// add_dummy_prefix from a tokenizer.model file's bytes.
func parseSentencePieceModel(name string, data []byte) (*spmSpec, error) {
	s := &spmSpec{source: name, addDummyPrefix: true, unk: 0, bos: 1, eos: 2, pad: -1, addBOS: true}
	modelType := uint64(1) // UNIGRAM is the proto default
	r := &protoReader{b: data, ctx: name}
	for r.off < len(r.b) {
		field, wt, payload, _, err := r.next()
		if err != nil {
			return nil, err
		}
		switch {
		case field == 1 && wt == 2:
			if len(s.pieces) >= maxVocab {
				return nil, r.errf("more than %d pieces", maxVocab)
			}
			pr := &protoReader{b: payload, ctx: fmt.Sprintf("%s: pieces[%d]", name, len(s.pieces))}
			piece, score, typ := "", float32(0), int32(pieceNormal)
			for pr.off < len(pr.b) {
				f, w, p, v, err := pr.next()
				if err != nil {
					return nil, err
				}
				switch {
				case f == 1 && w == 2:
					piece = string(p)
				case f == 2 && w == 5:
					score = math.Float32frombits(uint32(v))
				case f == 3 && w == 0:
					typ = int32(v)
				}
			}
			if typ < pieceNormal || typ > pieceByte {
				return nil, pr.errf("piece %q: unknown type %d", piece, typ)
			}
			s.pieces = append(s.pieces, piece)
			s.scores = append(s.scores, score)
			s.types = append(s.types, typ)
		case field == 2 && wt == 2: // TrainerSpec
			pr := &protoReader{b: payload, ctx: name + ": trainer_spec"}
			for pr.off < len(pr.b) {
				f, w, _, v, err := pr.next()
				if err != nil {
					return nil, err
				}
				if w != 0 {
					continue
				}
				switch f {
				case 3:
					modelType = v
				case 40:
					s.unk = int(int32(v))
				case 41:
					s.bos = int(int32(v))
				case 42:
					s.eos = int(int32(v))
				case 43:
					s.pad = int(int32(v))
				}
			}
		case field == 3 && wt == 2: // NormalizerSpec
			pr := &protoReader{b: payload, ctx: name + ": normalizer_spec"}
			for pr.off < len(pr.b) {
				f, w, _, v, err := pr.next()
				if err != nil {
					return nil, err
				}
				if f == 3 && w == 0 {
					s.addDummyPrefix = v != 0
				}
			}
		}
	}
	if len(s.pieces) == 0 {
		return nil, fmt.Errorf("%s: no pieces", name)
	}
	if modelType != 2 {
		names := map[uint64]string{1: "UNIGRAM", 3: "WORD", 4: "CHAR"}
		return nil, fmt.Errorf("%s: trainer_spec.model_type %d (%s) is not supported (only BPE)", name, modelType, names[modelType])
	}
	return s, nil
}
