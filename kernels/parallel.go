package kernels

import (
	"errors"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// RangeFunc processes the half-open index range [lo, hi).
type RangeFunc func(lo, hi int)

// Range calls f(lo, hi), so a RangeFunc is a Ranger.
func (f RangeFunc) Range(lo, hi int) { f(lo, hi) }

// Ranger is the work of ParallelRanger: Range processes the half-open
// index range [lo, hi). Callers that keep a pointer to a struct with a
// Range method (holding the operands in its fields) run parallel work
// without a heap allocation per call, unlike a closure that captures
// them.
type Ranger interface {
	Range(lo, hi int)
}

// The pool: Workers()−1 long-lived goroutines reading a queue of jobs;
// the calling goroutine always works on its own job too. A queued job
// that a worker picks up after the caller has finished (all chunks taken)
// is skipped, and the caller waits only for workers that joined before
// it finished: so nested or concurrent Parallel calls never deadlock (in
// the worst case a caller runs every chunk itself).
var (
	poolOnce sync.Once
	poolJobs chan *job
	poolSize int
)

func startPool() {
	poolSize = runtime.GOMAXPROCS(0)
	if poolSize < 1 {
		poolSize = 1
	}
	poolJobs = make(chan *job, 4*poolSize)
	for i := 0; i < poolSize-1; i++ {
		go worker()
	}
}

func worker() {
	exited := true
	defer func() {
		if exited { // fn called runtime.Goexit: keep the pool at full size
			go worker()
		}
	}()
	for {
		j, ok := nextJob()
		if !ok {
			break
		}
		j.help()
	}
	exited = false
}

// spinFor is how long an idle worker polls the queue (yielding now and
// then) before it blocks. A decoding step runs a hundred products with
// short serial gaps between them, and waking a parked goroutine takes
// tens of microseconds (a futex wake of its thread; ~60 µs measured in a
// VM), so a worker that parked after each product left its core idle for
// about 15% of a step (`go tool trace -pprof=sched`; `torchless bench`
// reported 1.7 of 2 cores busy while decoding, 1.8–1.9 with this spin).
const spinFor = 2 * time.Millisecond

// nextJob returns the next queued job, polling for up to spinFor before
// blocking; ok is false when the queue is closed.
func nextJob() (j *job, ok bool) {
	var start time.Time
	for i := 1; ; i++ {
		select {
		case j, ok = <-poolJobs:
			return j, ok
		default:
		}
		if i%1024 == 0 {
			if start.IsZero() {
				start = time.Now()
			} else if time.Since(start) > spinFor {
				break
			}
			runtime.Gosched()
		}
	}
	j, ok = <-poolJobs
	return j, ok
}

// ErrGoexit is what Parallel panics with when fn called runtime.Goexit
// (for example t.FailNow) on a pool worker, where it cannot be honoured.
var ErrGoexit = errors.New("kernels: Parallel: fn called runtime.Goexit on a worker goroutine")

// Workers returns the number of goroutines Parallel spreads work over
// (GOMAXPROCS when the pool started, the caller included).
func Workers() int {
	poolOnce.Do(startPool)
	return poolSize
}

// Jobs are recycled through jobPool. A worker may still hold a queue
// entry for a job that has finished and been reused; state carries the
// job's generation in its high bits, so such a stale entry either sees
// the closed bit of its generation or finds a running job it may
// legitimately help (a compare-and-swap against a stale state fails).
type job struct {
	fn      Ranger
	n       int
	grain   int
	nchunks int
	next    atomic.Int64
	// state: the number of helpers working on the job (low 32 bits),
	// closedBit once the caller has finished and joins no more helpers,
	// and the generation above.
	state atomic.Int64
	done  chan struct{} // the last helper out after closing signals here

	panicked atomic.Bool
	panicVal any
}

const (
	closedBit = 1 << 32
	genUnit   = 1 << 33
	countMask = closedBit - 1
)

// callerPolls bounds how long a caller polls for its helpers to finish
// before it blocks (a few tens of microseconds).
const callerPolls = 1 << 14

var jobPool = sync.Pool{New: func() any { return &job{done: make(chan struct{}, 1)} }}

// help runs chunks on a pool worker, unless the caller already finished.
func (j *job) help() {
	for {
		s := j.state.Load()
		if s&closedBit != 0 {
			return
		}
		if j.state.CompareAndSwap(s, s+1) {
			break
		}
	}
	defer func() { // deferred so that a Goexit in fn still checks out
		if s := j.state.Add(-1); s&closedBit != 0 && s&countMask == 0 {
			j.done <- struct{}{}
		}
	}()
	j.run()
}

func (j *job) run() {
	for {
		c := int(j.next.Add(1) - 1)
		if c >= j.nchunks || j.panicked.Load() {
			return
		}
		lo := c * j.grain
		hi := min(lo+j.grain, j.n)
		j.call(lo, hi)
	}
}

func (j *job) call(lo, hi int) {
	returned := false
	defer func() {
		if returned {
			return
		}
		r := recover()
		if r == nil {
			r = ErrGoexit // unwinding without a panic: runtime.Goexit
		}
		if j.panicked.CompareAndSwap(false, true) {
			j.panicVal = r
		}
	}()
	j.fn.Range(lo, hi)
	returned = true
}

// Parallel calls fn on disjoint chunks covering [0, n), spread over the
// persistent worker pool and the calling goroutine, and returns when all
// chunks are done. Chunks are contiguous and about n/(4·Workers()) long.
// If fn panics on any goroutine, the remaining chunks are skipped and
// Parallel re-panics on the caller's goroutine with the first panic
// value (after every running chunk has returned), so a recover in the
// caller sees it.
func Parallel(n int, fn RangeFunc) {
	w := Workers()
	ParallelGrain(n, (n+4*w-1)/(4*w), fn)
}

// ParallelGrain is Parallel with chunks of grain indices (the last one
// shorter). Work smaller than one grain runs inline on the caller.
func ParallelGrain(n, grain int, fn RangeFunc) {
	parallel(n, grain, fn)
}

// ParallelRanger is ParallelGrain for a Ranger: r.Range is called on
// disjoint chunks of grain indices covering [0, n) (grain ≤ 0 picks
// Parallel's default). It does not allocate: pass a pointer to a struct
// the caller keeps (or a RangeFunc that is not a capturing closure).
// Panics propagate as in Parallel.
func ParallelRanger(n, grain int, r Ranger) {
	if n <= 0 {
		return
	}
	if grain <= 0 {
		w := Workers()
		grain = (n + 4*w - 1) / (4 * w)
	}
	parallel(n, grain, r)
}

func parallel(n, grain int, fn Ranger) {
	if n <= 0 {
		return
	}
	if grain < 1 {
		grain = 1
	}
	w := Workers()
	if n <= grain || w == 1 {
		fn.Range(0, n)
		return
	}
	j := jobPool.Get().(*job)
	j.fn, j.n, j.grain, j.nchunks = fn, n, grain, (n+grain-1)/grain
	j.next.Store(0)
	j.panicked.Store(false)
	j.panicVal = nil
	gen := (j.state.Load() &^ (genUnit - 1)) + genUnit
	j.state.Store(gen) // publishes the fields above to helpers that join
	helpers := min(j.nchunks-1, w-1)
offer:
	for i := 0; i < helpers; i++ {
		select {
		case poolJobs <- j:
		default:
			break offer // the queue is full: the pool is busy enough
		}
	}
	j.run()
	if j.state.Add(closedBit)&countMask != 0 {
		// Wait for the helpers still running chunks: poll for a while
		// (they are usually finishing their last chunk), then block.
		for i := 1; i <= callerPolls && j.state.Load()&countMask != 0; i++ {
			if i%64 == 0 {
				runtime.Gosched()
			}
		}
		<-j.done
	}
	j.fn = nil
	if j.panicked.Load() {
		v := j.panicVal
		j.panicVal = nil
		jobPool.Put(j)
		panic(v)
	}
	jobPool.Put(j)
}
