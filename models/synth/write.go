package synth

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/torchless-go/torchless/kernels"
	"github.com/torchless-go/torchless/models/gguf"
	"github.com/torchless-go/torchless/models/safetensors"
	"github.com/torchless-go/torchless/models/weights"
)

// ggufArch is the general.architecture llama.cpp's converter writes.
func (o Options) ggufArch() string {
	if o.Arch == "mistral" {
		return "llama" // llama.cpp files Mistral under llama; general.name says mistral
	}
	return o.Arch
}

// FileType is the general.file_type llama.cpp writes for a model whose
// 2-D weights are dt (its LLAMA_FTYPE_MOSTLY_* numbering; K-quants map
// to their _M mixes).
func FileType(dt kernels.DType) uint32 {
	switch dt {
	case kernels.F32:
		return 0
	case kernels.F16:
		return 1
	case kernels.Q4_0:
		return 2
	case kernels.Q4_1:
		return 3
	case kernels.Q8_0:
		return 7
	case kernels.Q5_0:
		return 8
	case kernels.Q5_1:
		return 9
	case kernels.Q2_K:
		return 10
	case kernels.Q3_K:
		return 12
	case kernels.Q4_K:
		return 15
	case kernels.Q5_K:
		return 17
	case kernels.Q6_K:
		return 18
	case kernels.BF16:
		return 32
	}
	return 0
}

// metadata is the GGUF key/value list, in the converter's order.
func (o Options) metadata() []gguf.KeyValue {
	a := o.ggufArch()
	kv := []gguf.KeyValue{
		{Key: "general.architecture", Value: gguf.String(a)},
		{Key: "general.type", Value: gguf.String("model")},
		{Key: "general.name", Value: gguf.String(o.Arch)},
	}
	add := func(k string, v gguf.Value) { kv = append(kv, gguf.KeyValue{Key: k, Value: v}) }
	u := func(k string, v int) { add(a+"."+k, gguf.Uint32(uint32(v))) }
	u("block_count", o.Layers)
	u("context_length", o.Context)
	u("embedding_length", o.Hidden)
	u("feed_forward_length", o.FFN)
	u("attention.head_count", o.Heads)
	u("attention.head_count_kv", o.KVHeads)
	eps := float32(o.normEps())
	if o.Arch != "gemma" {
		add(a+".rope.freq_base", gguf.Float32(float32(o.ropeTheta())))
	}
	add(a+".attention.layer_norm_rms_epsilon", gguf.Float32(eps))
	if o.Arch == "gemma" {
		u("attention.key_length", o.HeadDim)
		u("attention.value_length", o.HeadDim)
	}
	add("general.file_type", gguf.Uint32(FileType(o.DType)))
	if a == "llama" {
		u("vocab_size", o.Vocab)
	}
	if a == "llama" || a == "phi3" {
		u("rope.dimension_count", o.HeadDim)
	}
	if a == "phi3" {
		u("rope.scaling.original_context_length", o.Context)
	}
	add("general.quantization_version", gguf.Uint32(2))
	if o.noVocab {
		return kv
	}
	tokens, scores, types := vocab(o.Vocab)
	add("tokenizer.ggml.model", gguf.String("llama"))
	add("tokenizer.ggml.pre", gguf.String("default"))
	add("tokenizer.ggml.tokens", gguf.Strings(tokens))
	add("tokenizer.ggml.scores", gguf.Float32s(scores))
	add("tokenizer.ggml.token_type", gguf.Int32s(types))
	add("tokenizer.ggml.bos_token_id", gguf.Uint32(1))
	add("tokenizer.ggml.eos_token_id", gguf.Uint32(2))
	add("tokenizer.ggml.unknown_token_id", gguf.Uint32(0))
	add("tokenizer.ggml.add_bos_token", gguf.Bool(true))
	add("tokenizer.ggml.add_eos_token", gguf.Bool(false))
	return kv
}

func (o Options) normEps() float64 {
	if o.NormEps > 0 {
		return o.NormEps
	}
	if o.Arch == "qwen2" || o.Arch == "gemma" {
		return 1e-6
	}
	return 1e-5
}

func (o Options) ropeTheta() float64 {
	if o.RopeTheta > 0 {
		return o.RopeTheta
	}
	switch o.Arch {
	case "mistral", "qwen2":
		return 1e6
	}
	return 1e4
}

// vocab is a minimal LLaMA SentencePiece vocabulary of n pieces: <unk>,
// <s>, </s>, the 256 byte tokens, then filler pieces (▁ and the letters,
// ▁-prefixed letters, then letter pairs…) with decreasing scores.
func vocab(n int) (tokens []string, scores []float32, types []int32) {
	tokens = append(tokens, "<unk>", "<s>", "</s>")
	types = append(types, 2, 3, 3)
	for b := 0; b < 256; b++ {
		tokens = append(tokens, fmt.Sprintf("<0x%02X>", b))
		types = append(types, 6)
	}
	scores = make([]float32, len(tokens), n)
	letters := "etaoinshrdlcumwfgypbvkjxqz"
	var fill []string
	fill = append(fill, "▁")
	for _, c := range letters {
		fill = append(fill, string(c))
	}
	for _, c := range letters {
		fill = append(fill, "▁"+string(c))
	}
	for _, a := range letters {
		for _, b := range letters {
			fill = append(fill, string(a)+string(b), "▁"+string(a)+string(b))
		}
	}
	for i := 0; len(tokens) < n; i++ {
		p := fmt.Sprintf("▁w%d", i)
		if i < len(fill) {
			p = fill[i]
		}
		tokens = append(tokens, p)
		scores = append(scores, float32(-i))
		types = append(types, 1)
	}
	return tokens[:n], scores[:n], types[:n]
}

// encodeTensor returns the tensor's bytes in its file layout: rows in
// GGUF order when gg (q/k permuted), 2-D weights in o.DType, vectors F32.
func (o Options) encodeTensor(s tensorSpec, gg bool) (kernels.DType, []int, []byte, error) {
	if s.cols == 0 {
		row := make([]float32, s.rows)
		if err := o.values(s, 0, row, !gg); err != nil {
			return 0, nil, nil, err
		}
		b := make([]byte, 4*s.rows)
		kernels.QuantizeRow(kernels.F32, b, row)
		return kernels.F32, []int{s.rows}, b, nil
	}
	dt := o.matrixType(s)
	rb, err := dt.RowBytes(s.cols)
	if err != nil {
		return 0, nil, nil, fmt.Errorf("synth: tensor %s: %v", s.gguf, err)
	}
	data := make([]byte, rb*s.rows)
	row := make([]float32, s.cols)
	for r := 0; r < s.rows; r++ {
		src := r
		if gg && s.permute > 0 {
			src = permutedRow(r, s.rows, s.permute)
		}
		if err := o.values(s, src, row, !gg); err != nil {
			return 0, nil, nil, err
		}
		kernels.QuantizeRow(dt, data[r*rb:(r+1)*rb], row)
	}
	return dt, []int{s.rows, s.cols}, data, nil
}

// values fills dst with row r (HF order) from the source or the
// generator.
func (o Options) values(s tensorSpec, r int, dst []float32, hf bool) error {
	if o.source != nil {
		return o.source(s, r, dst)
	}
	o.rowValues(s, r, dst, hf)
	return nil
}

// matrixType is the stored type of a 2-D tensor: DType, or the output
// type for the output matrix (the token embedding when tied).
func (o Options) matrixType(s tensorSpec) kernels.DType {
	out := "output.weight"
	if o.tied() {
		out = "token_embd.weight"
	}
	if o.outputSet && s.gguf == out {
		if _, err := o.outputType.RowBytes(s.cols); err == nil {
			return o.outputType
		}
	}
	return o.DType
}

func writeGGUF(ctx context.Context, path string, o Options) (err error) {
	var infos []gguf.TensorInfo
	var all []tensorSpec
	for _, group := range o.specs() {
		for _, s := range group {
			dt, shape := kernels.F32, []int{s.rows}
			if s.cols > 0 {
				dt, shape = o.matrixType(s), []int{s.rows, s.cols}
			}
			infos = append(infos, gguf.TensorInfo{Name: s.gguf, DType: dt, Shape: shape})
			all = append(all, s)
		}
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			os.Remove(path)
		}
	}()
	bw := bufio.NewWriterSize(f, 4<<20)
	w, err := gguf.NewWriter(bw, o.metadata(), infos, 0)
	if err != nil {
		return fmt.Errorf("synth: %s: %w", path, err)
	}
	for _, s := range all {
		if err := ctx.Err(); err != nil {
			return err
		}
		_, _, data, err := o.encodeTensor(s, true)
		if err != nil {
			return err
		}
		if err := w.WriteTensor(s.gguf, data); err != nil {
			return fmt.Errorf("synth: %s: %w", path, err)
		}
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("synth: %s: %w", path, err)
	}
	return bw.Flush()
}

// hfConfig is the config.json of the model, with the fields the HF
// classes read.
func (o Options) hfConfig() map[string]any {
	class := map[string]string{"llama": "LlamaForCausalLM", "mistral": "MistralForCausalLM",
		"qwen2": "Qwen2ForCausalLM", "gemma": "GemmaForCausalLM", "phi3": "Phi3ForCausalLM"}[o.Arch]
	eps := o.normEps()
	act := "silu"
	if o.Arch == "gemma" {
		act = "gelu_pytorch_tanh"
	}
	c := map[string]any{
		"architectures": []string{class}, "model_type": o.Arch,
		"vocab_size": o.Vocab, "hidden_size": o.Hidden, "intermediate_size": o.FFN,
		"num_hidden_layers": o.Layers, "num_attention_heads": o.Heads, "num_key_value_heads": o.KVHeads,
		"hidden_act": act, "max_position_embeddings": o.Context, "rms_norm_eps": eps,
		"rope_theta": o.ropeTheta(), "rope_scaling": nil, "tie_word_embeddings": o.tied(),
		"torch_dtype":  map[kernels.DType]string{kernels.F32: "float32", kernels.F16: "float16", kernels.BF16: "bfloat16"}[o.DType],
		"bos_token_id": 1, "eos_token_id": 2, "initializer_range": 0.02,
	}
	switch o.Arch {
	case "gemma":
		c["head_dim"] = o.HeadDim
		c["hidden_activation"] = act
	case "phi3":
		c["original_max_position_embeddings"] = o.Context
		c["sliding_window"] = nil
	case "qwen2":
		c["use_sliding_window"] = false
		c["sliding_window"] = o.Context
		c["max_window_layers"] = o.Layers
	case "mistral":
		c["sliding_window"] = nil
	}
	return c
}

// writeHF writes dir/config.json and one safetensors shard per group
// (embedding, each layer, final norm and head) with their index.
func writeHF(ctx context.Context, dir string, o Options) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	cfg, err := json.MarshalIndent(o.hfConfig(), "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "config.json"), append(cfg, '\n'), 0o644); err != nil {
		return err
	}
	groups := o.specs()
	index := map[string]any{}
	weightMap := map[string]string{}
	var total int64
	for i, group := range groups {
		if err := ctx.Err(); err != nil {
			return err
		}
		name := fmt.Sprintf("model-%05d-of-%05d.safetensors", i+1, len(groups))
		var ts []*weights.Tensor
		for _, s := range group {
			dt, shape, data, err := o.encodeTensor(s, false)
			if err != nil {
				return err
			}
			ts = append(ts, &weights.Tensor{Name: s.hf, DType: dt, Shape: shape, Data: data})
			weightMap[s.hf] = name
			total += int64(len(data))
		}
		if err := safetensors.WriteFile(filepath.Join(dir, name), ts, map[string]string{"format": "pt"}); err != nil {
			return fmt.Errorf("synth: %s: %w", name, err)
		}
	}
	index["metadata"] = map[string]any{"total_size": total}
	index["weight_map"] = weightMap
	b, err := json.MarshalIndent(index, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, safetensors.IndexFile), append(b, '\n'), 0o644)
}
