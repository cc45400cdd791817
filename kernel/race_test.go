//go:build race

package kernel

// raceEnabled is true under the race detector. The kernel waits for an
// interrupted cell's yaegi goroutine by polling goroutine stacks, an order
// the race detector cannot see: it reports yaegi's frame accesses of the
// next cell as races, so the interrupt tests skip under -race.
const raceEnabled = true
