package classify_test

import (
	"fmt"

	"github.com/safediff/safediff/pkg/classify"
	"github.com/safediff/safediff/pkg/diffparse"
	"github.com/safediff/safediff/pkg/review"
)

func ExampleClassify() {
	diff := `prod, web, Deployment (apps) has changed:
  metadata:
    labels:
-     helm.sh/chart: web-1.0.0
+     helm.sh/chart: web-1.1.0
  spec:
    replicas: 3
    template:
      spec:
        containers:
          - name: web
-           image: nginx:1.25
+           image: nginx:1.27
`
	set, _ := review.DefaultRules()
	plan, _ := diffparse.ParseString(diff, diffparse.Options{Facts: set.FactPaths()})
	res := classify.Classify(plan, set)
	for _, o := range res.Objects {
		fmt.Println(o.Ref, o.Level)
		for _, f := range o.Findings {
			fmt.Printf("  %s %s (%s)\n", f.Level, f.Change.Path, f.Rule)
		}
	}
	fmt.Println("exit", res.Verdict(classify.DefaultGate).ExitCode)
	// Output:
	// Deployment.apps/prod/web restart
	//   ignored metadata.labels["helm.sh/chart"] (labels-top-level)
	//   restart spec.template.spec.containers[name=web].image (pod-template-image)
	// exit 0
}

// Accept reviewed changes from an accept file: they no longer count at
// the gate, and an acceptance that names no change of the plan is
// returned, since the plan is then not the one that was reviewed.
func ExampleResult_Accept() {
	diff := `prod, web, Deployment (apps) has changed:
  spec:
    replicas: 3
    selector:
      matchLabels:
        app: web
-       track: stable
+       track: canary
    template:
      spec:
        containers:
          - name: web
-           image: nginx:1.25
+           image: nginx:1.27
`
	accept := `version: 1
accept:
  - object: Deployment.apps/prod/web
    path: spec.selector.matchLabels.track
    new: canary
    reason: CHG-1234, recreate approved
  - object: Service/prod/old
    reason: retired
`
	set, _ := review.DefaultRules()
	plan, _ := diffparse.ParseString(diff, diffparse.Options{Facts: set.FactPaths()})
	res := classify.Classify(plan, set)
	fmt.Println("exit before", res.Verdict(classify.DefaultGate).ExitCode)

	list, err := classify.ParseAcceptances([]byte(accept), "accept.yaml")
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, a := range res.Accept(list) {
		fmt.Printf("accept[%d] (%s) matches no change\n", a.Index, a.Object)
	}
	for _, o := range res.Objects {
		for _, f := range o.Findings {
			fmt.Printf("  %s %s", f.Level, f.Change.Path)
			if f.Accepted {
				fmt.Printf(" (accepted: %s)", f.AcceptReason)
			}
			fmt.Println()
		}
	}
	fmt.Println("exit after", res.Verdict(classify.DefaultGate).ExitCode)
	// Output:
	// exit before 2
	// accept[1] (Service/prod/old) matches no change
	//   disruptive spec.selector.matchLabels.track (accepted: CHG-1234, recreate approved)
	//   restart spec.template.spec.containers[name=web].image
	// exit after 0
}
