package kernels

import (
	"errors"
	"runtime"
	"sync"
	"sync/atomic"
)

// RangeFunc processes the half-open index range [lo, hi).
type RangeFunc func(lo, hi int)

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
	for j := range poolJobs {
		j.help()
	}
	exited = false
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

type job struct {
	fn      RangeFunc
	n       int
	grain   int
	nchunks int
	next    atomic.Int64
	// state counts the helpers working on the job; closedBit is set
	// when the caller has finished and joins no more helpers.
	state atomic.Int64
	done  chan struct{} // the last helper out after closing signals here

	panicked atomic.Bool
	panicVal any
}

const closedBit = 1 << 40

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
		if j.state.Add(-1) == closedBit {
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
	j.fn(lo, hi)
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
	if n <= 0 {
		return
	}
	if grain < 1 {
		grain = 1
	}
	w := Workers()
	if n <= grain || w == 1 {
		fn(0, n)
		return
	}
	j := &job{fn: fn, n: n, grain: grain, nchunks: (n + grain - 1) / grain, done: make(chan struct{}, 1)}
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
	if j.state.Add(closedBit) != closedBit {
		<-j.done // wait for the helpers still running chunks
	}
	if j.panicked.Load() {
		panic(j.panicVal)
	}
}
