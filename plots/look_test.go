package plots

import (
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var lookDir = flag.String("look", "", "write every figure kind as PNG and SVG to this directory")

func saveLook(t *testing.T, name string, f *Figure) {
	t.Helper()
	if *lookDir == "" {
		return
	}
	if err := os.MkdirAll(*lookDir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, ext := range []string{".png", ".svg"} {
		if err := f.Save(filepath.Join(*lookDir, name+ext)); err != nil {
			t.Fatal(err)
		}
	}
}
