package introspect_test

import (
	"math"
	"testing"

	"github.com/torchless-go/torchless/introspect"
)

func TestPrincipalComponents(t *testing.T) {
	// Points along (3, 4)/5 with a little spread along (−4, 3)/5.
	var data []float32
	for i := -5; i <= 5; i++ {
		a, b := float32(i), float32((i+5)%2)*0.2-0.1 // b alternates, uncorrelated with a
		data = append(data, 3*a/5-4*b/5, 4*a/5+3*b/5)
	}
	r, err := introspect.PrincipalComponents(&introspect.Tensor{Name: "x", Shape: []int{11, 2}, Data: data}, 2)
	if err != nil {
		t.Fatal(err)
	}
	c := r.Components[0]
	if math.Abs(math.Abs(float64(c[0]))-0.6) > 1e-3 || math.Abs(math.Abs(float64(c[1]))-0.8) > 1e-3 {
		t.Errorf("first component %v, want ±(0.6, 0.8)", c)
	}
	if !(r.Explained[0] > 0.99) || math.Abs(r.Explained[0]+r.Explained[1]-1) > 1e-9 {
		t.Errorf("explained %v", r.Explained)
	}
	// The projection of the last point on the first component is ±5.
	if p := math.Abs(float64(r.Projections[10][0])); math.Abs(p-5) > 0.05 {
		t.Errorf("projection %g", p)
	}
	if _, err := introspect.PrincipalComponents(&introspect.Tensor{Name: "one", Shape: []int{1, 2}, Data: []float32{1, 2}}, 1); err == nil {
		t.Error("one row accepted")
	}
}
