package rules

import (
	"k8s.io/apimachinery/pkg/api/resource"
	"sigs.k8s.io/yaml"
	"strings"

	"encoding/binary"
	"fmt"
	"strconv"

	"github.com/safediff/safediff/pkg/diffparse"
	"github.com/safediff/safediff/pkg/kube"
)

// FallbackRule is the rule id of decisions that no rule matched.
const FallbackRule = "fallback"

// SchemaTypeRule is the rule id of the built-in check that a new value has
// the type its field takes and passes the server's validation of that
// field (kube.Check): a value the API server cannot decode (replicas: abc,
// a number in a label) or refuses (replicas: -1, imagePullPolicy:
// Sometimes) makes helm upgrade fail, so such a change is at least
// disruptive, whatever the rules say.
const SchemaTypeRule = "schema-type"

// ServerDefaultRule is the rule id of the built-in decision that a field
// removed, or added, with the value the API server gives it where a
// request leaves it out (kube.Default: a Secret's type Opaque, a
// StatefulSet's podManagementPolicy OrderedReady) changes nothing: the
// server sets the same value again, and no immutable field changes.
const ServerDefaultRule = "server-default"

// Decision is a rule set's answer for one change of an object.
type Decision struct {
	Level Level
	// Rule is the id of the deciding rule, [FallbackRule] or
	// [SchemaTypeRule]; Origin the file it comes from ("" for the built-in
	// fallback and check).
	Rule   string
	Origin string
	Reason string
	// Replace is set when the change certainly forces the object to be
	// replaced (at every place it can be); MaybeReplace when it may, but
	// the input does not show enough to be sure.
	Replace      bool
	MaybeReplace bool
	// Assumed is set when the level rests on something the input does not
	// show: an elided location, a hidden value, a field out of view. The
	// real level may be lower, never higher. Assumptions say what, for a
	// reader ("spec.replicas is not shown (it counts as its worst value)").
	Assumed     bool
	Assumptions []string
	// Missing lists the object fields the rules needed that the input does
	// not show: they counted as their worst value.
	Missing []kube.Path
	// Place is, for a change that can be at several places, the place
	// that gave the level (a full path); Places counts the places.
	Place  kube.Path
	Places int
	// Also lists other rules that certainly matched.
	Also []string
	// Lowered is set when a higher layer decided lower than the lowest
	// layer (the default rules) would have, and that would have been at
	// least disruptive: a user rule silenced a finding.
	Lowered *Baseline
	// baseReplace: where a higher layer decided, the lowest layer says
	// the change forces (or may force) a replacement, whatever the level
	// each says (see Ignorable)
	baseReplace bool
}

// Baseline is what the lowest layer of a set alone decides, where a rule
// of a higher layer decided lower.
type Baseline struct {
	Level Level
	Rule  string
	// By is the rule that decided lower, and ByOrigin its file ("" for
	// the built-in fallback). A decision made over it (a helm hook's, the
	// safediff.dev/ignore annotation's) keeps naming it.
	By, ByOrigin string
	// Replace: the lowest layer forces, or may force, a replacement.
	Replace bool
}

// Selection is a set's rules that select one object (by group, kind,
// name, namespace, release and action): what [Selection.Decide] needs to
// decide the object's changes. It is cheap to make, once per object.
type Selection struct {
	set    *Set
	obj    *diffparse.Object
	layers [][]indexedRule // per layer, highest precedence first
	schema *kube.Type
	// ignores are the paths the object's safediff.dev/ignore annotation
	// names (none when it does not parse)
	ignores []kube.Pattern
	// hook is what helm does with the object as a hook (hook.go), and
	// created the decision for a hook it creates (made when first needed)
	hook    HookReading
	created *Decision
	// kept: helm upgrade does not delete the object (keep.go)
	kept bool
	// tree is the last tree value decoded for typeProblem: a change is
	// judged at each of its places in turn
	tree struct {
		of *diffparse.Change
		v  any
		ok bool
	}
	// paths memoises how the rules' paths match a place, per place (by
	// its text) and rule (in layer order): an elided change is decided at
	// every place it can be, and the changes of one stretch share them
	// (thousands of hunks under --context 0 matched the same hundreds of
	// places against every rule again). Bounded.
	paths   map[string][]kube.Match
	pathBuf []byte
}

// maxPathMemo bounds the places a selection memoises.
const maxPathMemo = 1024

// pathMatches returns how the rule at index i of the flattened layers
// matches path, memoised.
func (sel *Selection) pathMatches(path kube.Path) []kube.Match {
	sel.pathBuf = path.Append(sel.pathBuf[:0])
	if m, ok := sel.paths[string(sel.pathBuf)]; ok {
		return m
	}
	n := 0
	for _, l := range sel.layers {
		n += len(l)
	}
	m := make([]kube.Match, 0, n)
	for _, l := range sel.layers {
		for i := range l {
			if l[i].canMatch(path) {
				m = append(m, l[i].pathMatch(path))
			} else {
				m = append(m, kube.No)
			}
		}
	}
	if sel.paths == nil || len(sel.paths) >= maxPathMemo {
		sel.paths = map[string][]kube.Match{}
	}
	sel.paths[string(sel.pathBuf)] = m
	return m
}

// Select returns the rules of s that select obj.
func (s *Set) Select(obj *diffparse.Object) *Selection {
	sel := &Selection{set: s, obj: obj}
	// the rules are gathered on the stack; the lists are shared by the
	// selections of the same rules (made once: a list per object made
	// most of a review's garbage)
	var buf [64]indexedRule
	all := buf[:0]
	var ends [8]int
	bounds := ends[:0]
	var keyBuf [256]byte
	key := keyBuf[:0]
	for i := range s.layers {
		n := len(all)
		for _, r := range s.index[i].forKind(obj.Ref.Kind) {
			if r.MatchesObject(obj) {
				all = append(all, r)
				key = binary.LittleEndian.AppendUint32(key, r.ord)
			}
		}
		bounds = append(bounds, len(all))
		// the layer's count ends its places: read from the end, a key names one selection
		key = binary.LittleEndian.AppendUint32(key, uint32(len(all)-n))
	}
	sel.layers = s.shared.selection(key, all, bounds)
	sel.schema = kube.SchemaFor(obj.Ref.Group, obj.Ref.Version, obj.Ref.Kind)
	if pats, _, err := IgnorePatterns(obj); err == nil {
		sel.ignores = pats
	}
	sel.hook = ReadHook(obj)
	sel.kept = Kept(obj)
	return sel
}

// Hook returns what helm does with the selected object as a hook.
func (sel *Selection) Hook() HookReading { return sel.hook }

// Deletion decides the selected object's deletion by the rules alone, as
// if it were a resource of the release (a hook's object that helm deletes
// before creating it anew is judged by it where that loses data).
func (sel *Selection) Deletion() Decision {
	return sel.whole(diffparse.Delete, diffparse.Remove)
}

// whole decides the selected object as a whole, as if the upgrade did
// action to it (the rules that select an object name its action).
//
// A user's rule that lowers a disruptive or destructive decision is
// recorded (Decision.Lowered), as for a change.
func (sel *Selection) whole(action diffparse.Action, op diffparse.Op) Decision {
	o := *sel.obj
	o.Action = action
	s := sel.set.Select(&o)
	d, layer := s.decideAt(nil, op, kube.Path{}, 0)
	if base := len(s.layers) - 1; base > 0 && layer != base {
		s.baseline(&d, nil, op, []kube.Path{{}})
	}
	return d
}

// Decide decides one change of the selected object. ch is the field
// change, or nil for the object as a whole (its creation, deletion,
// ownership change, or changes the input hides); op is its operation; and
// places are where it can be: its path when that is exact, the places the
// schema allows for an elided path (at least one). The change gets the
// highest level among its places; it certainly forces a replacement only
// when it does at every place.
func (sel *Selection) Decide(ch *diffparse.Change, op diffparse.Op, places ...kube.Path) Decision {
	if len(places) == 0 {
		places = []kube.Path{{}}
	}
	base := len(sel.layers) - 1
	var best Decision
	allReplace := true
	fromAbove := false // a layer above the lowest (or its fallback) decided somewhere
	if d, ok := sel.serverDefault(ch, op); ok {
		best, places = d, nil
	}
	for i, p := range places {
		d, layer := sel.decideAt(ch, op, p, 0)
		allReplace = allReplace && d.Replace
		fromAbove = fromAbove || layer != base
		if i == 0 || worse(d, best) {
			best = d
			best.Place = p
		}
	}
	if ch == nil {
		best.Place = nil // the object as a whole
	} else {
		if !ch.Path.Exact() {
			best.Places = len(places)
		}
		if len(places) > 1 || !best.Place.Exact() {
			best.Assumed = true
			if sh := sel.set.shared; sh != nil {
				best.Assumptions = sh.placedBefore(len(places), best.Assumptions)
			} else {
				best.Assumptions = append([]string{placesPhrase(len(places))}, best.Assumptions...)
			}
			if best.Replace && !allReplace {
				best.Replace, best.MaybeReplace = false, true
			}
		}
		if best.Place.Equal(ch.Path) {
			best.Place = nil
		}
	}
	if fromAbove && base > 0 {
		sel.baseline(&best, ch, op, places)
	}
	sel.ignore(&best, ch)
	sel.asHook(&best)
	if sel.kept && ch == nil && op == diffparse.Remove {
		best = keptDecision
	}
	return best
}

// serverDefault decides a change of an exact field that only takes away
// or writes out the value the API server gives the field where a request
// leaves it out (or leaves it empty, for a string: the defaulting reads
// Go's zero value): helm's patch removes the field (or sets it), and the
// server's defaulting sets the same value again. A field added in a
// partial view is left to the rules: it may have stood elsewhere before.
func (sel *Selection) serverDefault(ch *diffparse.Change, op diffparse.Op) (Decision, bool) {
	if ch == nil || !ch.Path.Exact() {
		return Decision{}, false
	}
	if d, ok := sel.emptyAsAbsent(ch, op); ok {
		return d, true
	}
	if d, ok := sel.sameQuantity(ch, op); ok {
		return d, true
	}
	if d, ok := sel.mirroredServiceAccount(ch, op); ok {
		return d, true
	}
	def, ok := kube.Default(sel.obj.Ref.Group, sel.obj.Ref.Kind, ch.Path)
	if !ok {
		return Decision{}, false
	}
	null := func(v diffparse.Value) bool {
		return !v.Present() || v.Kind == diffparse.Scalar && (v.Type == diffparse.NullType ||
			v.Type == diffparse.StringType && v.Text == "" && defaultType(def) == diffparse.StringType)
	}
	var v diffparse.Value
	switch {
	case (op == diffparse.Remove || op == diffparse.Modify) && null(ch.New) && ch.Old.Present() && !ch.Old.Redacted && null(ch.Old):
		// an empty string taken away, or set to null: both sides are the
		// default to the API server's defaulting (a Secret's type "")
		v = diffparse.Value{Kind: diffparse.Scalar, Text: def, Type: defaultType(def)}
	case (op == diffparse.Remove || op == diffparse.Modify) && null(ch.New):
		v = ch.Old
	case op == diffparse.Modify && null(ch.Old), op == diffparse.Add && sel.obj.Content != diffparse.Partial:
		v = ch.New
	default:
		return Decision{}, false
	}
	if v.Kind != diffparse.Scalar || v.Redacted || v.Comparable() != def || v.Type != defaultType(def) {
		return Decision{}, false
	}
	what := fmt.Sprintf("%s is its default, %s", ch.Path, def)
	if kube.IsSecretKind(sel.obj.Ref.Group, sel.obj.Ref.Kind) {
		what = ch.Path.String() + " is its default" // a Secret's values are never printed
	}
	return Decision{Level: Safe, Rule: ServerDefaultRule, Reason: what + ": the API server sets it where it is left out - the object does not change"}, true
}

// emptyAsAbsent decides a change of an exact field that writes out an
// empty list, map or struct where the API server holds the empty value as
// it holds the field left out ([kube.EmptyIsAbsent]): a Job's container
// that gains resources: {} (what helm create's values render) is the Job
// it was, not a change of its immutable template. As for a default, a
// field added in a partial view may have stood elsewhere.
//
// Taken away, it is no such change: helm 3's three-way patch sets the
// field to null, which clears what the live object holds there beyond the
// chart (an annotation kubectl rollout restart wrote), so the rules
// decide.
func (sel *Selection) emptyAsAbsent(ch *diffparse.Change, op diffparse.Op) (Decision, bool) {
	if op != diffparse.Add || sel.obj.Content == diffparse.Partial {
		return Decision{}, false
	}
	v := ch.New
	if v.Kind != diffparse.Tree || v.Redacted {
		return Decision{}, false
	}
	list, empty := emptyTree(v.Text)
	if !empty || !kube.EmptyIsAbsent(sel.schema, sel.obj.Ref.Group, sel.obj.Ref.Kind, ch.Path, list) {
		return Decision{}, false
	}
	return Decision{Level: Safe, Rule: ServerDefaultRule, Reason: ch.Path.String() + " is empty: the API server holds it as it holds the field left out - the object does not change"}, true
}

// emptyTree reports whether YAML text is an empty flow mapping or list,
// and which.
func emptyTree(text string) (list, empty bool) {
	if len(text) > 64 || !strings.ContainsAny(text, "{[!") {
		// without a flow collection or a tag, YAML text is a scalar or a
		// block collection, which has an entry: a list of 100,000 items
		// added is not read 100,000 times
		return false, false
	}
	var v any
	if err := yaml.Unmarshal([]byte(text), &v); err != nil {
		return false, false
	}
	switch v := v.(type) {
	case map[string]any:
		return false, len(v) == 0
	case []any:
		return true, len(v) == 0
	}
	return false, false
}

// serviceAccountNamePaths are where the kinds with a pod spec hold its
// serviceAccountName, for the parser to keep (mirroredServiceAccount).
func serviceAccountNamePaths() []kube.Path {
	seen := map[string]bool{}
	var out []kube.Path
	for _, gk := range [][2]string{{"", "Pod"}, {"", "PodTemplate"}, {"apps", "Deployment"}, {"batch", "CronJob"}} {
		base, _ := kube.PodSpecPath(gk[0], gk[1])
		p := base.Child(kube.Field("serviceAccountName"))
		if !seen[p.String()] {
			seen[p.String()] = true
			out = append(out, p)
		}
	}
	return out
}

// mirroredServiceAccount decides a change of a pod spec's deprecated
// serviceAccount that leaves it the value of the new side's
// serviceAccountName (added, or changed to it), or takes it away where
// serviceAccountName holds its value: the API server stores only
// serviceAccountName, and writes serviceAccount out as a copy of it (the
// v1 conversion of PodSpec), so the object does not change. Many charts
// dropped the field in a patch release (cilium 1.15.6 to 1.15.19). Where
// serviceAccountName is not shown, or differs, the rules decide.
func (sel *Selection) mirroredServiceAccount(ch *diffparse.Change, op diffparse.Op) (Decision, bool) {
	base, ok := kube.PodSpecPath(sel.obj.Ref.Group, sel.obj.Ref.Kind)
	if !ok || len(ch.Path) != len(base)+1 || ch.Path[len(base)] != kube.Field("serviceAccount") || !ch.Path[:len(base)].Equal(base) {
		return Decision{}, false
	}
	var v diffparse.Value
	switch op {
	case diffparse.Add, diffparse.Modify:
		v = ch.New
	case diffparse.Remove:
		v = ch.Old
	default:
		return Decision{}, false
	}
	name := sel.obj.Fact(diffparse.New, base.Child(kube.Field("serviceAccountName")))
	if v.Kind != diffparse.Scalar || v.Redacted || v.Type != diffparse.StringType || v.Text == "" ||
		name.Presence != diffparse.Present || name.Value.Kind != diffparse.Scalar || name.Value.Type != diffparse.StringType || name.Value.Comparable() != v.Comparable() {
		return Decision{}, false
	}
	return Decision{Level: Safe, Rule: ServerDefaultRule, Reason: fmt.Sprintf("%s is the deprecated copy of serviceAccountName, which is %s: the API server stores only serviceAccountName - the object does not change", ch.Path, v.Text)}, true
}

// sameQuantity decides a change of an exact quantity field (by the schema)
// whose old and new values are one quantity written two ways (10Gi and
// 10240Mi, 500m and 0.5): the API server decodes both to the same
// resource.Quantity and compares them equal (Semantic.DeepEqual: a Job's
// immutable template, a claim template's storage, a Deployment's pod
// template). A template that its controller holds by its bytes
// ([kube.TemplateBytes]) is held as the server stores it, each quantity in
// its canonical form: 100m and 0.1, or 1Gi and 1024Mi, are stored alike
// and change nothing, where 1Gi and 1073741824 (binary and decimal
// suffixes) are stored apart, and the rules decide.
func (sel *Selection) sameQuantity(ch *diffparse.Change, op diffparse.Op) (Decision, bool) {
	if op != diffparse.Modify || ch.Old.Kind != diffparse.Scalar || ch.New.Kind != diffparse.Scalar || ch.Old.Redacted || ch.New.Redacted {
		return Decision{}, false
	}
	if ft := sel.schema.At(ch.Path); ft == nil || ft.Kind != kube.ScalarType || ft.Leaf != kube.QuantityLeaf {
		return Decision{}, false
	}
	bytes := kube.TemplateBytes(sel.obj.Ref.Group, sel.obj.Ref.Kind, ch.Path)
	// the values as the API server receives them (sigs.k8s.io/yaml: a
	// plain 010 is the octal 8, not the quantity "010")
	qa, err := resource.ParseQuantity(ch.Old.Comparable())
	if err != nil {
		return Decision{}, false
	}
	qb, err := resource.ParseQuantity(ch.New.Comparable())
	if err != nil || qa.Cmp(qb) != 0 || bytes && qa.String() != qb.String() {
		return Decision{}, false
	}
	if bytes {
		return Decision{Level: Safe, Rule: ServerDefaultRule, Reason: fmt.Sprintf("%s: %s and %s are one quantity, which the API server stores as %s - the template does not change", ch.Path, ch.Old.Text, ch.New.Text, qa.String())}, true
	}
	return Decision{Level: Safe, Rule: ServerDefaultRule, Reason: fmt.Sprintf("%s: %s and %s are one quantity, which the API server compares by value - the object does not change", ch.Path, ch.Old.Text, ch.New.Text)}, true
}

// defaultType is the YAML type of a default value as kube.Default gives it.
func defaultType(def string) diffparse.ScalarType {
	if _, err := strconv.Atoi(def); err == nil {
		return diffparse.IntType
	}
	if def == "true" || def == "false" {
		return diffparse.BoolType
	}
	return diffparse.StringType
}

// asHook turns a decision into what it is for a hook: nothing applied now
// for a hook the upgrade does not run or delete, the object's creation for
// one it creates anew (a value the server cannot take still fails it). A
// change the rules ignore stays ignored: helm creates a hook anew at every
// upgrade it runs, changed or not, and what the change itself does is
// nothing. (So a view that does not show a hook's annotations, and judges
// it as a resource of the release, is never lower.)
func (sel *Selection) asHook(d *Decision) {
	if sel.hook.Mode.Unpatched() && d.Level == Ignored {
		return
	}
	switch sel.hook.Mode {
	case HookIdle, HookKept:
		*d = Decision{Level: Safe, Rule: HookRule, Reason: sel.hook.Why}
	case HookRecreated, HookCreated:
		if d.Rule == SchemaTypeRule {
			return
		}
		if sel.created == nil {
			c := sel.whole(diffparse.Create, diffparse.Add)
			if c.Rule != SchemaTypeRule {
				// (a user's rule that lowered the creation is still named)
				c = Decision{Level: c.Level, Rule: HookRule, Reason: sel.hook.Why + "; created: " + c.Reason, Also: []string{c.Rule}, Lowered: c.Lowered}
			}
			sel.created = &c
		}
		*d = *sel.created
	}
}

// worse reports whether a is a worse decision than b: a higher level, or
// at one level a (possible) replacement.
func worse(a, b Decision) bool {
	switch {
	case a.Level != b.Level:
		return a.Level > b.Level
	case a.Replace != b.Replace:
		return a.Replace
	}
	return a.MaybeReplace && !b.MaybeReplace
}

func placesPhrase(n int) string {
	if n == 1 {
		return "its place is not shown"
	}
	return fmt.Sprintf("its place is not shown (%d places possible)", n)
}

// baseline compares d with what the lowest layer alone decides at the
// same places, and records a lowering of a disruptive or destructive
// decision.
func (sel *Selection) baseline(d *Decision, ch *diffparse.Change, op diffparse.Op, places []kube.Path) {
	base := len(sel.layers) - 1
	var worst Decision
	var worstAt kube.Path
	allReplace := true
	for i, p := range places {
		b, _ := sel.decideAt(ch, op, p, base)
		allReplace = allReplace && b.Replace
		d.baseReplace = d.baseReplace || b.Replace || b.MaybeReplace
		if i == 0 || worse(b, worst) {
			worst, worstAt = b, p
		}
	}
	// a replacement is the API server's (an immutable field), not a
	// level: a rule of a higher layer that decides the level without
	// replace: true keeps it (accept it with an accept entry's action).
	// It is certain only where it is at every place.
	if !d.Replace && d.baseReplace {
		d.Replace, d.MaybeReplace = allReplace, !allReplace
	}
	if worst.Level >= Disruptive && worst.Level > d.Level {
		// the rule that lowered it is the one that decides where the
		// lowest layer alone decides worst, not the one of the place
		// that decides the change now
		by, _ := sel.decideAt(ch, op, worstAt, 0)
		d.Lowered = &Baseline{Level: worst.Level, Rule: worst.Rule, By: by.Rule, ByOrigin: by.Origin, Replace: worst.Replace || worst.MaybeReplace}
	}
}

// decideAt decides one change at one place with the layers from first
// down, and returns the index of the layer that decided (len(layers) for
// the fallback).
func (sel *Selection) decideAt(ch *diffparse.Change, op diffparse.Op, path kube.Path, first int) (Decision, int) {
	subj := Subject{Object: sel.obj, Change: ch, Path: path, Op: op}
	type cand struct {
		r     *Rule
		maybe bool
	}
	// the candidates stay on the stack: a decision is made for every
	// change at every place it can be
	var collectedBuf [16]cand
	var yesBuf, maybeBuf [16]*Rule
	collected := collectedBuf[:0]
	decided := len(sel.layers)
	var maybeOverride *Rule
	pms := sel.pathMatches(path)
	base := 0
	for li := 0; li < first; li++ {
		base += len(sel.layers[li])
	}
	for li := first; li < len(sel.layers); li++ {
		yes, maybe := yesBuf[:0], maybeBuf[:0]
		overridden := false
		for i := range sel.layers[li] {
			pm := pms[base+i]
			if pm == kube.No {
				continue // r.Matches(subj) is No
			}
			r := sel.layers[li][i].Rule
			switch r.matchesAt(subj, pm) {
			case kube.Yes:
				if r.Override && !overridden {
					// an override decides alone within its layer
					overridden, yes, maybe = true, yes[:0], maybe[:0]
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
			decided = li
			if !overridden {
				// an override that may match would decide alone: the
				// others' outcome is then only the worst one
				for _, r := range maybe {
					if r.Override {
						maybeOverride = r
						break
					}
				}
			}
			break
		}
		base += len(sel.layers[li])
	}
	// the most severe: the highest level, and at one level a replacement
	// (on a tie, the first: yes before maybe, in file order)
	var best *cand
	for i := range collected {
		c := &collected[i]
		if best == nil || c.r.Level > best.r.Level || c.r.Level == best.r.Level && c.r.Replace && !best.r.Replace {
			best = c
		}
	}
	var d Decision
	fb := sel.set.fallbacks[first]
	// where no rule is sure to match, the fallback ("no rule covers this
	// change") explains a tie better than a rule for any kind that only
	// may (the keep policy dropped, for a custom resource's hidden changes)
	generic := best != nil && best.maybe && len(best.r.Match.Kinds) == 0 && !best.r.Replace
	if decided == len(sel.layers) && (best == nil || fb.Level > best.r.Level || fb.Level == best.r.Level && generic) {
		d.Level, d.Rule, d.Origin, d.Reason = fb.Level, FallbackRule, fb.origin, fb.Reason
		d.Assumed = best != nil
	} else {
		d.Level, d.Rule, d.Origin, d.Reason = best.r.Level, best.r.ID, best.r.Origin, best.r.Reason
		d.Assumed = best.maybe
		switch {
		case best.maybe:
			d.MaybeReplace = best.r.Replace
			d.Missing, d.Assumptions = best.r.unknowns(subj, sel.set.shared)
		case maybeOverride != nil && !best.r.Override:
			// certain, but an override the input does not show enough to
			// rule out would decide otherwise: a replacement is only
			// possible (a Service's loadBalancerClass set as its type may
			// become LoadBalancer, in a view that may hide another type)
			d.Assumed, d.MaybeReplace = true, best.r.Replace
			d.Missing, d.Assumptions = maybeOverride.unknowns(subj, sel.set.shared)
		default:
			d.Replace = best.r.Replace
		}
	}
	for _, x := range collected {
		if !x.maybe && (best == nil || x.r != best.r) {
			d.Also = append(d.Also, x.r.ID)
		}
	}
	if d.Level < Disruptive {
		// a reading of what the view hides raises a lower decision; beside
		// one as high it would say no more than "may"
		why := sel.hiddenProblem(ch, op, path)
		if why == "" {
			why = sel.applyProblem(ch, op, path)
		}
		if why == "" {
			why = sel.keySharedProblem(ch)
		}
		if why != "" {
			if d.Rule != FallbackRule {
				d.Also = append([]string{d.Rule}, d.Also...)
			}
			d = Decision{Level: Disruptive, Rule: SchemaTypeRule, Reason: why, Also: d.Also, Assumed: true}
		}
	}
	if why := sel.typeProblem(ch, op, path); why != "" {
		if d.Level <= Disruptive {
			if d.Rule != FallbackRule {
				d.Also = append([]string{d.Rule}, d.Also...)
			}
			d = Decision{Level: Disruptive, Rule: SchemaTypeRule, Reason: why, Also: d.Also}
		} else {
			d.Also = append(d.Also, SchemaTypeRule)
		}
	}
	return d, decided
}

// typeProblem returns why the API server cannot decode the change's new
// value at path, or "" when it can or when that is not known (a value of
// unknown type, a field the schema does not know).
//
// For a tree whose place the diff does not show, what lies inside it is
// checked at each place too (the parser checks the insides of trees at
// known places: [diffparse.Object.Refused]).
func (sel *Selection) typeProblem(ch *diffparse.Change, op diffparse.Op, path kube.Path) string {
	if ch == nil {
		return ""
	}
	if ch.New.Redacted {
		// a Secret's value is not shown; its key is
		if op == diffparse.Add || op == diffparse.Modify {
			if want := kube.KeyRefusal(path); want != "" {
				return fmt.Sprintf("helm upgrade will fail: %s must be %s", path, want)
			}
			// a mapping or list where the schema takes a scalar (a label
			// value, a Secret's type): its shape says so, not its text (a
			// redacted scalar is checked as it is read)
			if ch.New.Kind == diffparse.Tree {
				if want := diffparse.ShapeRefusal(sel.schema.At(path), ch.Shape); want != "" {
					return fmt.Sprintf("helm upgrade will fail: %s must be %s", path, want)
				}
			}
			// where the diff elides its place, or anything of the object
			// (the reader checks redacted values of whole objects), a
			// redacted scalar is checked here, at each place it can be, by
			// its type
			if ch.New.Kind == diffparse.Scalar && (!ch.Path.Exact() || sel.obj.Content == diffparse.Partial) {
				if want := diffparse.TypeRefusal(sel.schema.At(path), ch.New.Type); want != "" {
					return fmt.Sprintf("helm upgrade will fail: %s must be %s", path, want)
				}
				// at a label's place (kube.Plausible refuses "-" there only),
				// what a label value is, as Refusal says of one shown
				if ch.New.NotLabel && !kube.Plausible(path, "-") {
					if want := diffparse.Refusal(sel.schema.At(path), path, diffparse.StringType, "-"); want != "" {
						return fmt.Sprintf("helm upgrade will fail: %s must be %s", path, want)
					}
				}
			}
		}
		return ""
	}
	// a value its kind does not take (a Deployment's pods that do not
	// restart), or a field its kind requires that the change unsets
	// (a field of a mapping removed whole goes with it: nothing is unset)
	unset := !ch.Within && (op == diffparse.Remove || ch.New.Kind == diffparse.Scalar && ch.New.Type == diffparse.NullType)
	if op == diffparse.Remove || op == diffparse.Modify || op == diffparse.Add {
		if want := diffparse.KindRefusal(sel.obj.Ref, path, ch.New.Text, unset); want != "" && (unset || ch.New.Kind != diffparse.Tree) {
			return fmt.Sprintf("helm upgrade will fail: %s must be %s", path, want)
		}
		if want := diffparse.ScheduleTZRefusal(sel.obj.Ref, path, ch.Old, ch.New); want != "" {
			return fmt.Sprintf("helm upgrade will fail: %s must be %s", path, want)
		}
		if want := diffparse.ContainersRefusal(sel.obj.Ref, path, op, ch.New); want != "" && !ch.Within {
			return fmt.Sprintf("helm upgrade will fail: %s must be %s", path, want)
		}
	}
	if unset && (op == diffparse.Remove || op == diffparse.Modify) {
		// helm's patch deletes a field removed or set to null: one the API
		// server requires (an image, an autoscaler's maxReplicas) is refused
		if t := sel.schema.At(path); t != nil && t.Check.Required() {
			return fmt.Sprintf("helm upgrade will fail: %s must be set (it is required)", path)
		}
	}
	if (op != diffparse.Add && op != diffparse.Modify) || !ch.New.Present() {
		return ""
	}
	t := sel.schema.At(path)
	var want string
	switch v := ch.New; v.Kind {
	case diffparse.Tree:
		want = diffparse.ShapeRefusal(t, ch.Shape)
		if want == "" && !ch.Path.Exact() {
			if sel.tree.of != ch {
				sel.tree.of = ch
				sel.tree.v, sel.tree.ok = diffparse.DecodeTree(v.Text)
			}
			if sel.tree.ok {
				if why := diffparse.TreeRefusal(t, path, sel.tree.v); why != "" {
					return "helm upgrade will fail: " + why
				}
			}
		}
	case diffparse.Text:
		want = diffparse.Refusal(t, path, diffparse.StringType, v.Text)
	default:
		want = diffparse.Refusal(t, path, v.Type, v.Text)
	}
	if want == "" {
		return ""
	}
	return fmt.Sprintf("helm upgrade will fail: %s must be %s", path, want)
}
