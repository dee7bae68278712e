package rules

import (
	"encoding/binary"
	"testing"
)

// TestSelectionsBounded: the shared selection lists stay few, however
// many different selections a review makes (rules that select objects by
// name can make one per object); a selection past the bound still gets
// its rules.
func TestSelectionsBounded(t *testing.T) {
	sh := newShared()
	rule := &Rule{ID: "r"}
	for i := range 3 * maxSelections {
		key := binary.LittleEndian.AppendUint32(nil, uint32(i))
		layers := sh.selection(key, []indexedRule{{Rule: rule, ord: uint32(i)}}, []int{1})
		if len(layers) != 1 || len(layers[0]) != 1 || layers[0][0].ord != uint32(i) {
			t.Fatalf("selection %d: got %v", i, layers)
		}
	}
	if n := len(sh.selections); n > maxSelections {
		t.Errorf("%d selections kept, want at most %d", n, maxSelections)
	}
}
