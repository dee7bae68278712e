package helmrun_test

import (
	"fmt"
	"strings"

	"github.com/safediff/safediff/pkg/helmrun"
)

// Split a helm upgrade into the diff that plans it and the upgrade itself.
func ExampleParseUpgrade() {
	u, err := helmrun.ParseUpgrade([]string{
		"web", "./chart",
		"-f", "prod.yaml", "--set", "image.tag=1.27", // rendering: both
		"--wait", "--timeout", "5m", // how to apply: the upgrade
		"--three-way-merge", // helm-diff's own: the diff
		"--context", "3",    // how to print the diff: safediff decides
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("release:", u.Release, "chart:", u.Chart)
	fmt.Println("helm", strings.Join(u.DiffCommand(), " "))
	fmt.Println("helm", strings.Join(u.UpgradeCommand(), " "))
	// Output:
	// release: web chart: ./chart
	// helm diff upgrade web ./chart -f prod.yaml --set image.tag=1.27 --three-way-merge --output diff --context -1 --no-color --dry-run=server
	// helm upgrade web ./chart -f prod.yaml --set image.tag=1.27 --wait --timeout 5m
}

// A shorthand whose long name safediff does not know is an error: it
// cannot tell whether the flag takes the next argument as its value.
func ExampleParseUpgrade_error() {
	_, err := helmrun.ParseUpgrade([]string{"web", "./chart", "-x", "1"})
	fmt.Println(err)
	_, err = helmrun.ParseUpgrade([]string{"web"})
	fmt.Println(err)
	// Output:
	// unknown shorthand flag -x (write the long form of the flag)
	// want RELEASE and CHART, got 1 argument (web)
}
