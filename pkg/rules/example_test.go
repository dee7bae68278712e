package rules_test

import (
	"fmt"

	"github.com/safediff/safediff/pkg/rules"
)

func ExampleParse() {
	file := []byte(`version: 1
rules:
  - id: rollme-annotation
    description: Our chart sets a random rollme annotation on every upgrade; the restart is expected.
    match:
      kinds: [Deployment]
      paths: ['spec.template.metadata.annotations.rollme']
    level: safe
    reason: expected roll-out on every upgrade
`)
	f, err := rules.Parse(file, "team.yaml")
	if err != nil {
		fmt.Println(err)
		return
	}
	r := f.Rules[0]
	fmt.Println(r.ID, r.Level, r.Match.Paths[0])
	// Output:
	// rollme-annotation safe spec.template.metadata.annotations.rollme
}

func ExampleParse_error() {
	_, err := rules.Parse([]byte("version: 1\nrules:\n  - id: x\n    description: d\n    reason: r\n    level: risky\n"), "team.yaml")
	fmt.Println(err)
	// Output:
	// team.yaml: rules[0] (id=x): unknown level "risky" (want one of ignored, safe, restart, disruptive, destructive)
}
