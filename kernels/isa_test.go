package kernels

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/torchless-go/torchless/internal/testenv"
)

func TestChooseISA(t *testing.T) {
	all := func(string) bool { return true }
	avx2Only := func(name string) bool { return name != "avx512" }
	fakeAVX2 := &kernelSet{name: "avx2"}
	genericOnly := map[string]*kernelSet{"generic": &genericKernels}
	withAVX2 := map[string]*kernelSet{"generic": &genericKernels, "avx2": fakeAVX2}
	for _, c := range []struct {
		req        string
		has        func(string) bool
		sets       map[string]*kernelSet
		want, note string
	}{
		{"", all, genericOnly, "generic", "avx512 kernels not implemented"},
		{"generic", all, genericOnly, "generic", ""},
		{"AVX2", all, genericOnly, "generic", "avx2 kernels not implemented"},
		{"avx512", avx2Only, genericOnly, "generic", "avx512 not supported by this CPU"},
		{"sse9", all, genericOnly, "generic", "unknown TORCHLESS_ISA sse9"},
		{"auto", all, withAVX2, "avx2", "avx512 kernels not implemented"},
		{"avx512", avx2Only, withAVX2, "avx2", "avx512 not supported"},
		{"generic", all, withAVX2, "generic", ""},
	} {
		ks, report := chooseISA(c.req, c.has, c.sets)
		if ks.name != c.want || !strings.Contains(report, c.note) || !strings.Contains(report, "using "+c.want) {
			t.Errorf("chooseISA(%q) = %s, %q; want %s with %q", c.req, ks.name, report, c.want, c.note)
		}
	}
	if got, want := ISA(), bestSet(); got != want && os.Getenv("TORCHLESS_ISA") == "" {
		t.Errorf("ISA() = %q, want %s (the best set implemented for this CPU)", got, want)
	}
	if !strings.Contains(ISAReport(), "using "+ISA()) {
		t.Errorf("ISAReport() = %q", ISAReport())
	}
	t.Log(ISAReport())
}

// TestISAEnvironment runs this test binary again with TORCHLESS_ISA set,
// to check that the variable reaches the choice made at first use.
func TestISAEnvironment(t *testing.T) {
	if os.Getenv("TORCHLESS_ISA_CHILD") == "1" {
		fmt.Println("REPORT:", ISAReport())
		return
	}
	for _, req := range []string{"generic", "avx2", "avx512", "bogus"} {
		cmd := testenv.SelfCommand("-test.run=^TestISAEnvironment$", "-test.v")
		cmd.Env = append(os.Environ(), "TORCHLESS_ISA_CHILD=1", "TORCHLESS_ISA="+req)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("child with TORCHLESS_ISA=%s: %v\n%s", req, err, out)
		}
		want := bestSet()
		if req == "generic" || (req == "avx2" && !cpuHas("avx2")) {
			want = "generic"
		} else if req == "avx2" {
			want = "avx2"
		}
		if !strings.Contains(string(out), "REPORT: requested "+req) || !strings.Contains(string(out), "using "+want) {
			t.Errorf("TORCHLESS_ISA=%s: child reported\n%s", req, out)
		}
	}
}

// bestSet is the set auto selection must pick on this CPU.
func bestSet() string {
	for _, name := range isaOrder {
		if kernelSets[name] != nil && cpuHas(name) {
			return name
		}
	}
	return "generic"
}
