package plots

import (
	"fmt"
	"path/filepath"
	"sort"
	"strconv"

	"github.com/torchless-go/torchless/introspect"
	"github.com/torchless-go/torchless/models"
)

// Rich display of live objects: each returns a value with HTML() and
// String() for the notebook kernel.

// ModelCard summarises a loaded model: family, parameter count, shape of
// the network, RoPE and its scaling, norm, activation, the weights' data
// types (tensors and bytes of each) and the memory they take.
func ModelCard(m models.Model) ModelSummary {
	if m == nil {
		return ModelSummary{Name: "no model"}
	}
	cfg := m.Config()
	desc := m.Description()
	s := ModelSummary{
		Family:       string(m.Architecture()),
		Layers:       cfg.Layers,
		Heads:        cfg.Heads,
		KVHeads:      cfg.KVHeads,
		HeadDim:      cfg.HeadDim,
		Hidden:       cfg.Hidden,
		Intermediate: cfg.FFN,
		Vocab:        cfg.VocabSize,
		Context:      cfg.MaxContext,
	}
	if cfg.RotaryDim > 0 {
		s.RoPE = fmt.Sprintf("θ = %g, %d of %d head dims rotate", cfg.RopeTheta, cfg.RotaryDim, cfg.HeadDim)
		if cfg.RopeScaling.Kind != models.RopeNone {
			s.RoPEScaling = ropeName(cfg.RopeScaling)
			if o := cfg.RopeScaling.OriginalContext; o > 0 {
				s.RoPEScaling += ", original context " + strconv.Itoa(o)
			}
		}
	}
	s.Norm = fmt.Sprintf("%s, ε = %s", desc.Norm, strconv.FormatFloat(cfg.NormEps, 'g', 4, 64))
	s.Activation = desc.Activation.String()
	if desc.GatedMLP {
		s.Activation += ", gated MLP"
	}
	if src := m.Source(); src != nil {
		s.Name = filepath.Base(src.Path)
		switch {
		case src.Path == models.EmbeddedName:
			s.Name = src.Path
		case s.Name == "hf": // a model's HF directory: name it by its parent
			s.Name = filepath.Base(filepath.Dir(filepath.Clean(src.Path))) + "/hf"
		}
		if src.Set != nil {
			byType := map[string]*DTypeCount{}
			for _, t := range src.Set.Tensors() {
				n := int64(1)
				for _, d := range t.Shape {
					n *= int64(d)
				}
				s.Parameters += n
				k := t.DType.String()
				if byType[k] == nil {
					byType[k] = &DTypeCount{DType: k}
				}
				b := int64(len(t.Data)) + 4*int64(len(t.Scales))
				byType[k].Tensors++
				byType[k].Bytes += b
				s.MemoryBytes += b
			}
			for _, d := range byType {
				s.DTypes = append(s.DTypes, *d)
			}
			sort.Slice(s.DTypes, func(i, j int) bool { return s.DTypes[i].Bytes > s.DTypes[j].Bytes })
		}
	}
	return s
}

// CacheTable lists a cache's hooks (forward order) with their shapes and
// bytes, then its logits.
func CacheTable(c *introspect.Cache) HookTable {
	if c == nil {
		return HookTable{Title: "activation cache (nil)"}
	}
	t := HookTable{Title: fmt.Sprintf("activation cache — %d tokens", len(c.Tokens))}
	add := func(x *introspect.Tensor) {
		t.Hooks = append(t.Hooks, HookInfo{Name: x.Name, Shape: x.Shape, DType: "F32", Bytes: x.Bytes()})
	}
	for _, n := range c.Names() {
		if x := c.Get(n); x != nil {
			add(x)
		}
	}
	if c.Logits != nil {
		add(c.Logits)
	}
	return t
}

// Tokens lists token ids with their positions and display texts.
func Tokens(ids []int, tok TokenTexter) TokenTable {
	return TokenTable{Title: fmt.Sprintf("%d tokens", len(ids)), IDs: ids, Texts: TokenTexts(ids, tok)}
}

// maxSummaryValues bounds the values a tensor summary keeps for its
// statistics; larger tensors are sampled with an even stride.
const maxSummaryValues = 1 << 20

// Tensor summarises a captured activation: shape, statistics and a small
// histogram (tensors above a million values are sampled evenly).
func Tensor(t *introspect.Tensor) TensorSummary {
	if t == nil {
		return TensorSummary{Name: "nil tensor"}
	}
	vals := t.Data
	if len(vals) > maxSummaryValues {
		step := (len(vals) + maxSummaryValues - 1) / maxSummaryValues
		s := make([]float32, 0, len(vals)/step+1)
		for i := 0; i < len(vals); i += step {
			s = append(s, vals[i])
		}
		vals = s
	}
	return TensorSummary{Name: t.Name, Shape: t.Shape, DType: "F32", Values: vals}
}
