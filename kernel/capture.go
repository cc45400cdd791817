package kernel

import (
	"bytes"
	"errors"
	"os"
	"sync"
	"time"
	"unicode/utf8"

	"golang.org/x/sys/unix"
)

// capture redirects file descriptors 1 and 2 into pipes, so that prints
// from compiled code (and from the C library, if any) reach the notebook as
// stream messages. flush makes sure everything written so far has been
// published, by writing a marker through each pipe and waiting for it.
type capture struct {
	origStdout, origStderr *os.File
	streams                [2]*captureStream
}

type captureStream struct {
	name    string
	fd      int
	r       *os.File
	publish func(name, text string)
	synced  chan struct{}
	mu      sync.Mutex // serialises flushes
	done    chan struct{}
}

var syncMarker = []byte("\x00\x1btorchless-sync\x1b\x00")

func startCapture(publish func(name, text string)) (*capture, error) {
	c := &capture{}
	for i, fd := range []int{1, 2} {
		orig, err := unix.Dup(fd)
		if err != nil {
			c.stop()
			return nil, err
		}
		unix.CloseOnExec(orig)
		of := os.NewFile(uintptr(orig), []string{"stdout", "stderr"}[i])
		if fd == 1 {
			c.origStdout = of
		} else {
			c.origStderr = of
		}
		r, w, err := os.Pipe()
		if err != nil {
			c.stop()
			return nil, err
		}
		if err := unix.Dup2(int(w.Fd()), fd); err != nil {
			r.Close()
			w.Close()
			c.stop()
			return nil, err
		}
		w.Close()
		s := &captureStream{name: []string{"stdout", "stderr"}[i], fd: fd, r: r, publish: publish, synced: make(chan struct{}, 1), done: make(chan struct{})}
		c.streams[i] = s
		go s.loop()
	}
	return c, nil
}

// flush waits until everything written to fds 1 and 2 so far has been
// published (bounded by a timeout).
func (c *capture) flush() {
	var wg sync.WaitGroup
	for _, s := range c.streams {
		if s == nil {
			continue
		}
		wg.Add(1)
		go func(s *captureStream) {
			defer wg.Done()
			s.mu.Lock()
			defer s.mu.Unlock()
			if _, err := unix.Write(s.fd, syncMarker); err != nil {
				return
			}
			select {
			case <-s.synced:
			case <-s.done:
			case <-time.After(2 * time.Second):
			}
		}(s)
	}
	wg.Wait()
}

// stop restores fds 1 and 2.
func (c *capture) stop() {
	if c.origStdout != nil {
		unix.Dup2(int(c.origStdout.Fd()), 1)
	}
	if c.origStderr != nil {
		unix.Dup2(int(c.origStderr.Fd()), 2)
	}
	for _, s := range c.streams {
		if s != nil {
			s.r.Close()
		}
	}
}

// coalesce is how long output is gathered before it is published: a cell
// printing many short lines sends a few stream messages, not thousands.
const coalesce = 20 * time.Millisecond

// maxPending is how much output is gathered at most before publishing.
const maxPending = 256 << 10

func (s *captureStream) loop() {
	defer close(s.done)
	buf := make([]byte, 64<<10)
	var pending []byte
	var since time.Time // when the oldest unpublished byte arrived
	fresh := false      // bytes arrived since the last publish
	for {
		if fresh {
			s.r.SetReadDeadline(since.Add(coalesce))
		} else {
			s.r.SetReadDeadline(time.Time{})
		}
		n, err := s.r.Read(buf)
		if n > 0 && !fresh {
			since = time.Now()
			fresh = true
		}
		pending = append(pending, buf[:n]...)
		timedOut := errors.Is(err, os.ErrDeadlineExceeded)
		if timedOut {
			err = nil
		}
		for {
			i := bytes.Index(pending, syncMarker)
			if i < 0 {
				break
			}
			s.emit(pending[:i])
			pending = append(pending[:0], pending[i+len(syncMarker):]...)
			select {
			case s.synced <- struct{}{}:
			default:
			}
		}
		if err != nil {
			s.emit(pending)
			return
		}
		if !timedOut && len(pending) < maxPending && time.Since(since) < coalesce {
			continue
		}
		// Publish, keeping back a possible partial marker and an
		// incomplete rune.
		keep := partialSuffix(pending, syncMarker)
		cut := len(pending) - keep
		for back := 0; back < utf8.UTFMax && cut-back > 0; back++ {
			b := pending[cut-back-1]
			if b < 0x80 {
				break
			}
			if utf8.RuneStart(b) {
				if !utf8.FullRune(pending[cut-back-1 : cut]) {
					cut = cut - back - 1
				}
				break
			}
		}
		s.emit(pending[:cut])
		pending = append(pending[:0], pending[cut:]...)
		fresh = false
	}
}

func (s *captureStream) emit(b []byte) {
	if len(b) > 0 {
		s.publish(s.name, string(b))
	}
}

// partialSuffix returns the length of the longest suffix of b that is a
// proper prefix of marker.
func partialSuffix(b, marker []byte) int {
	for k := min(len(marker)-1, len(b)); k > 0; k-- {
		if bytes.Equal(b[len(b)-k:], marker[:k]) {
			return k
		}
	}
	return 0
}
