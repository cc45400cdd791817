package kernel

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestSignMatchesHMAC(t *testing.T) {
	s, err := NewSigner("hmac-sha256", []byte("k"))
	if err != nil {
		t.Fatal(err)
	}
	parts := [][]byte{[]byte(`{"a":1}`), []byte(`{}`), []byte(`{}`), []byte(`{"code":"x"}`)}
	h := hmac.New(sha256.New, []byte("k"))
	for _, p := range parts {
		h.Write(p)
	}
	want := hex.EncodeToString(h.Sum(nil))
	if got := string(s.Sign(parts)); got != want {
		t.Fatalf("Sign = %s, want %s", got, want)
	}
	if !s.Verify([]byte(want), parts) {
		t.Error("Verify rejected a good signature")
	}
	bad := []byte(want)
	bad[0] ^= 1
	for _, sig := range [][]byte{bad, []byte("zz"), nil, []byte(want[:10])} {
		if s.Verify(sig, parts) {
			t.Errorf("Verify accepted %q", sig)
		}
	}
	if _, err := NewSigner("hmac-md5", []byte("k")); err == nil {
		t.Error("accepted hmac-md5")
	}
	empty, _ := NewSigner("", nil)
	if len(empty.Sign(parts)) != 0 || !empty.Verify([]byte("anything"), parts) {
		t.Error("empty key must sign with \"\" and accept any signature")
	}
}

func TestEncodeDecodeRoundTrip(t *testing.T) {
	s, _ := NewSigner("hmac-sha256", []byte("key"))
	m := &Message{
		Identities: [][]byte{[]byte("id1"), []byte("id2")},
		Header:     Header{MsgID: "m1", Session: "s", Username: "u", Date: now(), MsgType: "execute_request", Version: ProtocolVersion},
		Parent:     []byte(`{"msg_id":"p"}`),
		Metadata:   map[string]any{"k": "v"},
		Content:    []byte(`{"code":"1+1"}`),
		Buffers:    [][]byte{[]byte("buf")},
	}
	frames, err := Encode(m, s)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(frames[2], delimiter) {
		t.Fatalf("frame 2 = %q, want delimiter", frames[2])
	}
	got, err := Decode(frames, s)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Identities) != 2 || got.Header != m.Header || string(got.Parent) != string(m.Parent) ||
		got.Metadata["k"] != "v" || string(got.Content) != string(m.Content) || len(got.Buffers) != 1 {
		t.Errorf("round trip: %+v", got)
	}
	// tampered content
	frames[len(frames)-2] = []byte(`{"code":"rm -rf"}`)
	if _, err := Decode(frames, s); !errors.Is(err, ErrBadSignature) {
		t.Errorf("tampered: %v", err)
	}
}

func TestDecodeFraming(t *testing.T) {
	s, _ := NewSigner("", nil)
	cases := []struct {
		name   string
		frames [][]byte
		err    error
	}{
		{"no delimiter", [][]byte{[]byte("a"), []byte("{}")}, ErrNoDelimiter},
		{"empty", nil, ErrNoDelimiter},
		{"short", [][]byte{delimiter, []byte(""), []byte("{}")}, ErrShortMessage},
	}
	for _, c := range cases {
		if _, err := Decode(c.frames, s); !errors.Is(err, c.err) {
			t.Errorf("%s: %v, want %v", c.name, err, c.err)
		}
	}
	bad := [][]byte{delimiter, nil, []byte("{"), []byte("{}"), []byte("{}"), []byte("{}")}
	if _, err := Decode(bad, s); err == nil || !strings.Contains(err.Error(), "header") {
		t.Errorf("bad header JSON: %v", err)
	}
	bad = [][]byte{delimiter, nil, []byte(`{"msg_type":"x"}`), []byte("{}"), []byte("{}"), []byte("not json")}
	if _, err := Decode(bad, s); err == nil {
		t.Error("bad content JSON accepted")
	}
}

func FuzzDecode(f *testing.F) {
	s, _ := NewSigner("", nil)
	f.Add([]byte("<IDS|MSG>"), []byte(`{"msg_type":"x"}`), []byte(`{}`))
	f.Add([]byte("id"), []byte("{"), []byte("}"))
	f.Fuzz(func(t *testing.T, a, b, c []byte) {
		Decode([][]byte{a, delimiter, nil, b, []byte("{}"), c, c}, s)
		Decode([][]byte{a, b, c}, s)
	})
}

func TestDateFormat(t *testing.T) {
	d := now()
	if !strings.HasSuffix(d, "Z") {
		t.Fatalf("date %q does not end in Z", d)
	}
	if _, err := time.Parse(time.RFC3339Nano, d); err != nil {
		t.Fatalf("date %q: %v", d, err)
	}
}

func TestReadConnectionFile(t *testing.T) {
	dir := t.TempDir()
	write := func(s string) string {
		p := dir + "/c.json"
		if err := writeFile(p, s); err != nil {
			t.Fatal(err)
		}
		return p
	}
	ci, err := ReadConnectionFile(write(`{"transport":"tcp","ip":"127.0.0.1","shell_port":1,"control_port":2,"stdin_port":3,"iopub_port":4,"hb_port":5,"key":"k","signature_scheme":"hmac-sha256"}`))
	if err != nil || ci.IOPubPort != 4 || ci.endpoint(4) != guardedTCP+"://127.0.0.1:4" {
		t.Fatalf("%+v %v", ci, err)
	}
	for _, bad := range []string{`{`, `{"transport":"udp","ip":"x"}`, `{"ip":"127.0.0.1","shell_port":0}`,
		`{"transport":"tcp","ip":"127.0.0.1","shell_port":1,"control_port":2,"stdin_port":3,"iopub_port":4,"hb_port":5,"key":"k","signature_scheme":"hmac-md5"}`} {
		if _, err := ReadConnectionFile(write(bad)); err == nil {
			t.Errorf("accepted %s", bad)
		}
	}
}
