package kernel

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"time"
)

// ProtocolVersion is the Jupyter messaging protocol version in every header
// the kernel sends.
const ProtocolVersion = "5.3"

// delimiter separates the routing identities from the message frames.
var delimiter = []byte("<IDS|MSG>")

// Header is a Jupyter message header.
type Header struct {
	MsgID    string `json:"msg_id"`
	Session  string `json:"session"`
	Username string `json:"username"`
	Date     string `json:"date"`
	MsgType  string `json:"msg_type"`
	Version  string `json:"version"`
}

// Message is one Jupyter message, decoded from or encoded to ZMQ frames.
// Parent holds the parent header as received ("{}" when there is none), so
// replies echo it byte for byte.
type Message struct {
	Identities [][]byte
	Header     Header
	Parent     json.RawMessage
	Metadata   map[string]any
	Content    json.RawMessage
	Buffers    [][]byte
}

// Signer signs and verifies messages with HMAC-SHA256. A Signer with an
// empty key signs with the empty string and accepts any signature, as the
// protocol specifies for unauthenticated connections.
type Signer struct {
	key []byte
}

// NewSigner returns a Signer for scheme (only "hmac-sha256", or "" with an
// empty key) and key.
func NewSigner(scheme string, key []byte) (*Signer, error) {
	if len(key) > 0 && scheme != "hmac-sha256" {
		return nil, fmt.Errorf("unsupported signature_scheme %q (want hmac-sha256)", scheme)
	}
	return &Signer{key: append([]byte(nil), key...)}, nil
}

func (s *Signer) mac(frames [][]byte) []byte {
	if len(s.key) == 0 {
		return nil
	}
	var h hash.Hash = hmac.New(sha256.New, s.key)
	for _, f := range frames {
		h.Write(f)
	}
	return h.Sum(nil)
}

// Sign returns the hex signature of the four message parts (header,
// parent header, metadata, content).
func (s *Signer) Sign(parts [][]byte) []byte {
	m := s.mac(parts)
	if m == nil {
		return []byte{}
	}
	out := make([]byte, hex.EncodedLen(len(m)))
	hex.Encode(out, m)
	return out
}

// Verify reports whether sig is the signature of parts.
func (s *Signer) Verify(sig []byte, parts [][]byte) bool {
	m := s.mac(parts)
	if m == nil {
		return true
	}
	got := make([]byte, hex.DecodedLen(len(sig)))
	n, err := hex.Decode(got, sig)
	if err != nil || n != len(m) {
		return false
	}
	return hmac.Equal(got[:n], m)
}

// Framing errors.
var (
	ErrNoDelimiter  = errors.New("kernel: message without <IDS|MSG> delimiter")
	ErrShortMessage = errors.New("kernel: message with fewer than 5 frames after the delimiter")
	ErrBadSignature = errors.New("kernel: bad message signature")
)

// Decode parses the frames of a message received on a ROUTER socket,
// verifying its signature with s.
func Decode(frames [][]byte, s *Signer) (*Message, error) {
	i := 0
	for i < len(frames) && !bytes.Equal(frames[i], delimiter) {
		i++
	}
	if i == len(frames) {
		return nil, ErrNoDelimiter
	}
	rest := frames[i+1:]
	if len(rest) < 5 {
		return nil, ErrShortMessage
	}
	if !s.Verify(rest[0], rest[1:5]) {
		return nil, ErrBadSignature
	}
	m := &Message{Identities: frames[:i]}
	if err := json.Unmarshal(rest[1], &m.Header); err != nil {
		return nil, fmt.Errorf("kernel: bad header: %w", err)
	}
	if !json.Valid(rest[2]) {
		return nil, errors.New("kernel: bad parent_header: invalid JSON")
	}
	m.Parent = json.RawMessage(rest[2])
	if len(rest[3]) > 0 {
		if err := json.Unmarshal(rest[3], &m.Metadata); err != nil {
			return nil, fmt.Errorf("kernel: bad metadata: %w", err)
		}
	}
	if !json.Valid(rest[4]) {
		return nil, errors.New("kernel: bad content: invalid JSON")
	}
	m.Content = json.RawMessage(rest[4])
	m.Buffers = rest[5:]
	return m, nil
}

// Encode returns the frames of m, signed with s.
func Encode(m *Message, s *Signer) ([][]byte, error) {
	header, err := json.Marshal(m.Header)
	if err != nil {
		return nil, err
	}
	parent := []byte(m.Parent)
	if len(parent) == 0 {
		parent = []byte("{}")
	}
	md := m.Metadata
	if md == nil {
		md = map[string]any{}
	}
	meta, err := json.Marshal(md)
	if err != nil {
		return nil, err
	}
	content := []byte(m.Content)
	if len(content) == 0 {
		content = []byte("{}")
	}
	parts := [][]byte{header, parent, meta, content}
	frames := make([][]byte, 0, len(m.Identities)+6+len(m.Buffers))
	frames = append(frames, m.Identities...)
	frames = append(frames, delimiter, s.Sign(parts))
	frames = append(frames, parts...)
	frames = append(frames, m.Buffers...)
	return frames, nil
}

// newID returns a random UUID-like identifier.
func newID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

// now returns the current UTC time in ISO 8601 with a Z suffix.
func now() string {
	return time.Now().UTC().Format("2006-01-02T15:04:05.000000Z")
}
