package weights

import (
	"context"
	"fmt"
	"io"
	"os"
	"syscall"

	"github.com/torchless-go/torchless/kernels"
)

// Mode says how a file's bytes are held.
type Mode int

const (
	// Eager reads the whole file into memory when it is opened.
	Eager Mode = iota
	// Lazy memory-maps the file read-only: nothing is read until used.
	Lazy
)

func (m Mode) String() string {
	if m == Lazy {
		return "lazy"
	}
	return "eager"
}

// Blob is the contents of one opened file.
type Blob struct {
	Path   string
	data   []byte
	mapped bool
}

// OpenBlob opens path in the given mode.
func OpenBlob(path string, mode Mode) (*Blob, error) {
	return OpenBlobContext(context.Background(), path, mode)
}

// readChunk is how much an eager open reads between checks of its context.
const readChunk = 64 << 20

// OpenBlobContext opens path in the given mode; an eager open reads the
// file in chunks and stops with ctx's error when ctx is cancelled.
func OpenBlobContext(ctx context.Context, path string, mode Mode) (*Blob, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if st.IsDir() {
		return nil, fmt.Errorf("%s: is a directory", path)
	}
	size := st.Size()
	if size != int64(int(size)) {
		return nil, fmt.Errorf("%s: file too large (%d bytes)", path, size)
	}
	if size == 0 {
		return &Blob{Path: path, data: []byte{}}, nil
	}
	if mode == Lazy {
		data, err := syscall.Mmap(int(f.Fd()), 0, int(size), syscall.PROT_READ, syscall.MAP_SHARED)
		if err != nil {
			return nil, fmt.Errorf("%s: mmap: %w", path, err)
		}
		return &Blob{Path: path, data: data, mapped: true}, nil
	}
	data := kernels.WeightBuffer(int(size)) // in huge pages where it can
	for off := 0; off < len(data); off += readChunk {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		if _, err := io.ReadFull(f, data[off:min(off+readChunk, len(data))]); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
	}
	return &Blob{Path: path, data: data}, nil
}

// BlobFromBytes wraps bytes already in memory (tests, fuzzing).
func BlobFromBytes(name string, data []byte) *Blob { return &Blob{Path: name, data: data} }

// Bytes returns the file's contents. For a lazy blob they are valid until
// Close.
func (b *Blob) Bytes() []byte { return b.data }

// Mapped reports whether the blob is memory-mapped.
func (b *Blob) Mapped() bool { return b.mapped }

// Close releases the mapping (a no-op for eager blobs). Tensors viewing
// a mapped blob must not be used after Close.
func (b *Blob) Close() error {
	if b == nil || !b.mapped || b.data == nil {
		return nil
	}
	err := syscall.Munmap(b.data)
	b.data = nil
	return err
}
