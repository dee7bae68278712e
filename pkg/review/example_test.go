package review_test

import (
	"fmt"
	"os"
	"strings"

	"github.com/safediff/safediff/pkg/gate"
	"github.com/safediff/safediff/pkg/report"
	"github.com/safediff/safediff/pkg/review"
)

// Review a diff in one call and walk the result and the verdict.
func ExampleReview() {
	diff := `prod, cfg, ConfigMap (v1) has changed:
  apiVersion: v1
  kind: ConfigMap
  metadata:
    name: cfg
  data:
-   greeting: hello
+   greeting: bonjour
`
	rep, err := review.Review(strings.NewReader(diff), review.Options{})
	if err != nil {
		fmt.Println("not understood:", err) // exit 1: nothing was judged
		return
	}
	for _, o := range rep.Result.Objects {
		for _, f := range o.Findings {
			fmt.Println(o.Ref, f.Change.Path, f.Level, "-", f.Reason)
		}
	}
	fmt.Println(rep.Verdict.Summary)
	fmt.Println("exit code:", rep.Verdict.ExitCode)
	// Output:
	// ConfigMap/prod/cfg data.greeting safe - data change - pods see it only on restart (env) or after a delay (mounted files)
	// PASS - the highest level, safe, is below the gate (--fail-on disruptive)
	// exit code: 0
}

// Review with an accept file, as safediff review --accept does: the
// reviewed change passes the gate this once, and an entry that names
// nothing in the plan is a note of the report, with a suggestion.
func ExampleReview_accept() {
	diff := `prod, web, Deployment (apps) has changed:
  apiVersion: apps/v1
  kind: Deployment
  metadata:
    name: web
  spec:
    replicas: 3
    selector:
      matchLabels:
        app: web
-       track: stable
+       track: canary
    template:
      metadata:
        labels:
          app: web
-         track: stable
+         track: canary
      spec:
        containers:
          - name: web
-           image: nginx:1.25
+           image: nginx:1.27
`
	accept, err := gate.ParseAccept([]byte(`version: 1
accept:
  - object: Deployment.apps/prod/web
    path: spec.selector.matchLabels.track
    new: canary
    reason: CHG-1234, recreate approved
  - object: Deployment/prod/web
    path: spec.template.spec.containers[name=web].image
    reason: CHG-1235
`), "accept.yaml")
	if err != nil {
		fmt.Println(err)
		return
	}
	rep, err := review.Review(strings.NewReader(diff), review.Options{Accept: []*gate.AcceptFile{accept}})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, a := range rep.Verdict.Accepted {
		fmt.Printf("accepted: %s %s (%s)\n", a.Object.Ref, a.Finding.Change.Path, a.Entry.Reason)
	}
	for _, n := range rep.Verdict.Notes {
		fmt.Println("note:", n)
	}
	fmt.Println(rep.Verdict.Summary)
	// Output:
	// accepted: Deployment.apps/prod/web spec.selector.matchLabels.track (CHG-1234, recreate approved)
	// note: accept.yaml: accept[1] (Deployment/prod/web spec.template.spec.containers[name=web].image) matches no object of this plan; did you mean Deployment.apps/prod/web?
	// PASS - 1 change at or above the gate (--fail-on disruptive) accepted by the accept file, nothing else
}

// The report is what a writer renders: the same one safediff review
// prints.
func ExampleReview_render() {
	diff := "prod, data, PersistentVolumeClaim (v1) has been removed:\n- apiVersion: v1\n- kind: PersistentVolumeClaim\n+ \n"
	rep, err := review.Review(strings.NewReader(diff), review.Options{Source: "plan.txt"})
	if err != nil {
		fmt.Println(err)
		return
	}
	_ = report.Text{}.Write(os.Stdout, rep)
	// Output:
	// safediff review (plan.txt, diff format)
	//
	// Symbols:  - destroy
	// Levels, lowest to highest: ignored, safe, restart, disruptive, destructive.
	//
	//   # PersistentVolumeClaim prod/data will be destroyed [destructive]
	//   - PersistentVolumeClaim/prod/data
	//       destructive: the claim is deleted, and with it (reclaim policy Delete) the volume and its data [delete-volume-claim, line 1]
	//           also: delete
	//
	// Plan: 0 to add, 0 to change, 0 to replace, 1 to destroy, 0 to change owner.
	// Levels: 1 destructive (highest: destructive).
	// Gate: FAIL - 1 object is at or above the gate (--fail-on disruptive); exit 2
}
