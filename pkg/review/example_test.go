package review_test

import (
	"fmt"
	"strings"

	"github.com/safediff/safediff/pkg/classify"
	"github.com/safediff/safediff/pkg/review"
)

// Review a diff in one call and walk the result.
func ExampleReview() {
	diff := `prod, cfg, ConfigMap (v1) has changed:
  data:
-   greeting: hello
+   greeting: bonjour
`
	res, err := review.Review(strings.NewReader(diff), review.Options{})
	if err != nil {
		fmt.Println("not understood:", err) // exit 1: nothing was judged
		return
	}
	for _, o := range res.Objects {
		for _, f := range o.Findings {
			fmt.Println(o.Ref, f.Change.Path, f.Level, "-", f.Reason)
		}
	}
	fmt.Println("exit code:", res.Verdict(classify.DefaultGate).ExitCode)
	// Output:
	// ConfigMap/prod/cfg data.greeting safe - data change - pods see it only on restart (env) or after a delay (mounted files)
	// exit code: 0
}
