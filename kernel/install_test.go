package kernel

import (
	"bytes"
	"encoding/json"
	"image/png"
	"os"
	"path/filepath"
	"testing"
)

func TestInstall(t *testing.T) {
	dir := t.TempDir()
	kernels, err := KernelsDir("prefix", dir)
	if err != nil {
		t.Fatal(err)
	}
	path, err := Install(kernels, "/opt/bin/torchless")
	if err != nil {
		t.Fatal(err)
	}
	if path != filepath.Join(dir, "share", "jupyter", "kernels", "torchless") {
		t.Errorf("path %s", path)
	}
	b, err := os.ReadFile(filepath.Join(path, "kernel.json"))
	if err != nil {
		t.Fatal(err)
	}
	var spec map[string]any
	if err := json.Unmarshal(b, &spec); err != nil {
		t.Fatal(err)
	}
	argv := spec["argv"].([]any)
	if argv[0] != "/opt/bin/torchless" || argv[len(argv)-1] != "{connection_file}" || spec["display_name"] != "Go (torchless)" ||
		spec["language"] != "go" || spec["interrupt_mode"] != "message" {
		t.Errorf("kernel.json %s", b)
	}
	for _, size := range []int{32, 64} {
		f, err := os.ReadFile(filepath.Join(path, "logo-"+itoa(size)+"x"+itoa(size)+".png"))
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(bytes.NewReader(f))
		if err != nil || img.Bounds().Dx() != size || img.Bounds().Dy() != size {
			t.Errorf("logo %d: %v", size, err)
		}
	}
	if _, err := KernelsDir("prefix", ""); err == nil {
		t.Error("empty prefix accepted")
	}
	t.Setenv("XDG_DATA_HOME", dir)
	if d, _ := KernelsDir("user", ""); d != filepath.Join(dir, "jupyter", "kernels") && filepath.Base(d) != "kernels" {
		t.Errorf("user dir %s", d)
	}
}

func itoa(n int) string {
	return string(rune('0'+n/10)) + string(rune('0'+n%10))
}
