package review_test

import (
	"bytes"
	"fmt"
	"runtime"
	"testing"

	"github.com/safediff/safediff/pkg/review"
)

// TestRetainedPerObject bounds what a review keeps per object until its
// report is written, on helm-diff's --output json (an object per line, one
// finding each): the form in which a 512 MiB input holds the most objects.
// A review used to keep 840 bytes an object (each finding a copy of its
// change and its decision); it kept under 400 with one finding an object,
// about 560 with the two an object-level format now gives (its hidden
// changes, and its possible rename's deletion). The bound has room for
// runtime changes, not for a copy per finding again.
func TestRetainedPerObject(t *testing.T) {
	if testing.Short() {
		t.Skip("measures the heap of a 20,000-object review")
	}
	const n = 20000
	var in bytes.Buffer
	in.WriteString("[\n")
	for i := range n {
		fmt.Fprintf(&in, `{"api": "v1", "kind": "ConfigMap", "namespace": "default", "name": "cm-%d", "change": "MODIFY"},`+"\n", i)
	}
	in.WriteString(`{"api": "v1", "kind": "ConfigMap", "namespace": "default", "name": "last", "change": "MODIFY"}]` + "\n")
	if _, err := review.DefaultRules(); err != nil { // parsed once, outside the measure
		t.Fatal(err)
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	rep, err := review.Review(bytes.NewReader(in.Bytes()), review.Options{Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	// each: the changes it hides, and its deletion (json output may show
	// a rename as a change)
	if len(rep.Result.Objects) != n+1 || len(rep.Verdict.Offending) != 2*(n+1) {
		t.Fatalf("%d objects, %d offending: want %d objects, two findings each", len(rep.Result.Objects), len(rep.Verdict.Offending), n+1)
	}
	runtime.KeepAlive(rep)
	per := (int64(after.HeapAlloc) - int64(before.HeapAlloc)) / (n + 1)
	t.Logf("a review keeps %d bytes an object", per)
	const bound = 650
	if per > bound {
		t.Errorf("a review keeps %d bytes an object until its report is written, want at most %d: does a finding copy its change or its decision again?", per, bound)
	}
}
