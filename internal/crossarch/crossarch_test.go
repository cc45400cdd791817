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

// packages are the ones whose tests run on each variant: the kernels (the
// generic ones are arm64's), the models with their fixtures, and the
// introspection built on them. (The rest is arch-neutral or, like the
// CLI's quantize, repeats what the kernels' tests check.)
var packages = []string{"kernels", "models", "introspect"}

// TestArm64 runs the packages' tests built for arm64 under qemu-aarch64.
func TestArm64(t *testing.T) {
	if runtime.GOARCH == "arm64" {
		t.Skip("this is arm64: the packages' own tests run natively")
	}
	qemu := testenv.Tool(t, "qemu-aarch64-static", "qemu-aarch64")
	runVariant(t, []string{"GOARCH=arm64"}, qemu)
}

// TestAMD64v3 runs the packages' tests built with GOAMD64=v3, where Go
// fuses multiply-adds as it does on arm64, on this CPU.
func TestAMD64v3(t *testing.T) {
	if runtime.GOARCH != "amd64" {
		t.Skip("GOAMD64 is amd64's")
	}
	runVariant(t, []string{"GOARCH=amd64", "GOAMD64=v3"}, "")
}

// runVariant builds each package's test binary with the environment env
// and runs it through via (empty: directly), with the same fixture
// requirement and -short as this run. Children the tests start go through
// via too (testenv.SelfCommand).
func runVariant(t *testing.T, env []string, via string) {
	root := testenv.RepoRoot(t)
	dir := t.TempDir()
	for _, pkg := range packages {
		t.Run(pkg, func(t *testing.T) {
			bin := filepath.Join(dir, pkg+".test")
			ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
			defer cancel()
			build := command(ctx, "", "go", "test", "-c", "-o", bin, "./"+pkg)
			build.Dir = root
			build.Env = append(append(os.Environ(), "CGO_ENABLED=0"), env...)
			if out, err := build.CombinedOutput(); err != nil {
				t.Fatalf("building %s's tests (%s): %v\n%s", pkg, strings.Join(env, " "), err, out)
			}
			args := []string{"-test.count=1", "-test.timeout=12m"}
			if testing.Short() {
				args = append(args, "-test.short")
			}
			run := command(ctx, via, bin, args...)
			run.Dir = filepath.Join(root, pkg)
			run.Env = os.Environ()
			if via != "" {
				run.Env = append(run.Env, testenv.ExecEnv+"="+via)
			}
			out, err := run.CombinedOutput()
			if err != nil {
				t.Fatalf("%s's tests (%s): %v\n%s", pkg, strings.Join(env, " "), err, testenv.Tail(string(out), 60))
			}
			t.Logf("%s (%s): %s", pkg, strings.Join(env, " "), strings.TrimSpace(testenv.Tail(string(out), 1)))
		})
	}
}

// command runs name with args, through via when it is not empty.
func command(ctx context.Context, via, name string, args ...string) *exec.Cmd {
	if via != "" {
		return exec.CommandContext(ctx, via, append([]string{name}, args...)...)
	}
	return exec.CommandContext(ctx, name, args...)
}
