package diffparse_test

import (
	"fmt"

	"github.com/safediff/safediff/pkg/diffparse"
)

func ExampleParseString() {
	diff := `default, web, Deployment (apps) has changed:
  spec:
    template:
      spec:
        containers:
          - name: web
-           image: nginx:1.25
+           image: nginx:1.27
`
	plan, err := diffparse.ParseString(diff, diffparse.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, o := range plan.Objects {
		fmt.Println(o.Action, o.Ref)
		for _, c := range o.Changes {
			fmt.Println(" ", c.Op, c.Path, c.Old.Text, "->", c.New.Text)
		}
	}
	// Output:
	// update Deployment.apps/default/web
	//   modify spec.template.spec.containers[name=web].image nginx:1.25 -> nginx:1.27
}

func ExampleParseString_elided() {
	// with --context 2 the ancestors of a change may be cut: the path
	// starts with "..." and keeps what the lines show
	diff := `default, web, Deployment (apps) has changed:
...
          - name: web
-           image: nginx:1.25
+           image: nginx:1.27
...
`
	plan, _ := diffparse.ParseString(diff, diffparse.Options{})
	c := plan.Objects[0].Changes[0]
	fmt.Println(c.Path, c.Approximate())
	// Output:
	// ...[name=web].image true
}

func ExampleParseString_error() {
	_, err := diffparse.ParseString("default, web, Deployment (apps) has changed:\n", diffparse.Options{})
	fmt.Println(err)
	// Output:
	// line 1: object header without a diff body (truncated input?)
}

func ExampleParseString_anchors() {
	// only the anchor's line changes, but the alias reads it: the reader
	// decodes both documents as Kubernetes does, and reports the selector
	diff := `default, web, Deployment (apps) has changed:
  apiVersion: apps/v1
  kind: Deployment
  metadata:
    name: web
-   labels: &labels {app: web, tier: front}
+   labels: &labels {app: web, tier: back}
  spec:
    selector:
      matchLabels: *labels
`
	plan, err := diffparse.ParseString(diff, diffparse.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, c := range plan.Objects[0].Changes {
		fmt.Println(c.Op, c.Path, c.Old.Text, "->", c.New.Text, "line", c.Pos.Line)
	}
	// Output:
	// modify metadata.labels.tier front -> back line 6
	// modify spec.selector.matchLabels.tier front -> back line 10
}

func ExampleParseString_reorder() {
	diff := `default, web, Deployment (apps) has changed:
  apiVersion: apps/v1
  kind: Deployment
  metadata:
    name: web
  spec:
    template:
      spec:
        containers:
          - name: web
            env:
-             - name: URL
-               value: http://$(HOST)
              - name: HOST
                value: db
+             - name: URL
+               value: http://$(HOST)
`
	plan, _ := diffparse.ParseString(diff, diffparse.Options{})
	c := plan.Objects[0].Changes[0]
	fmt.Println(c.Op, c.Path, c.Old.Text, "->", c.New.Text)
	// Output:
	// reorder spec.template.spec.containers[name=web].env ["URL","HOST"] -> ["HOST","URL"]
}
