package kernel

import (
	"github.com/torchless-go/torchless/introspect"
	"github.com/torchless-go/torchless/kernel/display"
	"github.com/torchless-go/torchless/models"
	"github.com/torchless-go/torchless/plots"
)

// Rich display of the project's objects in notebooks: a model shows as
// an HTML card, a cache as a table of hooks, a tensor as statistics with
// a histogram, a score matrix as a heat map, a comparison as per-layer
// divergence curves.
func init() { display.RegisterConverter(richValue) }

func richValue(v any) (any, bool) {
	switch x := v.(type) {
	case models.Model:
		if x == nil {
			return nil, false
		}
		return plots.ModelCard(x), true
	case *introspect.Cache:
		if x == nil {
			return nil, false
		}
		return plots.CacheTable(x), true
	case *introspect.Tensor:
		if x == nil {
			return nil, false
		}
		return plots.Tensor(x), true
	case *introspect.Matrix:
		if x == nil {
			return nil, false
		}
		if f, err := plots.Scores(x, hasNegative(x.Data)); err == nil {
			return f, true
		}
	case *introspect.Comparison:
		if x == nil {
			return nil, false
		}
		if f, err := plots.Divergence(x, 0); err == nil {
			return f, true
		}
	}
	return nil, false
}

func hasNegative(v []float32) bool {
	for _, x := range v {
		if x < 0 {
			return true
		}
	}
	return false
}
