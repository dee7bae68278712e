package cli

import (
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"
)

// A review peaks at about twice the memory it keeps live: the Go collector
// lets the heap grow to twice what the last collection found. For an
// input dense in changes that is more than the bound safediff keeps to, 3×
// the input + 40 MB. A memoryBound sets a soft memory limit at that bound
// (less what the process holds beside the Go heap) as the input is read,
// so that the collector works harder before the process outgrows it. An
// ordinary review stays far below the bound and never reaches the limit:
// it costs nothing there. Where what a review keeps live nears the limit,
// the collector would run without end to stay under it; after each
// collection, the limit is raised to half as much again as what is live,
// so that a collection comes at the latest after a third of it is
// allocated anew (at most three times the collections of the default).
type memoryBound struct {
	r    io.Reader
	read int64
	next int64 // input size at which the limit is raised next
	// guarded by bounds.mu
	limit int64
	done  bool
}

const (
	boundBase  = 40 << 20 // the bound's constant term
	boundSlack = 12 << 20 // the program's text and data and the runtime's own memory, outside the limit
)

// bounds are the reviews in progress: the process's limit is the highest
// of theirs, and the one it had before is restored when the last ends
// (the CLI's commands may run at once in one process, as in tests).
var bounds struct {
	mu   sync.Mutex
	all  map[*memoryBound]bool
	orig int64
	live []metrics.Sample
}

// boundMemory returns r read through a memoryBound, and the function that
// ends it. With GOMEMLIMIT set, the limit is the user's: r is returned as
// it is.
func boundMemory(r io.Reader) (io.Reader, func()) {
	if os.Getenv("GOMEMLIMIT") != "" {
		return r, func() {}
	}
	b := &memoryBound{r: r}
	bounds.mu.Lock()
	if len(bounds.all) == 0 {
		bounds.all = map[*memoryBound]bool{}
		bounds.orig = debug.SetMemoryLimit(-1)
		bounds.live = []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
		watchCollections()
	}
	bounds.all[b] = true
	bounds.mu.Unlock()
	b.raise()
	return b, b.end
}

// Read reads from the input, raising the limit as the input grows (by an
// eighth at least each time, and at its end: setting a limit stops the
// world).
func (b *memoryBound) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	b.read += int64(n)
	if b.read >= b.next || err != nil {
		b.raise()
	}
	return n, err
}

// raise sets the limit for the input read so far.
func (b *memoryBound) raise() {
	b.next = b.read + max(b.read/8, 1<<20)
	bounds.mu.Lock()
	defer bounds.mu.Unlock()
	if b.done {
		return
	}
	b.limit = max(b.limit, 3*b.read+boundBase-boundSlack)
	applyLimit()
}

// collected raises the limits of the reviews in progress to half as much
// again as the live heap, where they are closer to it than that.
func collected(live int64) {
	for b := range bounds.all {
		b.limit = max(b.limit, live/2*3)
	}
	applyLimit()
}

// applyLimit sets the process's limit to the highest of the reviews'.
func applyLimit() {
	var limit int64
	for b := range bounds.all {
		limit = max(limit, b.limit)
	}
	if debug.SetMemoryLimit(-1) != limit {
		debug.SetMemoryLimit(limit)
	}
}

// watchCollections calls collected after each collection while a review
// is in progress (a finalizer runs after the collection that found its
// object unreachable).
func watchCollections() {
	type sentinel struct{ _ *int }
	var check func(*sentinel)
	check = func(*sentinel) {
		bounds.mu.Lock()
		defer bounds.mu.Unlock()
		if len(bounds.all) == 0 {
			return
		}
		metrics.Read(bounds.live)
		collected(int64(bounds.live[0].Value.Uint64()))
		runtime.SetFinalizer(&sentinel{}, check)
	}
	runtime.SetFinalizer(&sentinel{}, check)
}

// end ends the bound: the last review to end restores the limit the
// process had before.
func (b *memoryBound) end() {
	bounds.mu.Lock()
	defer bounds.mu.Unlock()
	if b.done {
		return
	}
	b.done = true
	delete(bounds.all, b)
	if len(bounds.all) == 0 {
		debug.SetMemoryLimit(bounds.orig)
		return
	}
	applyLimit()
}
