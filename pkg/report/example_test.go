package report_test

import (
	"os"
	"strings"

	"github.com/safediff/safediff/pkg/classify"
	"github.com/safediff/safediff/pkg/report"
	"github.com/safediff/safediff/pkg/review"
)

func ExampleText() {
	diff := "prod, old, Service (v1) has been removed:\n- apiVersion: v1\n- kind: Service\n+ \n"
	res, _ := review.Review(strings.NewReader(diff), review.Options{})
	rep := report.New(res, classify.DefaultGate)
	_ = report.Text{}.Write(os.Stdout, rep)
	// Output:
	// safediff review (diff format)
	//
	// Symbols:  - destroy
	// Levels, lowest to highest: ignored, safe, restart, disruptive, destructive.
	//
	//   # Service prod/old will be destroyed [disruptive]
	//   - Service/prod/old
	//       disruptive: the object is deleted; whatever uses it breaks [delete, line 1]
	//
	// Plan: 0 to add, 0 to change, 0 to replace, 1 to destroy, 0 to change owner.
	// Levels: 1 disruptive (highest: disruptive).
	// Gate: FAIL - 1 object is at or above the gate (--fail-on disruptive); exit 2
}
