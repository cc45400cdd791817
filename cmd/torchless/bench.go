package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"

	"github.com/torchless-go/torchless/kernels"
	"github.com/torchless-go/torchless/models"
)

func init() {
	register("bench", "measure prompt and generation speed (tokens/s), peak memory and the bandwidth roofline", runBench)
}

// benchResult is what bench --json prints.
type benchResult struct {
	Model               string  `json:"model"`
	ISA                 string  `json:"isa"`
	Threads             int     `json:"threads"`
	Hooks               bool    `json:"hooks"`
	Int8Activations     bool    `json:"int8_activations"`
	PromptTokens        int     `json:"prompt_tokens"`
	Depth               int     `json:"depth"`
	GenTokens           int     `json:"gen_tokens"`
	Repetitions         int     `json:"repetitions"`
	PPTokensPerS        float64 `json:"pp_tokens_per_s"` // mean of the repetitions
	PPStddev            float64 `json:"pp_tokens_per_s_stddev"`
	TGTokensPerS        float64 `json:"tg_tokens_per_s"` // mean of the repetitions
	TGStddev            float64 `json:"tg_tokens_per_s_stddev"`
	PeakRSSBytes        int64   `json:"peak_rss_bytes"`
	WeightBytesPerToken int64   `json:"weight_bytes_per_token"`
	// The roofline: the mean of the streaming reads sampled between
	// the tg segments (see runBench), over the weights' bytes per token.
	StreamBytesPerS      float64 `json:"stream_read_bytes_per_s"`
	RooflineTGTokensPerS float64 `json:"roofline_tg_tokens_per_s"`
	TGFractionOfRoofline float64 `json:"tg_fraction_of_roofline"`
	// The same against the best of those reads: a bound that a noisy
	// machine reaches only now and then.
	StreamBestBytesPerS      float64 `json:"stream_read_best_bytes_per_s"`
	TGFractionOfBestRoofline float64 `json:"tg_fraction_of_best_roofline"`
	// TGCoresBusy is the process's CPU time during the tg steps over
	// their wall time: how many cores the decoder kept busy on average
	// (at most the thread count; the rest is waiting and serial work).
	TGCoresBusy float64 `json:"tg_cores_busy"`
	// CoreRoundTripNs is the median, over the same samples as the reads,
	// of the time two goroutines take to hand a value back and forth
	// (0 with one thread): tens of nanoseconds between cores that share
	// a cache, hundreds between CCDs or sockets, where every exchange of
	// a product's input and output between the workers costs as much.
	CoreRoundTripNs float64 `json:"core_round_trip_ns"`
	LoadSeconds     float64 `json:"load_s"`
}

func runBench(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	var mf modelFlags
	mf.register(fs)
	p := fs.Int("p", 64, "prompt tokens (one batched pass)")
	n := fs.Int("n", 32, "generated tokens (single-token steps)")
	depth := fs.Int("d", 0, "tokens already in the context (untimed) before the pp pass and the tg steps, as llama-bench's -d")
	threads := fs.Int("t", 0, "threads (GOMAXPROCS and the worker pool; 0: all cores)")
	reps := fs.Int("r", 5, "repetitions of the pp pass and of the tg steps (mean and standard deviation, as llama-bench's -r)")
	asJSON := fs.Bool("json", false, "print one JSON object")
	streamMB := fs.Int("stream-mb", 512, "size of the buffer of the streaming-read bandwidth measurement, `MB`")
	hooks := fs.Bool("hooks", false, "observe every hook point with a no-op hook (the cost of introspection)")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the timed passes to `FILE`")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *p < 1 || *n < 1 || *reps < 1 || *depth < 0 {
		return fmt.Errorf("-p, -n and -r must be positive, -d not negative")
	}
	if *threads > 0 {
		runtime.GOMAXPROCS(*threads)
	}
	start := time.Now()
	m, err := mf.load()
	if err != nil {
		return err
	}
	defer m.Close()
	r := benchResult{Model: mf.path, ISA: kernels.ISA(), Threads: kernels.Workers(), PromptTokens: *p, GenTokens: *n, Depth: *depth, Repetitions: *reps,
		LoadSeconds: time.Since(start).Seconds(), Hooks: *hooks,
		Int8Activations: mf.int8}
	newState := m.NewState
	if *hooks {
		h := models.NewHooks(m.Config().Layers)
		for _, name := range m.HookNames() {
			if err := h.Add(name, func(*models.Activation) error { return nil }); err != nil {
				return err
			}
		}
		newState = func() *models.InferenceState {
			s := m.NewState()
			s.SetHooks(h)
			return s
		}
	}
	vocab := m.Config().VocabSize
	tokens := func(n, seed int) []int {
		t := make([]int, n)
		for i := range t {
			t[i] = 3 + ((i+seed)*7919)%max(1, vocab-3)
		}
		return t
	}
	prompt, context := tokens(*p, 0), tokens(*depth, *p)
	// fill starts a state with the -d context in it (untimed).
	fill := func(s *models.InferenceState) error {
		if len(context) == 0 {
			return nil
		}
		_, err := m.FastForward(ctx, s, context)
		return err
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	// pp: one batched pass on a fresh state, r times after a warm-up pass.
	var pp []float64
	for rep := 0; rep <= *reps; rep++ {
		s := newState()
		if err := fill(s); err != nil {
			return err
		}
		t0 := time.Now()
		if _, err := m.FastForward(ctx, s, prompt); err != nil {
			return err
		}
		if rep > 0 {
			pp = append(pp, float64(*p)/time.Since(t0).Seconds())
		}
	}
	r.PPTokensPerS, r.PPStddev = meanStddev(pp)
	// tg: n single-token steps after the -d context, r times, after one
	// warm-up step.
	s := newState()
	if _, err := m.Forward(ctx, s, prompt[0]); err != nil {
		return err
	}
	// The roofline is the streaming read sampled just before the tg
	// steps, after every streamEvery of them (outside the timed steps)
	// and just after them: on a shared machine the bandwidth moves by
	// tens of percent within seconds, and tg must be compared with what
	// the memory could do at the time. tg is a mean over the steps, so
	// the roofline is the mean of those samples, which interleave with
	// the steps; the best sample is reported too.
	peakBefore := peakRSS()
	stream := newStreamReader(*streamMB << 20)
	stream.best(1) // warm-up: page faults, the pool's first jobs
	var reads, trips []float64
	read := func() {
		reads = append(reads, stream.best(1))
		if r.Threads > 1 {
			trips = append(trips, float64(coreRoundTrip(20000)))
		}
	}
	read()
	var tg []float64
	var wallAll, cpuAll time.Duration
	for rep := 0; rep < *reps; rep++ {
		s.Reset()
		if err := fill(s); err != nil {
			return err
		}
		var wall time.Duration
		tok := prompt[0]
		for i := 0; i < *n; {
			cpu0, t0 := cpuTime(), time.Now()
			for end := min(i+streamEvery, *n); i < end; i++ {
				if _, err := m.Forward(ctx, s, tok); err != nil {
					return err
				}
				tok = prompt[(i+1)%len(prompt)]
			}
			wall += time.Since(t0)
			cpuAll += cpuTime() - cpu0
			read()
		}
		wallAll += wall
		tg = append(tg, float64(*n)/wall.Seconds())
	}
	read()
	r.StreamBytesPerS, _ = meanStddev(reads)
	r.StreamBestBytesPerS = slices.Max(reads)
	if len(trips) > 0 {
		slices.Sort(trips)
		r.CoreRoundTripNs = trips[len(trips)/2]
	}
	r.TGTokensPerS, r.TGStddev = meanStddev(tg)
	r.TGCoresBusy = float64(cpuAll) / float64(wallAll)
	// The stream's buffer is resident from before the steps to the end.
	r.PeakRSSBytes = max(peakBefore, peakRSS()-int64(len(stream.buf)*8))
	r.WeightBytesPerToken = weightBytesPerToken(m)
	if r.WeightBytesPerToken > 0 {
		r.RooflineTGTokensPerS = r.StreamBytesPerS / float64(r.WeightBytesPerToken)
		r.TGFractionOfRoofline = r.TGTokensPerS / r.RooflineTGTokensPerS
		r.TGFractionOfBestRoofline = r.TGTokensPerS * float64(r.WeightBytesPerToken) / r.StreamBestBytesPerS
	}
	if *asJSON {
		b, err := json.Marshal(r)
		if err != nil {
			return err
		}
		fmt.Println(string(b))
		return nil
	}
	fmt.Printf("model      %s (%s, isa %s, %d threads, hooks %v, int8 activations %v, loaded in %.1f s)\n", r.Model, m.Architecture(), r.ISA, r.Threads, r.Hooks, r.Int8Activations, r.LoadSeconds)
	at := ""
	if *depth > 0 {
		at = fmt.Sprintf(" @ d%d", *depth)
	}
	fmt.Printf("pp%-7d  %.2f ± %.2f tokens/s%s\n", *p, r.PPTokensPerS, r.PPStddev, at)
	fmt.Printf("tg%-7d  %.2f ± %.2f tokens/s%s (%.2f cores busy; %d repetitions)\n", *n, r.TGTokensPerS, r.TGStddev, at, r.TGCoresBusy, r.Repetitions)
	fmt.Printf("peak RSS   %.1f MB\n", float64(r.PeakRSSBytes)/1e6)
	fmt.Printf("roofline   %.2f tokens/s (%.2f GB/s mean streaming read / %.1f MB of weights per token); tg is %.0f%% of it\n",
		r.RooflineTGTokensPerS, r.StreamBytesPerS/1e9, float64(r.WeightBytesPerToken)/1e6, 100*r.TGFractionOfRoofline)
	fmt.Printf("           the best read, %.2f GB/s, puts it at %.0f%%\n", r.StreamBestBytesPerS/1e9, 100*r.TGFractionOfBestRoofline)
	if r.CoreRoundTripNs > 0 {
		fmt.Printf("cores      %.0f ns for a round trip between two goroutines\n", r.CoreRoundTripNs)
	}
	return nil
}

// coreRoundTrip returns the mean time two goroutines take to pass a
// value to each other and back, over up to n round trips or 100 ms, or
// 0 without two cores to run them on. It first waits for the worker
// pool to go idle (its workers poll for a few milliseconds after their
// last job, then block), so that the two get a core each.
func coreRoundTrip(n int) time.Duration {
	if runtime.NumCPU() < 2 || runtime.GOMAXPROCS(0) < 2 {
		return 0
	}
	time.Sleep(5 * time.Millisecond)
	const stop = -1
	var v atomic.Int64
	done := make(chan struct{})
	go func() { // answers each odd value with the next even one
		defer close(done)
		for i := int64(1); ; i += 2 {
			for x := v.Load(); x != i; x = v.Load() {
				if x == stop {
					return
				}
			}
			if !v.CompareAndSwap(i, i+1) { // stopped in between
				return
			}
		}
	}()
	start := time.Now()
	deadline := start.Add(100 * time.Millisecond)
	trips := 0
trip:
	for ; trips < n; trips++ {
		i := int64(2 * trips)
		v.Store(i + 1)
		for spin := 1; v.Load() != i+2; spin++ {
			if spin%1024 == 0 && time.Now().After(deadline) {
				break trip
			}
		}
	}
	el := time.Since(start)
	v.Store(stop)
	<-done
	if trips == 0 {
		return 0
	}
	return el / time.Duration(trips)
}

// meanStddev returns the mean of v and its sample standard deviation (0
// for one value), as llama-bench reports avg_ts and stddev_ts.
func meanStddev(v []float64) (mean, sd float64) {
	for _, x := range v {
		mean += x
	}
	mean /= float64(len(v))
	if len(v) < 2 {
		return mean, 0
	}
	for _, x := range v {
		sd += (x - mean) * (x - mean)
	}
	return mean, math.Sqrt(sd / float64(len(v)-1))
}

// cpuTime returns the process's user+system CPU time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// peakRSS returns the process's peak resident set (VmHWM), or 0.
func peakRSS() int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			if err == nil {
				return kb << 10
			}
		}
	}
	return 0
}

// weightBytesPerToken sums the stored bytes of the model's tensors, less
// the token embedding (one row of it is read per token) unless it is
// also the output matrix (tied embeddings).
func weightBytesPerToken(m models.Model) int64 {
	src := m.Source()
	if src == nil || src.Set == nil {
		return 0
	}
	embd, out := "token_embd.weight", "output.weight"
	if src.Format != models.FormatGGUF {
		desc := m.Description()
		embd, out = desc.HFNames[models.RoleTokenEmbd], desc.HFNames[models.RoleOutput]
	}
	var total int64
	for _, t := range src.Set.Tensors() {
		total += int64(len(t.Data))
	}
	if e := src.Set.Get(embd); e != nil && src.Set.Get(out) != nil {
		total -= int64(len(e.Data))
		if v := m.Config().VocabSize; v > 0 {
			total += int64(len(e.Data) / v)
		}
	}
	return total
}

// streamReader sums a buffer's uint64s over the worker pool.
type streamReader struct {
	buf []uint64
	sum atomic.Uint64
}

const streamChunk = 1 << 17 // uint64s per chunk (1 MiB)

// streamEvery is how many tg steps run between streaming-read samples.
const streamEvery = 8

// newStreamReader allocates a buffer of size bytes (far larger than the
// caches; in huge pages where the system gives them, as an eager model's
// weights) and fills it.
func newStreamReader(size int) *streamReader {
	raw := kernels.WeightBuffer(size)
	words := unsafe.Slice((*uint64)(unsafe.Pointer(&raw[0])), size/8)
	for i := range words {
		words[i] = uint64(i)
	}
	return &streamReader{buf: words}
}

func (s *streamReader) Range(lo, hi int) {
	b := s.buf[lo*streamChunk : min(hi*streamChunk, len(s.buf))]
	var s0, s1, s2, s3 uint64
	for i := 0; i+4 <= len(b); i += 4 {
		s0 += b[i]
		s1 += b[i+1]
		s2 += b[i+2]
		s3 += b[i+3]
	}
	s.sum.Add(s0 + s1 + s2 + s3)
}

// best returns the read bandwidth of all pool workers streaming the
// buffer, in bytes per second: the best of passes passes.
func (s *streamReader) best(passes int) float64 {
	chunks := (len(s.buf) + streamChunk - 1) / streamChunk
	best := 0.0
	for rep := 0; rep < passes; rep++ {
		t0 := time.Now()
		kernels.ParallelRanger(chunks, 4, s)
		if bw := float64(len(s.buf)*int(unsafe.Sizeof(s.buf[0]))) / time.Since(t0).Seconds(); bw > best {
			best = bw
		}
	}
	return best
}
