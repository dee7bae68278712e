package gate_test

import (
	"fmt"
	"os"
	"strings"

	"github.com/safediff/safediff/pkg/classify"
	"github.com/safediff/safediff/pkg/diffparse"
	"github.com/safediff/safediff/pkg/gate"
	"github.com/safediff/safediff/pkg/report"
	"github.com/safediff/safediff/pkg/review"
)

// A custom judge: no object may be deleted, whatever its level. It returns
// a verdict like the threshold gate does, and reports print it.
func ExampleJudgeFunc() {
	noDeletions := gate.JudgeFunc(func(res *classify.Result) gate.Verdict {
		var off []gate.Offense
		for _, o := range res.Objects {
			if o.Action == diffparse.Delete {
				off = append(off, gate.Offense{Object: o, Finding: &o.Findings[0], Why: "deletions need a change ticket"})
			}
		}
		summary := "PASS - nothing is deleted"
		if len(off) > 0 {
			summary = fmt.Sprintf("FAIL - deleted: %d", len(off))
		}
		return gate.NewVerdict(off, summary, "deleted")
	})
	diff := "prod, cfg, ConfigMap (v1) has been removed:\n- apiVersion: v1\n- kind: ConfigMap\n+ \n"
	rep, err := review.Review(strings.NewReader(diff), review.Options{Judge: noDeletions})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(rep.Verdict.Tripped, rep.Verdict.ExitCode)
	_ = report.Markdown{}.Write(os.Stdout, rep)
	// Output:
	// true 2
	// <!-- safediff:report -->
	// ### ❌ safediff: gate tripped
	//
	// **Plan:** 0 to add, 0 to change, 0 to replace, 1 to destroy, 0 to change owner. **Highest level:** disruptive. **Gate:** FAIL - deleted: 1, exit 2.
	//
	// | Level | Objects |
	// | --- | ---: |
	// | destructive | 0 |
	// | disruptive | 1 |
	// | restart | 0 |
	// | safe | 0 |
	// | ignored | 0 |
	//
	// <details open><summary><b>disruptive</b> <code>- ConfigMap/prod/cfg</code> will be destroyed</summary>
	//
	// | | Field | Change | Level | Why |
	// | --- | --- | --- | --- | --- |
	// | - | (object) |  | disruptive | the object is deleted; whatever uses it breaks (`delete`) |
	//
	// </details>
	//
	// <sub>safediff review; input: diff format.</sub>
}

// The threshold gate of --fail-on, with an accept file over it.
func ExampleAccepting() {
	diff := "prod, data, PersistentVolumeClaim (v1) has been removed:\n- apiVersion: v1\n- kind: PersistentVolumeClaim\n+ \n"
	g, _ := gate.ParseFailOn([]string{"disruptive"})
	accept, err := gate.ParseAccept([]byte("version: 1\naccept:\n  - object: PersistentVolumeClaim/prod/data\n    action: delete\n    reason: CHG-9, data moved to data2\n"), "accept.yaml")
	if err != nil {
		fmt.Println(err)
		return
	}
	rep, _ := review.Review(strings.NewReader(diff), review.Options{})
	for _, j := range []gate.Judge{g, gate.Accepting(g, accept)} {
		v := j.Judge(rep.Result)
		fmt.Println(v.ExitCode, v.Summary)
	}
	// Output:
	// 2 FAIL - 1 object is at or above the gate (--fail-on disruptive)
	// 0 PASS - 1 change at or above the gate (--fail-on disruptive) accepted by the accept file, nothing else
}
