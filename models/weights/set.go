package weights

import (
	"errors"
	"fmt"
	"path"
	"sort"
)

// Set is the tensors of one model (possibly from several files, for
// sharded checkpoints), looked up by the names the files store them by.
type Set struct {
	tensors []*Tensor
	byName  map[string]*Tensor
	blobs   []*Blob
}

// NewSet returns an empty set.
func NewSet() *Set { return &Set{byName: map[string]*Tensor{}} }

// Add adds t; it is an error to add two tensors of one name.
func (s *Set) Add(t *Tensor) error {
	if _, dup := s.byName[t.Name]; dup {
		return fmt.Errorf("tensor %q appears twice", t.Name)
	}
	s.byName[t.Name] = t
	s.tensors = append(s.tensors, t)
	return nil
}

// Own makes the set responsible for closing b.
func (s *Set) Own(b *Blob) { s.blobs = append(s.blobs, b) }

// Get returns the tensor called name, or nil.
func (s *Set) Get(name string) *Tensor { return s.byName[name] }

// Tensors returns the tensors in file order.
func (s *Set) Tensors() []*Tensor { return s.tensors }

// Names returns the tensor names, sorted.
func (s *Set) Names() []string {
	names := make([]string, 0, len(s.tensors))
	for _, t := range s.tensors {
		names = append(names, t.Name)
	}
	sort.Strings(names)
	return names
}

// Match returns the tensors whose names match the path.Match glob pattern.
func (s *Set) Match(pattern string) ([]*Tensor, error) {
	if _, err := path.Match(pattern, ""); err != nil {
		return nil, fmt.Errorf("bad pattern %q: %w", pattern, err)
	}
	var out []*Tensor
	for _, t := range s.tensors {
		if ok, _ := path.Match(pattern, t.Name); ok {
			out = append(out, t)
		}
	}
	return out, nil
}

// TotalBytes is the sum of the tensors' stored sizes.
func (s *Set) TotalBytes() int64 {
	var n int64
	for _, t := range s.tensors {
		n += int64(len(t.Data)) + 4*int64(len(t.Scales))
	}
	return n
}

// Close releases the files behind the set.
func (s *Set) Close() error {
	var errs []error
	for _, b := range s.blobs {
		errs = append(errs, b.Close())
	}
	s.blobs = nil
	return errors.Join(errs...)
}

// FileTensors is what a parsed file holds: its tensors in offset order,
// lookup by name, and the blob they view. File types of the format
// packages embed it.
type FileTensors struct {
	// Tensors are the file's tensors in the order of their offsets.
	Tensors []*Tensor

	byName map[string]*Tensor
	blob   *Blob
}

// AddTensor appends t; the caller has checked that its name is new.
func (f *FileTensors) AddTensor(t *Tensor) {
	if f.byName == nil {
		f.byName = map[string]*Tensor{}
	}
	f.Tensors = append(f.Tensors, t)
	f.byName[t.Name] = t
}

// Attach makes the file responsible for closing b.
func (f *FileTensors) Attach(b *Blob) { f.blob = b }

// TakeBlob hands the blob to the caller, who must close it.
func (f *FileTensors) TakeBlob() *Blob {
	b := f.blob
	f.blob = nil
	return b
}

// Get returns the tensor called name, or nil.
func (f *FileTensors) Get(name string) *Tensor { return f.byName[name] }

// Names returns the tensor names in offset order.
func (f *FileTensors) Names() []string {
	out := make([]string, len(f.Tensors))
	for i, t := range f.Tensors {
		out[i] = t.Name
	}
	return out
}

// Set returns a Set of the file's tensors that takes over the file's
// blob: closing the set releases it, and Close becomes a no-op.
func (f *FileTensors) Set() *Set {
	s := NewSet()
	if f.blob != nil {
		s.Own(f.blob)
		f.blob = nil
	}
	for _, t := range f.Tensors {
		s.Add(t) // names are unique: the parsers reject duplicates
	}
	return s
}

// Close releases the blob when the file was opened from a path (a no-op
// for parsed bytes). Tensors must not be used after Close in lazy mode.
func (f *FileTensors) Close() error {
	if f == nil || f.blob == nil {
		return nil
	}
	err := f.blob.Close()
	f.blob = nil
	return err
}
