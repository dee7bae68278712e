package report_test

import (
	"os"
	"strings"

	"github.com/safediff/safediff/pkg/gate"
	"github.com/safediff/safediff/pkg/report"
	"github.com/safediff/safediff/pkg/review"
	"github.com/safediff/safediff/pkg/rules"
)

func ExampleText() {
	diff := "prod, old, Service (v1) has been removed:\n- apiVersion: v1\n- kind: Service\n+ \n"
	rep, _ := review.Review(strings.NewReader(diff), review.Options{})
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

// Render the JSON report, the contract for tools, of a plan judged by a
// gate of your own: here one that trips at restart.
func ExampleJSON() {
	diff := `prod, web, ConfigMap (v1) has changed:
  apiVersion: v1
  kind: ConfigMap
  metadata:
    name: web
  data:
-   greeting: hello
+   greeting: bonjour
`
	res, _ := review.Review(strings.NewReader(diff), review.Options{})
	rep := report.New(res.Result, gate.Gate{Default: gate.Threshold{Level: rules.Restart}})
	_ = report.JSON{}.Write(os.Stdout, rep)
	// Output:
	// {
	//   "schemaVersion": 2,
	//   "input": {
	//     "format": "diff",
	//     "noChanges": false
	//   },
	//   "summary": {
	//     "highest": "safe",
	//     "objects": 1,
	//     "actions": {
	//       "create": 0,
	//       "delete": 0,
	//       "ownership": 0,
	//       "replace": 0,
	//       "update": 1
	//     },
	//     "levels": {
	//       "destructive": 0,
	//       "disruptive": 0,
	//       "ignored": 0,
	//       "restart": 0,
	//       "safe": 1
	//     }
	//   },
	//   "gate": {
	//     "failOn": "restart",
	//     "tripped": false,
	//     "exitCode": 0,
	//     "summary": "PASS - the highest level, safe, is below the gate (--fail-on restart)",
	//     "offending": []
	//   },
	//   "notes": [],
	//   "objects": [
	//     {
	//       "ref": "ConfigMap/prod/web",
	//       "group": "",
	//       "version": "v1",
	//       "kind": "ConfigMap",
	//       "namespace": "prod",
	//       "name": "web",
	//       "action": "update",
	//       "level": "safe",
	//       "rule": "config-data",
	//       "reason": "data change - pods see it only on restart (env) or after a delay (mounted files)",
	//       "line": 1,
	//       "content": "complete",
	//       "changes": [
	//         {
	//           "path": "data.greeting",
	//           "op": "modify",
	//           "old": {
	//             "kind": "scalar",
	//             "value": "hello"
	//           },
	//           "new": {
	//             "kind": "scalar",
	//             "value": "bonjour"
	//           },
	//           "level": "safe",
	//           "rule": "config-data",
	//           "reason": "data change - pods see it only on restart (env) or after a delay (mounted files)",
	//           "line": 7
	//         }
	//       ]
	//     }
	//   ]
	// }
}
