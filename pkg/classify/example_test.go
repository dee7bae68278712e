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
