package classify

import (
	"fmt"
	"sort"
	"strings"

	"github.com/safediff/safediff/pkg/diffparse"
	"github.com/safediff/safediff/pkg/kube"
	"github.com/safediff/safediff/pkg/rules"
)

// FallbackRule is the rule id of findings that no rule matched.
const FallbackRule = "fallback"

// Finding is the verdict on one change.
type Finding struct {
	Change diffparse.Change
	Level  rules.Level
	// Rule is the id of the deciding rule, or [FallbackRule].
	Rule   string
	Reason string
	// Replace is set when the change forces the object to be replaced.
	Replace bool
	// Assumed is set when the level rests on something the input does not
	// show: an elided location, a hidden value, a field out of view. The
	// real level may be lower, never higher.
	Assumed bool
	// Assumptions says what was not shown, for a reader ("spec.replicas is
	// not shown").
	Assumptions []string
	// MaybeReplace is set when the change could force a replacement, but
	// the input does not show enough to be sure (Replace is then false).
	MaybeReplace bool
	// Place is, for an approximate change, the place it could be that
	// gave the level (a full path); empty otherwise.
	Place kube.Path
	// Places counts the places an approximate change could be.
	Places int
	// Also lists other rules that certainly matched.
	Also []string
	// Unchecked names rules that would have raised the level, had the
	// input shown the fields they read ("spec.replicas is not shown").
	Unchecked []string
	// Accepted is set when an accept file names this change: the gate
	// ignores it (see Result.Accept).
	Accepted     bool
	AcceptReason string
	// Object marks a finding about the object as a whole (its creation,
	// deletion or ownership, or changes the input hides) rather than a
	// field.
	Object bool
}

// Object is the verdict on one object.
type Object struct {
	*diffparse.Object
	// Action is the object's action, Replace when an immutable field
	// changes.
	Action   diffparse.Action
	Level    rules.Level
	Reason   string
	Rule     string
	Findings []Finding
	// Culprits are the fields that force a replacement.
	Culprits []kube.Path
}

// Result is the verdict on a whole plan.
type Result struct {
	Plan    *diffparse.Plan
	Objects []*Object
	// Highest is the highest level of any object (Ignored when there are
	// none).
	Highest rules.Level
}

// Classify judges every change of the plan with the rule set. It prints
// nothing and cannot fail: what no rule understands gets the fallback.
func Classify(plan *diffparse.Plan, set *rules.Set) *Result {
	c := &classifier{set: set}
	res := &Result{Plan: plan}
	for _, o := range plan.Objects {
		res.Objects = append(res.Objects, c.object(o))
	}
	for _, n := range c.notes {
		plan.Notes = append(plan.Notes, diffparse.Note{Text: n})
	}
	sort.SliceStable(res.Objects, func(i, j int) bool {
		a, b := res.Objects[i], res.Objects[j]
		if a.Release != b.Release {
			return a.Release < b.Release
		}
		if a.Level != b.Level {
			return a.Level > b.Level
		}
		return a.Ref.String() < b.Ref.String()
	})
	for _, o := range res.Objects {
		if o.Level > res.Highest {
			res.Highest = o.Level
		}
	}
	return res
}

type classifier struct {
	set *rules.Set
	// per object: the rules whose object selectors match, per layer
	layers [][]*rules.Rule
	// notes for the reader, from the objects' safediff.dev/ignore annotations
	notes []string
}

func (c *classifier) object(o *diffparse.Object) *Object {
	c.layers = c.layers[:0]
	for _, f := range c.set.Layers() {
		var rs []*rules.Rule
		for _, r := range f.Rules {
			if r.MatchesObject(o) {
				rs = append(rs, r)
			}
		}
		c.layers = append(c.layers, rs)
	}
	out := &Object{Object: o, Action: o.Action}
	switch o.Action {
	case diffparse.Create:
		out.Findings = append(out.Findings, c.decide(o, nil, kube.Path{}, diffparse.Add))
	case diffparse.Delete:
		out.Findings = append(out.Findings, c.decide(o, nil, kube.Path{}, diffparse.Remove))
	case diffparse.Ownership:
		// only the owner changes: the owner finding below
	default:
		for i := range o.Changes {
			out.Findings = append(out.Findings, c.change(o, &o.Changes[i]))
		}
		if len(o.Changes) == 0 {
			// the input says the object changes but hides how: any of its
			// fields may change
			f := c.decide(o, nil, kube.Path{kube.Gap{}}, diffparse.Hidden)
			f.Assumed = true
			f.Replace, f.MaybeReplace = false, f.Replace || f.MaybeReplace
			f.Also = nil
			why := "the input format shows objects, not fields"
			if o.Content == diffparse.Suppressed {
				why = "helm-diff suppressed them"
			}
			f.Assumptions = append([]string{"the changes are not shown (" + why + ")"}, f.Assumptions...)
			f.Reason = "changes not shown, judged by the worst this object's changes could be: " + f.Reason
			out.Findings = append(out.Findings, f)
		}
	}
	if o.Action == diffparse.Ownership || o.NewOwner != "" {
		// the object-level formats name an ownership change without the
		// owners: it is judged all the same, never left without a finding
		out.Findings = append(out.Findings, c.decide(o, nil, kube.Path{}, diffparse.Owner))
	}
	c.notes = append(c.notes, ignoreAnnotated(o, out)...)
	for _, f := range out.Findings {
		if f.Level > out.Level || out.Rule == "" {
			out.Level, out.Reason, out.Rule = f.Level, f.Reason, f.Rule
		}
		if f.Replace && !f.Assumed && f.Level > rules.Ignored && o.Action == diffparse.Update {
			out.Action = diffparse.Replace
			out.Culprits = append(out.Culprits, culprit(f))
		}
	}
	return out
}

func culprit(f Finding) kube.Path {
	if len(f.Place) > 0 {
		return f.Place
	}
	return f.Change.Path
}

// change judges one field change. An exact path is one subject; an elided
// path is judged at every place the schema allows it to be, and gets the
// highest of their levels.
func (c *classifier) change(o *diffparse.Object, ch *diffparse.Change) Finding {
	if ch.Path.Exact() {
		f := c.decide(o, ch, ch.Path, ch.Op)
		f.Change = *ch
		return f
	}
	var places []kube.Path
	if ch.Path.Elided() {
		typ := kube.SchemaFor(o.Ref.Group, o.Ref.Version, o.Ref.Kind)
		col := -1
		if ch.GapColumn > 0 {
			col = ch.GapColumn
		}
		if ch.Outline != nil {
			// the whole stretch the change is in must fit the place
			places = typ.Places(ch.Outline, col)
		}
		if len(places) == 0 {
			places = typ.Candidates(ch.Path, ch.Shape, col)
		}
	}
	if len(places) == 0 {
		places = []kube.Path{ch.Path} // the schema cannot pin it: anywhere
	}
	places = plausible(places, ch)
	var best Finding
	allReplace := true
	for i, p := range places {
		f := c.decide(o, ch, p, ch.Op)
		allReplace = allReplace && f.Replace
		if i == 0 || f.Level > best.Level {
			best = f
			best.Place = p
		}
	}
	best.Change = *ch
	best.Places = len(places)
	best.Unchecked = dedupe(best.Unchecked)
	if len(places) > 1 || !best.Place.Exact() {
		best.Assumed = true
		best.Assumptions = append([]string{fmt.Sprintf("its place is not shown (%d places possible)", len(places))}, best.Assumptions...)
		if best.Replace && !allReplace {
			best.Replace, best.MaybeReplace = false, true
		}
	}
	if best.Place.Equal(ch.Path) {
		best.Place = nil
	}
	return best
}

func dedupe(s []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, x := range s {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}

// plausible drops the places a change's values cannot be at (a value that
// is not a label value cannot sit in a label map). It keeps every place
// when none would be left.
func plausible(places []kube.Path, ch *diffparse.Change) []kube.Path {
	var out []kube.Path
	for _, p := range places {
		ok := true
		for _, v := range []diffparse.Value{ch.Old, ch.New} {
			if v.Kind == diffparse.Scalar && !v.Redacted && !kube.Plausible(p, v.Text) {
				ok = false
			}
		}
		if ok {
			out = append(out, p)
		}
	}
	if len(out) == 0 {
		return places
	}
	return out
}

// decide applies the layered rules to one subject.
func (c *classifier) decide(o *diffparse.Object, ch *diffparse.Change, path kube.Path, op diffparse.Op) Finding {
	subj := rules.Subject{Object: o, Change: ch, Path: path, Op: op}
	type cand struct {
		r     *rules.Rule
		maybe bool
	}
	var collected []cand
	decided := false
	for _, layer := range c.layers {
		var yes, maybe []*rules.Rule
		overridden := false
		for _, r := range layer {
			switch r.Matches(subj) {
			case kube.Yes:
				if r.Override && !overridden {
					// an override decides alone within its layer
					overridden, yes, maybe = true, nil, nil
				}
				if r.Override || !overridden {
					yes = append(yes, r)
				}
			case kube.Maybe:
				if !overridden {
					maybe = append(maybe, r)
				}
			}
		}
		for _, r := range yes {
			collected = append(collected, cand{r: r})
		}
		for _, r := range maybe {
			collected = append(collected, cand{r: r, maybe: true})
		}
		if len(yes) > 0 {
			decided = true
			break
		}
	}
	f := Finding{Object: ch == nil}
	if ch != nil {
		f.Change = *ch
	} else {
		f.Change = diffparse.Change{Path: path, Op: op, Pos: o.Pos}
	}
	var best *cand
	for i := range collected {
		if best == nil || collected[i].r.Level > best.r.Level {
			best = &collected[i]
		}
	}
	fb := c.set.Fallback()
	if !decided && (best == nil || fb.Level > best.r.Level) {
		f.Level, f.Rule, f.Reason = fb.Level, FallbackRule, fb.Reason
		f.Assumed = best != nil
	} else {
		f.Level, f.Rule, f.Reason = best.r.Level, best.r.ID, best.r.Reason
		f.Assumed = best.maybe
		if best.maybe {
			f.MaybeReplace = best.r.Replace
			f.Assumptions = best.r.Unknowns(subj)
		} else {
			f.Replace = best.r.Replace
		}
	}
	for _, x := range collected {
		if !x.maybe && (best == nil || x.r != best.r) {
			f.Also = append(f.Also, x.r.ID)
		}
	}
	// rules that would have raised the level had the input shown a field
	for _, layer := range c.layers {
		for _, r := range layer {
			if r.Level <= f.Level {
				continue
			}
			if fields := r.Unchecked(subj); len(fields) > 0 {
				f.Unchecked = append(f.Unchecked, fmt.Sprintf("%s not shown (%s: %s)", strings.Join(fields, ", "), r.Level, r.Reason))
			}
		}
	}
	return f
}

// Count is a number of objects per action and per level.
type Count struct {
	Actions map[diffparse.Action]int
	Levels  map[rules.Level]int
}

// Counts counts the objects of a result (or of one release, when release
// is not empty).
func (r *Result) Counts(release string, all bool) Count {
	c := Count{Actions: map[diffparse.Action]int{}, Levels: map[rules.Level]int{}}
	for _, o := range r.Objects {
		if !all && o.Release != release {
			continue
		}
		c.Actions[o.Action]++
		c.Levels[o.Level]++
	}
	return c
}

// Describe returns a short reason for an object: its action in words and
// the reason of its highest finding.
func (o *Object) Describe() string {
	var b strings.Builder
	switch o.Action {
	case diffparse.Create:
		b.WriteString("will be created")
	case diffparse.Delete:
		b.WriteString("will be destroyed")
	case diffparse.Replace:
		b.WriteString("must be replaced")
	case diffparse.Ownership:
		b.WriteString("changes owner")
	default:
		b.WriteString("will be updated in place")
	}
	if o.Reason != "" {
		fmt.Fprintf(&b, ": %s", o.Reason)
	}
	return b.String()
}
