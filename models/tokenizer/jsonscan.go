package tokenizer

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// A small scanner for the two big parts of tokenizer.json (the vocab
// object and the merges array), several times faster than encoding/json
// on a 262k vocabulary. Anything unexpected is an error, never a panic.
type jscan struct {
	b   []byte
	i   int
	buf []byte
}

var errJSON = errors.New("malformed JSON")

func (s *jscan) fail(what string) error {
	return fmt.Errorf("%w at byte %d: %s", errJSON, s.i, what)
}

func (s *jscan) ws() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

func (s *jscan) peek() byte {
	s.ws()
	if s.i >= len(s.b) {
		return 0
	}
	return s.b[s.i]
}

func (s *jscan) expect(c byte) error {
	if s.peek() != c {
		return s.fail(fmt.Sprintf("expected %q", c))
	}
	s.i++
	return nil
}

// str reads a JSON string.
func (s *jscan) str() (string, error) {
	b, err := s.strBytes(&s.buf)
	return string(b), err
}

// strBytes reads a JSON string and returns its bytes: a view of the input
// when it has no escapes, else the decoded bytes in *buf.
func (s *jscan) strBytes(buf *[]byte) ([]byte, error) {
	if err := s.expect('"'); err != nil {
		return nil, err
	}
	start := s.i
	// fast path: no escapes
	for s.i < len(s.b) {
		c := s.b[s.i]
		if c == '"' {
			v := s.b[start:s.i]
			s.i++
			return v, nil
		}
		if c == '\\' {
			break
		}
		s.i++
	}
	out := append((*buf)[:0], s.b[start:s.i]...)
	defer func() { *buf = out }()
	for s.i < len(s.b) {
		c := s.b[s.i]
		switch {
		case c == '"':
			s.i++
			return out, nil
		case c == '\\':
			if s.i+1 >= len(s.b) {
				return nil, s.fail("truncated escape")
			}
			e := s.b[s.i+1]
			s.i += 2
			switch e {
			case '"', '\\', '/':
				out = append(out, e)
			case 'b':
				out = append(out, '\b')
			case 'f':
				out = append(out, '\f')
			case 'n':
				out = append(out, '\n')
			case 'r':
				out = append(out, '\r')
			case 't':
				out = append(out, '\t')
			case 'u':
				r, err := s.hex4()
				if err != nil {
					return nil, err
				}
				if utf16.IsSurrogate(r) {
					r2 := utf8.RuneError
					if s.i+1 < len(s.b) && s.b[s.i] == '\\' && s.b[s.i+1] == 'u' {
						save := s.i
						s.i += 2
						lo, err := s.hex4()
						if err != nil {
							return nil, err
						}
						if r2 = utf16.DecodeRune(r, lo); r2 == utf8.RuneError {
							s.i = save
						}
					}
					r = r2
				}
				out = utf8.AppendRune(out, r)
			default:
				return nil, s.fail("bad escape")
			}
		default:
			out = append(out, c)
			s.i++
		}
	}
	return nil, s.fail("unterminated string")
}

// skipValue skips one JSON value of any kind.
func (s *jscan) skipValue() error {
	switch c := s.peek(); c {
	case '"':
		var buf []byte
		_, err := s.strBytes(&buf)
		return err
	case '{', '[':
		depth := 0
		for s.i < len(s.b) {
			switch s.b[s.i] {
			case '"':
				var buf []byte
				if _, err := s.strBytes(&buf); err != nil {
					return err
				}
				continue
			case '{', '[':
				depth++
				if depth > 1000 {
					return s.fail("nesting too deep")
				}
			case '}', ']':
				depth--
				if depth == 0 {
					s.i++
					return nil
				}
			}
			s.i++
		}
		return s.fail("unterminated object or array")
	case 0:
		return s.fail("unexpected end of input")
	default:
		start := s.i
		for s.i < len(s.b) {
			switch s.b[s.i] {
			case ',', '}', ']', ' ', '\t', '\n', '\r':
				if s.i == start {
					return s.fail("expected a value")
				}
				return nil
			}
			s.i++
		}
		return nil
	}
}

// rawFields splits a JSON object into its members' raw values (the last
// one wins for a repeated key). The values are checked only for balance:
// callers decode the ones they use.
func rawFields(b []byte) (map[string][]byte, error) {
	s := &jscan{b: b}
	if err := s.expect('{'); err != nil {
		return nil, err
	}
	m := map[string][]byte{}
	if s.peek() == '}' {
		return m, nil
	}
	for {
		k, err := s.str()
		if err != nil {
			return nil, err
		}
		if err := s.expect(':'); err != nil {
			return nil, err
		}
		s.ws()
		start := s.i
		if err := s.skipValue(); err != nil {
			return nil, err
		}
		m[k] = s.b[start:s.i]
		switch s.peek() {
		case ',':
			s.i++
		case '}':
			return m, nil
		default:
			return nil, s.fail("expected ',' or '}'")
		}
	}
}

func (s *jscan) hex4() (rune, error) {
	if s.i+4 > len(s.b) {
		return 0, s.fail("truncated \\u escape")
	}
	v, err := strconv.ParseUint(string(s.b[s.i:s.i+4]), 16, 32)
	if err != nil {
		return 0, s.fail("bad \\u escape")
	}
	s.i += 4
	return rune(v), nil
}

func (s *jscan) integer() (int, error) {
	s.ws()
	start := s.i
	if s.i < len(s.b) && s.b[s.i] == '-' {
		s.i++
	}
	for s.i < len(s.b) && s.b[s.i] >= '0' && s.b[s.i] <= '9' {
		s.i++
	}
	v, err := strconv.Atoi(string(s.b[start:s.i]))
	if err != nil {
		return 0, s.fail("expected an integer")
	}
	return v, nil
}

// scanVocab parses {"token": id, ...}.
func scanVocab(b []byte) (map[string]int, error) {
	s := &jscan{b: b}
	if err := s.expect('{'); err != nil {
		return nil, err
	}
	m := make(map[string]int, len(b)/16)
	if s.peek() == '}' {
		return m, nil
	}
	for {
		k, err := s.str()
		if err != nil {
			return nil, err
		}
		if err := s.expect(':'); err != nil {
			return nil, err
		}
		v, err := s.integer()
		if err != nil {
			return nil, err
		}
		m[k] = v
		switch s.peek() {
		case ',':
			s.i++
		case '}':
			return m, nil
		default:
			return nil, s.fail("expected ',' or '}'")
		}
	}
}

// scanMerges parses ["a b", ...] or [["a", "b"], ...], calling fn with
// each pair (the byte slices are valid only during the call).
func scanMerges(b []byte, fn func(i int, a, c []byte) error) error {
	s := &jscan{b: b}
	if s.peek() == 0 || string(b) == "null" {
		return nil
	}
	if err := s.expect('['); err != nil {
		return err
	}
	if s.peek() == ']' {
		return nil
	}
	var bufA, bufB []byte
	for i := 0; ; i++ {
		switch s.peek() {
		case '"':
			v, err := s.strBytes(&bufA)
			if err != nil {
				return err
			}
			sp := bytes.IndexByte(v, ' ')
			if sp < 0 || bytes.IndexByte(v[sp+1:], ' ') >= 0 {
				return fmt.Errorf("merges[%d] %q: want two tokens separated by one space", i, v)
			}
			if err := fn(i, v[:sp], v[sp+1:]); err != nil {
				return err
			}
		case '[':
			s.i++
			a, err := s.strBytes(&bufA)
			if err != nil {
				return err
			}
			if err := s.expect(','); err != nil {
				return err
			}
			c, err := s.strBytes(&bufB)
			if err != nil {
				return err
			}
			if err := s.expect(']'); err != nil {
				return fmt.Errorf("merges[%d]: %w", i, err)
			}
			if err := fn(i, a, c); err != nil {
				return err
			}
		default:
			return s.fail("expected a merge")
		}
		switch s.peek() {
		case ',':
			s.i++
		case ']':
			return nil
		default:
			return s.fail("expected ',' or ']'")
		}
	}
}
