package classify_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/safediff/safediff/pkg/classify"
	"github.com/safediff/safediff/pkg/diffparse"
	"github.com/safediff/safediff/pkg/kube"
	"github.com/safediff/safediff/pkg/rules"
)

// classified parses and classifies a diff with the default rules, judged
// by workers goroutines.
func classified(t *testing.T, input string, workers int) *classify.Result {
	t.Helper()
	set, err := rules.NewSet(rules.DefaultFile())
	if err != nil {
		t.Fatal(err)
	}
	plan, err := diffparse.Parse(strings.NewReader(input), diffparse.Options{Facts: set.FactPaths(), Workers: workers})
	if err != nil {
		t.Fatal(err)
	}
	res, err := classify.ClassifyWorkers(plan, set, workers)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// TestFindingsPointToTheirChanges checks that a finding on a field is the
// object's change itself, not a copy of it: a review keeps every finding
// until the report is written, and a copy per change doubled what a large
// release kept.
func TestFindingsPointToTheirChanges(t *testing.T) {
	diff := "prod, web, Deployment (apps) has changed:\n  apiVersion: apps/v1\n  kind: Deployment\n  metadata:\n    name: web\n  spec:\n-   replicas: 2\n+   replicas: 3\n    template:\n      spec:\n        containers:\n          - name: web\n-           image: app:1\n+           image: app:2\n"
	res := classified(t, diff, 1)
	if len(res.Objects) != 1 || len(res.Objects[0].Changes) != 2 || len(res.Objects[0].Findings) != 2 {
		t.Fatalf("want one object with two changes and two findings, got %d objects", len(res.Objects))
	}
	o := res.Objects[0]
	for i := range o.Findings {
		f := &o.Findings[i]
		if f.Change != &o.Changes[i] {
			t.Errorf("finding %d (%s) does not point to the object's change %d", i, f.Change.Path, i)
		}
		if f.Pos != o.Changes[i].Pos {
			t.Errorf("finding %d: pos %v, its change's is %v", i, f.Pos, o.Changes[i].Pos)
		}
	}
	if o.Findings[0].Decision == o.Findings[1].Decision {
		t.Error("two different changes share one decision")
	}
}

// TestWholeObjectFindingsShare checks that objects judged alike as a
// whole share their finding's change and decision: helm-diff's --output
// json lists a million objects without fields, and a copy of each per
// object made a review of it several times the input.
func TestWholeObjectFindingsShare(t *testing.T) {
	var b strings.Builder
	b.WriteString("[\n")
	const n = 100
	for i := range n {
		fmt.Fprintf(&b, `{"api": "v1", "kind": "ConfigMap", "namespace": "default", "name": "cm-%d", "change": "MODIFY"},`+"\n", i)
	}
	b.WriteString(`{"api": "v1", "kind": "Secret", "namespace": "default", "name": "s", "change": "REMOVE"}]` + "\n")
	for _, workers := range []int{1, 2} {
		res := classified(t, b.String(), workers)
		if len(res.Objects) != n+1 {
			t.Fatalf("workers %d: %d objects, want %d", workers, len(res.Objects), n+1)
		}
		decisions := map[*rules.Decision]int{}
		changes := map[*diffparse.Change]bool{}
		var hidden [2]*classify.Finding
		for _, o := range res.Objects {
			// an update: the changes it hides, and its deletion (json
			// output may show a rename as a change); a removal: its deletion
			want := 2
			if o.Action == diffparse.Delete {
				want = 1
			}
			if len(o.Findings) != want || !o.Findings[0].WholeObject || !o.Findings[want-1].WholeObject {
				t.Fatalf("workers %d: %s: want %d findings about the whole object, got %+v", workers, o.Ref, want, o.Findings)
			}
			for i := range o.Findings {
				f := &o.Findings[i]
				decisions[f.Decision]++
				if f.Pos != o.Pos {
					t.Errorf("workers %d: %s: finding at %v, the object at %v", workers, o.Ref, f.Pos, o.Pos)
				}
				changes[f.Change] = true
				if o.Ref.Kind == "ConfigMap" {
					if hidden[i] != nil && hidden[i].Reason != f.Reason {
						t.Fatalf("workers %d: ConfigMaps judged differently: %q and %q", workers, hidden[i].Reason, f.Reason)
					}
					hidden[i] = f
				}
			}
		}
		// the ConfigMaps share two decisions per worker; the deletion has its own
		if len(decisions) > 2*workers+1 {
			t.Errorf("workers %d: %d objects judged alike hold %d decisions, want at most %d", workers, n, len(decisions)-1, 2*workers)
		}
		// and a change per op and worker
		if len(changes) > 2*workers {
			t.Errorf("workers %d: the whole-object findings of two ops hold %d changes, want at most %d", workers, len(changes), 2*workers)
		}
	}
}

// TestWholeChangesAreTheReviews: a caller that changes the path of a
// finding about the whole object in its report changes nothing of a later
// review. (The path was the one classify decided every hidden change at:
// set to "status", a later review of a suppressed Deployment passed.)
func TestWholeChangesAreTheReviews(t *testing.T) {
	const in = "prod, web, Deployment (apps) has changed, but diff is empty after suppression.\n"
	first := classified(t, in, 1)
	for _, o := range first.Objects {
		for _, f := range o.Findings {
			if len(f.Change.Path) == 1 {
				f.Change.Path[0] = kube.Field("status")
			}
			f.Change.Op = diffparse.Add
		}
	}
	if got := classify.WholeChange(diffparse.Hidden); !got.Path.Equal(kube.Path{kube.Gap{}}) || got.Op != diffparse.Hidden {
		t.Errorf("WholeChange(Hidden) is %v %s after a caller changed a report's", got.Path, got.Op)
	}
	second := classified(t, in, 1)
	if first.Highest != rules.Disruptive || second.Highest != first.Highest {
		t.Errorf("the same input judged %s, then %s after the first report was changed", first.Highest, second.Highest)
	}
}
