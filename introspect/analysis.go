package introspect

import (
	"fmt"
	"math"
	"sort"

	"github.com/torchless-go/torchless/models"
)

// decoder is what the analyses need beyond models.Model (the
// *models.Decoder has it).
type decoder interface {
	models.Model
	HeadContributions(l int, z []float32, T int) (heads [][]float32, rest []float32, err error)
	UnembedRow(id int) ([]float32, error)
	FinalNormWeight() (w, b []float32)
}

func asDecoder(m models.Model) (decoder, error) {
	if hm, ok := m.(*HookedModel); ok {
		m = hm.Model
	}
	d, ok := m.(decoder)
	if !ok {
		return nil, fmt.Errorf("%T does not expose its weights for analysis", m)
	}
	return d, nil
}

func need(c *Cache, l int, p models.HookPoint) (*Tensor, error) {
	t := c.At(l, p)
	if t == nil {
		return nil, fmt.Errorf("the cache has no %s (capture it)", models.HookName{Layer: l, Point: p})
	}
	if c.Positions != nil {
		return nil, fmt.Errorf("%s was captured at selected positions only; analyses need every position", t.Name)
	}
	return t, nil
}

// AccumulatedResidual returns the residual stream before each block and
// after the last: [layers+1][T·H], labelled "blocks.l.hook_resid_pre" …
// "final". The cache needs every hook_resid_pre and the last
// hook_resid_post.
func AccumulatedResidual(m models.Model, c *Cache) ([]*Tensor, error) {
	L := m.Config().Layers
	var out []*Tensor
	for l := 0; l < L; l++ {
		t, err := need(c, l, models.HookResidPre)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	t, err := need(c, L-1, models.HookResidPost)
	if err != nil {
		return nil, err
	}
	return append(out, t), nil
}

// DecomposeResidual splits the final residual stream into the embedding
// and each block's attention and MLP outputs ([T,H] each); their sum is
// the last hook_resid_post. The cache needs hook_embed and every
// hook_attn_out and hook_mlp_out.
func DecomposeResidual(m models.Model, c *Cache) ([]*Tensor, error) {
	emb := c.Get(models.HookName{Point: models.HookEmbed}.String())
	if emb == nil {
		return nil, fmt.Errorf("the cache has no hook_embed")
	}
	out := []*Tensor{emb}
	for l := 0; l < m.Config().Layers; l++ {
		for _, p := range []models.HookPoint{models.HookAttnOut, models.HookMLPOut} {
			t, err := need(c, l, p)
			if err != nil {
				return nil, err
			}
			out = append(out, t)
		}
	}
	return out, nil
}

// LensResult is the logit lens over layers and positions.
type LensResult struct {
	Layers, T int
	// Labels names the rows: "blocks.l.hook_resid_post".
	Labels []string
	// TopIDs and TopProbs are [layer][position][k]: the k most likely
	// tokens and their probabilities.
	TopIDs   [][][]int
	TopProbs [][][]float32
	// Entropy is [layer][position] in nats.
	Entropy [][]float32
	// Logits holds the full [T·V] logits of each layer when kept.
	Logits [][]float32
}

// TopProbMatrix is the layer × position matrix of the top-1 probability.
func (r *LensResult) TopProbMatrix() *Matrix {
	m := newMatrix("logit lens: top-1 probability", r.Layers, r.T, "layer", "pos")
	for l := range r.TopProbs {
		for p := range r.TopProbs[l] {
			m.Data[l*r.T+p] = r.TopProbs[l][p][0]
		}
	}
	return m
}

// LogitLens decodes every block's hook_resid_post through the model's own
// head: the final norm, applied with each row's own statistics, then the
// unembedding (and soft-cap). At the last layer this is the model's
// logits. k is the number of top tokens to keep; keepLogits keeps the
// full logits too (T·V floats per layer).
func LogitLens(m models.Model, c *Cache, k int, keepLogits bool) (*LensResult, error) {
	L, T := m.Config().Layers, len(c.Tokens)
	if k < 1 {
		k = 1
	}
	r := &LensResult{Layers: L, T: T}
	for l := 0; l < L; l++ {
		resid, err := need(c, l, models.HookResidPost)
		if err != nil {
			return nil, err
		}
		logits := m.LogitsFromResidual(resid.Data, T)
		V := len(logits) / T
		ids := make([][]int, T)
		probs := make([][]float32, T)
		ent := make([]float32, T)
		for p := 0; p < T; p++ {
			ids[p], probs[p], ent[p] = topK(logits[p*V:(p+1)*V], k)
		}
		r.Labels = append(r.Labels, resid.Name)
		r.TopIDs = append(r.TopIDs, ids)
		r.TopProbs = append(r.TopProbs, probs)
		r.Entropy = append(r.Entropy, ent)
		if keepLogits {
			r.Logits = append(r.Logits, logits)
		}
	}
	return r, nil
}

// topK returns the k most likely ids of a softmax over logits, their
// probabilities and the distribution's entropy.
func topK(logits []float32, k int) ([]int, []float32, float32) {
	ls := LogSoftmax(logits)
	var ent float64
	for _, l := range ls {
		if p := math.Exp(l); p > 0 {
			ent -= p * l
		}
	}
	// Keep the k best ids in order (k is small; the vocabulary is not).
	k = min(k, len(logits))
	ids := make([]int, 0, k)
	for id, v := range logits {
		if len(ids) == k && v <= logits[ids[k-1]] {
			continue
		}
		i := sort.Search(len(ids), func(i int) bool { return logits[ids[i]] < v })
		if len(ids) < k {
			ids = append(ids, 0)
		}
		copy(ids[i+1:], ids[i:len(ids)-1])
		ids[i] = id
	}
	probs := make([]float32, k)
	for i, id := range ids {
		probs[i] = float32(math.Exp(ls[id]))
	}
	return ids, probs, float32(ent)
}

// logitProjector projects residual-stream components onto a logit
// direction through the final norm, linearised at the final residual's
// per-position scale (ln_final.hook_scale), as TransformerLens's
// apply_ln_to_stack does. Soft-capping is not linear and is left out.
type logitProjector struct {
	dir       []float32 // norm weight ⊙ unembedding direction
	scale     []float32 // [T]
	layerNorm bool
	H         int
}

func newProjector(m models.Model, c *Cache, direction []float32) (*logitProjector, error) {
	d, err := asDecoder(m)
	if err != nil {
		return nil, err
	}
	sc := c.Get(models.HookName{Point: models.HookLnFinalScale}.String())
	if sc == nil {
		return nil, fmt.Errorf("the cache has no ln_final.hook_scale")
	}
	w, _ := d.FinalNormWeight()
	if len(direction) != len(w) {
		return nil, fmt.Errorf("direction has %d values, hidden size is %d", len(direction), len(w))
	}
	dir := make([]float32, len(w))
	for i := range w {
		dir[i] = w[i] * direction[i]
	}
	return &logitProjector{dir: dir, scale: sc.Data, layerNorm: d.Description().Norm == models.LayerNorm, H: len(w)}, nil
}

// project returns the component's contribution at position p.
func (lp *logitProjector) project(comp []float32, p int) float32 {
	x := comp[p*lp.H : (p+1)*lp.H]
	var mean float64
	if lp.layerNorm {
		for _, v := range x {
			mean += float64(v)
		}
		mean /= float64(lp.H)
	}
	var s float64
	for i, v := range x {
		s += (float64(v) - mean) * float64(lp.dir[i])
	}
	return float32(s) * lp.scale[p]
}

// LogitDirection returns the unembedding of token a minus that of token
// b (b < 0: just a), the direction whose dot product with the normalized
// final residual is logit[a] − logit[b].
func LogitDirection(m models.Model, a, b int) ([]float32, error) {
	d, err := asDecoder(m)
	if err != nil {
		return nil, err
	}
	ua, err := d.UnembedRow(a)
	if err != nil {
		return nil, err
	}
	if b >= 0 {
		ub, err := d.UnembedRow(b)
		if err != nil {
			return nil, err
		}
		for i := range ua {
			ua[i] -= ub[i]
		}
	}
	return ua, nil
}

// Attribution is a list of labelled contributions.
type Attribution struct {
	Labels []string
	Values []float32
}

// DirectLogitAttribution returns each component's direct contribution
// (embedding, then every block's attention and MLP output) to the logit
// direction at position pos. The cache needs what DecomposeResidual
// needs plus ln_final.hook_scale.
func DirectLogitAttribution(m models.Model, c *Cache, direction []float32, pos int) (*Attribution, error) {
	comps, err := DecomposeResidual(m, c)
	if err != nil {
		return nil, err
	}
	if pos < 0 || pos >= len(c.Tokens) {
		return nil, fmt.Errorf("position %d out of range [0, %d)", pos, len(c.Tokens))
	}
	lp, err := newProjector(m, c, direction)
	if err != nil {
		return nil, err
	}
	a := &Attribution{}
	for _, t := range comps {
		a.Labels = append(a.Labels, t.Name)
		a.Values = append(a.Values, lp.project(t.Data, pos))
	}
	return a, nil
}

// HeadOutputs returns each head's contribution to layer l's
// hook_attn_out ([heads][T·H]) and the remainder (output bias), computed
// from the cached hook_z.
func HeadOutputs(m models.Model, c *Cache, l int) ([][]float32, []float32, error) {
	d, err := asDecoder(m)
	if err != nil {
		return nil, nil, err
	}
	z, err := need(c, l, models.HookZ)
	if err != nil {
		return nil, nil, err
	}
	return d.HeadContributions(l, z.Data, len(c.Tokens))
}

// HeadLogitAttribution is the direct contribution of every head to the
// logit direction at position pos, as a layer × head matrix. The cache
// needs every hook_z and ln_final.hook_scale.
func HeadLogitAttribution(m models.Model, c *Cache, direction []float32, pos int) (*Matrix, error) {
	cfg := m.Config()
	lp, err := newProjector(m, c, direction)
	if err != nil {
		return nil, err
	}
	out := newMatrix("direct logit attribution per head", cfg.Layers, cfg.Heads, "layer", "head")
	for l := 0; l < cfg.Layers; l++ {
		heads, _, err := HeadOutputs(m, c, l)
		if err != nil {
			return nil, err
		}
		for h, o := range heads {
			out.Data[l*cfg.Heads+h] = lp.project(o, pos)
		}
	}
	return out, nil
}

// headScore averages, over the query positions that have targets, the
// attention each head pays to those targets.
func headScore(m models.Model, c *Cache, name string, targets func(i int) []int) (*Matrix, error) {
	cfg := m.Config()
	T := len(c.Tokens)
	out := newMatrix(name, cfg.Layers, cfg.Heads, "layer", "head")
	for l := 0; l < cfg.Layers; l++ {
		pat, err := need(c, l, models.HookPattern)
		if err != nil {
			return nil, err
		}
		K := pat.Shape[2]
		for h := 0; h < cfg.Heads; h++ {
			var sum float64
			n := 0
			for i := 0; i < T; i++ {
				tg := targets(i)
				if len(tg) == 0 {
					continue
				}
				for _, j := range tg {
					sum += float64(pat.Data[(h*T+i)*K+j])
				}
				n++
			}
			if n > 0 {
				out.Data[l*cfg.Heads+h] = float32(sum / float64(n))
			}
		}
	}
	return out, nil
}

// PreviousTokenScores is each head's mean attention from position i to
// i−1 (layer × head). The cache needs every hook_pattern.
func PreviousTokenScores(m models.Model, c *Cache) (*Matrix, error) {
	return headScore(m, c, "previous-token score", func(i int) []int {
		if i == 0 {
			return nil
		}
		return []int{i - 1}
	})
}

// DuplicateTokenScores is each head's mean attention from a token to
// its earlier occurrences.
func DuplicateTokenScores(m models.Model, c *Cache) (*Matrix, error) {
	return headScore(m, c, "duplicate-token score", func(i int) []int {
		var out []int
		for j := 0; j < i; j++ {
			if c.Tokens[j] == c.Tokens[i] {
				out = append(out, j)
			}
		}
		return out
	})
}

// InductionScores is each head's mean attention from a token to the
// tokens that followed its earlier occurrences (the induction pattern
// "A B … A → B"). Run it on a repeated random sequence
// (RepeatedTokens) for the usual measure.
func InductionScores(m models.Model, c *Cache) (*Matrix, error) {
	return headScore(m, c, "induction score", func(i int) []int {
		var out []int
		for j := 0; j+1 < i; j++ {
			if c.Tokens[j] == c.Tokens[i] {
				out = append(out, j+1)
			}
		}
		return out
	})
}

// RepeatedTokens returns prefix followed by n pseudo-random ids in
// [lo, hi) twice: the standard prompt for induction scores.
func RepeatedTokens(prefix []int, n, lo, hi int, seed uint64) []int {
	x := seed*2862933555777941757 + 3037000493
	half := make([]int, n)
	for i := range half {
		x = x*6364136223846793005 + 1442695040888963407
		half[i] = lo + int((x>>33)%uint64(hi-lo))
	}
	out := append([]int(nil), prefix...)
	return append(append(out, half...), half...)
}
