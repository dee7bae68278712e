package plan_test

import (
	"fmt"
	"time"

	"github.com/safediff/safediff/pkg/plan"
)

// A plan keeps the helm arguments without the values that may be secret;
// apply gives them again.
func ExampleWithholdArgs() {
	args, err := plan.WithholdArgs([]string{"shop", "./chart", "-f", "prod.yaml", "--set", "db.password=hunter2", "--wait"})
	if err != nil {
		panic(err)
	}
	p := &plan.Plan{Helm: plan.Helm{Args: args}}
	fmt.Println(p.ArgsText())
	fmt.Println(p.Withheld())
	restored, err := p.RestoreArgs([]string{"--set", "db.password=hunter2"})
	fmt.Println(restored, err)
	// Output:
	// shop ./chart -f prod.yaml --set (withheld) --wait
	// [--set]
	// [shop ./chart -f prod.yaml --set db.password=hunter2 --wait] <nil>
}

// A plan older than --max-age is refused.
func ExamplePlan_CheckAge() {
	p := &plan.Plan{Created: time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)}
	fmt.Println(p.CheckAge(time.Date(2026, 1, 2, 10, 0, 0, 0, time.UTC), plan.DefaultMaxAge))
	// Output:
	// the plan is 25h0m0s old, older than --max-age 24h0m0s: make a new plan
}
