package cluster

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/safediff/safediff/pkg/classify"
	"github.com/safediff/safediff/pkg/diffparse"
	"github.com/safediff/safediff/pkg/kube"
	"github.com/safediff/safediff/pkg/manifest"
	"github.com/safediff/safediff/pkg/rules"
)

// The rule ids of the findings the server's answers add to a review.
const (
	// RuleImmutable: the server refuses the update but would accept the
	// object new: a field that may not change.
	RuleImmutable = "server-immutable"
	// RuleRejected: the server refuses the object as the upgrade applies it.
	RuleRejected = "server-rejected"
	// RuleConflict: server-side apply meets other managers' fields.
	RuleConflict = "server-conflict"
	// RuleExists: the upgrade creates an object the server has already,
	// and helm refuses to import it into the release.
	RuleExists = "server-exists"
)

// Annotate adds what the server said to a review. It only ever adds: a
// refusal is a finding at disruptive (helm upgrade fails there), an
// immutable field makes the object a replacement even where no rule knew;
// a replacement the server does not confirm keeps its level, with a note
// saying so; drift and blast radius are notes. It never lowers a level.
func (cf *Confirmation) Annotate(res *classify.Result) {
	byID := map[kube.ObjectID]*classify.Object{}
	for _, o := range res.Objects {
		byID[o.Ref.ID()] = o
	}
	find := func(ref kube.ObjectRef) *classify.Object {
		if o := byID[ref.ID()]; o != nil {
			return o
		}
		for _, o := range res.Objects {
			if o.Ref.Group == ref.Group && o.Ref.Kind == ref.Kind && o.Ref.Name == ref.Name && (o.Ref.Namespace == "" || ref.Namespace == "") {
				return o
			}
		}
		return nil
	}
	var notes []string
	note := func(format string, args ...any) { notes = append(notes, fmt.Sprintf(format, args...)) }
	for _, chk := range cf.Checks {
		o := find(chk.Ref)
		switch chk.Outcome {
		case Accepted:
			if o != nil && (o.Action == diffparse.Replace || maybeReplace(o)) {
				note("%s: not confirmed by the server: the API server accepts this update (server-side apply dry run); the offline review still says it cannot be updated in place", chk.Ref)
			}
		case Unconfirmed:
			note("%s: not confirmed by the server: %s", chk.Ref, chk.Message)
		case Immutable, Rejected, Conflict, Unowned:
			if o == nil {
				// an object the diff does not change, refused because of
				// drift: the upgrade still applies it
				o = &classify.Object{Object: &diffparse.Object{Ref: chk.Ref, Action: diffparse.Update, Content: diffparse.Complete}, Action: diffparse.Update}
				res.Objects = append(res.Objects, o)
				byID[chk.Ref.ID()] = o
			}
			addRefusal(o, chk)
		}
	}
	for _, a := range cf.Adopted {
		note("%s: the upgrade creates it, but it exists already: helm adopts it (%s) and updates the live object in place", a.Ref, a.Why)
	}
	if len(cf.Drift) > 0 {
		t := cf.Target
		rev := fmt.Sprintf("revision %d", t.LastRevision)
		if t.LastRevision == 0 {
			rev = "the last release" // as the diff's old side shows it
		}
		if t.LastStatus == manifest.StatusFailed {
			note("%s of %s failed: helm applied part of it, so the live objects can differ from its manifest; the drift below shows where", rev, t.Release)
		}
		for _, d := range cf.Drift {
			if d.Missing {
				note("drift: %s is in %s's manifest but not in the cluster (deleted outside helm?)", d.Ref, rev)
				continue
			}
			note("drift: %s %s: %s in %s's manifest, %s live", d.Ref, d.Path, d.Release, rev, d.Live)
		}
	}
	for _, b := range cf.Blast {
		note("%s", b.String())
	}
	cf.Revisions.annotate(res, cf.Target.Release, cf.Target.Namespace)
	for _, n := range notes {
		res.Notes = append(res.Notes, diffparse.Note{Text: n})
	}
	res.Amend()
}

// serverMessage is the server's message for people, unless it may quote a
// secret: for a Secret, or a refused field whose value is never shown,
// only the fields are named.
func serverMessage(chk Check) string {
	hide := chk.Ref.Group == "" && chk.Ref.Kind == "Secret"
	var fields []string
	for _, p := range chk.Fields {
		hide = hide || kube.Sensitive(chk.Ref.Group, chk.Ref.Kind, p)
		fields = append(fields, p.String())
	}
	if !hide {
		return chk.Message
	}
	if len(fields) == 0 {
		return "(its message is withheld: it may quote a secret value)"
	}
	return "it refuses " + strings.Join(fields, ", ") + " (its message is withheld: it may quote a secret value)"
}

// maybeReplace says whether a finding of o may force a replacement.
func maybeReplace(o *classify.Object) bool {
	for _, f := range o.Findings {
		if f.Replace || f.MaybeReplace {
			return true
		}
	}
	return false
}

// addRefusal adds the server's refusal to an object's findings.
func addRefusal(o *classify.Object, chk Check) {
	rule, reason := RuleRejected, "the API server refuses this object"
	switch chk.Outcome {
	case Immutable:
		rule, reason = RuleImmutable, "the API server refuses to change it (it would accept the object new: the field may not change)"
	case Conflict:
		rule, reason = RuleConflict, "server-side apply conflicts with fields other managers own (helm upgrade fails unless --force-conflicts)"
	}
	if chk.Outcome == Unowned {
		// helm's message names only the object and its owner metadata
		rule, reason = RuleExists, "the upgrade creates it, but the server has it already, and helm does not import it into the release: helm upgrade will fail here; helm says: "+chk.Message
	} else {
		reason += ": helm upgrade will fail here; the server says: " + serverMessage(chk)
	}
	if chk.hint != "" {
		reason += "; " + chk.hint
	}
	add := func(ch *diffparse.Change, whole bool) {
		d := rules.Decision{Level: rules.Disruptive, Rule: rule, Reason: reason, Replace: chk.Outcome == Immutable}
		f := classify.Finding{Change: ch, Decision: &d, WholeObject: whole}
		o.Findings = append(o.Findings, f)
		if f.Replace && o.Action == diffparse.Update {
			o.Action = diffparse.Replace
		}
		if f.Replace {
			o.Culprits = append(o.Culprits, f.Change.Path)
		}
	}
	if len(chk.Fields) == 0 {
		add(classify.WholeChange(diffparse.Modify), true)
		return
	}
	for _, field := range chk.Fields {
		for _, p := range leaves(chk, field) {
			hide := kube.Sensitive(chk.Ref.Group, chk.Ref.Kind, p)
			ch := diffparse.Change{Path: p, Op: diffparse.Modify, Old: valueAt(chk.live, p, hide), New: valueAt(chk.desired, p, hide)}
			switch {
			case !ch.Old.Present() && ch.New.Present():
				ch.Op = diffparse.Add
			case ch.Old.Present() && !ch.New.Present():
				ch.Op = diffparse.Remove
			}
			add(&ch, false)
		}
	}
}

// rawAt returns the value at path p of an object.
func rawAt(obj map[string]any, p kube.Path) (any, bool) {
	if obj == nil {
		return nil, false
	}
	var v any = obj
	for _, s := range p {
		switch s := s.(type) {
		case kube.Field:
			m, _ := v.(map[string]any)
			var ok bool
			if v, ok = m[string(s)]; !ok {
				return nil, false
			}
		case kube.Index:
			l, _ := v.([]any)
			if int(s) < 0 || int(s) >= len(l) {
				return nil, false
			}
			v = l[s]
		case kube.Key:
			l, _ := v.([]any)
			var found any
			for _, it := range l {
				if m, ok := it.(map[string]any); ok && m[s.Field] == s.Value {
					found = it
				}
			}
			if found == nil {
				return nil, false
			}
			v = found
		default:
			return nil, false
		}
	}
	return v, true
}

// valueAt is the value at path p of an object, as a change's side.
func valueAt(obj map[string]any, p kube.Path, hide bool) diffparse.Value {
	v, ok := rawAt(obj, p)
	if !ok {
		return diffparse.Value{}
	}
	if hide {
		return diffparse.Value{Kind: diffparse.Scalar, Redacted: true, Bytes: -1}
	}
	switch x := v.(type) {
	case map[string]any, []any:
		b, _ := json.Marshal(x)
		return diffparse.Value{Kind: diffparse.Tree, Text: string(b), Bytes: -1}
	case string:
		return diffparse.Value{Kind: diffparse.Scalar, Text: x, Bytes: -1}
	default:
		b, _ := json.Marshal(x)
		return diffparse.Value{Kind: diffparse.Scalar, Text: string(b), Bytes: -1}
	}
}

// leaves returns the fields below field where the object as applied
// differs from the live one: the changes the server refused. The field
// itself when none can be told apart.
func leaves(chk Check, field kube.Path) []kube.Path {
	want, wok := rawAt(chk.desired, field)
	have, hok := rawAt(chk.live, field)
	if !wok || !hok {
		return []kube.Path{field}
	}
	d := &differ{ref: chk.Ref, typ: kube.SchemaFor(chk.Ref.Group, chk.Ref.Version, chk.Ref.Kind)}
	d.compare(field, want, have, true)
	var out []kube.Path
	for _, dr := range d.out {
		out = append(out, dr.Path)
	}
	if len(out) == 0 {
		return []kube.Path{field}
	}
	return out
}

// String says what a roll-out restarts and what may hold it back.
func (b Blast) String() string {
	var s strings.Builder
	// Replicas is what the workload wants, not the pods that run: "the 1
	// pod it wants (0 ready now)" where none runs
	fmt.Fprintf(&s, "blast radius: %s restarts the %d pod", b.Ref, b.Replicas)
	if b.Replicas != 1 {
		s.WriteString("s")
	}
	fmt.Fprintf(&s, " it wants (%d ready now)", b.Ready)
	if b.Strategy != "" {
		fmt.Fprintf(&s, ", update strategy %s", b.Strategy)
	}
	if strings.HasPrefix(b.Strategy, "OnDelete") {
		s.WriteString(": pods restart only when they are deleted")
	}
	for _, p := range b.PDBs {
		var budget []string
		if p.MinAvailable != "" {
			budget = append(budget, "minAvailable "+p.MinAvailable)
		}
		if p.MaxUnavailable != "" {
			budget = append(budget, "maxUnavailable "+p.MaxUnavailable)
		}
		fmt.Fprintf(&s, "; PodDisruptionBudget %s (%s) allows %d disruption", p.Name, strings.Join(budget, ", "), p.DisruptionsAllowed)
		if p.DisruptionsAllowed != 1 {
			s.WriteString("s")
		}
		s.WriteString(" now")
		if p.DisruptionsAllowed == 0 {
			s.WriteString(": evictions (node drains) of these pods wait while the roll-out runs; the roll-out itself does not wait for it")
		}
	}
	return s.String()
}
