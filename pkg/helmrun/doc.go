// Package helmrun runs helm for safediff's plugin: it splits the flags of
// a helm upgrade into those helm diff upgrade understands and the exact
// arguments of the upgrade ([ParseUpgrade]), runs helm diff upgrade to get
// the plan to review, and, once the review passes, runs helm upgrade.
//
// It sits beside the review pipeline, not in it:
//
//	helmrun.Runner.Diff → review (diffparse, classify) → gate → helmrun.Runner.Upgrade
//
// The diff is always the full-context, uncoloured line diff, whatever the
// user's helm-diff settings, rendered with the cluster's answers to the
// chart's lookup calls (--dry-run=server), as the upgrade renders it; an
// upgrade that would apply what no diff shows (values from the standard
// input, --force) is refused; a failed diff is an error ([DiffError]), never
// an empty plan; a failed upgrade keeps helm's message and exit code
// ([UpgradeError]).
package helmrun
