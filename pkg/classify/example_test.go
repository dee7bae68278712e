package classify_test

import (
	"fmt"

	"github.com/safediff/safediff/pkg/classify"
	"github.com/safediff/safediff/pkg/diffparse"
	"github.com/safediff/safediff/pkg/review"
)

// Parse with the facts the rule set reads, then classify: each change gets
// a level, the rule that decided it and a reason.
func ExampleClassify() {
	diff := `prod, web, Deployment (apps) has changed:
  apiVersion: apps/v1
  kind: Deployment
  metadata:
    name: web
    labels:
-     helm.sh/chart: web-1.0.0
+     helm.sh/chart: web-1.1.0
  spec:
    replicas: 3
    strategy:
      type: RollingUpdate
    template:
      spec:
        containers:
          - name: web
-           image: nginx:1.25
+           image: nginx:1.27
`
	set, _ := review.DefaultRules()
	plan, _ := diffparse.ParseString(diff, diffparse.Options{Facts: set.FactPaths()})
	res, err := classify.Classify(plan, set)
	if err != nil {
		fmt.Println(err) // the plan was parsed without set.FactPaths()
		return
	}
	for _, o := range res.Objects {
		fmt.Println(o.Ref, o.Level)
		for _, f := range o.Findings {
			fmt.Printf("  %s %s (%s)\n", f.Level, f.Change.Path, f.Rule)
		}
	}
	// Output:
	// Deployment.apps/prod/web restart
	//   ignored metadata.labels["helm.sh/chart"] (labels-top-level)
	//   restart spec.template.spec.containers[name=web].image (pod-template-image)
}

// A plan parsed without the fields the rules read cannot be classified:
// judged without them, a change could come out lower than it is.
func ExampleClassify_withoutFacts() {
	set, _ := review.DefaultRules()
	plan, _ := diffparse.ParseString("prod, db, StatefulSet (apps) to be changed.\n", diffparse.Options{})
	_, err := classify.Classify(plan, set)
	fmt.Println(err != nil)
	// Output:
	// true
}
