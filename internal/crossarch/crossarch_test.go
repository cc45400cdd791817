package crossarch

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/torchless-go/torchless/internal/testenv"
)

// packages are the ones whose tests run on arm64: the kernels (the
// generic ones are arm64's) and the models with their fixtures.
var packages = []string{"kernels", "models"}

// TestArm64 builds each package's test binary for arm64 and runs it under
// qemu-aarch64, with the same fixture requirement as this run (children
// the tests start go through qemu too: testenv.SelfCommand).
func TestArm64(t *testing.T) {
	if runtime.GOARCH == "arm64" {
		t.Skip("this is arm64: the packages' own tests run natively")
	}
	qemu := testenv.Tool(t, "qemu-aarch64-static", "qemu-aarch64")
	root := testenv.RepoRoot(t)
	dir := t.TempDir()
	for _, pkg := range packages {
		t.Run(pkg, func(t *testing.T) {
			bin := filepath.Join(dir, pkg+".test")
			ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
			defer cancel()
			build := exec.CommandContext(ctx, "go", "test", "-c", "-o", bin, "./"+pkg)
			build.Dir = root
			build.Env = append(os.Environ(), "GOARCH=arm64", "CGO_ENABLED=0")
			if out, err := build.CombinedOutput(); err != nil {
				t.Fatalf("building %s's tests for arm64: %v\n%s", pkg, err, out)
			}
			args := []string{bin, "-test.count=1", "-test.timeout=12m"}
			if testing.Short() {
				args = append(args, "-test.short")
			}
			run := exec.CommandContext(ctx, qemu, args...)
			run.Dir = filepath.Join(root, pkg)
			run.Env = append(os.Environ(), testenv.ExecEnv+"="+qemu)
			out, err := run.CombinedOutput()
			if err != nil {
				t.Fatalf("%s's tests on arm64 (qemu): %v\n%s", pkg, err, tail(string(out), 60))
			}
			t.Logf("%s on arm64: %s", pkg, strings.TrimSpace(tail(string(out), 1)))
		})
	}
}

// tail returns the last n lines of s.
func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}
