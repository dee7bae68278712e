package cli

import (
	"io"
	"math"
	"runtime/debug"
	"strings"
	"testing"
)

// TestMemoryBudget: while a review reads its input, the soft memory limit
// follows the bytes read (so that the peak stays near 2x the input), and
// it is what it was before once the review is done.
func TestMemoryBudget(t *testing.T) {
	before := debug.SetMemoryLimit(-1)
	in, lift := withMemoryBudget(strings.NewReader(strings.Repeat("x", 5<<20)))
	if got := debug.SetMemoryLimit(-1); got != memoryBase {
		t.Errorf("limit before reading: %d, want %d", got, memoryBase)
	}
	if _, err := io.Copy(io.Discard, in); err != nil {
		t.Fatal(err)
	}
	got := debug.SetMemoryLimit(-1)
	if low, high := int64(memoryBase+memoryPerInput*(4<<20)), int64(memoryBase+memoryPerInput*(5<<20)); got < low || got > high {
		t.Errorf("limit after reading 5 MiB: %d, want %d to %d", got, low, high)
	}
	lift()
	lift() // twice: no effect
	if got := debug.SetMemoryLimit(-1); got != before {
		t.Errorf("limit after the review: %d, want %d", got, before)
	}
	if before != math.MaxInt64 {
		t.Logf("the limit was %d before the test", before)
	}
}
