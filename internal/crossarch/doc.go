// Package crossarch runs the engine's tests (kernels, models, introspect)
// as other builds of them: for arm64, under qemu-user, and for amd64 with
// GOAMD64=v3, from an ordinary amd64 test run.
//
// On arm64 the pure-Go kernels are all there is (Apple Silicon, Graviton),
// and there, as with GOAMD64=v3, Go may fuse a·b+c into one multiply-add,
// which a default amd64 build never does. Whatever must match llama.cpp's
// bytes (the quantizers) or the fixtures' values has to hold in those
// builds too. The package has no code; its tests do the work.
package crossarch
