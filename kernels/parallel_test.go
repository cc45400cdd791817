package kernels

import (
	"errors"
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
)

func TestParallelCoversEachIndexOnce(t *testing.T) {
	for _, n := range []int{0, 1, 2, 7, 100, 1000, 4097} {
		for _, grain := range []int{0, 1, 3, 64, 5000} {
			counts := make([]int32, n)
			ParallelGrain(n, grain, func(lo, hi int) {
				if lo < 0 || hi > n || lo >= hi {
					t.Errorf("n=%d grain=%d: bad chunk [%d,%d)", n, grain, lo, hi)
					return
				}
				for i := lo; i < hi; i++ {
					atomic.AddInt32(&counts[i], 1)
				}
			})
			for i, c := range counts {
				if c != 1 {
					t.Fatalf("n=%d grain=%d: index %d visited %d times", n, grain, i, c)
				}
			}
		}
		var total atomic.Int64
		Parallel(n, func(lo, hi int) { total.Add(int64(hi - lo)) })
		if total.Load() != int64(n) {
			t.Fatalf("Parallel(%d) covered %d", n, total.Load())
		}
	}
}

var errBoom = errors.New("boom")

// catch runs f and returns what it panicked with.
func catch(f func()) (v any) {
	defer func() { v = recover() }()
	f()
	return nil
}

func TestParallelPanicPropagates(t *testing.T) {
	for _, bad := range []int{0, 500, 999} { // first chunk, a middle one, the last
		var ran atomic.Int64
		v := catch(func() {
			ParallelGrain(1000, 10, func(lo, hi int) {
				ran.Add(1)
				if lo <= bad && bad < hi {
					panic(errBoom)
				}
			})
		})
		if v != errBoom {
			t.Fatalf("bad index %d: recovered %v, want errBoom", bad, v)
		}
	}
	// A runtime error (index out of range) keeps its type.
	v := catch(func() {
		Parallel(100, func(lo, hi int) {
			var s []int
			_ = s[lo+hi]
		})
	})
	if _, ok := v.(error); !ok {
		t.Fatalf("recovered %v (%T), want a runtime error", v, v)
	}
	// The pool still works afterwards.
	var total atomic.Int64
	ParallelGrain(1000, 1, func(lo, hi int) { total.Add(int64(hi - lo)) })
	if total.Load() != 1000 {
		t.Fatalf("after panics the pool covered %d of 1000", total.Load())
	}
}

// TestParallelPanicWaitsForChunks checks that the panic reaches the caller
// only after every chunk already running has returned.
func TestParallelPanicWaitsForChunks(t *testing.T) {
	var running atomic.Int64
	release := make(chan struct{})
	v := catch(func() {
		ParallelGrain(2, 1, func(lo, hi int) {
			running.Add(1)
			defer running.Add(-1)
			if lo == 0 {
				close(release)
				panic("first")
			}
			<-release
		})
	})
	if v != "first" {
		t.Fatalf("recovered %v", v)
	}
	if r := running.Load(); r != 0 {
		t.Fatalf("%d chunks still running when the panic reached the caller", r)
	}
}

func TestParallelNestedAndConcurrent(t *testing.T) {
	var wg sync.WaitGroup
	var total atomic.Int64
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ParallelGrain(16, 1, func(lo, hi int) {
				for i := lo; i < hi; i++ {
					ParallelGrain(50, 5, func(lo, hi int) { total.Add(int64(hi - lo)) })
				}
			})
		}()
	}
	wg.Wait()
	if want := int64(8 * 16 * 50); total.Load() != want {
		t.Fatalf("covered %d, want %d", total.Load(), want)
	}
	if Workers() < 1 {
		t.Fatalf("Workers() = %d", Workers())
	}
}

// TestParallelGoexitOnWorker checks that runtime.Goexit inside fn (what
// t.FailNow does) neither hangs the caller nor shrinks the pool.
func TestParallelGoexitOnWorker(t *testing.T) {
	for rep := 0; rep < 20; rep++ {
		caller := make(chan struct{})
		var v any
		go func() { // Goexit on the caller ends this goroutine: isolate it
			defer close(caller)
			v = catch(func() {
				ParallelGrain(64, 1, func(lo, hi int) {
					if lo == 63 {
						runtime.Goexit()
					}
				})
			})
		}()
		<-caller
		if v != nil && v != ErrGoexit {
			t.Fatalf("recovered %v, want ErrGoexit or nothing", v)
		}
	}
	var total atomic.Int64
	ParallelGrain(1000, 1, func(lo, hi int) { total.Add(int64(hi - lo)) })
	if total.Load() != 1000 {
		t.Fatalf("pool covered %d of 1000 after Goexits", total.Load())
	}
}

// sumRanger adds its chunks' lengths: a Ranger kept by the caller.
type sumRanger struct{ total atomic.Int64 }

func (s *sumRanger) Range(lo, hi int) { s.total.Add(int64(hi - lo)) }

func TestParallelRangerNoAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are meaningless under the race detector (sync.Pool drops items)")
	}
	r := new(sumRanger)
	allocs := testing.AllocsPerRun(200, func() { ParallelRanger(1000, 10, r) })
	if r.total.Load() != 201*1000 {
		t.Fatalf("covered %d indices, want %d", r.total.Load(), 201*1000)
	}
	if allocs != 0 {
		t.Errorf("ParallelRanger allocates %v times per call", allocs)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for _, name := range runnableSets() {
		withKernels(name, func() {
			for _, dt := range []DType{F32, Q8_0} {
				w := randomMat(rng, dt, 512, 512)
				x := randVec(rng, 4*512, 1)
				dst := make([]float32, 4*512)
				if a := testing.AllocsPerRun(50, func() { MatVec(dst[:512], w, x[:512]) }); a != 0 {
					t.Errorf("%s %s: MatVec allocates %v times per call", name, dt, a)
				}
				if a := testing.AllocsPerRun(50, func() { MatMul(dst, w, x, 4) }); a != 0 {
					t.Errorf("%s %s: MatMul allocates %v times per call", name, dt, a)
				}
			}
		})
	}
}

// TestParallelConcurrentReuse runs many Parallel calls from several
// goroutines at once, so recycled jobs meet stale queue entries.
func TestParallelConcurrentReuse(t *testing.T) {
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 500; i++ {
				n := 1 + (i*37)%300
				var total atomic.Int64
				ParallelGrain(n, 3, func(lo, hi int) { total.Add(int64(hi - lo)) })
				if total.Load() != int64(n) {
					t.Errorf("n=%d: covered %d", n, total.Load())
					return
				}
			}
		}()
	}
	wg.Wait()
}
