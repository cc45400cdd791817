package models

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"sort"

	"github.com/torchless-go/torchless/kernels"
	"github.com/torchless-go/torchless/models/modelbin"
	"github.com/torchless-go/torchless/models/weights"
)

// ExportModelBin writes the tensors of src (under the names it stores
// them by) and its config to a torchless model.bin at path. Config
// values become strings (objects and lists as JSON). With int8, every
// matrix whose rows are a multiple of 64 is stored as torchless grouped
// int8; everything else stays float32.
func ExportModelBin(src *Source, path string, int8 bool) error {
	meta := map[string]string{}
	for k, v := range src.Metadata {
		switch x := v.(type) {
		case nil:
			continue
		case string:
			meta[k] = x
		case []any:
			if k == "architectures" && len(x) == 1 {
				meta[k], _ = x[0].(string)
				continue
			}
			b, err := json.Marshal(x)
			if err != nil {
				return fmt.Errorf("config %s: %w", k, err)
			}
			meta[k] = string(b)
		default:
			b, err := json.Marshal(x)
			if err != nil {
				return fmt.Errorf("config %s: %w", k, err)
			}
			meta[k] = string(b)
		}
	}
	names := src.Set.Names()
	sort.Strings(names)
	var out []*weights.Tensor
	for _, n := range names {
		t := src.Set.Get(n)
		data, err := t.Float32()
		if err != nil {
			return err
		}
		if int8 && len(t.Shape) == 2 && t.Cols()%kernels.TLInt8Group == 0 {
			q, err := modelbin.QuantizeInt8(n, t.Shape, data)
			if err != nil {
				return err
			}
			out = append(out, q)
			continue
		}
		raw := make([]byte, 4*len(data))
		for i, v := range data {
			binary.LittleEndian.PutUint32(raw[4*i:], math.Float32bits(v))
		}
		out = append(out, &weights.Tensor{Name: n, DType: kernels.F32, Shape: append([]int(nil), t.Shape...), Data: raw})
	}
	return modelbin.WriteFile(path, meta, out, nil)
}
