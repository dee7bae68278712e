package classify

import (
	"cmp"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/safediff/safediff/pkg/diffparse"
	"github.com/safediff/safediff/pkg/kube"
	"github.com/safediff/safediff/pkg/rules"
)

// Finding is the verdict on one change: the change and the rule set's
// decision on it.
//
// A finding points to what it judges rather than holding a copy: a review
// of a million objects keeps a finding per object, so findings are small.
// Change and Decision may be shared, with the object's Changes and with
// other findings: read them, never change them in place (to amend a
// finding, give it a Decision of its own).
type Finding struct {
	// Change is the change judged: for a field, the element of the
	// object's Changes. For a finding about the whole object it is one of
	// a few changes every such finding shares (an empty path, or the one
	// gap of "any field", and the op), whose Pos is zero: the finding's
	// Pos says where it is.
	Change *diffparse.Change
	*rules.Decision
	// Pos is the input line of the finding: its change's first line, or
	// for a finding about the whole object the object's header (zero when
	// not known).
	Pos diffparse.Pos
	// WholeObject marks a finding about the object as a whole (its
	// creation, deletion or ownership, or changes the input hides or the
	// reader could not resolve) rather than a field.
	WholeObject bool
	// Deletion marks a finding about the whole object that judges its
	// deletion: its removal, or a rename the input may hide (helm deletes
	// the old object). Only an accept entry that names a deletion accepts
	// it.
	Deletion bool
}

// WholeChange returns a change for a finding about the whole object, for
// op: a change with an empty path (the op Hidden has the path of one gap,
// "any field"). Each call makes a new one. (The findings of one review
// share theirs, by op: read them, never change them. No review shares
// them with another, nor with the paths it decides by: what one caller
// does to its report changes no other review.)
func WholeChange(op diffparse.Op) *diffparse.Change {
	c := &diffparse.Change{Path: kube.Path{}, Op: op}
	if op == diffparse.Hidden {
		c.Path = kube.Path{kube.Gap{}}
	}
	return c
}

// whole returns the review's change for whole-object findings of op
// (sh nil: a new one).
func (sh *sharing) whole(op diffparse.Op) *diffparse.Change {
	if sh == nil || op <= 0 || int(op) >= len(sh.wholes) {
		return WholeChange(op)
	}
	if sh.wholes[op] == nil {
		sh.wholes[op] = WholeChange(op)
	}
	return sh.wholes[op]
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
	// Hook is what helm does with the object as a helm hook (NotHook for
	// a resource of the release, or where the input does not show).
	Hook rules.HookMode
	// hookPartial: the annotations show a hook, the diff only part of it
	hookPartial bool
}

// Result is the verdict on a whole plan.
type Result struct {
	Plan    *diffparse.Plan
	Objects []*Object
	// Highest is the highest level of any object (Ignored when there are
	// none).
	Highest rules.Level
	// Notes are what classification wants the reader to know about the
	// plan as a whole: fields the rules needed that the input does not
	// show, and user rules that lowered a disruptive or destructive
	// finding.
	Notes []diffparse.Note
}

// Classify judges every change of the plan with the rule set. It prints
// nothing; what no rule understands gets the fallback. It fails only when
// the plan was parsed without the fields the rules read (see
// rules.Set.FactPaths): judged without them, a change could come out lower
// than it is.
func Classify(plan *diffparse.Plan, set *rules.Set) (*Result, error) {
	return ClassifyWorkers(plan, set, 0)
}

// ClassifyWorkers is [Classify] with the objects judged by workers
// goroutines at once (0 means runtime.GOMAXPROCS, 1 judges them one after
// the other). Objects are judged independently, so the result is the same
// for every value.
func ClassifyWorkers(plan *diffparse.Plan, set *rules.Set, workers int) (*Result, error) {
	if plan == nil || set == nil {
		return nil, errors.New("classify: a plan and a rule set are needed")
	}
	if missing := missingFacts(plan, set); len(missing) > 0 {
		return nil, fmt.Errorf("classify: the plan was parsed without the fields the rules read (%s): parse it with diffparse.Options{Facts: set.FactPaths()}, or review with package review", strings.Join(missing, ", "))
	}
	res := &Result{Plan: plan}
	if len(plan.Objects) > 0 {
		res.Objects = make([]*Object, len(plan.Objects))
	}
	judge := func(from, to int, sh *sharing) {
		for i := from; i < to; i++ {
			o := plan.Objects[i]
			res.Objects[i] = object(set.Select(o), o, sh)
		}
	}
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	workers = min(workers, 4*runtime.GOMAXPROCS(0)) // more only wait for a CPU
	if n := len(plan.Objects); workers > 1 && n >= 2*objectsPerTask {
		// tasks of objectsPerTask objects, taken in turn by the workers
		var next atomic.Int64
		var wg sync.WaitGroup
		for range workers {
			wg.Go(func() {
				sh := newSharing()
				for {
					from := int(next.Add(objectsPerTask)) - objectsPerTask
					if from >= n {
						return
					}
					judge(from, min(from+objectsPerTask, n), sh)
				}
			})
		}
		wg.Wait()
	} else {
		judge(0, len(plan.Objects), newSharing())
	}
	sortObjects(res.Objects)
	for _, o := range res.Objects {
		res.Highest = max(res.Highest, o.Level)
	}
	res.Notes = notes(res)
	if len(res.Objects) > 0 && !set.HasDefaults() {
		res.Notes = append([]diffparse.Note{{Text: "the default rules are not in the rule set (--no-default-rules): every change is judged by the given rules alone, and where they decide lower than the default rules would, no note says so"}}, res.Notes...)
	}
	return res, nil
}

// objectsPerTask is how many objects a worker of ClassifyWorkers takes at
// a time.
const objectsPerTask = 32

// sortObjects orders objects as reports list them: by release, then the
// highest level first, then by reference (as its string sorts).
func sortObjects(objs []*Object) {
	slices.SortStableFunc(objs, func(a, b *Object) int {
		if a.Release != b.Release {
			return strings.Compare(a.Release, b.Release)
		}
		if a.Level != b.Level {
			return cmp.Compare(b.Level, a.Level)
		}
		return compareRefs(&a.Ref, &b.Ref)
	})
}

// compareRefs compares the strings of two references (see
// kube.ObjectRef.String) without making them: a review of a million
// objects sorts them while it holds everything else.
func compareRefs(a, b *kube.ObjectRef) int {
	if a.Kind == b.Kind && a.Group == b.Group && a.Namespace == b.Namespace {
		return strings.Compare(a.Name, b.Name) // the common case: one kind, one namespace
	}
	pa, pb := refPieces(a), refPieces(b)
	i, j := 0, 0 // the piece of each
	x, y := pa[0], pb[0]
	for {
		for x == "" && i < len(pa)-1 {
			i++
			x = pa[i]
		}
		for y == "" && j < len(pb)-1 {
			j++
			y = pb[j]
		}
		switch {
		case x == "" && y == "":
			return 0
		case x == "":
			return -1
		case y == "":
			return 1
		}
		n := min(len(x), len(y))
		if c := strings.Compare(x[:n], y[:n]); c != 0 {
			return c
		}
		x, y = x[n:], y[n:]
	}
}

// refPieces returns the pieces kube.ObjectRef.String joins, in order.
func refPieces(r *kube.ObjectRef) [7]string {
	p := [7]string{r.Kind, "", "", "/", r.Namespace, "", r.Name}
	if r.Group != "" {
		p[1], p[2] = ".", r.Group
	}
	if r.Namespace != "" {
		p[5] = "/"
	}
	return p
}

// missingFacts lists the fields the set reads that the plan did not
// collect.
func missingFacts(plan *diffparse.Plan, set *rules.Set) []string {
	have := map[string]bool{}
	for _, p := range plan.FactPaths {
		have[p.String()] = true
	}
	var out []string
	for _, p := range set.FactPaths() {
		if !have[p.String()] {
			out = append(out, p.String())
		}
	}
	return out
}

// sharing holds what the findings of many objects have in common, for
// one goroutine: the reason and assumptions of a finding about changes
// the input does not show are the same for every object a rule judges
// alike, so a review of a million such objects (helm-diff's --output
// json) makes each once instead of once an object. Findings share them:
// read them, never change them in place.
type sharing struct {
	// wholes are the changes of the whole-object findings, by op
	wholes      [diffparse.Reorder + 1]*diffparse.Change
	reasons     map[[2]string]string
	assumptions map[assumptionsKey][]string
	decisions   map[decisionKey]*rules.Decision
	alsos       map[string][]string // lists of other rules, by their ids
	// free is the rest of a block the decisions on changes are taken
	// from: one allocation for many objects
	free []rules.Decision
}

// decisionsPerBlock is how many decisions block allocates at once.
const decisionsPerBlock = 128

// newDecision returns a new decision equal to d. (Taking d's address
// instead would make every caller's d on the heap, shared or not.)
func newDecision(d rules.Decision) *rules.Decision {
	p := new(rules.Decision)
	*p = d
	return p
}

// block returns room for n decisions.
func (sh *sharing) block(n int) []rules.Decision {
	if n > decisionsPerBlock/4 {
		return make([]rules.Decision, n)
	}
	if len(sh.free) < n {
		sh.free = make([]rules.Decision, decisionsPerBlock)
	}
	b := sh.free[:n:n]
	sh.free = sh.free[n:]
	return b
}

// sameDecision reports whether decisions a and b are equal in every field
// (a lowered decision equals only itself: its note names the change).
func sameDecision(a, b *rules.Decision) bool {
	return a.Level == b.Level && a.Rule == b.Rule && a.Origin == b.Origin && a.Reason == b.Reason &&
		a.Replace == b.Replace && a.MaybeReplace == b.MaybeReplace && a.Assumed == b.Assumed &&
		a.Places == b.Places && a.Lowered == nil && b.Lowered == nil &&
		(a.Assumptions == nil) == (b.Assumptions == nil) && (a.Also == nil) == (b.Also == nil) &&
		(a.Place == nil) == (b.Place == nil) && (a.Missing == nil) == (b.Missing == nil) &&
		slices.Equal(a.Assumptions, b.Assumptions) && slices.Equal(a.Also, b.Also) &&
		a.Place.Equal(b.Place) && slices.EqualFunc(a.Missing, b.Missing, kube.Path.Equal)
}

// decisionKey is what makes two decisions one: their levels, rules and
// reasons, and their lists by identity (the lists of decisions judged
// alike are the rule set's and sharing's own, not made for each object).
type decisionKey struct {
	level                          rules.Level
	rule, origin, reason           string
	replace, maybeReplace, assumed bool
	assumptions, also              *string
	nAssumptions, nAlso            int
	missing                        *kube.Path
	nMissing                       int
	place                          *kube.Step
	nPlace, places                 int
}

// keyOf returns d's key.
func keyOf(d *rules.Decision) decisionKey {
	return decisionKey{
		level: d.Level, rule: d.Rule, origin: d.Origin, reason: d.Reason,
		replace: d.Replace, maybeReplace: d.MaybeReplace, assumed: d.Assumed,
		assumptions: unsafe.SliceData(d.Assumptions), nAssumptions: len(d.Assumptions),
		also: unsafe.SliceData(d.Also), nAlso: len(d.Also),
		missing: unsafe.SliceData(d.Missing), nMissing: len(d.Missing),
		place: unsafe.SliceData(d.Place), nPlace: len(d.Place), places: d.Places,
	}
}

// maxSharedDecisions bounds the decisions a sharing keeps: the decisions
// on whole objects are a few per kind and rule set, so the bound is met
// only by inputs that would not share anyway.
const maxSharedDecisions = 1 << 12

// decision returns a pointer to a decision equal to d: the one made for
// an earlier decision with the same content, so that a million objects
// judged alike share one. A decision a user rule lowered is never shared
// (its note names the object).
func (sh *sharing) decision(d rules.Decision) *rules.Decision {
	if d.Lowered != nil {
		return newDecision(d)
	}
	k := keyOf(&d)
	if p, ok := sh.decisions[k]; ok {
		return p
	}
	p := newDecision(d)
	if len(sh.decisions) < maxSharedDecisions {
		sh.decisions[k] = p
	}
	return p
}

// fieldDecision is decision for the decision on a change: one made
// before with the same content, or a new one from a block.
func (sh *sharing) fieldDecision(d rules.Decision) *rules.Decision {
	if d.Lowered != nil {
		p := &sh.block(1)[0]
		*p = d
		return p
	}
	d.Also = sh.also(d.Also)
	k := keyOf(&d)
	if p, ok := sh.decisions[k]; ok {
		return p
	}
	p := &sh.block(1)[0]
	*p = d
	if len(sh.decisions) < maxSharedDecisions {
		sh.decisions[k] = p
	}
	return p
}

// also returns a list equal to list of the other rules that matched: one
// returned before, so that decisions alike but for it are one.
func (sh *sharing) also(list []string) []string {
	if len(list) == 0 {
		return list
	}
	var buf [256]byte
	key := buf[:0]
	for _, id := range list {
		key = append(append(key, id...), 0)
	}
	if l, ok := sh.alsos[string(key)]; ok {
		return l
	}
	list = slices.Clip(list) // an append to a shared list makes a new one
	if len(sh.alsos) < maxSharedDecisions {
		sh.alsos[string(key)] = list
	}
	return list
}

// assumptionsKey is an assumption and the shared list it goes in front
// of.
type assumptionsKey struct {
	first string
	list  *string
	n     int
}

func newSharing() *sharing {
	return &sharing{reasons: map[[2]string]string{}, assumptions: map[assumptionsKey][]string{}, decisions: map[decisionKey]*rules.Decision{}, alsos: map[string][]string{}}
}

// reason returns reason + middle + decided.
func (sh *sharing) reason(reason, middle, decided string) string {
	key := [2]string{reason, decided}
	r, ok := sh.reasons[key]
	if !ok {
		r = reason + middle + decided
		sh.reasons[key] = r
	}
	return r
}

// assumptionsBefore returns first followed by list.
func (sh *sharing) assumptionsBefore(first string, list []string) []string {
	key := assumptionsKey{first, unsafe.SliceData(list), len(list)}
	l, ok := sh.assumptions[key]
	if !ok {
		l = slices.Clip(append([]string{first}, list...))
		sh.assumptions[key] = l
	}
	return l
}

func object(sel *rules.Selection, o *diffparse.Object, sh *sharing) *Object {
	out := &Object{Object: o, Action: o.Action}
	whole := func(op diffparse.Op) Finding {
		return Finding{Change: sh.whole(op), Decision: sh.decision(sel.Decide(nil, op)), Pos: o.Pos, WholeObject: true, Deletion: op == diffparse.Remove}
	}
	out.Findings = make([]Finding, 0, findings(o))
	switch o.Action {
	case diffparse.Create:
		out.Findings = append(out.Findings, whole(diffparse.Add))
	case diffparse.Delete:
		out.Findings = append(out.Findings, whole(diffparse.Remove))
	case diffparse.Ownership:
		// only the owner changes: the owner finding below
	default:
		// the decisions on the object's changes: a change decided as the
		// one before it shares its decision (a ConfigMap of 100,000
		// changed keys keeps one, not 100,000), and so do changes of other
		// objects decided alike (20,000 ConfigMaps whose data changes keep
		// one); the others come from shared blocks
		var prev *rules.Decision
		for i := range o.Changes {
			ch := &o.Changes[i]
			d := sel.Decide(ch, ch.Op, places(o, ch)...)
			if prev == nil || !sameDecision(prev, &d) {
				prev = sh.fieldDecision(d)
			}
			out.Findings = append(out.Findings, Finding{Change: ch, Decision: prev, Pos: ch.Pos})
		}
		if len(o.Changes) == 0 {
			assumption := "the changes are not shown (the input format shows objects, not fields)"
			if o.Content == diffparse.Suppressed {
				assumption = "the changes are not shown (helm-diff suppressed them)"
			}
			hidden := anyField(sel, o, assumption, "changes not shown", sh)
			out.Findings = append(out.Findings, hidden)
			if o.Content == diffparse.ObjectOnly {
				// helm-diff --find-renames shows a rename as a change of the
				// old object: its deletion counts, on its own (only an accept
				// entry that names a deletion accepts it)
				if f, ok := mayRename(sel, o.Pos, "the changes are not shown: the object may be renamed (helm-diff --find-renames shows a rename as a change), and a rename deletes it", rules.Ignored, sh); ok {
					out.Findings = append(out.Findings, f)
				}
			}
		}
	}
	if o.Action == diffparse.Ownership || o.NewOwner != "" {
		// the object-level formats name an ownership change without the
		// owners: it is judged all the same, never left without a finding
		out.Findings = append(out.Findings, whole(diffparse.Owner))
	}
	if len(o.Unresolved) > 0 {
		var what []string
		for _, n := range o.Unresolved {
			what = append(what, n.Text)
		}
		out.Findings = append(out.Findings, anyField(sel, o, "some lines cannot be read exactly ("+strings.Join(what, "; ")+")", "some lines cannot be read exactly", nil))
		if i := slices.IndexFunc(o.Unresolved, func(n diffparse.Note) bool { return n.Renames }); i >= 0 {
			if f, ok := mayRename(sel, o.Unresolved[i].Pos, o.Unresolved[i].Text, -1, nil); ok {
				out.Findings = append(out.Findings, f)
			}
		}
	}
	hook := sel.Hook()
	out.Hook, out.hookPartial = hook.Mode, hook.Partial
	if hook.Partial {
		out.Hook = rules.NotHook // what it is, the view does not show
	}
	if hook.Mode != rules.HookIdle && hook.Mode != rules.HookKept {
		// a hook that the upgrade does not apply is not refused now
		r := refusals(o)
		if sure := slices.DeleteFunc(slices.Clone(r), func(n diffparse.Note) bool { return n.Maybe }); len(sure) > 0 {
			out.Findings = append(out.Findings, refused(o, sure))
		} else if len(r) > 0 {
			out.Findings = append(out.Findings, mayBeRefused(o, r))
		}
		if len(o.ServerSideRefused) > 0 {
			out.Findings = append(out.Findings, serverSideRefused(o))
		}
		if o.Action == diffparse.Create && o.Content != diffparse.Complete {
			out.Findings = append(out.Findings, unseenNew(o))
		}
	}
	if f, ok := hookFinding(sel, o, hook, sh); ok {
		out.Findings = append(out.Findings, f)
	}
	if hook.Maybe != nil {
		out.Findings = maybeHook(out.Findings, sel, o, hook, sh)
	}
	replaces := false // the finding that gives the object's reason forces replacement
	for _, f := range out.Findings {
		// the first of the highest level gives the reason, one that forces
		// replacement over one that does not (it says more of the upgrade)
		if f.Level > out.Level || out.Rule == "" || f.Level == out.Level && f.Replace && !replaces {
			out.Level, out.Reason, out.Rule = f.Level, f.Reason, f.Rule
			replaces = f.Replace
		}
		// a change that forces replacement at every place it can be
		// replaces the object, shown or elided
		if f.Replace && f.Level > rules.Ignored && o.Action == diffparse.Update {
			out.Action = diffparse.Replace
			out.Culprits = append(out.Culprits, culprit(f))
		}
	}
	return out
}

// hookFinding is the finding for what helm does with a hook's object
// beside its changes (rules.ReadHook): its deletion before it is created
// anew, where that loses data; the failure of creating it again, or of
// adopting it, while its last run's object may be there; the deletion of a
// resource that becomes a hook.
func hookFinding(sel *rules.Selection, o *diffparse.Object, hook rules.HookReading, sh *sharing) (Finding, bool) {
	var d rules.Decision
	switch hook.Mode {
	case rules.HookRecreated:
		if !hook.Deletes {
			return Finding{}, false
		}
		if d = sel.Deletion(); d.Level < rules.Destructive && d.Lowered == nil {
			// gone for a moment only, then created anew (where a user's
			// rule lowered a deletion that loses data, the finding stays,
			// saying so)
			return Finding{}, false
		}
		d.Reason = "helm deletes the hook's object before it creates it anew: " + d.Reason
	case rules.HookCreated, rules.HookToResource:
		d = rules.Decision{Level: rules.Disruptive, Rule: rules.HookRule, Reason: hook.Fails}
	case rules.LeavesRelease:
		d = sel.Deletion()
		d.Reason = hook.Why + ": " + d.Reason
	default:
		return Finding{}, false
	}
	return Finding{Change: sh.whole(diffparse.Remove), Decision: sh.decision(d), Pos: o.Pos, WholeObject: true, Deletion: true}, true
}

// maybeHook adds to the findings of o, an update shown in part, what helm
// does beside its changes with the hook the view shows (hook.Maybe), where
// that is worse than the rules' decisions for a resource of the release:
// the deletion of its object before it is created anew, where that loses
// data, or the failure of creating it again.
func maybeHook(findings []Finding, sel *rules.Selection, o *diffparse.Object, hook rules.HookReading, sh *sharing) []Finding {
	f, ok := hookFinding(sel, o, *hook.Maybe, sh)
	if !ok {
		return findings
	}
	d := *f.Decision
	d.Assumed, d.Assumptions, d.Missing = true, hookShownInPart, hook.Unseen
	if len(hook.Unseen) > 0 {
		d.Assumptions = hookPolicyNotShown
	}
	f.Decision = sh.decision(d)
	return append(findings, f)
}

// the assumptions of maybeHook's findings (shared: never change them)
var (
	hookShownInPart    = []string{"the diff shows the annotations of a helm hook, but only part of the object: a line out of view may undo them"}
	hookPolicyNotShown = []string{"the diff does not show the hook's delete policy (its helm.sh/hook-delete-policy annotation)"}
)

// refused is the finding for the values of o that the API server cannot
// decode and no change's own value shows (a created object's fields, the
// insides of an added mapping or list): the server refuses the object, so
// helm upgrade fails there, whatever the rules say of the change.
func refused(o *diffparse.Object, r []diffparse.Note) Finding {
	return refusal(o, r, false, "helm upgrade will fail: ", "")
}

// mayBeRefused is the finding for what the API server refuses of o in
// some readings of what a partial view hides (notes r, each Maybe).
func mayBeRefused(o *diffparse.Object, r []diffparse.Note) Finding {
	return refusal(o, r, true, "helm upgrade may fail: where the view leaves its place open, ", "")
}

// refusal is the whole-object finding (disruptive, rule schema-type) for
// the API server's refusals r of o, their text between before and after;
// maybe marks it assumed (it holds in some readings only).
func refusal(o *diffparse.Object, r []diffparse.Note, maybe bool, before, after string) Finding {
	what, pos := joinNotes(o, r)
	d := rules.Decision{Level: rules.Disruptive, Rule: rules.SchemaTypeRule, Assumed: maybe, Reason: before + what + after}
	return Finding{Change: WholeChange(diffparse.Modify), Decision: &d, Pos: pos, WholeObject: true}
}

// unseenNew is the finding for a new object whose content the input does
// not show (an object-level format, or one helm-diff suppressed), or not
// whole (lines --suppress-output-line-regex removed): the API
// server refuses an object that is not valid (a ConfigMap key "a/b", a
// label value too long), which full context shows and the rules check,
// and helm upgrade then fails. Unseen, it may be such an object.
func unseenNew(o *diffparse.Object) Finding {
	shown := "the new object's content is not shown (the input format shows objects, not fields)"
	missing := "the content that would tell is not shown (helm diff with --output diff shows it)"
	switch o.Content {
	case diffparse.Suppressed:
		shown = "the new object's content is not shown (helm-diff suppressed it)"
	case diffparse.Partial:
		shown = "the new object's content may be shown in part (helm-diff's --suppress-output-line-regex removes lines)"
		missing = "lines that would tell may be missing (helm diff without --suppress-output-line-regex shows them)"
	}
	d := rules.Decision{Level: rules.Disruptive, Rule: rules.SchemaTypeRule, Assumed: true,
		Assumptions: []string{shown},
		Reason:      "helm upgrade may fail: the API server refuses a new object that is not valid, and " + missing}
	return Finding{Change: WholeChange(diffparse.Add), Decision: &d, Pos: o.Pos, WholeObject: true}
}

// joinNotes joins the parser's notes r on object o, each with its line,
// and returns the place of the first (the object's, where it has none).
func joinNotes(o *diffparse.Object, r []diffparse.Note) (string, diffparse.Pos) {
	what := make([]string, len(r))
	for i, n := range r {
		what[i] = n.Text
		if n.Pos.Line > 0 {
			what[i] += fmt.Sprintf(" (line %d)", n.Pos.Line)
		}
	}
	pos := r[0].Pos
	if pos.Line == 0 {
		pos = o.Pos
	}
	return strings.Join(what, "; "), pos
}

// refusals are what the API server refuses of o: the values the parser
// found (o.Refused), a kind of an API version it no longer serves on
// either side, and, for an object that is created, its name, which each
// kind validates (a Service's name must begin with a letter).
func refusals(o *diffparse.Object) []diffparse.Note {
	var out []diffparse.Note
	if o.Action == diffparse.Create {
		if why := kube.NameRefusal(o.Ref.Group, o.Ref.Kind, o.Ref.Name); why != "" {
			out = append(out, diffparse.Note{Pos: o.Pos, Text: fmt.Sprintf("the name of a %s, %s, must be %s", o.Ref.Kind, strconv.Quote(o.Ref.Name), why)})
		}
	}
	out = unserved(o, out)
	if len(out) == 0 {
		return o.Refused
	}
	return append(out, o.Refused...)
}

// pathAPIVersion is the path of an object's apiVersion.
var pathAPIVersion = kube.Path{kube.Field("apiVersion")}

// unserved appends to out a note for each side of o that holds a kind of
// an API version Kubernetes no longer serves (kube.RemovedIn), and for a
// new side of a kind its built-in group does not have: helm cannot
// map it to a resource, neither to create or update it (the new side) nor
// to build the release's objects before the upgrade (the old side: the
// well-known "unable to build kubernetes objects from current release
// manifest", which the helm-mapkubeapis plugin mends). Where the input
// does not show the version, nothing is said: it is served most likely.
func unserved(o *diffparse.Object, out []diffparse.Note) []diffparse.Note {
	if o.Ref.Version == "" {
		return out
	}
	api := func(group, version string) string { return kube.ObjectRef{Group: group, Version: version}.APIVersion() }
	// o.Ref is the new side's where it has one; the old side's version is
	// the apiVersion change's old value, where there is one
	group, version := o.Ref.Group, o.Ref.Version
	oldGroup, oldVersion := group, version
	for i := range o.Changes {
		if c := &o.Changes[i]; c.Path.Equal(pathAPIVersion) && c.Old.Present() && !c.Old.Redacted {
			oldGroup, oldVersion = kube.SplitAPIVersion(c.Old.Text)
		}
	}
	if o.Action != diffparse.Delete {
		if r := kube.RemovedIn(group, version, o.Ref.Kind); r != "" {
			out = append(out, diffparse.Note{Pos: o.Pos, Text: fmt.Sprintf("Kubernetes %s and later do not serve %s %s", r, api(group, version), o.Ref.Kind)})
		} else if kube.BuiltinGroup(group) && !kube.Defines(group, version, o.Ref.Kind) {
			// a kind misspelt, in another case, or of another group: no
			// custom resource can be in a built-in group
			out = append(out, diffparse.Note{Pos: o.Pos, Text: fmt.Sprintf("Kubernetes serves no %s %s", api(group, version), o.Ref.Kind)})
		}
	}
	if o.Action == diffparse.Delete || o.Action != diffparse.Create && (oldGroup != group || oldVersion != version) {
		if r := kube.RemovedIn(oldGroup, oldVersion, o.Ref.Kind); r != "" {
			out = append(out, diffparse.Note{Pos: o.Pos, Text: fmt.Sprintf("the release holds %s %s, which Kubernetes %s and later do not serve: helm cannot build the release's objects (the helm-mapkubeapis plugin rewrites them)", api(oldGroup, oldVersion), o.Ref.Kind, r)})
		}
	}
	return out
}

// serverSideRefused is the finding for what server-side apply refuses of
// o where the diff adds or sets it and helm 3's patch lets it through (a
// field the schema does not declare, two items of an associative list with
// the same keys, a value twice in a set; each held to the API server with
// both helms). Which helm
// applies the upgrade is not known: it may fail.
func serverSideRefused(o *diffparse.Object) Finding {
	return refusal(o, o.ServerSideRefused, true, "helm upgrade may fail: applied server-side (as helm 4 applies the releases it installs), the API server refuses ",
		"; helm 3's patch drops an undeclared field and lets repeated entries through")
}

// findings returns how many findings object makes for o.
func findings(o *diffparse.Object) int {
	n := 0
	switch o.Action {
	case diffparse.Create, diffparse.Delete:
		n = 1
	case diffparse.Ownership:
	default:
		n = max(len(o.Changes), 1)
	}
	if o.Action == diffparse.Ownership || o.NewOwner != "" {
		n++
	}
	if len(o.Unresolved) > 0 {
		n++
	}
	if len(o.Refused) > 0 || o.Action == diffparse.Create {
		n++ // a created object's name may be refused
	}
	if len(o.ServerSideRefused) > 0 {
		n++
	}
	return n
}

// mayRename is the finding for an object the input may show renamed
// (why says how): a rename deletes it, so it is judged as its deletion is
// (a Namespace's, a CRD's, a database cluster's lose data). ok is false
// where that is no higher than above (no finding is made).
func mayRename(sel *rules.Selection, pos diffparse.Pos, why string, above rules.Level, sh *sharing) (Finding, bool) {
	d := sel.Deletion()
	if d.Level <= above {
		return Finding{}, false
	}
	d.Assumed = true
	const head = "the object may be renamed, judged by its deletion"
	if sh == nil {
		d.Assumptions = append([]string{why}, d.Assumptions...)
		d.Reason = head + ": " + d.Reason
		return Finding{Change: WholeChange(diffparse.Hidden), Decision: newDecision(d), Pos: pos, WholeObject: true, Deletion: true}, true
	}
	// (the objects of an object-level format share theirs)
	d.Assumptions = sh.assumptionsBefore(why, d.Assumptions)
	d.Reason = sh.reason(head, ": ", d.Reason)
	return Finding{Change: sh.whole(diffparse.Hidden), Decision: sh.decision(d), Pos: pos, WholeObject: true, Deletion: true}, true
}

// anywhere is the path the changes of an object that any field may change
// are decided at: one gap. It is never handed out (a finding's path is
// its review's: sharing.whole), so no caller can change it.
var anywhere = kube.Path{kube.Gap{}}

// anyField is the finding for an object any of whose fields may change
// (changes the input hides, lines the reader could not resolve): it gets
// the worst a change of the object could be, and never declares a
// certain replacement. With sh, its reason and assumptions are shared
// (assumption is then one of a few, not made for the object).
func anyField(sel *rules.Selection, o *diffparse.Object, assumption, reason string, sh *sharing) Finding {
	d := sel.Decide(nil, diffparse.Hidden, anywhere)
	d.Assumed = true
	d.Replace, d.MaybeReplace = false, d.Replace || d.MaybeReplace
	d.Also = nil
	f := Finding{Change: sh.whole(diffparse.Hidden), Pos: o.Pos, WholeObject: true}
	const middle = ", judged by the worst this object's changes could be: "
	if sh == nil {
		d.Assumptions = append([]string{assumption}, d.Assumptions...)
		d.Reason = reason + middle + d.Reason
		f.Decision = newDecision(d)
		return f
	}
	d.Assumptions = sh.assumptionsBefore(assumption, d.Assumptions)
	d.Reason = sh.reason(reason, middle, d.Reason)
	f.Decision = sh.decision(d)
	return f
}

// places returns where a change can be: its path when exact; for an
// elided path, every place the schema allows (the whole stretch the change
// is in must fit), those where its value is refused included (a label
// value that is not one may still be written as a label: the upgrade then
// fails); the path itself when the schema cannot pin it.
func places(o *diffparse.Object, ch *diffparse.Change) []kube.Path {
	if ch.Path.Exact() {
		return []kube.Path{ch.Path}
	}
	var out []kube.Path
	if ch.Path.Elided() {
		typ := kube.SchemaFor(o.Ref.Group, o.Ref.Version, o.Ref.Kind)
		col := -1
		if ch.GapColumn > 0 {
			col = ch.GapColumn
		}
		if ch.Outline != nil {
			out = typ.Places(ch.Outline, col)
		}
		if len(out) == 0 {
			out = typ.Candidates(ch.Path, ch.Shape, col)
		}
	}
	if len(out) == 0 {
		return []kube.Path{ch.Path} // the schema cannot pin it: anywhere
	}
	return out
}

func culprit(f Finding) kube.Path {
	if len(f.Place) > 0 {
		return f.Place
	}
	return f.Change.Path
}

// notes says what the findings cannot say one by one: which fields the
// rules needed and the input did not show (they counted as their worst
// value), and which findings a user rule lowered.
func notes(res *Result) []diffparse.Note {
	var out []diffparse.Note
	seen := map[string]bool{}
	var missing []string
	inPart := false // a missing field is shown where a line out of view may replace it
	for _, o := range res.Objects {
		for _, f := range o.Findings {
			for _, p := range f.Missing {
				if s := p.String(); !seen["fact "+s] {
					seen["fact "+s] = true
					missing = append(missing, s)
				}
				inPart = inPart || o.ShownFact(diffparse.Old, p).Partial || o.ShownFact(diffparse.New, p).Partial
			}
		}
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		shown := ""
		if inPart {
			// YAML keeps a key's last value, and a line out of view may
			// give the key again (or open a value the shown line is text of)
			shown = " (or shown only where a line out of view may replace " + plural(len(missing), "it", "them") + ": YAML keeps the last of a key's values)"
		}
		out = append(out, diffparse.Note{Text: fmt.Sprintf("%s not shown by this input%s, so %s as %s worst value; to judge %s exactly, run helm diff upgrade with full context (--output diff, no --context)",
			strings.Join(missing, ", "), shown, plural(len(missing), "it counts", "they count"), plural(len(missing), "its", "their"), plural(len(missing), "it", "them"))})
	}
	for _, o := range res.Objects {
		if o.hookPartial {
			out = append(out, diffparse.Note{Pos: o.Pos, Text: o.Ref.String() + " shows the annotations of a helm hook, which helm creates anew rather than updating in place, but the diff shows only part of it (a line out of view may undo them): it is judged as a resource of the release, and as the hook it shows where that is worse; run helm diff upgrade with full context (--context -1) to judge it as a hook"})
		}
	}
	out = append(out, ignoreNotes(res)...)
	for _, o := range res.Objects {
		for _, f := range o.Findings {
			if f.Lowered == nil {
				continue
			}
			text := fmt.Sprintf("%s lowered %s from %s (%s) to %s", Lowerer(f), what(o, f), f.Lowered.Level, f.Lowered.Rule, f.Level)
			if !seen[text] {
				seen[text] = true
				out = append(out, diffparse.Note{Pos: f.Pos, Text: text})
			}
		}
	}
	return out
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// Lowerer names the rule that lowered a finding (f.Lowered is set): "rule
// ignore-all in team.yaml", or the fallback of a file.
func Lowerer(f Finding) string {
	rule, origin := f.Lowered.By, f.Lowered.ByOrigin
	if rule == "" {
		rule, origin = f.Rule, f.Origin
	}
	if rule == rules.FallbackRule {
		if origin == "" {
			return "the built-in fallback"
		}
		return "the fallback of " + origin
	}
	if origin == "" {
		return "rule " + rule
	}
	return fmt.Sprintf("rule %s in %s", rule, origin)
}

// what names a finding for a note: "the deletion of PersistentVolumeClaim/prod/data",
// "spec.replicas of StatefulSet.apps/prod/db".
func what(o *Object, f Finding) string {
	ref := o.Ref.String()
	if !f.WholeObject {
		return f.Change.Path.String() + " of " + ref
	}
	switch f.Change.Op {
	case diffparse.Add:
		return "the creation of " + ref
	case diffparse.Remove:
		return "the deletion of " + ref
	case diffparse.Owner:
		return "the ownership change of " + ref
	}
	return "the changes of " + ref
}
