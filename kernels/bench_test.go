package kernels

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
	"unsafe"
)

// cpuTime returns the process's user+system CPU time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// loop runs f b.N times and also reports CPU nanoseconds per call
// (cpu-ns/op), which other processes on a busy machine disturb less than
// wall time.
func loop(b *testing.B, f func()) {
	start := cpuTime()
	n := 0
	for b.Loop() {
		f()
		n++
	}
	if n > 0 {
		b.ReportMetric(float64(cpuTime()-start)/float64(n), "cpu-ns/op")
	}
}

// The benchmarks report MB/s of weight bytes read, so a MatVec figure can
// be compared with BenchmarkStreamRead (the memory roofline: summing a
// 256 MiB buffer, far larger than any cache, as uint64s). MatVec uses the
// worker pool, so compare it with StreamRead/parallel.

func BenchmarkMatVec(b *testing.B) {
	const rows, cols = 2048, 2048
	rng := rand.New(rand.NewPCG(1, 1))
	x := randVec(rng, cols, 1)
	dst := make([]float32, rows)
	for _, dt := range weightDTypes {
		w := randomMat(rng, dt, rows, cols)
		b.Run(dt.String(), func(b *testing.B) {
			b.SetBytes(int64(len(w.Data)))
			loop(b, func() { MatVec(dst, w, x) })
		})
		if genericInt8[dt] != nil {
			w.Int8Input = true
			b.Run(dt.String()+"-int8", func(b *testing.B) {
				b.SetBytes(int64(len(w.Data)))
				loop(b, func() { MatVec(dst, w, x) })
			})
		}
	}
}

func BenchmarkMatMul(b *testing.B) {
	const rows, cols, n = 2048, 2048, 8
	rng := rand.New(rand.NewPCG(2, 2))
	x := randVec(rng, n*cols, 1)
	dst := make([]float32, n*rows)
	for _, dt := range []DType{F32, F16, Q8_0, Q4_0, Q4_K, Q5_K, Q6_K} {
		w := randomMat(rng, dt, rows, cols)
		b.Run(dt.String(), func(b *testing.B) {
			b.SetBytes(int64(len(w.Data)))
			loop(b, func() { MatMul(dst, w, x, n) })
		})
		if genericInt8[dt] != nil {
			w.Int8Input = true
			b.Run(dt.String()+"-int8", func(b *testing.B) {
				b.SetBytes(int64(len(w.Data)))
				loop(b, func() { MatMul(dst, w, x, n) })
			})
		}
	}
}

// BenchmarkMatMulPP measures MatMul at prompt-processing shapes (64
// inputs; TinyLlama's 2048×2048 attention and 5632×2048 MLP weights) and
// reports the CPU time per 16 multiply-adds (one AVX-512 FMA's worth),
// summed over the worker threads.
func BenchmarkMatMulPP(b *testing.B) {
	const n, cols = 64, 2048
	rng := rand.New(rand.NewPCG(5, 5))
	x := randVec(rng, n*cols, 1)
	for _, rows := range []int{2048, 5632} {
		dst := make([]float32, n*rows)
		for _, dt := range []DType{F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q2_K, Q3_K, Q4_K, Q5_K, Q6_K} {
			w := randomMat(rng, dt, rows, cols)
			b.Run(fmt.Sprintf("%s/%dx%d", dt, rows, cols), func(b *testing.B) {
				start := cpuTime()
				k := 0
				for b.Loop() {
					MatMul(dst, w, x, n)
					k++
				}
				fmas := float64(k) * float64(rows) * cols * n / 16
				b.ReportMetric(float64(cpuTime()-start)/fmas, "cpu-ns/fma")
			})
		}
	}
}

func BenchmarkDequantizeRow(b *testing.B) {
	rng := rand.New(rand.NewPCG(3, 3))
	const cols = 4096
	dst := make([]float32, cols)
	for _, dt := range []DType{F16, BF16, Q8_0, Q4_0, Q4_K, Q6_K} {
		w := randomMat(rng, dt, 1, cols)
		b.Run(dt.String(), func(b *testing.B) {
			b.SetBytes(int64(len(w.Data)))
			loop(b, func() { DequantizeRow(dt, dst, w.Data) })
		})
	}
}

var streamSink atomic.Uint64

func sumUint64(b []byte) uint64 {
	u := unsafe.Slice((*uint64)(unsafe.Pointer(&b[0])), len(b)/8)
	var s0, s1, s2, s3 uint64
	for i := 0; i+4 <= len(u); i += 4 {
		s0 += u[i]
		s1 += u[i+1]
		s2 += u[i+2]
		s3 += u[i+3]
	}
	return s0 + s1 + s2 + s3
}

// BenchmarkStreamRead measures the memory read bandwidth (the roofline
// for MatVec, which must stream every weight byte once per call).
func BenchmarkStreamRead(b *testing.B) {
	buf := make([]byte, 256<<20)
	for i := range buf {
		buf[i] = byte(i)
	}
	b.Run("serial", func(b *testing.B) {
		b.SetBytes(int64(len(buf)))
		loop(b, func() { streamSink.Add(sumUint64(buf)) })
	})
	b.Run("parallel", func(b *testing.B) {
		b.SetBytes(int64(len(buf)))
		const chunk = 1 << 20
		loop(b, func() {
			ParallelGrain(len(buf)/chunk, 4, func(lo, hi int) {
				streamSink.Add(sumUint64(buf[lo*chunk : hi*chunk]))
			})
		})
	})
}

// BenchmarkKernels compares, per dtype, the decode-then-dot generic
// kernel with the set's row kernel (fused or SIMD), where MatVec takes
// it the x24 kernel with its input's quantization (AVX-512 Q4_0 and
// K-quants), and the int8 kernel (Mat.Int8Input) with its input's, on
// one goroutine (512×2048, in L2): what one core computes when the
// weights are at hand, to hold against its share of the memory's read.
func BenchmarkKernels(b *testing.B) {
	rng := rand.New(rand.NewPCG(4, 4))
	x := randVec(rng, 2048, 1)
	dst := make([]float32, 512)
	for _, dt := range weightDTypes {
		w := randomMat(rng, dt, 512, 2048)
		b.Run(dt.String()+"/decode-dot", func(b *testing.B) {
			b.SetBytes(int64(len(w.Data)))
			loop(b, func() { genericMatVec(dst, w, x, 0, 512) })
		})
		f := activeKernels().matVec[dt]
		if f == nil {
			f = genericKernels.matVec[dt]
		}
		b.Run(dt.String()+"/active", func(b *testing.B) {
			b.SetBytes(int64(len(w.Data)))
			loop(b, func() { f(dst, w, x, 0, 512) })
		})
		quantized := func(name string, k int8Rows, needs int8Needs) {
			b.Run(dt.String()+"/"+name, func(b *testing.B) {
				b.SetBytes(int64(len(w.Data)))
				loop(b, func() {
					a := quantizeInput(x, 1, w.Cols, needs)
					k(dst, w, a, 0, 0, 512)
					int8InputPool.Put(a)
				})
			})
		}
		if k, _ := x24For(activeKernels(), w, 1); k != nil {
			quantized("x24", k, x24NeedsOf(dt))
		}
		if genericInt8[dt] != nil {
			quantized("int8", int8Kernel(activeKernels(), dt), int8NeedsOf(dt))
		}
	}
}

// BenchmarkRoofline measures MatVec on every dtype with matrices of
// about 256 MiB and 2048 columns (far larger than the caches, so every
// weight byte comes from memory, as in decoding), after a parallel
// streaming read of a buffer as large, and reports each product's
// bytes/s as a fraction of that read ("x-stream"): 1 means MatVec runs
// at the memory roofline.
// Q8_0-int8 and Q4_0-int8 are the products with Mat.Int8Input; the
// buffers are WeightBuffers, but for Q4_0-int8-4k's weights (4 KiB pages,
// as a memory-mapped file's are).
// Run it with -benchtime 20x or so.
func BenchmarkRoofline(b *testing.B) {
	const size = 256 << 20
	var stream float64 // bytes per second of the streaming read
	b.Run("stream", func(b *testing.B) {
		read := streamer(size)
		b.SetBytes(size)
		start := time.Now()
		loop(b, read)
		stream = float64(size) * float64(b.N) / time.Since(start).Seconds()
	})
	rng := rand.New(rand.NewPCG(9, 9))
	const cols = 2048 // TinyLlama's width
	x := randVec(rng, cols, 1)
	type product struct {
		dt    DType
		int8  bool // Mat.Int8Input
		small bool // weights in 4 KiB pages, not WeightBuffer's
	}
	var products []product
	for _, dt := range weightDTypes {
		if dt != TLInt8 {
			products = append(products, product{dt: dt})
		}
	}
	products = append(products, product{dt: Q8_0, int8: true}, product{dt: Q4_0, int8: true}, product{dt: Q4_0, int8: true, small: true})
	for _, p := range products {
		dt := p.dt
		row := randomMat(rng, dt, 1, cols)
		rows := size / len(row.Data)
		data := WeightBuffer(rows * len(row.Data))
		if p.small {
			data = smallPageBuffer(rows * len(row.Data))
		}
		w := Mat{DType: dt, Rows: rows, Cols: cols, Data: data, Int8Input: p.int8}
		for r := 0; r < rows; r++ { // values do not change the speed
			copy(w.Data[r*len(row.Data):], row.Data)
		}
		dst := make([]float32, rows)
		name := dt.String()
		if p.int8 {
			name += "-int8"
		}
		if p.small {
			name += "-4k"
		}
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(w.Data)))
			start := time.Now()
			loop(b, func() { MatVec(dst, w, x) })
			if stream > 0 {
				bw := float64(len(w.Data)) * float64(b.N) / time.Since(start).Seconds()
				b.ReportMetric(bw/stream, "x-stream")
			}
		})
	}
}

// BenchmarkWideRows measures MatVec on 5632-wide float rows (a TinyLlama
// FFN down projection, whose F16 rows and input are 33 KiB, more than
// L1 holds beside them; see wideRow), ~256 MiB per matrix, with the
// row kernels' wide form and with their narrow one, in interleaved
// rounds, each against a streaming read made just before it. It reports
// the medians of the reads and of the fractions of them (x-stream-narrow,
// -wide).
// Run it with -benchtime 1x (each iteration is 15 rounds).
func BenchmarkWideRows(b *testing.B) {
	const size, cols = 256 << 20, 5632
	stream := streamer(size)
	rng := rand.New(rand.NewPCG(8, 8))
	x := randVec(rng, cols, 1)
	for _, dt := range []DType{F32, F16, BF16} {
		row := randomMat(rng, dt, 1, cols)
		rows := size / len(row.Data)
		w := Mat{DType: dt, Rows: rows, Cols: cols, Data: WeightBuffer(rows * len(row.Data))}
		for r := 0; r < rows; r++ {
			copy(w.Data[r*len(row.Data):], row.Data)
		}
		dst := make([]float32, rows)
		b.Run(dt.String(), func(b *testing.B) {
			var reads, narrow, wide []float64
			for b.Loop() {
				for range 15 {
					l1 := l1Bytes
					s := read(stream, size)
					l1Bytes = 1 << 40 // no row is wide
					narrow = append(narrow, read(func() { MatVec(dst, w, x) }, len(w.Data))/s)
					l1Bytes = l1
					s2 := read(stream, size)
					wide = append(wide, read(func() { MatVec(dst, w, x) }, len(w.Data))/s2)
					reads = append(reads, s, s2)
				}
			}
			b.ReportMetric(median(reads)/1e9, "GB/s-stream")
			b.ReportMetric(median(narrow), "x-stream-narrow")
			b.ReportMetric(median(wide), "x-stream-wide")
		})
	}
}

// median returns the median of v (the upper one of an even count).
func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	return s[len(s)/2]
}

// BenchmarkQuantizeInput measures quantizeInput on one decoding step's
// input (2048 and 5632 values: TinyLlama's hidden and FFN widths) in
// each form a product asks for: the int8 blocks, those plus the Q4_0
// nibble layout, and the x24 planes.
func BenchmarkQuantizeInput(b *testing.B) {
	rng := rand.New(rand.NewPCG(5, 5))
	for _, cols := range []int{2048, 5632} {
		x := randVec(rng, cols, 1)
		for _, f := range []struct {
			name  string
			needs int8Needs
		}{{"blocks", needBlocks}, {"nibbles", needBlocks | needNibbles}, {"planes", needPlanes},
			{"super", needSuper | needKOrder}, {"planesK", needPlanesK}, {"planes6", needPlanes6}} {
			b.Run(fmt.Sprintf("%s/%d", f.name, cols), func(b *testing.B) {
				for b.Loop() {
					int8InputPool.Put(quantizeInput(x, 1, cols, f.needs))
				}
			})
		}
	}
}

// BenchmarkProductSize measures MatVec on Q4_0 int8 rows (2048 wide) in
// products of 1, 2 and 16 MiB, each call on the next rows of a 512 MiB
// matrix (so every byte comes from memory, as in decoding, where the
// products of a TinyLlama-shaped Q4_0 layer are 1.2–13 MiB), and in one
// call of it all. Rounds interleave the sizes with a streaming read and
// it reports the medians of the reads and of the fractions of them
// (x-stream-1MiB …, x-stream-all): what a product loses to starting and joining, by
// size. Run it with -benchtime 1x (each iteration is 10 rounds).
func BenchmarkProductSize(b *testing.B) {
	const size, cols, streamed = 512 << 20, 2048, 256 << 20
	stream := streamer(streamed)
	rng := rand.New(rand.NewPCG(9, 9))
	row := randomMat(rng, Q4_0, 1, cols)
	rb := len(row.Data)
	rows := size / rb
	w := Mat{DType: Q4_0, Rows: rows, Cols: cols, Data: WeightBuffer(rows * rb), Int8Input: true}
	for r := 0; r < rows; r++ {
		copy(w.Data[r*rb:], row.Data)
	}
	x := randVec(rng, cols, 1)
	dst := make([]float32, rows)
	sizes := []int{1 << 20, 2 << 20, 16 << 20, rows * rb}
	names := []string{"1MiB", "2MiB", "16MiB", "all"}
	frac := make([][]float64, len(sizes))
	var reads []float64
	for b.Loop() {
		for range 10 {
			s := read(stream, streamed)
			reads = append(reads, s)
			for k, bytes := range sizes {
				per := bytes / rb
				n := rows / per * per
				frac[k] = append(frac[k], read(func() {
					for r := 0; r < n; r += per {
						part := w
						part.Rows, part.Data = per, w.Data[r*rb:(r+per)*rb]
						MatVec(dst[r:r+per], part, x)
					}
				}, n*rb)/s)
			}
		}
	}
	b.ReportMetric(median(reads)/1e9, "GB/s-stream")
	for k, name := range names {
		b.ReportMetric(median(frac[k]), "x-stream-"+name)
	}
}

// streamer returns a parallel streaming read of a WeightBuffer of size
// bytes (a multiple of 1 MiB), in chunks of 1 MiB: the roofline's read.
func streamer(size int) func() {
	buf := WeightBuffer(size)
	for i := range buf {
		buf[i] = byte(i)
	}
	return func() {
		ParallelGrain(size>>20, 4, func(lo, hi int) { streamSink.Add(sumUint64(buf[lo<<20 : hi<<20])) })
	}
}

// read runs f once and returns bytes per second of its time.
func read(f func(), bytes int) float64 {
	start := time.Now()
	f()
	return float64(bytes) / time.Since(start).Seconds()
}

// BenchmarkAxpyRows measures AxpyRows as a decoding step's attention
// uses it for one head's scores: 64 rows (the head's key dimensions, a
// transposed cache with room for 1040 positions) over a context of 33,
// 100 and 1000 positions, on each kernel set.
func BenchmarkAxpyRows(b *testing.B) {
	rng := rand.New(rand.NewPCG(6, 6))
	const rows, stride = 64, 1040
	m := randVec(rng, rows*stride, 1)
	a := randVec(rng, rows, 1)
	for _, set := range runnableSets() {
		for _, n := range []int{33, 100, 1000} {
			dst := make([]float32, n)
			b.Run(fmt.Sprintf("%s/%d", set, n), func(b *testing.B) {
				withKernels(set, func() {
					for b.Loop() {
						AxpyRows(dst, a, m, stride)
					}
				})
			})
		}
	}
}
