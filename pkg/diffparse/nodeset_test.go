package diffparse

import "testing"

// The set of nodes the server-side checks looked at: each node is looked
// at once per object (a second look would say its duplicates twice), and
// reset forgets the last object's nodes.
func TestNodeSet(t *testing.T) {
	var s nodeSet
	for _, step := range []struct {
		n    int32
		want bool
		why  string
	}{
		{0, true, "the root, first seen"},
		{200, true, "a node in a word not yet grown"},
		{63, true, "the last bit of the first word"},
		{64, true, "the first bit of the second word"},
		{200, false, "seen"},
		{0, false, "seen"},
		{199, true, "beside a seen node"},
	} {
		if got := s.add(step.n); got != step.want {
			t.Errorf("add(%d) = %v, want %v: %s", step.n, got, step.want, step.why)
		}
	}
	s.reset()
	for _, n := range []int32{0, 63, 64, 199, 200} {
		if !s.add(n) {
			t.Errorf("add(%d) after reset = false: the last object's nodes are not this one's", n)
		}
	}
}
