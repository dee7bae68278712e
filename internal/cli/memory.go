package cli

import (
	"io"
	"math"
	"runtime/debug"
	"sync"
)

// A review keeps its result (every object's changes, facts and findings)
// until the report is written, about as many bytes as its input. The Go
// runtime's default pacing lets the heap grow to twice what is live
// before it collects, and with the garbage of reading on top the peak
// passes twice the input. While an input is read, the soft memory limit
// follows it instead: memoryBase bytes plus memoryPerInput bytes per byte
// read so far, so that the collector works a little harder rather than
// letting the peak pass about 2x the input + 20 MB (make bench measures
// it). The limit is soft: a result larger than it (a pathological input)
// costs collector time, never an error.
const (
	memoryBase     = 12 << 20
	memoryPerInput = 2
	// memoryStep is how much input is read between two updates of the
	// limit.
	memoryStep = 1 << 20
)

// The limit is the process's: reviews that run at once (tests, a library
// user of package cli) share it, and the last one to finish restores it.
var budget struct {
	sync.Mutex
	active int
	prev   int64
}

// budgetReader raises the soft memory limit as its input is read.
type budgetReader struct {
	r    io.Reader
	read int64
	next int64
}

// withMemoryBudget returns in, read with the memory limit following it,
// and the function that lifts the limit once the review is written.
func withMemoryBudget(in io.Reader) (io.Reader, func()) {
	budget.Lock()
	if budget.active == 0 {
		budget.prev = debug.SetMemoryLimit(memoryBase)
	}
	budget.active++
	budget.Unlock()
	var once sync.Once
	return &budgetReader{r: in, next: memoryStep}, func() {
		once.Do(func() {
			budget.Lock()
			defer budget.Unlock()
			if budget.active--; budget.active == 0 {
				debug.SetMemoryLimit(budget.prev)
			}
		})
	}
}

func (b *budgetReader) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	b.read += int64(n)
	if b.read >= b.next {
		b.next = b.read + memoryStep
		limit := int64(math.MaxInt64)
		if b.read < (math.MaxInt64-memoryBase)/memoryPerInput {
			limit = memoryBase + memoryPerInput*b.read
		}
		budget.Lock()
		if budget.active > 0 && limit > debug.SetMemoryLimit(-1) {
			debug.SetMemoryLimit(limit)
		}
		budget.Unlock()
	}
	return n, err
}
