// Package classify judges the changes of a parsed diff with a rule set:
// each change gets a level, the id of the rule that decided it and a
// reason; each object gets the highest level of its changes and its
// action, which becomes replace when a rule says a change forces
// replacement. It is the pure middle of safediff's pipeline:
//
//	diffparse.Parse → classify.Classify → report.Writer
//
// # Deciding
//
// A change is decided by the highest-precedence layer of the rule set that
// has a matching rule, and within that layer by its most severe matching
// rule (see rules.Set). No match means the fallback, which is never
// "ignored".
//
// # What the input does not show
//
// A change whose path was rebuilt from elided context is judged at every
// place the Kubernetes schema allows it to be, and gets the highest level
// among them ("a label line that could be in the pod template counts as a
// restart"). A rule whose conditions read a field the input does not show
// counts as possibly matching. An object the input says changes, without
// showing how (suppressed kinds, object-level formats), is judged as if
// any of its fields could change. Findings decided this way are marked
// Assumed.
//
// # Gate
//
// [Result.Verdict] applies a [Gate]; exit codes are 0 (pass), 2 (tripped)
// and 1 (error, decided by the caller).
package classify
