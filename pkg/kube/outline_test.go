package kube_test

import (
	"testing"
	"unsafe"

	"github.com/safediff/safediff/pkg/kube"
)

// TestOutlineSize bounds the bytes of an outline entry: a diff of 40,000
// elided changes holds an entry for each of its 160,000 visible lines
// until it is classified. With an int column before the pointers an entry
// took 72 bytes, allocated as 80.
func TestOutlineSize(t *testing.T) {
	if got := unsafe.Sizeof(kube.Outline{}); got > 64 {
		t.Errorf("an outline entry takes %d bytes, want at most 64", got)
	}
}
