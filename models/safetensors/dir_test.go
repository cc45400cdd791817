package safetensors

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/torchless-go/torchless/internal/testenv"
	"github.com/torchless-go/torchless/models/weights"
)

// shardFixture writes the llama2 fixture's tensors into dir as two shards
// plus an index, and returns the single file's tensors and the weight map.
func shardFixture(t *testing.T, dir string) ([]*weights.Tensor, map[string]string) {
	t.Helper()
	p := filepath.Join(testenv.Shared(t, "fixtures", "llama2", "hf"), "model.safetensors")
	f, err := Open(p, weights.Eager)
	if err != nil {
		t.Fatal(err)
	}
	half := len(f.Tensors) / 2
	// Interleave so each shard holds tensors from everywhere in the model.
	var a, b []*weights.Tensor
	wm := map[string]string{}
	for i, ten := range f.Tensors {
		if i%2 == 0 {
			a = append(a, ten)
			wm[ten.Name] = "model-00001-of-00002.safetensors"
		} else {
			b = append(b, ten)
			wm[ten.Name] = "model-00002-of-00002.safetensors"
		}
	}
	if len(a) < half || len(b) == 0 {
		t.Fatal("fixture too small to shard")
	}
	if err := WriteFile(filepath.Join(dir, "model-00001-of-00002.safetensors"), a, f.Metadata); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(filepath.Join(dir, "model-00002-of-00002.safetensors"), b, f.Metadata); err != nil {
		t.Fatal(err)
	}
	writeIndex(t, dir, wm)
	return f.Tensors, wm
}

func writeIndex(t *testing.T, dir string, wm map[string]string) {
	t.Helper()
	data, err := json.Marshal(map[string]any{"metadata": map[string]any{"total_size": 123}, "weight_map": wm})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, IndexFile), data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestOpenDirSharded(t *testing.T) {
	dir := t.TempDir()
	want, _ := shardFixture(t, dir)
	for _, mode := range []weights.Mode{weights.Eager, weights.Lazy} {
		set, err := OpenDir(dir, mode)
		if err != nil {
			t.Fatal(err)
		}
		sameTensors(t, want, set.Tensors())
		if err := set.Close(); err != nil {
			t.Error(err)
		}
	}
}

func TestOpenDirSingle(t *testing.T) {
	hf := testenv.Shared(t, "fixtures", "llama2", "hf")
	set, err := OpenDir(hf, weights.Lazy)
	if err != nil {
		t.Fatal(err)
	}
	defer set.Close()
	f, err := Open(filepath.Join(hf, SingleFile), weights.Eager)
	if err != nil {
		t.Fatal(err)
	}
	sameTensors(t, f.Tensors, set.Tensors())

	// Any single *.safetensors file is used when model.safetensors is absent.
	dir := t.TempDir()
	if err := WriteF32File(filepath.Join(dir, "weights.safetensors"), []F32Tensor{{"x", []int{1}, []float32{1}}}, nil); err != nil {
		t.Fatal(err)
	}
	s2, err := OpenDir(dir, weights.Eager)
	if err != nil {
		t.Fatal(err)
	}
	if s2.Get("x") == nil {
		t.Error("tensor x missing")
	}
	// Two candidates and no index: an error, not a guess.
	WriteF32File(filepath.Join(dir, "other.safetensors"), nil, nil)
	if _, err := OpenDir(dir, weights.Eager); err == nil || !strings.Contains(err.Error(), dir) {
		t.Errorf("two files without index: %v", err)
	}
	if _, err := OpenDir(t.TempDir(), weights.Eager); err == nil {
		t.Error("empty directory accepted")
	}
}

func TestOpenDirMissingShard(t *testing.T) {
	dir := t.TempDir()
	_, wm := shardFixture(t, dir)
	os.Remove(filepath.Join(dir, "model-00002-of-00002.safetensors"))
	_, err := OpenDir(dir, weights.Lazy)
	if err == nil {
		t.Fatal("missing shard accepted")
	}
	t.Log(err)
	var needed string
	for name, shard := range wm {
		if shard == "model-00002-of-00002.safetensors" && strings.Contains(err.Error(), `"`+name+`"`) {
			needed = name
		}
	}
	if !strings.Contains(err.Error(), "model-00002-of-00002.safetensors") || needed == "" {
		t.Errorf("error %q does not name the shard and a tensor it holds", err)
	}
}

func TestOpenDirTensorMissingFromShard(t *testing.T) {
	dir := t.TempDir()
	_, wm := shardFixture(t, dir)
	wm["model.extra.weight"] = "model-00001-of-00002.safetensors"
	writeIndex(t, dir, wm)
	_, err := OpenDir(dir, weights.Eager)
	if err == nil || !strings.Contains(err.Error(), `"model.extra.weight"`) || !strings.Contains(err.Error(), "model-00001-of-00002.safetensors") {
		t.Errorf("error %v does not name the tensor and its shard", err)
	}
}

func TestOpenDirWrongShard(t *testing.T) {
	dir := t.TempDir()
	_, wm := shardFixture(t, dir)
	var moved string
	for name, shard := range wm {
		if shard == "model-00002-of-00002.safetensors" {
			moved = name
			break
		}
	}
	// The index claims a shard-2 tensor lives in shard 1.
	wm[moved] = "model-00001-of-00002.safetensors"
	writeIndex(t, dir, wm)
	_, err := OpenDir(dir, weights.Eager)
	if err == nil || !strings.Contains(err.Error(), `"`+moved+`"`) {
		t.Errorf("error %v does not name tensor %q", err, moved)
	}
	// A tensor the index does not list at all.
	delete(wm, moved)
	writeIndex(t, dir, wm)
	_, err = OpenDir(dir, weights.Eager)
	if err == nil || !strings.Contains(err.Error(), `"`+moved+`"`) || !strings.Contains(err.Error(), "does not list") {
		t.Errorf("unlisted tensor: %v", err)
	}
}

func TestParseIndexErrors(t *testing.T) {
	cases := map[string]string{
		"invalid json":  `{"weight_map": `,
		"no weight_map": `{"metadata": {}}`,
		"escaping":      `{"weight_map": {"a": "../x.safetensors"}}`,
		"absolute":      `{"weight_map": {"a": "/etc/x.safetensors"}}`,
		"not string":    `{"weight_map": {"a": 3}}`,
	}
	for name, data := range cases {
		_, err := ParseIndex("idx.json", []byte(data))
		if err == nil || !strings.HasPrefix(err.Error(), "idx.json") {
			t.Errorf("%s: %v", name, err)
		}
	}
	ix, err := ParseIndex("idx.json", []byte(`{"metadata":{"total_size":12,"s":"x"},"weight_map":{"a":"./s1","b":"s2","c":"s1"}}`))
	if err != nil {
		t.Fatal(err)
	}
	if ix.Metadata["total_size"] != "12" || ix.Metadata["s"] != "x" || strings.Join(ix.Shards(), ",") != "s1,s2" {
		t.Errorf("parsed %+v, shards %v", ix, ix.Shards())
	}
}
