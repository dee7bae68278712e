// Package gate decides whether a classified plan may go ahead. A [Judge]
// looks at a classify.Result and returns a [Verdict]: whether it tripped,
// the exit code, the findings that offend, and a one-line summary. Reports
// print verdicts; they never compute them.
//
//	diffparse.Parse → classify.Classify → gate.Judge → report.Writer
//
// The judges here:
//
//   - [Gate], the threshold gate of --fail-on: every finding at or above
//     its release's threshold offends ([Default] trips at disruptive);
//   - [Accepting], accept files over any judge: the offending findings an
//     entry names pass this once, and entries that name nothing are
//     reported with a suggestion ("did you mean StatefulSet.apps/…");
//   - anything else that implements [Judge] (package migrate judges a
//     step by what the step expects).
//
// Exit codes follow diff(1): [ExitPass] (0) reviewed and passed,
// [ExitTrip] (2) the gate tripped, [ExitError] (1) nothing was judged.
package gate
