package gguf_test

import (
	"encoding/binary"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/torchless-go/torchless/internal/testenv"
	"github.com/torchless-go/torchless/models/gguf"
)

// stTensor is a tensor of a safetensors file, read by a minimal reader so
// these tests do not depend on the safetensors package.
type stTensor struct {
	DType string
	Shape []int
	Data  []byte
}

// float32s decodes an F32 tensor.
func (s stTensor) float32s(t *testing.T) []float32 {
	t.Helper()
	if s.DType != "F32" {
		t.Fatalf("safetensors dtype %s, want F32", s.DType)
	}
	out := make([]float32, len(s.Data)/4)
	for i := range out {
		out[i] = math.Float32frombits(binary.LittleEndian.Uint32(s.Data[4*i:]))
	}
	return out
}

// readSafetensors reads every tensor of a safetensors file.
func readSafetensors(t *testing.T, path string) map[string]stTensor {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) < 8 {
		t.Fatalf("%s: too short", path)
	}
	n := binary.LittleEndian.Uint64(b)
	if n > uint64(len(b)-8) {
		t.Fatalf("%s: header length %d", path, n)
	}
	var hdr map[string]json.RawMessage
	if err := json.Unmarshal(b[8:8+n], &hdr); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	data := b[8+n:]
	out := map[string]stTensor{}
	for name, raw := range hdr {
		if name == "__metadata__" {
			continue
		}
		var e struct {
			DType       string   `json:"dtype"`
			Shape       []int    `json:"shape"`
			DataOffsets [2]int64 `json:"data_offsets"`
		}
		if err := json.Unmarshal(raw, &e); err != nil {
			t.Fatalf("%s: %s: %v", path, name, err)
		}
		if e.DataOffsets[0] < 0 || e.DataOffsets[1] < e.DataOffsets[0] || e.DataOffsets[1] > int64(len(data)) {
			t.Fatalf("%s: %s: bad offsets %v", path, name, e.DataOffsets)
		}
		out[name] = stTensor{DType: e.DType, Shape: e.Shape, Data: data[e.DataOffsets[0]:e.DataOffsets[1]]}
	}
	return out
}

// allGGUF lists every GGUF file of the shared test data, paths relative to
// the shared directory.
func allGGUF(t *testing.T) []string {
	t.Helper()
	shared := testenv.Shared(t)
	var files []string
	for _, pattern := range []string{
		"fixtures/*/*.gguf",
		"vocab/*.gguf",
		"models/stories260K/*.gguf",
	} {
		m, err := filepath.Glob(filepath.Join(shared, pattern))
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range m {
			rel, _ := filepath.Rel(shared, p)
			files = append(files, rel)
		}
	}
	sort.Strings(files)
	if len(files) < 40 {
		t.Fatalf("found only %d GGUF files under %s", len(files), shared)
	}
	return files
}

// hfNames maps a GGUF tensor name to the HF names it may correspond to,
// in order of preference ("N" stands for the layer number).
var hfNames = map[string][]string{
	"token_embd.weight":                {"model.embed_tokens.weight", "transformer.wte.weight"},
	"output.weight":                    {"lm_head.weight"},
	"output.bias":                      {"lm_head.bias"},
	"output_norm.weight":               {"model.norm.weight", "model.final_layernorm.weight", "transformer.ln_f.weight"},
	"output_norm.bias":                 {"model.final_layernorm.bias"},
	"blk.N.attn_norm.weight":           {"model.layers.N.input_layernorm.weight", "transformer.h.N.ln_1.weight"},
	"blk.N.attn_norm.bias":             {"model.layers.N.input_layernorm.bias"},
	"blk.N.ffn_norm.weight":            {"model.layers.N.pre_feedforward_layernorm.weight", "model.layers.N.post_attention_layernorm.weight", "transformer.h.N.ln_2.weight"},
	"blk.N.post_attention_norm.weight": {"model.layers.N.post_attention_layernorm.weight"},
	"blk.N.post_ffw_norm.weight":       {"model.layers.N.post_feedforward_layernorm.weight"},
	"blk.N.attn_q.weight":              {"model.layers.N.self_attn.q_proj.weight"},
	"blk.N.attn_k.weight":              {"model.layers.N.self_attn.k_proj.weight"},
	"blk.N.attn_v.weight":              {"model.layers.N.self_attn.v_proj.weight"},
	"blk.N.attn_q.bias":                {"model.layers.N.self_attn.q_proj.bias"},
	"blk.N.attn_k.bias":                {"model.layers.N.self_attn.k_proj.bias"},
	"blk.N.attn_v.bias":                {"model.layers.N.self_attn.v_proj.bias"},
	"blk.N.attn_qkv.weight":            {"model.layers.N.self_attn.qkv_proj.weight", "transformer.h.N.attn.c_attn.weight"},
	"blk.N.attn_qkv.bias":              {"transformer.h.N.attn.c_attn.bias"},
	"blk.N.attn_output.weight":         {"model.layers.N.self_attn.o_proj.weight", "model.layers.N.self_attn.dense.weight", "transformer.h.N.attn.c_proj.weight"},
	"blk.N.attn_output.bias":           {"model.layers.N.self_attn.dense.bias"},
	"blk.N.ffn_gate.weight":            {"model.layers.N.mlp.gate_proj.weight", "transformer.h.N.mlp.w2.weight"},
	"blk.N.ffn_up.weight":              {"model.layers.N.mlp.up_proj.weight", "model.layers.N.mlp.gate_up_proj.weight", "model.layers.N.mlp.fc1.weight", "transformer.h.N.mlp.w1.weight"},
	"blk.N.ffn_up.bias":                {"model.layers.N.mlp.fc1.bias"},
	"blk.N.ffn_down.weight":            {"model.layers.N.mlp.down_proj.weight", "model.layers.N.mlp.fc2.weight", "transformer.h.N.mlp.c_proj.weight"},
	"blk.N.ffn_down.bias":              {"model.layers.N.mlp.fc2.bias"},
}

// hfCandidates returns the HF names a GGUF tensor name may correspond to.
func hfCandidates(name string) []string {
	layer := ""
	key := name
	if strings.HasPrefix(name, "blk.") {
		rest := name[len("blk."):]
		i := strings.IndexByte(rest, '.')
		if i < 0 {
			return nil
		}
		if _, err := strconv.Atoi(rest[:i]); err != nil {
			return nil
		}
		layer = rest[:i]
		key = "blk.N" + rest[i:]
	}
	var out []string
	for _, c := range hfNames[key] {
		out = append(out, strings.Replace(c, ".N.", "."+layer+".", 1))
	}
	return out
}

// unpermute undoes the row permutation llama.cpp's converter applies to
// q_proj and k_proj of llama-architecture models: per head, HF rows
// [2][hd/2] are stored as [hd/2][2]. rows holds the GGUF rows (each cols
// wide); the result is in HF row order.
func unpermute(rows []float32, nRows, cols, heads int) []float32 {
	out := make([]float32, len(rows))
	hd := nRows / heads
	for h := range heads {
		for i := range hd / 2 {
			for j := range 2 {
				src := h*hd + 2*i + j    // GGUF row (h, i, j)
				dst := h*hd + j*hd/2 + i // HF row (h, j, i)
				copy(out[dst*cols:(dst+1)*cols], rows[src*cols:(src+1)*cols])
			}
		}
	}
	return out
}

// headCounts returns the attention head counts of a llama-architecture file.
func headCounts(t *testing.T, f *gguf.File) (q, kv int) {
	t.Helper()
	arch := f.Architecture()
	nq, ok := f.GetUint(arch + ".attention.head_count")
	if !ok {
		t.Fatalf("%s: no %s.attention.head_count", f.Path, arch)
	}
	nkv, ok := f.GetUint(arch + ".attention.head_count_kv")
	if !ok {
		nkv = nq
	}
	return int(nq), int(nkv)
}
