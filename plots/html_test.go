package plots

import (
	"bytes"
	"encoding/xml"
	"io"
	"math"
	"strings"
	"testing"
)

// parseHTML parses an HTML fragment (the helpers emit well-formed markup)
// and returns its element names and concatenated text.
func parseHTML(t *testing.T, s string) (elems map[string]int, text string) {
	t.Helper()
	dec := xml.NewDecoder(strings.NewReader("<root>" + s + "</root>"))
	elems = map[string]int{}
	var tb bytes.Buffer
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("malformed HTML: %v\n%s", err, s)
		}
		switch x := tok.(type) {
		case xml.StartElement:
			elems[x.Name.Local]++
		case xml.CharData:
			tb.Write(x)
			tb.WriteByte(' ')
		}
	}
	return elems, tb.String()
}

const evil = `<script>alert("x")</script>`

func checkEscaped(t *testing.T, what, s string, wantText ...string) {
	t.Helper()
	elems, text := parseHTML(t, s)
	if elems["script"] > 0 {
		t.Errorf("%s: a <script> element got through", what)
	}
	for _, w := range wantText {
		if !strings.Contains(text, w) {
			t.Errorf("%s: text lacks %q", what, w)
		}
	}
}

func TestModelCard(t *testing.T) {
	m := ModelSummary{Name: "stories260K " + evil, Family: "llama", Parameters: 260_000, Layers: 5, Heads: 8, KVHeads: 4, HeadDim: 8,
		Hidden: 64, Vocab: 512, RoPE: "θ = 10000", Norm: "RMSNorm, ε = 1e-5", Activation: "SiLU " + evil,
		DTypes: []DTypeCount{{DType: "F32", Tensors: 48, Bytes: 1 << 20}}, MemoryBytes: 1 << 20}
	checkEscaped(t, "model card", m.HTML(), evil, "260.0 K", "GQA, 2 per group", "F32 × 48 (1.0 MiB)", "none")
	if !strings.Contains(m.String(), "layers") || !strings.Contains(m.String(), "5") {
		t.Errorf("String() = %q", m.String())
	}
}

func TestHookTable(t *testing.T) {
	h := HookTable{Hooks: []HookInfo{
		{Name: "blocks.0.attn.hook_pattern", Shape: []int{8, 12, 12}, DType: "F32", Bytes: 4608},
		{Name: evil, Shape: []int{12, 64}, DType: "F32", Bytes: 3072},
	}}
	checkEscaped(t, "hook table", h.HTML(), evil, "[8, 12, 12]", "4.5 KiB", "2 hooks")
	if !strings.Contains(h.String(), "7.5 KiB") {
		t.Errorf("String() = %q", h.String())
	}
}

func TestTokenTable(t *testing.T) {
	tt := TokenTable{IDs: []int{1, 450, 13, 29871}, Texts: []string{"<s>", " The", "\n", evil}}
	checkEscaped(t, "token table", tt.HTML(), "<s>", "·The", `\n`, `"\n"`, evil)
	if !strings.Contains(tt.String(), `" The"`) {
		t.Errorf("String() = %q", tt.String())
	}
	long := TokenTable{IDs: make([]int, maxTokenRows+5)}
	if _, text := parseHTML(t, long.HTML()); !strings.Contains(text, "… 5 more") {
		t.Error("long token table is not cut")
	}
}

func TestTensorSummary(t *testing.T) {
	vals := []float32{-2, -1, 0, 1, 2, 3, float32(math.NaN())}
	ts := TensorSummary{Name: evil, Shape: []int{7}, DType: "F32", Values: vals}
	s := ts.HTML()
	elems, _ := parseHTML(t, s)
	if elems["svg"] != 1 || elems["rect"] < 4 {
		t.Errorf("histogram missing: %v", elems)
	}
	checkEscaped(t, "tensor summary", s, evil, "[7]", "0.5", "non-finite")
	if !strings.Contains(ts.String(), "mean=0.5") {
		t.Errorf("String() = %q", ts.String())
	}
	// No finite values: no histogram, no panic.
	empty := TensorSummary{Name: "x", Values: []float32{float32(math.Inf(1))}}
	if elems, _ := parseHTML(t, empty.HTML()); elems["svg"] != 0 {
		t.Error("histogram for no finite values")
	}
}

func TestFormatters(t *testing.T) {
	for _, tc := range []struct{ got, want string }{
		{FormatBytes(512), "512 B"}, {FormatBytes(1536), "1.5 KiB"}, {FormatBytes(3 << 30), "3.0 GiB"},
		{FormatCount(6_738_415_616), "6.74 B"}, {FormatCount(260_000), "260.0 K"}, {FormatCount(999), "999"},
		{FormatShape([]int{1, 2}), "[1, 2]"}, {FormatShape(nil), "[]"},
		{cellNum(0.123), "0.12"}, {cellNum(-0.001), "0"}, {cellNum(12.34), "12.3"}, {cellNum(-345.6), "-346"}, {cellNum(12345), "1.2e+04"},
		{fmtNum(0.5), "0.5"}, {fmtNum(-1e-5), "-1e-5"}, {fmtNum(1e6), "1e6"}, {fmtNum(120), "120"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
}
