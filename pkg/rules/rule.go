package rules

import (
	"slices"

	"github.com/safediff/safediff/pkg/diffparse"
	"github.com/safediff/safediff/pkg/kube"
)

// Rule is one entry of a rules file: which changes it matches, and the
// level and reason it gives them. Rules are data; what a field of [Match]
// or a [Condition] means is code, in this package. A rule built in Go is
// checked by [NewSet] exactly as [Parse] checks a file (see
// [Rule.Validate]).
type Rule struct {
	ID          string
	Description string
	// Source cites where the behaviour comes from: Kubernetes docs, or the
	// validation code that enforces it.
	Source string
	Match  Match
	When   []Condition
	Level  Level
	// Replace marks changes that force the object to be deleted and
	// created again (an immutable field): the object's action becomes
	// replace, and this change is named as the culprit.
	Replace bool
	// Override makes the rule decide alone: when it matches, the other
	// (non-override) rules of its layer are not considered. It is for rules
	// that are right whatever else matches, such as "formatting only": a
	// change that leaves the value as it was has no effect at any path.
	Override bool
	Reason   string

	// Origin names the file the rule comes from ("default" for the
	// embedded set), Index its position there. [NewSet] sets both from
	// the file the rule is in.
	Origin string
	Index  int
}

// Match selects changes. Empty lists match everything; the lists are
// combined with AND, the entries of one list with OR.
type Match struct {
	Groups     []string // API groups, globs; "" is the core group
	Kinds      []string // globs
	Names      []string // object names, globs
	Namespaces []string // globs; "" matches cluster-scoped objects
	Releases   []string // release names, globs (multi-release inputs)
	// Actions are the objects' actions as the input shows them: create,
	// update, delete or ownership (never replace, which classification
	// decides).
	Actions []diffparse.Action
	Ops     []diffparse.Op
	// Paths are patterns anchored at the object root. A rule without paths
	// matches the object as a whole (every change of an update, and the
	// creation, deletion or ownership change itself).
	Paths []kube.Pattern
	// ExceptPaths removes paths from Paths.
	ExceptPaths []kube.Pattern
}

// Target is what a [Condition] looks at.
type Target int

const (
	// TargetField is a field of the object (Condition.Field).
	TargetField Target = iota + 1
	// TargetValue is the changed value itself (Condition.Value).
	TargetValue
)

// SideSel selects which side of an object a field condition reads.
type SideSel int

const (
	// SideDefault reads the new side, or the old side of a deleted object.
	SideDefault SideSel = iota
	SideOld
	SideNew
	// SideEither holds when the condition holds on either side.
	SideEither
)

// Condition is a test on a field of the object or on the changed value.
// A condition whose answer the input does not show (an elided field, a
// field the input format leaves out, a redacted value) may hold: the field
// counts as its worst value, and classification takes the more cautious
// of the two outcomes and says which field was not shown.
type Condition struct {
	Target Target
	Field  kube.Path      // TargetField: an exact path
	Side   SideSel        // TargetField
	Value  diffparse.Side // TargetValue: the old or new value of the change
	// Default is the value Kubernetes assumes when the field is absent
	// (replicas: 1, strategy: RollingUpdate).
	Default *string
	In      []string // the value is one of these
	NotIn   []string // the value is none of these
	Exists  *bool    // the field is (not) there
	AtMost  *float64 // numeric (quantities allowed) upper bound; a percentage is no count: never within
	AtLeast *float64 // numeric lower bound; the same
	// AtLeastField holds when the value, a number or a percentage, is at
	// least another field's value on the same side; a percentage counts
	// as that share of it, as Kubernetes scales an int-or-percent field
	// (a rolling update's maxUnavailable of its replicas). Field
	// conditions only.
	AtLeastField *FieldRef
	// Decreased / Increased compare the change's new value with its old
	// value, as numbers or Kubernetes quantities (TargetValue only).
	Decreased bool
	Increased bool
}

// FieldRef is another field of the object that a condition compares with,
// and the value Kubernetes assumes where it is absent.
type FieldRef struct {
	Field   kube.Path
	Default *string
}

// Fallback is what a change gets when no rule matches it. It is never
// Ignored.
type Fallback struct {
	Level  Level
	Reason string
}

// clone returns a deep copy of r: a rule set keeps its own copies, so
// that nothing a caller holds can change it.
func (r *Rule) clone() *Rule {
	c := *r
	m := &c.Match
	m.Groups = slices.Clone(m.Groups)
	m.Kinds = slices.Clone(m.Kinds)
	m.Names = slices.Clone(m.Names)
	m.Namespaces = slices.Clone(m.Namespaces)
	m.Releases = slices.Clone(m.Releases)
	m.Actions = slices.Clone(m.Actions)
	m.Ops = slices.Clone(m.Ops)
	m.Paths = slices.Clone(m.Paths) // kube.Pattern is immutable
	m.ExceptPaths = slices.Clone(m.ExceptPaths)
	c.When = make([]Condition, len(r.When))
	for i, cond := range r.When {
		cond.Field = slices.Clone(cond.Field)
		cond.Default = clonePtr(cond.Default)
		cond.In = slices.Clone(cond.In)
		cond.NotIn = slices.Clone(cond.NotIn)
		cond.Exists = clonePtr(cond.Exists)
		cond.AtMost = clonePtr(cond.AtMost)
		cond.AtLeast = clonePtr(cond.AtLeast)
		if ref := cond.AtLeastField; ref != nil {
			cond.AtLeastField = &FieldRef{Field: slices.Clone(ref.Field), Default: clonePtr(ref.Default)}
		}
		c.When[i] = cond
	}
	if r.When == nil {
		c.When = nil
	}
	return &c
}

func clonePtr[T any](p *T) *T {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}
