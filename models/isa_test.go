package models_test

import (
	"os"
	"strings"
	"testing"

	"github.com/torchless-go/torchless/internal/testenv"
	"github.com/torchless-go/torchless/kernels"
)

// fixtureTests are the tests that compare whole models with the
// reference; TestFixturesOnEveryISA runs them on every kernel set.
const fixtureTests = "^(TestFixturesMatchReference|TestQuantizedFixtures|TestQuantsEveryType|TestInt8ActivationsMatchLlamaCpp)$"

// TestFixturesOnEveryISA runs the fixture tests again in child processes
// with TORCHLESS_ISA forcing each kernel set (the choice is made once per
// process), so the reference comparisons hold for the generic Go kernels
// and each SIMD set, not only the one this CPU picks. A set the CPU
// cannot run falls back to a smaller one; the child reports which ran.
func TestFixturesOnEveryISA(t *testing.T) {
	if os.Getenv("TORCHLESS_ISA_CHILD") == "1" {
		t.Log("ISA:", kernels.ISAReport())
		return
	}
	for _, isa := range []string{"generic", "avx2", "avx512"} {
		if isa == kernels.ISA() {
			continue // this process runs them on its own set
		}
		cmd := testenv.SelfCommand("-test.run="+fixtureTests+"|^TestFixturesOnEveryISA$", "-test.v", "-test.count=1")
		cmd.Env = append(os.Environ(), "TORCHLESS_ISA_CHILD=1", "TORCHLESS_ISA="+isa)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Errorf("fixture tests with TORCHLESS_ISA=%s: %v\n%s", isa, err, testenv.Tail(string(out), 40))
			continue
		}
		for _, line := range strings.Split(string(out), "\n") {
			if strings.Contains(line, "ISA: ") {
				t.Logf("TORCHLESS_ISA=%s: %s", isa, strings.TrimSpace(line))
			}
		}
	}
}
