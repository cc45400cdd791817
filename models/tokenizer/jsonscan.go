package tokenizer

import (
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
	if err := s.expect('"'); err != nil {
		return "", err
	}
	start := s.i
	// fast path: no escapes
	for s.i < len(s.b) {
		c := s.b[s.i]
		if c == '"' {
			v := string(s.b[start:s.i])
			s.i++
			return v, nil
		}
		if c == '\\' {
			break
		}
		s.i++
	}
	s.buf = append(s.buf[:0], s.b[start:s.i]...)
	for s.i < len(s.b) {
		c := s.b[s.i]
		switch {
		case c == '"':
			s.i++
			return string(s.buf), nil
		case c == '\\':
			if s.i+1 >= len(s.b) {
				return "", s.fail("truncated escape")
			}
			e := s.b[s.i+1]
			s.i += 2
			switch e {
			case '"', '\\', '/':
				s.buf = append(s.buf, e)
			case 'b':
				s.buf = append(s.buf, '\b')
			case 'f':
				s.buf = append(s.buf, '\f')
			case 'n':
				s.buf = append(s.buf, '\n')
			case 'r':
				s.buf = append(s.buf, '\r')
			case 't':
				s.buf = append(s.buf, '\t')
			case 'u':
				r, err := s.hex4()
				if err != nil {
					return "", err
				}
				if utf16.IsSurrogate(r) {
					r2 := utf8.RuneError
					if s.i+1 < len(s.b) && s.b[s.i] == '\\' && s.b[s.i+1] == 'u' {
						save := s.i
						s.i += 2
						lo, err := s.hex4()
						if err != nil {
							return "", err
						}
						if r2 = utf16.DecodeRune(r, lo); r2 == utf8.RuneError {
							s.i = save
						}
					}
					r = r2
				}
				s.buf = utf8.AppendRune(s.buf, r)
			default:
				return "", s.fail("bad escape")
			}
		default:
			s.buf = append(s.buf, c)
			s.i++
		}
	}
	return "", s.fail("unterminated string")
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

// scanMerges parses ["a b", ...] or [["a", "b"], ...] into pairs.
func scanMerges(b []byte) ([][2]string, error) {
	s := &jscan{b: b}
	if s.peek() == 0 || string(b) == "null" {
		return nil, nil
	}
	if err := s.expect('['); err != nil {
		return nil, err
	}
	var out [][2]string
	if s.peek() == ']' {
		return out, nil
	}
	for {
		switch s.peek() {
		case '"':
			v, err := s.str()
			if err != nil {
				return nil, err
			}
			// "a b": split on the first space not at position 0? HF splits
			// on the single space; tokens never contain a raw space.
			sp := -1
			for j := 0; j < len(v); j++ {
				if v[j] == ' ' {
					sp = j
					break
				}
			}
			if sp < 0 {
				return nil, fmt.Errorf("merges[%d] %q: no space separating the pair", len(out), v)
			}
			out = append(out, [2]string{v[:sp], v[sp+1:]})
		case '[':
			s.i++
			a, err := s.str()
			if err != nil {
				return nil, err
			}
			if err := s.expect(','); err != nil {
				return nil, err
			}
			c, err := s.str()
			if err != nil {
				return nil, err
			}
			if err := s.expect(']'); err != nil {
				return nil, fmt.Errorf("merges[%d]: %w", len(out), err)
			}
			out = append(out, [2]string{a, c})
		default:
			return nil, s.fail("expected a merge")
		}
		switch s.peek() {
		case ',':
			s.i++
		case ']':
			return out, nil
		default:
			return nil, s.fail("expected ',' or ']'")
		}
	}
}
