package rules

import (
	"math"
	"slices"
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/safediff/safediff/pkg/diffparse"
	"github.com/safediff/safediff/pkg/kube"
)

// Subject is what a rule is matched against: one change of one object, at
// one path. For an elided change, classification matches each place the
// change could be as a separate subject.
type Subject struct {
	Object *diffparse.Object
	// Change is the field change, or nil for the object as a whole (its
	// creation, deletion or ownership change, or changes the input hides).
	Change *diffparse.Change
	// Path is the path to match: the change's path, a candidate for it, or
	// the root for the object as a whole.
	Path kube.Path
	// Op is the change's operation (Add for a creation, Remove for a
	// deletion, Owner for an ownership change, Hidden for hidden changes).
	Op diffparse.Op
}

// effective returns the value a side of the subject's change leaves the
// field with: v itself, or, where v is absent or null, the value the API
// server gives the field then (kube.Default: a chart that stops setting a
// workload's replicas scales it to 1).
func (s Subject) effective(v diffparse.Value) diffparse.Value {
	if v.Present() && !(v.Kind == diffparse.Scalar && v.Type == diffparse.NullType) {
		return v
	}
	ref := s.Object.Ref
	if d, ok := kube.Default(ref.Group, ref.Kind, s.Path); ok {
		return diffparse.Value{Kind: diffparse.Scalar, Text: d, Type: defaultType(d)}
	}
	return v
}

// MatchesObject reports whether the rule's object selectors (group, kind,
// name, namespace, release, action) select obj. It is exact: objects are
// always fully identified.
func (r *Rule) MatchesObject(obj *diffparse.Object) bool {
	m := &r.Match
	ref := obj.Ref
	if !globAny(m.Groups, ref.Group) || !globAny(m.Kinds, ref.Kind) || !globAny(m.Names, ref.Name) ||
		!globAny(m.Namespaces, ref.Namespace) || !globAny(m.Releases, obj.Release) {
		return false
	}
	if len(m.Actions) > 0 {
		ok := false
		for _, a := range m.Actions {
			if a == obj.Action {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

func globAny(patterns []string, s string) bool {
	if len(patterns) == 0 {
		return true
	}
	for _, p := range patterns {
		if p == s || kube.Glob(p, s) {
			return true
		}
	}
	return false
}

// Matches reports whether the rule matches the subject: Yes, No, or Maybe
// when the answer depends on something the input does not show. It
// assumes [Rule.MatchesObject] holds.
func (r *Rule) Matches(s Subject) kube.Match {
	if !r.opMatches(s.Op) {
		return kube.No
	}
	return r.matchesAt(s, r.pathMatch(s.Path))
}

// opMatches says whether the rule may match a change of op (a hidden
// change may be any).
func (r *Rule) opMatches(op diffparse.Op) bool {
	return len(r.Match.Ops) == 0 || op == diffparse.Hidden || slices.Contains(r.Match.Ops, op)
}

// pathMatch is how the rule's paths match p: Yes without paths.
func (r *Rule) pathMatch(p kube.Path) kube.Match {
	m := &r.Match
	if len(m.Paths) == 0 {
		return kube.Yes
	}
	pm := kube.No
	for _, pat := range m.Paths {
		pm = pm.Or(pat.Match(p))
		if pm == kube.Yes {
			break
		}
	}
	for _, pat := range m.ExceptPaths {
		if pm == kube.No {
			break
		}
		pm = pm.And(pat.Match(p).Not())
	}
	return pm
}

// matchesAt is Matches with how the rule's paths match the subject's (pm,
// from pathMatch) known.
func (r *Rule) matchesAt(s Subject, pm kube.Match) kube.Match {
	m := &r.Match
	if !r.opMatches(s.Op) {
		return kube.No
	}
	result := kube.Yes
	if s.Op == diffparse.Hidden && len(m.Ops) > 0 {
		result = kube.Maybe
	}
	result = result.And(pm)
	for i := range r.When {
		if result == kube.No {
			break
		}
		result = result.And(r.When[i].eval(s))
	}
	return result
}

// eval evaluates the condition on a subject.
func (c *Condition) eval(s Subject) kube.Match {
	switch c.Target {
	case TargetValue:
		if s.Change == nil {
			return kube.Maybe // a hidden change: its values are not shown
		}
		if c.Decreased || c.Increased {
			return c.compare(s.effective(s.Change.Old), s.effective(s.Change.New))
		}
		v := s.effective(s.Change.New)
		if c.Value == diffparse.Old {
			v = s.effective(s.Change.Old)
		}
		if v.Redacted {
			return kube.Maybe
		}
		if !v.Present() {
			return c.test("", false)
		}
		return c.test(v.Comparable(), true)
	case TargetField:
		result := kube.No
		for _, side := range c.sides(s.Object) {
			result = result.Or(c.onSide(s.Object, side))
		}
		return result
	}
	return kube.No
}

func (c *Condition) onSide(obj *diffparse.Object, side diffparse.Side) kube.Match {
	f := obj.Fact(side, c.Field)
	switch f.Presence {
	case diffparse.Present:
		if f.Value.Redacted {
			return kube.Maybe
		}
		if f.Value.Kind == diffparse.Scalar && f.Value.Comparable() == "null" {
			return c.test("", false).And(c.atLeastOther(obj, side, "", false))
		}
		v := f.Value.Comparable()
		return c.test(v, true).And(c.atLeastOther(obj, side, v, true))
	case diffparse.Absent:
		if (side == diffparse.Old && obj.Action == diffparse.Create) || (side == diffparse.New && obj.Action == diffparse.Delete) {
			return kube.No // the object does not exist on this side
		}
		return c.test("", false).And(c.atLeastOther(obj, side, "", false))
	}
	// not shown: the field may hold any value, its worst included
	return kube.Maybe
}

// atLeastOther applies the condition's AtLeastField test to a value of its
// field on a side (Yes without one): the value, or its percentage of the
// other field, is at least the other field's value. A value that is no
// number, or another field that is not shown or redacted, is a maybe.
func (c *Condition) atLeastOther(obj *diffparse.Object, side diffparse.Side, v string, present bool) kube.Match {
	ref := c.AtLeastField
	if ref == nil {
		return kube.Yes
	}
	if !present && c.Default != nil {
		v, present = *c.Default, true
	}
	if !present {
		return kube.No
	}
	var other string
	f := obj.Fact(side, ref.Field)
	switch {
	case f.Presence == diffparse.Unknown || f.Presence == diffparse.Present && f.Value.Redacted:
		return kube.Maybe
	case f.Presence == diffparse.Present && !(f.Value.Kind == diffparse.Scalar && f.Value.Comparable() == "null"):
		other = f.Value.Comparable()
	case ref.Default != nil:
		other = *ref.Default
	default:
		return kube.No // nothing to compare with
	}
	r, ok := number(other)
	if !ok {
		return kube.Maybe
	}
	n, ok := scaled(v, r)
	if !ok {
		return kube.Maybe
	}
	if n >= r {
		return kube.Yes
	}
	return kube.No
}

// samePercent reports whether two values are equal: numbers by their
// value, as the API server decodes them (-0, -0.0 and 0e0 are a replicas
// of 0), and percentages by their number as Kubernetes reads an
// int-or-percent field ("0100%" is 100%).
func samePercent(a, b string) bool {
	if a == b {
		return true
	}
	if x, err := strconv.ParseFloat(a, 64); err == nil {
		y, err := strconv.ParseFloat(b, 64)
		return err == nil && x == y
	}
	na, ok1 := kube.Percent(a)
	nb, ok2 := kube.Percent(b)
	return ok1 && ok2 && na == nb
}

// scaled reads an int-or-percent value as Kubernetes does: a number, or a
// percentage ([kube.Percent]) of whole, rounded down as a rolling update's
// maxUnavailable is.
func scaled(v string, whole float64) (float64, bool) {
	if n, ok := kube.Percent(v); ok {
		return math.Floor(float64(n) * whole / 100), true
	}
	if strings.HasSuffix(v, "%") {
		return 0, false // no percentage the API server takes
	}
	return number(v)
}

var (
	sidesNew    = []diffparse.Side{diffparse.New}
	sidesOld    = []diffparse.Side{diffparse.Old}
	sidesEither = []diffparse.Side{diffparse.Old, diffparse.New}
)

// sides returns the sides a field condition reads: the new side by
// default, the old side of a deleted object.
func (c *Condition) sides(obj *diffparse.Object) []diffparse.Side {
	switch c.Side {
	case SideOld:
		return sidesOld
	case SideEither:
		return sidesEither
	}
	if obj.Action == diffparse.Delete {
		return sidesOld
	}
	return sidesNew
}

// unknowns lists what the input does not show that the rule needs to
// decide the subject: the fields of its conditions that evaluate to maybe
// (missing), and a phrase for each thing not shown.
//
// The lists depend only on what each condition gives, so with sh they
// are the set's shared lists (see [shared]) rather than new ones.
func (r *Rule) unknowns(s Subject, sh *shared) (missing []kube.Path, phrases []string) {
	if sh == nil || len(r.When) > 64/unknownBits {
		return r.unknownsBy(func(i int) unknown { return r.When[i].unknown(s) })
	}
	var code uint64
	for i := range r.When {
		code |= uint64(r.When[i].unknown(s)) << (unknownBits * i)
	}
	if code == 0 {
		return nil, nil
	}
	return sh.unknownsOf(r, code, func() ([]kube.Path, []string) {
		return r.unknownsBy(func(i int) unknown { return unknown(code >> (unknownBits * i) & (1<<unknownBits - 1)) })
	})
}

// unknown is what a condition gives to the unknowns of its rule.
type unknown uint8

const (
	known           unknown = iota // the condition is decided (or not a field or value test)
	fieldUnreadable                // the field is shown, its value redacted or not a number
	fieldHidden                    // the field is not shown
	otherHidden                    // the field compared with (AtLeastField) is not shown
	bothHidden                     // neither is
	valueHidden                    // the changed value is not shown
	valueRedacted                  // the changed value is redacted
	valueNotNumber                 // the changed value is not a number
	fieldInPart                    // the field is shown where a line out of view may replace it
	otherInPart                    // so is the field compared with
	bothInPart                     // so are both
)

// unknownBits is how many bits an unknown takes in a code of unknowns.
const unknownBits = 4

func (c *Condition) unknown(s Subject) unknown {
	if c.eval(s) != kube.Maybe {
		return known
	}
	switch c.Target {
	case TargetField:
		field := c.shown(s.Object, c.Field)
		other := c.AtLeastField == nil || c.shown(s.Object, c.AtLeastField.Field)
		fieldPart := !field && c.inPart(s.Object, c.Field)
		otherPart := !other && c.inPart(s.Object, c.AtLeastField.Field)
		switch {
		case field && other:
			return fieldUnreadable
		case field && otherPart:
			return otherInPart
		case field:
			return otherHidden
		case other && fieldPart:
			return fieldInPart
		case other:
			return fieldHidden
		case fieldPart && otherPart:
			return bothInPart
		}
		return bothHidden
	case TargetValue:
		switch {
		case s.Change == nil:
			return valueHidden
		case s.Change.Old.Redacted || s.Change.New.Redacted:
			return valueRedacted
		default:
			return valueNotNumber
		}
	}
	return known
}

// unknownsBy lists the unknowns of r given what each condition gives.
func (r *Rule) unknownsBy(of func(i int) unknown) (missing []kube.Path, phrases []string) {
	// two conditions on one field (its old side and its new) say it once
	defer func() {
		missing = slices.CompactFunc(missing, kube.Path.Equal)
		phrases = slices.Compact(phrases)
	}()
	for i := range r.When {
		c := &r.When[i]
		switch of(i) {
		case fieldUnreadable:
			phrases = append(phrases, c.Field.String()+" is redacted or not a number")
		case fieldHidden:
			missing = append(missing, c.Field)
			phrases = append(phrases, c.Field.String()+" is not shown (it counts as its worst value)")
		case otherHidden:
			missing = append(missing, c.AtLeastField.Field)
			phrases = append(phrases, c.AtLeastField.Field.String()+" is not shown (it counts as its worst value)")
		case bothHidden:
			missing = append(missing, c.Field, c.AtLeastField.Field)
			phrases = append(phrases, c.Field.String()+" and "+c.AtLeastField.Field.String()+" are not shown (they count as their worst values)")
		case valueHidden:
			phrases = append(phrases, "the changed value is not shown")
		case valueRedacted:
			phrases = append(phrases, "the value is redacted")
		case valueNotNumber:
			phrases = append(phrases, "the value is not a number")
		case fieldInPart:
			missing = append(missing, c.Field)
			phrases = append(phrases, c.Field.String()+inPartPhrase)
		case otherInPart:
			missing = append(missing, c.AtLeastField.Field)
			phrases = append(phrases, c.AtLeastField.Field.String()+inPartPhrase)
		case bothInPart:
			missing = append(missing, c.Field, c.AtLeastField.Field)
			phrases = append(phrases, c.Field.String()+" and "+c.AtLeastField.Field.String()+" are shown, but lines out of view may replace them (they count as their worst values)")
		}
	}
	return missing, phrases
}

// inPartPhrase is the phrase for a field shown where a line out of view
// may replace it (see diffparse.Fact.Partial).
const inPartPhrase = " is shown, but a line out of view may replace it (it counts as its worst value)"

// inPart reports whether a field the condition reads, not shown for
// certain, is shown on every side it reads, where a line out of view may
// replace it.
func (c *Condition) inPart(obj *diffparse.Object, field kube.Path) bool {
	for _, side := range c.sides(obj) {
		if obj.ShownFact(side, field).Presence == diffparse.Unknown { // a shown value has a presence, in part or not
			return false
		}
	}
	return true
}

// shown reports whether a field the condition reads is shown on every
// side it reads (then a maybe comes from a redacted value).
func (c *Condition) shown(obj *diffparse.Object, field kube.Path) bool {
	for _, side := range c.sides(obj) {
		if obj.Fact(side, field).Presence == diffparse.Unknown {
			return false
		}
	}
	return true
}

// test applies the condition's tests to a value; present is false when the
// field is absent (its Default, if any, stands in).
func (c *Condition) test(v string, present bool) kube.Match {
	if !present && c.Default != nil {
		v, present = *c.Default, true
	}
	if c.Exists != nil && *c.Exists != present {
		return kube.No
	}
	if !present {
		if len(c.In) > 0 || c.AtMost != nil || c.AtLeast != nil {
			return kube.No
		}
		return kube.Yes
	}
	if len(c.In) > 0 && !slices.ContainsFunc(c.In, func(w string) bool { return samePercent(v, w) }) {
		return kube.No
	}
	if len(c.NotIn) > 0 && slices.ContainsFunc(c.NotIn, func(w string) bool { return samePercent(v, w) }) {
		return kube.No
	}
	if c.AtMost != nil || c.AtLeast != nil {
		if strings.HasSuffix(strings.TrimSpace(v), "%") {
			// a share (an int-or-string such as maxUnavailable), not a
			// count: bounds on a count say nothing of it
			return kube.No
		}
		n, ok := number(v)
		if !ok {
			return kube.Maybe
		}
		if c.AtMost != nil && n > *c.AtMost || c.AtLeast != nil && n < *c.AtLeast {
			return kube.No
		}
	}
	return kube.Yes
}

func (c *Condition) compare(old, new diffparse.Value) kube.Match {
	if old.Redacted || new.Redacted {
		return kube.Maybe
	}
	if !old.Present() || !new.Present() {
		return kube.No
	}
	// the values as the API server receives them: YAML 1.1 reads 010 as
	// 8 and 0x0A as 10 (Comparable is that JSON form), not the digits
	a, ok1 := number(old.Comparable())
	b, ok2 := number(new.Comparable())
	if !ok1 || !ok2 {
		return kube.Maybe
	}
	switch {
	case c.Decreased && b < a, c.Increased && b > a:
		return kube.Yes
	}
	return kube.No
}

// number reads a plain number or a Kubernetes quantity (1Gi, 500m).
func number(s string) (float64, bool) {
	s = strings.TrimSpace(s)
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		return f, true
	}
	q, err := resource.ParseQuantity(s)
	if err != nil {
		return 0, false
	}
	return q.AsApproximateFloat64(), true
}
