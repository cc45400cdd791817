package kernel

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/torchless-go/torchless/internal/testenv"
)

// The integration tests build the torchless binary, install its kernelspec
// in a temporary prefix, and drive the real kernel process with Debian's
// Jupyter client (python3-jupyter-client, python3-jupyter-kernel-test,
// python3-nbclient; .ci/test-deps installs them). Without them the tests
// skip, unless TORCHLESS_REQUIRE_FIXTURES=1.

var (
	buildOnce sync.Once
	buildDir  string
	buildErr  error
)

// jupyterPython returns a python3 that imports jupyter_client (and the
// other modules named), or skips.
func jupyterPython(t *testing.T, modules ...string) string {
	t.Helper()
	cands := []string{os.Getenv("TORCHLESS_PYTHON"), "/usr/bin/python3", "python3"}
	imp := "import " + strings.Join(append([]string{"jupyter_client"}, modules...), ", ")
	for _, c := range cands {
		if c == "" {
			continue
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		err := exec.CommandContext(ctx, c, "-c", imp).Run()
		cancel()
		if err == nil {
			return c
		}
	}
	msg := "no python3 with " + strings.Join(append([]string{"jupyter_client"}, modules...), ", ") + " (run .ci/test-deps)"
	if testenv.Required() {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// kernelPrefix builds the binary and installs the kernelspec once; it
// returns the JUPYTER_PATH directory.
func kernelPrefix(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		buildDir, buildErr = os.MkdirTemp("", "torchless-kernel-test")
		if buildErr != nil {
			return
		}
		bin := filepath.Join(buildDir, "torchless")
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "github.com/torchless-go/torchless/cmd/torchless")
		cmd.Dir = testenv.RepoRoot(t)
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = &buildError{err, string(out)}
			return
		}
		cmd = exec.CommandContext(ctx, bin, "kernel", "install", "--prefix", buildDir)
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = &buildError{err, string(out)}
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return filepath.Join(buildDir, "share", "jupyter")
}

type buildError struct {
	err error
	out string
}

func (e *buildError) Error() string { return e.err.Error() + "\n" + e.out }

func TestMain(m *testing.M) {
	code := m.Run()
	if buildDir != "" {
		os.RemoveAll(buildDir)
	}
	os.Exit(code)
}

// runPython runs a script of testdata with the kernelspec on JUPYTER_PATH.
func runPython(t *testing.T, py string, timeout time.Duration, env []string, args ...string) {
	t.Helper()
	jpath := kernelPrefix(t)
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, py, args...)
	cmd.Dir = "testdata"
	cmd.Env = append(os.Environ(), jupyterEnv(t, jpath)...)
	cmd.Env = append(cmd.Env, "PYTHONDONTWRITEBYTECODE=1")
	cmd.Env = append(cmd.Env, env...)
	cmd.WaitDelay = 5 * time.Second
	out, err := cmd.CombinedOutput()
	if ctx.Err() != nil {
		t.Fatalf("%s timed out after %v:\n%s", strings.Join(args, " "), timeout, out)
	}
	if err != nil {
		t.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, out)
	}
	t.Logf("%s", out)
}

// jupyterEnv isolates the Jupyter tools from the user's configuration and
// points them at the test's kernelspec.
func jupyterEnv(t *testing.T, jpath string) []string {
	dir := t.TempDir()
	return []string{"JUPYTER_PATH=" + jpath, "JUPYTER_RUNTIME_DIR=" + filepath.Join(dir, "runtime"),
		"JUPYTER_DATA_DIR=" + filepath.Join(dir, "data"), "JUPYTER_CONFIG_DIR=" + filepath.Join(dir, "config"),
		"JUPYTER_PLATFORM_DIRS=1"}
}

func TestJupyterClient(t *testing.T) {
	py := jupyterPython(t, "jupyter_kernel_test", "zmq")
	kernelPrefix(t)
	for _, s := range []string{"basics", "interrupt", "restart", "shutdown", "sigterm", "two_clients", "stalled_subscriber", "silent_tcp"} {
		t.Run(s, func(t *testing.T) {
			t.Parallel()
			runPython(t, py, 100*time.Second, nil, "scenarios.py", s)
		})
	}
}

func TestWithModel(t *testing.T) {
	py := jupyterPython(t, "jupyter_kernel_test", "nbclient", "nbformat")
	model := testenv.Shared(t, "fixtures", "llama2", "model.gguf")
	kernelPrefix(t)
	for _, s := range []string{"forward_interrupt", "notebook"} {
		t.Run(s, func(t *testing.T) {
			t.Parallel()
			runPython(t, py, 100*time.Second, []string{"TORCHLESS_TEST_MODEL=" + model}, "scenarios.py", s)
		})
	}
}

// TestTeachingNotebooks runs every notebook of notebooks/ (they read
// ../shared's models by relative path) top to bottom with nbclient.
func TestTeachingNotebooks(t *testing.T) {
	py := jupyterPython(t, "nbclient", "nbformat")
	testenv.Shared(t, "models", "stories260K")
	kernelPrefix(t)
	runPython(t, py, 200*time.Second, nil, "scenarios.py", "teaching_notebooks")
}

// TestConsole drives the kernel with jupyter-console, reading cells from
// its standard input.
func TestConsole(t *testing.T) {
	jupyterPython(t, "jupyter_console")
	console, err := exec.LookPath("jupyter-console")
	if err != nil {
		if _, err2 := os.Stat("/usr/bin/jupyter-console"); err2 != nil {
			if testenv.Required() {
				t.Fatal("jupyter-console not installed (run .ci/test-deps)")
			}
			t.Skip("jupyter-console not installed")
		}
		console = "/usr/bin/jupyter-console"
	}
	jpath := kernelPrefix(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, console, "--kernel=torchless", "--simple-prompt")
	cmd.Env = append(os.Environ(), jupyterEnv(t, jpath)...)
	cmd.Stdin = strings.NewReader("import \"fmt\"\nfmt.Println(6 * 7)\nx := 5\nx * 2\n")
	cmd.WaitDelay = 5 * time.Second
	out, err := cmd.CombinedOutput()
	if ctx.Err() != nil {
		t.Fatalf("jupyter-console timed out:\n%s", out)
	}
	if err != nil {
		t.Fatalf("jupyter-console: %v\n%s", err, out)
	}
	for _, want := range []string{"Go cells", "42\n", "Out[4]: 10"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("console output lacks %q:\n%s", want, out)
		}
	}
}

func TestConformance(t *testing.T) {
	py := jupyterPython(t, "jupyter_kernel_test")
	runPython(t, py, 100*time.Second, nil, "-m", "unittest", "-v", "conformance")
}
