package report_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/safediff/safediff/pkg/classify"
	"github.com/safediff/safediff/pkg/report"
	"github.com/safediff/safediff/pkg/review"
)

// TestPartialUpgradeAsTheResultSaysIt: the report's install order (built
// once per report) says, for every object helm cannot update in place,
// what classify.Result.PartialUpgrade (which scans every object) says:
// the same objects before it, after it, of its kind and skipped, in the
// same order, and how many.
func TestPartialUpgradeAsTheResultSaysIt(t *testing.T) {
	var b strings.Builder
	cm := func(rel, name string) {
		fmt.Fprintf(&b, "%s, %s, ConfigMap (v1) has changed:\n  apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: %s\n- immutable: true\n+ immutable: false\n  data:\n-   a: x\n+   a: y\n", rel, name, name)
	}
	for i := range 9 {
		cm("default", fmt.Sprintf("c%d", i))
	}
	b.WriteString("default, web, Deployment (apps) has changed:\n  apiVersion: apps/v1\n  kind: Deployment\n  metadata:\n    name: web\n  spec:\n    replicas: 3\n-   minReadySeconds: 1\n+   minReadySeconds: 2\n")
	b.WriteString("default, sa, ServiceAccount (v1) has changed:\n  apiVersion: v1\n  kind: ServiceAccount\n  metadata:\n    name: sa\n    labels:\n-     a: b\n+     a: c\n")
	b.WriteString("default, old, Service (v1) has been removed:\n- apiVersion: v1\n- kind: Service\n- metadata:\n-   name: old\n+ \n")
	b.WriteString("default, w, Widget (example.com) has changed:\n  apiVersion: example.com/v1\n  kind: Widget\n  metadata:\n    name: w\n  spec:\n-   size: 1\n+   size: 2\n")
	rep, err := review.Review(strings.NewReader(b.String()), review.Options{})
	if err != nil {
		t.Fatal(err)
	}
	replaced := 0
	for _, o := range rep.Result.Objects {
		if o.Action.String() != "replace" {
			continue
		}
		replaced++
		p := rep.Result.PartialUpgrade(o)
		groups, counts := report.Around(rep.Result, o)
		for i, want := range [][]*classify.Object{p.Before, p.After, p.Same, p.Skipped} {
			var refs []string
			for _, x := range want {
				refs = append(refs, x.Ref.String())
			}
			if !slices.Equal(groups[i], refs) || counts[i] != len(want) {
				t.Errorf("%s, group %d: %q (%d), want %q", o.Ref, i, groups[i], counts[i], refs)
			}
		}
	}
	if replaced != 9 {
		t.Fatalf("%d objects replaced, want 9", replaced)
	}
}
