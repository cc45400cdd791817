package safetensors

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/torchless-go/torchless/models/internal/jsonobj"
	"os"
	"path/filepath"
	"sort"

	"github.com/torchless-go/torchless/models/weights"
)

// IndexFile is the name of the index of a sharded checkpoint.
const IndexFile = "model.safetensors.index.json"

// SingleFile is the conventional name of an unsharded checkpoint.
const SingleFile = "model.safetensors"

// Index is the parsed model.safetensors.index.json of a sharded checkpoint.
type Index struct {
	// Metadata is the index's "metadata" (e.g. total_size), values kept
	// as their JSON text when they are not strings.
	Metadata map[string]string
	// WeightMap maps each tensor name to the shard file holding it.
	WeightMap map[string]string
}

// Shards returns the shard file names the index uses, sorted.
func (ix *Index) Shards() []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range ix.WeightMap {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	sort.Strings(out)
	return out
}

// ParseIndex parses the contents of a model.safetensors.index.json; name
// is used in errors. Shard names must be local relative paths.
func ParseIndex(name string, data []byte) (*Index, error) {
	members, err := jsonobj.Decode(data)
	if err != nil {
		return nil, errorf(name, "", "", "invalid JSON: %v", err)
	}
	ix := &Index{Metadata: map[string]string{}}
	for _, m := range members {
		switch m.Key {
		case "metadata":
			md, err := jsonobj.Decode(m.Value)
			if err != nil {
				return nil, errorf(name, "", "metadata", "%v", err)
			}
			for _, kv := range md {
				var s string
				if json.Unmarshal(kv.Value, &s) == nil {
					ix.Metadata[kv.Key] = s
				} else {
					ix.Metadata[kv.Key] = string(kv.Value)
				}
			}
		case "weight_map":
			wm, err := jsonobj.Decode(m.Value)
			if err != nil {
				return nil, errorf(name, "", "weight_map", "%v", err)
			}
			ix.WeightMap = make(map[string]string, len(wm))
			for _, kv := range wm {
				var s string
				if err := json.Unmarshal(kv.Value, &s); err != nil {
					return nil, errorf(name, kv.Key, "weight_map", "shard is not a string")
				}
				if !filepath.IsLocal(s) {
					return nil, errorf(name, kv.Key, "weight_map", "shard %q is not a relative path inside the directory", s)
				}
				ix.WeightMap[kv.Key] = filepath.Clean(s)
			}
		}
	}
	if ix.WeightMap == nil {
		return nil, errorf(name, "", "weight_map", "missing")
	}
	return ix, nil
}

// OpenDir opens the safetensors checkpoint in dir. With a
// model.safetensors.index.json it opens every shard the index names and
// checks that each tensor is in the shard the index says (a missing shard,
// a tensor absent from its shard, or a tensor the index does not place in
// that shard are errors). Without an index it opens model.safetensors, or
// the directory's only *.safetensors file. The returned set owns the
// files: Close it when done.
func OpenDir(dir string, mode weights.Mode) (*weights.Set, error) {
	return OpenDirContext(context.Background(), dir, mode)
}

// OpenDirContext is OpenDir, stopping with ctx's error if ctx is
// cancelled while shards are read.
func OpenDirContext(ctx context.Context, dir string, mode weights.Mode) (*weights.Set, error) {
	ixPath := filepath.Join(dir, IndexFile)
	ixData, err := os.ReadFile(ixPath)
	if errors.Is(err, os.ErrNotExist) {
		p, err := singleFile(dir)
		if err != nil {
			return nil, err
		}
		f, err := OpenContext(ctx, p, mode)
		if err != nil {
			return nil, err
		}
		return f.Set(), nil
	}
	if err != nil {
		return nil, err
	}
	ix, err := ParseIndex(ixPath, ixData)
	if err != nil {
		return nil, err
	}
	return openSharded(ctx, dir, ixPath, ix, mode)
}

func singleFile(dir string) (string, error) {
	p := filepath.Join(dir, SingleFile)
	if _, err := os.Stat(p); err == nil {
		return p, nil
	}
	matches, err := filepath.Glob(filepath.Join(dir, "*.safetensors"))
	if err != nil {
		return "", err
	}
	switch len(matches) {
	case 0:
		return "", fmt.Errorf("%s: no %s, %s or other *.safetensors file", dir, IndexFile, SingleFile)
	case 1:
		return matches[0], nil
	}
	return "", fmt.Errorf("%s: %d *.safetensors files and no %s to say which to use", dir, len(matches), IndexFile)
}

func openSharded(ctx context.Context, dir, ixPath string, ix *Index, mode weights.Mode) (*weights.Set, error) {
	// Tensors each shard must hold, sorted for stable messages.
	need := map[string][]string{}
	for t, shard := range ix.WeightMap {
		need[shard] = append(need[shard], t)
	}
	for _, ts := range need {
		sort.Strings(ts)
	}
	set := weights.NewSet()
	fail := func(err error) (*weights.Set, error) {
		set.Close()
		return nil, err
	}
	for _, shard := range ix.Shards() {
		p := filepath.Join(dir, shard)
		if _, err := os.Stat(p); err != nil {
			return fail(fmt.Errorf("%s: shard %s (holding tensor %q, among others) cannot be opened: %w",
				ixPath, shard, need[shard][0], err))
		}
		f, err := OpenContext(ctx, p, mode)
		if err != nil {
			return fail(err)
		}
		set.Own(f.TakeBlob())
		for _, name := range need[shard] {
			if f.Get(name) == nil {
				return fail(errorf(p, name, "", "the index %s places this tensor in shard %s, which does not hold it", ixPath, shard))
			}
		}
		for _, t := range f.Tensors {
			want, listed := ix.WeightMap[t.Name]
			if !listed {
				return fail(errorf(p, t.Name, "", "tensor is in shard %s but the index %s does not list it", shard, ixPath))
			}
			if want != shard {
				return fail(errorf(p, t.Name, "", "tensor is in shard %s but the index %s places it in %s", shard, ixPath, want))
			}
			if err := set.Add(t); err != nil {
				return fail(fmt.Errorf("%s: %v", p, err))
			}
		}
	}
	return set, nil
}
