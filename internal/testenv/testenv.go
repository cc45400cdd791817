// Package testenv finds the shared test data (../shared beside the
// repository, or $TORCHLESS_SHARED) for tests. Tests that need it skip
// when it is absent, and fail instead when TORCHLESS_REQUIRE_FIXTURES=1.
package testenv

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// Required reports whether missing test data must fail tests.
func Required() bool { return os.Getenv("TORCHLESS_REQUIRE_FIXTURES") == "1" }

// repoRoot walks up from the working directory to the directory holding go.mod.
func repoRoot() string {
	dir, err := os.Getwd()
	if err != nil {
		return ""
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

// RepoRoot returns the repository root (the directory holding go.mod).
func RepoRoot(t testing.TB) string {
	t.Helper()
	r := repoRoot()
	if r == "" {
		t.Fatal("go.mod not found above the working directory")
	}
	return r
}

// Shared returns the shared test data directory, joined with elem. It
// skips the test (or fails it, when data is required) if that path does
// not exist.
func Shared(t testing.TB, elem ...string) string {
	t.Helper()
	base := os.Getenv("TORCHLESS_SHARED")
	if base == "" {
		if r := repoRoot(); r != "" {
			base = filepath.Join(r, "..", "shared")
		}
	}
	p := filepath.Join(append([]string{base}, elem...)...)
	if base == "" {
		missing(t, "../shared (TORCHLESS_SHARED unset and go.mod not found)")
	} else if _, err := os.Stat(p); err != nil {
		missing(t, p)
	}
	return p
}

// Need skips the test (or fails it, when data is required) if path does
// not exist, and returns path.
func Need(t testing.TB, path string) string {
	t.Helper()
	if _, err := os.Stat(path); err != nil {
		missing(t, path)
	}
	return path
}

// Tail returns the last n lines of s (a child test run's output, say).
func Tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// Tool returns the path of the first of names found on PATH; without any,
// it skips the test (or fails it, when data is required).
func Tool(t testing.TB, names ...string) string {
	t.Helper()
	for _, n := range names {
		if p, err := exec.LookPath(n); err == nil {
			return p
		}
	}
	missing(t, fmt.Sprintf("a command named %s on PATH (.ci/test-deps installs it)", strings.Join(names, " or ")))
	return ""
}

func missing(t testing.TB, what string) {
	t.Helper()
	if Required() {
		t.Fatalf("test data missing: %s (TORCHLESS_REQUIRE_FIXTURES=1)", what)
	}
	t.Skipf("test data missing: %s", what)
}

// Fixtures returns the names of the model fixture variants (the folders
// of ../shared/fixtures holding a model.gguf, quants excluded).
func Fixtures(t testing.TB) []string {
	t.Helper()
	dir := Shared(t, "fixtures")
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		if e.IsDir() && e.Name() != "quants" {
			if _, err := os.Stat(filepath.Join(dir, e.Name(), "model.gguf")); err == nil {
				names = append(names, e.Name())
			}
		}
	}
	if len(names) == 0 {
		t.Fatalf("no fixtures in %s", dir)
	}
	return names
}

// ExecEnv names the variable that holds a command to run test binaries
// through: an emulator such as qemu-aarch64-static, when the binary was
// built for another architecture (the arm64 run in internal/crossarch).
const ExecEnv = "TORCHLESS_TEST_EXEC"

// SelfCommand returns a command that runs this test binary again with
// args, through $TORCHLESS_TEST_EXEC when it is set, so tests that run
// themselves in a child process also work under an emulator.
func SelfCommand(args ...string) *exec.Cmd {
	if e := os.Getenv(ExecEnv); e != "" {
		return exec.Command(e, append([]string{os.Args[0]}, args...)...)
	}
	return exec.Command(os.Args[0], args...)
}
