// Package crossarch runs the engine's tests (kernels and models) on
// arm64, under qemu-user, from an amd64 test run.
//
// On arm64 the pure-Go kernels are all there is (Apple Silicon, Graviton),
// and there Go may fuse a·b+c into one multiply-add, which it never does
// on amd64: a reference computation that must match llama.cpp's bytes
// (the quantizers) or the fixtures' values has to hold there too. The
// package has no code; its test does the work.
package crossarch
