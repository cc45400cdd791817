package introspect

import (
	"fmt"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat"
)

// PCAResult is a principal component analysis of activation rows.
type PCAResult struct {
	// Components is [k][H]: the principal directions, most variance first.
	Components [][]float32
	// Variance is each component's variance; Explained its fraction of
	// the total.
	Variance, Explained []float64
	// Projections is [rows][k]: each row's coordinates along the components
	// (after centring).
	Projections [][]float32
}

// PrincipalComponents computes the top k principal components of the rows
// of t (a [T, H] activation such as a residual stream, or any tensor whose
// last dimension is the feature), using gonum's SVD-based stat.PC. Use it
// to see the main directions tokens move along in a layer.
func PrincipalComponents(t *Tensor, k int) (*PCAResult, error) {
	if t == nil || len(t.Shape) == 0 {
		return nil, fmt.Errorf("principal components: no tensor")
	}
	H := t.Shape[len(t.Shape)-1]
	rows := len(t.Data) / H
	if rows < 2 {
		return nil, fmt.Errorf("principal components of %s: need at least 2 rows, have %d", t.Name, rows)
	}
	k = max(1, min(k, min(rows, H)))
	data := make([]float64, len(t.Data))
	for i, v := range t.Data {
		data[i] = float64(v)
	}
	a := mat.NewDense(rows, H, data)
	var pc stat.PC
	if !pc.PrincipalComponents(a, nil) {
		return nil, fmt.Errorf("principal components of %s: the decomposition failed", t.Name)
	}
	vars := pc.VarsTo(nil)
	var vecs mat.Dense
	pc.VectorsTo(&vecs)
	var total float64
	for _, v := range vars {
		total += v
	}
	r := &PCAResult{}
	for c := 0; c < k; c++ {
		comp := make([]float32, H)
		for i := range comp {
			comp[i] = float32(vecs.At(i, c))
		}
		r.Components = append(r.Components, comp)
		r.Variance = append(r.Variance, vars[c])
		if total > 0 {
			r.Explained = append(r.Explained, vars[c]/total)
		} else {
			r.Explained = append(r.Explained, 0)
		}
	}
	// Projections of the centred rows.
	means := make([]float64, H)
	for i := 0; i < rows; i++ {
		for j := 0; j < H; j++ {
			means[j] += data[i*H+j] / float64(rows)
		}
	}
	for i := 0; i < rows; i++ {
		p := make([]float32, k)
		for c := 0; c < k; c++ {
			var s float64
			for j := 0; j < H; j++ {
				s += (data[i*H+j] - means[j]) * vecs.At(j, c)
			}
			p[c] = float32(s)
		}
		r.Projections = append(r.Projections, p)
	}
	return r, nil
}
