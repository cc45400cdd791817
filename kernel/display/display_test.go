package display

import (
	"bytes"
	"errors"
	"image"
	"reflect"
	"strings"
	"testing"
	"time"
)

type rich struct{}

func (rich) HTML() string               { return "<i>r</i>" }
func (rich) SVG() string                { return "<svg/>" }
func (rich) PNG() []byte                { return []byte("\x89PNG") }
func (rich) Markdown() string           { return "*r*" }
func (rich) JSON() map[string]any       { return map[string]any{"a": 1} }
func (rich) MIMEBundle() map[string]any { return map[string]any{"text/x-custom": "c"} }
func (rich) MIMEMetadata() map[string]any {
	return map[string]any{"image/png": map[string]any{"width": 10}}
}
func (rich) String() string { return "rich" }

type panicky struct{}

func (panicky) HTML() string { panic("bad html") }

func TestRender(t *testing.T) {
	d := Render(rich{})
	want := map[string]any{MIMEHTML: "<i>r</i>", MIMESVG: "<svg/>", MIMEMarkdown: "*r*", MIMEPlain: "rich", "text/x-custom": "c"}
	for k, v := range want {
		if d.Data[k] != v {
			t.Errorf("%s = %v, want %v", k, d.Data[k], v)
		}
	}
	if _, ok := d.Data[MIMEPNG].([]byte); !ok || d.Data[MIMEJSON] == nil || d.Metadata["image/png"] == nil {
		t.Errorf("png/json/metadata missing: %v", d)
	}
	img := image.NewRGBA(image.Rect(0, 0, 5, 4))
	d = Render(img)
	if b, _ := d.Data[MIMEPNG].([]byte); !bytes.HasPrefix(b, []byte("\x89PNG")) || d.Data[MIMEPlain] != "image 5x4" {
		t.Errorf("image: %v", d.Data[MIMEPlain])
	}
	d = Render(HTML("<b>x</b>"))
	if d.Data[MIMEHTML] != "<b>x</b>" || d.Data[MIMEPlain] != "<text/html>" {
		t.Errorf("Data passthrough: %v", d.Data)
	}
	d = Render(panicky{})
	if !strings.Contains(d.Data[MIMEPlain].(string), "panicked") {
		t.Errorf("panicking method: %v", d.Data)
	}
	var nilPtr *rich
	if Render(nilPtr).Data[MIMEPlain] == nil {
		t.Error("nil pointer")
	}
}

func TestPlain(t *testing.T) {
	cases := []struct {
		v    any
		want string
	}{
		{nil, "<nil>"},
		{"a\"b", `"a\"b"`},
		{errors.New("e"), "e"},
		{time.Second, "1s"},
		{[]int{1, 2}, "[1 2]"},
	}
	for _, c := range cases {
		if got := Plain(c.v); got != c.want {
			t.Errorf("Plain(%#v) = %q, want %q", c.v, got, c.want)
		}
	}
	if long := Plain(strings.Repeat("x", 2*MaxPlain)); len(long) > MaxPlain+100 {
		t.Errorf("not truncated: %d", len(long))
	}
	if long := Plain(make([]int, MaxPlain)); !strings.HasSuffix(long, " … (65536 items)]") {
		t.Errorf("long slice: %s", long)
	}
	type inner struct {
		m map[string]int
		p *inner
	}
	type outer struct {
		Name  string
		in    inner
		Err   error
		D     time.Duration
		Items []inner
	}
	o := &outer{Name: "n", in: inner{m: map[string]int{"b": 2, "a": 1}, p: &inner{p: &inner{}}}, D: time.Second, Items: make([]inner, 40)}
	got := Plain(o)
	for _, want := range []string{`&{Name: "n", in: display.inner{m: map["a":1 "b":2], p: &display.inner{m: map[], p: &display.inner{…}}}`, "Err: nil", "D: 1s", "(40 items)"} {
		if !strings.Contains(got, want) {
			t.Errorf("Plain(outer) lacks %q:\n%s", want, got)
		}
	}
	if big := PlainValue(reflect.ValueOf(make([][]string, 1000))); len(big) > 5000 {
		t.Errorf("PlainValue not bounded: %d bytes", len(big))
	}
}

func TestPublish(t *testing.T) {
	SetPublisher(nil, nil)
	if err := Show(1); !errors.Is(err, ErrNoKernel) {
		t.Errorf("Show outside kernel: %v", err)
	}
	type call struct {
		d      Data
		id     string
		update bool
	}
	var calls []call
	var cleared []bool
	SetPublisher(func(d Data, id string, update bool) error {
		calls = append(calls, call{d, id, update})
		return nil
	}, func(wait bool) error { cleared = append(cleared, wait); return nil })
	defer SetPublisher(nil, nil)
	id := NewID()
	Show(HTML("a"))
	ShowID(id, "b")
	Update(id, "c")
	Clear(true)
	if err := Update("", 1); err == nil {
		t.Error("Update with empty id")
	}
	if len(calls) != 3 || calls[1].id != id || !calls[2].update || calls[2].d.Data[MIMEPlain] != `"c"` || len(cleared) != 1 || !cleared[0] {
		t.Errorf("calls %+v cleared %v", calls, cleared)
	}
}

func TestProgress(t *testing.T) {
	var updates []Data
	var ids []string
	SetPublisher(func(d Data, id string, update bool) error {
		updates = append(updates, d)
		ids = append(ids, id)
		return nil
	}, nil)
	defer SetPublisher(nil, nil)
	p := NewProgress("gen <x>", 3)
	p.Add(1) // within 100 ms of the first display: not sent
	p.Set(3) // the total: always sent
	p.Done()
	if len(updates) != 3 || ids[0] != ids[1] || ids[0] == "" {
		t.Fatalf("%d updates, ids %v", len(updates), ids)
	}
	if updates[1].Data[MIMEPlain] != "gen <x>: 3/3" || !strings.Contains(updates[1].Data[MIMEHTML].(string), `gen &lt;x&gt; <progress value="3" max="3">`) {
		t.Errorf("final state %v", updates[1].Data)
	}
	c := NewProgress("tokens", 0)
	c.Set(5)
	c.Done()
	if got := updates[len(updates)-1].Data[MIMEPlain]; got != "tokens: 5" {
		t.Errorf("counter: %v", got)
	}
}
