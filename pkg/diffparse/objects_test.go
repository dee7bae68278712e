package diffparse

import (
	"testing"

	"github.com/safediff/safediff/pkg/kube"
)

// TestObjectTableCollisions checks that objects whose keys hash alike are
// still told apart: a second object with the same hash is recorded, and a
// repeat of either is found, whichever place it was recorded in.
func TestObjectTableCollisions(t *testing.T) {
	plan := &Plan{}
	tb := newObjectTable(plan, &errList{})
	a := &Object{Ref: kube.ObjectRef{Kind: "ConfigMap", Namespace: "ns", Name: "a"}}
	b := &Object{Ref: kube.ObjectRef{Kind: "ConfigMap", Namespace: "ns", Name: "b"}}
	const h = 42 // one hash for both keys
	tb.record(a, keyOf(a), h)
	tb.record(b, keyOf(b), h)
	for _, o := range []*Object{a, b} {
		if got, ok := tb.lookup(keyOf(o), h); !ok || got != o {
			t.Errorf("%s: lookup found %v (%v)", o.Ref.Name, got, ok)
		}
	}
	c := &Object{Ref: kube.ObjectRef{Kind: "ConfigMap", Namespace: "ns", Name: "c"}}
	if got, ok := tb.lookup(keyOf(c), h); ok {
		t.Errorf("an object never recorded was found: %v", got)
	}
}
