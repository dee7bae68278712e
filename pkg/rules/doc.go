// Package rules is safediff's rule model: a rules file (YAML, versioned,
// strictly decoded), its rules, how a rule matches a change, and the one
// place where a rule set decides a change ([Selection.Decide]). It sits
// between parsing and classification:
//
//	diffparse.Parse → rules.Set → classify.Classify → gate.Judge → report
//
// Rules are data: each selects changes by object (group, kind, name,
// namespace, release, action), by field path patterns anchored at the
// object root (kube.Pattern: *, **, [*], keyed items, globs) and by
// conditions on fields of the object or on the changed value, and gives
// them a [Level], a reason, and whether they force a replacement. What a
// selector or a condition means is code, here.
//
// Matching is three-valued (kube.Match): when the input does not show what
// a rule needs (an elided ancestor, a field out of view, a redacted value)
// the answer is Maybe: the field counts as its worst value, the decision
// takes the cautious outcome and says what was not shown.
//
// A [Set] layers files: the last file has the highest precedence, the
// embedded default rules the lowest. Within a layer the most severe
// matching rule wins, so a lenient rule never shadows a cautious one; an
// override rule decides alone within its layer. A decision records when a
// higher layer lowered what the lowest would say at disruptive or above
// ([Decision.Lowered]). A new value the API server refuses where it
// stands (a type its field does not take, a label that is not one,
// anything inside an elided tree that is either) is at least disruptive
// ([SchemaTypeRule]), whatever the rules say. A helm hook's object is not
// updated in place: helm creates it at the events its annotation names, so
// its decisions are what helm does with it ([ReadHook], [HookRule]).
//
// A Set is a value: [NewSet] checks every rule (those built in Go exactly
// as [Parse] checks files) and keeps its own copies, and nothing it hands
// out can change it. The reference of the file format is
// docs/rules-format.md; the default rules are docs/rules.md.
package rules
