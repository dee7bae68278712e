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
