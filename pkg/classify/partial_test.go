package classify_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/safediff/safediff/pkg/classify"
	"github.com/safediff/safediff/pkg/diffparse"
	"github.com/safediff/safediff/pkg/gate"
	"github.com/safediff/safediff/pkg/review"
)

// A selector change among other changes: helm fails at the Deployment,
// applies the Service before it and the StatefulSet after it (it goes on
// past a refused update), and skips the ConfigMap's deletion.
func TestPartialUpgrade(t *testing.T) {
	diff := `default, web, Service (v1) has changed:
  apiVersion: v1
  kind: Service
  metadata:
    name: web
  spec:
    selector:
      app: web
+     track: canary
default, web, Deployment (apps) has changed:
  apiVersion: apps/v1
  kind: Deployment
  metadata:
    name: web
  spec:
    replicas: 2
    selector:
      matchLabels:
        app: web
+       track: canary
    template:
      metadata:
        labels:
          app: web
+         track: canary
      spec:
        containers:
          - name: web
            image: nginx:1.25
default, db, StatefulSet (apps) has changed:
  apiVersion: apps/v1
  kind: StatefulSet
  metadata:
    name: db
  spec:
    replicas: 3
    template:
      spec:
        containers:
          - name: db
-           image: redis:7.0
+           image: redis:7.2
default, old, ConfigMap (v1) has been removed:
- apiVersion: v1
- kind: ConfigMap
- metadata:
-   name: old
+ 
`
	rep, err := review.Review(strings.NewReader(diff), review.Options{Judge: gate.Gate{Default: gate.Threshold{Never: true}}})
	if err != nil {
		t.Fatal(err)
	}
	res := rep.Result
	var web *classify.Object
	for _, o := range res.Objects {
		if o.Ref.Kind == "Deployment" {
			web = o
		}
	}
	if web == nil || web.Action != diffparse.Replace {
		t.Fatalf("the selector change is not a replacement: %+v", web)
	}
	refs := func(objs []*classify.Object) []string {
		var out []string
		for _, o := range objs {
			out = append(out, o.Ref.String())
		}
		return out
	}
	p := res.PartialUpgrade(web)
	got := map[string][]string{"before": refs(p.Before), "after": refs(p.After), "same": refs(p.Same), "skipped": refs(p.Skipped)}
	want := map[string][]string{"before": {"Service/default/web"}, "after": {"StatefulSet.apps/default/db"}, "same": nil, "skipped": {"ConfigMap/default/old"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got)\n%s", diff)
	}
}
