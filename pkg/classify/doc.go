// Package classify judges the changes of a parsed diff with a rule set:
// each change gets the rule set's decision (a level, the id of the rule
// that decided it and a reason); each object gets the highest level of its
// changes and its action, which becomes replace when a change forces
// replacement. It is the pure middle of safediff's pipeline:
//
//	diffparse.Parse → classify.Classify → gate.Judge → report.Writer
//
// It enumerates what to decide and aggregates; rules.Selection.Decide
// decides (precedence, fallback, what the input does not show).
//
// # A safe hand-off
//
// The rules' conditions read fields of the objects that the parser must
// collect (rules.Set.FactPaths, diffparse.Options.Facts). [Classify]
// refuses a plan parsed without them: judged without them, a change would
// come out lower than it is. Package review runs the whole pipeline.
//
// # What the input does not show
//
// A change whose path was rebuilt from elided context is judged at every
// place the Kubernetes schema allows it to be, and gets the highest level
// among them ("a label line that could be in the pod template counts as a
// restart"); it replaces the object when it forces replacement at every
// one of them. A field a rule reads that the input does not show counts
// as its worst value. An object the input says changes without showing
// how (suppressed kinds, object-level formats), or whose lines the reader
// could not resolve, is judged as if any of its fields could change.
// Findings decided this way are marked Assumed, and [Result.Notes] say
// which fields were not shown and how to show them.
//
// classify imports no YAML library and defines no exit codes: verdicts
// and exit codes are package gate's.
package classify
