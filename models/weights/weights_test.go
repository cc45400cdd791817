package weights

import (
	"bytes"
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/torchless-go/torchless/kernels"
)

func f32bytes(v ...float32) []byte {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(x))
	}
	return b
}

func TestBlobModes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "blob")
	want := []byte("0123456789abcdef")
	if err := os.WriteFile(path, want, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, mode := range []Mode{Eager, Lazy} {
		b, err := OpenBlob(path, mode)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(b.Bytes(), want) || b.Mapped() != (mode == Lazy) {
			t.Errorf("%s: got %q mapped=%v", mode, b.Bytes(), b.Mapped())
		}
		if err := b.Close(); err != nil {
			t.Error(err)
		}
	}
	empty := filepath.Join(t.TempDir(), "empty")
	os.WriteFile(empty, nil, 0o644)
	if b, err := OpenBlob(empty, Lazy); err != nil || len(b.Bytes()) != 0 {
		t.Errorf("empty file: %v", err)
	}
	if _, err := OpenBlob(t.TempDir(), Eager); err == nil || !strings.Contains(err.Error(), "directory") {
		t.Errorf("directory: %v", err)
	}
	if _, err := OpenBlob(filepath.Join(t.TempDir(), "missing"), Eager); err == nil {
		t.Error("missing file opened")
	}
}

func TestTensor(t *testing.T) {
	x := &Tensor{Name: "w", DType: kernels.F32, Shape: []int{2, 3}, Data: f32bytes(1, 2, 3, 4, 5, 6)}
	if err := x.Validate(); err != nil {
		t.Fatal(err)
	}
	if x.Rows() != 2 || x.Cols() != 3 || x.NumElements() != 6 {
		t.Errorf("rows %d cols %d n %d", x.Rows(), x.Cols(), x.NumElements())
	}
	v, err := x.Float32()
	if err != nil || v[4] != 5 {
		t.Errorf("Float32: %v %v", v, err)
	}
	bad := []*Tensor{
		{Name: "short", DType: kernels.F32, Shape: []int{2, 3}, Data: f32bytes(1, 2)},
		{Name: "blocks", DType: kernels.Q8_0, Shape: []int{2, 31}, Data: make([]byte, 68)},
		{Name: "negative", DType: kernels.F32, Shape: []int{-1, 3}},
		{Name: "scales", DType: kernels.TLInt8, Shape: []int{1, 64}, Data: make([]byte, 64)},
		{Name: "huge", DType: kernels.F32, Shape: []int{1 << 30, 1 << 30}},
	}
	for _, b := range bad {
		if err := b.Validate(); err == nil || !strings.Contains(err.Error(), b.Name) {
			t.Errorf("%s: %v", b.Name, err)
		}
	}
	if _, err := (&Tensor{Name: "ids", DType: kernels.I64, Shape: []int{1}, Data: make([]byte, 8)}).Float32(); err == nil {
		t.Error("integer tensor converted to float")
	}
	q := &Tensor{Name: "q", DType: kernels.TLInt8, Shape: []int{1, 64}, Data: make([]byte, 64), Scales: []float32{2}}
	q.Data[5] = 4
	if v, _ := q.Float32(); v[5] != 2 {
		t.Errorf("int8 dequant: %v", v[5])
	}
}

func TestSet(t *testing.T) {
	s := NewSet()
	for _, n := range []string{"b.weight", "a.weight", "a.bias"} {
		if err := s.Add(&Tensor{Name: n, DType: kernels.F32, Shape: []int{1}, Data: f32bytes(1)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Add(&Tensor{Name: "a.bias"}); err == nil {
		t.Error("duplicate name accepted")
	}
	if got := strings.Join(s.Names(), ","); got != "a.bias,a.weight,b.weight" {
		t.Errorf("Names: %s", got)
	}
	m, err := s.Match("a.*")
	if err != nil || len(m) != 2 || s.Get("b.weight") == nil || s.TotalBytes() != 12 {
		t.Errorf("Match: %d %v", len(m), err)
	}
	if _, err := s.Match("["); err == nil {
		t.Error("bad pattern accepted")
	}
}
